// The environment, parsed once (STYLE habit 6). Every variable the worker, `ltv enqueue` and the on-demand
// route read is listed here with its default; jobs/README.md and the production notes document them.
import { z } from './zod.js';
import { AppError } from './AppError.js';
import { boundWords, EXPECTED } from './issueWords.js';
import { MAX_DUCKDB_THREADS } from './duckdbThreads.js';
import { MEMORY_LIMIT_TEXT, memoryLimitProblem } from './memoryLimit.js';
import { redisUrlProblem } from './redisUrl.js';
import { wholeNumberOf } from './wholeNumber.js';

/**
 * A count, as the flags take one (wholeNumberOf): z.coerce.number() read "0x46a8" as 18088, "1.81e4" as
 * 18100 and "  " as 0.
 */
const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.preprocess((v) => (typeof v === 'string' ? wholeNumberOf(v) : v),
  z.int({ error: (issue) => (issue.code === 'invalid_type' ? 'must be a whole number in decimal digits' : undefined) }).min(min).max(max));

/**
 * The longest wait a Node timer takes (2³¹ − 1 ms, 24.8 days): a longer one fires after 1 ms, with a
 * multi-line TimeoutOverflowWarning. A *_MS variable above it made every query time out at once, and the
 * scheduler rescan in a busy loop: refused in one line instead.
 */
const TIMER_MAX_MS = 2 ** 31 - 1;
const ms = (min: number) => int(min, TIMER_MAX_MS);

