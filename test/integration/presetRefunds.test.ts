// SPEC §3 presets: a refunded amount written with thousands separators, or that is no number, never makes
// the refund vanish (the payment then counted in full, nothing quarantined). Hand-computed cohorts below.
import { readFile } from 'node:fs/promises';
import { describe, it } from 'vitest';
import { grid, makeFixture, readLatest, runJob } from '../helpers/runFixture.js';

const MONTHLY = [{ period_type: 'days' as const, period_unit: 'month' as const }];

async function run(name: string, text: string, preset: 'stripe' | 'shopify', asOf: string) {
  const fx = await makeFixture({ [name]: text });
  try {
    const result = await runJob(fx, { inputs: [{ path: name, preset }], formats: ['json'], matrices: MONTHLY, max_bad_row_share: 0.5, forecast: { model: 'off' } }, asOf);
    const { report, dir } = await readLatest(fx);
    const quarantine = (await readFile(`${dir}/quarantine.csv`, 'utf8')).trim().split('\n').slice(1).map((l) => l.replace(fx.dir, '<dir>'));
    return { result, report, quarantine };
  } finally {
    await fx.cleanup();
  }
}

describe.concurrent('preset refunds', () => {
  it('stripe: "1,250.00" in Converted Amount Refunded and Fee is read, and a refunded amount that is no number is quarantined', async ({ expect }) => {
    const text = [
      'id,Created date (UTC),Amount,Amount Refunded,Currency,Converted Amount,Converted Amount Refunded,Fee,Converted Currency,Status,Customer ID',
      'ch_1,2026-01-05 10:00:00,"1,250.00","1,250.00",usd,"1,250.00","1,250.00",36.55,usd,Refunded,cus_A',
      'ch_2,2026-01-06 10:00:00,"1,100.00",100.00,eur,"1,200.00",120.00,"1,020.00",usd,Paid,cus_B',
      'ch_3,2026-01-07 10:00:00,10.00,abc,usd,10.00,abc,0.59,usd,Paid,cus_C',
    ].join('\n') + '\n';
    const { result, report, quarantine } = await run('unified_payments.csv', text, 'stripe', '2026-01-31T00:00:00Z');
    // cus_A 1250 − 1250 = 0; cus_B 1200 − 120 = 1080; cus_C 10 (its refund "abc" quarantined, line 4).
    // January p0 = 1090 / 3 = 363.33. Before: both refunds dropped, (1250 + 1200 + 10) / 3 = 820.
    expect(grid(report.matrices[0]!)).toEqual({ Total: [363.33], '2026-01-01': [363.33] });
    // Proceeds: A 1250 − 36.55 = 1213.45, all taken back: 0; B 1200 − 1020 = 180, 120/1200 of it taken back:
    // 162; C 10 − 0.59 = 9.41. (0 + 162 + 9.41) / 3 = 57.1367 → 57.14 (the fee "1,020.00" read as none before).
    expect(grid(report.matrices[0]!, 'proceeds')).toEqual({ Total: [57.14], '2026-01-01': [57.14] });
    // 3 charges + 3 refund rows; one quarantined.
    expect([result.stats.rows_read, result.stats.rows_quarantined]).toEqual([6, 1]);
    expect(quarantine).toEqual(['<dir>/unified_payments.csv,4,"amount is not a decimal number (digits, a dot, at most 4 decimals; no separators or exponent): ""abc""",default,cus_C']);
  });

  it('stripe: Status Refunded in an export without Amount Refunded takes the whole charge back (it counted as paid)', async ({ expect }) => {
    const text = [
      'id,Created date (UTC),Amount,Currency,Status,Customer ID',
      'ch_1,2026-01-05 10:00:00,20.00,usd,Refunded,cus_A',
      'ch_2,2026-01-06 10:00:00,30.00,usd,Paid,cus_B',
    ].join('\n') + '\n';
    const { result, report, quarantine } = await run('unified_payments.csv', text, 'stripe', '2026-01-31T00:00:00Z');
    // cus_A 20 − 20 = 0, cus_B 30: p0 = 30 / 2 = 15 (before: 50 / 2 = 25).
    expect(grid(report.matrices[0]!)).toEqual({ Total: [15], '2026-01-01': [15] });
    expect([result.stats.rows_read, result.stats.rows_quarantined, quarantine]).toEqual([3, 0, []]);
  });

  it('shopify: a Refunded Amount that is no number ("12,50") is quarantined, not dropped', async ({ expect }) => {
    const text = [
      'Name,Email,Financial Status,Currency,Total,Taxes,Created at,Refunded Amount,Id',
      '#1001,ann@example.com,paid,USD,60.00,5.00,2026-01-05 10:00:00 -0500,0.00,5001',
      '#1002,bob@example.com,partially_refunded,USD,40.00,0.00,2026-01-20 12:00:00 -0500,"12,50",5002',
    ].join('\n') + '\n';
    const { result, report, quarantine } = await run('orders_export.csv', text, 'shopify', '2026-01-31T00:00:00Z');
    // ann 60, bob 40 (his refund's amount is no number: quarantined at line 3). p0 = 100 / 2 = 50.
    expect(grid(report.matrices[0]!)).toEqual({ Total: [50], '2026-01-01': [50] });
    // 2 orders + 1 refund row, which is quarantined (before: 2 rows read, 0 quarantined).
    expect([result.stats.rows_read, result.stats.rows_quarantined]).toEqual([3, 1]);
    expect(quarantine).toEqual(['<dir>/orders_export.csv,3,"amount is not a decimal number (digits, a dot, at most 4 decimals; no separators or exponent): ""12,50""",default,bob@example.com']);
  });
});
