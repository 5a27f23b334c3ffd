// SPEC §12 and README "Redis restarting empty": a sharded run waits for its shards in BullMQ's
// waiting-children state, held by no worker and no lock, so no attempt finds its lock gone when Redis loses
// its data. The worker that split it (or ran one of its shards) adds it again under its own id, and it
// completes. A private redis-server without persistence that the test kills and starts again (never
// the shared test Redis: other test files run beside this one), real workers in this process, real files.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { randomUUID } from 'node:crypto';
import { enqueueRun } from '../../src/queue/enqueueRun.js';
import { runLockKey } from '../../src/queue/runLock.js';
import { RUN_QUEUE, type RunData } from '../../src/queue/runQueue.js';
import { useSmtpSinkEnv } from '../helpers/smtpSink.js';
import { captureLogger, createHarness, privateRedis, waitFor, type Harness } from '../helpers/queueHarness.js';

// The worker reads its SMTP settings from the environment.
const smtp = useSmtpSinkEnv();
let h: Harness;
let redis: Awaited<ReturnType<typeof privateRedis>>;
let redisDir: string;
beforeEach(async () => {
  redisDir = await mkdtemp(join(tmpdir(), 'ltv-redis-'));
  redis = await privateRedis(redisDir, { persist: false });
  await redis.start();
  h = await createHarness({ REDIS_URL: redis.url });
});
afterEach(async () => {
  const leaks = await h.close();
  await redis.stop();
  await rm(redisDir, { recursive: true, force: true });
  expect(leaks, 'the test left these open').toEqual([]);
});

/** Redis crashes and comes back with nothing in it: every key gone, every client's connection cut. */
async function restartEmpty(): Promise<void> {
  await redis.stop('SIGKILL');
  await redis.start();
}

/**
 * An on-demand run of `job` (shards: 3) split by a worker that takes no shard (it splits and merges only),
 * once it waits for its shards.
 */
async function splitRun(job: string) {
  await h.writeJob(job, { shards: 3 });
  const { log, lines } = captureLogger();
  const splitter = h.worker({ LTV_SHARD_CONCURRENCY: '0' }, log);
  await splitter.ready;
  const q = h.queue();
  const run = await enqueueRun(q, h.jobsDir, job, { source: 'cli', asOf: new Date('2026-03-01T00:00:00Z') });
  expect(run.id).toBe(run.queued.data.key);
  await waitFor('the run to wait for its shards', async () => (await q.getJobState(run.id)) === 'waiting-children', 60_000);
  return { log, lines, splitter, q, run };
}

test('Redis losing its data while a sharded run waits for its shards: the worker that split it adds it again under its id, it completes, and its old shard files go', async () => {
  const { log, lines, splitter, q, run } = await splitRun('split');
  const shardsDir = join(h.reportsDir, '.shards', 'split');
  const [oldSplit] = await readdir(shardsDir);
  expect(oldSplit).toMatch(/^[0-9a-f]{12}$/);

  await restartEmpty();
  const shardWorker = h.worker({}, log);
  const job = await waitFor('the run added again to complete', async () => {
    const j = await q.getJob(run.id).catch(() => undefined);
    if (j?.failedReason) throw new Error(`run failed: ${j.failedReason}`);
    return j?.finishedOn !== undefined && j;
  }, 60_000);
  // The harness export: 9.99 + 19.99 + 9.99, as of the run's own time.
  expect(job.returnvalue.asOf).toBe('2026-03-01T00:00:00.000Z');
  expect(job.returnvalue.tenants[0]!.summary.revenue).toBeCloseTo(39.97, 2);
  expect(job.returnvalue.tenants.map((t) => t.runId)).toEqual(['20260301T000000Z']);
  expect(lines.filter((l) => /^redis lost its data/.test(String(l.msg))).map((l) => [l.run, l.msg])).toEqual([
    [run.id, `redis lost its data during this sharded run (restarted without persistence?): the run is added again under its id ${run.id} and starts over`],
  ]);
  expect(lines.filter((l) => l.msg === 'run completed').map((l) => l.run)).toEqual([run.id]);
  // The first split's files are gone, and the second's once merged.
  expect(await readdir(shardsDir)).toEqual([]);
  await q.close();
  await shardWorker.close(2_000);
  await splitter.close(2_000);
}, 120_000);

