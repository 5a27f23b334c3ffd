// SPEC §12 on BullMQ: a run with `shards: N` is a parent job with N child jobs (a flow). The run's own job
// splits the inputs (src/shard/splitRun.ts), adds one child per part to the shard queue through a
// FlowProducer (all N atomically), and waits in BullMQ's waiting-children state, holding no worker and no
// lock. Any worker on any host takes any shard; BullMQ moves the parent back to the queue when every child
// is finished (completed, or failed for good), and the worker that takes it merges, renders, publishes and
// emails once, through the single-process code (pipeline.ts runStages). Progress: the parent's progress
// carries `shards: {done, total, failed}`, updated as each shard ends.
import { randomBytes } from 'node:crypto';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { FlowProducer, Job as BullJob, UnrecoverableError, WaitingChildrenError, WaitingError, Worker, type Job as QueuedJob } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { AppError, isAppError } from '../config/AppError.js';
import type { Env } from '../config/env.js';
import type { Job } from '../config/jobSchema.js';
import { jobFromText, loadJob } from '../config/loadJob.js';
import { anotherReportsDir, checkReportsDir, noticeFailure, reportsDirFix, reportsDirOf, runPipeline, runStages, startRun, type Progress, type RunEffects, type RunResult } from '../pipeline.js';
import { makeDirs } from '../publish/makeDirs.js';
import { computeShard, shardLabel, type ShardResult } from '../shard/computeShard.js';
import { mergeShards } from '../shard/mergeShards.js';
import { SHARDS_DIR, shardPaths } from '../shard/shardPaths.js';
import { splitRun, type SplitManifest } from '../shard/splitRun.js';
import { closeWithin, handbackMs, settleWithin } from './closeWithin.js';
import { resolveJobFile, stalledTooOften, UNLIMITED_STALLS, withDuckdbDefaults, yieldedLock } from './processRun.js';
import { readRedisMark } from './readRedisMark.js';
import { redisOptions } from './redisConnection.js';
import { renewalIntervalMs } from './runLock.js';
import { SCHEDULE_SETTINGS } from './scheduleFirings.js';
import { addSlotRun, enqueueSlotCommand, lastAttempt, runJobOptions, type RunData, type RunQueue } from './runQueue.js';

/** The queue of shard jobs (children of runs in the run queue). */
export const SHARD_QUEUE = 'run-shards';

/** A sharded run's state, kept in its job's data so that a retaken or resumed run goes on where it was. */
export interface ShardedState {
  /** Random: names the run's folder under .shards/ and its children's ids. */
  id: string;
  split: SplitManifest;
  /** The children are in the shard queue. */
  added: boolean;
  /**
   * The job file's text the split read: the shards and the merge use it, not the file as it is now (a run
   * has one definition, as a single-process run does). Absent in a state an older release wrote.
   */
  job?: string;
}

export interface ShardData {
  /** The job file, as in RunData. */
  file: string;
  asOf: string;
  /** The parent run's id (progress) and its sharded state's id (files). */
  run: string;
  split: string;
  shard: number;
  manifest: SplitManifest;
  /** The job file's text the split read (ShardedState.job); absent in a shard an older release added. */
  job?: string;
  /**
   * The parent run's name and data as queued (without its sharded state): what a worker that ran a shard adds
   * again if Redis loses the run (KnownRun). Absent in a shard an older release added.
   */
  parent?: { name: string; data: RunData };
}

/**
 * A sharded run this worker split or ran a shard of. Its parent waits in waiting-children held by no worker:
 * if Redis loses its data, no lock is found gone and nothing else knows the run, so whoever knows it adds it
 * again (recoverLost). Forgotten once the run is seen finished.
 */
interface KnownRun {
  id: string;
  name: string;
  /** As queued; undefined from a shard an older release added (the run is then said lost). */
  data: RunData | undefined;
  file: string;
  asOf: Date;
  job: string | undefined;
  split: string;
  /** The Redis data mark (readRedisMark) when this worker learnt of the run. */
  mark: string;
}

