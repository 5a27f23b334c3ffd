// A request that resolved a tenant's latest run just before a publish switched `latest` and its retention
// removed that run: the snapshot's read failed with ENOENT and the endpoint answered 500. The store now says
// the run is gone (RunGone), and latestFile resolves the tenant once more (src/serve/RunStore.ts).
import { rm } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { computeAdapty } from '../../src/serve/computeAdapty.js';
import { RunGone, RunStore } from '../../src/serve/RunStore.js';
import { csv, makeFixture, runJob } from '../helpers/runFixture.js';

describe('a run removed while it is read', () => {
  it('is reported as gone, and the tenant\'s new latest run answers', async () => {
    const fx = await makeFixture({ 'e.csv': csv('customer_id,event_time,amount', [['a', '2026-01-10T10:00:00Z', '10'], ['b', '2026-02-10T10:00:00Z', '20']]) });
    try {
      const job = { inputs: [{ path: 'e.csv' }], formats: ['json' as const], retention: 5, forecast: { model: 'off' as const } };
      const first = await runJob(fx, job, '2026-02-15T00:00:00Z');
      const store = new RunStore(fx.reportsDir);
      const stale = store.resolve('default')!;
      expect(stale.dir).toBe(first.tenants[0]!.dir);
      // The next publish switches latest, then retention removes the first run.
      const second = await runJob(fx, job, '2026-03-15T00:00:00Z');
      await rm(first.tenants[0]!.dir, { recursive: true });
      const rel = 'api/zenovay/all-monthly.json';
      expect(() => store.file(stale, rel)).toThrow(RunGone);
      const found = store.latestFile('default', rel)!;
      expect(found.run.dir).toBe(second.tenants[0]!.dir);
      // The new run's body: its as-of in the timestamp, both cohorts (Jan and Feb).
      const body = JSON.parse(gunzipSync(found.file!.gzipped!).toString('utf8')) as { timestamp: string; data: { cohorts: { cohort_date: string }[] } };
      expect(body.timestamp).toBe('2026-03-15T00:00:00.000Z');
      expect(body.data.cohorts.map((c) => c.cohort_date)).toEqual(['2026-01-01', '2026-02-01']);
      // A listed snapshot of the latest run removed by hand (not by a publish): missing, as before (the route's 404).
      await rm(`${second.tenants[0]!.dir}/api/zenovay/90d-monthly.json.gz`);
      expect(store.latestFile('default', 'api/zenovay/90d-monthly.json')).toEqual({ run: found.run, file: null });
    } finally {
      await fx.cleanup();
    }
  });

  it('a computed (filtered) answer of the latest run removed meanwhile comes from the tenant\'s new latest run', async () => {
    const fx = await makeFixture({ 'e.csv': csv('customer_id,event_time,amount', [['a', '2026-01-10T10:00:00Z', '10'], ['b', '2026-02-10T10:00:00Z', '20'], ['b', '2026-03-10T10:00:00Z', '5']]) });
    try {
      const job = { inputs: [{ path: 'e.csv' }], formats: ['json' as const], retention: 5, forecast: { model: 'off' as const } };
      const first = await runJob(fx, job, '2026-02-15T00:00:00Z');
      const store = new RunStore(fx.reportsDir);
      const stale = store.resolve('default')!;
      const second = await runJob(fx, job, '2026-03-15T00:00:00Z');
      await rm(first.tenants[0]!.dir, { recursive: true });
      // Customers who started in February only (a filter: computed from the run's Parquet files, not a snapshot).
      const spec = { period_type: 'days' as const, period_unit: 'month' as const, segmentation: 'cohort' as const };
      const compute = (r: { dir: string }): Promise<Buffer> => computeAdapty(r.dir, spec, { date: ['2026-02-01', '2026-02-28'] }, 'USD', 'json');
      // What the route did with the run it had resolved: the run is gone.
      await expect(compute(stale)).rejects.toThrow();
      const { run, value } = await store.onLatest(stale, compute);
      expect(run.dir).toBe(second.tenants[0]!.dir);
      // b alone: 20 in its first month, 25 by its second (the second run's as-of includes March's 5).
      const body = JSON.parse(value.toString('utf8')) as { revenue: { data: { type: string; values: { period: number; value: number }[] }[] } };
      expect(body.revenue.data[0]!.values).toEqual([{ period: 0, value: 20 }, { period: 1, value: 25 }]);
      // The latest run failing for a reason of its own is not hidden: read once, the error as it was.
      let calls = 0;
      await expect(store.onLatest(run, () => Promise.reject(new Error(`failed ${++calls}`)))).rejects.toThrow('failed 1');
      expect(calls).toBe(1);
    } finally {
      await fx.cleanup();
    }
  });
});
