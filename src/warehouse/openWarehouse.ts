// The one place that opens DuckDB (STYLE habit 4): one instance per run or per served run, time zone,
// threads and memory limit set on connect, connections closed by the caller in `finally`.
import { DuckDBConnection, DuckDBInstance, type DuckDBValue } from '@duckdb/node-api';
import type { Logger } from 'pino';
import { AppError } from '../config/AppError.js';

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

export type Params = Record<string, DuckDBValue> | DuckDBValue[];

export class Warehouse {
  private constructor(
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
    private readonly logger?: Logger,
  ) {}

  private async timed<T>(sql: string, work: () => Promise<T>): Promise<T> {
    if (!this.logger?.isLevelEnabled('debug')) return work();
    const t = performance.now();
    try {
      return await work();
    } finally {
      const head = sql.replace(/\s+/g, ' ').trim().slice(0, 100);
      this.logger.debug({ ms: Math.round(performance.now() - t), sql: head }, 'statement');
    }
  }

  static async open(opts: WarehouseOptions): Promise<Warehouse> {
    const config: Record<string, string> = {};
    if (opts.threads) config.threads = String(opts.threads);
    if (opts.memoryLimit) config.memory_limit = opts.memoryLimit;
    if (opts.tempDirectory) config.temp_directory = opts.tempDirectory;
    if (opts.readOnly) config.access_mode = 'READ_ONLY';
    const instance = await DuckDBInstance.create(opts.path ?? ':memory:', config);
    const connection = await instance.connect();
    const wh = new Warehouse(instance, connection, opts.logger);
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

  /** Rows as plain JS values (BIGINT → bigint, DECIMAL → number, DATE → DuckDB date value). Cast counts in SQL. */
  async all<T = Record<string, unknown>>(sql: string, params?: Params): Promise<T[]> {
    const reader = await this.timed(sql, () => this.connection.runAndReadAll(sql, params as never));
    return reader.getRowObjectsJS() as T[];
  }

  /** Columns by name as plain JS values: for large results, far cheaper than an object per row. */
  async columns<T extends Record<string, unknown[]>>(sql: string, params?: Params): Promise<T> {
    const reader = await this.timed(sql, () => this.connection.runAndReadAll(sql, params as never));
    return reader.getColumnsObjectJS() as T;
  }

  /** Rows as JSON-friendly values: DECIMAL and BIGINT as strings, dates as ISO strings. */
  async json<T = Record<string, unknown>>(sql: string, params?: Params): Promise<T[]> {
    const reader = await this.timed(sql, () => this.connection.runAndReadAll(sql, params as never));
    return reader.getRowObjectsJson() as T[];
  }

  /** Another connection to the same database: DuckDB runs statements of different connections in parallel. */
  async fork(): Promise<Warehouse> {
    const connection = await this.instance.connect();
    const wh = new Warehouse(this.instance, connection, this.logger);
    wh.owner = false;
    return wh;
  }

  private owner = true;

  close(): void {
    this.connection.closeSync();
    if (this.owner) this.instance.closeSync();
  }
}
