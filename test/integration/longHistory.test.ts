// README "Outputs and layout": a history of daily cohorts whose day-by-day Adapty body passes 2 GiB is
// refused right after ingest. 36 years of them ran 22 s of compute, then died in render after 2.5 min with
// Node's RangeError at 2 GB of memory: an internal error, which a worker retries.
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/config/AppError.js';
import { makeFixture, runJob } from '../helpers/runFixture.js';

describe('a history too long for the day-by-day snapshots', () => {
  it('is refused after ingest as a DATA error, naming the tenant, the days, the size and the limit', async () => {
    // One customer a day, 2004-01-01 … 2025-12-31: with T 2026-01-01, 8,036 daily cohorts over 8,037 days (7,456 fit).
    // Cohorts of 8,037 … 2 periods and the Total row's 8,037: 32,308,739 cells with 120,817,274 digits;
    // 3 × (8,037 rows × 70 + 32,308,739 × 22 + 120,817,274) = 2,496,516,366 bytes = 2.3 GiB.
    const rows = ['customer_id,event_time,amount'];
    for (let t = Date.parse('2004-01-01T10:00:00Z'), i = 0; t < Date.parse('2026-01-01'); t += 86_400_000, i++) rows.push(`c${i},${new Date(t).toISOString()},10`);
    expect(rows.length - 1).toBe(8036);
    const fx = await makeFixture({ 'd.csv': `${rows.join('\n')}\n` });
    try {
      const started = Date.now();
      const err = await runJob(fx, { inputs: [{ path: 'd.csv' }], tenant: 'd22', forecast: { model: 'off' } }, '2026-01-01T00:00:00Z').catch((e: unknown) => e);
      expect(isAppError(err) && [err.code, err.retryable]).toEqual(['DATA', false]);
      expect((err as Error).message).toBe('tenant "d22": 8,036 daily cohorts over 8,037 days (first payment 2004-01-01, as-of 2026-01-01) make its day-by-day Adapty snapshot (days-day-cohort) at least 2.3 GiB, above the 2.0 GiB limit on one body (README "Outputs and layout"): nothing was computed; leave the early years out of the input, or set min_event_time in a job file (ltv run <job-file>) to 2005-08-04 or later (now 1990-01-01T00:00:00Z; rows before it are quarantined and count toward max_bad_row_share) — at most 7,456 days of daily cohorts can fit, fewer with longer values');
      // Refused before the matrices: the whole run took seconds, not minutes.
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      await fx.cleanup();
    }
  }, 30_000);

  it('a segmentation column of too many values is refused after ingest too, naming it (50,000 products ran minutes, then failed at the body saying to shorten the history)', async () => {
    // 50,000 customers, each of its own product, all first paid on 2024-01-02: days-day-product has 50,000
    // rows of 700 periods to T 2025-12-01 (test/unit/adaptyBodyLimit.test.ts sizes it by hand: 2.4 GiB).
    const rows = ['customer_id,event_time,amount,product_id'];
    for (let i = 0; i < 50_000; i++) rows.push(`c${i},2024-01-02T10:00:00Z,10,p${i}`);
    const fx = await makeFixture({ 'p.csv': `${rows.join('\n')}\n` });
    try {
      const started = Date.now();
      const err = await runJob(fx, { inputs: [{ path: 'p.csv' }], tenant: 'shop', forecast: { model: 'off' } }, '2025-12-01T00:00:00Z').catch((e: unknown) => e);
      expect(isAppError(err) && [err.code, err.retryable]).toEqual(['DATA', false]);
      expect((err as Error).message).toBe('tenant "shop": 50,000 values of product_id with first payments over 700 days (first payment 2024-01-02, as-of 2025-12-01) make its day-by-day Adapty snapshot by product '
        + '(days-day-product: a row a value, a period a day) at least 2.4 GiB, above the 2.0 GiB limit on one body (README "Outputs and layout"): nothing was computed; '
        + 'is product_id read from the right column (not an id per customer or per payment)? Read it from a column of fewer values, or leave it out; '
        + 'or set min_event_time in a job file (ltv run <job-file>) to 2024-05-07 or later (now 1990-01-01T00:00:00Z; rows before it are quarantined and count toward max_bad_row_share) — at most 574 days fit for 50,000 values, fewer with longer values');
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      await fx.cleanup();
    }
  }, 60_000);
});