test('Redis losing its data while a sharded run under a BullMQ counter id waits for its shards: one line says it is lost and how to run it again, ops get the failure notice, its shard files go', async () => {
  const sink = smtp();
  await h.writeJob('counted', { shards: 3, email: { to: ['finance@example.com'], ops: ['oncall@example.com'] } });
  const { log, lines } = captureLogger();
  const splitter = h.worker({ LTV_SHARD_CONCURRENCY: '0' }, log);
  await splitter.ready;
  const q = h.queue();
  // As releases before run ids were keys added runs: under BullMQ's counter, which starts again at 1.
  const data: RunData = { file: 'counted.json', asOf: '2026-03-01T00:00:00.000Z', source: 'cli', key: randomUUID() };
  const queued = await q.add('counted', data);
  expect(queued.id).toBe('1');
  await waitFor('the run to wait for its shards', async () => (await q.getJobState('1')) === 'waiting-children', 60_000);
  const shardsDir = join(h.reportsDir, '.shards', 'counted');
  expect(await readdir(shardsDir)).toHaveLength(1);

  await restartEmpty();
  const LINE = 'redis lost its data during this sharded run (restarted without persistence?): it is not added again, since its id 1 is BullMQ\'s counter, which Redis started again; to run it: ltv enqueue counted --as-of 2026-03-01T00:00:00.000Z';
  await waitFor('the failure notice', () => sink.messages.length >= 1, 30_000);
  expect(sink.envelopes).toEqual([['oncall@example.com']]);
  expect(sink.messages[0]!.subject).toMatch(/^LTV run failed: job counted, tenant counted, as of 2026-03-01/);
  expect(sink.messages[0]!.text).toContain(LINE);
  expect(lines.filter((l) => /^redis lost its data/.test(String(l.msg))).map((l) => [l.level, l.run, l.msg])).toEqual([[50, '1', LINE]]);
  expect(await readdir(shardsDir)).toEqual([]);
  // Nothing added again, nothing published.
  expect(await q.getJob('1')).toBeUndefined();
  expect(await readdir(join(h.reportsDir, 'counted')).catch(() => [])).not.toContain('latest');
  await q.close();
  await splitter.close(2_000);
}, 120_000);

test('Redis losing its data after the shards of a run were done, its splitter gone: the worker that ran them adds it again under its id, and it completes', async () => {
  const { log, lines, splitter, q, run } = await splitRun('ran');
  // Only the worker that runs the shards knows the run now.
  await splitter.close(2_000);
  // The job's run lock held (as by another run of the job): the run, its shards done, waits instead of merging.
  const admin = new Redis({ port: redis.port, host: '127.0.0.1' });
  await admin.set(runLockKey(h.prefix, RUN_QUEUE, 'ran', 'ran'), 'another-run', 'PX', 60_000);
  admin.disconnect();
  const shardWorker = h.worker({}, log);
  await waitFor('the run to wait for the lock', () => lines.some((l) => l.run === run.id && l.msg === 'another run of this job is in progress; waiting'), 60_000);
  expect(lines.filter((l) => l.msg === 'shard done')).toHaveLength(3);

  await restartEmpty();
  const job = await waitFor('the run added again to complete', async () => {
    const j = await q.getJob(run.id).catch(() => undefined);
    if (j?.failedReason) throw new Error(`run failed: ${j.failedReason}`);
    return j?.finishedOn !== undefined && j;
  }, 60_000);
  expect(job.returnvalue.tenants[0]!.summary.revenue).toBeCloseTo(39.97, 2);
  expect(lines.filter((l) => /^redis lost its data/.test(String(l.msg))).map((l) => [l.run, l.msg])).toEqual([
    [run.id, `redis lost its data during this sharded run (restarted without persistence?): the run is added again under its id ${run.id} and starts over`],
  ]);
  expect(await readdir(join(h.reportsDir, '.shards', 'ran'))).toEqual([]);
  await q.close();
  await shardWorker.close(2_000);
}, 120_000);
