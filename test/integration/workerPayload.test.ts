// A queued run whose data ltv's own producers (ltv enqueue, POST /api/v1/runs, the scheduler) never write:
// added by an operator's script straight to the queue. It fails for good in one line naming the field,
// before the job's run lock is taken, and the job's next run is not held up. Before, an as-of that is no
// time threw after the lock was taken and outside the code that releases it: the lock was renewed for good
// and every later run of the job and tenant waited ("another run of this job is in progress") until the
// worker restarted. Real worker (in process), real Redis.
import { beforeEach, expect, test } from 'vitest';
import { useHarness, waitFor, type Harness } from '../helpers/queueHarness.js';
import type { RunData } from '../../src/queue/runQueue.js';

const harness = useHarness();
let h: Harness;
beforeEach(() => {
  h = harness();
});

const AGAIN = 'add it again with ltv enqueue <job> or POST /api/v1/runs';

test('a run with an as-of (or a day), a job file name or a shard count that is none fails at once in one line, and the job runs next', async () => {
  await h.writeJob('pay', {});
  const w = h.worker();
  await w.ready;
  const q = h.queue();
  const retry = { attempts: 3, backoff: { type: 'fixed', delay: 100 } };
  const bad = await Promise.all([
    q.add('run', { file: 'pay.json', source: 'cli', asOf: 'garbage', key: 'k-garbage' }, retry),
    q.add('run', { source: 'cli', key: 'k-nofile' } as unknown as RunData, retry),
    q.add('run', { file: 'pay.json', source: 'cli', asOf: '2026-03-16T15:00:00Z', shards: -3, key: 'k-shards' }, retry),
    // Date.parse reads it as March 2: the run was published as of a day nobody asked for.
    q.add('run', { file: 'pay.json', source: 'cli', asOf: '2026-02-30T00:00:00Z', key: 'k-feb30' }, retry),
    // A line break and a page of text: quoted on one line, cut (the reason is stored in Redis and logged).
    q.add('run', { file: 'pay.json', source: 'cli', asOf: `2026-02-01\nT00:00:00Z${'x'.repeat(300)}`, key: 'k-long' }, retry),
    // A job file name with a line break, one of a page, and one that is an object: the same, one line each.
    q.add('run', { file: 'no\nsuch\r\nBcc: x.json', source: 'cli', key: 'k-filebreak' }, retry),
    q.add('run', { file: `${'z'.repeat(3000)}.json`, source: 'cli', key: 'k-filelong' }, retry),
    q.add('run', { file: { a: 'y'.repeat(3000) }, source: 'cli', key: 'k-fileobject' } as unknown as RunData, retry),
  ]);
  const failed = await waitFor('the eight runs to fail', async () => {
    const jobs = await Promise.all(bad.map((j) => q.getJob(j.id!)));
    return jobs.every((j) => j?.finishedOn) ? jobs : undefined;
  }, 30_000);
  expect(failed.map((j) => j!.failedReason)).toEqual([
    `queued run ${bad[0]!.id}: its as-of time (data.asOf) "garbage" is not an ISO 8601 time (e.g. 2026-03-16T15:00:00Z): ${AGAIN}`,
    `queued run ${bad[1]!.id}: its job file name (data.file) is missing, not a file name: ${AGAIN}`,
    `queued run ${bad[2]!.id}: its shard count (data.shards) -3 is not a whole number from 1 to 64: ${AGAIN}`,
    `queued run ${bad[3]!.id}: its as-of time (data.asOf) "2026-02-30T00:00:00Z" is no calendar time: 2026-02 has days 01 to 28 (JavaScript would roll it over into the next month or day): ${AGAIN}`,
    `queued run ${bad[4]!.id}: its as-of time (data.asOf) "2026-02-01\\nT00:00:00Z${'x'.repeat(59)}…" is not an ISO 8601 time (e.g. 2026-03-16T15:00:00Z): ${AGAIN}`,
    `queued run ${bad[5]!.id}: its job file name (data.file) "no\\nsuch\\r\\nBcc: x.json" is not a file name (it holds a control character): ${AGAIN}`,
    `queued run ${bad[6]!.id}: its job file name (data.file) "${'z'.repeat(80)}…" is not a file name (longer than 255 characters): ${AGAIN}`,
    `queued run ${bad[7]!.id}: its job file name (data.file) is {"a":"${'y'.repeat(74)}…, not a file name: ${AGAIN}`,
  ]);
  // Not retried: nothing about such a run changes on the next attempt.
  expect(failed.map((j) => j!.attemptsMade)).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);

  // The job's own next run starts and publishes: no lock was left behind.
  const r = await h.cli(['enqueue', 'pay', '--wait', '--as-of', '2026-03-16T15:00:00Z']);
  expect(r.stderr).not.toMatch(/another run of this job is in progress/);
  expect(r.code).toBe(0);
  expect(await h.redis().keys(`${h.prefix}:*run-lock*`)).toEqual([]);
  await q.close();
  await w.close(1_000);
}, 60_000);
