// SPEC §12: one run over many workers. Real Redis (a prefix of its own), real worker processes started
// through the CLI, real files: the published files of a sharded run equal a single-process run's, also when
// a worker is SIGKILLed in the middle of a shard, and after the job file was edited mid-run (the split's
// definition is kept); a shard that fails for good fails the run with its message
// and publishes nothing. Input: the example export (6,000 rows: EUR with rates, refunds, duplicates, bad
// rows, Europe/Berlin), so every path of the numbers goes through the shards. Shards of it take about a
// second each: long enough to kill a worker in the middle of one.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadJob } from '../../src/config/loadJob.js';
import { runPipeline } from '../../src/pipeline.js';
import { enqueueRun } from '../../src/queue/enqueueRun.js';
import { SHARD_QUEUE } from '../../src/queue/shardFlow.js';
import { compareRunDirs } from '../helpers/compareRunDirs.js';
import { createHarness, CSV, ROOT, TEST_REDIS_PORT, waitFor, type Harness } from '../helpers/queueHarness.js';
import { silentLogger } from '../helpers/runFixture.js';

let h: Harness;
beforeEach(async () => {
  // One DuckDB thread per worker: three workers on a small machine would otherwise fight for its cores.
  h = await createHarness({ LTV_DUCKDB_THREADS: '1' });
});
afterEach(async () => {
  expect(await h.close()).toEqual([]);
});

const SHARDS = 4;

/** The example job with all formats, forecasts off (they take most of a run's time and do not shard differently). */
const SHOP = {
  tenant: 'demo-app', timezone: 'Europe/Berlin', currency: 'USD', as_of: '2026-03-16T15:00:00Z',
  inputs: [{ path: join(ROOT, 'jobs/example/transactions.csv') }], rates: join(ROOT, 'jobs/example/rates.csv'),
  formats: ['json', 'csv', 'xlsx'] as ('json' | 'csv' | 'xlsx')[], forecast: { model: 'off' as const }, shards: SHARDS,
};

async function expectSameAsReference(): Promise<void> {
  const { files, differences } = await compareRunDirs(ref, join(h.reportsDir, 'demo-app', 'latest'));
  expect(files).toEqual(expect.arrayContaining(['ltv.json', 'ltv.csv', 'ltv.xlsx', 'quarantine.csv', 'manifest.json', 'data/facts.parquet', 'api/zenovay/90d-monthly.json.gz']));
  expect(differences).toEqual([]);
  // The run's intermediate files are gone.
  expect(await readdir(join(h.reportsDir, '.shards', 'shop')).catch(() => [])).toEqual([]);
}

/** SIGTERM and wait: a clean exit, so the harness finds nothing left open. */
async function stop(workers: { proc: { kill(s: NodeJS.Signals): boolean }; exited: Promise<unknown> }[]): Promise<void> {
  for (const w of workers) w.proc.kill('SIGTERM');
  await Promise.all(workers.map((w) => w.exited));
}

function shardsDone(w: { logs: Record<string, unknown>[] }): number {
  return w.logs.filter((l) => l.msg === 'shard done').length;
}

// The single-process reference run (set by the first describe's beforeAll).
let refDir: string;
let ref: string;

