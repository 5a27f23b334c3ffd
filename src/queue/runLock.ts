// SPEC §7 "two runs of one job for one tenant never execute at the same time". BullMQ's open-source edition
// has no groups, so each run holds a Redis lock named after its job and tenant, renewed while it runs and
// expiring on its own when the worker dies. Its value is a token unique to the attempt (a random UUID):
// never the BullMQ job id, which starts again at 1 when Redis loses its data, so that a stale attempt could
// take a new run's lock for its own (and release it). Renewal and release compare the token (Lua), so
// only the owner extends or deletes it. A recovered run waits for its dead attempt's lock to expire.
// The lock is checked again the moment Redis answers after an outage (a Redis that restarted empty stops
// the run at once, not one renewal later) and before anything is published (`confirm`).
// An outage is tolerated for as long as the lock may still be ours in Redis: until its time runs out
// counting from its last renewal Redis answered. So it is renewed often (renewalIntervalMs), the worker
// reconnects as often (redisConnection.ts), and an outage shorter than the lock less about two intervals
// does not stop the run.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

const ACQUIRE = `if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0`;
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * How often run locks and BullMQ's job locks are renewed, and the longest pause between reconnections of a
 * worker: half a second, or a tenth of the lock if that is shorter. What an outage may last without
 * stopping a run is the lock's time less the time since its last renewal and the time to notice Redis is
 * back, so both are kept short: at most two of these intervals are lost. (Renewed every third of the lock,
 * with reconnections up to 5 s apart, a 9 s outage stopped a run holding a 15 s lock.)
 */
export function renewalIntervalMs(ttlMs: number): number {
  return Math.min(500, Math.max(Math.floor(ttlMs / 10), 50));
}

