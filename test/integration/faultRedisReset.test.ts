// Redis restarting EMPTY (issue 14): a private redis-server without persistence that the test kills and
// starts again, so the queue, the run locks and BullMQ's id counter are gone and ids start again at 1.
// Real `ltv worker` child processes, real files.
import { randomUUID } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, expect, test } from 'vitest';
import type { RunResult } from '../../src/pipeline.js';
import { loadJob } from '../../src/config/loadJob.js';
import { enqueueRun, type EnqueuedRun } from '../../src/queue/enqueueRun.js';
import { runKey } from '../../src/queue/processRun.js';
import { runLockKey } from '../../src/queue/runLock.js';
import { RUN_QUEUE, type RunData, type RunQueue } from '../../src/queue/runQueue.js';
import { bigCsv, captureLogger, createHarness, privateRedis, waitFor, type Harness } from '../helpers/queueHarness.js';

let h: Harness;
let redis: Awaited<ReturnType<typeof privateRedis>>;
beforeEach(async () => {
  h = await createHarness();
  redis = await privateRedis(h.dir, { persist: false });
  await redis.start();
});
afterEach(async () => {
  const leaks = await h.close();
  await redis.stop();
  expect(leaks, 'the test left these open').toEqual([]);
});

/** Redis crashes and comes back with nothing in it. */
async function restartEmpty(): Promise<void> {
  await redis.stop('SIGKILL');
  await redis.start();
}

/**
 * Enqueues a run as releases before run ids were keys did (`ltv enqueue` and the route name a run by its key
 * now): under BullMQ's counter, which starts again at 1 after Redis lost its data, the premise of these
 * tests; the run still carries its key, which the worker goes by. Retries while the producer reconnects.
 */
async function enqueue(q: ReturnType<Harness['queue']>, job: string, asOf: string): Promise<EnqueuedRun> {
  const data: RunData = { file: `${job}.json`, asOf: new Date(asOf).toISOString(), source: 'cli', key: randomUUID() };
  const queued = await waitFor(`${job} enqueued`, () => q.add(job, data).catch(() => undefined), 20_000);
  return { id: queued.id!, job: await loadJob(join(h.jobsDir, `${job}.json`)), asOf: new Date(asOf), queued };
}

/** The run of this key once it completed (the id alone does not tell runs apart here). */
async function completed(q: ReturnType<Harness['queue']>, run: EnqueuedRun, ms: number): Promise<RunResult> {
  return waitFor(`run ${run.queued.data.key} completed`, async () => {
    const job = await q.getJob(run.id).catch(() => undefined);
    if (!job || job.data.key !== run.queued.data.key) return undefined;
    if (job.failedReason) throw new Error(`run failed: ${job.failedReason}`);
    return job.finishedOn ? (job.returnvalue as RunResult) : undefined;
  }, ms);
}

async function manifestKeys(tenant: string): Promise<Record<string, string>> {
  const runsDir = join(h.reportsDir, tenant, 'runs');
  const out: Record<string, string> = {};
  for (const r of (await readdir(runsDir)).sort()) {
    out[r] = (JSON.parse(await readFile(join(runsDir, r, 'manifest.json'), 'utf8')) as { idempotency_key: string }).idempotency_key;
  }
  return out;
}

test('the idempotency key of each kind of run: its own random key, else its job and slot, else its id and the time it was added', () => {
  const data = { file: 'nightly.json', source: 'cli' as const };
  expect(runKey({ id: '1', data: { ...data, key: 'k-1' }, repeatJobKey: undefined, timestamp: 1_773_673_200_123 })).toBe('k-1');
  expect(runKey({ id: 'repeat:nightly:1773673200000', data: { ...data, source: 'schedule' }, repeatJobKey: 'nightly', timestamp: 1_773_673_200_004 })).toBe('repeat:nightly:1773673200000');
  expect(runKey({ id: '1', data, repeatJobKey: undefined, timestamp: 1_773_673_200_123 })).toBe('1@1773673200123');
});

