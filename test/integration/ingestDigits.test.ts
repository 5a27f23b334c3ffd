// SPEC §3 bad rows, "a clear reason": an amount longer than ltv reads exactly (DECIMAL(18, 4): 14 integer
// digits) is quarantined saying so. It was told "not a decimal number (digits, a dot, at most 4 decimals;
// no separators or exponent)", which "123456789012345" is, leaving the user to guess.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JobInput } from '../../src/config/jobSchema.js';
import { grid, makeFixture, readLatest, runJob, type Fixture } from '../helpers/runFixture.js';

describe('numbers of more than 14 integer digits', () => {
  it('are quarantined with a reason naming the limit', async () => {
    const fx = await makeFixture({
      'e.csv': [
        'customer_id,event_time,amount,proceeds',
        'a,2026-01-10T08:00:00Z,123456789012345,', // 2: 15 digits
        'b,2026-01-10T08:00:00Z,12.00,-1234567890123456.5', // 3: proceeds, 16 digits
        'c,2026-01-10T08:00:00Z,+0000000000000012.5,', // 4: 16 digits, 14 of them leading zeros: still too long to read
        'd,2026-01-10T08:00:00Z,20.00,',
        'e,2026-01-10T08:00:00Z,1x,', // 6: the old reason
        '',
      ].join('\n'),
    });
    try {
      await runJob(fx, { inputs: [{ path: 'e.csv' }], max_bad_row_share: 0.9, matrices: [{ period_type: 'days', period_unit: 'month' }] }, '2026-02-15T00:00:00Z');
      const { report, dir } = await readLatest(fx);
      const q = (await readFile(join(dir, 'quarantine.csv'), 'utf8')).trim().split('\n').slice(1);
      expect(q.map((l) => l.split(',')[1])).toEqual(['2', '3', '4', '6']);
      expect(q[0]).toContain('amount has more than 14 digits before the decimal point, more than ltv reads exactly (minor units such as cents read as units?): ""123456789012345""');
      expect(q[1]).toContain('proceeds has more than 14 digits before the decimal point, more than ltv reads exactly: ""-1234567890123456.5""');
      expect(q[2]).toContain('amount has more than 14 digits');
      expect(q[3]).toContain('amount is not a decimal number (digits, a dot, at most 4 decimals; no separators or exponent): ""1x""');
      // d alone: 20.
      expect(grid(report.matrices[0]!)['2026-01-01']).toEqual([20, 20]);
    } finally {
      await fx.cleanup();
    }
  });
});

