// Faults of a real worker (issue 14): `ltv worker` child processes, real Redis, real files, a real SMTP
// server. SIGTERM in a long stage, SIGKILL between publishing and emailing, and the leftovers of killed
// runs (staging directories, scratch databases) at recovery and at start, with workers sharing directories.
import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { beforeEach, expect, test } from 'vitest';
import type { RunResult } from '../../src/pipeline.js';
import { enqueueRun } from '../../src/queue/enqueueRun.js';
import { bigCsv, useHarness, waitFor, type Harness } from '../helpers/queueHarness.js';
import { startSmtpSink } from '../helpers/smtpSink.js';

/** A million payments (20,000 customers): seconds in every stage, long enough to interrupt whatever the load. */
const MILLION = bigCsv(1_000_000);
/**
 * A quarter of that over the same 400 days: as many daily cohorts, so render (where the staging directory
 * exists) is about as long, for a quarter of the ingest and less compute. For the tests that need a run
 * caught in render, not a long ingest or compute.
 */
const QUARTER = bigCsv(250_000);

const harness = useHarness();
let h: Harness;
beforeEach(() => {
  h = harness();
});

type Log = Record<string, unknown>;
const msgs = (logs: Log[]): string[] => logs.map((l) => String(l.msg));

/** A pid that surely is dead: a process that has exited. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString());
}

/** The published runs and the staging directories of a tenant. */
async function runsOf(tenant: string): Promise<string[]> {
  return (await readdir(join(h.reportsDir, tenant, 'runs')).catch(() => [] as string[])).sort();
}

test('SIGTERM in a long stage: the run is handed back and the worker gone within the grace period; a second worker publishes it once', async () => {
  // A million payments: compute alone lasts several seconds (6 s on 2 idle cores in the bench).
  await h.writeJob('term', {}, MILLION);
  const q = h.queue();
  const events = await h.events();
  const grace = 4_000;
  const first = h.childWorker({ LTV_SHUTDOWN_GRACE_MS: String(grace) });
  const run = await enqueueRun(q, h.jobsDir, 'term', { source: 'cli', asOf: new Date('2026-03-01T00:00:00Z') });
  // SIGTERM as the run starts; it is aborted 2 s later (the last half of the grace period is kept for
  // handing back), in ingest or compute. (Sent at the end of ingest, as it was, an idle host finished the
  // whole run within those 2 s: nothing was left to abort.)
  await first.waitForLog('run started', (l) => l.msg === 'run started', 120_000);
  const t0 = Date.now();
  first.proc.kill('SIGTERM');
  const { code } = await first.exited;
  const exitMs = Date.now() - t0;
  expect(code).toBe(0);
  // Gone within the grace period (plus a little for a loaded machine), not after a stage finished by itself.
  expect(exitMs).toBeLessThan(grace + 1_500);
  const aborted = first.logs.find((l) => String(l.msg).startsWith('grace period ending'));
  const handed = first.logs.find((l) => l.msg === 'shutting down: run handed back to the queue');
  expect(aborted, msgs(first.logs).join('\n')).toBeDefined();
  // The abort stopped the stage in progress: no stage finished later than the moment of the abort. (Which
  // stage that is depends on the machine: on idle cores compute ends within the 2 s before the abort, and
  // render is cut; a stage that ends by itself as the abort arrives is let be.)
  const lateStages = first.logs.filter((l) => / done$/.test(String(l.msg)) && (l.time as number) > (aborted!.time as number) + 100);
  expect(lateStages.map((l) => l.msg)).toEqual([]);
  expect(msgs(first.logs)).not.toContain('publish done');
  expect(handed).toBeDefined();
  // The abort reached into the stage: handed back within the part of the grace period kept for it (2 s),
  // so within the grace period (give or take a loaded machine's scheduling).
  expect((handed!.time as number) - (aborted!.time as number)).toBeLessThan(2_000);
  expect((handed!.time as number) - t0).toBeLessThan(grace + 500);
  expect(first.logs.filter((l) => 'err' in l)).toEqual([]);
  // Back in the queue, no attempt spent, nothing published or left staged.
  const job = await q.getJob(run.id);
  expect(await job!.getState()).toBe('waiting');
  expect(job!.attemptsMade).toBe(0);
  expect(await runsOf('term')).toEqual([]);

  const second = h.childWorker();
  const result = (await run.queued.waitUntilFinished(events, 120_000)) as RunResult;
  expect(result.tenants.map((t) => t.runId)).toEqual(['20260301T000000Z']);
  expect(await runsOf('term')).toEqual(['20260301T000000Z']);
  expect(second.logs.filter((l) => l.msg === 'run started' && l.run === run.id)).toHaveLength(1);
  const manifest = JSON.parse(await readFile(join(h.reportsDir, 'term', 'runs', '20260301T000000Z', 'manifest.json'), 'utf8')) as { stats: { rows_read: number } };
  expect(manifest.stats.rows_read).toBe(1_000_000);
  second.proc.kill('SIGTERM');
  expect((await second.exited).code).toBe(0);
  await events.close();
  await q.close();
}, 240_000);

