// SPEC §5 stores every unfiltered Adapty combination; the day-by-day ones grow with the square of the
// history (a cohort a day, a period a day): 36 years of daily cohorts made a 7.8 GB days-day-cohort body,
// which Node cannot hold in one Buffer (4 GiB) and no client could take. A body is limited to
// ADAPTY_BODY_LIMIT, and a run whose history must pass it is refused before its expensive stages.
import { AppError } from '../config/AppError.js';
import { visibleLine } from '../format/text.js';
import type { TenantHistory } from '../ltv/historyDays.js';
import { SEGMENT_COLUMNS, type AttributeSegmentation } from '../ltv/model.js';

/** The largest Adapty body written (2 GiB, README "Outputs and layout"): half of Node's Buffer limit (4 GiB),
 *  so the buffer never has to double past it; about 20 years of daily cohorts stay below it (12 years made a
 *  767 MB body, 66 MB gzipped, in 14 s, which a lower limit would have refused). */
export const ADAPTY_BODY_LIMIT = 2 * 2 ** 30;

/** Bytes a cell takes at least: `,{"period":` + its digits + `,"value":` + one character + `}`. */
const CELL_FLOOR = 1 + 10 + 9 + 1 + 1;
/** Bytes a row takes at least besides its cells (`{"title":"Total","type":"total","value":1,"cohort_size":1,"values":[]}` is 69 and a comma). */
const ROW_FLOOR = 70;
const TYPES = 3;

/**
 * The least size of a days-day-cohort body of `days` daily cohorts (first payment day to T's day, both
 * counted): cohort i (from 0) has the periods 0 … days − 1 − i, the Total row periods 0 … days − 1; each
 * period k a cell of at least CELL_FLOOR bytes plus k's digits; three accounting types. A floor: a run is
 * refused only when its body surely passes the limit.
 */
export function adaptyDayBodyFloor(days: number): number {
  if (days <= 0) return 0;
  let perType = (days + 1) * ROW_FLOOR;
  // Period k appears in the Total row and in the cohorts 0 … days − 1 − k: days − k + 1 times.
  for (let k = 0; k < days; k++) perType += (days - k + 1) * (CELL_FLOOR + String(k).length);
  return TYPES * perType;
}

/**
 * The least size of a day-by-day body of `rows` rows (cohorts or attribute values) but Total, whose rows (the
 * Total row too) hold `cells` periods with `digits` digits in their numbers (at least one a period).
 */
export function adaptyBodyFloorOf(rows: number, cells: number, digits = cells): number {
  return TYPES * ((rows + 1) * ROW_FLOOR + cells * CELL_FLOOR + digits);
}

/** The most days of history whose day-by-day body's floor stays within `limit` (a cohort every day). */
export function longestHistory(limit = ADAPTY_BODY_LIMIT): number {
  return longest((days) => adaptyDayBodyFloor(days), limit);
}

/** The largest n ≥ 0 with floorOf(n) ≤ limit (floorOf grows with n). */
function longest(floorOf: (n: number) => number, limit: number): number {
  let lo = 0;
  let hi = 1;
  while (floorOf(hi) <= limit) hi *= 2;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (floorOf(mid) <= limit) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** The digits of the numbers 0 … n − 1. */
function digitsBelow(n: number): number {
  let d = n;
  for (let p = 10; p < n; p *= 10) d += n - p;
  return d;
}

/** A size in MiB or GB as the messages give it. */
export function sizeText(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : `${Math.round(bytes / 2 ** 20)} MiB`;
}

/**
 * Throws the DATA error (not retried: the same data fails again) for the tenant whose day-by-day Adapty body
 * must pass the limit: `histories` holds each tenant's bodies (historyDays.ts): days-day-cohort, a row per
 * cohort day, and one per attribute (days-day-product, …), a row per value, each with a period a day from its
 * first cohort day. A body of many attribute values is refused too (50,000 products failed after minutes, at
 * the body, saying to shorten the history): such a column is most often mapped from the wrong one.
 */
export function refuseLongHistory(
  histories: readonly TenantHistory[],
  asOfDay: string,
  where: { minEventTime: string; jobFile: string | undefined },
  limit = ADAPTY_BODY_LIMIT,
): void {
  const floorOf = (h: TenantHistory): number => adaptyBodyFloorOf(h.rows, h.cells, h.digits);
  const largest = histories.reduce<TenantHistory | undefined>((a, h) => (!a || floorOf(h) > floorOf(a) ? h : a), undefined);
  if (!largest) return;
  const floor = floorOf(largest);
  if (floor <= limit) return;
  const field = where.jobFile ? `"min_event_time" in ${where.jobFile}` : 'min_event_time in a job file (ltv run <job-file>)';
  const since = (keep: number): string => {
    const from = new Date(Date.parse(`${asOfDay}T00:00:00Z`) - (keep - 1) * 86_400_000).toISOString().slice(0, 10);
    return `set ${field} to ${from} or later (now ${where.minEventTime}; rows before it are quarantined and count toward max_bad_row_share)`;
  };
  const tenant = `tenant "${visibleLine(largest.tenant_id)}"`;
  const over = `above the ${sizeText(limit)} limit on one body (README "Outputs and layout"): nothing was computed`;
  if (largest.kind === 'cohort') {
    const keep = longestHistory(limit);
    throw new AppError('DATA',
      `${tenant}: ${largest.rows.toLocaleString('en-US')} daily cohorts over ${largest.days.toLocaleString('en-US')} days (first payment ${largest.first_day}, as-of ${asOfDay}) `
      + `make its day-by-day Adapty snapshot (days-day-cohort) at least ${sizeText(floor)}, ${over}; leave the early years out of the input, or ${since(keep)} `
      + `— at most ${keep.toLocaleString('en-US')} days of daily cohorts can fit, fewer with longer values`);
  }
  // Each value's row at most `n` periods long: the days that fit for this many values, if any do.
  const values = largest.rows;
  const keep = longest((n) => (n === 0 ? 0 : adaptyBodyFloorOf(values, (values + 1) * n, (values + 1) * digitsBelow(n))), limit);
  const column = SEGMENT_COLUMNS[largest.kind as AttributeSegmentation] ?? largest.kind;
  throw new AppError('DATA',
    `${tenant}: ${values.toLocaleString('en-US')} values of ${column} with first payments over ${largest.days.toLocaleString('en-US')} days (first payment ${largest.first_day}, as-of ${asOfDay}) `
    + `make its day-by-day Adapty snapshot by ${largest.kind} (days-day-${largest.kind}: a row a value, a period a day) at least ${sizeText(floor)}, ${over}; `
    + `is ${column} read from the right column (not an id per customer or per payment)? Read it from a column of fewer values, or leave it out`
    + (keep >= 1 ? `; or ${since(keep)} — at most ${keep.toLocaleString('en-US')} days fit for ${values.toLocaleString('en-US')} values, fewer with longer values` : ''));
}
