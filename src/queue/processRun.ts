// What a worker does with one queued run: load its job file, take the job's run lock, run the shared
// pipeline with the run's fixed as-of time, and translate the outcome into BullMQ's terms (retry, fail
// for good, wait for the lock, hand back on shutdown).
import { basename, isAbsolute, resolve } from 'node:path';
import { DelayedError, UnrecoverableError, WaitingChildrenError, WaitingError, type Job as QueuedJob } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { AppError, isAppError } from '../config/AppError.js';
import { asOfProblem } from '../config/parseAsOf.js';
import { escapedInvisible, quotedName } from '../format/listed.js';
import type { Env } from '../config/env.js';
import { MAX_SHARDS, type Job } from '../config/jobSchema.js';
import { jobFromText, readJobText } from '../config/loadJob.js';
import { withDuckdbDefaults } from '../config/withDuckdbDefaults.js';
import type { NotifyOutcome } from '../notify/deliverOnce.js';
import { reportsDirOf, runPipeline, type Progress, type RowsChecked, type RunResult } from '../pipeline.js';
import { removeDeadStagingIn } from '../publish/publishRun.js';
import { acquireRunLock, runLockKey } from './runLock.js';
import type { ShardRuntime } from './shardFlow.js';
import { attemptsOf, jobFileNameProblem, lastAttempt, RUN_QUEUE, type RunData } from './runQueue.js';
import { childLogger } from '../config/childLogger.js';

/**
 * Attempts that gave up their queue lock themselves to wait in the queue (a sharded run waiting for its
 * shards, shardFlow.ts): BullMQ's cancel that follows is no lost lock.
 */
export const yieldedLock = new WeakSet<object>();

/**
 * Failures processRun has logged, in one line naming the job and the cause: the worker's 'failed' listener
 * (startWorker) logs only the others. Each failure was two or three lines, one of them an AppError's stack.
 */
export const loggedFailures = new WeakSet<object>();

function logged<E>(e: E): E {
  if (typeof e === 'object' && e !== null) loggedFailures.add(e);
  return e;
}

export interface RunProcessorDeps {
  env: Env;
  jobsDir: string;
  /** Our own connection for run locks (BullMQ's are not exposed as plain ioredis clients). */
  redis: Redis;
  logger: Logger;
  /** Aborted when the shutdown grace period is over: runs still going are cancelled and handed back. */
  shutdown: AbortSignal;
  /** Told of each failure notice's outcome (SPEC §11 email metrics). */
  onNotify?: (job: string, o: NotifyOutcome) => void;
  /**
   * Told of an attempt stopped because its run lock or queue lock is gone: if Redis lost its data, the run
   * went with it, and nothing retries it unless its worker adds it again (startWorker).
   */
  onRunStopped?: (job: QueuedJob<RunData, RunResult>) => void;
  /**
   * Told of an attempt that published but fails for its unsent run emails (SPEC §11 metrics): its result,
   * where a completed run's emails and stage durations are counted, is never seen (the retry only sends).
   */
  onUnsentRunEmails?: (job: string, result: RunResult, unsent: readonly NotifyOutcome[]) => void;
  /** Told of the rows a run read and set aside before it failed for good (SPEC §11 metrics: it has no RunResult). */
  onFailedRunRows?: (job: string, rows: RowsChecked) => void;
  /** Sharded runs (SPEC §12, shardFlow.ts). */
  sharded?: ShardRuntime;
  /**
   * The last valid definition of a job file of the jobs folder (its name there), or null (JobCatalog): a run
   * whose file is invalid now (a half-saved edit) sends its failure notice to that definition's ops.
   */
  lastValidJob?: (fileName: string) => Promise<Job | null>;
}

/**
 * SPEC §7: a scheduled run's as-of time is its slot (the scheduler stamps it on the firing as `prevMillis`,
 * also the tail of the id `repeat:<job>:<millis>`), an on-demand run's is fixed when it is enqueued. Never
 * the attempt's start: a retried or recovered run computes the same numbers under the same run-id.
 */
export function runAsOf(job: Pick<QueuedJob<RunData>, 'data' | 'opts' | 'repeatJobKey' | 'timestamp'>): Date {
  const slot = job.repeatJobKey ? job.opts.prevMillis : undefined;
  if (typeof slot === 'number' && slot > 0) return new Date(slot);
  if (job.data.asOf) return new Date(job.data.asOf);
  return new Date(job.timestamp);
}

