// On-demand runs (SPEC §7): `ltv enqueue` and the HTTP route add the same job a schedule fires, with the
// as-of time fixed now, so every retry of the run computes the same numbers. The run id is the BullMQ job id:
// its key, a UUID never handed out again (or, for a request with an Idempotency-Key, one made from that key:
// runRoutes.ts, so a retry of the request names the same run).
import { randomUUID } from 'node:crypto';
import { access } from 'node:fs/promises';
import { basename, isAbsolute, relative, resolve, sep } from 'node:path';
import { QueueEvents, type Job as QueuedJob } from 'bullmq';
import type { Logger } from 'pino';
import { AppError, isAppError } from '../config/AppError.js';
import type { Env } from '../config/env.js';
import type { Job } from '../config/jobSchema.js';
import { loadJob } from '../config/loadJob.js';
import { futureAsOfError } from '../config/parseAsOf.js';
import type { Progress, RunResult } from '../pipeline.js';
import { closeWithin } from './closeWithin.js';
import { isRedisConnectionError, redisLabel, redisOptions, redisRefused } from './redisConnection.js';
import { jobFileNameProblem, jobNameProblem, RUN_QUEUE, type RunData, type RunQueue } from './runQueue.js';
import { quotedName } from '../format/listed.js';

/**
 * Why `ref` (a name, ".json" or not) names no job, in one line, or null. The names the worker loads, every one
 * of them (jobNameProblem): "my job" was refused here, and by the HTTP route, while its schedule ran.
 */
export function jobNameRefusal(ref: string): string | null {
  const why = jobNameProblem(ref.replace(/\.json$/, ''));
  return why && `${quotedName(ref, 80)} is not a job name (${why}): give the name of a job file in the jobs folder without .json, e.g. "nightly"`;
}

/**
 * `nightly` names jobs/nightly.json; on the command line, anything with a slash or a `.json` ending is a
 * path. `nameOnly` (the HTTP route): a name, always in the jobs directory ("nightly.json" is jobs/nightly.json;
 * it was read as a path from serve's working folder, so an admin key could run or read any .json file there),
 * and messages name the folder as "the jobs folder", not its path on the server. The file is stored relative
 * to the jobs directory when it lies inside it, so workers elsewhere find their own copy.
 */
export async function resolveJobRef(jobsDir: string, ref: string, { nameOnly = false }: { nameOnly?: boolean } = {}): Promise<{ path: string; file: string }> {
  const dir = resolve(jobsDir);
  const isPath = !nameOnly && (ref.includes('/') || ref.includes(sep) || ref.endsWith('.json'));
  const name = nameOnly ? ref.replace(/\.json$/, '') : ref;
  const refused = isPath ? null : jobNameRefusal(ref);
  if (refused) throw new AppError('VALIDATION', refused);
  const path = isPath ? resolve(ref) : resolve(dir, `${name}.json`);
  // The worker refuses a run whose file name holds a control character (processRun.payloadProblem): refused here.
  const fileWhy = jobFileNameProblem(basename(path));
  if (fileWhy) throw new AppError('VALIDATION', `${quotedName(ref, 80)}: a job file's name cannot name a queued run (${fileWhy}): rename the file`);
  try {
    await access(path);
  } catch {
    throw new AppError('NOT_FOUND', isPath ? await noSuchPath(ref, dir) : `no job "${name}" in ${nameOnly ? 'the jobs folder' : dir} (looked for ${name}.json)`);
  }
  const rel = relative(dir, path);
  return { path, file: rel.startsWith('..') || isAbsolute(rel) ? path : rel };
}

/**
 * A path argument that names no file. It is read from the current directory, which users forget: `ltv enqueue
 * alpha2.json` run elsewhere than in the jobs folder said only "no such job file", alpha2 being a job there.
 */
