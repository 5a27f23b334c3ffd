// Schedules, the run lock, retries and the HTTP routes, against the real Redis with an in-process worker.
import { mkdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { QueueEvents, type Job as QueuedJob } from 'bullmq';
import { beforeEach, expect, test } from 'vitest';
import { syncMemory, syncSchedules } from '../../src/queue/syncSchedules.js';
import { enqueueRun, waitForRun } from '../../src/queue/enqueueRun.js';
import { runRoutes } from '../../src/queue/runRoutes.js';
import type { RunData } from '../../src/queue/runQueue.js';
import type { RunResult } from '../../src/pipeline.js';
import { runLockKey } from '../../src/queue/runLock.js';
import { duplicateKey } from '../../src/config/duplicateKey.js';
import { RUN_QUEUE } from '../../src/queue/runQueue.js';
import { bigCsv, captureLogger, useHarness, logger, TEST_REDIS_PORT, waitFor, type Harness } from '../helpers/queueHarness.js';
import { startSmtpSink } from '../helpers/smtpSink.js';

const harness = useHarness();
let h: Harness;
beforeEach(() => {
  h = harness();
});

test('a seconds-level schedule fires a run that publishes under its slot as as-of time', async () => {
  await h.writeJob('tick', { schedule: { cron: '*/1 * * * * *', timezone: 'UTC' } });
  const w = h.worker();
  const completed = new Promise<QueuedJob<RunData, RunResult>>((r) => w.worker.once('completed', (job) => r(job)));
  await w.ready;
  const job = await completed;
  await w.close(1_000);

  // The firing's id names its slot; the as-of time is that slot, to the millisecond, not the start.
  const slot = Number(/^repeat:tick:(\d+)$/.exec(job.id!)![1]);
  expect(slot % 1000).toBe(0);
  const result = job.returnvalue;
  expect(result.asOf).toBe(new Date(slot).toISOString());
  expect(job.opts.removeOnComplete).toMatchObject({ count: h.env.LTV_KEEP_COUNT });
  const tenant = result.tenants[0]!;
  expect(tenant.tenant).toBe('tick');
  // Published (later firings may have moved `latest` on since).
  expect(JSON.parse(await readFile(join(tenant.dir, 'manifest.json'), 'utf8'))).toMatchObject({ run_id: tenant.runId, as_of: result.asOf });
  expect(await readlink(join(h.reportsDir, 'tick', 'latest'))).toMatch(/^runs\/\d{8}T\d{6}Z$/);
  // The stored progress is the last one the pipeline reported.
  expect(job.progress).toMatchObject({ stage: 'publish', percent: 100 });
});

test('schedule sync: idempotent across starts, follows edits, removes deleted jobs, reports invalid files', async () => {
  await h.writeJob('daily', { schedule: { cron: '0 6 * * *', timezone: 'Europe/Berlin' } });
  await h.writeJob('adhoc', {});
  const q = h.queue();
  const env = h.env;

  // Two workers starting at once: one scheduler, one pending firing.
  const [a, b] = await Promise.all([syncSchedules(q, h.jobsDir, env, logger), syncSchedules(q, h.jobsDir, env, logger)]);
  expect([...a.upserted, ...a.unchanged, ...b.upserted, ...b.unchanged].sort()).toEqual(['daily', 'daily']);
  const schedulers = await q.getJobSchedulers();
  expect(schedulers.map((s) => [s.key, s.pattern, s.tz])).toEqual([['daily', '0 6 * * *', 'Europe/Berlin']]);
  const delayed = (await q.getDelayed()).map((j) => j.id);
  expect(delayed).toHaveLength(1);
  expect(delayed[0]).toBe(`repeat:daily:${schedulers[0]!.next}`);

  // A restart changes nothing in Redis: the pending firing is kept, so one missed while down still runs.
  const again = await syncSchedules(q, h.jobsDir, env, logger);
  expect(again).toMatchObject({ upserted: [], unchanged: ['daily'], removed: [] });
  expect((await q.getDelayed()).map((j) => j.id)).toEqual(delayed);

  // An edit updates the scheduler; an invalid file is reported with file and field and stops nothing else.
  await h.writeJob('daily', { schedule: { cron: '30 7 * * *', timezone: 'UTC' } });
  await writeFile(join(h.jobsDir, 'broken.json'), JSON.stringify({ inputs: [], schedule: { cron: '* * * * *' } }));
  await h.writeJob('badcron', { schedule: { cron: 'every day', timezone: 'UTC' } });
  await h.writeJob('weekly', { schedule: { cron: '0 5 * * 1', timezone: 'UTC' } });
  // A name no queued run can carry (the worker refuses it): no schedule (one was registered and failed at every
  // firing), and `ltv enqueue` of its path is refused too (it queued a run the worker refused).
  await h.writeJob('cr\r\nlf', { schedule: { cron: '0 5 * * 1', timezone: 'UTC' } });
  const edited = await syncSchedules(q, h.jobsDir, env, logger);
  expect(edited.upserted.sort()).toEqual(['daily', 'weekly']);
  expect(edited.invalid.map((i) => i.message)).toEqual([
    expect.stringMatching(/badcron\.json: schedule\.cron: /),
    expect.stringMatching(/broken\.json: inputs: /),
    expect.stringMatching(/cr\\r\\nlf\.json": a job file's name cannot name a queued run \(it holds a control character\): rename the file$/),
  ]);
  await expect(enqueueRun(q, h.jobsDir, join(h.jobsDir, 'cr\r\nlf.json'), { source: 'cli' }))
    .rejects.toThrow(/^".*cr\\r\\nlf\.json": a job file's name cannot name a queued run \(it holds a control character\): rename the file$/);
  expect((await q.getJobScheduler('daily'))?.pattern).toBe('30 7 * * *');

  // Removed (or renamed) job files lose their schedulers.
  await rm(join(h.jobsDir, 'daily.json'));
  const removed = await syncSchedules(q, h.jobsDir, env, logger);
  expect(removed.removed).toEqual(['daily']);
  expect((await q.getJobSchedulers()).map((s) => s.key)).toEqual(['weekly']);
  expect((await q.getDelayed()).map((j) => j.id)).toEqual([expect.stringMatching(/^repeat:weekly:/)]);
  await q.close();
});

test('a missing jobs folder is on-demand runs only: one info line, other workers\' schedules left alone, and the folder taken up once it is made', async () => {
  await h.writeJob('daily', { schedule: { cron: '0 6 * * *', timezone: 'UTC' } });
  const q = h.queue();
  await syncSchedules(q, h.jobsDir, h.env, logger);
  // A worker whose ./jobs does not exist (README: on-demand runs only) shares the queue: it logged ENOENT with a
  // stack at warn and error level at every rescan, and must not read "no files" as "every job removed".
  const missing = join(h.jobsDir, '..', 'no-jobs-here');
  const cap = captureLogger();
  const memory = syncMemory();
  for (let i = 0; i < 3; i++) expect(await syncSchedules(q, missing, h.env, cap.log, memory)).toMatchObject({ upserted: [], removed: [], invalid: [] });
  expect(cap.lines.map((l) => [l.level, l.msg])).toEqual([[30, `no jobs folder ${missing}: this worker takes on-demand runs only (make the folder to add schedules)`]]);
  expect((await q.getJobSchedulers()).map((s) => s.key)).toEqual(['daily']);
  // Made later (a volume mounted after start): its jobs are scheduled at the next sync.
  await mkdir(missing);
  await writeFile(join(missing, 'weekly.json'), await readFile(join(h.jobsDir, 'daily.json'), 'utf8'));
  expect((await syncSchedules(q, missing, h.env, cap.log, memory)).upserted).toEqual(['weekly']);
  await q.close();
});

test('a worker starting reconciles the schedules before it takes a run: a missed tick of a removed job, or of a changed cron, does not run', async () => {
  await h.writeJob('gone', { schedule: { cron: '*/1 * * * * *', timezone: 'UTC' } });
  await h.writeJob('moved', { schedule: { cron: '*/1 * * * * *', timezone: 'UTC' } });
  const q = h.queue();
  await syncSchedules(q, h.jobsDir, h.env, logger);
  // No worker while both ticks fall due; meanwhile one file is removed and the other's cron changed.
  const due = Math.max(...(await q.getDelayed()).map((j) => j.timestamp + j.delay));
  await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now()) + 300));
  const missed = new Date((await q.getJobScheduler('moved'))!.next!).toISOString();
  await rm(join(h.jobsDir, 'gone.json'));
  await h.writeJob('moved', { schedule: { cron: '0 6 * * *', timezone: 'UTC' } }, null);

  const { log, lines } = captureLogger();
  const w = h.worker({}, log);
  await w.ready;
  // Time for a run the worker took to fail ("no such job file") or to publish with the old schedule's slot.
  await new Promise((r) => setTimeout(r, 1_500));
  expect(await q.getJobCounts('active', 'wait', 'completed', 'failed')).toEqual({ active: 0, wait: 0, completed: 0, failed: 0 });
  expect((await q.getDelayed()).map((j) => j.id)).toEqual([`repeat:moved:${(await q.getJobScheduler('moved'))!.next}`]);
  expect(lines.filter((l) => l.job === 'gone' || l.job === 'moved').map((l) => [l.job, l.msg])).toEqual([
    ['moved', 'schedule updated'],
    // Dropped on purpose, not silently: the line says how to run it.
    ['moved', `the run of job "moved" due at ${missed} had not started and is dropped with the schedule it belonged to (*/1 * * * * * in UTC); to run it: ltv enqueue moved --as-of ${missed}`],
    ['gone', 'job file gone: schedule removed'],
  ]);
  await w.close(1_000);
  await q.close();
});

