// Redis connection options, one place for the two very different needs (DEPENDENCIES.md "Known traps"):
// a worker must survive any outage (commands wait, reconnection never stops), while a producer such as
// `ltv enqueue` or the HTTP route must fail fast instead of hanging on a dead socket.
import type { RedisOptions } from 'bullmq';
import { Redis, type RedisOptions as IORedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { AppError } from '../config/AppError.js';
import type { Env } from '../config/env.js';
import { childLogger } from '../config/childLogger.js';
import { redisDatabaseOf } from '../config/redisUrl.js';
import { renewalIntervalMs } from './runLock.js';

export type RedisRole = 'worker' | 'producer';

/**
 * The longest pause between reconnection attempts: a recovered Redis is noticed within a second. A worker's
 * is shorter still (renewalIntervalMs, half a second at most): its runs' locks are renewed the moment Redis
 * answers, before their time runs out.
 */
export const MAX_RECONNECT_DELAY_MS = 1_000;

export function reconnectDelay(attempt: number, maxMs = MAX_RECONNECT_DELAY_MS): number {
  return Math.min(250 * 2 ** Math.min(attempt - 1, 10), maxMs);
}

/** How long /readyz names a login refusal after it was last seen (ioredis repeats it at every reconnection). */
const LOGIN_REFUSAL_MEMORY_MS = 10_000;

function fromUrl(url: string): RedisOptions {
  const u = new URL(url);
  const db = redisDatabaseOf(url);
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    db,
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/** Where a connection points, without credentials, for log lines and error messages. */
export function redisLabel(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname.length > 1 ? u.pathname : ''}`;
}

/**
 * Redis refused REDIS_URL's login (a wrong or missing password, an unknown user): ioredis reconnects for ever
 * and each attempt fails the same way, which callers otherwise report as "cannot reach Redis". Null for any
 * other error. The message says what to change; it is the same for `ltv enqueue`, the routes and the worker.
 */
export function redisLoginRefused(e: unknown, url: string): AppError | null {
  const message = e instanceof Error ? e.message : '';
  if (!/^(WRONGPASS|NOAUTH)\b|^ERR (invalid (username-)?password|AUTH .*without any password configured|Client sent AUTH, but no password is set)/i.test(message)) return null;
  // NOAUTH's own text is a paragraph about HELLO; what it means is that a password is required.
  const reason = /^NOAUTH/i.test(message) ? 'NOAUTH: it requires a password' : message.split('\n')[0]!.replace(/\.$/, '');
  return new AppError('TRANSIENT', `Redis at ${redisLabel(url)} refused the login (${reason}): put the right user and password in REDIS_URL (redis://user:password@host:port; a password alone: redis://:password@host:port)`,
    { status: 503, retryable: false });
}

/**
 * Redis refused to SELECT REDIS_URL's database (past its `databases` setting, or an ACL forbidding it): ioredis
 * only emits the error and goes on in database 0, where runs would be taken from and published to the wrong
 * queue. Null for any other error.
 */
export function redisDatabaseRefused(e: unknown, url: string): AppError | null {
  const command = (e as { command?: { name?: unknown } } | null)?.command;
  if (command?.name !== 'select' || !(e instanceof Error)) return null;
  const db = redisDatabaseOf(url);
  const reason = e.message.split('\n')[0]!.replace(/\.$/, '');
  const what = /DB index is out of range/i.test(reason)
    ? `database ${db} does not exist on Redis at ${redisLabel(url)} (${reason}): use one it has, 0 to its \`databases\` setting less one (0–15 by default), or none for 0`
    : `Redis at ${redisLabel(url)} refused database ${db} (${reason}): use a database this user may select, or none for 0`;
  return new AppError('CONFIG', `REDIS_URL: ${what}`, { status: 503, retryable: false });
}

/** A login or database refusal (above): what REDIS_URL says cannot work, so nothing waits for it to pass. */
export function redisRefused(e: unknown, url: string): AppError | null {
  return redisLoginRefused(e, url) ?? redisDatabaseRefused(e, url);
}

/**
 * Null once `client` is connected to REDIS_URL's database, or why it cannot be: it waits for the connection
 * as long as it takes. ioredis selects the database before 'ready' and, when that fails, is ready all the
 * same in database 0; selecting it again is the check (the same answer, or OK).
 */
export async function databaseRefusal(client: Redis, url: string): Promise<AppError | null> {
  const db = redisDatabaseOf(url);
  if (db === 0) return null;
  for (;;) {
    if (client.status !== 'ready') await new Promise((r) => client.once('ready', r));
    try {
      await client.select(db);
      return null;
    } catch (e) {
      const refused = redisDatabaseRefused(e, url);
      if (refused) return refused;
      // The connection broke in between: wait for the next one.
    }
  }
}

/** The /readyz reason of a connection that is not ready, the worker's and serve's alike. */
export function redisNotConnected(url: string): Error {
  return new Error(`Redis at ${redisLabel(url)} is not connected (down or unreachable; reconnecting)`);
}

/** What a connection emits that watchConnection reads (an ioredis client). */
interface ConnectionEvents {
  on(event: 'error', listener: (e: Error) => void): unknown;
  on(event: 'close' | 'ready', listener: () => void): unknown;
}

/**
 * One log line when the connection to Redis is lost (or cannot be made), naming REDIS_URL without its
 * password and the cause, and one when Redis answers again: not one per reconnection attempt. For a
 * long-lived producer (`ltv serve`'s run routes), whose reconnections log nothing (redisOptions): Redis went
 * and came back without a word. `closing`: its own close is no loss.
 */
export function logConnectionLoss(client: ConnectionEvents, url: string, logger: Logger, what: string, closing: () => boolean): void {
  const where = redisLabel(url);
  let down = false;
  let refusalSaid = false;
  let lostAt: number | null = null;
  const lost = (cause: string): void => {
    if (down || closing()) return;
    down = true;
    lostAt ??= Date.now();
    logger.warn({ redis: where }, `Redis at ${where} is not connected (${cause}): ${what} until it is back; reconnecting`);
  };
  client.on('error', (e) => {
    // A refused login is what to fix, not an outage: said once per outage, after the loss if that came first.
    const refused = redisRefused(e, url);
    if (refused && !refusalSaid && !closing()) {
      refusalSaid = true;
      if (down) logger.error({ redis: where }, refused.message);
    }
    lost(refused?.message ?? e.message);
  });
  // ioredis says why only when a reconnection fails; the connection's end is the loss itself.
  client.on('close', () => lost('the connection was closed'));
  client.on('ready', () => {
    if (down && !closing()) logger.info({ redis: where, ...(lostAt === null ? {} : { outage_ms: Date.now() - lostAt }) }, `Redis at ${where} answers again`);
    down = false;
    refusalSaid = false;
    lostAt = null;
  });
}

/**
 * Remembers a login refusal seen on `client`'s connection errors: ioredis repeats it at every reconnection
 * (every MAX_RECONNECT_DELAY_MS or so), so one seen within LOGIN_REFUSAL_MEMORY_MS is still going on. For
 * /readyz, which otherwise reported only "no answer within 1000 ms".
 */
export function watchLoginRefusal(client: { on(event: 'error', listener: (e: Error) => void): unknown }, url: string): () => AppError | null {
  let last: { error: AppError; at: number } | null = null;
  client.on('error', (e) => {
    const refused = redisRefused(e, url);
    if (refused) last = { error: refused, at: Date.now() };
  });
  return () => (last && Date.now() - last.at < LOGIN_REFUSAL_MEMORY_MS ? last.error : null);
}

/**
 * Options for BullMQ's Queue/Worker/QueueEvents and for our own clients. BullMQ duplicates them into
 * each connection it owns, so every connection logs its own reconnection attempts under `name`.
 */
/**
 * Whether an error is the connection to Redis failing (refused, reset, timed out, closed; a command on a
 * broken producer connection, whose offline queue is off), not a command's own error: the worker logs these
 * once per outage, the routes answer them with 503 (enqueueRun.ts redisGone).
 */
export function isRedisConnectionError(e: unknown): boolean {
  const err = e as { message?: unknown; code?: unknown } | null;
  if (typeof err?.code === 'string' && ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH'].includes(err.code)) return true;
  return typeof err?.message === 'string' && /Stream isn't writeable|Connection is closed|connect ECONNREFUSED/.test(err.message);
}

/** When this process last logged a reconnection attempt, over all its connections. */
let lastUnreachableLog = 0;
/** Loggers of workers closing their connections: those connections' last reconnection attempts are not logged. */
const quiet = new WeakSet<Logger>();

/**
 * No more "redis unreachable, reconnecting" lines for the connections made with `logger` (startWorker's
 * close): they came after "worker stopped" (a refused login at start logged one after its one line).
 */
export function quietReconnects(logger: Logger): void {
  quiet.add(logger);
}

export function redisOptions(env: Env, role: RedisRole, logger: Logger, name: string): RedisOptions {
  const where = redisLabel(env.REDIS_URL);
  const log = childLogger(logger, { redis: where, connection: name });
  // Named after the prefix, so `CLIENT LIST` shows whose connection is whose.
  const connectionName = `${env.LTV_QUEUE_PREFIX}:${name}`;
  if (role === 'producer') {
    return {
      ...fromUrl(env.REDIS_URL),
      connectionName,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: env.LTV_CONNECT_TIMEOUT_MS,
      // A long-lived producer (the HTTP server) must come back after an outage; callers bound their own wait.
      retryStrategy: (attempt) => reconnectDelay(attempt),
    };
  }
  return {
    ...fromUrl(env.REDIS_URL),
    connectionName,
    // BullMQ workers require it: commands wait for the connection instead of failing mid-run.
    maxRetriesPerRequest: null,
    connectTimeout: 10_000,
    // Must always return a number: anything else stops reconnecting for good (ioredis).
    retryStrategy: (attempt) => {
      const delay = reconnectDelay(attempt, renewalIntervalMs(env.LTV_LOCK_DURATION_MS));
      // The first attempts, then one line a minute: an outage is visible without flooding the log. One line
      // a second at most for all of a process's connections (a worker has several, each retrying: a 4 s
      // outage logged 21 lines).
      const now = Date.now();
      if (!quiet.has(logger) && now - lastUnreachableLog >= (attempt <= 3 ? 1_000 : 60_000)) {
        lastUnreachableLog = now;
        log.warn({ attempt, retry_in_ms: delay, client_name: connectionName }, 'redis unreachable, reconnecting');
      }
      return delay;
    },
  };
}

/** A client of our own (the per-job run lock); the caller quits it. */
export function createRedis(env: Env, role: RedisRole, logger: Logger, name: string): Redis {
  const opts: IORedisOptions = { ...redisOptions(env, role, logger, name), lazyConnect: true };
  const client = new Redis(opts);
  // ioredis emits 'error' on every failed attempt; the retry strategy already logs them.
  client.on('error', () => {});
  return client;
}
