// SPEC §7 "two runs of one job for one tenant never execute at the same time". BullMQ's open-source edition
// has no groups, so each run holds a Redis lock named after its job and tenant, renewed while it runs and
// expiring on its own when the worker dies. The value is the BullMQ job id: the same run recovered from a
// dead worker (stalled-job recovery) may take its own lock over at once instead of waiting out the TTL.
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

const ACQUIRE = `local v = redis.call('GET', KEYS[1])
if (not v) or v == ARGV[1] then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0`;
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export function runLockKey(prefix: string, queue: string, jobName: string, tenant: string): string {
  return `${prefix}:${queue}:run-lock:${encodeURIComponent(jobName)}:${encodeURIComponent(tenant)}`;
}

export interface RunLock {
  /** Aborted when another owner holds the lock now (it expired while Redis was unreachable). */
  readonly lost: AbortSignal;
  release(): Promise<void>;
}

/** The lock, or null when another run of the same job and tenant holds it. */
export async function acquireRunLock(
  redis: Redis,
  key: string,
  owner: string,
  ttlMs: number,
  logger: Logger,
): Promise<RunLock | null> {
  if ((await redis.eval(ACQUIRE, 1, key, owner, ttlMs)) !== 1) return null;
  const lost = new AbortController();
  const timer = setInterval(() => {
    redis.eval(RENEW, 1, key, owner, ttlMs).then(
      (ok) => {
        if (ok !== 1 && !lost.signal.aborted) {
          logger.error({ lock: key }, 'run lock taken over by another run; aborting this one');
          lost.abort(new Error('run lock lost'));
        }
      },
      // Redis is away: keep running; the renewal after reconnection tells whether the lock survived.
      (e: unknown) => logger.warn({ lock: key, err: e }, 'cannot renew the run lock (redis unreachable?)'),
    );
  }, Math.max(Math.floor(ttlMs / 3), 50));
  timer.unref();
  return {
    lost: lost.signal,
    async release() {
      clearInterval(timer);
      try {
        await redis.eval(RELEASE, 1, key, owner);
      } catch (e) {
        // It expires by itself after ttlMs; a failed release only delays the next run of this job.
        logger.warn({ lock: key, err: e }, 'cannot release the run lock; it expires by itself');
      }
    },
  };
}