test('a new run after Redis lost its data gets BullMQ id 1 again, yet never passes for the old run: it is computed and published on its own', async () => {
  const vars = { REDIS_URL: redis.url };
  await h.writeJob('again', {});
  const q = h.queue(vars);
  const worker = h.childWorker(vars);
  const first = await enqueue(q, 'again', '2026-03-01T00:00:00Z');
  const before = await completed(q, first, 60_000);
  // The harness export: 9.99 + 19.99 + 9.99.
  expect(before.tenants[0]!.summary.revenue).toBeCloseTo(39.97, 2);

  await restartEmpty();
  // The export changed meanwhile (a corrected one, say): 10 + 20 + 30.
  await writeFile(join(h.dir, 'again.csv'), 'customer_id,event_time,amount,transaction_id\nc1,2026-01-05T10:00:00Z,10.00,t1\nc2,2026-01-06T10:00:00Z,20.00,t2\nc1,2026-02-05T10:00:00Z,30.00,t3\n');
  const second = await enqueue(q, 'again', '2026-03-01T00:00:00Z');
  expect(second.id).toBe(first.id); // the premise: ids started again
  const after = await completed(q, second, 60_000);
  // Computed from the new export, under its own run-id; the earlier run stays as it was.
  expect(after.tenants[0]!.summary.revenue).toBeCloseTo(60, 2);
  expect(after.tenants[0]!.runId).toBe('20260301T000000Z-2');
  expect(await manifestKeys('again')).toEqual({ '20260301T000000Z': first.queued.data.key, '20260301T000000Z-2': second.queued.data.key });
  expect(first.queued.data.key).not.toBe(second.queued.data.key);
  expect(worker.logs.filter((l) => l.msg === 'run already published by an earlier attempt; only what is left is done')).toEqual([]);
  worker.proc.kill('SIGTERM');
  expect((await worker.exited).code).toBe(0);
  await q.close();
}, 120_000);

test('Redis restarting empty mid-run: the stale attempt stops at once with one log line, never publishes beside the new run of the job, never touches its lock', async () => {
  const vars = { REDIS_URL: redis.url };
  // A million payments: compute lasts several seconds (6 s on 2 idle cores in the bench).
  await h.writeJob('reset', {}, bigCsv(1_000_000));
  const q = h.queue(vars);
  const staleWorker = h.childWorker(vars);
  const stale = await enqueue(q, 'reset', '2026-03-01T00:00:00Z');
  await staleWorker.waitForLog('ingest done', (l) => l.msg === 'ingest done', 120_000);

  // Watch the run lock from the restart on: who holds it, and when.
  const admin = new Redis({ port: redis.port, host: '127.0.0.1', maxRetriesPerRequest: 1, retryStrategy: () => 100 });
  admin.on('error', () => {});
  const lockKey = runLockKey(h.prefix, RUN_QUEUE, 'reset', 'reset');
  const seen: { at: number; value: string | null }[] = [];
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      const value = await admin.get(lockKey).catch(() => undefined);
      if (value !== undefined && seen.at(-1)?.value !== value) seen.push({ at: Date.now(), value });
      await new Promise((r) => setTimeout(r, 10));
    }
  })();

  await restartEmpty();
  const restarted = Date.now();
  // A new run of the same job and as-of, on a second worker: BullMQ hands out id 1 again.
  const fresh = await enqueue(q, 'reset', '2026-03-01T00:00:00Z');
  expect(fresh.id).toBe(stale.id);
  const freshWorker = h.childWorker(vars);
  const staleKey = stale.queued.data.key!;
  const freshKey = fresh.queued.data.key!;

  // The stale attempt stops at once (its lock client or BullMQ's noticed the empty Redis), in one line.
  const stopped = await staleWorker.waitForLog('the stale attempt to stop', (l) => l.key === staleKey && /stopping this run now/.test(String(l.msg)), 30_000);
  expect((stopped.time as number) - restarted).toBeLessThan(8_000);

  const result = await completed(q, fresh, 180_000);
  const done = [...staleWorker.logs, ...freshWorker.logs].find((l) => l.key === freshKey && l.msg === 'run completed')!;
  expect(done).toBeDefined();
  // Time for a stale publication to show up, if there were one.
  await new Promise((r) => setTimeout(r, 2_000));
  watching = false;
  await watcher;
  admin.disconnect();

  // Published once, by the new run, under the as-of's run-id.
  expect(result.tenants.map((t) => t.runId)).toEqual(['20260301T000000Z']);
  expect(await manifestKeys('reset')).toEqual({ '20260301T000000Z': freshKey });
  expect((await readdir(join(h.reportsDir, 'reset', 'runs'))).filter((n) => n.startsWith('.staging-'))).toEqual([]);

  const staleLines = staleWorker.logs.filter((l) => l.key === staleKey);
  expect(staleLines.filter((l) => l.msg === 'publish done')).toEqual([]);
  // One line says it stopped, one what follows (a run under a counter id is not added again: id 1 names the
  // new run by now); no stack traces, no repeated complaints, from either worker.
  expect(staleLines.filter((l) => /lost/.test(String(l.msg))).map((l) => l.msg)).toEqual([
    stopped.msg,
    'redis lost its data during this run (restarted without persistence?): it is not added again, since its id 1 is BullMQ\'s counter, which Redis started again; to run it: ltv enqueue reset --as-of 2026-03-01T00:00:00.000Z',
  ]);
  for (const w of [staleWorker, freshWorker]) {
    expect(w.logs.filter((l) => 'err' in l || l.msg === 'worker error').map((l) => `${String(l.msg)}: ${(l.err as { message?: string } | undefined)?.message}`)).toEqual([]);
  }

  // The lock after the restart: one owner (the new run's attempt) from the moment it was taken until the
  // run completed; the stale attempt neither took nor released it meanwhile.
  // Strictly before the completion's line: the release comes after it, and the watcher's time of a reading
  // (taken once Redis answered) can fall in the same millisecond as that line.
  const during = seen.filter((s) => s.at >= restarted && s.at < (done.time as number));
  const owners = during.filter((s) => s.value !== null);
  expect(owners.length, JSON.stringify(seen)).toBe(1);
  // (With `<=` above it failed 2 times in 13 runs at stop 52: the release read in the completion's millisecond.)
  const doneBy = staleWorker.logs.includes(done) ? 'the stale worker' : 'the fresh worker';
  expect(during.slice(during.indexOf(owners[0]!)).every((s) => s.value === owners[0]!.value),
    `lock values seen ${JSON.stringify(seen)}; restarted at ${restarted}; the fresh run completed at ${String(done.time)} on ${doneBy}; keys: stale ${staleKey}, fresh ${freshKey}`).toBe(true);

  for (const w of [staleWorker, freshWorker]) {
    w.proc.kill('SIGTERM');
    expect((await w.exited).code).toBe(0);
  }
  await q.close();
}, 300_000);

