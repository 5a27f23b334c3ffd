// `ltv worker` as a value: a BullMQ worker over the run queue, the schedule watcher, the run-lock client
// and a heartbeat, with one close() that bounds every wait (DEPENDENCIES.md: worker.close() has no timeout
// of its own and can wait forever while Redis is unreachable).
import { writeHeartbeat } from '../publish/writeAtomically.js';
import { resolve } from 'node:path';
import type { Job as QueuedJob, Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { AppError } from '../config/AppError.js';
import type { Env } from '../config/env.js';
import type { RunResult } from '../pipeline.js';
import { closeWithin, handbackMs, settleWithin, within } from './closeWithin.js';
import { createRunProcessor, loggedFailures, runAsOf, runKey, UNLIMITED_STALLS } from './processRun.js';
import { readRedisMark } from './readRedisMark.js';
import { requeueLostRun } from './requeueLostRun.js';
import { RunWorker } from './RunWorker.js';
import { createRedis, databaseRefusal, isRedisConnectionError, quietReconnects, redisLabel, redisOptions, redisRefused } from './redisConnection.js';
import { removeLeftovers } from './removeLeftovers.js';
import { renewalIntervalMs } from './runLock.js';
import { enqueueSlotCommand, openRunQueue, runJobOptions, RUN_QUEUE, type RunData, type RunQueue } from './runQueue.js';
import { SCHEDULE_SETTINGS } from './scheduleFirings.js';
import { startShardRuntime } from './shardFlow.js';
import { JobCatalog } from './JobCatalog.js';
import { startOps, type WorkerOps } from './startOps.js';
import { watchSchedules, type ScheduleWatcher } from './syncSchedules.js';

export interface WorkerRuntime {
  readonly queue: RunQueue;
  readonly worker: Worker<RunData, RunResult>;
  readonly schedules: ScheduleWatcher;
  /** Metrics, the LTV_METRICS_PORT listener and stale-report alerts (SPEC §11). */
  readonly ops: WorkerOps;
  /** Resolves once Redis answered and the first schedule sync is done; waits as long as Redis is away. */
  readonly ready: Promise<void>;
  /**
   * Resolves, never rejects, when Redis refuses REDIS_URL's login before the worker was first ready, or its
   * database: no outage to wait out, so `ltv worker` exits saying what to fix. (Pending for ever otherwise.)
   */
  readonly loginRefused: Promise<AppError>;
  /** Cancels the runs in progress now; they publish nothing and go back to the queue. */
  abortRuns(): void;
  /**
   * Stops taking runs, lets the current ones finish while most of graceMs lasts, then aborts and hands
   * them back (the last half of graceMs, from 1 s to 5 s), and closes every connection. Never takes much
   * longer than graceMs, whatever Redis does.
   */
  close(graceMs: number): Promise<void>;
}


/** How long closing a connection may take once the runs are done. */
const DISCONNECT_MS = 2_000;

export function startWorker(env: Env, jobsDir: string, logger: Logger): WorkerRuntime {
  const dir = resolve(jobsDir);
  const shutdown = new AbortController();
  const lockRedis = createRedis(env, 'worker', logger, 'run-lock');
  lockRedis.connect().catch(() => {}); // keeps retrying by itself; the strategy logs each attempt
  // Each run's lock listens for reconnections (runLock.ts).
  lockRedis.setMaxListeners(env.LTV_CONCURRENCY + 10);

  const queue = openRunQueue(env, 'worker', logger);
  const sharded = startShardRuntime(env, dir, queue, logger, shutdown.signal, lockRedis);
  // The jobs as last read, valid or not: metrics (startOps) and the failure notice of a run whose file is invalid.
  const catalog = new JobCatalog(dir, env);
  // The Redis data mark (readRedisMark) as last read, and as it was when each run started.
  let mark: string | null = null;
  const markAtStart = new WeakMap<QueuedJob<RunData, RunResult>, string | null>();
  const stoppedRuns = new WeakSet<QueuedJob<RunData, RunResult>>();
  const processor = createRunProcessor({ env, jobsDir: dir, lastValidJob: (file) => catalog.lastValidJob(file), redis: lockRedis, logger, shutdown: shutdown.signal, onNotify: (job, o) => ops.onNotify(job, o), onUnsentRunEmails: (job, result, unsent) => ops.onUnsentRunEmails(job, result, unsent), onFailedRunRows: (job, rows) => ops.onFailedRunRows(job, rows), onRunStopped: (job) => stoppedRuns.add(job), sharded });
  // Runs whose processor has not returned yet: with none and Redis away, closing has nothing to wait for.
  let active = 0;
  const redisAway = () => lockRedis.status !== 'ready';
  const worker = new RunWorker(
    RUN_QUEUE,
    async (job, token, cancel) => {
      active++;
      markAtStart.set(job, mark);
      try {
        return await processor(job, token, cancel);
      } finally {
        active--;
      }
    },
    {
      connection: redisOptions(env, 'worker', logger, 'worker'),
      prefix: env.LTV_QUEUE_PREFIX,
      // Started below, once the metrics listener is up.
      autorun: false,
      concurrency: env.LTV_CONCURRENCY,
      lockDuration: env.LTV_LOCK_DURATION_MS,
      // BullMQ renews a job's lock when it is older than half of this, checking every half (its default,
      // half the lock, renewed it every quarter to half of the lock: an outage had to end within half the
      // lock, or the run lost its job lock). Now as often as the run lock (runLock.ts).
      lockRenewTime: renewalIntervalMs(env.LTV_LOCK_DURATION_MS),
      stalledInterval: env.LTV_STALLED_INTERVAL_MS,
      // LTV_MAX_STALLED is applied by processRun, which fails the run in its own words and sends its failure
      // notice; BullMQ's own limit failed it before any of our code ran (no notice, its raw message).
      maxStalledCount: UNLIMITED_STALLS,
      // Jobs carry their own retention; this covers any added without it.
      removeOnComplete: runJobOptions(env).removeOnComplete as { age: number; count: number },
      removeOnFail: runJobOptions(env).removeOnFail as { age: number; count: number },
      // The Worker adds each scheduler's next firing when it takes one: by our rule, as the Queue's upsert.
      settings: SCHEDULE_SETTINGS,
    },
  );
  const where = redisLabel(env.REDIS_URL);
  let connected = false;
  let everConnected = false;
  // Set when close() begins: what the worker's connections and background tasks still report then (a
  // connection that became ready, a schedule sync cut off, a reconnection) is not logged after "worker stopped".
  let stopping = false;
  worker.on('ready', () => {
    if (stopping) return;
    if (!connected) logger.info({ redis: where, prefix: env.LTV_QUEUE_PREFIX, concurrency: env.LTV_CONCURRENCY, jobs: dir }, 'worker connected to redis, taking runs');
    connected = true;
    everConnected = true;
  });
  let resyncSchedules = (_awaySince: number | null): void => {};
  // Redis refusing the login fails every reconnection the same way: at start the worker exits (workerCommand);
  // later (the password changed under a running worker) one error line per outage, not a stack per attempt.
  let refuseLogin: (e: AppError) => void = () => {};
  const loginRefused = new Promise<AppError>((r) => (refuseLogin = r));
  // Its own flag, not `connected`: a Redis that restarts requiring a password is first a lost connection
  // (`connected` already false), and the refusal that follows went unlogged.
  let refusalLogged = false;
  const onLoginRefused = (e: Error): boolean => {
    const login = redisRefused(e, env.REDIS_URL);
    if (!login) return false;
    if (!everConnected) refuseLogin(login);
    else if (!refusalLogged && !stopping) logger.error({ redis: where }, login.message);
    refusalLogged = true;
    connected = false;
    return true;
  };
  lockRedis.on('error', onLoginRefused);
  // BullMQ's worker says 'ready' once: Redis answering again after an outage is known from our own client,
  // or `connected` stayed false for good and the heartbeat file (LTV_HEARTBEAT_FILE) was never touched again.
  let lockConnections = 0;
  // When the connection was lost (its close, not the first failed reconnection after it), for the outage's length.
  let lostAt: number | null = null;
  lockRedis.on('close', () => {
    if (everConnected) lostAt ??= Date.now();
  });
  lockRedis.on('ready', () => {
    // Every reconnection, however short the outage (the worker may not have noticed it).
    if (lockConnections++ > 0) resyncSchedules(lostAt);
    refusalLogged = false;
    const outageMs = lostAt === null ? null : Date.now() - lostAt;
    lostAt = null;
    if (!everConnected || connected) return;
    connected = true;
    logger.info({ redis: where, ...(outageMs === null ? {} : { outage_ms: outageMs }) }, 'redis answers again, taking runs');
  });
  queue.on('error', onLoginRefused);
  // The attempt's queue lock is gone (Redis lost its data, or the run was recovered as stalled elsewhere):
  // the run is cancelled at once and logs it once (processRun); BullMQ repeats this on every renewal.
  worker.on('lockRenewalFailed', (ids) => {
    for (const id of ids) worker.cancelJob(id, 'its queue lock is gone (redis lost its data, or another worker took the run over as stalled)');
  });
  worker.on('error', (e) => {
    // Lost queue locks: handled above; the stopped attempt's own bookkeeping (moving its job to failed,
    // delayed or waiting) is then refused by BullMQ for the same reason.
    if (/^(could not renew lock for job|Missing (lock|key) for job|Lock mismatch for job|Job \S+ is not in the \S+ state)/.test(e.message)) {
      logger.debug({ err_message: e.message }, 'queue lock gone');
      return;
    }
    if (onLoginRefused(e)) return;
    // Connection errors repeat on every reconnection attempt; the retry strategy already reports those.
    if (isRedisConnectionError(e)) {
      if (connected) logger.warn({ redis: where, err_message: e.message }, 'lost the connection to redis; runs in progress continue, reconnecting');
      connected = false;
      return;
    }
    logger.error({ err: e }, 'worker error');
  });
  // Failures processRun did not log itself (loggedFailures): a lost lock's, BullMQ's own.
  worker.on('failed', (job, e) => {
    if (!job || loggedFailures.has(e)) return;
    const final = job.finishedOn !== undefined || e.name === 'UnrecoverableError';
    logger.warn({ job: job.name, run: job.id, final, attempts_made: job.attemptsMade }, `run failed${final ? '' : ', will retry'}: ${e.message}`);
  });
  // Back in the queue either way; whether it runs again is processRun's call (LTV_MAX_STALLED), said here too.
  worker.on('stalled', (id) => {
    void queue.getJob(id).then((job) => job?.stalledCounter, () => undefined).then((times) => {
      const max = env.LTV_MAX_STALLED;
      if (times !== undefined && times > max) {
        logger.warn({ run: id, stalled: times, max_stalled: max }, `run lost its worker (killed or frozen) ${times === 1 ? 'once' : `${times} times`}, more than LTV_MAX_STALLED (${max}) allows: it fails when next taken, and its failure notice goes out`);
      } else {
        logger.warn({ run: id, ...(times === undefined ? {} : { stalled: times }), max_stalled: max }, 'run lost its worker (killed or frozen); back in the queue, to be run again');
      }
    });
  });

  // REDIS_URL's database selected, checked before any run, shard or schedule touches Redis: a database Redis
  // refuses left every connection in database 0 (ioredis only emits the error), taking and publishing its
  // runs. Pending for ever then; loginRefused says why and `ltv worker` exits.
  const databaseSelected = databaseRefusal(lockRedis, env.REDIS_URL).then((refused) => {
    if (!refused) return;
    refuseLogin(refused);
    return new Promise<void>(() => {});
  });
  // Staging directories, scratch databases and spill directories of runs whose process was killed.
  const leftovers = removeLeftovers(env, dir, logger).catch(() => undefined);
  const ops = startOps({ env, jobsDir: dir, worker, queue, redis: lockRedis, logger, catalog });
  // Each sync reads the catalog too: it keeps every file's last valid definition while the file is broken.
  const schedules = watchSchedules(queue, dir, env, logger, databaseSelected, () => void catalog.known().catch(() => undefined));
  // Runs and shards are taken only once the LTV_METRICS_PORT listener (if any) is listening: a worker that
  // cannot listen exits (workerCommand.ts) without having taken a run it would then leave to stall. And only
  // once the schedules agree with the job files (the first sync, done or failed): a tick missed while no
  // worker ran, of a job whose file was removed or whose cron changed since, ran first and failed ("no such
  // job file", a failure notice to ops) or published at the old schedule's slot.
  ops.address.then(() => databaseSelected).then(() => schedules.ready.catch(() => undefined))
    // Before the first run: what each run's start is compared with when its locks are found gone.
    .then(() => readRedisMark(lockRedis, env.LTV_QUEUE_PREFIX).then((m) => void (mark ??= m), () => undefined)).then(() => {
    if (worker.closing) return;
    worker.run().catch((e: unknown) => worker.emit('error', e as Error));
    sharded.start();
  }, () => {});
  schedules.ready.catch((e: unknown) => {
    if (stopping) return;
    // The folder itself (readdir's errno), or Redis refusing the schedulers.
    if (typeof (e as NodeJS.ErrnoException).errno === 'number') logger.error({ err: e, jobs: dir }, 'cannot read the jobs directory');
    else logger.error({ err: e }, 'schedule sync failed; retried at the next change or rescan');
  });
  // A Redis that comes back may have come back empty (it keeps nothing on disk): the schedules are
  // registered again at once, not at the next rescan (a tick due in between was lost), and a firing due
  // while it was away is added (syncSchedules' missedSince).
  resyncSchedules = (awaySince) => void readRedisMark(lockRedis, env.LTV_QUEUE_PREFIX)
    .then((m) => {
      const lostData = mark !== null && m !== mark;
      mark = m;
      return lostData;
    }, () => false)
    .then((lostData) => {
      // Sharded runs wait for their shards held by no worker: whoever knows one adds it again.
      if (lostData) void sharded.checkKnown();
      return schedules.sync(lostData && awaySince !== null ? awaySince : undefined);
    })
    .catch((e: unknown) => logger.error({ err: e }, 'schedule sync failed; retried at the next change or rescan'));
  // A run stopped because its locks are gone (processRun): if Redis lost its data since the run started, the
  // run went with it, and nothing retries it: it is added again (requeueLostRun). Else BullMQ still has it.
  worker.afterAttempt = (job) => {
    if (!stoppedRuns.has(job)) return;
    const log = logger.child({ job: job.name, run: job.id, key: runKey(job) });
    const before = markAtStart.get(job) ?? null;
    void readRedisMark(lockRedis, env.LTV_QUEUE_PREFIX)
      .then((now) => (before === null || now === before ? undefined : requeueLostRun(queue, job, env, log)))
      .catch((e: unknown) => {
        if (!stopping) log.warn({ err_message: (e as Error).message }, `cannot tell whether redis kept this run (${(e as Error).message}): if it is no longer queued, run it again: ${enqueueSlotCommand(job.name, runAsOf(job).getTime())}`);
      });
  };

  let heartbeat: NodeJS.Timeout | undefined;
  if (env.LTV_HEARTBEAT_FILE) {
    const file = env.LTV_HEARTBEAT_FILE;
    // A probe on the file would restart the worker in a loop with no word why: a failed write is said once,
    // and once more when writing works again (`ltv worker` refuses a file it cannot write at start).
    let failing = false;
    let unanswered = false;
    const beat = async () => {
      if (!connected || !worker.isRunning()) return;
      // Connected is not answering: a Redis frozen (SIGSTOP, a swapped-out host) keeps its connections open
      // and takes no run, so the file is written only after a ping is answered within a second, as /readyz asks.
      const pong = lockRedis.ping().then(() => true, () => false);
      if (!((await within(pong, 1_000)) && (await pong))) {
        if (!unanswered && !stopping) logger.warn({ file }, 'redis answers no ping within 1000 ms: LTV_HEARTBEAT_FILE is not written until it does');
        unanswered = true;
        return;
      }
      if (unanswered) logger.info({ file }, 'redis answers again: LTV_HEARTBEAT_FILE is written again');
      unanswered = false;
      // Replaced whole (written beside it, renamed over it): a probe that reads the time never reads the empty
      // file writeFile leaves between its truncation and its write (it parsed as no time: a restart).
      await writeHeartbeat(file).then(() => {
        if (failing) logger.info({ file }, 'LTV_HEARTBEAT_FILE is written again');
        failing = false;
      }, (e: NodeJS.ErrnoException) => {
        if (!failing && !stopping) logger.warn({ file, code: e.code }, `LTV_HEARTBEAT_FILE: cannot write ${file} (${e.code ?? e.message}); a liveness probe on it will fail until it can be written`);
        failing = true;
      });
    };
    heartbeat = setInterval(() => void beat(), 5_000);
    heartbeat.unref();
  }

  // Awaited by whoever needs the worker ready (tests, the CLI's checks); a worker that exits first (its
  // metrics port taken) never does, and its cut-off sync must not end the process as an unhandled rejection.
  const ready = Promise.all([worker.waitUntilReady(), schedules.ready]).then(() => undefined);
  ready.catch(() => undefined);
  let closing: Promise<void> | null = null;
  return {
    queue,
    worker,
    schedules,
    ops,
    ready,
    loginRefused,
    abortRuns: () => shutdown.abort(new Error('worker shutting down')),
    close(graceMs) {
      closing ??= (async () => {
        stopping = true;
        quietReconnects(logger);
        clearInterval(heartbeat);
        schedules.close();
        logger.info({ grace_ms: graceMs }, 'shutting down: no new runs; waiting for the current ones');
        // close() stops fetching at once and resolves when the runs in progress are done. The end of the
        // grace period is kept for handing back, so that the worker is gone within it.
        const handback = handbackMs(graceMs);
        const shardsClosed = sharded.close(graceMs, redisAway);
        const closed = worker.close();
        // worker.close() waits for Redis even with no run in progress: with none and Redis away, stop at once.
        const idleAway = () => active === 0 && redisAway();
        let outcome = await settleWithin(closed, Math.max(graceMs - handback, 0), idleAway);
        if (outcome === 'timeout') {
          logger.warn({ handback_ms: handback }, 'grace period ending: aborting the runs in progress and handing them back');
          shutdown.abort(new Error('worker shutting down'));
          outcome = await settleWithin(closed, handback, idleAway);
          // Redis is away or a stage ignores the signal: other workers recover the runs as stalled.
          if (outcome === 'timeout') logger.warn('runs did not hand back in time; other workers will recover them as stalled');
        }
        if (outcome === 'gave-up') logger.info('redis unreachable and no run in progress: closing without waiting for redis');
        if (outcome !== 'settled') void worker.disconnect().catch(() => {});
        await shardsClosed;
        await ops.close();
        await closeWithin(queue, DISCONNECT_MS, redisAway);
        await closeWithin({ close: () => lockRedis.quit(), disconnect: () => lockRedis.disconnect() }, DISCONNECT_MS, redisAway);
        await leftovers;
        logger.info('worker stopped');
      })();
      return closing;
    },
  };
}