describe('a sharded run', () => {
  // The single-process run of the same job (the pipeline `ltv run` calls, which ignores `shards`), once for
  // the tests that compare with it; in this process, which has its imports loaded already.
  beforeAll(async () => {
    refDir = await mkdtemp(join(tmpdir(), 'ltv-shard-ref-'));
    const file = join(refDir, 'shop.json');
    await writeFile(file, JSON.stringify(SHOP));
    const r = await runPipeline(await loadJob(file), { logger: silentLogger, reportsDir: join(refDir, 'reports'), email: 'off' });
    expect(r.warnings).toEqual([]);
    ref = join(refDir, 'reports', 'demo-app', 'latest');
  }, 240_000);
  afterAll(async () => {
    await rm(refDir, { recursive: true, force: true });
  });

  it('publishes the same files as a single-process run: 4 shards over 3 worker processes (ltv run --shards)', async () => {
    const file = await h.writeJob('shop', SHOP, null);
    const workers = [1, 2, 3].map(() => h.childWorker({ LTV_CONCURRENCY: '1' }));
    for (const w of workers) await w.waitForLog('worker ready', (l) => l.msg === 'worker connected to redis, taking runs', 60_000);
    // `ltv run <job> --shards N` sends the job file's run to the workers and follows it, as enqueue --wait.
    // The run's progress as BullMQ publishes it: never going back (the merge's stages start at ingest again).
    const events = await h.events();
    const percents: number[] = [];
    events.on('progress', ({ data }) => percents.push((data as { percent: number }).percent));
    const r = await h.cli(['run', file, '--shards', String(SHARDS)]);
    expect(r.code, r.stderr).toBe(0);
    expect(percents.length).toBeGreaterThan(4);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(percents).toContain(65); // every shard done, before the merge's render (70 %)
    await events.close();
    // Progress on the way: shards done of all, with the rows read.
    expect(r.stderr).toMatch(/compute, shards 4 of 4 done \(\d+%\), 6000 rows/);
    expect(r.stderr).toMatch(/published demo-app 20260316T150000Z/);
    expect(workers.reduce((n, w) => n + shardsDone(w), 0)).toBe(SHARDS);
    await expectSameAsReference();
    // The run's stages: ingest is the split's reading of the inputs (it was missing), compute the merge's.
    const ingest = workers.flatMap((w) => w.logs).filter((l) => l.msg === 'ingest done').map((l) => l.ms);
    expect(ingest).toHaveLength(1);
    const manifest = JSON.parse(await readFile(join(h.reportsDir, 'demo-app', 'latest', 'manifest.json'), 'utf8')) as { timings_ms: Record<string, number> };
    expect(Object.keys(manifest.timings_ms)).toEqual(['ingest', 'compute', 'render']);
    expect(manifest.timings_ms.ingest).toBe(ingest[0]);
    await stop(workers);
  }, 420_000);

  it('keeps the job definition its split read: the job file edited while its shards compute changes nothing of the report', async () => {
    await h.writeJob('shop', SHOP, null);
    // This worker splits and merges but takes no shard, so the file is edited between the split and the shards.
    const splitter = h.childWorker({ LTV_SHARD_CONCURRENCY: '0' });
    await splitter.waitForLog('worker ready', (l) => l.msg === 'worker connected to redis, taking runs', 60_000);
    const runs = h.queue();
    try {
      const runId = (await enqueueRun(runs, h.jobsDir, 'shop', { source: 'cli' })).id;
      await waitFor('the run to wait for its shards', async () => (await runs.getJobState(runId)) === 'waiting-children', 60_000);
      // Another time zone moves cohort days: the shards and the merge read it from the file, and the report
      // mixed both versions (manifest America/Los_Angeles, numbers of neither).
      await h.writeJob('shop', { ...SHOP, timezone: 'America/Los_Angeles' }, null);
      const shardWorker = h.childWorker({ LTV_CONCURRENCY: '1' });
      await waitFor('the run to complete', async () => {
        const state = await runs.getJobState(runId);
        if (state === 'failed') throw new Error(`run failed: ${(await runs.getJob(runId))?.failedReason}`);
        return state === 'completed';
      }, 120_000);
      const manifest = JSON.parse(await readFile(join(h.reportsDir, 'demo-app', 'latest', 'manifest.json'), 'utf8')) as { timezone: string };
      expect(manifest.timezone).toBe('Europe/Berlin');
      await expectSameAsReference();
      await stop([splitter, shardWorker]);
    } finally {
      await runs.close();
    }
  }, 180_000);

  it('still publishes the same files when a worker is SIGKILLed in the middle of a shard', async () => {
    await h.writeJob('shop', SHOP, null);
    // The first worker splits the run and takes a shard; it is killed as soon as it has started one. Its
    // short lock lets the others see the shard stalled within seconds (their own locks stay long: a merge
    // under load must not look stalled).
    const victim = h.childWorker({ LTV_CONCURRENCY: '1', LTV_LOCK_DURATION_MS: '3000' });
    await victim.waitForLog('worker ready', (l) => l.msg === 'worker connected to redis, taking runs', 60_000);
    // Enqueued as `ltv enqueue shop` does (the first test runs the CLI), without starting a process for it.
    const runs = h.queue();
    const runId = (await enqueueRun(runs, h.jobsDir, 'shop', { source: 'cli' })).id;
    const started = await victim.waitForLog('a shard started', (l) => l.msg === 'shard started', 60_000);
    victim.proc.kill('SIGKILL');
    await victim.exited;
    expect(victim.logs.some((l) => l.msg === 'shard done' && l.shard === started.shard)).toBe(false);
    const rescuers = [1, 2].map(() => h.childWorker({ LTV_CONCURRENCY: '1' }));
    const q = new Queue(SHARD_QUEUE, { connection: { host: '127.0.0.1', port: TEST_REDIS_PORT }, prefix: h.prefix });
    try {
      await waitFor('the run to complete', async () => {
        const state = await runs.getJobState(runId);
        if (state === 'failed') throw new Error(`run failed: ${(await runs.getJob(runId))?.failedReason}`);
        return state === 'completed';
      }, 360_000);
      // The killed shard was taken again as a stalled job, and only it: the others ran once.
      const children = await q.getJobs(['completed']);
      expect(children).toHaveLength(SHARDS);
      const killed = children.find((c) => c.data.shard === started.shard)!;
      expect(killed.stalledCounter).toBeGreaterThanOrEqual(1);
      expect(children.filter((c) => c.stalledCounter > 0)).toHaveLength(1);
    } finally {
      await q.close();
      await runs.close();
    }
    await expectSameAsReference();
    await stop(rescuers);
  }, 420_000);

  it('fails in ltv\'s words, naming the shard, when a shard stalled more than LTV_MAX_STALLED times (BullMQ\'s own message before)', async () => {
    await h.writeJob('shop', SHOP, null);
    const vars = { LTV_MAX_STALLED: '0' };
    const victim = h.childWorker({ ...vars, LTV_CONCURRENCY: '1', LTV_LOCK_DURATION_MS: '3000' });
    await victim.waitForLog('worker ready', (l) => l.msg === 'worker connected to redis, taking runs', 60_000);
    const runs = h.queue();
    try {
      const runId = (await enqueueRun(runs, h.jobsDir, 'shop', { source: 'cli' })).id;
      const started = await victim.waitForLog('a shard started', (l) => l.msg === 'shard started', 60_000);
      // The run itself waits for its shards by then, unless the machine is slow: killed while still active
      // (moving to wait for them), it stalls too, and fails in its own words rather than the shard's.
      await waitFor('the run to wait for its shards', async () => (await runs.getJobState(runId)) === 'waiting-children', 60_000);
      victim.proc.kill('SIGKILL');
      await victim.exited;
      const rescuer = h.childWorker({ ...vars, LTV_CONCURRENCY: '1' });
      await waitFor('the run to fail', async () => (await runs.getJobState(runId)) === 'failed', 180_000);
      const line = 'the worker running it stopped once without finishing (killed, out of memory, or frozen longer than LTV_LOCK_DURATION_MS?), more than LTV_MAX_STALLED (0) allows, so it is not tried again: give the worker more memory (or lower LTV_CONCURRENCY or LTV_DUCKDB_MEMORY_LIMIT), or raise LTV_MAX_STALLED';
      expect((await runs.getJob(runId))!.failedReason).toBe(`shard ${started.shard} of ${SHARDS}: ${line}; nothing was published`);
      const said = rescuer.logs.filter((l) => l.shard_job !== undefined || l.shard === started.shard).map((l) => l.msg);
      expect(said).toContain('shard lost its worker (killed or frozen) once, more than LTV_MAX_STALLED (0) allows: it fails when next taken, and the run with it');
      expect(said).not.toContain('shard lost its worker (killed or frozen); picked up again');
      expect(said).toContain(`shard failed (not retried): ${line}`);
      // Nothing published; the run's intermediate files removed.
      expect((await readdir(h.reportsDir)).filter((f) => !f.startsWith('.'))).toEqual([]);
      expect(await readdir(join(h.reportsDir, '.shards', 'shop')).catch(() => [])).toEqual([]);
      await stop([rescuer]);
    } finally {
      await runs.close();
    }
  }, 300_000);

  it('fails as a whole, publishing nothing, when one shard fails for good; the message names the shard', async () => {
    // With ops recipients: the run's failure notice goes out once (written as an .eml file here).
    await h.writeJob('shop', { ...SHOP, email: { to: ['finance@example.com'], ops: ['ops@example.com'] } }, null);
    // This worker splits and merges but takes no shard, so the part files can be damaged before any shard reads them.
    // The shards' attempts are set by the worker that adds them (the splitter).
    const retries = { LTV_ATTEMPTS: '2', LTV_BACKOFF_MS: '100', LTV_EMAIL_DRY_RUN: '1' };
    const splitter = h.childWorker({ ...retries, LTV_SHARD_CONCURRENCY: '0' });
    await splitter.waitForLog('worker ready', (l) => l.msg === 'worker connected to redis, taking runs', 60_000);
    const runs = h.queue();
    try {
      const runId = (await enqueueRun(runs, h.jobsDir, 'shop', { source: 'cli' })).id;
      await waitFor('the run to wait for its shards', async () => (await runs.getJobState(runId)) === 'waiting-children', 60_000);
      // A real fault: part 1's Parquet file is truncated garbage on the shared volume.
      const shards = join(h.reportsDir, '.shards', 'shop');
      const [split] = await readdir(shards);
      const partDir = join(shards, split!, 'split', 'parts', 'part=1');
      for (const f of await readdir(partDir)) await writeFile(join(partDir, f), 'not parquet');
      const shardWorker = h.childWorker(retries);
      await waitFor('the run to fail', async () => (await runs.getJobState(runId)) === 'failed', 120_000);
      const failed = (await runs.getJob(runId))!;
      expect(failed.failedReason).toMatch(/^shard 1 of 4: cannot read its part .*part=1.*; nothing was published$/);
      // Retried alone, then failed for good: the other shards completed once each.
      expect(shardWorker.logs.filter((l) => l.msg === 'shard started' && l.shard === 1)).toHaveLength(2);
      expect(shardsDone(shardWorker)).toBe(SHARDS - 1);
      // Nothing published; the run's intermediate files removed.
      expect((await readdir(h.reportsDir)).sort()).toEqual(['.failed', '.shards']);
      expect(await readdir(shards)).toEqual([]);
      const notices = (await readdir(join(h.reportsDir, '.failed', 'notices'), { recursive: true })).filter((f) => f.endsWith('.eml'));
      expect(notices).toHaveLength(1);
      const eml = await readFile(join(h.reportsDir, '.failed', 'notices', notices[0]!), 'utf8');
      expect(eml).toMatch(/To: ops@example\.com/);
      expect(eml.replace(/=\r?\n/g, '')).toMatch(/shard 1 of 4: cannot read its part/);
      await stop([splitter, shardWorker]);
    } finally {
      await runs.close();
    }
  }, 180_000);
});