/** The owner record of a run's folder under .shards/ (superseded folders are found by it). */
const OWNER = 'owner.json';
/** The parent run's progress while its shards compute: from the compute stage's start to this, by shards done. */
const SHARDS_START_PERCENT = 35;
const SHARDS_DONE_PERCENT = 65;

export interface ShardRuntime {
  /**
   * What processRun runs in place of runPipeline for this run: its sharded steps (split and wait, or
   * merge) when the run has more than one shard (`ltv enqueue --shards`, else the job's `shards`), else undefined.
   */
  pipelineFor(job: QueuedJob<RunData, RunResult>, token: string | undefined, jobText: string): ((def: Job, effects: RunEffects) => Promise<RunResult>) | undefined;
  /** `jobText`: the job file's text `def` was read from (ShardedState.job). */
  runSharded(def: Job, effects: RunEffects, job: QueuedJob<RunData, RunResult>, token: string | undefined, shards: number, jobText: string): Promise<RunResult>;
  /** Recovers the known sharded runs Redis lost (startWorker calls it when Redis answers again). */
  checkKnown(): Promise<void>;
  /** Starts taking shards (startWorker calls it once the worker's metrics listener is up). */
  start(): void;
  /** `away`: whether Redis is unreachable now (then a close with nothing to hand back waits for nothing). */
  close(graceMs: number, away?: () => boolean): Promise<void>;
}

/** How often a worker that knows sharded runs checks whether Redis still has them (KnownRun). */
const KNOWN_CHECK_MS = 5_000;
/** How long the claim to re-add a lost run (or say it lost) is kept: once, however many workers know it. */
const LOST_CLAIM_MS = 86_400_000;

