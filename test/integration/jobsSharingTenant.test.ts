// SPEC §11 "the age of each job's last published run" when two jobs publish one tenant: `latest` ends on
// one job's run, and the other job still published. Its gauge stays, and its alert_after does not fire
// (a real worker, real runs, a real SMTP server).
import { mkdir, readlink, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, expect, test } from 'vitest';
import { loadJob } from '../../src/config/loadJob.js';
import { alertsDir } from '../../src/notify/notifyStale.js';
import { runPipeline } from '../../src/pipeline.js';
import { httpRequest } from '../helpers/httpRequest.js';
import { parseExposition, sampleValue } from '../helpers/parseExposition.js';
import { logger, useHarness, type Harness } from '../helpers/queueHarness.js';
import { useSmtpSinkEnv } from '../helpers/smtpSink.js';

const harness = useHarness();
let h: Harness;
beforeEach(() => {
  h = harness();
});

const smtp = useSmtpSinkEnv();

test('two jobs publishing one tenant: each keeps its last-published time, and neither is stale', async () => {
  const job = { tenant: 'demo-app', alert_after: '1h', email: { to: ['finance@example.com'], ops: ['oncall@example.com'] } };
  const files = { sharded: await h.writeJob('sharded', job), nightly: await h.writeJob('nightly', job) };
  // Both jobs were first seen by a worker ten hours ago: one never published would be stale now (1h).
  for (const name of ['sharded', 'nightly']) {
    const dir = alertsDir(h.reportsDir, name);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'first-seen'), `${Date.now() - 10 * 3_600_000}\n`);
  }
  // The same as-of: sharded publishes 20260316T150000Z, nightly 20260316T150000Z-2, and `latest` ends on nightly's.
  const published: Record<string, number> = {};
  for (const name of ['sharded', 'nightly'] as const) {
    const r = await runPipeline(await loadJob(files[name]), { logger, reportsDir: h.reportsDir, asOf: new Date('2026-03-16T15:00:00Z'), email: 'off' });
    const dir = r.tenants[0]!.dir;
    // Published when its manifest was written, read here from the file system directly.
    published[name] = Math.floor((await stat(join(dir, 'manifest.json'))).mtimeMs);
  }
  expect(await readlink(join(h.reportsDir, 'demo-app', 'latest'))).toBe(join('runs', '20260316T150000Z-2'));

  const w = h.worker({ LTV_METRICS_PORT: '0', LTV_METRICS_HOST: '127.0.0.1', LTV_ALERT_CHECK_MS: '100' });
  await w.ready;
  const addr = await w.ops.address;
  const m = parseExposition((await httpRequest(addr!.port, '/metrics')).text);
  expect(sampleValue(m, 'ltv_job_last_published_timestamp_seconds', { ltv_job: 'nightly' })).toBe(published.nightly! / 1000);
  expect(sampleValue(m, 'ltv_job_last_published_timestamp_seconds', { ltv_job: 'sharded' })).toBe(published.sharded! / 1000);

  // Two full checks of every job after the worker's first: no stale notice for either.
  await w.ops.staleReports.check();
  await w.ops.staleReports.check();
  expect(smtp().messages).toHaveLength(0);
  await w.close(1_000);
}, 60_000);
