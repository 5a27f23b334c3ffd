// Warnings that prevent wrong numbers (issue 16): shown on the terminal, written to the manifest, the
// About sheet, the Summary sheet and the email.
import { PERIOD_UNITS, type MatrixSpec, type PeriodUnit, type RunWarning } from './model.js';
import { formatCountOf } from '../format/money.js';
import { offsetAt } from '../format/zoneOffset.js';

const UNIT_MONTHS: Partial<Record<PeriodUnit, number>> = { month: 1, quarter: 3, year: 12 };
const UNIT_DAYS: Partial<Record<PeriodUnit, number>> = { day: 1, week: 7 };

/** `t` plus one `unit` on the UTC calendar (month ends clamped as in SPEC §4). */
export function addUnit(t: Date, unit: PeriodUnit): Date {
  const days = UNIT_DAYS[unit];
  if (days !== undefined) return new Date(t.getTime() + days * 86_400_000);
  const out = new Date(t);
  const day = out.getUTCDate();
  out.setUTCDate(1);
  out.setUTCMonth(out.getUTCMonth() + (UNIT_MONTHS[unit] ?? 1));
  const last = new Date(Date.UTC(out.getUTCFullYear(), out.getUTCMonth() + 1, 0)).getUTCDate();
  out.setUTCDate(Math.min(day, last));
  return out;
}

/** The smallest period or cohort unit among the job's matrices (a renewals matrix counts by its cohorts). */
export function smallestUnit(specs: readonly MatrixSpec[]): PeriodUnit {
  let best: PeriodUnit = 'year';
  for (const s of specs) {
    const unit = s.period_unit;
    if (PERIOD_UNITS.indexOf(unit) < PERIOD_UNITS.indexOf(best)) best = unit;
  }
  return best;
}

/**
 * SPEC §4 censoring counts a customer's periods up to T. When the data stops long before T (a historical
 * export run without --as-of), every customer looks older than the data shows: periods that only the
 * data's end cut short count as complete and the averages fall. Warned when the newest transaction is
 * more than one smallest matrix unit before T: a daily job's data may lag by a day, a monthly one's by a
 * month, without the numbers misleading.
 */
export function staleAsOfWarning(newestTransactionAt: string | null, asOf: Date, specs: readonly MatrixSpec[], timeZone = 'UTC'): RunWarning | null {
  if (newestTransactionAt === null) return null;
  const newest = new Date(newestTransactionAt);
  const unit = smallestUnit(specs);
  if (addUnit(newest, unit).getTime() >= asOf.getTime()) return null;
  // Dates as the report shows them, on its time zone's calendar (SPEC §2): a payment at 00:30 in London on
  // July 31 is July 30 in UTC. Suggested: the start of the day after the newest transaction's (the data's
  // own end), that day's midnight in the report's zone.
  const newestDay = wallOf(newest, timeZone).slice(0, 10);
  const suggested = midnightAfter(newestDay, timeZone);
  // T at or before the data's own end (a day of 25 hours, the clocks going back, puts that midnight more than
  // a day after an early payment): what the warning would suggest is T itself, nothing to say.
  if (asOf.getTime() <= Date.parse(suggested)) return null;
  return {
    code: 'stale_as_of',
    message:
      `the newest transaction (${newestDay}) is ${howLong(newest, asOf)} before the as-of time ` +
      `(${wallOf(asOf, timeZone).slice(0, 10)}), more than one ${unit}: customers near the end of the data count as older than ` +
      `the data shows, so LTVs and completeness are understated. If the export ends there, run again with --as-of ${suggested} ` +
      `(or "as_of" in the job file).`,
  };
}

/** `t` on the wall clock of `timeZone`: "2026-03-16T16:00:00". */
function wallOf(t: Date, timeZone: string): string {
  return new Date(Math.floor(t.getTime() / 1000) * 1000 + offsetAt(timeZone, t.getTime())).toISOString().slice(0, 19);
}

/** The midnight that starts the day after `day` (YYYY-MM-DD) in `timeZone`, as an ISO time with its offset (Z for UTC). */
function midnightAfter(day: string, timeZone: string): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d + 1);
  const offsetOf = (t: number): number => offsetAt(timeZone, t);
  const date = new Date(wall).toISOString().slice(0, 10);
  // Twice: the offset at the guess, then at the instant it gives (a day that starts at a change of offset).
  const first = wall - offsetOf(wall);
  const t = wall - offsetOf(first);
  if (wallOf(new Date(t), timeZone) !== `${date}T00:00:00`) {
    // A midnight the clocks skip (Sao Paulo's DST until 2019 began at 00:00): the day starts where they
    // jump, the first reading's instant (01:00 there); said in UTC.
    return new Date(first).toISOString().replace('.000Z', 'Z');
  }
  const offset = Math.round(offsetOf(t) / 60_000);
  if (offset === 0) return `${date}T00:00:00Z`;
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${date}T00:00:00${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** "15 years", "3 months", "12 days", "25 hours": the largest whole unit (hours below two days). */
function howLong(from: Date, to: Date): string {
  const hours = Math.floor((to.getTime() - from.getTime()) / 3_600_000);
  if (hours < 48) return formatCountOf(Math.max(hours, 1), 'hour');
  const days = Math.floor((to.getTime() - from.getTime()) / 86_400_000);
  if (days >= 365) return formatCountOf(Math.floor(days / 365.25) || 1, 'year');
  if (days >= 60) return formatCountOf(Math.floor(days / 30.44), 'month');
  if (days >= 14) return formatCountOf(Math.floor(days / 7), 'week');
  return formatCountOf(Math.max(days, 1), 'day');
}

/** A tenant's warnings among a run's (the terminal, the log): named by tenant when the run has several. */
export function runLevelWarnings(tenant: string, warnings: readonly RunWarning[], tenants: number): RunWarning[] {
  return warnings.map((w) => (tenants > 1 ? { ...w, message: `tenant ${tenant}: ${w.message}` } : w));
}
