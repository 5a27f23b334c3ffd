// Issue 16: how much of a Total or segment cell is complete (complete_customers), and the stale-as-of
// warning, through the real pipeline.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/ltv/runFiles.js';
import { csv, makeFixture, readLatest, runJob } from '../helpers/runFixture.js';
import { parseCsv } from '../helpers/parseCsv.js';

const HEADER = 'customer_id,event_time,amount,transaction_id,country';
// Monthly cohorts: Jan = a (US), b (DE); Feb = c (US). T = Apr 15.
const ROWS = [
  ['a', '2026-01-10T10:00:00Z', '10', 't1', 'US'],
  ['b', '2026-01-20T10:00:00Z', '20', 't2', 'DE'],
  ['c', '2026-02-10T10:00:00Z', '30', 't3', 'US'],
];

describe('complete customers and the stale-as-of warning (issue 16)', () => {
  it('counts, on Total and segment rows, the customers of the cohorts complete at each period', async () => {
    const fx = await makeFixture({ 'e.csv': csv(HEADER, ROWS) });
    try {
      const result = await runJob(fx, {
        inputs: [{ path: 'e.csv' }],
        matrices: [{ period_type: 'days', period_unit: 'month' }, { period_type: 'days', period_unit: 'month', segmentation: 'country' }],
      }, '2026-04-15T00:00:00Z');
      const { report, dir } = await readLatest(fx);
      // Jan cohort (e = Feb 1): shown k ≤ 3 (Jan 1 + 3 months ≤ Apr 15), complete while Feb 1 + (k+1) months ≤ Apr 15 → k ≤ 1.
      // Feb cohort (e = Mar 1): shown k ≤ 2, complete k ≤ 0.
      // Total: k0 3 customers, all complete; k1 3, Jan's 2 complete; k2 3, none; k3 Jan only (2), none.
      const [cohorts, byCountry] = report.matrices;
      const total = cohorts!.rows[0]!;
      expect(total.cells.map((c) => [c.customers, c.complete_customers, c.state])).toEqual([
        [3, 3, 'complete'], [3, 2, 'partial'], [3, 0, 'partial'], [2, 0, 'partial'],
      ]);
      expect(cohorts!.rows[2]!.cells.map((c) => c.complete_customers)).toEqual([1, 0, 0]); // Feb: 1 customer, complete at k0
      // US = a (Jan) + c (Feb): k0 2/2; k1 2, a complete → 1; k2 2, 0; k3 Jan's a only → 1, 0.
      const us = byCountry!.rows.find((r) => r.title === 'US')!;
      expect(us.cells.map((c) => [c.customers, c.complete_customers])).toEqual([[2, 2], [2, 1], [2, 0], [1, 0]]);
      const de = byCountry!.rows.find((r) => r.title === 'DE')!;
      expect(de.cells.map((c) => [c.customers, c.complete_customers])).toEqual([[1, 1], [1, 1], [1, 0], [1, 0]]);

      // ltv.csv: the column added at the end carries the same counts.
      const records = parseCsv(await readFile(join(dir, 'ltv.csv'), 'utf8'));
      const header = records[0]!;
      // state, complete_customers, then the forecast's lower and upper (src/report/README.md).
      expect(header.slice(-4)).toEqual(['state', 'complete_customers', 'lower', 'upper']);
      const col = header.indexOf('complete_customers');
      const totalRevenue = records.filter((r) => r[1] === 'days-month-cohort' && r[5] === 'total' && r[11] === 'revenue' && r[header.indexOf('state')] !== 'predicted');
      expect(totalRevenue.map((r) => r[col])).toEqual(['3', '2', '0', '0']);

      // The newest transaction (Feb 10) + one month (the smallest unit) = Mar 10 < T: warned everywhere.
      expect(result.warnings.map((w) => w.code)).toEqual(['stale_as_of']);
      expect(result.warnings[0]!.message).toContain('the newest transaction (2026-02-10) is 2 months before the as-of time (2026-04-15), more than one month');
      expect(result.warnings[0]!.message).toContain('--as-of 2026-02-11T00:00:00Z');
      expect(report.newest_transaction_at).toBe('2026-02-10T10:00:00.000Z');
      expect(report.warnings).toEqual(result.warnings);
      const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Manifest;
      expect(manifest.warnings).toEqual(result.warnings);
      expect(manifest.newest_transaction_at).toBe('2026-02-10T10:00:00.000Z');
    } finally {
      await fx.cleanup();
    }
  });
});
