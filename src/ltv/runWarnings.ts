// Warnings that prevent wrong numbers (issue 16): shown on the terminal, written to the manifest, the
// About sheet, the Summary sheet and the email.
import { PERIOD_UNITS, type MatrixSpec, type PeriodUnit, type RunWarning } from './model.js';
import { formatCountOf } from '../format/money.js';

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
export function staleAsOfWarning(newestTransactionAt: string | null, asOf: Date, specs: readonly MatrixSpec[]): RunWarning | null {
  if (newestTransactionAt === null) return null;
  const newest = new Date(newestTransactionAt);
  const unit = smallestUnit(specs);
  if (addUnit(newest, unit).getTime() >= asOf.getTime()) return null;
  // Suggest the start of the day after the newest transaction (UTC): the data's own end.
  const suggested = new Date(Date.UTC(newest.getUTCFullYear(), newest.getUTCMonth(), newest.getUTCDate() + 1)).toISOString().replace('.000Z', 'Z');
  return {
    code: 'stale_as_of',
    message:
      `the newest transaction (${newestTransactionAt.slice(0, 10)}) is ${howLong(newest, asOf)} before the as-of time ` +
      `(${asOf.toISOString().slice(0, 10)}), more than one ${unit}: customers near the end of the data count as older than ` +
      `the data shows, so LTVs and completeness are understated. If the export ends there, run again with --as-of ${suggested} ` +
      `(or "as_of" in the job file).`,
  };
}

/** "15 years", "3 months", "12 days": the largest whole unit. */
function howLong(from: Date, to: Date): string {
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
