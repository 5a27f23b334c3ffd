// The subscription fixture of the forecast tests (forecastRun.test.ts, forecastFiltered.test.ts), generated
// here so that each test can compute the sBG closed forms from what the rows were made of: 3 monthly cohorts
// (Jan, Feb, Mar 2026) × 40 customers starting on the 1st at 10:00 UTC, 10.00 a month; customer k of its
// cohort renews L = [0, 1, 2, 3, ∞][k % 5] times. T = 2026-07-01T00:00Z.
export const DAY = 86_400_000;

/** ms + n calendar months (UTC, the hour kept; the fixture's days are all the 1st). */
export const addMonths = (ms: number, n: number): number => {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, d.getUTCDate(), d.getUTCHours());
};

export const T = Date.parse('2026-07-01T00:00:00Z');
export const COHORTS = ['2026-01-01', '2026-02-01', '2026-03-01'];
export const LIVES = [0, 1, 2, 3, Infinity];

export interface Sub {
  t0: number;
  /** The customer's number within its cohort. */
  k: number;
  lives: number;
  payments: number[];
}

export const subs: Sub[] = COHORTS.flatMap((c) => Array.from({ length: 40 }, (_, k) => {
  const t0 = Date.parse(`${c}T10:00:00Z`);
  const payments: number[] = [];
  for (let j = 0; j <= LIVES[k % 5]! && addMonths(t0, j) <= T; j++) payments.push(addMonths(t0, j));
  return { t0, k, lives: LIVES[k % 5]!, payments };
}));
