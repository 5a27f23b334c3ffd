// Calendar arithmetic on local wall-clock times held as "naive" milliseconds (a local TIMESTAMP's epoch, as
// 17_forecast_customers.sql returns them): SPEC §4's one addition of n months, month ends clamped
// (Jan 31 + 1 month = Feb 28).
export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;

export function addMonthsMs(ms: number, n: number): number {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + n;
  const ty = y + Math.floor(m / 12);
  const tm = ((m % 12) + 12) % 12;
  const last = new Date(Date.UTC(ty, tm + 1, 0)).getUTCDate();
  return Date.UTC(ty, tm, Math.min(d.getUTCDate(), last), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
}

/** Naive milliseconds of a local date (YYYY-MM-DD) at midnight. */
export function dayMs(date: string): number {
  return Date.parse(`${date}T00:00:00Z`);
}

/** YYYY-MM-DD of naive milliseconds. */
export function msDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
