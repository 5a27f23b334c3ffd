// Whether Redis lost its data (restarted without persistence, flushed) while a worker was away from it: a key
// holding a random value, set once and never deleted or expiring. A worker remembers the value it read; when
// Redis answers again, another (or none, set anew now) means everything else is gone too: the queue, the
// schedules' pending firings, the runs in progress and their locks.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

export function redisMarkKey(prefix: string): string {
  return `${prefix}:redis-mark`;
}

/** The mark's value now, set first if Redis has none. Waits for Redis as the client's commands do. */
export async function readRedisMark(redis: Redis, prefix: string): Promise<string> {
  const key = redisMarkKey(prefix);
  await redis.set(key, randomUUID(), 'NX');
  return (await redis.get(key)) ?? '';
}
