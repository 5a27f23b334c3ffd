// SPEC §11 on the worker: /metrics, /healthz and /readyz on LTV_METRICS_PORT after real runs, parsed with a
// strict exposition parser; a fresh worker learns the last publication from the reports directory and the
// last failure from Redis; /readyz follows a (private) Redis going away and coming back.
import { mkdir, rename, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, expect, test } from 'vitest';
import { enqueueRun } from '../../src/queue/enqueueRun.js';
import { runRoutes } from '../../src/queue/runRoutes.js';
import type { WorkerRuntime } from '../../src/queue/startWorker.js';
import { httpRequest } from '../helpers/httpRequest.js';
import { parseExposition, sampleValue, type Family } from '../helpers/parseExposition.js';
import { captureLogger, privateRedis, useHarness, waitFor, type Harness } from '../helpers/queueHarness.js';

const harness = useHarness();
let h: Harness;
beforeEach(() => {
  h = harness();
});

const OPS = { LTV_METRICS_PORT: '0', LTV_METRICS_HOST: '127.0.0.1', LTV_READY_TIMEOUT_MS: '300' };

async function scrape(w: WorkerRuntime): Promise<Map<string, Family>> {
  const addr = await w.ops.address;
  const r = await httpRequest(addr!.port, '/metrics');
  expect(r.status).toBe(200);
  expect(r.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(r.text);
}

// Five data lines: t1 twice (the later one is a duplicate), one amount that is not a number (quarantined).
// rows read 5, quarantined 1, duplicates 1.
const CSV = [
  'customer_id,event_time,amount,transaction_id',
  'c1,2026-01-05T10:00:00Z,9.99,t1',
  'c2,2026-01-06T10:00:00Z,19.99,t2',
  'c1,2026-01-05T10:00:00Z,9.99,t1',
  'c3,2026-01-07T10:00:00Z,not-a-number,t3',
  'c1,2026-02-05T10:00:00Z,9.99,t4',
  '',
].join('\n');

test('worker /metrics after a published and a failed run; a restarted worker still knows both times', async () => {
  await h.writeJob('nightly', { schedule: { cron: '0 6 * * 1-5', timezone: 'UTC' }, max_bad_row_share: 0.5 }, CSV);
  // Every row lacks an amount: the share of bad rows (1.0) fails the run for good (a data error).
  await h.writeJob('broken', {}, 'customer_id,event_time,amount\nc1,2026-01-05T10:00:00Z,x\n');
  const w = h.worker(OPS);
  await w.ready;
  const q = h.queue();
  const events = await h.events();

  const before = Date.now();
  const ok = await enqueueRun(q, h.jobsDir, 'nightly', { source: 'cli', asOf: new Date('2026-03-16T15:00:00Z') });
  await ok.queued.waitUntilFinished(events);
  const bad = await enqueueRun(q, h.jobsDir, 'broken', { source: 'cli' });
  await expect(bad.queued.waitUntilFinished(events)).rejects.toThrow(/its only row is bad: nothing was published/);
  const failedJob = await q.getJob(bad.id);
  // The worker's own 'failed' listener may run after QueueEvents told the test: wait until it counted.
  let m = await waitFor('both runs counted', async () => {
    const f = await scrape(w);
    return sampleValue(f, 'ltv_runs_total', { ltv_job: 'broken', outcome: 'failed' }) === 1 ? f : undefined;
  });

  expect(sampleValue(m, 'ltv_runs_total', { ltv_job: 'nightly', outcome: 'published' })).toBe(1);
  expect(sampleValue(m, 'ltv_input_rows_total', { ltv_job: 'nightly' })).toBe(5);
  expect(sampleValue(m, 'ltv_quarantined_rows_total', { ltv_job: 'nightly' })).toBe(1);
  expect(sampleValue(m, 'ltv_duplicate_rows_total', { ltv_job: 'nightly' })).toBe(1);
  expect(sampleValue(m, 'ltv_input_rows_total', { ltv_job: 'broken' })).toBe(1);
  expect(sampleValue(m, 'ltv_quarantined_rows_total', { ltv_job: 'broken' })).toBe(1);
  expect(sampleValue(m, 'ltv_run_duration_seconds_count', { ltv_job: 'nightly', outcome: 'published' })).toBe(1);
  for (const stage of ['ingest', 'compute', 'render', 'publish']) {
    expect(sampleValue(m, 'ltv_run_stage_duration_seconds_count', { stage }), stage).toBe(1);
  }
  // The job has no email block: no notify stage, no email counted.
  expect(sampleValue(m, 'ltv_run_stage_duration_seconds_count', { stage: 'notify' })).toBeUndefined();
  expect(m.get('ltv_emails_total')?.samples).toEqual([]);

  // Published: when the run's manifest was written (last, just before the run is put in place), read here
  // from the file system directly.
  const publishedS = (await stat(join(h.reportsDir, 'nightly', 'latest', 'manifest.json'))).mtimeMs / 1000;
  expect(sampleValue(m, 'ltv_job_last_published_timestamp_seconds', { ltv_job: 'nightly' })).toBeCloseTo(publishedS, 2); // the metric keeps whole milliseconds
  expect(publishedS * 1000).toBeGreaterThanOrEqual(before - 1000);
  expect(sampleValue(m, 'ltv_job_last_published_timestamp_seconds', { ltv_job: 'broken' })).toBeUndefined();
  expect(sampleValue(m, 'ltv_job_last_failure_timestamp_seconds', { ltv_job: 'broken' })).toBe(failedJob!.finishedOn! / 1000);
  expect(sampleValue(m, 'ltv_job_last_failure_timestamp_seconds', { ltv_job: 'nightly' })).toBeUndefined();
  // Mon-Fri at 06:00: the longest gap is Friday to Monday, 3 days.
  expect(sampleValue(m, 'ltv_job_schedule_interval_seconds', { ltv_job: 'nightly' })).toBe(3 * 86_400);
  expect(sampleValue(m, 'ltv_job_schedule_interval_seconds', { ltv_job: 'broken' })).toBeUndefined();
  expect(sampleValue(m, 'ltv_job_max_bad_row_share', { ltv_job: 'nightly' })).toBe(0.5);
  expect(sampleValue(m, 'ltv_job_max_bad_row_share', { ltv_job: 'broken' })).toBe(0.01);
  // The queue: two finished runs, one failed, the scheduler's next firing delayed.
  expect(sampleValue(m, 'ltv_queue_jobs', { queue: 'runs', state: 'completed' })).toBe(1);
  expect(sampleValue(m, 'ltv_queue_jobs', { queue: 'runs', state: 'failed' })).toBe(1);
  expect(sampleValue(m, 'ltv_queue_jobs', { queue: 'runs', state: 'delayed' })).toBe(1);
  expect(sampleValue(m, 'ltv_queue_jobs', { queue: 'runs', state: 'active' })).toBe(0);
  expect(sampleValue(m, 'ltv_queue_jobs', { queue: 'shards', state: 'completed' })).toBe(0);
  // No tenant id anywhere in the labels (the tenants are named after the jobs here, so check the values).
  for (const f of m.values()) for (const s of f.samples) expect(Object.keys(s.labels)).not.toContain('tenant');

  const port = (await w.ops.address)!.port;
  expect((await httpRequest(port, '/healthz')).status).toBe(200);
  const ready = await httpRequest(port, '/readyz');
  expect(ready.status).toBe(200);
  expect(ready.json()).toEqual({ status: 'ready', checks: { redis: 'ok', [`reports ${h.reportsDir}`]: 'ok' } });
  expect((await httpRequest(port, '/nope')).status).toBe(404);
  expect((await httpRequest(port, '/metrics', { method: 'POST' })).status).toBe(405);
  await w.close(1_000);

  // A fresh worker: counters start at zero, but both times are known again (reports directory, Redis).
  const w2 = h.worker(OPS);
  await w2.ready;
  m = await scrape(w2);
  expect(sampleValue(m, 'ltv_runs_total', { ltv_job: 'nightly', outcome: 'published' })).toBe(0);
  expect(sampleValue(m, 'ltv_job_last_published_timestamp_seconds', { ltv_job: 'nightly' })).toBeCloseTo(publishedS, 2); // the metric keeps whole milliseconds
  expect(sampleValue(m, 'ltv_job_last_failure_timestamp_seconds', { ltv_job: 'broken' })).toBe(failedJob!.finishedOn! / 1000);
  await w2.close(1_000);
  await q.close();
  await events.close();
}, 120_000); // two real runs and two worker starts: seconds on an idle machine, far more on a shared one

test('a fresh worker exports each job\'s counters at 0 before any run, and a job file added later gets them too', async () => {
  // Prometheus takes a series' first sample as its start: a counter first exported by a run was counted 0 by
  // increase(), so each worker process's first run went unseen (LtvQuarantineShareHigh, LtvRunsRetrying).
  await h.writeJob('nightly', { schedule: { cron: '0 6 * * *', timezone: 'UTC' } });
  // Invalid from the start: its runs fail and are counted under its name, so its counters are there too.
  await writeFile(join(h.jobsDir, 'half saved.json'), '{"tenant": "x", "inputs": [');
  const w = h.worker(OPS);
  await w.ready;
  const counters = (m: Map<string, Family>, name: string) =>
    m.get(name)!.samples.map((s) => `${JSON.stringify(s.labels)} ${s.value}`).sort();
  const zeros = (jobs: string[]) => ({
    runs: jobs.flatMap((j) => ['failed', 'published', 'retrying'].map((o) => `{"ltv_job":${JSON.stringify(j)},"outcome":"${o}"} 0`)).sort(),
    rows: jobs.map((j) => `{"ltv_job":${JSON.stringify(j)}} 0`).sort(),
  });
  let m = await scrape(w);
  let want = zeros(['half saved', 'nightly']);
  expect(counters(m, 'ltv_runs_total')).toEqual(want.runs);
  for (const name of ['ltv_input_rows_total', 'ltv_quarantined_rows_total', 'ltv_duplicate_rows_total']) expect(counters(m, name), name).toEqual(want.rows);
  // Histograms and the emails' kind × outcome are left to their first observation.
  expect(m.get('ltv_run_duration_seconds')!.samples).toEqual([]);
  expect(m.get('ltv_emails_total')!.samples).toEqual([]);

  // A job file added while the worker runs: its counters appear before its first run.
  await h.writeJob('weekly', {});
  want = zeros(['half saved', 'nightly', 'weekly']);
  m = await waitFor('the new job\'s counters', async () => {
    const f = await scrape(w);
    return counters(f, 'ltv_runs_total').length === want.runs.length ? f : undefined;
  });
  expect(counters(m, 'ltv_runs_total')).toEqual(want.runs);
  for (const name of ['ltv_input_rows_total', 'ltv_quarantined_rows_total', 'ltv_duplicate_rows_total']) expect(counters(m, name), name).toEqual(want.rows);
  await w.close(1_000);
}, 60_000);

test('a reports directory or a tenant\'s runs/ that cannot be read keeps its jobs\' last publication times (the stale alert needs them), said once each way naming the path', async () => {
  // With alert_after, the stale-report watch scans the same directory every 50 ms between the scrapes.
  await h.writeJob('nightly', { max_bad_row_share: 0.5, alert_after: '30d', reports_dir: h.reportsDir }, CSV);
  const { log, lines } = captureLogger();
  const w = h.worker({ ...OPS, LTV_ALERT_CHECK_MS: '50' }, log);
  await w.ready;
  const q = h.queue();
  const events = await h.events();
  const ok = await enqueueRun(q, h.jobsDir, 'nightly', { source: 'cli', asOf: new Date('2026-03-16T15:00:00Z') });
  await ok.queued.waitUntilFinished(events);
  const publishedS = (await stat(join(h.reportsDir, 'nightly', 'latest', 'manifest.json'))).mtimeMs / 1000;
  expect(sampleValue(await scrape(w), 'ltv_job_last_published_timestamp_seconds', { ltv_job: 'nightly' })).toBeCloseTo(publishedS, 2);
  // A file where the reports directory was (a volume gone, a deploy mistake): the series vanished, and with
  // it LtvReportStale, for as long as the fault lasted.
  await rename(h.reportsDir, `${h.reportsDir}.away`);
  await writeFile(h.reportsDir, 'not a folder');
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 200));
    expect(sampleValue(await scrape(w), 'ltv_job_last_published_timestamp_seconds', { ltv_job: 'nightly' })).toBeCloseTo(publishedS, 2);
  }
  const said = (re: RegExp) => lines.filter((l) => re.test(String(l.msg)));
  expect(said(/cannot be read \(ENOTDIR\): the last publication times known are kept/).map((l) => l.level)).toEqual([40]);
  await rename(`${h.reportsDir}.away`, `${h.reportsDir}`).catch(async () => {
    const { rm } = await import('node:fs/promises');
    await rm(h.reportsDir);
    await rename(`${h.reportsDir}.away`, h.reportsDir);
  });
  await new Promise((r) => setTimeout(r, 200));
  expect(sampleValue(await scrape(w), 'ltv_job_last_published_timestamp_seconds', { ltv_job: 'nightly' })).toBeCloseTo(publishedS, 2);
  expect(said(/reports can be read again$/).map((l) => l.level)).toEqual([30]);

  // A tenant's runs/ likewise: a symlink to itself in its place, ELOOP, which stops root too (chmod does not).
  // Its end is said naming runs/, as its warning does (it named the reports directory, readable all along).
  const runs = join(h.reportsDir, 'nightly', 'runs');
  const from = lines.length;
  await rename(runs, `${runs}.away`);
  await symlink('runs', runs);
  await new Promise((r) => setTimeout(r, 200));
  expect(sampleValue(await scrape(w), 'ltv_job_last_published_timestamp_seconds', { ltv_job: 'nightly' })).toBeCloseTo(publishedS, 2);
  await unlink(runs);
  await rename(`${runs}.away`, runs);
  await new Promise((r) => setTimeout(r, 200));
  expect(sampleValue(await scrape(w), 'ltv_job_last_published_timestamp_seconds', { ltv_job: 'nightly' })).toBeCloseTo(publishedS, 2);
  expect(lines.slice(from).filter((l) => l.reports_dir === h.reportsDir).map((l) => [l.level, l.msg])).toEqual([
    [40, `${runs} cannot be read (ELOOP): the last publication times known are kept until it can be read again`],
    [30, `${runs} can be read again`],
  ]);
  await w.close(1_000);
  await q.close();
  await events.close();
}, 120_000);