// Spreadsheet noise (six or more 9s after at most 4 decimals) is rounded to 4 decimals; from 14 nines the
// rounding carries into a 15th integer digit (99999999999999.9999999 → 100000000000000.0000). The cast then
// aborted the whole file ("Conversion Error … DECIMAL(18,4)"); such a value is a bad row as any longer number.
const NINES = '99999999999999.99999999';
const MONTHLY = [{ period_type: 'days' as const, period_unit: 'month' as const }];
/** Runs one input with every row allowed to be bad; the run's stats, report and quarantine.csv's lines. */
async function runAllowingBad(fx: Fixture, input: JobInput['inputs'][number]) {
  const result = await runJob(fx, { inputs: [input], max_bad_row_share: 1, matrices: MONTHLY }, '2026-02-15T00:00:00Z');
  const { report, dir } = await readLatest(fx);
  const q = (await readFile(join(dir, 'quarantine.csv'), 'utf8')).trim().split('\n').slice(1);
  return { stats: result.stats, report, q };
}
describe('noise rounded up past 14 integer digits', () => {
  it('is a bad row in every column read exactly (CSV), the other rows counted', async () => {
    const fx = await makeFixture({
      'e.csv': [
        'customer_id,event_time,amount,commission_percentage,tax_percentage,proceeds,net_revenue',
        'a,2026-01-10T08:00:00Z,10,,,,', // 2: good
        `b,2026-01-10T08:00:00Z,${NINES},,,,`, // 3
        'c,2026-01-10T08:00:00Z,-99999999999999.9999999,,,,', // 4: negative, 7 nines after the point
        'd,2026-01-10T08:00:00Z,10,99999999999999.9999999,,,', // 5
        'e,2026-01-10T08:00:00Z,10,,99999999999999.9999999,,', // 6
        `f,2026-01-10T08:00:00Z,10,,,${NINES},`, // 7
        `g,2026-01-10T08:00:00Z,10,,,,${NINES}`, // 8
        'h,2026-01-10T08:00:00Z,1.99999999,,,,', // 9: noise rounded within 14 digits: 2, valid
        '',
      ].join('\n'),
    });
    try {
      const { stats, report, q } = await runAllowingBad(fx, { path: 'e.csv' });
      expect([stats.rows_read, stats.rows_quarantined]).toEqual([8, 6]);
      // a 10 and h 2: 12 / 2 = 6.
      expect(grid(report.matrices[0]!)['2026-01-01']).toEqual([6, 6]);
      expect(q.map((l) => l.split(',')[1])).toEqual(['3', '4', '5', '6', '7', '8']);
      expect(q[0]).toContain(`amount has more than 14 digits before the decimal point, more than ltv reads exactly (minor units such as cents read as units?): ""${NINES}""`);
      expect(q[1]).toContain('amount has more than 14 digits before the decimal point, more than ltv reads exactly (minor units such as cents read as units?): ""-99999999999999.9999999""');
      expect(q[2]).toContain('commission_percentage is not a number from 0 to 100: ""99999999999999.9999999""');
      expect(q[3]).toContain('tax_percentage is not a number from 0 to 100: ""99999999999999.9999999""');
      expect(q[4]).toContain(`proceeds has more than 14 digits before the decimal point, more than ltv reads exactly: ""${NINES}""`);
      expect(q[5]).toContain(`net_revenue has more than 14 digits before the decimal point, more than ltv reads exactly: ""${NINES}""`);
    } finally {
      await fx.cleanup();
    }
  });

  it('is a bad row in JSON Lines, as a number and as a string', async () => {
    const fx = await makeFixture({
      'e.jsonl': [
        '{"customer_id":"a","event_time":"2026-01-10T08:00:00Z","amount":10}',
        `{"customer_id":"b","event_time":"2026-01-10T08:00:00Z","amount":${NINES}}`,
        `{"customer_id":"c","event_time":"2026-01-10T08:00:00Z","amount":"-${NINES}"}`,
        '',
      ].join('\n'),
    });
    try {
      const { stats, report, q } = await runAllowingBad(fx, { path: 'e.jsonl' });
      expect([stats.rows_read, stats.rows_quarantined]).toEqual([3, 2]);
      expect(q.map((l) => l.split(',')[1])).toEqual(['2', '3']);
      for (const l of q) expect(l).toContain('amount has more than 14 digits before the decimal point');
      expect(grid(report.matrices[0]!)['2026-01-01']).toEqual([10, 10]);
    } finally {
      await fx.cleanup();
    }
  });

  it('is a bad row in the revenuecat preset: a price, and a commission fraction whose percentage carries', async () => {
    const header = 'rc_original_app_user_id,store_transaction_id,start_time,price_in_usd,purchase_price_in_usd,price_in_purchased_currency,purchase_price_in_purchased_currency,purchased_currency,commission_percentage,tax_percentage,refunded_at,renewal_number,is_trial_period,is_sandbox,product_identifier';
    const fx = await makeFixture({
      'rc.csv': [
        header,
        'a,a1,2026-01-10 08:00:00,10,10,10,10,USD,0.15,0,,1,false,false,m',
        `b,b1,2026-01-10 08:00:00,${NINES},${NINES},${NINES},${NINES},USD,0.15,0,,1,false,false,m`,
        // 999999999999.999999999 as a percentage is 99999999999999.9999999
        'c,c1,2026-01-10 08:00:00,10,10,10,10,USD,999999999999.999999999,0,,1,false,false,m',
        '',
      ].join('\n'),
    });
    try {
      const { stats, q } = await runAllowingBad(fx, { path: 'rc.csv', preset: 'revenuecat' });
      expect([stats.rows_read, stats.rows_quarantined]).toEqual([3, 2]);
      expect(q.map((l) => l.split(',')[1])).toEqual(['3', '4']);
      expect(q[0]).toContain('amount has more than 14 digits before the decimal point');
      expect(q[1]).toContain('commission_percentage is not a fraction as RevenueCat writes it');
    } finally {
      await fx.cleanup();
    }
  });
});
