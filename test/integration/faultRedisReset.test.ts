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
import type { EnqueuedRun } from '../../src/queue/enqueueRun.js';
import { runKey } from '../../src/queue/processRun.js';
import { runLockKey } from '../../src/queue/runLock.js';
import { RUN_QUEUE, type RunData } from '../../src/queue/runQueue.js';
import { bigCsv, createHarness, privateRedis, waitFor, type Harness } from '../helpers/queueHarness.js';

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
  // One line says it stopped; no stack traces, no repeated complaints, from either worker.
  expect(staleLines.filter((l) => /lost/.test(String(l.msg))).map((l) => l.msg)).toEqual([stopped.msg]);
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
