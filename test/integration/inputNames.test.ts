// A file whose name holds a glob character ("orders[1].csv": a download's copy number) is read by its name
// when the glob matches nothing: it was "no file matches" for a file that is there.
import { describe, it } from 'vitest';
import { csv, makeFixture, runJob } from '../helpers/runFixture.js';

describe('input names', () => {
  it('reads "orders[1].csv" as named, and a glob still as a glob', async ({ expect }) => {
    const fx = await makeFixture({
      'orders[1].csv': csv('customer_id,event_time,amount', [['a', '2026-01-10T10:00:00Z', '10'], ['b', '2026-01-11T10:00:00Z', '30']]),
      'x/e1.csv': csv('customer_id,event_time,amount', [['c', '2026-01-12T10:00:00Z', '5']]),
      'x/e2.csv': csv('customer_id,event_time,amount', [['d', '2026-01-13T10:00:00Z', '7']]),
    });
    try {
      const job = { formats: ['json' as const], forecast: { model: 'off' as const } };
      const named = await runJob(fx, { ...job, inputs: [{ path: 'orders[1].csv' }] }, '2026-02-01T00:00:00Z');
      // 10 + 30 from the file of that name.
      expect([named.stats.rows_read, named.tenants[0]!.summary.revenue]).toEqual([2, 40]);
      // x/e[12].csv matches e1.csv and e2.csv: 5 + 7.
      const globbed = await runJob(fx, { ...job, inputs: [{ path: 'x/e[12].csv' }] }, '2026-02-01T00:00:00Z');
      expect([globbed.stats.rows_read, globbed.tenants[0]!.summary.revenue]).toEqual([2, 12]);
      // A glob that matches nothing and names no file is still "no file matches".
      await expect(runJob(fx, { ...job, inputs: [{ path: 'orders[2].csv' }] }, '2026-02-01T00:00:00Z'))
        .rejects.toThrow(`--input: no file matches "orders[2].csv" (looked in ${fx.dir})`);
    } finally {
      await fx.cleanup();
    }
  });
});