/** Where a run's as-of came from when whoever enqueued it gave it (RunEffects.asOfFrom), else undefined. */
function asOfFrom(job: Pick<QueuedJob<RunData>, 'data' | 'opts' | 'repeatJobKey'>): string | undefined {
  if (job.repeatJobKey || !job.data.asOfGiven) return undefined;
  return job.data.source === 'http' ? 'the "as_of" in the body of the run request (POST /api/v1/runs)' : 'the --as-of given to ltv enqueue';
}

/**
 * The run's idempotency key (manifest `idempotency_key`): what a retried or recovered attempt finds its
 * published report by. Never the bare BullMQ id, which starts again at 1 when Redis loses its data: an
 * on-demand run carries a random key in its data (enqueueRun); a scheduled run is its job and slot
 * (`repeat:<job>:<slot>`); a run added without a key is its id and the time it was added.
 */
export function runKey(job: Pick<QueuedJob<RunData>, 'id' | 'data' | 'repeatJobKey' | 'timestamp'>): string {
  if (job.data.key) return job.data.key;
  if (job.repeatJobKey && job.id?.startsWith('repeat:')) return job.id;
  return `${job.id ?? '?'}@${job.timestamp}`;
}

export function resolveJobFile(jobsDir: string, file: string): string {
  return isAbsolute(file) ? file : resolve(jobsDir, file);
}

export { withDuckdbDefaults };

/** BullMQ's own limit of stalls, out of the way (runs and shards): ltv applies LTV_MAX_STALLED in its own words. */
export const UNLIMITED_STALLS = 1_000_000;

/** SPEC §7: a run (or shard) whose worker stopped mid-run more often than LTV_MAX_STALLED allows; one line to act on. */
export function stalledTooOften(times: number, max: number): AppError {
  return new AppError('STALLED',
    `the worker running it stopped ${times === 1 ? 'once' : `${times} times`} without finishing (killed, out of memory, or frozen longer than LTV_LOCK_DURATION_MS?), more than LTV_MAX_STALLED (${max}) allows, so it is not tried again: give the worker more memory (or lower LTV_CONCURRENCY or LTV_DUCKDB_MEMORY_LIMIT), or raise LTV_MAX_STALLED`,
    { retryable: false });
}

/**
 * What is wrong with a queued run's data that ltv's own producers never write (runQueue.ts RunData), or
 * null: a job file name that is no text, an as-of time that is no time, a shard count that is no whole
 * number. One line naming the field and the run.
 */
export function payloadProblem(job: Pick<QueuedJob<RunData>, 'id' | 'data'>): string | null {
  const d = job.data as Partial<Record<keyof RunData, unknown>> | null | undefined;
  const run = `queued run ${job.id ?? '?'}`;
  const again = 'add it again with ltv enqueue <job> or POST /api/v1/runs';
  if (d === null || typeof d !== 'object') return `${run} has no data (a job file name and an as-of time): ${again}`;
  // Quoted on one line and cut (the reason is stored in Redis and logged): a name with a line break or a page
  // of text, which no producer of ltv's writes, made a reason as long.
  if (typeof d.file !== 'string' || d.file.trim() === '') {
    // The value as JSON writes it (5, null, "", {"a":…}), cut: quoted again, 5 read as the name "5".
    const shown = d.file === undefined ? 'missing' : Array.from(escapedInvisible(JSON.stringify(d.file) ?? String(d.file)));
    return `${run}: its job file name (data.file) is ${typeof shown === 'string' ? shown : shown.length > 80 ? `${shown.slice(0, 80).join('')}…` : shown.join('')}, not a file name: ${again}`;
  }
  const nameWhy = jobFileNameProblem(d.file);
  if (nameWhy) return `${run}: its job file name (data.file) ${quotedName(d.file, 80)} is not a file name (${nameWhy}): ${again}`;
  // The rule of --as-of (asOfProblem): Date.parse reads text that is no ISO time, and rolls 2026-02-30 over.
  const asOfWhy = d.asOf === undefined ? null : typeof d.asOf === 'string' ? asOfProblem(d.asOf) : `${JSON.stringify(d.asOf).slice(0, 80)} is not an ISO 8601 time`;
  if (asOfWhy !== null) return `${run}: its as-of time (data.asOf) ${asOfWhy}: ${again}`;
  if (d.shards !== undefined && !(typeof d.shards === 'number' && Number.isInteger(d.shards) && d.shards >= 1 && d.shards <= MAX_SHARDS)) {
    return `${run}: its shard count (data.shards) ${JSON.stringify(d.shards).slice(0, 80)} is not a whole number from 1 to ${MAX_SHARDS}: ${again}`;
  }
  return null;
}

