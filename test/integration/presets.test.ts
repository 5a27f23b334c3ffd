// SPEC §3 presets stripe, shopify, adapty, paddle on small exports written by hand from each vendor's
// documentation (test/fixtures/presets/), with the expected cohorts computed by hand in the comments.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { JobInput } from '../../src/config/jobSchema.js';
import { grid, makeFixture, readLatest, runJob } from '../helpers/runFixture.js';

const FIXTURES = new URL('../fixtures/presets/', import.meta.url);
const MONTHLY = [{ period_type: 'days' as const, period_unit: 'month' as const }];

async function runPreset(files: Record<string, string>, job: Omit<JobInput, 'inputs'> & { inputs: JobInput['inputs'] }, asOf: string) {
  const contents: Record<string, string> = {};
  for (const [name, fixture] of Object.entries(files)) contents[name] = await readFile(new URL(fixture, FIXTURES), 'utf8');
  const fx = await makeFixture(contents);
  try {
    const result = await runJob(fx, job, asOf);
    const { report, dir } = await readLatest(fx);
    // quarantine.csv's data lines: file, line, reason, tenant, customer.
    const quarantine = (await readFile(`${dir}/quarantine.csv`, 'utf8')).trim().split('\n').slice(1);
    return { result, report, quarantine };
  } finally {
    await fx.cleanup();
  }
}

describe('stripe preset', () => {
  it('reads the Dashboard payments export: paid and captured charges, refunds linked, converted USD, fees, UTC times', async () => {
    const { result, report } = await runPreset(
      { 'unified_payments.csv': 'stripe_unified_payments.csv' },
      { inputs: [{ path: 'unified_payments.csv', preset: 'stripe' }], timezone: 'America/New_York', matrices: MONTHLY },
      '2026-03-01T00:00:00Z', // Feb 28 19:00 in New York
    );
    // Times are UTC: ch_..A2B at 2026-02-01 03:00 UTC is Jan 31 22:00 in New York → cus_A is in January.
    // January: cus_A 20 (+ ch_..A3C 20 refunded in full: −20 linked, at its payment's time) = 20;
    //   cus_B 3000 JPY converted 19.50 USD (the settlement currency is the report's: no rate needed);
    //   cus_C 50 EUR → 54.00 USD, 10 EUR refunded → −10.80 USD: 43.20. cus_D's charge failed (amount 0,
    //   no cohort); cus_B's uncaptured charge of Feb 25 carries nothing.
    //   p0 = (20 + 19.50 + 43.20) / 3 = 82.70 / 3 = 27.5667 → 27.57; p1 (Feb 1 ≤ T) the same; p2 not shown.
    // February: the guest (no Customer ID: Customer Email, lower-cased) 30.00 → p0 30; p1 (Mar 1 > T) not shown.
    // Total p0 = (82.70 + 30) / 4 = 28.175 → 28.18; p1 only January: 27.57.
    expect(grid(report.matrices[0]!)).toEqual({ Total: [28.18, 27.57], '2026-01-01': [27.57, 27.57], '2026-02-01': [30] });
    // Proceeds = Converted Amount − Fee: A 19.12 (+19.12 −19.12), B 18.63, C 52.13 − 10.80/54 × 52.13 (= 10.426)
    //   = 41.704 → January (19.12 + 18.63 + 41.704) / 3 = 79.454 / 3 = 26.4847 → 26.48; February 30 − 1.17 = 28.83;
    //   Total p0 (79.454 + 28.83) / 4 = 27.071 → 27.07.
    expect(grid(report.matrices[0]!, 'proceeds')).toEqual({ Total: [27.07, 26.48], '2026-01-01': [26.48, 26.48], '2026-02-01': [28.83] });
    // 7 charges + 2 refund rows (ch_..A3C, ch_..C5E); nothing quarantined.
    expect([result.stats.rows_read, result.stats.rows_quarantined]).toEqual([9, 0]);
  });

  it('reads the API shape (Unix times, minor units): zero-decimal JPY and KRW, failed and test-mode charges', async () => {
    const { report } = await runPreset(
      { 'charges.csv': 'stripe_charges_api.csv', 'rates.csv': 'rates.csv' },
      { inputs: [{ path: 'charges.csv', preset: 'stripe' }], rates: 'rates.csv', matrices: MONTHLY },
      '2026-01-20T00:00:00Z',
    );
    // cus_X 1000 usd cents = 10.00; cus_Y 1500 JPY (no minor unit) × 0.0066 = 9.90; cus_Z 50000 KRW refunded in
    // full: 37.50 − 37.50 = 0. ch_d failed (0), ch_e is test mode (livemode false: sandbox, excluded).
    // January p0 = (10 + 9.90 + 0) / 3 = 19.90 / 3 = 6.633 → 6.63.
    expect(grid(report.matrices[0]!)).toEqual({ Total: [6.63], '2026-01-01': [6.63] });
  });
});
