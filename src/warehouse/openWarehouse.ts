// The one place that opens DuckDB (STYLE habit 4): one instance per run or per served run, time zone,
// threads and memory limit set on connect, connections closed by the caller in `finally`.
import { totalmem } from 'node:os';
import type { DuckDBPreparedStatement, DuckDBValue, DuckDBVector } from '@duckdb/node-api';
import { DuckDBConnection, DuckDBInstance } from './duckdb.js';
import type { Logger } from 'pino';
import { AppError } from '../config/AppError.js';
import { isDiskFull } from '../publish/isDiskFull.js';

export interface WarehouseOptions {
  /** IANA zone: naive timestamps are read in it and TIMESTAMPTZ → TIMESTAMP casts give its wall clock. */
  timezone: string;
  threads?: number;
  /** e.g. "4GB" (absent: DuckDB's own default, 80 % of RAM); spills to tempDirectory beyond it. */
  memoryLimit?: string;
  tempDirectory?: string;
  /** Database file; default in-memory. */
  path?: string;
  readOnly?: boolean;
  /** Statements slower than `slowMs` are logged at debug level with their duration. */
  logger?: Logger;
}

const STATEMENT_CACHE = 32;

export type Params = Record<string, DuckDBValue> | DuckDBValue[];

/** A DuckDB error's first line without its kind (`Binder Error: `, `Out of Memory Error: `): for one-line messages. */
export function duckdbReason(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!.replace(/^[A-Za-z ]*Error: /, '');
}

/**
 * DuckDB errors that are the run's resources or the data's size, not a fault of ltv: each becomes one line
 * saying so and what to do. Out of memory: the run's memory limit is too small for the statement. Overflow:
 * money is summed exactly in 128-bit integers of small units (02_macros.sql), which bounds it: net revenue
 * at 10⁻²⁶ holds 1.7 × 10¹² report-currency units; a sum of the matrix statement holds four times a tenant's
 * total (3 × total + total overflowed), so a tenant's net revenue must stay below about 4.2 × 10¹¹.
 */
/**
 * DuckDB's memory_limit for a size as the job, the flag or LTV_DUCKDB_MEMORY_LIMIT give it. A share of memory
 * ("50%") is of the memory this process may use: the container's (cgroup) limit where there is one, else the
 * machine's. DuckDB's setting takes sizes only (a "50%" failed every run with "Failed to set config").
 */
export function memoryLimitSetting(limit: string): string {
  const share = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(limit);
  if (!share) return limit;
  const constrained = process.constrainedMemory?.() ?? 0;
  const available = constrained > 0 ? Math.min(constrained, totalmem()) : totalmem();
  return `${Math.max(1, Math.floor((available * Number(share[1])) / 100 / 2 ** 20))}MiB`;
}

export function resourceError(e: unknown, memoryLimit: string | undefined): AppError | undefined {
  const message = (e as Error | undefined)?.message ?? '';
  // DuckDB's own advice (SET threads=X, PRAGMA …) speaks SQL; what the user sets is the run's limit. Spill
  // files that cannot be written (the scratch disk nearly full) are the run's storage error (isDiskFull).
  if (/^Out of Memory Error/.test(message) && !isDiskFull(e)) {
    return new AppError('CONFIG',
      `DuckDB ran out of the run's memory limit${memoryLimit ? ` (${memoryLimit})` : ''} (${duckdbReason(e).replace(/\.? *Possible solutions:.*$/, '')}): raise --memory-limit (or "duckdb.memory_limit" in the job file, or LTV_DUCKDB_MEMORY_LIMIT; default 1GB), or give fewer --threads`,
      { cause: e });
  }
  if (!MONEY_OVERFLOW.test(message)) return undefined;
  return new AppError('DATA', moneyTooLarge('the money'), { cause: e });
}

const MONEY_OVERFLOW = /Overflow in (multiplication|addition|subtraction|negation) of (HUGEINT|INT128|DECIMAL)|Overflow in HUGEINT/i;

/** The message of resourceError's overflow, `whose` being "the money" or, once known, the tenant's (moneyOverflow.ts). */
export function moneyTooLarge(whose: string): string {
  return `${whose} is too large to sum exactly: ltv sums each tenant's money to the 10⁻²⁶ of a unit and holds at most `
    + 'about 4.2 × 10¹¹ report-currency units of net revenue per tenant (README "Money is exact"); check the '
    + 'amount column for cents read as units or a wrong rate, or report in a currency with a larger unit';
}