test('two workers whose jobs folders differ: each removes the other\'s schedule once, then says so and leaves it, so both jobs keep firing', async () => {
  // Worker A reads h.jobsDir (job "alpha"), worker B another folder (job "beta"): a misconfiguration.
  await h.writeJob('alpha', { schedule: { cron: '0 6 * * *', timezone: 'UTC' } });
  const otherDir = join(h.dir, 'other-jobs');
  await mkdir(otherDir);
  await writeFile(join(otherDir, 'beta.json'), JSON.stringify({ tenant: 'beta', inputs: [{ path: '../beta.csv' }], schedule: { cron: '0 7 * * *', timezone: 'UTC' } }));
  const q = h.queue();
  const a = { ...captureLogger(), memory: syncMemory() };
  const b = { ...captureLogger(), memory: syncMemory() };
  const syncA = () => syncSchedules(q, h.jobsDir, h.env, a.log, a.memory);
  const syncB = () => syncSchedules(q, otherDir, h.env, b.log, b.memory);
  await syncA();
  expect((await syncB()).removed).toEqual(['alpha']); // it cannot know yet
  expect((await syncA()).removed).toEqual(['beta']);
  // Each finds the schedule it removed back: it was another folder's; from now on both are left alone.
  expect((await syncB()).removed).toEqual([]);
  expect((await syncA()).removed).toEqual([]);
  for (let i = 0; i < 3; i++) expect([...(await syncA()).removed, ...(await syncB()).removed]).toEqual([]);
  expect((await q.getJobSchedulers()).map((s) => s.key).sort()).toEqual(['alpha', 'beta']);
  // Once each, naming the job, the queue and its own folder. (Before, they removed each other's schedule at
  // every sync, and with it the pending firing: neither job ran.)
  expect(a.lines.filter((l) => l.level === 50).map((l) => l.msg)).toEqual([
    `the schedule of job "beta" was registered again after this worker removed it: another worker of this queue (LTV_QUEUE_PREFIX ${h.prefix}) reads a jobs folder with beta.json, and this one's (${h.jobsDir}) has none. Every worker of a queue must read the same jobs folder: until they do, this worker leaves that schedule alone and fails the runs of "beta" it takes`,
  ]);
  expect(b.lines.filter((l) => l.level === 50).map((l) => l.msg)).toEqual([expect.stringContaining(`job "alpha" was registered again after this worker removed it`)]);
  // A job file that then appears in A's folder is A's again; removing it later removes its schedule as before.
  await writeFile(join(h.jobsDir, 'beta.json'), await readFile(join(otherDir, 'beta.json')));
  await syncA();
  await rm(join(h.jobsDir, 'beta.json'));
  expect((await syncA()).removed).toEqual(['beta']);
  await q.close();
});