/** An SMTP server that accepts connections and never says a word: a send waits on it until killed. */
async function silentSmtp(): Promise<{ url: string; connections: () => number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let count = 0;
  const server = createServer((s) => {
    count += 1;
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    connections: () => count,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

test('a worker SIGKILLed after publishing, before the email: the recovered run finds its report by its key and only emails, once', async () => {
  const silent = await silentSmtp();
  const sink = await startSmtpSink();
  try {
    await h.writeJob('mail', { email: { to: ['finance@example.com'] } }, bigCsv(60_000));
    const q = h.queue();
    const events = await h.events();
    // Short locks: the dead worker's run is recovered in seconds (the first worker runs alone until it is
    // killed, so its lock can be shorter still: nobody else could take its run if it lapsed under load).
    const vars = { LTV_LOCK_DURATION_MS: '10000', SMTP_FROM: 'reports@example.com', LTV_EMAIL_BACKOFF: '20ms', LTV_EMAIL_DRY_RUN: 'false' };
    const first = h.childWorker({ ...vars, SMTP_URL: silent.url, LTV_LOCK_DURATION_MS: '5000' });
    const run = await enqueueRun(q, h.jobsDir, 'mail', { source: 'cli', asOf: new Date('2026-03-01T00:00:00Z') });
    await first.waitForLog('publish done', (l) => l.msg === 'publish done', 90_000);
    await waitFor('the first worker to be sending', () => silent.connections() > 0);
    first.proc.kill('SIGKILL');
    await first.exited;

    const runDir = join(h.reportsDir, 'mail', 'runs', '20260301T000000Z');
    expect(await runsOf('mail')).toEqual(['20260301T000000Z']);
    const manifestPath = join(runDir, 'manifest.json');
    const published = await readFile(manifestPath, 'utf8');
    const publishedAt = (await stat(manifestPath)).mtimeMs;
    const manifest = JSON.parse(published) as { idempotency_key: string };
    // The key is the run's own (a random one carried in its data), which is also its id (never BullMQ's
    // counter, which a Redis that lost its data hands out again).
    expect(manifest.idempotency_key).toBe(run.queued.data.key);
    expect(manifest.idempotency_key).toMatch(/^[0-9a-f-]{36}$/);
    expect(run.id).toBe(manifest.idempotency_key);
    // The forecast (on by default) logs its own stage once done: the render stage awaits it, writing the
    // snapshots meanwhile.
    const firstStages = first.logs.filter((l) => typeof l.stage === 'string').map((l) => l.stage);
    expect(firstStages, JSON.stringify(first.logs.map(({ msg, stage, run, err_message, reason, err }) => ({ msg, stage, run, err_message, reason, err: (err as { message?: string } | undefined)?.message })))).toEqual(['ingest', 'compute', 'forecast', 'render', 'publish']);
    expect(sink.messages).toHaveLength(0);

    const second = h.childWorker({ ...vars, SMTP_URL: sink.url });
    const result = (await run.queued.waitUntilFinished(events, 90_000)) as RunResult;
    expect(result.tenants.map((t) => t.runId)).toEqual(['20260301T000000Z']);
    expect(result.notify?.map((n) => n.status)).toEqual(['sent']);
    // Nothing computed again: no stage ran, the published files are untouched.
    expect(result.timings).toEqual({});
    const mine = second.logs.filter((l) => l.run === run.id);
    expect(msgs(mine)).toContain('run already published by an earlier attempt; only what is left is done');
    expect(mine.filter((l) => typeof l.stage === 'string')).toEqual([]);
    expect(await readFile(manifestPath, 'utf8')).toBe(published);
    expect((await stat(manifestPath)).mtimeMs).toBe(publishedAt);
    expect(await runsOf('mail')).toEqual(['20260301T000000Z']);
    // Exactly one email, to the job's recipient, about this run: counted once the only worker left that
    // could send has exited, rather than after waiting a while for a second one.
    second.proc.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
    expect(sink.messages).toHaveLength(1);
    expect(sink.dataCommands).toBe(1);
    expect(sink.envelopes[0]).toEqual(['finance@example.com']);
    expect(sink.messages[0]!.messageId).toMatch(/^<ltv\.run\.20260301T000000Z\./);
    await events.close();
    await q.close();
  } finally {
    await silent.close();
    await sink.close();
  }
}, 240_000);

test('staging directories of a killed attempt are removed as soon as its run is recovered, even when the recovered run then fails', async () => {
  // The attempt stays in render (its staging directory exists) long enough to be seen there.
  await h.writeJob('staged', {}, QUARTER);
  const q = h.queue();
  const events = await h.events();
  const vars = { LTV_LOCK_DURATION_MS: '10000' };
  // The rescuer is up before the kill: its own start found nothing to remove.
  const rescuer = h.childWorker(vars);
  await rescuer.waitForLog('start cleanup', (l) => l.msg === 'removed the leftovers of killed runs');
  await rescuer.proc.kill('SIGSTOP'); // not taking the run: the doomed worker must
  // A shorter lock for the doomed worker, which runs alone until it is killed: recovered seconds sooner.
  const doomed = h.childWorker({ ...vars, LTV_LOCK_DURATION_MS: '5000' });
  const run = await enqueueRun(q, h.jobsDir, 'staged', { source: 'cli', asOf: new Date('2026-03-01T00:00:00Z') });
  await doomed.waitForLog('compute done', (l) => l.msg === 'compute done', 90_000);
  const staging = await waitFor('the doomed attempt to stage its run', async () => {
    const s = (await runsOf('staged')).filter((n) => n === '.staging-20260301T000000Z');
    // Its owner file written (reserveRun writes it right after creating the directory).
    const owned = await Promise.all(s.map((n) => stat(join(h.reportsDir, 'staged', 'runs', n, '.owner')).then(() => true, () => false)));
    return s.length && owned.every(Boolean) ? s : undefined;
  });
  doomed.proc.kill('SIGKILL');
  await doomed.exited;
  rescuer.proc.kill('SIGCONT');
  // Meanwhile the export was replaced by one without amounts: the recovered run fails in ingest, before
  // it would have reached render (where a run also clears its job's dead staging directories).
  await writeFile(join(h.dir, 'staged.csv'), 'customer_id,event_time\nc1,2026-01-05\n');
  const failed = await run.queued.waitUntilFinished(events, 90_000).then(() => null, (e: Error) => e.message);
  expect(failed).toMatch(/amount/);
  const cleaned = rescuer.logs.find((l) => l.msg === 'removed staging directories of attempts that can no longer publish' && l.run === run.id);
  expect(cleaned?.removed, JSON.stringify(rescuer.logs.map(({ msg, run, stage, err_message, removed }) => ({ msg, run, stage, err_message, removed })))).toEqual(staging.map((s) => join(h.reportsDir, 'staged', 'runs', s)));
  expect(rescuer.logs.some((l) => l.run === run.id && l.stage === 'render')).toBe(false);
  expect(await runsOf('staged')).toEqual([]);
  rescuer.proc.kill('SIGTERM');
  expect((await rescuer.exited).code).toBe(0);
  await events.close();
  await q.close();
}, 240_000);

test('at start a worker removes dead processes\' scratch files and staging directories, never a live worker\'s, in a directory workers share', async () => {
  const tmp = join(h.dir, 'tmp');
  const jobScratch = join(h.jobsDir, 'scratch');
  await mkdir(tmp);
  await mkdir(jobScratch);
  await h.writeJob('shared', {}, QUARTER);
  // A second job with its own scratch directory (jobs/scratch).
  await h.writeJob('own', { duckdb: { temp_directory: 'scratch' } });
  const vars = { TMPDIR: tmp };
  const q = h.queue();
  const events = await h.events();

  // A live worker, mid-run: its scratch database and staging directory exist while the other starts. It is
  // stopped (SIGSTOP) in render until the other has cleaned up, so it is surely alive and mid-run then,
  // whatever the load; its long lock keeps its run from looking stalled to the other meanwhile.
  const busy = h.childWorker({ ...vars, LTV_LOCK_DURATION_MS: '120000' });
  const run = await enqueueRun(q, h.jobsDir, 'shared', { source: 'cli', asOf: new Date('2026-03-01T00:00:00Z') });
  await busy.waitForLog('compute done', (l) => l.msg === 'compute done', 90_000);
  const pid = busy.proc.pid!;
  const liveStaging = await waitFor('the busy worker to stage its run', async () => {
    const s = (await runsOf('shared')).filter((n) => n.startsWith('.staging-'));
    return s.length ? s : undefined;
  });
  busy.proc.kill('SIGSTOP');
  const liveScratch = (await readdir(tmp)).filter((n) => n.startsWith(`ltv-run-${pid}-`)).sort();
  // DuckDB is closed once compute is done; the tenants' data files (.out) stay until the run ends.
  expect(liveScratch.filter((n) => n.endsWith('.duckdb.out'))).toHaveLength(1);

  // What killed runs left: a dead pid's files in both scratch directories and staging directories in two
  // tenants, beside things that are not ours to remove.
  const dead = deadPid();
  const deadScratch = [`ltv-run-${dead}-0123abcd.duckdb`, `ltv-run-${dead}-0123abcd.duckdb.wal`];
  for (const n of deadScratch) await writeFile(join(tmp, n), 'x');
  await mkdir(join(tmp, `ltv-run-${dead}-0123abcd.duckdb.tmp`));
  await writeFile(join(tmp, `ltv-run-${dead}-0123abcd.duckdb.tmp`, 'spill.block'), 'x');
  await mkdir(join(tmp, `ltv-run-${dead}-0123abcd.duckdb.out`));
  await writeFile(join(jobScratch, `ltv-run-${dead}-89abcdef.duckdb`), 'x');
  const keptScratch = [`ltv-run-${process.pid}-0123abcd.duckdb`, `ltv-run-${dead}-notahex.duckdb`, `other-${dead}.duckdb`];
  for (const n of keptScratch) await writeFile(join(tmp, n), 'x');
  const staging = async (tenant: string, name: string, owner: object | string | null): Promise<string> => {
    const dir = join(h.reportsDir, tenant, 'runs', name);
    await mkdir(join(dir, 'data'), { recursive: true });
    await writeFile(join(dir, 'data', 'facts.parquet'), 'x');
    if (owner !== null) await writeFile(join(dir, '.owner'), typeof owner === 'string' ? owner : JSON.stringify(owner));
    return dir;
  };
  const gone = [
    await staging('shared', '.staging-20260201T000000Z-0000dead', { job: 'shared', host: hostname(), pid: dead, locked: true }),
    await staging('own', '.staging-20260201T000000Z-1111dead', { job: 'own', host: hostname(), pid: dead, locked: false }),
  ];
  const kept = [
    await staging('own', '.staging-20260201T000000Z-2222a11e', { job: 'own', host: hostname(), pid: process.pid, locked: false }),
    // Another machine's attempt: only a run of that job holding its lock may judge it.
    await staging('own', '.staging-20260201T000000Z-3333e15e', { job: 'own', host: `not-${hostname()}`, pid: dead, locked: true }),
    // No owner file: not known to be ours (retention removes it after a day).
    await staging('own', '.staging-20260201T000000Z-4444beef', null),
    // An owner file still being written (reserveRun creates it, then writes it): empty, or cut short. A
    // worker starting at that instant crashed on it (found by this test, 1 run in ~7): it is left alone.
    await staging('own', '.staging-20260201T000000Z-5555fade', ''),
    await staging('own', '.staging-20260201T000000Z-6666fade', '{"job":"own","ho'),
  ];

  const starting = h.childWorker(vars);
  const line = await starting.waitForLog('start cleanup', (l) => l.msg === 'removed the leftovers of killed runs', 30_000);
  expect((line.scratch as string[]).sort()).toEqual([
    ...deadScratch.map((n) => join(tmp, n)), join(tmp, `ltv-run-${dead}-0123abcd.duckdb.tmp`), join(tmp, `ltv-run-${dead}-0123abcd.duckdb.out`), join(jobScratch, `ltv-run-${dead}-89abcdef.duckdb`),
  ].sort());
  expect((line.staging as string[]).sort()).toEqual(gone.sort());
  expect((await readdir(jobScratch)).sort()).toEqual([]);
  const left = (await readdir(tmp)).sort();
  expect(left.filter((n) => n.includes(`-${dead}-0123abcd`))).toEqual([]);
  for (const n of keptScratch) expect(left).toContain(n);
  // The busy worker's own files are not among those removed (the exact list above), and still there.
  for (const n of liveScratch) expect(line.scratch as string[]).not.toContain(join(tmp, n));
  for (const n of liveScratch) expect(left).toContain(n);
  for (const d of kept) expect((await stat(d)).isDirectory()).toBe(true);

  // The busy worker's run was not disturbed: it publishes what it staged.
  busy.proc.kill('SIGCONT');
  const result = (await run.queued.waitUntilFinished(events, 120_000)) as RunResult;
  expect(result.tenants.map((t) => t.runId)).toEqual(['20260301T000000Z']);
  expect(liveStaging).toHaveLength(1);
  expect(await runsOf('shared')).toEqual(['20260301T000000Z']);
  expect((await readdir(tmp)).filter((n) => n.startsWith(`ltv-run-${pid}-`))).toEqual([]);
  for (const w of [busy, starting]) {
    w.proc.kill('SIGTERM');
    expect((await w.exited).code).toBe(0);
  }
  await events.close();
  await q.close();
}, 240_000);
