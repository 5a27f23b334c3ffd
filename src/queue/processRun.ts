// What a worker does with one queued run: load its job file, take the job's run lock, run the shared
// pipeline with the run's fixed as-of time, and translate the outcome into BullMQ's terms (retry, fail
// for good, wait for the lock, hand back on shutdown).
import { isAbsolute, resolve } from 'node:path';
import { DelayedError, UnrecoverableError, WaitingChildrenError, WaitingError, type Job as QueuedJob } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { isAppError } from '../config/AppError.js';
import type { Env } from '../config/env.js';
import type { Job } from '../config/jobSchema.js';
import { loadJob } from '../config/loadJob.js';
import type { NotifyOutcome } from '../notify/deliverOnce.js';
import { runPipeline, type Progress, type RunResult } from '../pipeline.js';
import { acquireRunLock, runLockKey } from './runLock.js';
import type { ShardRuntime } from './shardFlow.js';
import { RUN_QUEUE, type RunData } from './runQueue.js';

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
  /** Sharded runs (SPEC §12, shardFlow.ts). */
  sharded?: ShardRuntime;
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

export function resolveJobFile(jobsDir: string, file: string): string {
  return isAbsolute(file) ? file : resolve(jobsDir, file);
}

/** The job's `duckdb` block wins; the environment fills what it leaves out. */
export function withDuckdbDefaults(job: Job, env: Env): Job {
  const threads = job.duckdb.threads ?? env.LTV_DUCKDB_THREADS;
  const memory_limit = job.duckdb.memory_limit ?? env.LTV_DUCKDB_MEMORY_LIMIT;
  if (threads === job.duckdb.threads && memory_limit === job.duckdb.memory_limit) return job;
  const duckdb = { ...job.duckdb, ...(threads ? { threads } : {}), ...(memory_limit ? { memory_limit } : {}) };
  return Object.freeze({ ...job, duckdb: Object.freeze(duckdb) });
}

function unrecoverable(message: string): UnrecoverableError {
  return new UnrecoverableError(message);
}

export function createRunProcessor(deps: RunProcessorDeps) {
  const { env, jobsDir, redis, shutdown } = deps;

  return async function processRun(job: QueuedJob<RunData, RunResult>, token?: string, cancel?: AbortSignal): Promise<RunResult> {
    const id = job.id ?? '?';
    let log = deps.logger.child({ run: id });
    // BullMQ never fails a stalled scheduled run by itself (DEPENDENCIES.md); a run that keeps killing its
    // worker (out of memory, say) must stop somewhere.
    if (job.stalledCounter > env.LTV_MAX_STALLED) {
      throw unrecoverable(`run ${id} was interrupted ${job.stalledCounter} times (its worker died or froze); giving up`);
    }
    const file = resolveJobFile(jobsDir, job.data.file);
    let def: Job;
    try {
      def = withDuckdbDefaults(await loadJob(file), env);
    } catch (e) {
      throw isAppError(e) && !e.retryable ? unrecoverable(e.message) : e;
    }
    const asOf = runAsOf(job);
    log = deps.logger.child({ job: def.name, tenant: def.tenant, run: id });

    const lock = await acquireRunLock(redis, runLockKey(env.LTV_QUEUE_PREFIX, RUN_QUEUE, def.name, def.tenant), env.LTV_LOCK_DURATION_MS, log);
    if (!lock) {
      // Another run of this job is going: wait for it without spending an attempt. Jitter spreads the
      // retries of several waiting runs.
      const wait = env.LTV_LOCK_RETRY_MS * (0.75 + Math.random() / 2);
      log.info({ retry_in_ms: Math.round(wait) }, 'another run of this job is in progress; waiting');
      await job.moveToDelayed(Date.now() + wait, token);
      throw new DelayedError();
    }

    const signals = [shutdown, lock.lost, ...(cancel ? [cancel] : [])];
    const signal = AbortSignal.any(signals);
    const started = Date.now();
    log.info({ as_of: asOf.toISOString(), attempt: job.attemptsMade + 1, source: job.data.source, file }, 'run started');
    try {
      const result = await (deps.sharded?.pipelineFor(job, token) ?? runPipeline)(def, {
        logger: log,
        asOf,
        ...(env.LTV_REPORTS_DIR ? { reportsDir: resolve(env.LTV_REPORTS_DIR) } : {}),
        idempotencyKey: id,
        signal,
        // A failure notice goes out only when no retry follows (a retried run that succeeds sends none).
        finalAttempt: job.attemptsMade + 1 >= (job.opts.attempts ?? 1),
        onNotify: (o) => deps.onNotify?.(def.name, o),
        onProgress: (p: Progress) => {
          // Progress is advisory: a Redis hiccup must not fail (or stall) the run itself.
          job.updateProgress({ ...p }).catch((e: unknown) => log.debug({ err: e }, 'progress not recorded'));
        },
      });
      log.info({ duration_ms: Date.now() - started, tenants: result.tenants.map((t) => t.runId) }, 'run completed');
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
        // job may hold the lock by then: it waits for it).
        throw new Error(String((lock.lost.reason as Error | undefined)?.message ?? 'run lock lost'));
      }
      if (isAppError(e) && !e.retryable) {
        log.warn({ code: e.code, err_message: e.message }, 'run failed (not retried)');
        throw unrecoverable(e.message);
      }
      log.warn({ err: e, attempt: job.attemptsMade + 1, attempts: job.opts.attempts ?? 1 }, 'run failed; retried with backoff while attempts remain');
      throw e;
    } finally {
      await lock.release();
    }
  };
}
