// An input's time_format reads every time of the export (event_time, refunded_at, updated_at): an export
// writes them all one way, and refunded_at or updated_at in that format were quarantined as "not ISO 8601".
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { csv, grid, makeFixture, readLatest, runJob } from '../helpers/runFixture.js';

describe('time_format', () => {
  it('reads refunded_at and updated_at in the input\'s time_format, ISO 8601 still accepted', async () => {
    const fx = await makeFixture({
      'e.csv': csv('customer_id,transaction_id,event_time,amount,refunded_at,updated_at', [
        ['a', 't1', '05/01/2026 10:00 +0200', '10.00', '06/01/2026 10:00 +0200', '05/01/2026 10:00 +0200'],
        ['b', 't2', '05/01/2026 23:00 -0500', '5', '', '2026-01-06T05:00:00Z'],
        // t1 again, updated later: this version wins (no refund, 12.00).
        ['a', 't1', '05/01/2026 10:00 +0200', '12.00', '', '07/01/2026 10:00 +0200'],
        ['c', 't3', '07/01/2026 10:00 +0000', '8', '32/01/2026 10:00 +0000', ''],
        ['d', 't4', '08/01/2026 10:00 +0000', '20', '09/01/2026 10:00 +0000', ''],
      ]),
    });
    try {
      const result = await runJob(fx, {
        inputs: [{ path: 'e.csv', time_format: '%d/%m/%Y %H:%M %z' }], formats: ['json'], max_bad_row_share: 0.5,
        matrices: [{ period_type: 'days', period_unit: 'month' }], forecast: { model: 'off' },
      }, '2026-01-31T00:00:00Z');
      const { report, dir } = await readLatest(fx);
      // a 12 (the later version of t1), b 5 (Jan 6 04:00 UTC), d 20 − 20 (refunded Jan 9) = 0; c quarantined.
      // January p0 = 17 / 3 = 5.6667 → 5.67. Before: 4 of the 5 rows quarantined (both versions of t1, c, d), the run failed.
      expect(grid(report.matrices[0]!)).toEqual({ Total: [5.67], '2026-01-01': [5.67] });
      expect([result.stats.rows_read, result.stats.rows_quarantined, result.stats.duplicates]).toEqual([5, 1, 1]);
      const quarantine = (await readFile(join(dir, 'quarantine.csv'), 'utf8')).trim().split('\n').slice(1);
      expect(quarantine).toEqual([`${join(fx.dir, 'e.csv')},5,"refunded_at ""32/01/2026 10:00 +0000"" matches neither the time_format %d/%m/%Y %H:%M %z (or is no real date in it) nor ISO 8601",default,c`]);
    } finally {
      await fx.cleanup();
    }
  });

  it('reads a time_format with an offset as the instant it names, in the hour a fall-back repeats too', async () => {
    // Berlin falls back on 2026-10-25 at 03:00 CEST: 02:30 occurs at 00:30 UTC (+0200) and again at 01:30 UTC
    // (+0100). The as-of 01:00 UTC lies between them: a's payment (the second 02:30) is after it, b's (the
    // first) before. Before, both were read back as wall time 02:30, i.e. its first occurrence, and a counted.
    const fx = await makeFixture({
      'e.csv': csv('customer_id,event_time,amount', [
        ['a', '25/10/2026 02:30 +0100', '7'],
        ['b', '25/10/2026 02:30 +0200', '3'],
      ]),
    });
    try {
      await runJob(fx, {
        inputs: [{ path: 'e.csv', time_format: '%d/%m/%Y %H:%M %z' }], formats: ['json'], timezone: 'Europe/Berlin',
        matrices: [{ period_type: 'days', period_unit: 'month' }], forecast: { model: 'off' },
      }, '2026-10-25T01:00:00Z');
      const { report } = await readLatest(fx);
      expect(grid(report.matrices[0]!)).toEqual({ Total: [3], '2026-10-01': [3] });
      expect(report.matrices[0]!.rows.map((r) => [r.title, r.customers])).toEqual([['Total', 1], ['2026-10-01', 1]]);
      expect(report.stats.after_as_of_rows).toBe(1);
    } finally {
      await fx.cleanup();
    }
  });
});