/**
 * Makes `dir` refuse changes to its entries (no file in it created or removed), as a read-only folder does
 * for its user: chattr +i as root (root passes any mode), chmod 555 otherwise. The undo, or undefined where
 * neither works (a container without CAP_LINUX_IMMUTABLE).
 */
async function lockFolder(dir: string): Promise<(() => Promise<void>) | undefined> {
  const run = promisify(execFile);
  try {
    if (process.getuid?.() === 0) {
      await run('chattr', ['+i', dir]);
      return async () => void (await run('chattr', ['-i', dir]));
    }
    await run('chmod', ['555', dir]);
    return async () => void (await run('chmod', ['755', dir]));
  } catch {
    return undefined;
  }
}

describe('a sharded run\'s temporary folder', () => {
  /** A small job of 2 shards; the run enqueued and split by a worker that takes no shard: its folder. */
  async function splitSmallRun(name: string): Promise<{ runs: ReturnType<Harness['queue']>; runId: string; root: string; splitter: ReturnType<Harness['childWorker']> }> {
    await h.writeJob(name, { tenant: 't1', as_of: '2026-03-01T00:00:00Z', forecast: { model: 'off' }, shards: 2 }, CSV);
    const splitter = h.childWorker({ LTV_SHARD_CONCURRENCY: '0', LTV_ATTEMPTS: '3', LTV_BACKOFF_MS: '100' });
    await splitter.waitForLog('worker ready', (l) => l.msg === 'worker connected to redis, taking runs', 60_000);
    const runs = h.queue();
    const runId = (await enqueueRun(runs, h.jobsDir, name, { source: 'cli' })).id;
    await waitFor('the run to wait for its shards', async () => (await runs.getJobState(runId)) === 'waiting-children', 60_000);
    const [split] = await readdir(join(h.reportsDir, '.shards', name));
    return { runs, runId, root: join(h.reportsDir, '.shards', name, split!), splitter };
  }

  const cleanupWarning = (root: string, cause: RegExp) => (l: Record<string, unknown>) =>
    l.level === 40 && typeof l.msg === 'string' && l.msg.startsWith(`could not remove the sharded run's temporary folder ${root} (`)
    && cause.test(l.msg) && l.msg.endsWith('); removed when the job next splits, or remove it yourself');

  it('that cannot be removed after the run published is a warning: the run completes, and the next split removes the folder', async ({ skip }) => {
    const { runs, runId, root, splitter } = await splitSmallRun('small');
    // The split's folder keeps its entries: the merge reads them, the removal after publishing fails (EPERM).
    const unlock = await lockFolder(join(root, 'split'));
    if (!unlock) {
      await stop([splitter]);
      await runs.close();
      return skip('neither chattr +i nor chmod makes a folder read-only here');
    }
    let locked = true;
    const shardWorker = h.childWorker({ LTV_CONCURRENCY: '1', LTV_ATTEMPTS: '3', LTV_BACKOFF_MS: '100' });
    const complete = (id: string) => waitFor('the run to complete', async () => {
      const state = await runs.getJobState(id);
      if (state === 'failed') throw new Error(`run failed: ${(await runs.getJob(id))?.failedReason}`);
      return state === 'completed';
    }, 60_000);
    try {
      await complete(runId);
      // Once, not retried ("run already published by an earlier attempt", then the same removal failing again).
      expect((await runs.getJob(runId))!.attemptsMade).toBe(1);
      const logs = [...splitter.logs, ...shardWorker.logs];
      // Node's rm says EPERM, EACCES, or (retrying an unlink refused as if the file were a folder) ENOTDIR.
      expect(logs.filter(cleanupWarning(root, /\((EPERM|EACCES|ENOTDIR): [^']+ '[^']*\/split\/[^']*'\)/))).toHaveLength(1);
      expect(logs.filter((l) => l.run === runId && /run failed/.test(String(l.msg)))).toEqual([]);
      expect(await readdir(join(h.reportsDir, 't1', 'runs'))).toEqual(['20260301T000000Z']);
      expect(await readdir(join(h.reportsDir, '.shards', 'small'))).toEqual([root.split('/').pop()]);

      // The next run's split tries the folder again: still locked, a warning, and that run completes too.
      const second = (await enqueueRun(runs, h.jobsDir, 'small', { source: 'cli' })).id;
      await complete(second);
      expect([...splitter.logs, ...shardWorker.logs].filter(cleanupWarning(root, /EPERM|EACCES|ENOTDIR/))).toHaveLength(2);
      await unlock();
      locked = false;
      // Unlocked: the next split removes it, and the run's own folder goes as it completes.
      const third = (await enqueueRun(runs, h.jobsDir, 'small', { source: 'cli' })).id;
      await complete(third);
      expect([...splitter.logs, ...shardWorker.logs].filter((l) => l.msg === 'removed the files of a superseded sharded run').map((l) => l.folder)).toEqual([root]);
      expect(await readdir(join(h.reportsDir, '.shards', 'small'))).toEqual([]);
      expect(await readdir(join(h.reportsDir, 't1', 'runs'))).toEqual(['20260301T000000Z', '20260301T000000Z-2', '20260301T000000Z-3']);
      await stop([splitter, shardWorker]);
    } finally {
      if (locked) await unlock();
      await runs.close();
    }
  }, 120_000);

  it('a shard that cannot write its output (a file where its folder must be) fails the run at once, naming the path', async () => {
    const { runs, runId, root, splitter } = await splitSmallRun('small');
    await writeFile(join(root, 'out'), 'in the way');
    const shardWorker = h.childWorker({ LTV_CONCURRENCY: '1', LTV_ATTEMPTS: '3', LTV_BACKOFF_MS: '100' });
    try {
      await waitFor('the run to fail', async () => (await runs.getJobState(runId)) === 'failed', 60_000);
      expect((await runs.getJob(runId))!.failedReason).toBe(`shard 0 of 2: cannot write ${join(root, 'out')} (ENOTDIR: a part of that path is a file, not a folder); nothing was published: move the file away, or set LTV_REPORTS_DIR to another directory (it overrides the job's "reports_dir") (and 1 more shards)`);
      // Not retried: each shard started once (it was LTV_ATTEMPTS times).
      expect(shardWorker.logs.filter((l) => l.msg === 'shard started').map((l) => l.shard).sort()).toEqual([0, 1]);
      expect((await readdir(h.reportsDir)).filter((f) => !f.startsWith('.'))).toEqual([]);
      expect(await readdir(join(h.reportsDir, '.shards', 'small'))).toEqual([]);
      await stop([splitter, shardWorker]);
    } finally {
      await runs.close();
    }
  }, 60_000);

  it('a shard refused a write (a read-only output folder) fails the run with that cause, never with the clean-up\'s', async ({ skip }) => {
    const { runs, runId, root, splitter } = await splitSmallRun('small');
    await mkdir(join(root, 'out'));
    // Read-only: the shards cannot write there, and the run's folder cannot be removed when it fails.
    const unlock = await lockFolder(join(root, 'out'));
    if (!unlock) {
      await stop([splitter]);
      await runs.close();
      return skip('neither chattr +i nor chmod makes a folder read-only here');
    }
    const shardWorker = h.childWorker({ LTV_CONCURRENCY: '1', LTV_ATTEMPTS: '3', LTV_BACKOFF_MS: '100' });
    try {
      await waitFor('the run to fail', async () => (await runs.getJobState(runId)) === 'failed', 60_000);
      const code = process.getuid?.() === 0 ? 'EPERM' : 'EACCES';
      // It was "EPERM: operation not permitted, rmdir '…/out'", the clean-up's error in place of the shard's.
      expect((await runs.getJob(runId))!.failedReason).toMatch(new RegExp(`^shard 0 of 2: cannot write ${join(root, 'out')}/shard-0\\.tmp-\\d+-[0-9a-f]{8} \\(${code}\\); nothing was published: make it writable, or set LTV_REPORTS_DIR to another directory \\(it overrides the job's "reports_dir"\\) \\(and 1 more shards\\)$`));
      expect(shardWorker.logs.filter((l) => l.msg === 'shard started').map((l) => l.shard).sort()).toEqual([0, 1]);
      // The clean-up's failure is a warning; the folder stays for the next split. (Root's out folder cannot be
      // removed; another user's empty read-only one can.)
      expect([...splitter.logs, ...shardWorker.logs].filter(cleanupWarning(root, /\(EPERM: .*out'\)/))).toHaveLength(code === 'EPERM' ? 1 : 0);
      expect((await readdir(h.reportsDir)).filter((f) => !f.startsWith('.'))).toEqual([]);
      await stop([splitter, shardWorker]);
    } finally {
      await unlock();
      await runs.close();
    }
  }, 60_000);
});

describe('a sharded run of a history too long for the day-by-day snapshots', () => {
  it('is refused at the merge, before any matrix, with the single-process run\'s message naming the tenant (a DATA error, not retried)', async () => {
    // One customer a day, 2004-01-01 … 2025-12-31, as test/integration/longHistory.test.ts: 8,036 daily cohorts, 2.3 GiB at least.
    const rows = ['customer_id,event_time,amount'];
    for (let t = Date.parse('2004-01-01T10:00:00Z'), i = 0; t < Date.parse('2026-01-01'); t += 86_400_000, i++) rows.push(`c${i},${new Date(t).toISOString()},10`);
    const dir = await mkdtemp(join(tmpdir(), 'ltv-shard-long-'));
    const worker = h.childWorker({ LTV_CONCURRENCY: '1', LTV_ATTEMPTS: '3', LTV_BACKOFF_MS: '100' });
    const runs = h.queue();
    try {
      await writeFile(join(dir, 'd.csv'), `${rows.join('\n')}\n`);
      const file = await h.writeJob('long', { tenant: 'd22', inputs: [{ path: join(dir, 'd.csv') }], as_of: '2026-01-01T00:00:00Z', forecast: { model: 'off' }, shards: 2 }, null);
      await worker.waitForLog('worker ready', (l) => l.msg === 'worker connected to redis, taking runs', 60_000);
      const runId = (await enqueueRun(runs, h.jobsDir, 'long', { source: 'cli' })).id;
      await waitFor('the run to fail', async () => (await runs.getJobState(runId)) === 'failed', 120_000);
      const failed = (await runs.getJob(runId))!;
      expect(failed.failedReason).toBe(`tenant "d22": 8,036 daily cohorts over 8,037 days (first payment 2004-01-01, as-of 2026-01-01) make its day-by-day Adapty snapshot (days-day-cohort) at least 2.3 GiB, above the 2.0 GiB limit on one body (README "Outputs and layout"): nothing was computed; leave the early years out of the input, or set "min_event_time" in ${file} to 2005-08-04 or later (now 1990-01-01T00:00:00Z; rows before it are quarantined and count toward max_bad_row_share) — at most 7,456 days of daily cohorts can fit, fewer with longer values`);
      // Not retried: a data error.
      expect(failed.attemptsMade).toBe(1);
      expect(await readdir(h.reportsDir).then((names) => names.filter((n) => n === 'd22'))).toEqual([]);
      await stop([worker]);
    } finally {
      await runs.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);
});

describe('a sharded run as of a time before every row', () => {
  it('fails at the merge as a single-process run does, naming where its as-of came from, and publishes nothing', async () => {
    // It published an empty report (after_as_of_rows 5, transactions 0), and moved `latest` to it.
    const dir = await mkdtemp(join(tmpdir(), 'ltv-shard-early-'));
    const worker = h.childWorker({ LTV_CONCURRENCY: '1', LTV_ATTEMPTS: '3', LTV_BACKOFF_MS: '100' });
    const runs = h.queue();
    try {
      await writeFile(join(dir, 's.csv'), `customer_id,event_time,amount\n${[1, 2, 3, 4, 5].map((i) => `c${i},2024-01-0${i}T10:00:00Z,10.00`).join('\n')}\n`);
      await h.writeJob('early', { tenant: 'e1', inputs: [{ path: join(dir, 's.csv') }], forecast: { model: 'off' }, shards: 2 }, null);
      await worker.waitForLog('worker ready', (l) => l.msg === 'worker connected to redis, taking runs', 60_000);
      const runId = (await enqueueRun(runs, h.jobsDir, 'early', { source: 'cli', asOf: new Date('2020-01-01T00:00:00Z') })).id;
      await waitFor('the run to fail', async () => (await runs.getJobState(runId)) === 'failed', 120_000);
      const failed = (await runs.getJob(runId))!;
      expect(failed.failedReason).toBe('every one of the 5 rows is after the as-of time 2020-01-01T00:00:00.000Z: nothing was published (the report would be empty); check the --as-of given to ltv enqueue: the data starts later');
      expect(failed.attemptsMade).toBe(1);
      expect(await readdir(h.reportsDir).then((names) => names.filter((n) => n === 'e1'))).toEqual([]);
      await stop([worker]);
    } finally {
      await runs.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);
});

describe('the --shards flag', () => {
  it('is refused by ltv run without a job file and checked by ltv run and ltv enqueue, each with one line', async () => {
    const file = await h.writeJob('shop', SHOP, null);
    // The job file's own field is checked when it is loaded.
    await h.writeJob('bad', { ...SHOP, shards: 0 }, null);
    // Four independent commands: started together rather than one after another.
    const [run, beside, range, enqueue, bad] = await Promise.all([
      h.cli(['run', '--input', 'e.csv', '--shards', '4']),
      h.cli(['run', file, '--shards', '2', '--out', 'x', '--memory-limit', '2GB']),
      h.cli(['run', file, '--shards', '0']),
      h.cli(['enqueue', 'shop', '--shards', '65']),
      h.cli(['enqueue', 'bad']),
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('ltv: --shards runs a job file on the workers, which read everything from it: give a job file and put "inputs[].path" in it instead of --input (ltv run jobs/<job>.json --shards 4)\n');
    // Beside a job file, the fields of that file to set (it said "give a job file and put --out in it").
    expect([beside.code, beside.stderr]).toEqual([1, `ltv: --shards runs a job file on the workers, which read everything from it: put "reports_dir", "duckdb.memory_limit" in ${file} instead of --out, --memory-limit (ltv run ${file} --shards 2)\n`]);
    expect(range.code).toBe(1);
    expect(range.stderr).toBe('ltv: --shards: "0" is not a whole number from 1 to 64\n');
    expect(enqueue.code).toBe(1);
    expect(enqueue.stderr).toBe('ltv: --shards: "65" is not a whole number from 1 to 64\n');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^ltv: .*bad\.json: shards: .*\n$/);
  }, 60_000);
});