/** An error of timed() that is resourceError's overflow: money beyond what is summed exactly. */
export function isMoneyOverflow(e: unknown): e is AppError {
  return e instanceof AppError && MONEY_OVERFLOW.test(((e.cause as Error | undefined)?.message) ?? '');
}

/** A statement as the log names it: its first 100 characters, white space run together. */
function statementHead(sql: string): string {
  return sql.replace(/\s+/g, ' ').trim().slice(0, 100);
}

/** An error of timed() that is DuckDB running out of its memory limit (resourceError's first case). */
function isOutOfMemory(e: unknown): boolean {
  return e instanceof AppError && /^Out of Memory Error/.test(((e.cause as Error | undefined)?.message) ?? '');
}

export class Warehouse {
  private constructor(
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
    private readonly timezone: string,
    private readonly logger?: Logger,
    /** The memory limit it was opened with (for the message when DuckDB runs out of it). */
    private readonly memoryLimit?: string,
  ) {}

  private cancelled = false;
  /** The connections fork() made and close() has not closed yet: an interrupt stops them too. */
  private readonly forks = new Set<Warehouse>();
  private parent: Warehouse | undefined;

  /**
   * Cancels a run (SIGTERM, a lost run lock): stops the statement in progress (DuckDB's interrupt) and
   * refuses every later one, so a long stage hands the run back at once instead of at its end. The
   * connections forked from this one are cancelled with it.
   */
  interrupt(): void {
    this.cancelled = true;
    this.connection.interrupt();
    for (const fork of this.forks) fork.interrupt();
  }

  /**
   * Stops the statement running on this connection now, if any, and nothing else: its forks go on and later
   * statements run as usual (the server's way to drop a query nobody waits for). DuckDB drops an interrupt
   * that arrives while no statement runs, even one sent just after a statement was started but before
   * DuckDB's thread took it up: a caller that must stop a statement sends it again until the statement ends.
   */
  interruptStatement(): void {
    this.connection.interrupt();
  }

  private async timed<T>(sql: string, work: () => Promise<T>): Promise<T> {
    if (this.cancelled) throw new AppError('TRANSIENT', 'INTERRUPT: the run was cancelled', { retryable: true });
    const t = performance.now();
    try {
      return await work();
    } catch (e) {
      throw resourceError(e, this.memoryLimit) ?? e;
    } finally {
      if (this.logger?.isLevelEnabled('debug')) {
        this.logger.debug({ ms: Math.round(performance.now() - t), sql: statementHead(sql) }, 'statement');
      }
    }
  }

  static async open(opts: WarehouseOptions): Promise<Warehouse> {
    const config: Record<string, string> = {};
    if (opts.threads) config.threads = String(opts.threads);
    if (opts.memoryLimit) config.memory_limit = memoryLimitSetting(opts.memoryLimit);
    if (opts.tempDirectory) config.temp_directory = opts.tempDirectory;
    if (opts.readOnly) config.access_mode = 'READ_ONLY';
    const instance = await DuckDBInstance.create(opts.path ?? ':memory:', config);
    const connection = await instance.connect();
    const wh = new Warehouse(instance, connection, opts.timezone, opts.logger, opts.memoryLimit);
    try {
      await wh.run('SET TimeZone = $tz', { tz: opts.timezone });
    } catch (e) {
      wh.close();
      throw new AppError('CONFIG', `time zone "${opts.timezone}" is not known to DuckDB: ${(e as Error).message}`);
    }
    return wh;
  }

  async run(sql: string, params?: Params): Promise<void> {
    await this.timed(sql, () => this.connection.run(sql, params as never));
  }

  /**
   * An idempotent statement (CREATE OR REPLACE … AS SELECT: a failed one leaves nothing behind) that, when
   * DuckDB runs out of its memory limit, runs once more on one DuckDB thread, then with the threads as they
   * were. A statement's peak depends on how its threads' work interleaves (each holds hash tables and
   * buffers of its own): at 10 M rows under the default 1 GB limit, 15_facts_all.sql failed in 3 of 19
   * runs, allocating a hash join's 64 MiB pointer table with 945 of 954 MiB in use, and passed in the others
   * (docs/performance.md, stop 46). The retry is logged; if it runs out too, its error is the run's.
   */
  async runOrRetryOnOneThread(sql: string, params?: Params): Promise<void> {
    try {
      await this.run(sql, params);
      return;
    } catch (e) {
      if (!isOutOfMemory(e)) throw e;
      const [{ threads } = { threads: 1 }] = await this.all<{ threads: number }>("SELECT CAST(current_setting('threads') AS INTEGER) AS threads");
      if (!(Number(threads) > 1)) throw e;
      this.logger?.warn({ sql: statementHead(sql), reason: duckdbReason((e as AppError).cause) }, 'DuckDB ran out of memory: the statement runs again on one thread');
      await this.run('SET threads = 1');
      try {
        await this.run(sql, params);
      } finally {
        await this.run(`SET threads = ${Number(threads)}`);
      }
    }
  }