async function noSuchPath(ref: string, dir: string): Promise<string> {
  const here = `the current directory, ${process.cwd()}`;
  const name = basename(ref).replace(/\.json$/, '');
  const job = jobNameRefusal(name) ? null : await access(resolve(dir, `${name}.json`)).then(() => name, () => null);
  return job
    ? `${ref}: no such job file (read as a path from ${here}); for the job in ${dir} give its name: ${job}`
    : `${ref}: no such job file (an argument with a "/" or ending in .json is read as a path from ${here}; a job in ${dir} is given by its name, e.g. nightly for nightly.json)`;
}

/** `p`, or `late()` thrown once `ms` have passed without it settling (p itself goes on). */
async function settleWithin<T>(p: Promise<T>, ms: number, late: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(late()), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** A queue or its events: ready once connected, and the connection's errors (a refused login among them). */
interface RedisClientOf {
  waitUntilReady(): Promise<unknown>;
  on(event: 'error', listener: (e: Error) => void): unknown;
  off(event: 'error', listener: (e: Error) => void): unknown;
}

/**
 * Fails fast with a one-line reason instead of hanging while Redis is unreachable; at once, saying so, when
 * Redis refuses REDIS_URL's login (that is no outage to wait out: "is it running?" sent users the wrong way).
 */
export async function waitForRedis(queue: RedisClientOf, env: Env): Promise<void> {
  let onError: ((e: Error) => void) | undefined;
  const refused = new Promise<never>((_, reject) => {
    onError = (e) => {
      // A refused database comes before the connection is ready (which it then is, in database 0).
      const login = redisRefused(e, env.REDIS_URL);
      if (login) reject(login);
    };
    queue.on('error', onError);
  });
  try {
    await settleWithin(Promise.race([queue.waitUntilReady().catch((e: unknown) => { throw redisRefused(e, env.REDIS_URL) ?? e; }), refused]),
      env.LTV_CONNECT_TIMEOUT_MS, () =>
        new AppError('TRANSIENT', `cannot reach Redis at ${redisLabel(env.REDIS_URL)} within ${env.LTV_CONNECT_TIMEOUT_MS} ms (is it running? REDIS_URL)`, { status: 503 }));
  } finally {
    queue.off('error', onError!);
  }
}

/**
 * A command's failure because the connection to Redis is down (ioredis fails a producer's commands at once
 * then: its offline queue is off), as the one-line transient error a route answers with 503; null for any
 * other error. Seen after a connection that was ready broke: waitForRedis has nothing to wait for then.
 * `loginRefusal`: the connection's remembered login refusal (watchLoginRefusal), named instead when there is one.
 */
export function redisGone(e: unknown, env: Env, outcome: string, loginRefusal?: () => AppError | null): AppError | null {
  if (!isRedisConnectionError(e)) return null;
  // A connection that was ready and then had its login refused (a rotated password) fails commands as
  // "Connection is closed": its own errors say why (watchLoginRefusal), and that is what to fix.
  const refused = loginRefusal?.();
  if (refused) return refused;
  return new AppError('TRANSIENT', `Redis at ${redisLabel(env.REDIS_URL)} is not connected: ${outcome}; try again in a few seconds`, { status: 503 });
}

/**
 * Redis commands of a caller that must answer (the HTTP route), bounded by LTV_CONNECT_TIMEOUT_MS: a connected
 * Redis that answers nothing (frozen, swapping, a dead peer TCP has not noticed) would hold them for ever.
 */
export async function answerWithin<T>(p: Promise<T>, env: Env, outcome: string): Promise<T> {
  return settleWithin(p, env.LTV_CONNECT_TIMEOUT_MS, () =>
    new AppError('TRANSIENT', `Redis at ${redisLabel(env.REDIS_URL)} did not answer within ${env.LTV_CONNECT_TIMEOUT_MS} ms (LTV_CONNECT_TIMEOUT_MS): ${outcome}; try again in a few seconds`, { status: 503 }));
}

export interface EnqueuedRun {
  id: string;
  job: Job;
  asOf: Date;
  queued: QueuedJob<RunData, RunResult>;
}

export async function enqueueRun(
  queue: RunQueue,
  jobsDir: string,
  ref: string,
  opts: {
    asOf?: Date;
    source: 'cli' | 'http';
    /** SPEC §12: overrides the job's `shards`. */
    shards?: number;
    /** Given, the add waits at most LTV_CONNECT_TIMEOUT_MS, then is withdrawn (addWithin): `ltv enqueue`, the HTTP route. */
    env?: Env;
    /**
     * The run's id and key instead of a random one (POST /api/v1/runs with an Idempotency-Key): BullMQ adds
     * nothing under an id it holds, so a retry racing the first request cannot add a second run.
     */
    key?: string;
    /** RunData.request. */
    request?: string;
  },
): Promise<EnqueuedRun> {
  const http = opts.source === 'http';
  const { path, file } = await resolveJobRef(jobsDir, ref, { nameOnly: http });
  // Validated here too, so a typo is reported to whoever enqueued it rather than only in the worker's log.
  // Over HTTP the file is named as in the jobs folder, not by its path on the server.
  const job = await loadJob(path).catch((e: unknown) => {
    throw http && isAppError(e) ? new AppError(e.code, e.message.split(path).join(file), { cause: e }) : e;
  });
  const asOf = opts.asOf ?? (job.as_of ? new Date(job.as_of) : new Date());
  // The job file's own time is named as such (the route answers it 422, an invalid job); a time given by
  // the caller was checked by the caller in its own words (flag or request body).
  const instead = opts.source === 'http' ? '"as_of" in the request body' : '--as-of';
  const future = futureAsOfError(asOf, opts.asOf ? undefined : `give an earlier "as_of" in the job file ${file} (or one as ${instead})`);
  if (future) throw new AppError('VALIDATION', future);
  const key = opts.key ?? randomUUID();
  // A run added on demand is known by its key: the id a client keeps must never name another run (BullMQ's
  // own ids start again at 1 after Redis lost its data), and an add that Redis does not answer can be
  // withdrawn by it (addWithin). With BullMQ's counter id, `ltv enqueue` against a frozen Redis hung, and
  // its add, run when Redis resumed, was a second run beside the one the user enqueued again.
  const data: RunData = { file, asOf: asOf.toISOString(), source: opts.source, key, ...(opts.asOf ? { asOfGiven: true } : {}), ...(opts.request ? { request: opts.request } : {}), ...(opts.shards ? { shards: opts.shards } : {}) };
  const queued = opts.env ? await addWithin(queue, job.name, data, key, opts.env) : await queue.add(job.name, data, { jobId: key });
  if (!queued.id) throw new AppError('INTERNAL', 'the queue returned no run id');
  return { id: queued.id, job, asOf, queued };
}

/**
 * Adds a run whose id is known beforehand, answering within LTV_CONNECT_TIMEOUT_MS. An add Redis has not
 * answered by then is already on the connection's socket: a frozen Redis runs it when it resumes, however the
 * caller gave up. So it is withdrawn: its removal is sent on the same connection, right behind it, and Redis
 * runs a connection's commands in order, the removal straight after the add, before any worker can take the
 * run. The caller's "not added" then stays true. (Removed again when the add's late answer comes, in case the
 * removal ever ran first.)
 */
async function addWithin(queue: RunQueue, name: string, data: RunData, jobId: string, env: Env): Promise<QueuedJob<RunData, RunResult>> {
  const adding = queue.add(name, data, { jobId });
  try {
    return await answerWithin(adding, env, 'the run was not added');
  } catch (e) {
    const withdraw = (): Promise<unknown> => queue.remove(jobId).catch(() => undefined);
    void withdraw();
    adding.then(withdraw, () => undefined);
    throw e;
  }
}

/** Listens for a run's progress and outcome; open it before adding the run, or early events are missed. */
export async function openRunEvents(env: Env, logger: Logger): Promise<QueueEvents> {
  const events = new QueueEvents(RUN_QUEUE, { connection: redisOptions(env, 'worker', logger, 'enqueue-events'), prefix: env.LTV_QUEUE_PREFIX });
  events.on('error', () => {}); // reconnection is logged by the retry strategy
  try {
    await waitForRedis(events, env);
  } catch (e) {
    await closeWithin(events, 1_000);
    throw e;
  }
  return events;
}

/** Resolves with the run's result, or rejects with AppError carrying the run's own failure message. */
/** How often a waiter checks that its run is still the one under its id (waitForRun). */
const RUN_CHECK_MS = 2_000;

/**
 * Follows a run to its end. BullMQ follows the bare id, which Redis hands out again after it lost its data
 * (a restart without persistence): the waiter would hang for ever, or report the success of another run
 * that got the same id. So the run is checked by its key (RunData.key, never handed out again) every
 * RUN_CHECK_MS and once it has finished: gone, or another run under its id, is an error saying so.
 * The same check settles a run that has finished when its event was never seen: QueueEvents reads the
 * event stream from the moment its first XREAD is sent, which BullMQ issues only after a round trip of its
 * own once the connection is ready, so an event written in between is lost to it (a waiter once hung
 * until its test's timeout).
 */
export async function waitForRun(
  events: QueueEvents,
  run: QueuedJob<RunData, RunResult>,
  onProgress: (p: Progress) => void,
  queue?: RunQueue,
): Promise<RunResult> {
  const listener = ({ jobId, data }: { jobId: string; data: unknown }) => {
    if (jobId === run.id && data && typeof data === 'object' && 'stage' in data) onProgress(data as Progress);
  };
  const lost = (now: QueuedJob<RunData, RunResult> | undefined): AppError | null => {
    if (now && now.data.key === run.data.key) return null;
    return new AppError('TRANSIENT',
      `run ${run.id}: ${now ? 'its id now names another run' : 'it is no longer in Redis'} (Redis lost its data, e.g. a restart without persistence): its outcome is unknown; see the reports directory, or enqueue it again`);
  };
  let timer: NodeJS.Timeout | undefined;
  const watched = queue && run.data.key !== undefined
    ? new Promise<RunResult>((resolve, reject) => {
      const check = (): void => {
        queue.getJob(run.id!).then(async (now) => {
          const e = lost(now);
          if (e) return reject(e);
          // Finished for good (a failed attempt with retries left is not): its outcome, as its event says it.
          const state = now!.finishedOn ? await now!.getState() : undefined;
          if (state === 'completed') resolve(now!.returnvalue);
          else if (state === 'failed') reject(new Error(now!.failedReason));
          else timer = setTimeout(check, RUN_CHECK_MS);
        }).catch(() => { timer = setTimeout(check, RUN_CHECK_MS); });
      };
      timer = setTimeout(check, RUN_CHECK_MS);
    })
    : null;
  // A check still on its way when the run has finished must not end as an unhandled rejection.
  watched?.catch(() => undefined);
  events.on('progress', listener);
  try {
    let result: RunResult;
    try {
      result = await (watched ? Promise.race([run.waitUntilFinished(events), watched]) : run.waitUntilFinished(events));
    } catch (e) {
      if (e instanceof AppError) throw e;
      if (watched && isRedisConnectionError(e)) {
        // Redis went away while the run was followed (the wait's own command failed): the run goes on on the
        // workers, which wait the outage out; so does this, by the checks above, which retry until Redis
        // answers and the run has finished. It printed "internal error: Stream isn't writeable" and hung.
        result = await watched;
      } else {
        // Not asked when Redis is away as well: its outcome is then the run's own failure, not "lost".
        const now = queue && run.data.key !== undefined ? await queue.getJob(run.id!).then((j) => ({ j }), () => null) : null;
        throw (now ? lost(now.j) : null) ?? new AppError('DATA', `run ${run.id} failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    // Finished: the run under the id must still be ours (a completed run stays in Redis for a while); not
    // asked when Redis is away again by now (the result came from the run itself).
    const now = queue && run.data.key !== undefined ? await queue.getJob(run.id!).catch(() => undefined) : undefined;
    if (now && now.data.key !== run.data.key) throw lost(now)!;
    return result;
  } finally {
    clearTimeout(timer);
    events.off('progress', listener);
  }
}