function unrecoverable(message: string): UnrecoverableError {
  return new UnrecoverableError(message);
}

export function createRunProcessor(deps: RunProcessorDeps) {
  const { env, jobsDir, redis, shutdown } = deps;

  return async function processRun(job: QueuedJob<RunData, RunResult>, token?: string, cancel?: AbortSignal): Promise<RunResult> {
    const id = job.id ?? '?';
    let log = deps.logger.child({ run: id });
    // Anything may be added to the queue (a script of the operator's, another version): a payload that
    // ltv enqueue and the run route never write fails for good in one line, before any lock is taken.
    const malformed = payloadProblem(job);
    if (malformed) {
      log.error(`run failed (not retried): ${malformed}`);
      throw logged(unrecoverable(malformed));
    }
    const file = resolveJobFile(jobsDir, job.data.file);
    let def: Job;
    // SPEC §12: a sharded run past its split merges with the definition its split read (shardFlow.ts), not
    // the file as it is now: an edit in between published a report of neither version.
    const carried = job.data.sharded?.job;
    let jobText: string;
    try {
      jobText = typeof carried === 'string' ? carried : await readJobText(file);
      def = withDuckdbDefaults(jobFromText(file, jobText), env);
    } catch (e) {
      // A job file this worker lacks: deleted since the run was queued, or a worker whose jobs folder is
      // not the one the others read (each must read the same).
      const missing = isAppError(e) && e.message.startsWith(`${file}: no such job file:`)
        ? `${file}: no such job file: it was removed, or this worker's jobs folder (${jobsDir}) is not the one the run was queued from (every worker of a queue must read the same jobs folder)` : null;
      if (!isAppError(e)) throw e;
      const message = missing ?? e.message;
      log.warn({ job: job.name, code: e.code }, `run failed${e.retryable ? '' : ' (not retried)'}: ${message}`);
      if (e.retryable) throw logged(e);
      // An invalid file (a half-saved edit at the tick) names no recipients: its last valid version does, as
      // for the job's metrics (README). The run failed without a notice. A removed file's job is gone: none.
      const known = !missing && resolveJobFile(jobsDir, basename(file)) === file;
      const last = known ? await deps.lastValidJob?.(basename(file)).catch(() => null) : null;
      if (last) {
        const { notifyFailure } = await import('../notify/notifyFailure.js');
        const notice = await notifyFailure(last, e, { logger: log.child({ job: last.name, tenant: last.tenant }), asOf: runAsOf(job), reportsDir: reportsDirOf(last, env.LTV_REPORTS_DIR ? resolve(env.LTV_REPORTS_DIR) : undefined) });
        if (notice) deps.onNotify?.(last.name, notice);
      }
      throw logged(unrecoverable(message));
    }
    const asOf = runAsOf(job);
    const key = runKey(job);
    // The key tells attempts apart where the id does not (ids start again at 1 when Redis loses its data).
    log = childLogger(deps.logger, { job: def.name, tenant: def.tenant, run: id, key });
    const reportsDir = env.LTV_REPORTS_DIR ? resolve(env.LTV_REPORTS_DIR) : undefined;

    // A run that keeps killing its worker (out of memory, say) must stop somewhere. Here, not in BullMQ
    // (startWorker gives it no limit of its own): BullMQ failed such a run with its own words ("job stalled
    // more than allowable limit") before any of ours ran, so no failure notice went out; and it never fails
    // a scheduled one (DEPENDENCIES.md).
    if (job.stalledCounter > env.LTV_MAX_STALLED) {
      const e = stalledTooOften(job.stalledCounter, env.LTV_MAX_STALLED);
      log.error({ stalled: job.stalledCounter, max_stalled: env.LTV_MAX_STALLED }, `run failed (not retried): ${e.message}`);
      const { notifyFailure } = await import('../notify/notifyFailure.js');
      const notice = await notifyFailure(def, e, { logger: log, asOf, reportsDir: reportsDirOf(def, reportsDir) });
      if (notice) deps.onNotify?.(def.name, notice);
      throw logged(unrecoverable(e.message));
    }

    const lock = await acquireRunLock(redis, runLockKey(env.LTV_QUEUE_PREFIX, RUN_QUEUE, def.name, def.tenant), env.LTV_LOCK_DURATION_MS, log);
    if (!lock) {
      // Another run of this job is going: wait for it without spending an attempt. Jitter spreads the
      // retries of several waiting runs.
      const wait = env.LTV_LOCK_RETRY_MS * (0.75 + Math.random() / 2);
      // Said once at info; each retry after it (every LTV_LOCK_RETRY_MS, 5 s by default, for as long as the
      // other run lasts) at debug: the run's progress already says it waits.
      const again = (job.progress as Partial<Progress> | undefined)?.stage === 'waiting';
      log[again ? 'debug' : 'info']({ retry_in_ms: Math.round(wait) }, 'another run of this job is in progress; waiting');
      // Said in the run's progress: its state alone (`delayed`) reads like a retry's backoff. Advisory, as
      // all progress is: a Redis hiccup here must not stop the wait.
      const waiting: Progress = { stage: 'waiting', percent: 0, message: 'another run of this job is in progress; this one starts when it ends' };
      await job.updateProgress({ ...waiting }).catch((e: unknown) => log.debug({ err: e }, 'progress not recorded'));
      await job.moveToDelayed(Date.now() + wait, token);
      throw new DelayedError();
    }

    // BullMQ's cancel: the attempt lost its queue lock (startWorker). One line, whichever lock is found
    // gone first, however often BullMQ says so.
    cancel?.addEventListener('abort', () => {
      // A run handed back at shutdown gives up its queue lock itself (moveToWait): BullMQ's cancel then is
      // no loss to report (it was logged at error level right after "run handed back"). So does a sharded
      // run that waits for its shards (moveToWaitingChildren: "stopping this run now" came right after
      // "split done; waiting for the shards", in 2 of 15 runs).
      if (lock.lost.aborted || shutdown.aborted || yieldedLock.has(job)) return;
      lock.stop();
      log.error({ reason: String(cancel.reason) }, 'run lost its queue lock; stopping this run now');
    }, { once: true });
    const signals = [shutdown, lock.lost, ...(cancel ? [cancel] : [])];
    const signal = AbortSignal.any(signals);
    const started = Date.now();
    let rowsChecked: RowsChecked | undefined;
    // From here on every way out releases the lock (a throw before the try kept it renewed for good, and
    // every later run of the job and tenant waited for it).
    try {
      log.info({ as_of: asOf.toISOString(), attempt: job.attemptsMade + 1, source: job.data.source, file }, 'run started');
      // Holding the lock, no other attempt of this job can publish: what dead ones left is removed now,
      // whether or not this attempt gets as far as publishing.
      const stale = await removeDeadStagingIn(reportsDirOf(def, reportsDir), def.name);
      if (stale.length) log.info({ removed: stale }, 'removed staging directories of attempts that can no longer publish');
      const result = await (deps.sharded?.pipelineFor(job, token, jobText) ?? runPipeline)(def, {
        logger: log,
        asOf,
        ...(asOfFrom(job) ? { asOfFrom: asOfFrom(job)! } : {}),
        ...(reportsDir ? { reportsDir, reportsDirFrom: 'LTV_REPORTS_DIR' as const } : {}),
        idempotencyKey: key,
        signal,
        // Published only while the lock is confirmed ours: a stale attempt never publishes beside a new run.
        beforePublish: () => lock.confirm(),
        // A failure notice goes out only when no retry follows (a retried run that succeeds sends none).
        finalAttempt: lastAttempt(job, env),
        onNotify: (o) => deps.onNotify?.(def.name, o),
        onRowsChecked: (rows) => (rowsChecked = rows),
        onProgress: (p: Progress) => {
          // A stopped attempt's job id may be a new run's by now (Redis lost its data): leave it alone.
          if (signal.aborted) return;
          // Progress is advisory: a Redis hiccup must not fail (or stall) the run itself.
          job.updateProgress({ ...p }).catch((e: unknown) => log.debug({ err: e }, 'progress not recorded'));
        },
      });
      // SPEC §7: SMTP is a transient failure like Redis. An email still failing at LTV_EMAIL_DEADLINE was
      // given up for good (nothing retries a completed run): the attempt fails instead, and the retry
      // finds the run published and only sends (its record says `failed`, never `sent`: no second copy).
      // The last attempt completes the run without it, as before. An email whose record cannot be written on
      // a full disk is deferred the same way (notifyRun with finalAttempt false sends nothing and says
      // retryable); on the last attempt it is sent all the same, without its record.
      const unsent = (result.notify ?? []).filter((n) => n.retryable);
      if (unsent.length > 0 && !lastAttempt(job, env)) {
        const why = unsent.map((n) => `${String(n.key.tenant)}: ${n.error?.message ?? 'not sent'}`).join('; ');
        const cause = unsent.every((n) => n.error?.code === 'RECORD') ? 'its record cannot be written: the reports disk is full' : 'SMTP still failing';
        log.warn({ attempt: job.attemptsMade + 1, unsent: unsent.map((n) => n.key) }, `run published; its email is not sent yet (${cause}): retried with backoff`);
        deps.onUnsentRunEmails?.(def.name, result, unsent);
        throw logged(new AppError('TRANSIENT', `the run is published but its email is not sent yet (${why}); retried with backoff`));
      }
      // The tenants and, in the same order, their run ids (the ids were labelled "tenants").
      log.info({ duration_ms: Date.now() - started, tenants: result.tenants.map((t) => t.tenant), runs: result.tenants.map((t) => t.runId) }, 'run completed');
      return result;
    } catch (e) {
      if (e instanceof WaitingChildrenError) throw e; // a sharded run waits for its shards (shardFlow.ts)
      if (shutdown.aborted && !lock.lost.aborted) {
        // Hand the run back without spending an attempt: the next worker starts it again from scratch,
        // and the pipeline published nothing (SPEC §7 "finishes or hands back the current run").
        log.warn({ duration_ms: Date.now() - started }, 'shutting down: run handed back to the queue');
        await job.moveToWait(token);
        throw new WaitingError();
      }
      if (lock.lost.aborted) {
        // Logged once by the lock; no stack. BullMQ retries the run if it still exists (another run of the
        // job may hold the lock by then: it waits for it); if it does not, its worker adds it again.
        deps.onRunStopped?.(job);
        throw new Error(String((lock.lost.reason as Error | undefined)?.message ?? 'run lock lost'));
      }
      if (cancel?.aborted) {
        // Logged once above; the run is another attempt's now (BullMQ refuses this one's outcome), or gone.
        deps.onRunStopped?.(job);
        throw new Error(`run stopped: ${String(cancel.reason)}`);
      }
      // A run failing for good counts the rows it read (a retried one counts them when it ends): the rows
      // of a run with too many bad ones were in no counter, and the quarantine-share alert missed the worst case.
      const countRows = (): void => void (rowsChecked && deps.onFailedRunRows?.(def.name, rowsChecked));
      if (isAppError(e) && !e.retryable) {
        countRows();
        log.warn({ code: e.code }, `run failed (not retried): ${e.message}`);
        throw logged(unrecoverable(e.message));
      }
      // The last attempt by this worker's count too (lastAttempt): BullMQ would go by the adder's alone.
      const last = lastAttempt(job, env);
      const message = e instanceof Error ? e.message : String(e);
      // An expected condition (AppError: Redis, SMTP, a file still growing) is its message; a stack only for
      // what ltv did not expect.
      if (!loggedFailures.has(e as object)) {
        log.warn({ ...(isAppError(e) ? { code: e.code } : { err: e }), attempt: job.attemptsMade + 1, attempts: attemptsOf(job, env) },
          `run failed; ${last ? 'that was its last attempt' : 'retried with backoff'}: ${message}`);
      }
      if (last) {
        countRows();
        throw logged(unrecoverable(message));
      }
      throw logged(e);
    } finally {
      await lock.release();
    }
  };
}