test('a job whose file became invalid keeps its last publish, last failure and schedule gauges; a worker started meanwhile exports the first two', async () => {
  await h.writeJob('nightly', { schedule: { cron: '0 6 * * *', timezone: 'UTC' }, max_bad_row_share: 0.5 }, CSV);
  await h.writeJob('other', {});
  const w = h.worker(OPS);
  await w.ready;
  const q = h.queue();
  const events = await h.events();
  const ok = await enqueueRun(q, h.jobsDir, 'nightly', { source: 'cli', asOf: new Date('2026-03-16T15:00:00Z') });
  await ok.queued.waitUntilFinished(events);
  // The next night's input is all bad rows: the run fails for good.
  await writeFile(join(h.dir, 'nightly.csv'), 'customer_id,event_time,amount\nc1,2026-01-05T10:00:00Z,x\n');
  const bad = await enqueueRun(q, h.jobsDir, 'nightly', { source: 'cli' });
  await expect(bad.queued.waitUntilFinished(events)).rejects.toThrow(/its only row is bad: nothing was published/);
  const failedS = (await q.getJob(bad.id))!.finishedOn! / 1000;
  const publishedS = (await stat(join(h.reportsDir, 'nightly', 'latest', 'manifest.json'))).mtimeMs / 1000;
  await waitFor('failure counted', async () => sampleValue(await scrape(w), 'ltv_job_last_failure_timestamp_seconds', { ltv_job: 'nightly' }) === failedS);

  // Then a half-saved edit breaks the job file.
  await writeFile(join(h.jobsDir, 'nightly.json'), '{"tenant": "nightly", "inputs": [');
  let m = await scrape(w);
  expect(sampleValue(m, 'ltv_job_last_published_timestamp_seconds', { ltv_job: 'nightly' })).toBeCloseTo(publishedS, 2);
  expect(sampleValue(m, 'ltv_job_last_failure_timestamp_seconds', { ltv_job: 'nightly' })).toBe(failedS);
  expect(sampleValue(m, 'ltv_job_schedule_interval_seconds', { ltv_job: 'nightly' })).toBe(86_400);
  expect(sampleValue(m, 'ltv_job_max_bad_row_share', { ltv_job: 'nightly' })).toBe(0.5);
  expect(sampleValue(m, 'ltv_job_max_bad_row_share', { ltv_job: 'other' })).toBe(0.01);
  await w.close(1_000);

  // A worker started while the file is invalid never saw its schedule: that gauge alone is absent.
  const w2 = h.worker(OPS);
  await w2.ready;
  m = await scrape(w2);
  expect(sampleValue(m, 'ltv_job_last_published_timestamp_seconds', { ltv_job: 'nightly' })).toBeCloseTo(publishedS, 2);
  expect(sampleValue(m, 'ltv_job_last_failure_timestamp_seconds', { ltv_job: 'nightly' })).toBe(failedS);
  expect(sampleValue(m, 'ltv_job_schedule_interval_seconds', { ltv_job: 'nightly' })).toBeUndefined();
  expect(sampleValue(m, 'ltv_job_max_bad_row_share', { ltv_job: 'nightly' })).toBeUndefined();
  // Fixed: every gauge is back, from the file.
  await h.writeJob('nightly', { schedule: { cron: '0 6 * * *', timezone: 'UTC' }, max_bad_row_share: 0.5 }, null);
  m = await scrape(w2);
  expect(sampleValue(m, 'ltv_job_schedule_interval_seconds', { ltv_job: 'nightly' })).toBe(86_400);
  expect(sampleValue(m, 'ltv_job_last_failure_timestamp_seconds', { ltv_job: 'nightly' })).toBe(failedS);
  await w2.close(1_000);
  await q.close();
  await events.close();
}, 120_000);

