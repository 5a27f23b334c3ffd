// Calendar arithmetic on local wall-clock times held as "naive" milliseconds (a local TIMESTAMP's epoch, as
// 17_forecast_customers.sql returns them): SPEC §4's one addition of n months, month ends clamped
// (Jan 31 + 1 month = Feb 28).
export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const daysInMonth = (y: number, m: number): number =>
  m === 1 && ((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0) ? 29 : DAYS_IN_MONTH[m]!;

/**
 * n ↦ `ms` + n months, with `ms` taken apart into its calendar fields once: a forecast adds months to one
 * time many times over (every month of life of a customer, every renewal of a subscription).
 */
export function monthAdder(ms: number): (n: number) => number {
  const { y, m0, day, timeOfDay } = fields(ms);
  return (n: number): number => shifted(y, m0 + n, day, timeOfDay);
}

/**
 * ms's calendar fields, by integer arithmetic on its day number (Hinnant's civil_from_days, proleptic
 * Gregorian as Date's): `new Date(ms)` and its getters cost ~10× more, once per customer and then some.
 */
function fields(ms: number): { y: number; m0: number; day: number; timeOfDay: number } {
  const days = Math.floor(ms / DAY_MS);
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const m0 = mp < 10 ? mp + 2 : mp - 10;
  return { y: yoe + era * 400 + (m0 < 2 ? 1 : 0), m0, day: doy - Math.floor((153 * mp + 2) / 5) + 1, timeOfDay: ms - days * DAY_MS };
}

// The first day of every month of years FIRST_YEAR .. FIRST_YEAR + 399 (naive ms) and its length, by the
// month's number y·12 + m − FIRST_YEAR·12: a forecast shifts hundreds of thousands of times by months
// (every month end of every customer, every renewal), and Date.UTC was most of that. The same integers as
// Date.UTC(y, m, day): the day's midnight is the month's first plus whole days.
const FIRST_YEAR = 1900;
const MONTHS = 400 * 12;
const MONTH_START = new Float64Array(MONTHS);
const MONTH_DAYS = new Uint8Array(MONTHS);
for (let k = 0; k < MONTHS; k++) {
  const y = FIRST_YEAR + Math.floor(k / 12);
  MONTH_START[k] = Date.UTC(y, k % 12, 1);
  MONTH_DAYS[k] = daysInMonth(y, k % 12);
}

function shifted(y: number, m: number, day: number, timeOfDay: number): number {
  const k = (y - FIRST_YEAR) * 12 + m;
  if (k >= 0 && k < MONTHS) return MONTH_START[k]! + (Math.min(day, MONTH_DAYS[k]!) - 1) * DAY_MS + timeOfDay;
  const ty = y + Math.floor(m / 12);
  const tm = ((m % 12) + 12) % 12;
  return Date.UTC(ty, tm, Math.min(day, daysInMonth(ty, tm))) + timeOfDay;
}

export function addMonthsMs(ms: number, n: number): number {
  const { y, m0, day, timeOfDay } = fields(ms);
  return shifted(y, m0 + n, day, timeOfDay);
}

/** Naive milliseconds of a local date (YYYY-MM-DD) at midnight. */
export function dayMs(date: string): number {
  return Date.parse(`${date}T00:00:00Z`);
}

/** YYYY-MM-DD of naive milliseconds. */
export function msDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