test('two workers whose LTV_ATTEMPTS differ: the schedule is registered once by each, then left alone with one warning; an overdue tick is kept', async () => {
  // A tick every second: by the time the second worker syncs, one is due and no worker has taken it.
  await h.writeJob('every', { schedule: { cron: '* * * * * *', timezone: 'UTC' } });
  const q = h.queue();
  const a = { ...captureLogger(), env: h.env, memory: syncMemory() };
  const b = { ...captureLogger(), env: { ...h.env, LTV_ATTEMPTS: 3 }, memory: syncMemory() };
  const sync = (w: typeof a) => syncSchedules(q, h.jobsDir, w.env, w.log, w.memory);
  expect((await sync(a)).upserted).toEqual(['every']);
  const slot = (await q.getJobScheduler('every'))!.next!;
  await new Promise((r) => setTimeout(r, Math.max(0, slot - Date.now()) + 300));
  // The starting worker puts its own options on the schedule once; the overdue tick stays, with its slot.
  expect((await sync(b)).upserted).toEqual(['every']);
  const kept = await q.getJob(`repeat:every:${slot}`);
  expect(kept?.data).toMatchObject({ file: 'every.json', source: 'schedule', asOf: new Date(slot).toISOString(), key: `repeat:every:${slot}` });
  expect(await kept!.getState()).toBe('waiting');
  expect((await q.getJobScheduler('every'))!.template!.opts!.attempts).toBe(3);
  // From then on neither re-registers it (before, each did at every rescan, removing the tick due).
  for (let i = 0; i < 3; i++) expect([...(await sync(a)).upserted, ...(await sync(b)).upserted]).toEqual([]);
  expect(a.lines.filter((l) => l.level === 40).map((l) => l.msg)).toEqual([
    `the schedules of this queue (LTV_QUEUE_PREFIX ${h.prefix}) were registered by another worker with LTV_ATTEMPTS 3 (this worker's: ${h.env.LTV_ATTEMPTS}), first seen on job "every": their runs are added with that worker's settings. Every worker of a queue should have the same LTV_ATTEMPTS, LTV_BACKOFF_MS, LTV_KEEP_COUNT and LTV_KEEP_DAYS: until they do, this worker leaves those schedules as they are`,
  ]);
  expect(b.lines.filter((l) => (l.level as number) >= 40)).toEqual([]);
  // A real change of the schedule still updates it; the firing of the old one that was due is dropped, said
  // in one line with the command that runs it.
  const pending = (await q.getJobScheduler('every'))!.next!;
  await new Promise((r) => setTimeout(r, Math.max(0, pending - Date.now()) + 300));
  await h.writeJob('every', { schedule: { cron: '0 0 1 1 *', timezone: 'UTC' } }, null);
  expect((await sync(a)).upserted).toEqual(['every']);
  const dropped = new Date(pending).toISOString();
  expect(a.lines.filter((l) => l.level === 40).map((l) => l.msg)[1]).toBe(
    `the run of job "every" due at ${dropped} had not started and is dropped with the schedule it belonged to (* * * * * * in UTC); to run it: ltv enqueue every --as-of ${dropped}`);
  expect(await q.getJob(`repeat:every:${pending}`)).toBeUndefined();
  // The kept firing runs at its slot.
  const w = h.worker();
  const done = await waitFor('the kept firing to finish', async () => (await q.getJob(`repeat:every:${slot}`))?.finishedOn !== undefined && q.getJob(`repeat:every:${slot}`), 30_000);
  expect([done!.failedReason, done!.returnvalue.asOf]).toEqual([undefined, new Date(slot).toISOString()]);
  await w.close(1_000);
  await q.close();
});

