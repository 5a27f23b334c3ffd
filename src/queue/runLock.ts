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
  if ((await redis.eval(ACQUIRE, 1, key, token, ttlMs)) !== 1) return null;
  const lost = new AbortController();
  // The last time Redis confirmed the lock: past it + ttlMs the lock has expired whatever Redis does.
  let confirmed = Date.now();
  let unreachableLogged = false;
  // Set by stop(): the run is stopping for a reason already logged; a renewal in flight says nothing more.
  let stopped = false;
  const lose = (why: string): void => {
    if (lost.signal.aborted) return;
    clearInterval(timer);
    redis.off('ready', onReady);
    if (!stopped) logger.error({ lock: key }, `run lock lost (${why}); stopping this run now`);
    lost.abort(new Error(`run lock lost: ${why}`));
  };
  // A renewal Redis has not answered yet (the worker's commands wait through an outage instead of failing).
  let pending = false;
  /** One renewal: the lock is ours (confirmed now), lost, or unknown (Redis did not answer). */
  const renew = async (): Promise<'ours' | 'lost' | 'unknown'> => {
    if (lost.signal.aborted) return 'lost';
    // Only an unanswered renewal means Redis is away. A late timer (the event loop was busy) just asks:
    // the lock is still ours unless it expired meanwhile, and then Redis says so.
    if ((pending || unreachableLogged) && Date.now() - confirmed >= ttlMs) {
      lose(`redis unreachable for ${Math.round((Date.now() - confirmed) / 1000)} s, longer than the lock lasts`);
      return 'lost';
    }
    const started = Date.now();
    pending = true;
    try {
      const answer = await redis.eval(RENEW, 1, key, token, ttlMs);
      pending = false;
      if (answer === 1) {
        confirmed = started;
        if (unreachableLogged) logger.info({ lock: key }, 'redis answers again; run lock renewed');
        unreachableLogged = false;
        return 'ours';
      }
      lose('it expired or redis lost its data; another run may start');
      return 'lost';
    } catch (e) {
      pending = false;
      // Redis is away: keep running until the lock's time is out; one line, not one per renewal.
      if (!unreachableLogged) logger.warn({ lock: key, err_message: (e as Error).message }, 'cannot renew the run lock (redis unreachable); the run goes on while the lock lasts');
      unreachableLogged = true;
      return lost.signal.aborted ? 'lost' : 'unknown';
    }
  };
  const timer = setInterval(() => void renew(), renewalIntervalMs(ttlMs));
  // After a reconnection, at once: a Redis that restarted empty no longer has the lock.
  const onReady = (): void => void renew();
  redis.on('ready', onReady);
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
        const state = await Promise.race([renew(), gone]);
        if (state === 'ours') return;
        if (state === 'lost') throw lost.signal.reason ?? new Error('run lock lost');
        await Promise.race([new Promise((r) => setTimeout(r, renewalIntervalMs(ttlMs))), gone]);
      }
    },
    stop() {
      stopped = true;
      clearInterval(timer);
      redis.off('ready', onReady);
    },
    async release() {
      clearInterval(timer);
      redis.off('ready', onReady);
      try {
        await redis.eval(RELEASE, 1, key, token);
      } catch (e) {
        // It expires by itself after ttlMs; a failed release only delays the next run of this job.
        logger.warn({ lock: key, err_message: (e as Error).message }, 'cannot release the run lock; it expires by itself');
      }
    },
  };
}