  /** Rows as plain JS values (BIGINT → bigint, DECIMAL → number, DATE → DuckDB date value). Cast counts in SQL. */
  async all<T = Record<string, unknown>>(sql: string, params?: Params): Promise<T[]> {
    const reader = await this.timed(sql, () => this.connection.runAndReadAll(sql, params as never));
    return reader.getRowObjectsJS() as T[];
  }

  /** Columns by name as plain JS values: for large results, far cheaper than an object per row. */
  async columns<T extends Record<string, unknown[]>>(sql: string, params?: Params): Promise<T> {
    const statement = this.statements ? await this.prepared(this.statements, sql) : undefined;
    if (statement) statement.bind((params ?? []) as never);
    const reader = await this.timed(sql, () => (statement ? statement.runAndReadAll() : this.connection.runAndReadAll(sql, params as never)));
    return reader.getColumnsObjectJS() as T;
  }

  /**
   * The result chunk by chunk (DuckDB's vectors of ~2,048 rows), each column as its vector, by name: a
   * large result is held whole neither by DuckDB nor as JS arrays, and a reader copies each value where it
   * keeps it (a typed array) without a JS array per column and chunk between (getColumnsObject).
   */
  async *chunks(sql: string, params?: Params): AsyncGenerator<{ rows: number; column(name: string): DuckDBVector }> {
    const result = await this.timed(sql, () => this.connection.stream(sql, params as never));
    const at = new Map(result.columnNames().map((name, i) => [name, i]));
    for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
      const c = chunk;
      yield {
        rows: c.rowCount,
        column(name) {
          const i = at.get(name);
          if (i === undefined) throw new Error(`the statement returned no column ${name}`);
          return c.getColumnVector(i);
        },
      };
    }
  }

  /**
   * Statements prepared once and rerun with new parameters (`columns` only), the most recently used
   * STATEMENT_CACHE kept: for a server that runs the same few statements again and again, binding and
   * planning a long statement is a good part of its time. Off by default; the caller must not run two
   * statements on one connection at once.
   */
  reuseStatements(): void {
    this.statements ??= new Map();
  }

  private statements: Map<string, DuckDBPreparedStatement> | undefined;

  private async prepared(cache: Map<string, DuckDBPreparedStatement>, sql: string): Promise<DuckDBPreparedStatement> {
    let statement = cache.get(sql);
    if (statement) {
      cache.delete(sql); // to the back of the LRU
    } else {
      statement = await this.connection.prepare(sql);
      while (cache.size >= STATEMENT_CACHE) {
        const [oldest, old] = cache.entries().next().value as [string, DuckDBPreparedStatement];
        cache.delete(oldest);
        old.destroySync();
      }
    }
    cache.set(sql, statement);
    return statement;
  }

  /** Rows as JSON-friendly values: DECIMAL and BIGINT as strings, dates as ISO strings. */
  async json<T = Record<string, unknown>>(sql: string, params?: Params): Promise<T[]> {
    const reader = await this.timed(sql, () => this.connection.runAndReadAll(sql, params as never));
    return reader.getRowObjectsJson() as T[];
  }

  /**
   * Another connection to the same database, in the same time zone: DuckDB runs statements of different
   * connections in parallel. It sees the database's tables, not this connection's TEMP ones; interrupting
   * this connection interrupts it too. Closed by the caller (close()).
   */
  async fork(): Promise<Warehouse> {
    const connection = await this.instance.connect();
    const wh = new Warehouse(this.instance, connection, this.timezone, this.logger, this.memoryLimit);
    wh.owner = false;
    try {
      await wh.run('SET TimeZone = $tz', { tz: this.timezone });
    } catch (e) {
      connection.closeSync();
      throw e;
    }
    wh.parent = this;
    this.forks.add(wh);
    if (this.cancelled) wh.interrupt();
    return wh;
  }

  private owner = true;

  close(): void {
    for (const statement of this.statements?.values() ?? []) statement.destroySync();
    this.statements?.clear();
    this.connection.closeSync();
    this.parent?.forks.delete(this);
    if (this.owner) this.instance.closeSync();
  }
}
