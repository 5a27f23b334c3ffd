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

/** Bytes a cell takes at least besides its period's digits: `,{"period":` + `,"value":` + one character + `}` (a row's first has no comma). */
const CELL_FLOOR = 1 + 10 + 9 + 1 + 1;
/** Bytes a row takes at least besides its cells, each row with a value and a size of one character: the Total
 *  row (`{"title":"Total","type":"total","value":0,"cohort_size":0,"values":[]}`), a row of daily cohorts (its
 *  title a date), a row by an attribute (its title maybe empty: `"type":"segment"`), any row (`"type":"cohort"`). */
const TOTAL_ROW_FLOOR = 70;
export const COHORT_ROW_FLOOR = 76;
export const SEGMENT_ROW_FLOOR = 67;
const ANY_ROW_FLOOR = 66;
const TYPES = 3;

/**
 * The least size of a day-by-day body with a Total row and `rows` rows of at least `rowFloor` bytes, whose
 * rows (the Total row too) hold `cells` periods with `digits` digits in their numbers (at least one a period),
 * in each of the three accounting types: the rows are separated by commas, and each row's first cell has none.
 * A floor: a run is refused only when its body surely passes the limit.
 */
export function adaptyBodyFloorOf(rows: number, cells: number, digits = cells, rowFloor = ANY_ROW_FLOOR): number {
  return TYPES * (TOTAL_ROW_FLOOR + rows * (rowFloor + 1) + cells * CELL_FLOOR + digits - Math.min(rows + 1, cells));
}

/**
 * The least size of a days-day-cohort body of `days` daily cohorts (first payment day to T's day, both
 * counted): cohort i (from 0) has the periods 0 … days − 1 − i, the Total row periods 0 … days − 1, so period
 * k is in days − k + 1 rows.
 */
export function adaptyDayBodyFloor(days: number): number {
  if (days <= 0) return 0;
  let cells = 0;
  let digits = 0;
  for (let k = 0; k < days; k++) {
    cells += days - k + 1;
    digits += (days - k + 1) * String(k).length;
  }
  return adaptyBodyFloorOf(days, cells, digits, COHORT_ROW_FLOOR);
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
  const floorOf = (h: TenantHistory): number => adaptyBodyFloorOf(h.rows, h.cells, h.digits, h.kind === 'cohort' ? COHORT_ROW_FLOOR : SEGMENT_ROW_FLOOR);
  const over = histories.filter((h) => floorOf(h) > limit);
  if (over.length === 0) return;
  const largest = over.reduce((a, h) => (floorOf(h) > floorOf(a) ? h : a));
  const floor = floorOf(largest);
  // The days of history that fit a body over the limit: daily cohorts, or so many values each a row of at most
  // that many days. min_event_time is the job's, for every tenant and body at once: the date said makes all fit.
  // Searched once per kind of body (daily cohorts, or so many values): a run of thousands of tenants over the
  // limit repeated the same search for each.
  const searched = new Map<number, number>();
  const keepOf = (h: TenantHistory): number => {
    const rows = h.kind === 'cohort' ? -1 : h.rows;
    let keep = searched.get(rows);
    if (keep === undefined) {
      keep = rows < 0 ? longestHistory(limit)
        : longest((n) => (n === 0 ? 0 : adaptyBodyFloorOf(rows, (rows + 1) * n, (rows + 1) * digitsBelow(n), SEGMENT_ROW_FLOOR)), limit);
      searched.set(rows, keep);
    }
    return keep;
  };
  const own = keepOf(largest);
  const keep = over.reduce((k, h) => Math.min(k, keepOf(h)), own);
  const field = where.jobFile ? `"min_event_time" in ${where.jobFile}` : 'min_event_time in a job file (ltv run <job-file>)';
  const from = new Date(Date.parse(`${asOfDay}T00:00:00Z`) - (keep - 1) * 86_400_000).toISOString().slice(0, 10);
  const since = `set ${field} to ${from} or later (now ${where.minEventTime}; rows before it are quarantined and count toward max_bad_row_share)`;
  const count = (n: number): string => n.toLocaleString('en-US');
  const tenant = `tenant "${visibleLine(largest.tenant_id)}"`;
  const overLimit = `above the ${sizeText(limit)} limit on one body (README "Outputs and layout"): nothing was computed`;
  if (largest.kind === 'cohort') {
    const most = keep === own ? `at most ${count(keep)} days of daily cohorts can fit` : `at most ${count(keep)} days fit every day-by-day body of the run`;
    throw new AppError('DATA',
      `${tenant}: ${count(largest.rows)} daily cohorts over ${count(largest.days)} days (first payment ${largest.first_day}, as-of ${asOfDay}) `
      + `make its day-by-day Adapty snapshot (days-day-cohort) at least ${sizeText(floor)}, ${overLimit}; leave the early years out of the input`
      + (keep >= 1 ? `, or ${since} — ${most}, fewer with longer values` : ''));
  }
  const column = SEGMENT_COLUMNS[largest.kind as AttributeSegmentation] ?? largest.kind;
  const values = count(largest.rows);
  const most = keep === own ? `at most ${count(keep)} days fit for ${values} values` : `at most ${count(keep)} days fit every day-by-day body of the run`;
  throw new AppError('DATA',
    `${tenant}: ${values} values of ${column} with first payments over ${count(largest.days)} days (first payment ${largest.first_day}, as-of ${asOfDay}) `
    + `make its day-by-day Adapty snapshot by ${largest.kind} (days-day-${largest.kind}: a row a value, a period a day) at least ${sizeText(floor)}, ${overLimit}; `
    + `is ${column} read from the right column (not an id per customer or per payment)? Read it from a column of fewer values, or leave it out`
    + (keep >= 1 ? `; or ${since} — ${most}, fewer with longer values` : ''));
}
