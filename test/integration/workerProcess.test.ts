// The worker and `ltv enqueue` as the processes an operator runs: `node src/cli/bin.mjs …`, real signals.
import { readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { beforeEach, expect, test } from 'vitest';
import { enqueueRun } from '../../src/queue/enqueueRun.js';
import type { RunResult } from '../../src/pipeline.js';
import { bigCsv, ROOT, TEST_REDIS_PORT, useHarness, waitFor, type Harness } from '../helpers/queueHarness.js';

/** An export big enough that a run is still going when the test interrupts it. */
const BIG = bigCsv(15_000);

const harness = useHarness();
let h: Harness;
beforeEach(() => {
  h = harness();
});

test('ltv enqueue --wait prints the run id, shows the stages and exits 0; a failing run exits 1 with its error', async () => {
  await h.writeJob('cli', {});
  await h.writeJob('broken', {}, 'customer_id,event_time\nc1,2026-01-05\n');
  await h.writeJob('stale', {}, 'customer_id,event_time,amount\nc1,2026-01-05T10:00:00Z,5\n');
  const w = h.worker();
  await w.ready;

  // Five independent commands (the worker takes two runs at once): started together rather than one after another.
  const [ok, bad, unknown, noRedis, stale] = await Promise.all([
    h.cli(['enqueue', 'cli', '--wait', '--as-of', '2026-03-16T15:00:00Z']),
    h.cli(['enqueue', 'broken', '--wait']),
    h.cli(['enqueue', 'nope']),
    h.cli(['enqueue', 'cli'], { REDIS_URL: 'redis://127.0.0.1:1', LTV_CONNECT_TIMEOUT_MS: '500' }),
    h.cli(['enqueue', 'stale', '--wait', '--as-of', '2026-03-16T15:00:00Z']),
  ]);
  expect(ok.stderr).toMatch(/ingest/);
  expect(ok.stderr).toMatch(/publish/);
  expect(ok.code).toBe(0);
  const id = ok.stdout.trim();
  expect(id).toMatch(/^\S+$/);
  const job = await w.queue.getJob(id);
  expect((job?.returnvalue as RunResult).asOf).toBe('2026-03-16T15:00:00.000Z');

  expect(bad.code).toBe(1);
  expect(bad.stderr).toMatch(/^ltv: run \S+ failed: .*amount/m);

  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toMatch(/no job "nope"/);

  expect(noRedis.code).toBe(1);
  expect(noRedis.stderr).toMatch(/cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);

  // The run's warnings, as `ltv run` prints them (they were only in the manifest and the workbook).
  expect(stale.code).toBe(0);
  expect(stale.stderr).toMatch(/^warning: the newest transaction \(2026-01-05\) is 2 months before the as-of time \(2026-03-16\)/m);
  await w.close(1_000);
});

test('ltv enqueue --wait and ltv run --shards of an earlier as-of say that latest stays at the later run, as ltv run does', async () => {
  const file = await h.writeJob('backfill', {});
  const w = h.worker();
  await w.ready;
  const later = await h.cli(['enqueue', 'backfill', '--wait', '--as-of', '2026-03-16T15:00:00Z']);
  expect(later.code, later.stderr).toBe(0);
  expect(later.stderr).toMatch(/: published backfill 20260316T150000Z at \S+\/runs\/20260316T150000Z\n/);
  // Backfills, one through the queue, one split into shards: each publishes its run and leaves latest where it was.
  const queued = await h.cli(['enqueue', 'backfill', '--wait', '--as-of', '2026-03-09T00:00:00Z']);
  expect(queued.code, queued.stderr).toBe(0);
  const runsDir = join(h.reportsDir, 'backfill', 'runs');
  expect(queued.stderr).toContain(`: published backfill 20260309T000000Z at ${runsDir}/20260309T000000Z (latest stays at the later run 20260316T150000Z)\n`);
  const sharded = await h.cli(['run', file, '--shards', '2', '--as-of', '2026-03-10T00:00:00Z']);
  expect(sharded.code, sharded.stderr).toBe(0);
  expect(sharded.stderr).toContain(`: published backfill 20260310T000000Z at ${runsDir}/20260310T000000Z (latest stays at the later run 20260316T150000Z)\n`);
  expect(await readlink(join(h.reportsDir, 'backfill', 'latest'))).toMatch(/20260316T150000Z$/);
  await w.close(1_000);
}, 120_000);

test('ltv enqueue of a .json argument that is no file from the current directory names the job of that name in the jobs folder, or says how arguments are read', async () => {
  await h.writeJob('alpha2', {});
  const q = h.queue();
  // The CLI runs in the repository (ROOT), not in the jobs folder.
  const [asPath, nowhere] = await Promise.all([h.cli(['enqueue', 'alpha2.json']), h.cli(['enqueue', 'nothere.json'])]);
  expect(asPath.stderr).toBe(`ltv: alpha2.json: no such job file (read as a path from the current directory, ${ROOT.replace(/\/$/, '')}); for the job in ${h.jobsDir} give its name: alpha2\n`);
  expect(nowhere.stderr).toBe(`ltv: nothere.json: no such job file (an argument with a "/" or ending in .json is read as a path from the current directory, ${ROOT.replace(/\/$/, '')}; a job in ${h.jobsDir} is given by its name, e.g. nightly for nightly.json)\n`);
  expect([asPath.code, nowhere.code]).toEqual([1, 1]);
  expect(await q.getJobCounts()).toMatchObject({ waiting: 0 });
  await q.close();
});

test('ltv enqueue that cannot reach Redis exits with its line, not ~2 s later (its connection went on retrying)', async () => {
  await h.writeJob('gone', {});
  let lineAt = 0;
  const r = await h.cli(['enqueue', 'gone'], { REDIS_URL: 'redis://127.0.0.1:1', LTV_CONNECT_TIMEOUT_MS: '500' }, (p) => {
    p.stderr!.on('data', (d: Buffer) => {
      if (!lineAt && /cannot reach Redis/.test(d.toString())) lineAt = Date.now();
    });
  });
  const exitedAfter = Date.now() - lineAt;
  expect(r.stderr).toBe('ltv: cannot reach Redis at redis://127.0.0.1:1 within 500 ms (is it running? REDIS_URL)\n');
  expect(r.code).toBe(1);
  expect(exitedAfter).toBeLessThan(1_500);
});

test('ltv enqueue --wait with no worker says so once, keeps waiting, and follows the run when a worker starts', async () => {
  await h.writeJob('alone', {});
  const q = h.queue();
  const waiting = h.cli(['enqueue', 'alone', '--wait', '--as-of', '2026-03-16T15:00:00Z']);
  // Queued, and nobody takes it: after 5 s the command looks for a worker. One starts at 7 s.
  await waitFor('the run queued', async () => (((await q.getJobCounts('waiting')).waiting ?? 0) > 0 ? true : undefined), 20_000);
  await new Promise((r) => setTimeout(r, 7_000));
  const w = h.worker();
  await w.ready;
  const r = await waiting;
  expect(r.code, r.stderr).toBe(0);
  const lines = r.stderr.split('\n');
  const notice = lines.filter((l) => /no worker is taking runs/.test(l));
  expect(notice).toEqual([expect.stringMatching(new RegExp(`^run \\S+: no worker is taking runs from this queue \\(LTV_QUEUE_PREFIX \\S+ at redis://127\\.0\\.0\\.1:${TEST_REDIS_PORT}\\); still waiting: it starts when \`ltv worker\` runs with the same REDIS_URL and LTV_QUEUE_PREFIX$`))]);
  // Said before the run started, which it then followed to its end.
  expect(lines.indexOf(notice[0]!)).toBeLessThan(lines.findIndex((l) => /ingest/.test(l)));
  expect(r.stderr).toMatch(/published alone 20260316T150000Z/);
  await w.close(1_000);
  await q.close();
}, 90_000);

test('Ctrl-C on ltv enqueue --wait says in one line that the run goes on, with its id, and leaves it queued', async () => {
  await h.writeJob('follow', {});
  const q = h.queue();
  let proc: ChildProcess | undefined;
  const following = h.cli(['enqueue', 'follow', '--wait', '--as-of', '2026-03-16T15:00:00Z'], {}, (p) => (proc = p));
  await waitFor('the run queued', async () => (((await q.getJobCounts('waiting')).waiting ?? 0) > 0 ? true : undefined), 20_000);
  proc!.kill('SIGINT');
  const r = await following;
  const id = r.stdout.trim();
  expect(r.code).toBe(130);
  // It exited 130 without a word, as if the run had stopped (ltv run's Ctrl-C stops its run; this one is the workers').
  expect(r.stderr.trim().split('\n').pop()).toBe(`ltv: interrupted (SIGINT): stopped following run ${id}, which goes on on the workers; its state: GET /api/v1/runs/${id} on ltv serve, or the queue dashboard`);
  expect(await q.getJobState(id)).toBe('waiting');
  await q.close();
}, 60_000);

test('ltv enqueue --as-of a far future time is refused with ltv run\'s own line, exit 1, and queues nothing', async () => {
  const file = await h.writeJob('future', {});
  await h.writeJob('infile', { as_of: '9999-01-01T00:00:00Z' });
  const q = h.queue();
  const [enq, run, inFile] = await Promise.all([
    h.cli(['enqueue', 'future', '--as-of', '9999-01-01T00:00:00Z']),
    h.cli(['run', file, '--as-of', '9999-01-01T00:00:00Z', '--out', `${h.dir}/out`]),
    h.cli(['enqueue', 'infile']),
  ]);
  // The same line but for the current time it names.
  const now = /\(\d{4}-\d\d-\d\dT[\d:.]+Z\)/g;
  expect(enq.stderr.replace(now, '(now)')).toBe(run.stderr.replace(now, '(now)'));
  expect(enq.stderr).toMatch(/^ltv: as-of 9999-01-01T00:00:00\.000Z is more than a day after the current time \(.+\): .*give an earlier --as-of/);
  expect(enq.stderr.trim().split('\n')).toHaveLength(1);
  // The job file's own as_of is held to the same rule, and the line names the file.
  expect(inFile.stderr).toMatch(/^ltv: as-of 9999-01-01T00:00:00\.000Z is more than a day after the current time \(.+\): LTV is measured up to a time that has passed; give an earlier "as_of" in the job file infile\.json \(or one as --as-of\)\n$/);
  expect([enq.code, run.code, inFile.code]).toEqual([1, 1, 1]);
  expect(enq.stdout).toBe('');
  expect(await q.getJobCounts()).toMatchObject({ waiting: 0, delayed: 0, active: 0, failed: 0 });
  // A day of slack, as in ltv run: tomorrow is accepted.
  const soon = await h.cli(['enqueue', 'future', '--as-of', new Date(Date.now() + 12 * 3_600_000).toISOString()]);
  expect(soon.code).toBe(0);
  expect(await q.getJobCounts()).toMatchObject({ waiting: 1 });
  await q.close();
});

test('a worker SIGKILLed mid-run: the next worker completes the run under the same run id; the old report is served meanwhile', async () => {
  await h.writeJob('crash', {}, BIG);
  const q = h.queue();
  const events = await h.events();

  // A short lock: the rescuer sees the dead worker's run stalled within seconds, not the harness's 15 s.
  // No other worker runs until it is killed, so a lock lost under load cannot hand its run elsewhere.
  const doomed = h.childWorker({ LTV_LOCK_DURATION_MS: '5000' });
  // A first, finished run (by the same worker, one start fewer): the report that must stay served.
  const old = await enqueueRun(q, h.jobsDir, 'crash', { source: 'cli', asOf: new Date('2026-02-01T00:00:00Z') });
  const oldResult = (await old.queued.waitUntilFinished(events)) as RunResult;
  const latest = join(h.reportsDir, 'crash', 'latest');
  expect(await readlink(latest)).toBe(join('runs', oldResult.tenants[0]!.runId));

  const run = await enqueueRun(q, h.jobsDir, 'crash', { source: 'cli', asOf: new Date('2026-03-01T00:00:00Z') });
  await doomed.waitForLog('run started', (l) => l.msg === 'run started' && l.run === run.id);
  await waitFor('run in a middle stage', async () => {
    const p = (await q.getJob(run.id))?.progress as { stage?: string } | undefined;
    return p?.stage === 'compute' || p?.stage === 'render';
  });
  doomed.proc.kill('SIGKILL');
  await doomed.exited;
  expect(await readlink(latest)).toBe(join('runs', oldResult.tenants[0]!.runId));

  const rescuer = h.childWorker();
  const result = (await run.queued.waitUntilFinished(events, 60_000)) as RunResult;
  // Recovered, not retried from a new id: same as-of, same run id, now published.
  expect(result.asOf).toBe('2026-03-01T00:00:00.000Z');
  expect(await readlink(latest)).toBe(join('runs', result.tenants[0]!.runId));
  expect(await readFile(join(h.reportsDir, 'crash', 'runs', oldResult.tenants[0]!.runId, 'manifest.json'), 'utf8')).toBeTruthy();
  await rescuer.waitForLog('stall noticed', (l) => String(l.msg).includes('picked up again') || String(l.msg).includes('run started'));
  rescuer.proc.kill('SIGTERM');
  expect((await rescuer.exited).code).toBe(0);
  await events.close();
  await q.close();
}, 120_000);

test('SIGTERM: the worker hands back a run that outlasts the grace period, closes every connection and exits 0', async () => {
  await h.writeJob('term', {}, BIG);
  const q = h.queue();
  const child = h.childWorker({ LTV_SHUTDOWN_GRACE_MS: '300' });
  const run = await enqueueRun(q, h.jobsDir, 'term', { source: 'cli' });
  await child.waitForLog('run started', (l) => l.msg === 'run started');
  const t0 = Date.now();
  child.proc.kill('SIGTERM');
  const { code } = await child.exited;
  expect(code).toBe(0);
  expect(Date.now() - t0).toBeLessThan(300 + 5_000);
  expect(child.logs.map((l) => l.msg)).toContain('shutting down: run handed back to the queue');
  // Handed back, not failed: waiting for the next worker, no attempt spent, nothing published.
  const job = await q.getJob(run.id);
  expect(await job?.getState()).toBe('waiting');
  expect(job?.attemptsMade).toBe(0);
  const admin = new Redis();
  const names = ((await admin.client('LIST')) as string).split('\n').filter((l) => l.includes(`name=${h.prefix}`) && !l.includes('producer'));
  admin.disconnect();
  expect(names).toEqual([]);
  await q.close();
});

test('ltv enqueue --wait says so when Redis loses its run (a restart without persistence), instead of waiting for ever or reporting another run', async () => {
  await h.writeJob('lost', {});
  await h.writeJob('other', {});
  // No worker: the run waits in the queue until Redis loses it.
  const waiting = h.cli(['enqueue', 'lost', '--wait', '--as-of', '2026-03-16T15:00:00Z']);
  const redis = h.redis();
  const q = h.queue();
  const job = await waitFor('the run queued', async () => (await q.getJobs(['waiting'])).find((j) => j.name === 'lost'));
  // Redis loses every key of the queue; another run is added after the loss (its id a UUID of its own: a
  // counter id, as BullMQ hands out, was the lost run's again).
  const keys = await redis.keys(`${h.prefix}:*`);
  await redis.del(...keys);
  const other = await enqueueRun(q, h.jobsDir, 'other', { asOf: new Date('2026-03-17T15:00:00Z'), source: 'cli' });
  expect(other.id).not.toBe(job.id);
  const lost = await waiting;
  await q.close();
  expect(lost.code).toBe(1);
  expect(lost.stderr).toMatch(new RegExp(`^ltv: run ${job.id}: it is no longer in Redis \\(Redis lost its data, e\\.g\\. a restart without persistence\\): its outcome is unknown; see the reports directory, or enqueue it again$`, 'm'));
});
