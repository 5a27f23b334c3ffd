// The one BullMQ queue every run goes through: scheduled firings, `ltv enqueue` and the HTTP route all add
// the same job shape, so the worker has one code path and a run's id is always its BullMQ job id (what
// users see; the run's idempotency key is another, never reused: processRun.runKey).
import { sep } from 'node:path';
import { Queue, type JobsOptions } from 'bullmq';
import type { Logger } from 'pino';
import type { Env } from '../config/env.js';
import type { RunResult } from '../pipeline.js';
import type { ShardedState } from './shardFlow.js';
import { redisOptions, type RedisRole } from './redisConnection.js';
import { SCHEDULE_SETTINGS } from './scheduleFirings.js';
import { shellWord } from '../format/shellWord.js';

export const RUN_QUEUE = 'runs';

export interface RunData {
  /** The job file, relative to the jobs directory (so workers on other machines find their own copy). */
  file: string;
  /** As-of time of an on-demand run, fixed when it is enqueued; scheduled runs use their slot instead. */
  asOf?: string;
  source: 'schedule' | 'cli' | 'http';
  /** Whoever enqueued it gave asOf (`ltv enqueue --as-of`, the run request's `as_of`): an error about it names that. */
  asOfGiven?: boolean;
  /**
   * On-demand runs: a random key fixed when the run is enqueued, its idempotency key (processRun.runKey);
   * unlike the BullMQ id it is never handed out again after Redis lost its data.
   */
  key?: string;
  /**
   * Runs added over HTTP with an Idempotency-Key: the request they were added for (runRoutes.requestPrint),
   * so the same key sent with another request is told apart from a retry of this one.
   */
  request?: string;
  /** Scheduled runs: fingerprint of the scheduler definition, to tell whether a sync must update it. */
  schedule?: string;
  /** `ltv enqueue --shards N`: overrides the job's `shards` for this run (SPEC §12). */
  shards?: number;
  /** A sharded run's progress through its steps (shardFlow.ts), set by the worker. */
  sharded?: ShardedState;
}

export type RunQueue = Queue<RunData, RunResult>;

/**
 * Why a job file's name cannot name a queued run's file (RunData.file), or null: controls (C0, C1: U+0085 ends
 * a line for some readers), line and paragraph separators and bidi overrides (U+202E reversed the rest of a
 * logged line), or more than 255 characters. The worker refuses such a run (processRun.payloadProblem), so
 * the producers refuse such a file first: a schedule registered for "cr\r\nlf.json" failed at every firing.
 */
export function jobFileNameProblem(name: string): string | null {
  if (name.length > 255) return 'longer than 255 characters';
  return /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(name) ? 'it holds a control character' : null;
}

/**
 * A job's file in the jobs folder: `*.json`, not hidden, not the JSON Schema that documents the jobs. The
 * worker loads, schedules and runs every such file, whatever else its name holds (listJobFiles).
 */
export function isJobFileName(fileName: string): boolean {
  return fileName.endsWith('.json') && !fileName.startsWith('.') && !fileName.endsWith('.schema.json');
}

/**
 * Why `name` names no job the worker would load (`<name>.json` in the jobs folder), or null: the one rule of
 * every place that takes a job's name (ltv enqueue, POST /api/v1/runs, the metrics' ltv_job label). Spaces,
 * quotes, backslashes and accents are fine (BullMQ's names and scheduler ids, and the Redis keys ltv makes
 * of them, hold any text); a path is not.
 */
export function jobNameProblem(name: string): string | null {
  if (name === '') return 'it is empty';
  if (name.includes('/') || name.includes(sep)) return `it holds a "${name.includes('/') ? '/' : sep}": a job name is its file's name in the jobs folder, not a path`;
  if (!isJobFileName(`${name}.json`)) return name.startsWith('.') ? 'it starts with ".", and such files are no jobs' : 'it ends in ".schema", and such files are no jobs';
  return jobFileNameProblem(`${name}.json`);
}

/** Retries and bounded retention for every run (DEPENDENCIES.md: jobs are kept forever unless bounded). */
export function runJobOptions(env: Env): JobsOptions {
  const keep = { age: Math.round(env.LTV_KEEP_DAYS * 86_400), count: env.LTV_KEEP_COUNT };
  return {
    attempts: env.LTV_ATTEMPTS,
    backoff: { type: 'exponential', delay: env.LTV_BACKOFF_MS },
    removeOnComplete: keep,
    removeOnFail: keep,
  };
}

/** The command that runs a job's firing at `slot` by hand, for a message about a firing that will not run. */
export function enqueueSlotCommand(name: string, slot: number): string {
  return `ltv enqueue ${shellWord(name)} --as-of ${new Date(slot).toISOString()}`;
}

/**
 * A job's firing at `slot` added outside its scheduler, when the scheduler lost it (re-registered, or Redis
 * lost its data). Its id and idempotency key are the firing's own (`repeat:<job>:<slot>`): added once
 * however many workers add it, never beside the firing itself, and a run of it that already published is
 * found (processRun.runKey). Its as-of time is the slot, as the firing's. False when the id is taken.
 */
export async function addSlotRun(queue: RunQueue, name: string, file: string, slot: number, env: Env): Promise<boolean> {
  const id = `repeat:${name}:${slot}`;
  if (await queue.getJob(id)) return false;
  await queue.add(name, { file, source: 'schedule', asOf: new Date(slot).toISOString(), key: id }, { ...runJobOptions(env), jobId: id });
  return true;
}

/**
 * A run's attempts, and whether the attempt under way is its last: its attempts are set when it is added (by `ltv enqueue`,
 * `ltv serve` or the schedule, from that process's LTV_ATTEMPTS), capped by this worker's LTV_ATTEMPTS, so an
 * operator's limit on the workers holds for every run. The worker ends a run there itself (processRun.ts).
 */
export function attemptsOf(job: { opts: { attempts?: number } }, env: Pick<Env, 'LTV_ATTEMPTS'>): number {
  return Math.min(job.opts.attempts ?? 1, env.LTV_ATTEMPTS);
}

export function lastAttempt(job: { attemptsMade: number; opts: { attempts?: number } }, env: Pick<Env, 'LTV_ATTEMPTS'>): boolean {
  return job.attemptsMade + 1 >= attemptsOf(job, env);
}

export function openRunQueue(env: Env, role: RedisRole, logger: Logger): RunQueue {
  const queue: RunQueue = new Queue<RunData, RunResult>(RUN_QUEUE, {
    connection: redisOptions(env, role, logger, `${role}-queue`),
    prefix: env.LTV_QUEUE_PREFIX,
    defaultJobOptions: runJobOptions(env),
    settings: SCHEDULE_SETTINGS,
  });
  // Without a listener an 'error' event would crash the process; reconnection is logged by the strategy.
  queue.on('error', (e) => logger.debug({ err: e }, 'queue connection error'));
  return queue;
}
