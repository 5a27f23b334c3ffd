// SPEC §11 "stale-report alerts without Prometheus": every LTV_ALERT_CHECK_MS the worker looks at each job
// with `alert_after`. When nothing was published for that long it emails the job's `email.ops` once; when
// a run is published again, once more. Exactly once per episode with any number of workers and restarts:
// the state is on the reports volume (the idempotency records of src/notify/notifyStale.ts, shared by all
// workers like the runs themselves) and one worker at a time checks a job (a Redis lock per job).
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Env } from '../config/env.js';
import { emailOutcome, type Metrics } from '../metrics/createMetrics.js';
import type { NotifyEffects, NotifyOutcome } from '../notify/deliverOnce.js';
import { alertHandled, alertsDir, notifyStale } from '../notify/notifyStale.js';
import type { CatalogJob, JobCatalog } from './JobCatalog.js';
import type { PublishedRuns } from './PublishedRuns.js';
import { acquireRunLock } from './runLock.js';
import { isRedisConnectionError, redisLoginRefused } from './redisConnection.js';
import { childLogger } from '../config/childLogger.js';

export interface StaleWatcherDeps {
  env: Env;
  catalog: JobCatalog;
  /** The scanner of one reports directory (shared with the metrics' last-published gauge: one rule for both). */
  publishedRuns: (reportsDir: string) => PublishedRuns;
  redis: Redis;
  logger: Logger;
  metrics?: Metrics;
  /** SMTP settings and transport (tests); default from the environment. */
  mail?: Pick<NotifyEffects, 'settings' | 'transport'>;
  now?: () => number;
}

export interface StaleWatcher {
  /** One check of every job now (after a check in progress); resolves when done. */
  check(): Promise<void>;
  /** Stops the timer; resolves when a check in progress is over. */
  close(): Promise<void>;
}

/** When the job was first seen by any worker: the start of its first episode if it never publishes. */
async function firstSeen(dir: string, now: number): Promise<number> {
  const file = join(dir, 'first-seen');
  await mkdir(dir, { recursive: true });
  try {
    // `wx`: exclusive creation, so the first worker's time stays, whatever the others do.
    await writeFile(file, `${now}\n`, { flag: 'wx' });
    return now;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const ms = Number((await readFile(file, 'utf8')).trim());
    return Number.isFinite(ms) && ms > 0 ? ms : now;
  }
}

