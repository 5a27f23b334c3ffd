// The worker's operations side (SPEC §11): its Prometheus metrics, fed by the BullMQ worker's events and
// read from Redis and the reports directory at scrape time; a small node:http listener on LTV_METRICS_PORT
// with /metrics, /healthz and /readyz; and the stale-report alerts of jobs with `alert_after`.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { Queue, type Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Env } from '../config/env.js';
import { answerMetrics, answerReadyz, reportsReadable, sendHealth, type ReadinessCheck } from '../metrics/checkReadiness.js';
import { createMetrics, emailOutcome, QUEUE_STATES, RUN_OUTCOMES, type JobFreshness, type Metrics } from '../metrics/createMetrics.js';
import type { NotifyOutcome } from '../notify/deliverOnce.js';
import { STAGES, type RowsChecked, type RunResult } from '../pipeline.js';
import { within } from './closeWithin.js';
import { SHARD_QUEUE } from './shardFlow.js';
import type { JobCatalog } from './JobCatalog.js';
import { PublishedRuns } from './PublishedRuns.js';
import { redisNotConnected, watchLoginRefusal } from './redisConnection.js';
import { SCHEDULE_SETTINGS } from './scheduleFirings.js';
import { jobNameProblem, type RunData, type RunQueue } from './runQueue.js';
import { watchStaleReports, type StaleWatcher } from './watchStaleReports.js';

export interface WorkerOps {
  metrics: Metrics;
  /** The listener's address once listening; null without LTV_METRICS_PORT. */
  address: Promise<AddressInfo | null>;
  staleReports: StaleWatcher;
  /** For createRunProcessor: counts failure notices. */
  onNotify(job: string, o: NotifyOutcome): void;
  /** An attempt that published and fails for its unsent run emails (SPEC §11): its stages and emails counted. */
  onUnsentRunEmails(job: string, result: RunResult, unsent: readonly NotifyOutcome[]): void;
  /** A run that failed for good after reading its rows (too many bad ones): its rows counted. */
  onFailedRunRows(job: string, rows: RowsChecked): void;
  close(): Promise<void>;
}

/** Redis hash of job → unix ms of its last final failure, shared by every worker and read at scrape. */
export function lastFailureKey(env: Env): string {
  return `${env.LTV_QUEUE_PREFIX}:ltv-ops:last-failure`;
}