/** `redis`: the worker's own client (its run locks'), for the Redis data mark (readRedisMark) and claims. */
export function startShardRuntime(env: Env, jobsDir: string, runQueue: RunQueue, logger: Logger, workerShutdown: AbortSignal, redis: Redis): ShardRuntime {
  const readMark = () => readRedisMark(redis, env.LTV_QUEUE_PREFIX);
  // Shards are aborted (and handed back) when the worker's runs are, or when their own grace period is over.
  const graceOver = new AbortController();
  const shutdown = AbortSignal.any([workerShutdown, graceOver.signal]);
  const flow = new FlowProducer({ connection: redisOptions(env, 'worker', logger, 'shard-flow'), prefix: env.LTV_QUEUE_PREFIX });
  flow.on('error', (e) => logger.debug({ err: e }, 'flow producer connection error'));
  const reportsDir = (def: Job) => reportsDirOf(def, env.LTV_REPORTS_DIR ? resolve(env.LTV_REPORTS_DIR) : undefined);
  const reportsDirFrom = env.LTV_REPORTS_DIR ? 'LTV_REPORTS_DIR' as const : undefined;
  // A shard reads the definition its run's split read (ShardData.job); the file only when added by an older release.
  const loadDef = async (file: string, text: string | undefined): Promise<Job> => {
    const path = resolveJobFile(jobsDir, file);
    try {
      return withDuckdbDefaults(typeof text === 'string' ? jobFromText(path, text) : await loadJob(path), env);
    } catch (e) {
      throw isAppError(e) && !e.retryable ? new UnrecoverableError(e.message) : e;
    }
  };

  // Sharded runs this worker knows of, by the parent's id (KnownRun).
  const known = new Map<string, KnownRun>();
  let checking: Promise<void> | null = null;
  let checkTimer: NodeJS.Timeout | undefined;
  const know = async (run: Omit<KnownRun, 'mark'>): Promise<void> => {
    const mark = await readMark().catch(() => null);
    if (mark === null || known.has(run.id)) return;
    known.set(run.id, { ...run, mark });
    checkTimer ??= setInterval(() => void checkKnown(), KNOWN_CHECK_MS).unref();
  };
  // A run Redis lost with its data: added again under its own id where that id is the run's (a firing's, an
  // on-demand run's key), by one worker however many know it; else said lost in one line, with the command
  // that runs it again, and ops get the failure notice of a failed run. Its folder under .shards/ goes.
  const recoverLost = async (run: KnownRun): Promise<void> => {
    const claimed = await redis.set(`${env.LTV_QUEUE_PREFIX}:lost-run:${run.id}:${run.split}`, '1', 'PX', LOST_CLAIM_MS, 'NX');
    known.delete(run.id);
    if (claimed !== 'OK') return;
    const def = await loadDef(run.file, run.job);
    const log = logger.child({ job: run.name, run: run.id, ...(run.data?.key ? { key: run.data.key } : {}) });
    await removeRunFolder(shardPaths(reportsDir(def), def.name, run.split).root, log);
    const lost = 'redis lost its data during this sharded run (restarted without persistence?)';
    const there = await runQueue.getJob(run.id);
    if (there && (run.data?.key === undefined || there.data.key === run.data.key)) return; // added again already
    if (!there && run.data && run.data.key === run.id) {
      const { attempts, backoff, removeOnComplete, removeOnFail } = runJobOptions(env);
      await runQueue.add(run.name, run.data, { attempts, backoff, removeOnComplete, removeOnFail, jobId: run.id });
    } else if (!there && run.data && run.id.startsWith('repeat:')) {
      if (!(await addSlotRun(runQueue, run.name, run.data.file, run.asOf.getTime(), env))) return;
    } else {
      const why = run.data ? `its id ${run.id} is BullMQ's counter, which Redis started again` : 'its shard was added by an older release, which kept too little to add it';
      const message = `${lost}: it is not added again, since ${why}; to run it: ${enqueueSlotCommand(run.name, run.asOf.getTime())}`;
      log.error(message);
      const { notifyFailure } = await import('../notify/notifyFailure.js');
      await notifyFailure(def, new AppError('TRANSIENT', message), { logger: log.child({ tenant: def.tenant }), asOf: run.asOf, reportsDir: reportsDir(def) });
      return;
    }
    log.warn(`${lost}: the run is added again under its id ${run.id} and starts over`);
  };
  // Redis lost its data since a known run was learnt of: recovered; a run seen finished (or gone, Redis
  // keeping its data) is forgotten. One check at a time; a Redis away answers nothing: checked again later.
  const checkKnown = (): Promise<void> => (checking ??= (async () => {
    try {
      const mark = await readMark();
      for (const run of [...known.values()]) {
        if (run.mark !== mark) {
          await recoverLost(run).catch((e: unknown) => logger.warn({ run: run.id, err_message: (e as Error).message },
            `cannot add again the sharded run redis lost (${(e as Error).message}): if it is not queued, run it again: ${enqueueSlotCommand(run.name, run.asOf.getTime())}`));
          continue;
        }
        const state = await runQueue.getJobState(run.id);
        if (state === 'completed' || state === 'failed' || state === 'unknown') known.delete(run.id);
      }
    } catch {
      // Redis away: the next check
    } finally {
      checking = null;
      if (known.size === 0 && checkTimer) {
        clearInterval(checkTimer);
        checkTimer = undefined;
      }
    }
  })());

  // Shards whose processor has not returned yet (closing with none and Redis away waits for nothing).
  let activeShards = 0;
  const processShard = async (job: QueuedJob<ShardData, ShardResult>, token: string | undefined): Promise<ShardResult> => {
    const d = job.data;
    const label = shardLabel(d.shard, d.manifest.shards);
    const log = logger.child({ run: d.run, shard: d.shard });
    // BullMQ's own limit is out of the way (maxStalledCount below): it failed the shard with its own words
    // ("job stalled more than allowable limit"), and the run with them.
    if (job.stalledCounter > env.LTV_MAX_STALLED) {
      const e = stalledTooOften(job.stalledCounter, env.LTV_MAX_STALLED);
      log.error({ stalled: job.stalledCounter, max_stalled: env.LTV_MAX_STALLED }, `shard failed (not retried): ${e.message}`);
      throw new UnrecoverableError(`${label}: ${e.message}`);
    }
    const def = await loadDef(d.file, d.job);
    log.info({ attempt: job.attemptsMade + 1, rows: d.manifest.partRows[d.shard] }, 'shard started');
    await know({ id: d.run, name: d.parent?.name ?? def.name, data: d.parent?.data, file: d.file, asOf: new Date(d.asOf), job: d.job, split: d.split });
    try {
      const result = await computeShard(def, {
        asOf: new Date(d.asOf), paths: shardPaths(reportsDir(def), def.name, d.split), shard: d.shard, split: d.manifest,
        logger: log, signal: shutdown, reportsDir: reportsDir(def), another: anotherReportsDir(def, reportsDirFrom),
      });
      log.info({ ms: result.ms, rows: result.rows }, 'shard done');
      return result;
    } catch (e) {
      if (shutdown.aborted) {
        log.warn('shutting down: shard handed back to the queue');
        await job.moveToWait(token);
        throw new WaitingError();
      }
      const message = (e as Error).message.startsWith(label) ? (e as Error).message : `${label}: ${(e as Error).message}`;
      if (isAppError(e) && !e.retryable) throw new UnrecoverableError(message);
      throw new Error(message);
    }
  };
  // The shard worker: absent with LTV_SHARD_CONCURRENCY=0 (a host that only splits and merges).
  const concurrency = env.LTV_SHARD_CONCURRENCY ?? env.LTV_CONCURRENCY;
  const worker = concurrency === 0 ? null : new Worker<ShardData, ShardResult>(
    SHARD_QUEUE,
    async (job, token) => {
      activeShards++;
      try {
        return await processShard(job, token);
      } finally {
        activeShards--;
        // Redis flushed while the shard computed (its connections kept): its run is found lost now.
        void checkKnown();
      }
    },
    {
      connection: redisOptions(env, 'worker', logger, 'shard-worker'),
      prefix: env.LTV_QUEUE_PREFIX,
      autorun: false,
      concurrency,
      lockDuration: env.LTV_LOCK_DURATION_MS,
      // As the run worker's (startWorker.ts): a short outage does not cost a shard its lock.
      lockRenewTime: renewalIntervalMs(env.LTV_LOCK_DURATION_MS),
      stalledInterval: env.LTV_STALLED_INTERVAL_MS,
      maxStalledCount: UNLIMITED_STALLS,
      settings: SCHEDULE_SETTINGS,
    },
  );
  // Progress of the parent: shards finished of all, read back from BullMQ's own dependency counts.
  const report = async (job: QueuedJob<ShardData, ShardResult> | undefined): Promise<void> => {
    if (!job) return;
    const parent = await BullJob.fromId<RunData, RunResult>(runQueue, job.data.run);
    if (!parent) return;
    const c = await parent.getDependenciesCount();
    const total = job.data.manifest.shards;
    const failed = (c.failed ?? 0) + (c.ignored ?? 0);
    const done = (c.processed ?? 0) + failed;
    await parent.updateProgress({
      stage: 'compute', percent: SHARDS_START_PERCENT + Math.round(((SHARDS_DONE_PERCENT - SHARDS_START_PERCENT) * done) / total), rows: job.data.manifest.check.rows,
      message: `shards ${done} of ${total} done${failed ? `, ${failed} failed` : ''}`, shards: { done, total, failed },
    });
  };
  worker?.on('completed', (job) => void report(job).catch(() => {}));
  worker?.on('failed', (job, e) => {
    const final = job !== undefined && (job.finishedOn !== undefined || e.name === 'UnrecoverableError');
    logger.warn({ run: job?.data.run, shard: job?.data.shard, final }, `shard failed${final ? '' : ', will retry'}: ${e.message}`);
    if (final) void report(job).catch(() => {});
  });
  worker?.on('stalled', (id) => {
    void BullJob.fromId<ShardData, ShardResult>(worker, id).then((job) => job?.stalledCounter, () => undefined).then((times) => {
      const max = env.LTV_MAX_STALLED;
      if (times !== undefined && times > max) {
        logger.warn({ shard_job: id, stalled: times, max_stalled: max }, `shard lost its worker (killed or frozen) ${times === 1 ? 'once' : `${times} times`}, more than LTV_MAX_STALLED (${max}) allows: it fails when next taken, and the run with it`);
      } else {
        logger.warn({ shard_job: id, ...(times === undefined ? {} : { stalled: times }), max_stalled: max }, 'shard lost its worker (killed or frozen); picked up again');
      }
    });
  });
  worker?.on('error', (e) => logger.debug({ err: e }, 'shard worker error'));

  return {
    checkKnown,
    start() {
      if (worker && !worker.closing) worker.run().catch((e: unknown) => worker.emit('error', e as Error));
    },
    pipelineFor(job, token, jobText) {
      return (def, effects) => {
        const shards = job.data.shards ?? def.shards;
        return shards > 1 ? this.runSharded(def, effects, job, token, shards, jobText) : runPipeline(def, effects);
      };
    },
    async runSharded(def, effects, job, token, shards, jobText) {
      const log = effects.logger;
      const dir = reportsDir(def);
      let state = job.data.sharded;
      if (!state) {
        const id = randomBytes(6).toString('hex');
        const paths = shardPaths(dir, def.name, id);
        await checkReportsDir(dir, reportsDirFix(def, reportsDirFrom), anotherReportsDir(def, reportsDirFrom));
        await makeDirs(paths.root);
        await writeFile(join(paths.root, OWNER), JSON.stringify({ run: job.id }));
        await removeSuperseded(dir, def.name, id, runQueue, log);
        const run = startRun(def, { ...effects, reportsDir: dir });
        try {
          const split = await splitRun(run, shards, paths);
          state = { id, split, added: false, job: jobText };
          await job.updateData({ ...job.data, sharded: state });
        } catch (e) {
          // The next attempt splits again into a folder of its own.
          await removeRunFolder(paths.root, log);
          await noticeFailure(run, e);
          throw e;
        } finally {
          run.deadline.disarm(); // the split's own limit; the merge's runs in runStages
        }
      }
      const paths = shardPaths(dir, def.name, state.id);
      const { sharded: _state, ...queued } = job.data;
      await know({ id: job.id!, name: job.name, data: queued, file: job.data.file, asOf: effects.asOf!, job: state.job, split: state.id });
      if (!state.added) {
        const keep = runJobOptions(env);
        await flow.addBulk(Array.from({ length: shards }, (_, k) => ({
          name: 'shard',
          queueName: SHARD_QUEUE,
          data: {
            file: job.data.file, asOf: effects.asOf!.toISOString(), run: job.id!, split: state!.id, shard: k, manifest: state!.split,
            ...(state!.job === undefined ? {} : { job: state!.job }),
            parent: { name: job.name, data: queued },
          } satisfies ShardData,
          opts: {
            jobId: `${state!.id}-${k}`,
            parent: { id: job.id!, queue: job.queueQualifiedName },
            // A shard failing for good does not fail the run at once: the run is resumed and fails with the
            // shard's own message, and removes the run's files (BullMQ's own parent failure would not).
            ignoreDependencyOnFailure: true,
            attempts: keep.attempts ?? 1,
            ...(keep.backoff ? { backoff: keep.backoff } : {}),
            ...(keep.removeOnComplete !== undefined ? { removeOnComplete: keep.removeOnComplete } : {}),
            ...(keep.removeOnFail !== undefined ? { removeOnFail: keep.removeOnFail } : {}),
          },
        })));
        state = { ...state, added: true };
        await job.updateData({ ...job.data, sharded: state });
        await job.updateProgress({
          stage: 'compute', percent: SHARDS_START_PERCENT, rows: state.split.check.rows, message: `shards 0 of ${shards} done`, shards: { done: 0, total: shards, failed: 0 },
        });
        log.info({ shards, split: state.id, part_rows: state.split.partRows }, 'split done; waiting for the shards');
      }
      // Marked before the call: BullMQ's cancel for the lock it gives up may come as soon as it answers.
      yieldedLock.add(job);
      let waiting = false;
      try {
        waiting = await job.moveToWaitingChildren(token ?? '');
      } finally {
        if (!waiting) yieldedLock.delete(job);
      }
      if (waiting) throw new WaitingChildrenError();

      // Every shard is finished: merge, or fail with the failed shard's own message.
      try {
        const failures = Object.values(await job.getIgnoredChildrenFailures());
        if (failures.length) {
          const first = failures.sort()[0]!;
          // A shard's storage error says it already (pipeline.ts storageError), as a single-process run's does.
          const said = first.includes('nothing was published');
          const failed = new AppError('DATA', `${first}${failures.length > 1 ? ` (and ${failures.length - 1} more shards)` : ''}${said ? '' : '; nothing was published'}`);
          await noticeFailure(startRun(def, { ...effects, reportsDir: dir }), failed);
          throw failed;
        }
        const results = Object.values(await job.getChildrenValues<ShardResult>()).sort((a, b) => a.shard - b.shard);
        if (results.length !== state.split.shards) throw new AppError('INTERNAL', `${results.length} of ${state.split.shards} shards reported a result`);
        const split = state.split;
        // The merge goes through the stages from ingest (0 %) again: its progress never falls below where
        // the shards left the run's, or a watcher (enqueue --wait, the admin route) saw it go backwards.
        const onProgress = effects.onProgress;
        const merging = onProgress ? { ...effects, onProgress: (p: Progress) => onProgress({ ...p, percent: Math.max(p.percent, SHARDS_DONE_PERCENT) }) } : effects;
        const result = await runStages(def, merging, (run, rw) => mergeShards(run, rw, { paths, split, results }));
        // Published: the folder left by a removal that fails is housekeeping's, not the run's failure (the run
        // was retried, "already published", and failed again on the same folder).
        await removeRunFolder(paths.root, log);
        return result;
      } catch (e) {
        // Kept for a retry of the merge; removed when the run has failed for good.
        const final = (isAppError(e) && !e.retryable) || lastAttempt(job, env);
        // Its removal failing must not replace the run's error (an "EPERM … rmdir …/out" was all a user saw).
        if (final && !effects.signal?.aborted) await removeRunFolder(paths.root, log);
        throw e;
      }
    },
    async close(graceMs, away = () => false) {
      clearInterval(checkTimer);
      if (worker) {
        // As the run worker: stop taking shards at once, let the current ones finish while most of the
        // grace period lasts, then hand them back (another worker takes them), never waiting on Redis for
        // long, and not at all with no shard in progress and Redis away.
        const closed = worker.close();
        const handback = handbackMs(graceMs);
        const idleAway = () => activeShards === 0 && away();
        let outcome = await settleWithin(closed, Math.max(graceMs - handback, 0), idleAway);
        if (outcome === 'timeout') {
          graceOver.abort(new Error('worker shutting down'));
          outcome = await settleWithin(closed, handback, idleAway);
        }
        if (outcome !== 'settled') void worker.disconnect().catch(() => {});
      }
      await closeWithin(flow, 2_000, away);
    },
  };
}