test('a job named with a space, quotes, a backslash or an accent is enqueued by its name and counted under it', async () => {
  // Names the worker loads, schedules and runs: every per-run series said ltv_job="unknown" for them, and
  // ltv enqueue and POST /api/v1/runs refused them as "not a job name".
  const weird = 'we"ird\\job ü';
  await h.writeJob('my job', {});
  // Two rows, one bad: above the default limit (1 %), the run fails for good.
  await h.writeJob(weird, {}, 'customer_id,event_time,amount\nc1,2026-01-05T10:00:00Z,x\nc2,2026-01-06T10:00:00Z,5\n');
  const w = h.worker(OPS);
  await w.ready;
  const q = h.queue();
  const events = await h.events();
  const route = runRoutes(q, { env: h.env, jobsDir: h.jobsDir, authenticated: true }).find((r) => r.method === 'POST')!;
  const posted = await route.handle({ params: {}, headers: {}, body: { job: 'my job', as_of: '2026-03-16T15:00:00Z' } });
  expect(posted.status).toBe(202);
  const ok = (await q.getJob((posted.body as { id: string }).id))!;
  await ok.waitUntilFinished(events);
  const bad = await enqueueRun(q, h.jobsDir, weird, { source: 'cli' });
  await expect(bad.queued.waitUntilFinished(events)).rejects.toThrow(/1 of 2 rows \(50\.00 %\) is bad/);
  const m = await waitFor('both runs counted', async () => {
    const f = await scrape(w);
    return sampleValue(f, 'ltv_runs_total', { ltv_job: weird, outcome: 'failed' }) === 1 ? f : undefined;
  });
  expect(sampleValue(m, 'ltv_runs_total', { ltv_job: 'my job', outcome: 'published' })).toBe(1);
  expect(sampleValue(m, 'ltv_run_duration_seconds_count', { ltv_job: 'my job', outcome: 'published' })).toBe(1);
  expect(sampleValue(m, 'ltv_input_rows_total', { ltv_job: 'my job' })).toBe(3);
  expect(sampleValue(m, 'ltv_run_duration_seconds_count', { ltv_job: weird, outcome: 'failed' })).toBe(1);
  // The failed run's rows are counted too (they were in no counter: the quarantine-share alert missed them).
  expect(sampleValue(m, 'ltv_input_rows_total', { ltv_job: weird })).toBe(2);
  expect(sampleValue(m, 'ltv_quarantined_rows_total', { ltv_job: weird })).toBe(1);
  expect(sampleValue(m, 'ltv_duplicate_rows_total', { ltv_job: weird })).toBe(0);
  expect(sampleValue(m, 'ltv_job_last_failure_timestamp_seconds', { ltv_job: weird })).toBe((await q.getJob(bad.id))!.finishedOn! / 1000);
  for (const f of m.values()) for (const s of f.samples) expect(s.labels.ltv_job, f.name).not.toBe('unknown');
  // A path, a hidden file or a control character is still no job name, in one line saying why.
  for (const [job, why] of [['../web', 'it holds a "/": a job name is its file\'s name in the jobs folder, not a path'], ['.hidden', 'it starts with ".", and such files are no jobs'], ['a\u0007b', 'it holds a control character']]) {
    const r = await route.handle({ params: {}, headers: {}, body: { job } });
    expect(r.status).toBe(400);
    expect((r.body as { error: { message: string } }).error.message).toBe(`job: ${JSON.stringify(job)} is not a job name (${why}): give the name of a job file in the jobs folder without .json, e.g. "nightly"`);
  }
  await w.close(1_000);
  await q.close();
  await events.close();
}, 120_000);

