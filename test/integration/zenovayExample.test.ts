// The documented Zenovay example (../shared/seeds/003_…): 90d, monthly, as of 2026-03-16T15:00:00Z, UTC.
// Cohorts: Jan 245 customers 48.50 / 72.30 / 89.15; Feb 312 customers 52.10 / 78.90; Mar 289: 55.20.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csv, makeFixture, readZenovay, runJob, type Fixture } from '../helpers/runFixture.js';

// Jan customers (t0 2026-01-05 10:00Z): 48.50 at t0 → period 0 total 245 × 48.50 = 11,882.50.
//   23.80 on Feb 5 12:00 (period 1: Feb 5 10:00 ≤ t < Mar 5 10:00) → cumulative (11,882.50 + 5,831.00) / 245 = 72.30.
//   16.85 on Mar 6 (period 2: Mar 5 10:00 ≤ t ≤ T)                 → (17,713.50 + 4,128.25) / 245 = 89.15.
// Feb customers (t0 2026-02-03 10:00Z): 52.10 → 16,255.20 / 312 = 52.10;
//   26.80 on Mar 6 (period 1: Mar 3 10:00 ≤ t) → (16,255.20 + 8,361.60) / 312 = 78.90.
// Mar customers (t0 2026-03-02 10:00Z): 55.20 → 55.20.
// Shown (monthly cohorts, s + k months ≤ T = Mar 16): Jan 0..2, Feb 0..1, Mar 0. Dec and earlier: none.
function exampleExport(): string {
  const rows: (string | number)[][] = [];
  let tx = 0;
  const add = (c: string, t: string, a: string) => rows.push([c, t, a, `t${++tx}`]);
  for (let i = 0; i < 245; i++) {
    add(`jan${i}`, '2026-01-05T10:00:00Z', '48.50');
    add(`jan${i}`, '2026-02-05T12:00:00Z', '23.80');
    add(`jan${i}`, '2026-03-06T09:00:00Z', '16.85');
  }
  for (let i = 0; i < 312; i++) {
    add(`feb${i}`, '2026-02-03T10:00:00Z', '52.10');
    add(`feb${i}`, '2026-03-06T09:00:00Z', '26.80');
  }
  for (let i = 0; i < 289; i++) add(`mar${i}`, '2026-03-02T10:00:00Z', '55.20');
  return csv('customer_id,event_time,amount,transaction_id', rows);
}

describe('Zenovay documented example', () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await makeFixture({ 'export.csv': exampleExport() });
    await runJob(fx, { inputs: [{ path: 'export.csv' }] }, '2026-03-16T15:00:00Z');
  });
  afterAll(() => fx.cleanup());

  it('reproduces the documented cohorts exactly', async () => {
    const body = await readZenovay(fx, '90d-monthly.json');
    expect(body.success).toBe(true);
    expect(body.timestamp).toBe('2026-03-16T15:00:00.000Z');
    expect(body.data.cohorts).toEqual([
      { cohort_date: '2026-01-01', customers: 245, periods: [
        { period: 0, cumulative_revenue_per_customer: 48.5 },
        { period: 1, cumulative_revenue_per_customer: 72.3 },
        { period: 2, cumulative_revenue_per_customer: 89.15 },
      ] },
      { cohort_date: '2026-02-01', customers: 312, periods: [
        { period: 0, cumulative_revenue_per_customer: 52.1 },
        { period: 1, cumulative_revenue_per_customer: 78.9 },
      ] },
      { cohort_date: '2026-03-01', customers: 289, periods: [{ period: 0, cumulative_revenue_per_customer: 55.2 }] },
    ]);
  });

  it('computes the summary from the 30/90-day windows', async () => {
    // 30d: customers with t0 + 30 days ≤ T: Jan (Feb 4) and Feb (Mar 5); not Mar (Apr 1).
    // Revenue with t < t0 + 30 days: Jan 48.50 each (Feb 5 is day 31), Feb 52.10 each (Mar 6 is after Mar 5 10:00).
    // (245 × 48.50 + 312 × 52.10) / 557 = 28,137.70 / 557 = 50.5165… → 50.52. 90d: t0 ≤ Dec 16: nobody → null.
    const body = await readZenovay(fx, '90d-monthly.json');
    expect(body.data.summary).toEqual({ average_ltv_30d: 50.52, average_ltv_90d: null });
  });

  it('filters cohorts by range and uses weekly periods for weekly granularity', async () => {
    // (T − 30d, T] = (Feb 14 15:00, Mar 16 15:00]: only the March cohort.
    expect((await readZenovay(fx, '30d-monthly.json')).data.cohorts.map((c) => c.cohort_date)).toEqual(['2026-03-01']);
    // 24h: no month started within the last day.
    expect((await readZenovay(fx, '24h-monthly.json')).data.cohorts).toEqual([]);
    expect((await readZenovay(fx, 'all-monthly.json')).data.cohorts).toHaveLength(3);
    // Weekly, 7d: (Mar 9 15:00, Mar 16 15:00] holds the week of Mon Mar 16 only — nobody started then.
    expect((await readZenovay(fx, '7d-weekly.json')).data.cohorts).toEqual([]);
    // Weekly, 30d: weeks starting Feb 16 … Mar 16 (Mondays); the Mar customers (Mon Mar 2) form week 2026-03-02,
    // shown while s + 7k days ≤ T: k ≤ 14 days / 7 = 2 → periods 0..2, all 55.20.
    const weekly = (await readZenovay(fx, '30d-weekly.json')).data.cohorts;
    expect(weekly.map((c) => c.cohort_date)).toEqual(['2026-03-02']);
    expect(weekly[0]!.periods.map((p) => p.cumulative_revenue_per_customer)).toEqual([55.2, 55.2, 55.2]);
  });
});