/**
 * Folders under .shards/<job>/ of runs that ended without removing them (a run failed by BullMQ itself, say
 * after its worker died too often) or that a new split superseded: removed when a run of the job splits.
 */
async function removeSuperseded(reportsDir: string, jobName: string, current: string, queue: RunQueue, log: Logger): Promise<void> {
  const base = join(reportsDir, SHARDS_DIR, encodeURIComponent(jobName));
  for (const name of await readdir(base).catch(() => [] as string[])) {
    if (name === current) continue;
    const owner = await readFile(join(base, name, OWNER), 'utf8').then((t) => (JSON.parse(t) as { run?: string }).run, () => undefined);
    const run = owner ? await queue.getJob(owner) : undefined;
    const state = run ? await run.getState() : 'unknown';
    if (run?.data.sharded?.id === name && ['active', 'waiting', 'waiting-children', 'delayed', 'prioritized'].includes(state)) continue;
    if (await removeRunFolder(join(base, name), log)) log.info({ folder: join(base, name), run: owner ?? null, state }, 'removed the files of a superseded sharded run');
  }
}

/**
 * Removes a sharded run's folder under .shards/; whether it could. Housekeeping: a removal that fails (a file
 * that cannot be deleted) is a warning, never a run's failure nor in place of its error; the folder is tried
 * again when the job next splits (it failed every later run of the job there too).
 */
async function removeRunFolder(folder: string, log: Logger): Promise<boolean> {
  try {
    await rm(folder, { recursive: true, force: true });
    return true;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    log.warn({ folder, err_code: err.code }, `could not remove the sharded run's temporary folder ${folder} (${err.message}); removed when the job next splits, or remove it yourself`);
    return false;
  }
}