export const EnvSchema = z.object({
  /** Redis for the queue; `rediss://` for TLS, credentials in the URL, the database as its path (none: 0). */
  REDIS_URL: z.string().refine((text) => redisUrlProblem(text) === null, { error: (issue) => redisUrlProblem(String(issue.input)) ?? 'must be a redis:// URL' }).default('redis://127.0.0.1:6379'),
  /** BullMQ key prefix: several ltv installations (or tests) can share one Redis. */
  LTV_QUEUE_PREFIX: z.string().min(1).regex(/^[^\s{}]+$/, 'no spaces or braces').default('ltv'),
  /** Runs one worker process executes at once (different jobs; one job never runs twice at once). */
  LTV_CONCURRENCY: int(1).default(2),
  /**
   * Shards of sharded runs (SPEC §12) one worker process computes at once; default LTV_CONCURRENCY. 0: this
   * worker takes no shards (it still splits and merges the runs it takes).
   */
  LTV_SHARD_CONCURRENCY: int(0).optional(),
  /** The job definitions (one JSON file per job). */
  LTV_JOBS_DIR: z.string().min(1).default('jobs'),
  /** Overrides every job's `reports_dir` (one shared volume in production). */
  LTV_REPORTS_DIR: z.string().min(1).optional(),
  /** SIGTERM/SIGINT: how long the current runs may take to finish before they are aborted and handed back. */
  LTV_SHUTDOWN_GRACE_MS: ms(0).default(25_000),
  /** A run's lock in Redis (BullMQ's job lock and ltv's per-job lock): a dead worker's run is taken over after about this. */
  // A run yields the event loop between statements, but one statement's rows are assembled in one go: 60 s
  // leaves room for the largest before BullMQ would think the worker dead.
  LTV_LOCK_DURATION_MS: ms(1000).default(60_000),
  /** How often workers look for runs whose worker died. */
  LTV_STALLED_INTERVAL_MS: ms(500).default(30_000),
  /** A run whose worker died more often than this fails instead of being picked up again. */
  LTV_MAX_STALLED: int(0).default(2),
  /** Attempts per run for transient failures (Redis, SMTP 4xx, a locked or growing file). */
  LTV_ATTEMPTS: int(1).default(5),
  /** First retry delay; doubles on every attempt. */
  LTV_BACKOFF_MS: ms(0).default(30_000),
  /** When another run of the same job holds its lock, the run waits this long before trying again. */
  LTV_LOCK_RETRY_MS: ms(50).default(5_000),
  /** Finished runs kept in Redis (result, error, progress): at most this many, and no older than LTV_KEEP_DAYS. */
  LTV_KEEP_COUNT: int(1).default(1000),
  /** Days in decimal digits, a fraction allowed (0.5: twelve hours); not hex or exponents, as counts. */
  LTV_KEEP_DAYS: z.preprocess((v) => (typeof v === 'string' ? (/^\s*\d+(\.\d+)?\s*$/.test(v) ? Number(v) : Number.NaN) : v),
    z.number({ error: (issue) => (issue.code === 'invalid_type' ? 'must be a number in decimal digits (0.5: half a day)' : undefined) }).positive()).default(14),
  /** Safety net for missed file-system events: the jobs directory is rescanned this often. */
  LTV_SCHEDULE_RESCAN_MS: ms(100).default(60_000),
  /** Defaults for jobs whose `duckdb` block leaves them out. */
  LTV_DUCKDB_THREADS: int(1, MAX_DUCKDB_THREADS).optional(),
  LTV_DUCKDB_MEMORY_LIMIT: z.string().refine((text) => memoryLimitProblem(text) === null, { error: (issue) => memoryLimitProblem(String(issue.input)) ?? MEMORY_LIMIT_TEXT }).optional(),
  /**
   * The forecast thread's JavaScript heap (V8's old generation), MiB; unset = V8's own limit. A thread
   * that reaches it stops: the forecasts it held publish without a model, saying why, and the run goes
   * on (the next forecast starts another thread). Bounds what one huge tenant's forecast can take.
   */
  LTV_FORECAST_HEAP_MB: int(1).optional(),
  /**
   * The longest a database input's query may take, from connecting to its last row; 0 = no limit. A query
   * that exceeds it fails the run (not retried) naming this variable; PostgreSQL also cancels it on the
   * server (statement_timeout, unless the role's own is shorter).
   */
  LTV_QUERY_TIMEOUT_MS: ms(0).default(3_600_000),
  /** How long `ltv enqueue` and the HTTP route wait for Redis before giving up. */
  LTV_CONNECT_TIMEOUT_MS: ms(100).default(5_000),
  /** `ltv serve`: MiB of computed answers kept for reuse, every run's together (least recently used dropped first); 0 = none. */
  LTV_SERVE_CACHE_MB: int(0).default(256),
  /** `ltv serve`: open connections served at once; one more is answered 503 (or closed at once under a flood). */
  LTV_SERVE_MAX_CONNECTIONS: int(1).default(1024),
  /** `ltv serve`: the same per client address (0 = no cap: behind a reverse proxy every client has its address). */
  LTV_SERVE_MAX_CONNECTIONS_PER_CLIENT: int(0).default(256),
  /**
   * `ltv serve`: filtered (computed) queries that may wait per report besides the running ones; one more is
   * answered 503 with Retry-After at once, as is one the queue would hold past its request's 30 s deadline.
   */
  LTV_SERVE_MAX_QUEUED_QUERIES: int(1).default(64),
  /** SHA-256 (hex) of the admin key for POST/GET /api/v1/runs; unset = the routes answer 401. */
  LTV_ADMIN_KEY_SHA256: z.string().regex(/^[0-9a-f]{64}$/i, '64 hex digits').optional(),
  /** Touched every few seconds while the worker is connected (the image's HEALTHCHECK asks a worker's /readyz on LTV_METRICS_PORT instead). */
  LTV_HEARTBEAT_FILE: z.string().min(1).optional(),
  /** `ltv worker`: port of its /metrics, /healthz and /readyz listener (SPEC §11); unset = no listener. */
  LTV_METRICS_PORT: int(0, 65535).optional(),
  LTV_METRICS_HOST: z.string().min(1).default('0.0.0.0'),
  /** /readyz: how long Redis may take to answer PING before the process counts as not ready. */
  LTV_READY_TIMEOUT_MS: ms(50).default(1_000),
  /** How often the worker checks jobs with `alert_after` for a stale report. */
  LTV_ALERT_CHECK_MS: ms(50).default(60_000),
  /** bull-board on `ltv serve`: read-only unless this is 1/true (then retries, removals, pauses). */
  LTV_BULL_BOARD_WRITE: z.enum(['0', '1', 'true', 'false']).default('0').transform((v) => v === '1' || v === 'true'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});
export type Env = Readonly<z.infer<typeof EnvSchema>>;

/**
 * One line for the environment's problems, each naming its variable, the value it holds and what it takes
 * (zod's own "Invalid input: expected number, received NaN" said neither). Several are joined with "; ".
 */
export function envIssues(issues: readonly z.core.$ZodIssue[], source: NodeJS.ProcessEnv, key?: string): string {
  // One problem per variable, the schema's own (the last): a whole number past 2⁵³ broke both z.int's safe
  // range and the schema's bound, and the line said it twice, once in zod's words ("Too big: expected int…").
  const last = new Map<string, z.core.$ZodIssue>();
  for (const i of issues) last.set(key ?? i.path.join('.'), i);
  return [...last.values()].map((i) => {
    const name = key ?? i.path.join('.');
    const raw = source[name];
    const given = raw === undefined ? '' : `, not ${JSON.stringify(raw.length > 60 ? `${raw.slice(0, 60)}…` : raw)}`;
    let says = i.message;
    if (i.code === 'invalid_type' && (i.expected === 'number' || i.expected === 'int')) says = `${i.message.startsWith('must be') ? i.message : `must be ${EXPECTED[i.expected]}`}${given}`;
    else if ((i.code === 'too_small' || i.code === 'too_big') && i.origin === 'number') says = `${boundWords(i)}${given}`;
    else if (i.code === 'invalid_value') says = `must be one of ${i.values.map(String).join(', ')}${given}`;
    else if (i.code === 'invalid_format' && i.format === 'url') says = `must be a URL, e.g. redis://127.0.0.1:6379${given}`;
    else if (i.code === 'invalid_format' && raw !== undefined && !/^Invalid/.test(i.message)) says = `${JSON.stringify(raw)} is not accepted: ${i.message}`;
    return `environment: ${name}: ${says}`;
  }).join('; ');
}

export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  // An empty variable (`FOO=` in a compose file) means "not set", not "the empty string".
  const present = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    throw new AppError('CONFIG', envIssues(parsed.error.issues, present));
  }
  return Object.freeze(parsed.data);
}

/**
 * One variable of the environment, checked as loadEnv checks it: for code that needs only it (`ltv run`
 * reads LTV_FORECAST_HEAP_MB), so that a variable it does not use cannot stop it.
 */
export function envValue<K extends keyof Env>(key: K, source: NodeJS.ProcessEnv = process.env): Env[K] {
  const raw = source[key];
  const parsed = EnvSchema.shape[key].safeParse(raw === '' ? undefined : raw);
  if (!parsed.success) {
    throw new AppError('CONFIG', envIssues(parsed.error.issues, source, key));
  }
  return parsed.data as Env[K];
}