/** Seconds for a log line: tenths below a minute. */
function seconds(ms: number): string {
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

export function runLockKey(prefix: string, queue: string, jobName: string, tenant: string): string {
  return `${prefix}:${queue}:run-lock:${encodeURIComponent(jobName)}:${encodeURIComponent(tenant)}`;
}

export interface RunLock {
  /** The attempt's own token (the lock's value). */
  readonly token: string;
  /**
   * Aborted, once, when the lock is no longer ours: another owner holds it or it is gone (Redis lost its
   * data), or Redis stayed unreachable until the lock's time ran out. The reason says which.
   */
  readonly lost: AbortSignal;
  /**
   * Resolves once Redis confirms the lock is still ours; rejects (and aborts `lost`) when it is not, or
   * when Redis stays away until the lock's time is out. Publishing waits for it.
   */
  confirm(): Promise<void>;
  /** Stops watching the lock (the run is stopping for another reason, already logged); release still deletes it. */
  stop(): void;
  release(): Promise<void>;
}

/** The lock, or null when another run of the same job and tenant holds it. */
export async function acquireRunLock(
  redis: Redis,
  key: string,
  ttlMs: number,
  logger: Logger,
): Promise<RunLock | null> {
  const token = randomUUID();
  const asked = Date.now();
  if ((await redis.eval(ACQUIRE, 1, key, token, ttlMs)) !== 1) return null;
  const lost = new AbortController();
  // When the last command Redis answered "ours" was sent: the lock lasts at least ttlMs from then.
  let confirmed = asked;
  // Renewals sent that Redis has not answered (the worker's commands wait through an outage instead of
  // failing), and since when Redis has not answered one; a renewal that failed outright (a client whose
  // commands do not wait).
  let unanswered = 0;
  let unansweredSince: number | null = null;
  let failed = false;
  // When this client's connection was lost, for the outage's length in the log; null while it answers.
  let downSince: number | null = redis.status === 'ready' ? null : Date.now();
  // Set by stop(): the run is stopping for a reason already logged; a renewal in flight says nothing more.
  let stopped = false;
  const every = renewalIntervalMs(ttlMs);
  const outageMs = (): number => {
    const since = Math.min(downSince ?? Infinity, unansweredSince ?? Infinity);
    return Number.isFinite(since) ? Date.now() - since : 0;
  };
  const detach = (): void => {
    clearInterval(timer);
    redis.off('ready', onReady);
    redis.off('close', onClose);
  };
  const lose = (why: string): void => {
    if (lost.signal.aborted) return;
    detach();
    if (!stopped) logger.error({ lock: key }, `run lock lost (${why}); stopping this run now`);
    lost.abort(new Error(`run lock lost: ${why}`));
  };
  /**
   * One renewal: the lock is ours (confirmed now), lost, or unknown (Redis did not answer). `fresh`: sent
   * even while another waits for Redis (after a reconnection, before publishing), so that its answer
   * confirms the lock from now, not from when the waiting one was sent.
   */
  const renew = async (fresh: boolean): Promise<'ours' | 'lost' | 'unknown'> => {
    if (lost.signal.aborted) return 'lost';
    // Given up only once the lock may really have expired in Redis: ttlMs after the last renewal it
    // answered, and Redis has not answered since. A late timer (the event loop was busy) just asks.
    if ((unanswered > 0 || failed) && Date.now() - confirmed >= ttlMs) {
      lose(`redis unreachable for ${seconds(outageMs())}, and ${seconds(Date.now() - confirmed)} since the lock was last renewed: it lasts ${seconds(ttlMs)}, so it may have expired`);
      return 'lost';
    }
    // One renewal waiting for Redis is enough: the client sends it again once connected.
    if (unanswered > 0 && !fresh) return 'unknown';
    const started = Date.now();
    unanswered++;
    unansweredSince ??= started;
    let answer: unknown;
    try {
      answer = await redis.eval(RENEW, 1, key, token, ttlMs);
    } catch (e) {
      unanswered--;
      // Redis is away: keep running while the lock may last; one line, not one per renewal.
      if (!failed) logger.warn({ lock: key, err_message: (e as Error).message }, 'cannot renew the run lock (redis unreachable); the run goes on while the lock lasts');
      failed = true;
      return lost.signal.aborted ? 'lost' : 'unknown';
    }
    unanswered--;
    if (lost.signal.aborted) return 'lost';
    if (answer !== 1) {
      lose('it expired or redis lost its data; another run may start');
      return 'lost';
    }
    confirmed = Math.max(confirmed, started);
    // After a lost connection, failed renewals, or one that waited for Redis (frozen, or a network
    // partition that closes nothing) longer than two renewals: the run survived an outage, said once.
    if (downSince !== null || failed || (unansweredSince !== null && Date.now() - unansweredSince > 2 * every)) {
      if (!stopped) logger.info({ lock: key, outage_ms: outageMs() }, `run lock kept through a redis outage of ${seconds(outageMs())}; the run goes on`);
      downSince = null;
      failed = false;
    }
    // Redis answered just now; renewals still waiting are queued behind this one.
    unansweredSince = unanswered > 0 ? Date.now() : null;
    return 'ours';
  };
  const timer = setInterval(() => void renew(false), every);
  // After a reconnection, at once: a Redis that restarted empty no longer has the lock, and one that kept
  // it has it renewed before its time runs out.
  const onReady = (): void => void renew(true);
  const onClose = (): void => {
    downSince ??= Date.now();
  };
  redis.on('ready', onReady);
  redis.on('close', onClose);
  timer.unref();
  return {
    token,
    lost: lost.signal,
    async confirm() {
      // While Redis is away, asks again until it answers or the lock's time is out (then `lost` aborts).
      const gone = new Promise<'lost'>((r) => {
        if (lost.signal.aborted) r('lost');
        lost.signal.addEventListener('abort', () => r('lost'), { once: true });
      });
      for (;;) {
        const state = await Promise.race([renew(true), gone]);
        if (state === 'ours') return;
        if (state === 'lost') throw lost.signal.reason ?? new Error('run lock lost');
        await Promise.race([new Promise((r) => setTimeout(r, every)), gone]);
      }
    },
    stop() {
      stopped = true;
      detach();
    },
    async release() {
      // The run has ended: a renewal sent before, answered only now (queued through a Redis outage), says
      // nothing; it logged "run lock lost … stopping this run now" for a run that had completed.
      stopped = true;
      detach();
      try {
        await redis.eval(RELEASE, 1, key, token);
      } catch (e) {
        // It expires by itself after ttlMs; a failed release only delays the next run of this job.
        logger.warn({ lock: key, err_message: (e as Error).message }, 'cannot release the run lock; it expires by itself');
      }
    },
  };
}