export function watchStaleReports(deps: StaleWatcherDeps): StaleWatcher {
  const { env, logger } = deps;
  const now = deps.now ?? Date.now;
  const warned = new Set<string>();
  let closed = false;

  const count = (job: string, kind: string, o: NotifyOutcome | null): void => {
    if (!o || !deps.metrics) return;
    deps.metrics.emails.inc({ ltv_job: job, kind, outcome: emailOutcome(o) });
  };

  async function checkJob(c: CatalogJob): Promise<void> {
    const { job } = c;
    const alertAfterMs = c.alertAfterMs!;
    const log = childLogger(logger, { job: job.name, component: 'stale-alerts' });
    const effects = { ...deps.mail, logger: log, reportsDir: c.reportsDir };
    const published = (await deps.publishedRuns(c.reportsDir).lastPublishedByJob()).get(job.name) ?? null;
    const dir = alertsDir(c.reportsDir, job.name);

    // Episodes whose stale notice went out end with the first publication after their start.
    const names = await readdir(dir).catch(() => [] as string[]);
    const starts = new Set(names.map((n) => /^(\d+)-stale\.(json|eml)$/.exec(n)?.[1]).filter((s): s is string => s !== undefined).map(Number));
    for (const since of [...starts].sort((a, b) => a - b)) {
      if (published === null || published <= since) continue;
      if (!(await alertHandled(c.reportsDir, job.name, since, 'stale')).sent) continue;
      if ((await alertHandled(c.reportsDir, job.name, since, 'recovered')).handled) continue;
      log.info({ since: new Date(since).toISOString() }, 'report published again: sending the recovery notice');
      const o = await notifyStale(job, {
        kind: 'recovered',
        lastPublished: null,
        since: new Date(since).toISOString(),
        publishedAgain: new Date(published).toISOString(),
      }, since, effects);
      count(job.name, 'recovered', o);
    }

    const since = published ?? (await firstSeen(dir, now()));
    if (now() - since < alertAfterMs) return;
    if ((await alertHandled(c.reportsDir, job.name, since, 'stale')).handled) return;
    log.warn({ since: new Date(since).toISOString(), alert_after: job.alert_after }, 'no run published for longer than alert_after: sending the stale-report notice');
    const o = await notifyStale(job, {
      kind: 'stale',
      lastPublished: published === null ? null : new Date(published).toISOString(),
      since: new Date(since).toISOString(),
    }, since, effects);
    count(job.name, 'stale', o);
  }

  async function checkAll(): Promise<void> {
    // Invalid job files too, by their last valid definition: a file broken by an edit stops its runs, which
    // is exactly when its report goes stale (list() left it out, and the alert never came).
    for (const k of await deps.catalog.known()) {
      if (closed) return;
      const c = k.entry;
      if (!c) {
        if (k.invalid && !warned.has(`invalid:${k.name}`)) logger.error({ job: k.name }, `job file of ${k.name} is invalid and this worker never read a valid one: its stale-report alerts cannot be checked until it is fixed`);
        warned.add(`invalid:${k.name}`);
        continue;
      }
      if (!k.invalid) warned.delete(`invalid:${k.name}`);
      if (c.alertAfterMs === null) continue;
      if (!c.job.email || c.job.email.ops.length === 0) {
        if (!warned.has(c.job.name)) logger.error({ job: c.job.name }, `${c.file}: alert_after: email.ops is empty, so no stale-report notice can be sent; add recipients`);
        warned.add(c.job.name);
        continue;
      }
      const key = `${env.LTV_QUEUE_PREFIX}:alerts:lock:${encodeURIComponent(c.job.name)}`;
      const lock = await acquireRunLock(deps.redis, key, 60_000, logger);
      if (!lock) continue; // another worker is checking this job right now
      try {
        await checkJob(c);
      } catch (e) {
        if (redisTrouble(e)) throw e;
        logger.error({ job: c.job.name, err: e }, 'stale-report check failed; tried again at the next check');
      } finally {
        await lock.release();
      }
    }
  }

  // Checks never overlap: during a Redis outage one waits for the lock instead of piling up.
  let chain: Promise<void> = Promise.resolve();
  // Redis unreachable or refusing the login: said once per outage, in one line (the worker's own connection
  // logs the outage), not with a stack at every check.
  let outage = false;
  const check = (): Promise<void> => {
    const next = chain.then(() => (closed ? undefined : checkAll())).then(() => {
      if (outage) logger.info('stale-report checks resume: Redis answers');
      outage = false;
    });
    chain = next.catch((e: unknown) => {
      if (!redisTrouble(e)) logger.error({ err: e }, 'stale-report check failed');
      else if (!outage) logger.warn({ err_message: redisTrouble(e) }, 'stale-report checks wait for Redis; tried again at each check');
      outage = outage || Boolean(redisTrouble(e));
    });
    return chain;
  };
  /** The one-line reason when `e` is Redis unreachable or refusing the login, else null. */
  function redisTrouble(e: unknown): string | null {
    const refused = redisLoginRefused(e, env.REDIS_URL);
    if (refused) return refused.message;
    return isRedisConnectionError(e) ? (e instanceof Error ? e.message : String(e)) : null;
  }
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void check().finally(() => (busy = false));
  }, env.LTV_ALERT_CHECK_MS);
  timer.unref();

  return {
    check,
    close() {
      closed = true;
      clearInterval(timer);
      return chain;
    },
  };
}
