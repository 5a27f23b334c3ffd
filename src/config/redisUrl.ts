// REDIS_URL as written: which database it names, and whether it can name one at all. Here, not in the queue,
// because env.ts checks it when the environment is parsed (STYLE habit 6).

/**
 * REDIS_URL's database: the path's decimal digits, 0 without one. Anything else was read as 0 (`/abc`), so
 * a typo sent the queue to another database without a word; env.ts refuses those (redisUrlProblem).
 */
export function redisDatabaseOf(url: string): number {
  const path = new URL(url).pathname;
  return /^\/\d+$/.test(path) ? Number(path.slice(1)) : 0;
}

/** Why REDIS_URL cannot be used as it is written, or null (env.ts: one line naming the variable). */
export function redisUrlProblem(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'must be a URL, e.g. redis://127.0.0.1:6379';
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') return `must start with redis:// (or rediss:// for TLS), not ${u.protocol}//`;
  if (!/^(\/(\d+)?)?$/.test(u.pathname)) return `the path names the database: /0 to /15 (decimal digits; none: 0), not ${u.pathname}`;
  return null;
}