test('Redis restarting empty: the schedules are registered again as soon as it answers, not at the next rescan', async () => {
  // A rescan an hour away: only the reconnection can bring the schedule back within the test's wait (a tick
  // due between the restart and the rescan was lost).
  const vars = { REDIS_URL: redis.url, LTV_SCHEDULE_RESCAN_MS: '3600000' };
  await h.writeJob('nightly', { schedule: { cron: '0 3 * * *', timezone: 'UTC' } });
  const w = h.worker(vars);
  await w.ready;
  const q = h.queue(vars);
  const before = await waitFor('scheduler registered', async () => q.getJobScheduler('nightly'), 10_000);
  await restartEmpty();
  const after = await waitFor('scheduler registered again', async () => {
    try {
      return await q.getJobScheduler('nightly');
    } catch {
      return undefined; // Redis away
    }
  }, 15_000);
  expect(after.next).toBe(before.next);
  await q.close();
  await w.close(2_000);
}, 60_000);

/** A 6-field cron (seconds first) whose one firing in the year is `at` (UTC, whole seconds). */
function cronAt(at: Date): string {
  return `${at.getUTCSeconds()} ${at.getUTCMinutes()} ${at.getUTCHours()} ${at.getUTCDate()} ${at.getUTCMonth() + 1} *`;
}

/** A whole second at least `ms` from now. */
function secondAfter(ms: number): Date {
  return new Date(Math.ceil((Date.now() + ms) / 1000) * 1000);
}

/** The run of `id` once it finished (Redis may be away meanwhile). */
async function finished(q: RunQueue, id: string, ms: number) {
  return waitFor(`run ${id} to finish`, async () => {
    const job = await q.getJob(id).catch(() => undefined);
    return job?.finishedOn !== undefined && job;
  }, ms);
}