test('/readyz turns unready when Redis stops and ready again when it is back', async () => {
  await mkdir(h.reportsDir, { recursive: true });
  const redis = await privateRedis(h.dir);
  await redis.start();
  const w = h.worker({ ...OPS, REDIS_URL: redis.url });
  try {
    await w.ready;
    const port = (await w.ops.address)!.port;
    expect((await httpRequest(port, '/readyz')).status).toBe(200);

    await redis.stop();
    const down = await waitFor('unready', async () => {
      const r = await httpRequest(port, '/readyz');
      return r.status === 503 ? r : undefined;
    });
    const body = down.json() as { status: string; checks: Record<string, string> };
    expect(body.status).toBe('not ready');
    expect(body.checks.redis).not.toBe('ok');
    // While it reconnects, the reason names the host as serve's does (it was "redis connection is connecting").
    await waitFor('the reason', async () => ((await httpRequest(port, '/readyz')).json() as typeof body).checks.redis === `Redis at ${redis.url} is not connected (down or unreachable; reconnecting)`);
    expect(body.checks[`reports ${h.reportsDir}`]).toBe('ok');
    // Alive all the same, and the scrape still answers (without the queue depth it cannot read).
    expect((await httpRequest(port, '/healthz')).status).toBe(200);
    const m = parseExposition((await httpRequest(port, '/metrics')).text);
    expect(sampleValue(m, 'ltv_queue_jobs', { queue: 'runs', state: 'waiting' })).toBeUndefined();
    expect(sampleValue(m, 'ltv_queue_jobs', { queue: 'shards', state: 'waiting' })).toBeUndefined();

    await redis.start();
    await waitFor('ready again', async () => (await httpRequest(port, '/readyz')).status === 200, 20_000);
  } finally {
    await w.close(1_000);
    await redis.stop();
  }
});