test('an invalid job file is logged once per change of the file, not at every rescan; one without a schedule is not said to keep one', async () => {
  const q = h.queue();
  const { log, lines } = captureLogger();
  const memory = syncMemory();
  const sync = () => syncSchedules(q, h.jobsDir, h.env, log, memory);
  const errors = () => lines.filter((l) => l.level === 50).map((l) => l.msg);
  const broken = join(h.jobsDir, 'broken.json');
  const kept = join(h.jobsDir, 'kept.json');
  await writeFile(broken, JSON.stringify({ tenant: 'broken', inputs: [] }));
  await h.writeJob('kept', { schedule: { cron: '0 6 * * *', timezone: 'UTC' } });
  await sync();
  const keptJob = await readFile(kept, 'utf8');
  await writeFile(kept, keptJob.replace('"0 6 * * *"', '"0 6 * *"'));
  // Three rescans: each file's error once, and each result still lists both.
  for (let i = 0; i < 3; i++) expect((await sync()).invalid.map((x) => x.file)).toEqual([broken, kept]);
  expect(errors()).toEqual([
    expect.stringMatching(new RegExp(`^invalid job file: ${broken}: inputs: `)),
    expect.stringMatching(new RegExp(`^invalid job file, its schedule is left unchanged: ${kept}: schedule\\.cron: `)),
  ]);
  expect((await q.getJobScheduler('kept'))?.pattern).toBe('0 6 * * *');
  // Another edit of the broken file is said again; a fixed file that breaks again too.
  await writeFile(broken, JSON.stringify({ tenant: 'broken', inputs: [], formats: ['json'] }));
  await writeFile(kept, keptJob);
  await sync();
  await writeFile(kept, keptJob.replace('"0 6 * * *"', '"0 6 * *"'));
  await sync();
  await sync();
  expect(errors()).toHaveLength(4);
  expect(errors().slice(2)).toEqual([
    expect.stringMatching(new RegExp(`^invalid job file: ${broken}: inputs: `)),
    expect.stringMatching(new RegExp(`^invalid job file, its schedule is left unchanged: ${kept}: schedule\\.cron: `)),
  ]);
  await q.close();
});

test('symlinked job files (a ConfigMap volume\'s layout) get their schedules; a dangling link or a link to a folder is one error line', async () => {
  await h.writeJob('plain', { schedule: { cron: '0 1 * * *', timezone: 'UTC' } });
  const data = join(h.dir, 'data');
  const job = (name: string, cron: string) => JSON.stringify({ tenant: name, inputs: [{ path: `../${name}.csv` }], formats: ['json'], schedule: { cron, timezone: 'UTC' } });
  await mkdir(data);
  await writeFile(join(data, 'symjob.json'), job('symjob', '0 2 * * *'));
  await symlink('../data/symjob.json', join(h.jobsDir, 'symjob.json'));
  // Kubernetes: the files are links into `..data/`, itself a link to a timestamped folder.
  await mkdir(join(h.jobsDir, '..2026_12_04_06_00_00.1'));
  await writeFile(join(h.jobsDir, '..2026_12_04_06_00_00.1', 'cm.json'), job('cm', '0 3 * * *'));
  await symlink('..2026_12_04_06_00_00.1', join(h.jobsDir, '..data'));
  await symlink('..data/cm.json', join(h.jobsDir, 'cm.json'));
  await symlink('../data/gone.json', join(h.jobsDir, 'dangling.json'));
  await symlink('../data', join(h.jobsDir, 'folder.json'));

  const { log, lines } = captureLogger();
  const w = h.worker({}, log);
  await w.ready;
  expect((await w.queue.getJobSchedulers()).map((s) => [s.key, s.pattern]).sort()).toEqual([
    ['cm', '0 3 * * *'],
    ['plain', '0 1 * * *'],
    ['symjob', '0 2 * * *'],
  ]);
  const errors = lines.filter((l) => l.level === 50).map((l) => l.msg);
  expect(errors).toEqual([
    `invalid job file: ${join(h.jobsDir, 'dangling.json')}: symbolic link to ../data/gone.json, which cannot be read (ENOENT): point it at a job file`,
    `invalid job file: ${join(h.jobsDir, 'folder.json')}: symbolic link to ../data, which is not a file: point it at a job file`,
  ]);
  // A rescan finds the same: nothing changes in Redis, the same two errors (logged once).
  const again = await w.schedules.sync();
  expect(again).toMatchObject({ upserted: [], unchanged: ['cm', 'plain', 'symjob'], removed: [] });
  expect(again.invalid.map((i) => i.file)).toEqual([join(h.jobsDir, 'dangling.json'), join(h.jobsDir, 'folder.json')]);
  expect(lines.filter((l) => l.level === 50)).toHaveLength(2);
  // The link's target changes (a ConfigMap update): the schedule follows.
  await writeFile(join(data, 'symjob.json'), job('symjob', '0 4 * * *'));
  expect((await w.schedules.sync()).upserted).toEqual(['symjob']);
  expect((await w.queue.getJobScheduler('symjob'))?.pattern).toBe('0 4 * * *');
  await w.close(1_000);
});

test('the running worker picks up a new job file and drops a deleted one without a restart', async () => {
  const w = h.worker();
  await w.ready;
  await h.writeJob('later', { schedule: { cron: '0 0 1 1 *', timezone: 'UTC' } });
  await waitFor('scheduler registered', async () => (await w.queue.getJobScheduler('later')) !== undefined, 5_000);
  await rm(join(h.jobsDir, 'later.json'));
  await waitFor('scheduler removed', async () => (await w.queue.getJobScheduler('later')) === undefined, 5_000);
  await w.close(1_000);
});

