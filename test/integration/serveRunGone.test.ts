// A request that resolved a tenant's latest run just before a publish switched `latest` and its retention
// removed that run: the snapshot's read failed with ENOENT and the endpoint answered 500. The store now says
// the run is gone (RunGone), and latestFile resolves the tenant once more (src/serve/RunStore.ts).
import { readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { RunRef } from '../../src/ltv/runFiles.js';
import { computeAdapty } from '../../src/serve/computeAdapty.js';
import { RunGone, RunStore } from '../../src/serve/RunStore.js';
import { httpRequest } from '../helpers/httpRequest.js';
import { csv, makeFixture, runJob } from '../helpers/runFixture.js';
import { startServer } from '../helpers/startServer.js';

const KEY = 'ltv_run_gone_key_0000001';

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
      const compute = (r: RunRef): Promise<Buffer> => computeAdapty(r, spec, { date: ['2026-02-01', '2026-02-28'] }, 'USD', 'json');
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

  it('a run id published again after its run was removed is answered from the new run, under another ETag, by a server that answered the old one', async () => {
    const rows = (amount: string): string => csv('customer_id,event_time,amount,country', [['a', '2026-01-10T10:00:00Z', amount, 'US'], ['b', '2026-01-12T10:00:00Z', '20', 'DE']]);
    const fx = await makeFixture({ 'e.csv': rows('10') });
    const job = { inputs: [{ path: 'e.csv' }], formats: ['json' as const], retention: 5, forecast: { model: 'off' as const } };
    const asOf = '2026-03-16T00:00:00Z';
    const first = await runJob(fx, job, asOf);
    const s = await startServer({ reportsDir: fx.reportsDir, keys: [{ key: KEY, tenants: ['default'] }] });
    try {
      const runId = first.tenants[0]!.dir.split('/').pop()!;
      // A filter (computed from the run's Parquet files), on the latest run and on the run by id (the explorer's).
      const ask = async (headers: Record<string, string> = {}) => {
        const r = await httpRequest(s.port, '/api/v1/client-api/metrics/ltv/', {
          method: 'POST', headers: { authorization: `Api-Key ${KEY}`, ...headers },
          body: JSON.stringify({ filters: { date: ['2026-01-01', '2026-12-31'], country: ['US'] }, period_unit: 'month' }),
        });
        expect(r.status).toBe(200);
        const body = r.json() as { revenue: { data: { type: string; values: { period: number; value: number }[] }[] } };
        return { value: body.revenue.data[0]!.values[0]!.value, etag: String(r.headers.etag) };
      };
      const before = [await ask(), await ask({ 'x-ltv-run': runId })];
      expect(before.map((b) => b.value)).toEqual([10, 10]);
      // The operator removes the run and runs it again over corrected data: the same as-of, the same run id.
      await rm(first.tenants[0]!.dir, { recursive: true });
      await writeFile(join(fx.dir, 'e.csv'), rows('100'));
      const again = await runJob(fx, job, asOf);
      expect(again.tenants[0]!.dir).toBe(first.tenants[0]!.dir);
      // a (US) paid 100 now. Before: 10 and the same ETag, from the removed run's data the server had loaded.
      const after = [await ask(), await ask({ 'x-ltv-run': runId })];
      expect(after.map((a) => a.value)).toEqual([100, 100]);
      expect(after[0]!.etag).not.toBe(before[0]!.etag);
      expect(after[1]!.etag).not.toBe(before[1]!.etag);
      // A client holding the old body is sent the new one, not told it has not changed.
      const r = await httpRequest(s.port, '/api/v1/client-api/metrics/ltv/', {
        method: 'POST', headers: { authorization: `Api-Key ${KEY}`, 'if-none-match': before[0]!.etag },
        body: JSON.stringify({ filters: { date: ['2026-01-01', '2026-12-31'], country: ['US'] }, period_unit: 'month' }),
      });
      expect(r.status).toBe(200);
    } finally {
      await s.stop();
      await fx.cleanup();
    }
  });

  it('a run id published again into a directory that got the removed run\'s inode back is still told apart (its change time)', async () => {
    // The file system may give the re-run's directory the removed one's inode number (CI saw it: the server
    // answered the removed run's 10). Made certain here: the new run's files moved into the old directory.
    const rows = (amount: string): string => csv('customer_id,event_time,amount', [['a', '2026-01-10T10:00:00Z', amount]]);
    const fx = await makeFixture({ 'e.csv': rows('10') });
    const job = { inputs: [{ path: 'e.csv' }], formats: ['json' as const], retention: 5, forecast: { model: 'off' as const } };
    const asOf = '2026-03-16T00:00:00Z';
    const first = await runJob(fx, job, asOf);
    const s = await startServer({ reportsDir: fx.reportsDir, keys: [{ key: KEY, tenants: ['default'] }] });
    try {
      const ask = async (): Promise<number> => {
        const r = await httpRequest(s.port, '/api/v1/client-api/metrics/ltv/', {
          method: 'POST', headers: { authorization: `Api-Key ${KEY}` },
          body: JSON.stringify({ filters: { date: ['2026-01-01', '2026-12-31'] }, period_unit: 'month' }),
        });
        expect(r.status).toBe(200);
        return (r.json() as { revenue: { data: { values: { value: number }[] }[] } }).revenue.data[0]!.values[0]!.value;
      };
      expect(await ask()).toBe(10);
      const dir = first.tenants[0]!.dir;
      const kept = join(fx.dir, 'kept-directory');
      await rename(dir, kept);
      await writeFile(join(fx.dir, 'e.csv'), rows('100'));
      expect((await runJob(fx, job, asOf)).tenants[0]!.dir).toBe(dir);
      for (const name of await readdir(kept)) await rm(join(kept, name), { recursive: true });
      for (const name of await readdir(dir)) await rename(join(dir, name), join(kept, name));
      await rm(dir, { recursive: true });
      await rename(kept, dir);
      expect(await ask()).toBe(100);
    } finally {
      await s.stop();
      await fx.cleanup();
    }
  });
});