test('the queue depth counts the shard jobs a sharded run waits for (SPEC §12): a backlog no worker takes shows', async () => {
  await h.writeJob('sharded', { shards: 3, max_bad_row_share: 0.5 }, CSV);
  // This worker splits and merges runs but computes no shard (as a host that only coordinates).
  const w = h.worker({ ...OPS, LTV_SHARD_CONCURRENCY: '0' });
  await w.ready;
  const q = h.queue();
  await enqueueRun(q, h.jobsDir, 'sharded', { source: 'cli', asOf: new Date('2026-03-16T15:00:00Z') });
  try {
    // Split into 3 parts, each a shard job nobody takes: they wait, and the run, once its split step has
    // handed over (it is active a moment after adding them), waits for them.
    const m = await waitFor('the shards counted and the run waiting for them', async () => {
      const f = await scrape(w);
      return sampleValue(f, 'ltv_queue_jobs', { queue: 'runs', state: 'waiting-children' }) === 1 ? f : undefined;
    }, 60_000);
    expect(sampleValue(m, 'ltv_queue_jobs', { queue: 'shards', state: 'waiting' })).toBe(3);
    expect(sampleValue(m, 'ltv_queue_jobs', { queue: 'runs', state: 'waiting' })).toBe(0);
    expect(sampleValue(m, 'ltv_queue_jobs', { queue: 'shards', state: 'active' })).toBe(0);
  } finally {
    await w.close(1_000);
    await q.close();
  }
}, 90_000);