test('a job file rewritten without its schedule: the log says the schedule was taken out, not that the file is gone', async () => {
  const removals = (lines: Record<string, unknown>[]) => lines.filter((l) => String(l.msg).endsWith('schedule removed')).map((l) => [l.job, l.msg]);
  await h.writeJob('small', { schedule: { cron: '0 0 1 1 *', timezone: 'UTC' } });
  await h.writeJob('other', { schedule: { cron: '0 0 1 1 *', timezone: 'UTC' } });
  await h.writeJob('third', { schedule: { cron: '0 0 1 1 *', timezone: 'UTC' } });
  const first = captureLogger();
  const w = h.worker({}, first.log);
  await w.ready;
  // Edited while the worker runs: valid JSON, the same job, no "schedule" any more. Deleted: "other".
  await h.writeJob('small', {});
  await rm(join(h.jobsDir, 'other.json'));
  await waitFor('both schedulers removed', async () => (await w.queue.getJobSchedulers()).map((s) => s.key).join() === 'third', 5_000);
  await w.close(1_000);
  // Edited while no worker runs: the next start says the same.
  await h.writeJob('third', {});
  const second = captureLogger();
  const again = h.worker({}, second.log);
  await again.ready;
  expect(await again.queue.getJobSchedulers()).toEqual([]);
  await again.close(1_000);
  expect([...removals(first.lines), ...removals(second.lines)].sort()).toEqual([
    ['other', 'job file gone: schedule removed'],
    ['small', 'job has no schedule any more: schedule removed'],
    ['third', 'job has no schedule any more: schedule removed'],
  ]);

  // Two folders differing (SPEC §7 one folder per queue): a copy here without the schedule is named as such,
  // and its runs are not said to fail (the file is here).
  const otherDir = join(h.dir, 'other-jobs');
  await mkdir(otherDir);
  await writeFile(join(otherDir, 'small.json'), JSON.stringify({ tenant: 'small', inputs: [{ path: '../small.csv' }], schedule: { cron: '0 7 * * *', timezone: 'UTC' } }));
  const q = h.queue();
  const here = { ...captureLogger(), memory: syncMemory() };
  const syncThere = () => syncSchedules(q, otherDir, h.env, logger);
  const syncHere = () => syncSchedules(q, h.jobsDir, h.env, here.log, here.memory);
  await syncThere();
  expect((await syncHere()).removed).toEqual(['small']);
  await syncThere();
  expect((await syncHere()).removed).toEqual([]);
  expect(here.lines.filter((l) => l.level === 50).map((l) => l.msg)).toEqual([
    `the schedule of job "small" was registered again after this worker removed it: another worker of this queue (LTV_QUEUE_PREFIX ${h.prefix}) reads a jobs folder whose small.json has a schedule, and this one's (${h.jobsDir}) has that file without a schedule. Every worker of a queue must read the same jobs folder: until they do, this worker leaves that schedule alone`,
  ]);
  await q.close();
});

test('two runs of one job never overlap, and neither is lost, while another job runs alongside', { timeout: 200_000 }, async () => {
  await h.writeJob('solo', {});
  await h.writeJob('other', {});
  const { log, lines } = captureLogger();
  const w = h.worker({ LTV_CONCURRENCY: '3' }, log);
  await w.ready;
  const q = h.queue();
  const finished: QueuedJob<RunData, RunResult>[] = [];
  w.worker.on('completed', (job) => finished.push(job));
  const other = await enqueueRun(q, h.jobsDir, 'other', { source: 'cli' });
  const runs = await Promise.all([1, 2, 3].map(() => enqueueRun(q, h.jobsDir, 'solo', { source: 'cli' })));
  // Four whole pipelines, three of them one after another: 6 s alone, over 60 s when the suite's 1 M-row
  // fault tests share the two cores (CI, 2026-12-02).
  await waitFor('four runs completed', () => finished.length === 4, 180_000);
  // When each pipeline ran, from the worker's own log lines.
  const span = (id: string) => [
    lines.find((l) => l.run === id && l.msg === 'run started')!.time as number,
    lines.find((l) => l.run === id && l.msg === 'run completed')!.time as number,
  ] as const;
  const solo = runs.map((r) => span(r.id)).sort((x, y) => x[0] - y[0]);
  for (let i = 1; i < solo.length; i++) expect(solo[i]![0]).toBeGreaterThanOrEqual(solo[i - 1]![1]);
  // The lock is per job: the other job did not queue up behind all of `solo`'s runs.
  const [os] = span(other.id);
  expect(os).toBeLessThan(solo[solo.length - 1]![0]);
  expect(finished.map((j) => j.id).sort()).toEqual([other, ...runs].map((r) => r.id).sort());
  // The completion line names the tenant and, apart, the run id it published (the ids were labelled "tenants").
  const done = lines.find((l) => l.run === other.id && l.msg === 'run completed')!;
  const published = finished.find((j) => j.id === other.id)!.returnvalue.tenants;
  expect([done.tenants, done.runs]).toEqual([published.map((t) => t.tenant), published.map((t) => t.runId)]);
  expect(done.runs).toEqual([expect.stringMatching(/^\d{8}T\d{6}Z/)]);
  // Waiting for the lock spends no attempt.
  expect(finished.every((j) => j.attemptsMade === 0 || j.attemptsMade === 1)).toBe(true);
  await q.close();
  await w.close(1_000);
});

