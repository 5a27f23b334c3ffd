// SPEC §3 bad rows, "a clear reason": an amount longer than ltv reads exactly (DECIMAL(18, 4): 14 integer
// digits) is quarantined saying so. It was told "not a decimal number (digits, a dot, at most 4 decimals;
// no separators or exponent)", which "123456789012345" is, leaving the user to guess.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { grid, makeFixture, readLatest, runJob } from '../helpers/runFixture.js';

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