test('Redis restarting empty while a firing falls due: the worker adds that firing when Redis is back, it runs once at its slot, and the log says so', async () => {
  const vars = { REDIS_URL: redis.url, LTV_SCHEDULE_RESCAN_MS: '3600000' };
  const at = secondAfter(4_000);
  await h.writeJob('once', { schedule: { cron: cronAt(at), timezone: 'UTC' } });
  const { log, lines } = captureLogger();
  const w = h.worker(vars, log);
  await w.ready;
  const q = h.queue(vars);
  expect((await q.getJobScheduler('once'))?.next).toBe(at.getTime());
  // Away from before the firing until after it, and back with nothing in it.
  await redis.stop('SIGKILL');
  await new Promise((r) => setTimeout(r, at.getTime() + 1_000 - Date.now()));
  await redis.start();

  const slot = at.toISOString();
  const id = `repeat:once:${at.getTime()}`;
  const job = await finished(q, id, 60_000);
  expect([job.failedReason, job.returnvalue.asOf]).toEqual([undefined, slot]);
  expect(await manifestKeys('once')).toEqual({ [slot.replace(/[-:]|\.000/g, '')]: id });
  expect(lines.filter((l) => l.job === 'once' && /redis/.test(String(l.msg))).map((l) => l.msg)).toEqual([
    `redis came back without its data (restarted without persistence?): the run of job "once" due at ${slot}, while it was away, is added now`,
  ]);
  // The schedule is back too, its next firing a year on; nothing else was added.
  expect((await q.getJobScheduler('once'))?.next).toBeGreaterThan(at.getTime() + 300 * 86_400_000);
  expect(await q.getJobCounts('wait', 'active', 'completed', 'failed')).toEqual({ wait: 0, active: 0, completed: 1, failed: 0 });
  await q.close();
  await w.close(2_000);
}, 120_000);

test('Redis restarting empty mid-run: the worker that stopped the scheduled run adds it again, and it publishes its slot once', async () => {
  const vars = { REDIS_URL: redis.url, LTV_SCHEDULE_RESCAN_MS: '3600000' };
  const csv = bigCsv(1_000_000);
  const at = secondAfter(3_000);
  await h.writeJob('big', { schedule: { cron: cronAt(at), timezone: 'UTC' } }, csv);
  const { log, lines } = captureLogger();
  const w = h.worker(vars, log);
  await w.ready;
  const q = h.queue(vars);
  await waitFor('ingest done', () => lines.some((l) => l.msg === 'ingest done'), 120_000);
  await restartEmpty();

  const slot = at.toISOString();
  const id = `repeat:big:${at.getTime()}`;
  const job = await finished(q, id, 180_000);
  expect([job.failedReason, job.returnvalue.asOf]).toEqual([undefined, slot]);
  expect(await manifestKeys('big')).toEqual({ [slot.replace(/[-:]|\.000/g, '')]: id });
  // The stop, then what follows it: no retry is promised that would not happen.
  expect(lines.filter((l) => l.key === id && /redis|lock/.test(String(l.msg))).map((l) => l.msg)).toEqual([
    // Whichever lock is found gone first: the run lock, or BullMQ's.
    expect.stringMatching(/^run (lock lost \(it expired or redis lost its data; another run may start\)|lost its queue lock); stopping this run now$/),
    `redis lost its data during this run (restarted without persistence?): the run is added again under its id ${id} and starts over`,
  ]);
  expect(lines.filter((l) => l.msg === 'run completed').map((l) => l.key)).toEqual([id]);
  await q.close();
  await w.close(2_000);
}, 300_000);

test('Redis restarting empty mid-run: an on-demand run (its id is its key) is added again under that id and publishes once', async () => {
  const vars = { REDIS_URL: redis.url };
  await h.writeJob('asked', {}, bigCsv(1_000_000));
  const { log, lines } = captureLogger();
  const w = h.worker(vars, log);
  await w.ready;
  const q = h.queue(vars);
  const run = await enqueueRun(q, h.jobsDir, 'asked', { source: 'cli', asOf: new Date('2026-03-01T00:00:00Z') });
  expect(run.id).toBe(run.queued.data.key);
  await waitFor('ingest done', () => lines.some((l) => l.msg === 'ingest done'), 120_000);
  await restartEmpty();

  const job = await finished(q, run.id, 180_000);
  expect([job.failedReason, job.returnvalue.asOf, job.data.asOfGiven]).toEqual([undefined, '2026-03-01T00:00:00.000Z', true]);
  expect(await manifestKeys('asked')).toEqual({ '20260301T000000Z': run.id });
  expect(lines.filter((l) => l.key === run.id && /^redis lost its data/.test(String(l.msg))).map((l) => l.msg)).toEqual([
    `redis lost its data during this run (restarted without persistence?): the run is added again under its id ${run.id} and starts over`,
  ]);
  await q.close();
  await w.close(2_000);
}, 300_000);