test('a run waiting for its job\'s lock says so in its progress, then runs; no log line names a key twice', async () => {
  await h.writeJob('held', {});
  const redis = h.redis();
  const key = runLockKey(h.prefix, RUN_QUEUE, 'held', 'held');
  // Another run of the job holds the lock (its token is not this worker's).
  await redis.set(key, 'another-run', 'PX', 60_000);
  const { log, lines, raw } = captureLogger();
  const w = h.worker({ LTV_LOCK_RETRY_MS: '200' }, log);
  await w.ready;
  const q = h.queue();
  const run = await enqueueRun(q, h.jobsDir, 'held', { source: 'cli' });
  const waiting = await waitFor('run waiting for the lock', async () => {
    const job = await q.getJob(run.id);
    return (await q.getJobState(run.id)) === 'delayed' && job?.progress && typeof job.progress === 'object' ? job : undefined;
  }, 30_000);
  expect(waiting.progress).toEqual({ stage: 'waiting', percent: 0, message: 'another run of this job is in progress; this one starts when it ends' });
  expect(waiting.attemptsMade).toBe(0);
  // It retries every ~200 ms; "waiting" is said once, not at every retry (every 5 s for an hour's run).
  await new Promise((r) => setTimeout(r, 1_500));
  expect(lines.filter((l) => l.msg === 'another run of this job is in progress; waiting')).toHaveLength(1);
  await redis.del(key);
  const done = await waitFor('run completed', async () => ((await q.getJobState(run.id)) === 'completed' ? q.getJob(run.id) : undefined), 60_000);
  expect(done.progress).toMatchObject({ stage: 'publish', percent: 100 });
  // The worker and the pipeline both bind the run's job: pino wrote "job" twice in a line, which strict JSON
  // ingesters refuse.
  expect(raw.filter((l) => /"msg":"(run started|run completed)"/.test(l))).toHaveLength(2);
  expect(raw.filter((l) => duplicateKey(l))).toEqual([]);
  await q.close();
  await w.close(1_000);
});

// Two whole runs of 60,000 payments: over a minute at load 15, hence the longer limits (deadlines, not timings).
test('a transient failure is retried with backoff and the run then publishes under the same run id', { timeout: 180_000 }, async () => {
  // The transient failure: the run's lock expired while Redis was away and another holder took it. The
  // run notices at its next renewal, cancels (the pipeline publishes nothing), and is retried once the
  // other holder is gone.
  // The lock is renewed every TTL/3 (1 s here): the run must last longer than that to notice the takeover.
  await h.writeJob('flaky', {}, bigCsv(60_000));
  const w = h.worker({ LTV_ATTEMPTS: '4', LTV_BACKOFF_MS: '200', LTV_LOCK_DURATION_MS: '3000' });
  await w.ready;
  const q = h.queue();
  const redis = h.redis();
  const key = runLockKey(h.prefix, RUN_QUEUE, 'flaky', 'flaky');
  w.worker.once('progress', () => {
    void redis.set(key, 'another-run', 'PX', 4000);
  });
  const failedOnce = new Promise<Error>((r) => w.worker.once('failed', (_job, e) => r(e)));
  const completed = new Promise<RunResult>((r) => w.worker.once('completed', (_job, result) => r(result)));
  const run = await enqueueRun(q, h.jobsDir, 'flaky', { source: 'cli', asOf: new Date('2026-03-01T00:00:00Z') });
  const err = await failedOnce;
  expect(err.name).not.toBe('UnrecoverableError');
  // The renewal finds the lock owned by another token: the run stops at once (src/queue/runLock.ts).
  expect(err.message).toMatch(/run lock lost/);
  const done = await waitFor('retried run completed', async () => {
    return (await q.getJobState(run.id)) === 'completed' ? q.getJob(run.id) : undefined;
  }, 150_000);
  expect(done.attemptsMade).toBeGreaterThanOrEqual(1);
  const result = await completed;
  expect(result.asOf).toBe('2026-03-01T00:00:00.000Z');
  expect(result.tenants[0]!.runId).toBe('20260301T000000Z');
  await q.close();
  await w.close(1_000);
});

test('a data error fails at once with the message the user needs', async () => {
  await h.writeJob('bad', {}, 'customer_id,event_time\nc1,2026-01-05T10:00:00Z\n');
  const { log, lines } = captureLogger();
  const w = h.worker({ LTV_ATTEMPTS: '5' }, log);
  await w.ready;
  const q = h.queue();
  const run = await enqueueRun(q, h.jobsDir, 'bad', { source: 'cli' });
  const failed = await waitFor('run failed', async () => {
    return (await q.getJobState(run.id)) === 'failed' ? q.getJob(run.id) : undefined;
  });
  expect(failed.attemptsStarted).toBe(1);
  expect(failed.failedReason).toMatch(/bad\.csv.*amount|amount.*bad\.csv/);
  // One line naming the job and the cause, no stack (it was "run failed (not retried)" and then "run failed:
  // <the same>" without the job).
  await new Promise((r) => setTimeout(r, 200));
  const said = lines.filter((l) => typeof l.msg === 'string' && (l.msg as string).startsWith('run failed'));
  expect(said.map((l) => [l.job, l.run, l.code, l.msg, 'err' in l])).toEqual([['bad', run.id, 'INPUT', `run failed (not retried): ${failed.failedReason}`, false]]);
  await q.close();
  await w.close(1_000);
});

test('a waiter whose own connection to Redis is down when the run completes ends with the run\'s result (it threw "Connection is closed" as an internal error)', async () => {
  // Its events came back after an outage before its queue's connection did: the check that the finished run
  // is still its own cannot be made, and the result stands (ltv run --shards / enqueue --wait printed an
  // internal error and hung on a published run).
  await h.writeJob('seen2', {});
  const w = h.worker();
  await w.ready;
  const q = h.queue();
  const away = h.queue();
  const events = new QueueEvents(RUN_QUEUE, { connection: { host: '127.0.0.1', port: TEST_REDIS_PORT }, prefix: h.env.LTV_QUEUE_PREFIX });
  try {
    await events.waitUntilReady();
    await away.waitUntilReady();
    await away.disconnect();
    await expect(away.getJob('x')).rejects.toThrow(/Connection is closed/);
    const run = await enqueueRun(q, h.jobsDir, 'seen2', { source: 'cli', asOf: new Date('2026-03-16T15:00:00Z') });
    const result = await waitForRun(events, run.queued, () => {}, away);
    expect(result.tenants.map((t) => t.runId)).toEqual(['20260316T150000Z']);
  } finally {
    await away.close();
    await events.close();
    await q.close();
    await w.close(1_000);
  }
});