/** `p`, or null when it has not settled within `ms` (the command stays queued; its answer is dropped). */
async function orNull<T>(p: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p.catch(() => null), new Promise<null>((r) => (timer = setTimeout(() => r(null), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

export function startOps(deps: {
  env: Env;
  jobsDir: string;
  worker: Worker<RunData, RunResult>;
  queue: RunQueue;
  /** A plain ioredis client of the worker (the run-lock connection). */
  redis: Redis;
  logger: Logger;
  /** The worker's jobs as it last read them (shared with processRun's failure notices). */
  catalog: JobCatalog;
}): WorkerOps {
  const { env, worker, queue, redis, logger } = deps;
  const timeoutMs = env.LTV_READY_TIMEOUT_MS;
  const catalog = deps.catalog;
  const scanners = new Map<string, PublishedRuns>();
  const publishedRuns = (dir: string): PublishedRuns => {
    let s = scanners.get(dir);
    if (!s) scanners.set(dir, (s = new PublishedRuns(dir)));
    return s;
  };
  const failures = new Map<string, number>();
  /** Per reports directory, the read problem last logged (null: none, or said to be over). */
  const saidProblem = new Map<string, PublishedRuns['problem']>();
  const redisReady = (): boolean => redis.status === 'ready';
  // The shard jobs of sharded runs (SPEC §12), counted beside the runs: a backlog of shards no worker takes
  // (every worker with LTV_SHARD_CONCURRENCY=0) showed as one run `waiting-children` and nothing else. Read
  // over the worker's own plain connection (a Queue does not block on it).
  const shardQueue = new Queue(SHARD_QUEUE, { connection: redis, prefix: env.LTV_QUEUE_PREFIX, settings: SCHEDULE_SETTINGS });
  shardQueue.on('error', () => undefined);

  const jobs = async (): Promise<JobFreshness[]> => {
    // Invalid files too: the last publish and failure are still known (reports directory, Redis), and the
    // alerts on them must be able to fire exactly while the nightly job is broken.
    const list = await catalog.known();
    const published = new Map<string, number>();
    const dirs = list.flatMap((k) => (k.entry ? [k.entry.reportsDir] : []));
    if (env.LTV_REPORTS_DIR) dirs.push(resolve(env.LTV_REPORTS_DIR));
    for (const dir of new Set(dirs)) {
      const scanner = publishedRuns(dir);
      const byJob = await scanner.lastPublishedByJob().catch(() => new Map<string, number>());
      // Said once when it starts and once when it ends, not at every scrape: the jobs' last known
      // publications are kept meanwhile (PublishedRuns), so the stale-report alert can still fire. Compared
      // with what was said last, not with the scanner's state before this scan: the stale-report watch scans
      // the same scanner, and the change it saw first went unsaid.
      // The end names the path the warning named: a tenant's runs/ (it said the reports directory, readable
      // all along).
      const before = saidProblem.get(dir) ?? null;
      const now = scanner.problem;
      if (now?.text !== before?.text) {
        if (now) logger.warn({ reports_dir: dir }, `${now.text}: the last publication times known are kept until it can be read again`);
        else if (before) logger.info({ reports_dir: dir }, `${before.path} can be read again`);
        saidProblem.set(dir, now);
      }
      for (const [job, ms] of byJob) published.set(job, Math.max(published.get(job) ?? 0, ms));
    }
    // Other workers' failures, and ours from before a restart, are in Redis.
    const shared = redisReady() ? ((await orNull(redis.hgetall(lastFailureKey(env)), timeoutMs)) ?? {}) : {};
    return list.map(({ name: fileName, entry: c }) => {
      // The settings come from the last valid definition; a file never valid here has none of them.
      const name = c?.job.name ?? fileName;
      const failed = Math.max(Number(shared[name] ?? 0) || 0, failures.get(name) ?? 0);
      return {
        job: name,
        lastPublishedMs: published.get(name) ?? null,
        lastFailureMs: failed > 0 ? failed : null,
        scheduleIntervalSeconds: c?.scheduleIntervalSeconds ?? null,
        maxBadRowShare: c?.job.max_bad_row_share ?? null,
        alertAfterSeconds: c?.alertAfterMs == null ? null : c.alertAfterMs / 1000,
      };
    });
  };
  const metrics = createMetrics({
    jobs,
    queueDepth: async () => {
      const [runs, shards] = await Promise.all([queue, shardQueue].map((q) => orNull(q.getJobCounts(...QUEUE_STATES), timeoutMs)));
      return { runs: runs as Record<string, number> | null, shards: shards as Record<string, number> | null };
    },
  });

  // Run outcomes, from the worker that processed the run. Labels: the job name (a job file name, bounded),
  // by the rule of the job loader (jobNameProblem): a job named "my job" was counted as "unknown" while its
  // gauges had its name. prom-client escapes quotes and backslashes. A name no job file can have (a run
  // added by some other producer) is "unknown".
  const jobLabel = (name: string | undefined): string => (name !== undefined && jobNameProblem(name) === null ? name : 'unknown');
  // Each job's counters exist at 0 from the moment this worker knows its file (at start, and when a file appears
  // or changes), as prometheus.io/docs/practices/instrumentation advises: Prometheus takes a series' first
  // sample as its start, so a counter first exported by a run was counted 0 by increase(), and every worker
  // process's first run went unseen (LtvQuarantineShareHigh over 2 days never fired with a daily job and
  // workers redeployed every 2 days). Kept when the file goes, as counted series are.
  catalog.onLearned((known) => {
    for (const k of known) {
      const name = k.entry?.job.name ?? k.name;
      if (jobLabel(name) !== name) continue;
      for (const outcome of RUN_OUTCOMES) metrics.runs.inc({ ltv_job: name, outcome }, 0);
      for (const rows of [metrics.rowsRead, metrics.rowsQuarantined, metrics.rowsDuplicate]) rows.inc({ ltv_job: name }, 0);
    }
  });
  void catalog.known().catch(() => undefined);
  // The stages an attempt ran: a completed run's, or those of an attempt that published and failed for its
  // email (the retry that sends computes nothing and reports no stage).
  const observeStages = (result: RunResult): void => {
    for (const stage of STAGES) {
      const ms = result.timings[stage];
      if (ms !== undefined) metrics.stageDuration.observe({ stage }, Math.max(0, ms) / 1000);
    }
  };
  worker.on('completed', (job, result) => {
    const name = jobLabel(result?.job ?? job.name);
    const seconds = ((job.finishedOn ?? Date.now()) - (job.processedOn ?? Date.now())) / 1000;
    metrics.runs.inc({ ltv_job: name, outcome: 'published' });
    metrics.runDuration.observe({ ltv_job: name, outcome: 'published' }, Math.max(0, seconds));
    if (!result) return;
    metrics.rowsRead.inc({ ltv_job: name }, result.stats.rows_read);
    metrics.rowsQuarantined.inc({ ltv_job: name }, result.stats.rows_quarantined);
    metrics.rowsDuplicate.inc({ ltv_job: name }, result.stats.duplicates);
    observeStages(result);
    for (const o of result.notify ?? []) metrics.emails.inc({ ltv_job: name, kind: 'run', outcome: emailOutcome(o) });
  });
  worker.on('failed', (job, e) => {
    if (!job) return;
    const name = jobLabel(job.name);
    const final = job.finishedOn !== undefined || e.name === 'UnrecoverableError';
    const outcome = final ? 'failed' : 'retrying';
    const seconds = ((job.finishedOn ?? Date.now()) - (job.processedOn ?? Date.now())) / 1000;
    metrics.runs.inc({ ltv_job: name, outcome });
    metrics.runDuration.observe({ ltv_job: name, outcome }, Math.max(0, seconds));
    if (!final) return;
    const at = job.finishedOn ?? Date.now();
    failures.set(name, Math.max(failures.get(name) ?? 0, at));
    // Only ever moves forward, whichever worker writes last.
    redis
      .eval("local v = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0') if tonumber(ARGV[2]) > v then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end return 1", 1, lastFailureKey(env), name, String(at))
      .catch((err: unknown) => logger.warn({ err, job: name }, 'cannot record the failure time in redis'));
  });

  const refused = watchLoginRefusal(redis, env.REDIS_URL);
  const checks: ReadinessCheck[] = [
    {
      name: 'redis',
      async check() {
        // A refusal seen lately names the cause while the connection is down; once it is ready (the login
        // accepted) the worker is ready, not ten seconds later when the refusal is forgotten.
        // Named as serve names it (it said "redis connection is connecting", naming neither host nor cause).
        if (!redisReady()) throw refused() ?? redisNotConnected(env.REDIS_URL);
        await redis.ping();
      },
    },
  ];
  const readiness = async (): Promise<ReadinessCheck[]> => {
    const dirs = env.LTV_REPORTS_DIR ? [resolve(env.LTV_REPORTS_DIR)] : [...new Set((await catalog.list()).map((c) => c.reportsDir))];
    return [...checks, ...dirs.map((dir) => reportsReadable(dir, { creatable: true }))];
  };

  let server: Server | null = null;
  let address: Promise<AddressInfo | null> = Promise.resolve(null);
  if (env.LTV_METRICS_PORT !== undefined) {
    const srv = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      const head = req.method === 'HEAD';
      const answer = async (): Promise<void> => {
        if (req.method !== 'GET' && !head) return sendHealth(res, 405, { error: 'GET only' }, false);
        if (path === '/metrics') return answerMetrics(res, metrics, head);
        if (path === '/healthz') return sendHealth(res, 200, { status: 'ok' }, head);
        if (path === '/readyz') return void (await answerReadyz(res, await readiness(), timeoutMs, head));
        sendHealth(res, 404, { error: 'not found: /metrics, /healthz and /readyz are served here' }, head);
      };
      answer().catch((e: unknown) => {
        logger.error({ err: e, path }, 'metrics listener: request failed');
        if (!res.headersSent) sendHealth(res, 500, { error: 'internal error' }, head);
        else res.destroy();
      });
    });
    srv.keepAliveTimeout = 5_000;
    server = srv;
    address = new Promise((resolveAddr, reject) => {
      srv.once('error', reject);
      srv.listen(env.LTV_METRICS_PORT, env.LTV_METRICS_HOST, () => {
        srv.off('error', reject);
        const a = srv.address() as AddressInfo;
        logger.info({ address: a.address, port: a.port }, 'metrics and health listening (/metrics, /healthz, /readyz)');
        resolveAddr(a);
      });
    });
    // The operating system's answer (EADDRINUSE, EACCES), not a stack trace: a port taken is no bug of ltv's.
    address.catch((e: NodeJS.ErrnoException) => logger.error({ port: env.LTV_METRICS_PORT, host: env.LTV_METRICS_HOST, error: e.code ?? e.message }, 'cannot listen for metrics'));
  }

  const staleReports = watchStaleReports({ env, catalog, publishedRuns, redis, logger, metrics });

  return {
    metrics,
    address,
    staleReports,
    onNotify: (job, o) => metrics.emails.inc({ ltv_job: jobLabel(job), kind: 'failure', outcome: emailOutcome(o) }),
    onUnsentRunEmails: (job, result, unsent) => {
      observeStages(result);
      for (const o of unsent) metrics.emails.inc({ ltv_job: jobLabel(job), kind: 'run', outcome: emailOutcome(o) });
    },
    onFailedRunRows: (job, rows) => {
      metrics.rowsRead.inc({ ltv_job: jobLabel(job) }, rows.read);
      metrics.rowsQuarantined.inc({ ltv_job: jobLabel(job) }, rows.quarantined);
    },
    async close() {
      await within(staleReports.close(), 2_000);
      // Its connection is the worker's, closed by the worker: a shared connection is left open here.
      await within(shardQueue.close(), 1_000);
      if (server) {
        const s = server;
        await new Promise<void>((r) => {
          s.close(() => r());
          s.closeAllConnections();
        });
      }
    },
  };
}