test('a waiter whose events never arrive still ends with the run: its result, or its failure in one line', async () => {
  // A QueueEvents that never reads the stream (autorun off) stands for one that missed the run's event (its
  // first XREAD comes a round trip after it is ready): the waiter's own check of the run settles it.
  await h.writeJob('seen', {});
  await h.writeJob('bad', {}, 'customer_id,event_time\nc1,2026-01-05T10:00:00Z\n');
  const w = h.worker();
  await w.ready;
  const q = h.queue();
  const deaf = new QueueEvents(RUN_QUEUE, { connection: { host: '127.0.0.1', port: TEST_REDIS_PORT }, prefix: h.env.LTV_QUEUE_PREFIX, autorun: false });
  try {
    const good = await enqueueRun(q, h.jobsDir, 'seen', { source: 'cli', asOf: new Date('2026-03-16T15:00:00Z') });
    const bad = await enqueueRun(q, h.jobsDir, 'bad', { source: 'cli' });
    const [ok, failed] = await Promise.allSettled([waitForRun(deaf, good.queued, () => {}, q), waitForRun(deaf, bad.queued, () => {}, q)]);
    expect(ok.status).toBe('fulfilled');
    expect((ok as PromiseFulfilledResult<RunResult>).value.asOf).toBe('2026-03-16T15:00:00.000Z');
    expect((ok as PromiseFulfilledResult<RunResult>).value.tenants.map((t) => t.runId)).toEqual(['20260316T150000Z']);
    expect(failed.status).toBe('rejected');
    expect(String((failed as PromiseRejectedResult).reason.message)).toMatch(new RegExp(`^run ${bad.id} failed: .*bad\\.csv.*amount`));
  } finally {
    await deaf.close();
    await q.close();
    await w.close(1_000);
  }
});

test('the workers\' LTV_ATTEMPTS caps a run\'s attempts whoever added it, and the log says whether a retry follows', async () => {
  // A database nobody listens on: transient (retried). Added by a process with LTV_ATTEMPTS 5 (as `ltv enqueue`
  // from a shell without the workers' settings), taken by a worker with LTV_ATTEMPTS 2: two attempts, not five.
  process.env.LTV_TEST_NOWHERE_DB = 'postgres://u@127.0.0.1:1/x';
  await h.writeJob('nowhere', { inputs: [{ query: 'SELECT 1', connection: 'env:LTV_TEST_NOWHERE_DB' }] }, null);
  const { log, lines } = captureLogger();
  const w = h.worker({ LTV_ATTEMPTS: '2', LTV_BACKOFF_MS: '100' }, log);
  await w.ready;
  const q = h.queue({ LTV_ATTEMPTS: '5', LTV_BACKOFF_MS: '100' });
  try {
    const run = await enqueueRun(q, h.jobsDir, 'nowhere', { source: 'cli' });
    const failed = await waitFor('run failed for good', async () => ((await q.getJobState(run.id)) === 'failed' ? q.getJob(run.id) : undefined), 30_000);
    expect([failed.opts.attempts, failed.attemptsMade]).toEqual([5, 2]);
    expect(failed.failedReason).toMatch(/PostgreSQL/);
    await new Promise((r) => setTimeout(r, 200));
    const said = lines.filter((l) => typeof l.msg === 'string' && (l.msg as string).startsWith('run failed')).map((l) => [l.job, l.attempt, l.attempts, l.code, 'err' in l, l.msg]);
    // It said "retried with backoff while attempts remain" after the last one too. One line per failure, with
    // the job and the cause, and no stack for an expected condition (an AppError's stack came with the first).
    const reason = failed.failedReason;
    expect(said).toEqual([['nowhere', 1, 2, 'TRANSIENT', false, `run failed; retried with backoff: ${reason}`], ['nowhere', 2, 2, 'TRANSIENT', false, `run failed; that was its last attempt: ${reason}`]]);
  } finally {
    delete process.env.LTV_TEST_NOWHERE_DB;
    await q.close();
    await w.close(1_000);
  }
});

test('a run whose job file is gone by the time a worker takes it fails at once, saying why it may be missing', async () => {
  await h.writeJob('gone', {});
  const q = h.queue();
  const run = await enqueueRun(q, h.jobsDir, 'gone', { source: 'cli' });
  await rm(join(h.jobsDir, 'gone.json'));
  const w = h.worker({ LTV_ATTEMPTS: '5' });
  await w.ready;
  const failed = await waitFor('run failed', async () => ((await q.getJobState(run.id)) === 'failed' ? q.getJob(run.id) : undefined));
  expect(failed.attemptsStarted).toBe(1);
  expect(failed.failedReason).toBe(`${join(h.jobsDir, 'gone.json')}: no such job file: it was removed, or this worker's jobs folder (${h.jobsDir}) is not the one the run was queued from (every worker of a queue must read the same jobs folder)`);
  await q.close();
  await w.close(1_000);
});

test('a run that finds its job file half-saved sends its failure notice to the ops of the file\'s last valid version', async () => {
  const sink = await startSmtpSink();
  // The worker reads its SMTP settings from the process's environment, as in production.
  const saved = { ...process.env };
  Object.assign(process.env, { SMTP_URL: sink.url, SMTP_FROM: 'reports@example.com', LTV_EMAIL_DRY_RUN: 'false' });
  try {
    await h.writeJob('halfsaved', { email: { to: ['finance@example.com'], ops: ['oncall@example.com'] } });
    const w = h.worker();
    await w.ready;
    // The worker reads the valid file at its first schedule sync (no scrape of its metrics here).
    await new Promise((r) => setTimeout(r, 500));
    await writeFile(join(h.jobsDir, 'halfsaved.json'), '{"tenant": "halfsaved", "inputs": [');
    // The tick, as its scheduler adds it.
    const q = h.queue();
    const run = await q.add('halfsaved', { file: 'halfsaved.json', source: 'schedule' });
    const failed = await waitFor('run failed', async () => ((await q.getJobState(run.id!)) === 'failed' ? q.getJob(run.id!) : undefined));
    expect(failed.failedReason).toMatch(/^\S+halfsaved\.json: /);
    // It failed without a word to anyone: the file as it is names no recipients.
    await waitFor('the failure notice', () => sink.messages.length >= 1);
    expect(sink.envelopes).toEqual([['oncall@example.com']]);
    expect(sink.messages[0]!.subject).toMatch(/^LTV run failed: job halfsaved, tenant halfsaved, as of /);
    expect(sink.messages[0]!.text).toContain(failed.failedReason);
    await q.close();
    await w.close(1_000);
  } finally {
    for (const k of ['SMTP_URL', 'SMTP_FROM', 'LTV_EMAIL_DRY_RUN']) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    await sink.close();
  }
});

test('HTTP routes: an admin key enqueues a run (202) whose state, progress and result can be read back', async () => {
  const key = 'admin-secret';
  const hash = createHash('sha256').update(key).digest('hex');
  await h.writeJob('web', {});
  const w = h.worker();
  await w.ready;
  const q = h.queue({ LTV_ADMIN_KEY_SHA256: hash });
  const routes = runRoutes(q, { env: { ...h.env, LTV_ADMIN_KEY_SHA256: hash }, jobsDir: h.jobsDir });
  const post = routes.find((r) => r.method === 'POST')!;
  const get = routes.find((r) => r.method === 'GET')!;
  const auth = { authorization: `Bearer ${key}` };

  expect((await post.handle({ params: {}, headers: {}, body: { job: 'web' } })).status).toBe(401);
  expect((await post.handle({ params: {}, headers: { authorization: 'Bearer nope' }, body: { job: 'web' } })).status).toBe(401);
  expect((await post.handle({ params: {}, headers: auth, body: { job: '../etc/passwd' } })).status).toBe(400);
  expect((await post.handle({ params: {}, headers: auth, body: { job: 'missing' } })).status).toBe(404);
  // An as-of more than a day ahead: refused up front with ltv run's line, nothing queued.
  const future = await post.handle({ params: {}, headers: auth, body: { job: 'web', as_of: '9999-01-01T00:00:00Z' } });
  expect(future.status).toBe(400);
  expect(future.body).toMatchObject({ error: { code: 'VALIDATION_ERROR', message: expect.stringMatching(/^as-of 9999-01-01T00:00:00\.000Z is more than a day after the current time \(.+\): LTV is measured up to a time that has passed; give an earlier "as_of" in the request body$/) } });
  // The job file's own: an invalid job (422), named, with what the caller can send instead.
  await h.writeJob('ahead', { as_of: '9999-02-01T00:00:00Z' });
  const ahead = await post.handle({ params: {}, headers: auth, body: { job: 'ahead' } });
  expect(ahead.status).toBe(422);
  expect(ahead.body).toMatchObject({ error: { code: 'INVALID_JOB', message: expect.stringMatching(/^as-of 9999-02-01T00:00:00\.000Z is more than a day after .*; give an earlier "as_of" in the job file ahead\.json \(or one as "as_of" in the request body\)$/) } });
  expect(await q.getJobCounts()).toMatchObject({ waiting: 0, active: 0, completed: 0, failed: 0 });

  const accepted = await post.handle({ params: {}, headers: auth, body: { job: 'web', as_of: '2026-02-01T00:00:00Z' } });
  expect(accepted.status).toBe(202);
  const { id } = accepted.body as { id: string };
  const done = await waitFor('run completed', async () => {
    const r = await get.handle({ params: { id }, headers: auth, body: undefined });
    return (r.body as { state: string }).state === 'completed' ? r : undefined;
    // A whole run, the worker's first (cold imports): seconds on a loaded machine, not the 15 s default.
  }, 60_000);
  expect(done.body).toMatchObject({ id, job: 'web', state: 'completed', progress: { stage: 'publish', percent: 100 }, result: { asOf: '2026-02-01T00:00:00.000Z' } });
  expect((await get.handle({ params: { id: 'nope' }, headers: auth, body: undefined })).status).toBe(404);
  // A body that is no object: one line in the route's words (it was zod's "expected object, received array").
  expect((await post.handle({ params: {}, headers: auth, body: [] })).body).toMatchObject({ error: { code: 'VALIDATION_ERROR', message: 'body: must be a JSON object, e.g. {"job": "nightly"}' } });
  // as_of null is "not sent" (it was a 400); a run not started yet has progress null, the type a started run's
  // object can take (it was the number 0).
  await w.close(1_000); // no worker takes it
  const later = await post.handle({ params: {}, headers: auth, body: { job: 'web', as_of: null } });
  expect(later.status).toBe(202);
  const waiting = await get.handle({ params: { id: (later.body as { id: string }).id }, headers: auth, body: undefined });
  expect(waiting.body).toMatchObject({ state: 'waiting', progress: null, attempts_made: 0, started_at: null });
  await q.close();
});
