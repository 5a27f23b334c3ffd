// SPEC §3 database inputs: `{"query": "SELECT …", "connection": "env:NAME"}` on PostgreSQL or MySQL/MariaDB
// (the URL scheme in NAME picks the driver). The result streams into a temporary CSV file beside DuckDB's
// spill files (its temp_directory), which the ordinary CSV reader then maps, presets and checks like any
// file; the file is deleted once read (readInputs.ts) and with the run's scratch space in any case. Memory
// stays flat: PostgreSQL writes the CSV itself (`COPY (query) TO STDOUT`, streamed by pg-copy-streams);
// MySQL rows stream through mysql2 with backpressure and are written as CSV as they come.
// Credentials come only from the environment; no message or log line shows the URL's password (maskUrl).
// Both run the query in a READ ONLY transaction: ltv never writes to the user's database.
// The drivers are imported when a query runs: a run of files does not load them (~0.1 s).
import { isUtf8 } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type mysql from 'mysql2';
import { AppError } from '../config/AppError.js';
import type { InputDef } from '../config/jobSchema.js';
import { namesReadBy } from './presets.js';
import type { SourceFile } from './resolveInputs.js';
import { hasSecondStatement, notOneSelect, withoutLastSemicolon, type Dialect, type LexSettings } from './scanQuery.js';

type Driver = Dialect;

export interface QueryContext {
  /** The job file as it was given (or "command line"), for messages. */
  label: string;
  /**
   * The job file's absolute path: the input's name in what the run publishes (ltv.json's inputs, the file
   * column of quarantine.csv), the same however the path was typed (`ltv run jobs/x.json` named it
   * relatively, the worker absolutely: a sharded run's files differed from the single run's). Absent for
   * a run from the command line.
   */
  jobPath?: string | undefined;
  inputIndex: number;
  /** The report time zone (IANA): PostgreSQL computes the query's dates and zoneless times in it. */
  timezone: string;
  /** Folder of the temporary CSV. */
  dir: string;
  /** Folder `ssl_ca` is relative to. */
  baseDir: string;
  connectTimeoutMs: number;
  /** LTV_QUERY_TIMEOUT_MS: the longest a query may take from connecting to its last row; 0 = no limit. */
  queryTimeoutMs: number;
  /** The run's cancellation (SIGTERM, Ctrl-C, a lost run lock): stops the query on the server and here. */
  signal?: AbortSignal | undefined;
}

/** How far an export got: says whether a lost connection was one that never opened or one lost mid-result. */
interface Progress {
  connected: boolean;
  timedOut: boolean;
  cancelled: boolean;
}

/** Streams the query's result into a temporary CSV and returns it as a source file whose lines are the result's row numbers. */
export async function readQuery(input: InputDef, ctx: QueryContext): Promise<SourceFile> {
  const name = (input.connection ?? '').slice('env:'.length);
  const where = `${ctx.label}: inputs[${ctx.inputIndex}]`;
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') {
    throw new AppError('CONFIG', `${where}.connection: the environment variable ${name} is not set; it must hold the database URL (postgres://user:password@host:5432/db or mysql://…)`);
  }
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new AppError('CONFIG', `${where}.connection: ${name} does not hold a URL (expected postgres://user:password@host:5432/db or mysql://user:password@host:3306/db)`);
  }
  const driver: Driver | undefined = /^postgres(ql)?:$/i.test(url.protocol) ? 'PostgreSQL' : /^(mysql|mariadb):$/i.test(url.protocol) ? 'MySQL' : undefined;
  if (!driver) {
    throw new AppError('CONFIG', `${where}.connection: ${name} holds a ${url.protocol.replace(/:$/, '')}:// URL; ltv reads postgres://, postgresql://, mysql:// or mariadb://`);
  }
  // node-postgres and mysql2 decode the user and password too, and fail on a lone "%" ("URI malformed",
  // which reached the user as an internal error): said here without showing either.
  if (!decodable(url.username) || !decodable(url.password)) {
    throw new AppError('CONFIG', `${where}.connection: the URL in ${name} has a "%" in its user or password that is not followed by two hex digits; percent-encode special characters there (% as %25, @ as %40, : as %3A, / as %2F, # as %23)`);
  }
  // A "/" in the password ends the URL's host part early: `postgres://u:9911/4455@db:5432/x` is user u at
  // host "u", port 9911, path "/4455@db:5432/x", and no password to mask, so every message showed it. An "@"
  // after the host is that, or a "?" or "#" in the password: refused without showing any of it.
  if (/@/.test(url.pathname + url.search + url.hash)) {
    throw new AppError('CONFIG', `${where}.connection: the URL in ${name} has an "@" after its host: a "/", "?" or "#" in the password ends the host part early; percent-encode them in the user and password (/ as %2F, ? as %3F, # as %23, @ as %40)`);
  }
  const secret = decodeURIComponent(url.password);
  const masked = maskUrl(url);
  const named = (job: string): string => `${job}: inputs[${ctx.inputIndex}] (${driver} query on ${masked})`;
  const label = named(ctx.label);
  const ca = input.ssl_ca === undefined ? undefined : await readCa(input.ssl_ca, ctx, where);
  await mkdir(ctx.dir, { recursive: true });
  const file = join(ctx.dir, `ltv-query-${ctx.inputIndex}-${randomBytes(4).toString('hex')}.csv`);
  const progress: Progress = { connected: false, timedOut: false, cancelled: false };
  let refused: RefusedColumn[];
  try {
    refused = driver === 'PostgreSQL' ? await exportPostgres(url, input, ca, file, ctx, progress) : await exportMysql(url, input, ca, file, ctx, progress);
  } catch (e) {
    await rm(file, { force: true });
    if (progress.cancelled) throw new AppError('TRANSIENT', `run cancelled during ingest (${label}: the query was stopped)`, { retryable: true, cause: e });
    if (progress.timedOut) {
      throw new AppError('INPUT', `${label}: the query did not finish within ${duration(ctx.queryTimeoutMs)} (LTV_QUERY_TIMEOUT_MS=${ctx.queryTimeoutMs}); make it faster (an index, a narrower WHERE) or raise LTV_QUERY_TIMEOUT_MS (0 = no limit)`, { cause: e });
    }
    throw queryError(e, driver, label, secret, raw, progress);
  }
  return { path: named(ctx.jobPath ?? ctx.label), inputIndex: ctx.inputIndex, input, format: 'csv', delimiter: ',', gzip: false, query: { file, refused } };
}

/**
 * A result column whose text would not be its value: several values a row (an array, a composite or
 * range, JSON: `{pro,coins}` would be one segment value), or a MySQL FLOAT, which the server sends rounded to
 * 6 significant digits (12345.67 as "12345.7"). readInputs refuses the input where the job reads such a
 * column (`why` follows `column "<name>"`), as it refuses a Parquet list or struct; a column the job does
 * not read is left aside.
 */
export interface RefusedColumn {
  name: string;
  why: string;
}

/** A query input with a parameter ($1 in PostgreSQL, ? in MySQL), which ltv has no value for. */
function noParameters(driver: Driver): string {
  return `the query has a parameter (${driver === 'MySQL' ? '?' : '$1, $2, …'}), and ltv passes none: write the values into the query`;
}

/** A query input's text that is more than one statement (a ";" between two). */
const ONE_STATEMENT = 'the query is more than one statement (a ";" between two): give one SELECT (a WITH … SELECT, VALUES or TABLE is fine); ltv runs it read-only and runs nothing else';

/** A query input that is no SELECT returning rows (DDL, DO, COPY, SELECT … INTO), said with `why` (scanQuery.ts notOneSelect). */
function notASelect(why: string): string {
  return `the query must be one SELECT that returns rows (a WITH … SELECT, VALUES or TABLE is fine), and this one ${why}: ltv reads rows and runs nothing else`;
}

/** 3600000 → "1 h", 90000 → "90 s", 1500 → "1.5 s". */
function duration(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${ms / 1000} s`;
}

/**
 * Ends an export that outlives LTV_QUERY_TIMEOUT_MS by destroying its connection (a server that stopped
 * answering, or a network that went silent, never says so: without this the run waited forever). `grace`
 * leaves the server's own statement timeout, where there is one, the first word.
 */
function watchdog(ctx: QueryContext, progress: Progress, kill: () => void, graceMs = 0): () => void {
  if (ctx.queryTimeoutMs <= 0) return () => undefined;
  const timer = setTimeout(() => {
    progress.timedOut = true;
    kill();
  }, ctx.queryTimeoutMs + graceMs);
  return () => clearTimeout(timer);
}

/**
 * Stops the export when the run is cancelled: `cancel` asks the server to stop the statement (over a
 * connection of its own: a query busy on the server, pg_sleep or a long sort, does not notice its client
 * going away and would run on for up to LTV_QUERY_TIMEOUT_MS), then `kill` drops the connection if the
 * server has not ended the statement within 2 s. Without this a cancelled run waited for its query:
 * Ctrl-C gave up after 10 s and SIGTERM did not hand the run back.
 */
function onCancel(ctx: QueryContext, progress: Progress, cancel: () => Promise<unknown>, kill: () => void): () => void {
  const signal = ctx.signal;
  if (!signal) return () => undefined;
  let timer: NodeJS.Timeout | undefined;
  const stop = (): void => {
    progress.cancelled = true;
    cancel().catch(() => undefined);
    timer = setTimeout(kill, 2_000);
  };
  if (signal.aborted) stop();
  else signal.addEventListener('abort', stop, { once: true });
  return () => {
    signal.removeEventListener('abort', stop);
    clearTimeout(timer);
  };
}

function decodable(text: string): boolean {
  try {
    decodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
}

/** The URL without its password (and without query parameters, which may hold key files' paths). */
export function maskUrl(url: URL): string {
  const user = url.username ? `${decodeURIComponent(url.username)}${url.password ? ':***' : ''}@` : '';
  return `${url.protocol}//${user}${url.host}${url.pathname === '/' ? '' : url.pathname}`;
}

async function readCa(path: string, ctx: QueryContext, where: string): Promise<string> {
  const abs = isAbsolute(path) ? path : resolve(ctx.baseDir, path);
  try {
    return await readFile(abs, 'utf8');
  } catch (e) {
    throw new AppError('CONFIG', `${where}.ssl_ca: cannot read ${abs} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** The job's `ssl` as Node TLS options (libpq's meanings); undefined = what the URL says. */
function tlsOptions(mode: InputDef['ssl'], ca: string | undefined): TlsOptions | false | undefined {
  switch (mode) {
    case undefined:
      return ca === undefined ? undefined : { ca, rejectUnauthorized: true };
    case 'disable':
      return false;
    case 'require':
      // Encrypted, certificate not checked (libpq's `require`); with a CA it is checked (libpq: verify-ca).
      return ca === undefined ? { rejectUnauthorized: false } : { ca, rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case 'verify-ca':
      return { ...(ca === undefined ? {} : { ca }), rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case 'verify-full':
      return { ...(ca === undefined ? {} : { ca }), rejectUnauthorized: true };
  }
}

/** PostgreSQL's `money` type (pg_type.oid). */
const MONEY_OID = 790;

/**
 * The query to copy: as given, or, when it returns `money` columns, selecting those as numeric. COPY writes
 * money as the server's locale formats it (`$1,234.56`, `-$5.00`), text no amount rule reads, so every row
 * was quarantined; `::numeric` is the type's own exact value. The column types come from the query planned
 * with LIMIT 0 (nothing is fetched). The query's columns are selected by position (a column list on the
 * derived table), so a name there twice (a join's two `id`s) does not stop the others' casts; a money column
 * whose own name is there twice is left as it is (README: select it `AS` a name).
 */
async function moneyAsNumeric(client: import('pg').Client, sql: string): Promise<{ sql: string; refused: RefusedColumn[] }> {
  const { fields } = await client.query({ name: 'ltv_columns', text: `SELECT * FROM (${sql}\n) AS ltv_query LIMIT 0` });
  // Arrays, composites, ranges and JSON: by the catalog's category of each result type.
  const { rows: types } = await client.query<{ oid: number; name: string; many: boolean }>(
    "SELECT oid::int AS oid, format_type(oid, NULL) AS name, typcategory IN ('A', 'C', 'R') OR typname IN ('json', 'jsonb', 'record') AS many FROM pg_type WHERE oid = ANY($1::oid[])",
    [[...new Set(fields.map((f) => f.dataTypeID))]],
  );
  const many = new Map(types.filter((t) => t.many).map((t) => [t.oid, t.name]));
  const refused = fields.filter((f) => many.has(f.dataTypeID)).map((f) => ({
    name: f.name,
    why: `is ${many.get(f.dataTypeID)!}, several values a row, where ltv reads one: select one value of it in the query (col[1], data->>'key'), or map another column`,
  }));
  const count = new Map<string, number>();
  for (const f of fields) count.set(f.name, (count.get(f.name) ?? 0) + 1);
  const cast = (f: (typeof fields)[number]): boolean => f.dataTypeID === MONEY_OID && count.get(f.name) === 1;
  if (!fields.some(cast)) return { sql, refused };
  const ident = (name: string): string => `"${name.replaceAll('"', '""')}"`;
  // By position: `ltv_query."x"` of a name there twice is ambiguous, and made the whole cast be skipped.
  const columns = fields.map((f, i) => `ltv_query.c${i + 1}${cast(f) ? '::numeric' : ''} AS ${ident(f.name)}`);
  return { sql: `SELECT ${columns.join(', ')} FROM (${sql}\n) AS ltv_query(${fields.map((_, i) => `c${i + 1}`).join(', ')})`, refused };
}

async function exportPostgres(url: URL, input: InputDef, ca: string | undefined, file: string, ctx: QueryContext, progress: Progress): Promise<RefusedColumn[]> {
  const tls = tlsOptions(input.ssl, ca);
  const target = new URL(url.href);
  // The job's `ssl` replaces the URL's TLS parameters (pg lets the URL win over its own options).
  if (tls !== undefined) for (const p of ['sslmode', 'ssl', 'sslrootcert', 'sslcert', 'sslkey', 'uselibpqcompat']) target.searchParams.delete(p);
  // node-postgres takes sslmode prefer, require and verify-ca as verify-full (README) and says so in a
  // ten-line SECURITY WARNING on the user's terminal at every run: asked for verify-full, it does the same
  // without one.
  const urlMode = target.searchParams.get('sslmode');
  if (tls === undefined && urlMode !== null && ['prefer', 'require', 'verify-ca'].includes(urlMode) && target.searchParams.get('uselibpqcompat') !== 'true') {
    target.searchParams.set('sslmode', 'verify-full');
  }
  const { default: pg } = await import('pg');
  const { to: copyTo } = await import('pg-copy-streams');
  const client = new pg.Client({
    connectionString: target.href,
    ...(tls === undefined ? {} : { ssl: tls }),
    connectionTimeoutMillis: ctx.connectTimeoutMs,
    application_name: 'ltv',
  });
  // A connection lost mid-stream also fails the COPY stream, which is what reports it.
  client.on('error', () => undefined);
  const stop = watchdog(ctx, progress, () => client.connection.stream.destroy(new Error('query timeout')), 5_000);
  let ownTimeout = false;
  let pid: number | null = null;
  const stopOnCancel = onCancel(ctx, progress, async () => {
    if (pid === null) return;
    const side = new pg.Client({ connectionString: target.href, ...(tls === undefined ? {} : { ssl: tls }), connectionTimeoutMillis: ctx.connectTimeoutMs, application_name: 'ltv' });
    side.on('error', () => undefined);
    try {
      await side.connect();
      await side.query('SELECT pg_cancel_backend($1)', [pid]);
    } finally {
      await side.end().catch(() => undefined);
    }
  }, () => client.connection.stream.destroy(new Error('run cancelled')));
  try {
    await client.connect();
    progress.connected = true;
    const session = (await client.query<{ pid: number; scs: boolean }>("SELECT pg_backend_pid() AS pid, current_setting('standard_conforming_strings') = 'on' AS scs")).rows[0]!;
    pid = session.pid;
    if (progress.cancelled) throw new Error('run cancelled');
    await client.query('BEGIN TRANSACTION READ ONLY');
    // The session in the report time zone: what the query makes of an instant (paid_at::date, date_trunc,
    // a timestamp without zone) is the report zone's, as ltv reads a zoneless value; timestamptz still comes
    // with its offset, an instant either way. In UTC, a payment at 00:30 in Berlin on Feb 1 was dated Jan 31
    // by paid_at::date. A zone the server does not know: UTC, as before. Dates in ISO order: text DuckDB reads
    // without guessing.
    await client.query('SAVEPOINT ltv_zone');
    await client.query("SELECT set_config('TimeZone', $1, true)", [ctx.timezone]).catch(async () => {
      await client.query('ROLLBACK TO SAVEPOINT ltv_zone');
      await client.query("SET LOCAL TimeZone = 'UTC'");
    });
    await client.query("SET LOCAL DateStyle = 'ISO, YMD'");
    // Floats as stored: a database or role may set extra_float_digits below 0, and COPY then wrote
    // double precision 1234.56 as 1234.6. Above 0 is the shortest text that reads back exactly (PostgreSQL
    // 12 on); 3 is also the most digits before 12, exact there too.
    await client.query('SET LOCAL extra_float_digits = 3');
    if (ctx.queryTimeoutMs > 0) {
      // The server cancels the query itself (nothing keeps running there after ltv gave up), unless the
      // role's own statement_timeout is already shorter: a DBA's limit is never raised.
      const { rows } = await client.query<{ ms: string }>("SELECT setting AS ms FROM pg_settings WHERE name = 'statement_timeout'");
      const current = Number(rows[0]?.ms ?? 0);
      if (current === 0 || current > ctx.queryTimeoutMs) {
        await client.query(`SET LOCAL statement_timeout = ${Math.floor(ctx.queryTimeoutMs)}`);
        ownTimeout = true;
      }
    }
    const lex: LexSettings = { backslashEscapes: !session.scs };
    const sql = withoutLastSemicolon(input.query!, 'PostgreSQL', lex);
    // The COPY below goes through the simple query protocol, which runs every statement of a text: a query
    // that closed COPY's parenthesis ran its own statements after it (a COMMIT, then writes, outside the
    // READ ONLY transaction). The query is planned first with the extended protocol (a named statement
    // makes pg send Parse; an empty `values` does not), which takes one statement only, and EXPLAIN executes
    // nothing; the text up to the query's end is lexed alike in both, so a query that is one statement there
    // is one inside COPY too.
    await client.query({ name: 'ltv_one_statement', text: `EXPLAIN SELECT * FROM (${sql}\n) AS ltv_query` }).catch((e: unknown) => {
      // Several statements parse as such, or fail at the ";" where the query's own statement ended early.
      if ((e as { code?: string }).code === '42601' && /multiple commands|at or near ";"/.test((e as Error).message)) throw new AppError('INPUT', ONE_STATEMENT);
      // A parameter ($1) has no value: the server calls the empty Bind a protocol violation (08P01), which
      // was said as a lost connection and retried.
      if ((e as { code?: string }).code === '08P01' && /bind message supplies 0 parameters/.test((e as Error).message)) throw new AppError('INPUT', noParameters('PostgreSQL'));
      // Inside the parentheses only a query parses (DDL, DO, COPY … TO a file, SELECT … INTO are syntax
      // errors there, a data-modifying WITH is refused): said in the query's terms.
      if ((e as { code?: string }).code === '0A000' && /data-modifying/.test((e as Error).message)) throw new AppError('INPUT', notASelect('changes data in its WITH'));
      const why = (e as { code?: string }).code === '42601' ? notOneSelect(sql, 'PostgreSQL', lex) : undefined;
      if (why !== undefined) throw new AppError('INPUT', notASelect(why));
      throw e;
    });
    const { sql: copied, refused } = await moneyAsNumeric(client, sql);
    const copy = client.query(copyTo(`COPY (${copied}\n) TO STDOUT WITH (FORMAT csv, HEADER true)`));
    await pipeline(copy, createWriteStream(file));
    await client.query('COMMIT');
    return refused;
  } catch (e) {
    // 57014 is also an operator's pg_cancel_backend: only the statement timeout is ours.
    if (ownTimeout && (e as { code?: string }).code === '57014' && /statement timeout/.test((e as Error).message)) progress.timedOut = true;
    throw e;
  } finally {
    stop();
    stopOnCancel();
    // A connection that broke or went silent may never answer a polite goodbye.
    await Promise.race([client.end().catch(() => undefined), new Promise((ok) => setTimeout(ok, 2_000).unref())]);
    client.connection.stream.destroy();
  }
}

async function exportMysql(url: URL, input: InputDef, ca: string | undefined, file: string, ctx: QueryContext, progress: Progress): Promise<RefusedColumn[]> {
  const target = new URL(url.href);
  target.protocol = 'mysql:';
  // MySQL's own client spells TLS `ssl-mode`: read it here (mysql2 would take it for a session variable).
  const urlMode = target.searchParams.get('ssl-mode') ?? target.searchParams.get('sslmode');
  target.searchParams.delete('ssl-mode');
  target.searchParams.delete('sslmode');
  const mode = input.ssl ?? mysqlMode(urlMode);
  const tls = tlsOptions(mode, ca);
  const { createConnection } = await import('mysql2');
  const conn = createConnection({
    uri: target.href,
    // mysql2 hands these to tls.connect; its typings know fewer of them.
    ...(tls ? { ssl: tls as unknown as mysql.SslOptions } : {}),
    connectTimeout: ctx.connectTimeoutMs,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    // A JSON column (MariaDB's: LONGTEXT that mysql2 parses) is the server's text, as README says: parsed,
    // an object was written as "[object Object]" (every customer of such a column one) and [7, 8] as "7,8".
    jsonStrings: true,
    // Every value as the server's text; a TIMESTAMP is an instant, written in UTC (time_zone below) with
    // its offset, while DATETIME has none and is read in the report time zone like any naive time.
    typeCast: (field: { type: string; string(): string | null }, next: () => unknown) => {
      if (field.type === 'TIMESTAMP') {
        const v = field.string();
        return v === null ? null : `${v}+00:00`;
      }
      // BIT(n) is its number (BIT(1), MySQL's usual flag: 0 or 1, which a boolean column reads). Its raw
      // bytes were written as text: a NUL that quarantined every row as "damaged or binary".
      if (field.type === 'BIT') {
        const bits = next() as Buffer | null;
        return bits === null ? null : BigInt(`0x${bits.toString('hex') || '0'}`).toString();
      }
      if (field.type === 'GEOMETRY') return next();
      // A binary column (BINARY, VARBINARY, BLOB: its charset is binary, and mysql2 hands over its bytes) is
      // text when its bytes are UTF-8; otherwise its bytes go to the CSV as they are, and the row is a bad row
      // "not UTF-8" as a file's is (csvLine). BLOB bytes were decoded with U+FFFD for every bad byte (three ids
      // became one, two payments dropped as duplicates), VARBINARY as Latin-1 ("CafÃ©").
      if (BINARY_CAPABLE.has(field.type)) {
        const v = next();
        return Buffer.isBuffer(v) && isUtf8(v) ? v.toString('utf8') : v;
      }
      return field.string();
    },
  });
  // A query streamed without a callback is not told when the connection is lost (a KILL, a server
  // restart, a dropped network): mysql2 tells the connection only, and the stream would wait forever
  // (the run hung; `ltv run` exited 13 with no word). The connection's error ends the stream with it.
  let rows: Readable | undefined;
  let lost: Error | undefined;
  conn.on('error', (e: Error) => {
    lost ??= e;
    rows?.destroy(e);
  });
  const run = (sql: string): Promise<void> => new Promise((ok, fail) => conn.query(sql, (e) => (e ? fail(e) : ok())));
  let connected = false;
  let stop = (): void => undefined;
  const drop = (e: Error): void => {
    lost ??= e;
    rows?.destroy(e);
    // mysql2's destroy() only ends its side of the socket: a server busy with the statement (SLEEP, a long
    // sort) reads nothing until it ends, so the socket, and the command with it, stayed open that long.
    (conn as unknown as { stream?: { destroy(): void } }).stream?.destroy();
    conn.destroy();
  };
  // The statement stopped on the server, over a connection of its own (the query's own is busy), within 2 s.
  const killQuery = async (): Promise<void> => {
    const side = createConnection({ uri: target.href, ...(tls ? { ssl: tls as unknown as mysql.SslOptions } : {}), connectTimeout: Math.min(ctx.connectTimeoutMs, 2_000) });
    side.on('error', () => undefined);
    await new Promise<void>((ok, fail) => side.query(`KILL QUERY ${Number(conn.threadId)}`, (e) => (e ? fail(e) : ok()))).finally(() => side.destroy());
  };
  // Before the connection is open there is nothing to stop on the server, and destroying a handshake in
  // progress leaves mysql2's connect callback uncalled: connecting ends by itself (connectTimeout).
  const stopOnCancel = onCancel(ctx, progress, async () => {
    if (connected) await killQuery();
  }, () => {
    if (connected) drop(new Error('run cancelled'));
  });
  try {
    await new Promise<void>((ok, fail) => conn.connect((e) => (e ? fail(e) : ok())));
    connected = true;
    progress.connected = true;
    if (progress.cancelled) throw new Error('run cancelled');
    // From here (connecting has its own timeout). Destroying the connection ends the stream through its error.
    // The statement is stopped on the server too, as PostgreSQL's statement_timeout does (it ran on for as
    // long as it took, and the socket with it).
    stop = watchdog(ctx, progress, () => {
      killQuery().catch(() => undefined);
      drop(new Error('query timeout'));
    });
    await run("SET time_zone = '+00:00'");
    // How the session lexes the query's strings (scanQuery.ts), for the trailing ";" and for what a refusal says.
    const mode = await new Promise<string>((ok, fail) => conn.query('SELECT @@SESSION.sql_mode AS mode', (e, rows) => (e ? fail(e) : ok(String((rows as { mode: unknown }[])[0]?.mode ?? '')))));
    const lex: LexSettings = { backslashEscapes: !/\bNO_BACKSLASH_ESCAPES\b/i.test(mode), ansiQuotes: /\bANSI_QUOTES\b/i.test(mode) };
    await run('START TRANSACTION READ ONLY');
    let header: string[] = [];
    const refused: RefusedColumn[] = [];
    const sql = withoutLastSemicolon(input.query!, 'MySQL', lex);
    // Run as given, DDL (DROP, TRUNCATE, CREATE … AS SELECT) committed itself out of the READ ONLY
    // transaction, SELECT … INTO OUTFILE wrote a file on the server and DO ran, each before ltv failed for
    // want of rows. The query is first prepared inside EXISTS (…), where the server's parser takes one
    // query and nothing else, and preparing runs nothing; the line break keeps a trailing line comment
    // from taking the parenthesis. It then runs as given, so its ORDER BY holds (MariaDB drops the ORDER BY
    // of a derived table) and its columns keep their names and types. The text lexes alike in both (the "("
    // before it leaves no literal or comment open): a text that is one query there and parses alone is
    // that query.
    const parameters = await new Promise<number>((ok, fail) => conn.prepare(`SELECT EXISTS (${sql}\n) AS ltv_query`, (e, statement) => {
      if (e) return fail(e);
      const n = (statement as unknown as { parameters: unknown[] }).parameters.length;
      statement.close();
      ok(n);
    })).catch((e: unknown) => {
      throw mysqlRefusal(e, sql, lex);
    });
    if (parameters > 0) throw new AppError('INPUT', noParameters('MySQL'));
    const query = conn.query({ sql, rowsAsArray: true });
    query.on('fields', (fields: { name: string; orgName?: string; columnType: number }[]) => {
      header = fields.map((f) => f.name);
      const read = namesReadBy(input);
      unread = header.map((name) => !read.has(name.toLowerCase()));
      for (const f of fields) {
        if (f.columnType === MYSQL_FLOAT) refused.push({ name: f.name, why: `is FLOAT, which MySQL sends rounded to 6 significant digits (12345.67 as "12345.7"): select it as an exact decimal in the query (${castOf(f)}), or store it as DECIMAL` });
        if (f.columnType === MYSQL_JSON) refused.push({ name: f.name, why: `is JSON, which holds several values a row where ltv reads one: select one value of it in the query (JSON_VALUE(${f.name}, '$.key')), or map another column` });
      }
    });
    let wroteHeader = false;
    /** Per column: the job does not read it (a NUL in its text is dropped, csvLine). */
    let unread: boolean[] = [];
    const toCsv = new Transform({
      writableObjectMode: true,
      transform(row: unknown[], _enc, done) {
        const head = wroteHeader ? '' : csvLine(header);
        wroteHeader = true;
        const line = csvLine(row, unread);
        done(null, typeof line === 'string' && typeof head === 'string' ? head + line : Buffer.concat([Buffer.from(head), Buffer.from(line)]));
      },
      flush(done) {
        done(null, wroteHeader ? '' : csvLine(header));
      },
    });
    rows = query.stream({ highWaterMark: 1024 });
    if (lost) rows.destroy(lost);
    await pipeline(rows, toCsv, createWriteStream(file)).catch((e: unknown) => {
      throw mysqlRefusal(e, sql, lex);
    });
    await run('COMMIT');
    return refused;
  } finally {
    stop();
    stopOnCancel();
    // A connection that never opened (or broke) has nothing to end politely: end() would wait forever.
    // One that broke mid-stream may not answer either: destroyed after a grace period.
    if (connected) {
      await new Promise<void>((ok) => {
        const timer = setTimeout(() => ok(), 2_000);
        conn.end(() => {
          clearTimeout(timer);
          ok();
        });
      });
    }
    conn.destroy();
  }
}

/**
 * MySQL's refusal of the query, ltv's EXISTS (…) around it taken out: said in the query's terms where the
 * query is the reason (more than one statement, no SELECT), else the server's words about the query's own
 * text.
 */
function mysqlRefusal(e: unknown, sql: string, lex: LexSettings): unknown {
  const err = e as { code?: string; sqlMessage?: string };
  if (err.code !== 'ER_PARSE_ERROR') return e;
  // mysql2 runs one statement (multipleStatements off): the server refuses the rest as a syntax error,
  // which said nothing of why (PostgreSQL's refusal is worded as ONE_STATEMENT).
  if (hasSecondStatement(sql, 'MySQL', lex)) return new AppError('INPUT', ONE_STATEMENT);
  const why = notOneSelect(sql, 'MySQL', lex);
  if (why !== undefined) return new AppError('INPUT', notASelect(why));
  if (err.sqlMessage !== undefined) {
    err.sqlMessage = err.sqlMessage.replace(/ near '([\s\S]*)' at line (\d+)$/, (_all, near: string, line: string) => {
      const own = near.replace(/\n?\) AS ltv_query$/, '');
      // At the end of the query the server quotes ltv's closing line, one after the query's last.
      return ` near '${own}' at line ${own === '' ? Math.max(1, Number(line) - 1) : line}`;
    });
  }
  return e;
}

function mysqlMode(value: string | null): InputDef['ssl'] {
  switch (value?.toUpperCase()) {
    case undefined:
      return undefined;
    case 'DISABLED':
      return 'disable';
    case 'VERIFY_CA':
      return 'verify-ca';
    case 'VERIFY_IDENTITY':
      return 'verify-full';
    default:
      // PREFERRED and REQUIRED: encrypted (mysql2 cannot fall back to plain text).
      return 'require';
  }
}

/**
 * The cast that selects a FLOAT result column as an exact decimal under its own name. It names the table's
 * column (the field's orgName): MySQL cannot use an alias inside its own SELECT list, so
 * `CAST(amount …)` for `amt_f AS amount` failed. An expression has no orgName: the user casts it.
 */
function castOf(field: { name: string; orgName?: string }): string {
  const ident = (name: string): string => (/^[A-Za-z_][A-Za-z0-9_$]*$/.test(name) ? name : `\`${name.replaceAll('`', '``')}\``);
  const as = `AS ${ident(field.name)}`;
  return field.orgName ? `CAST(${ident(field.orgName)} AS DECIMAL(18, 2)) ${as}` : `CAST(… AS DECIMAL(18, 2)) ${as}, … being the expression ${field.name} is selected from`;
}

/** MySQL's types whose column may be binary (mysql2 then hands over a Buffer): the string and BLOB types. */
const BINARY_CAPABLE = new Set(['STRING', 'VAR_STRING', 'VARCHAR', 'BLOB', 'TINY_BLOB', 'MEDIUM_BLOB', 'LONG_BLOB']);

/**
 * One CSV line (RFC 4180): NULL is an empty field, text is quoted when it has to be. A NUL character in the
 * text of a column the job does not read (`unread`) is dropped: a MySQL TEXT may hold one, and the whole
 * row was set aside as "damaged or binary" for a column ltv never reads. In a column it reads, the row is
 * a bad row (splitCsvToClean: the value holds a NUL), as in JSON Lines. A binary value that is not UTF-8 (a
 * Buffer) is written as its bytes in a column the job reads, so the line is a bad row "not UTF-8", as a file's
 * line is; in one it does not read it costs nothing.
 */
function csvLine(values: readonly unknown[], unread: readonly boolean[] = []): string | Buffer {
  let bytes = false;
  const fields = values.map((v, i): string | Buffer => {
    if (v === null || v === undefined) return '';
    if (Buffer.isBuffer(v) && !unread[i]) {
      bytes = true;
      return v.some((b) => b === 0x22 || b === 0x2c || b === 0x0d || b === 0x0a) ? Buffer.concat([QUOTE, Buffer.from(v.toString('latin1').replace(/"/g, '""'), 'latin1'), QUOTE]) : v;
    }
    let s = Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
    if (unread[i] && s.includes('\0')) s = s.replaceAll('\0', '');
    return s === '' || /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  });
  if (!bytes) return `${fields.join(',')}\n`;
  return Buffer.concat(fields.flatMap((f, i) => [i ? COMMA : EMPTY, typeof f === 'string' ? Buffer.from(f, 'utf8') : f]).concat(NEWLINE));
}
const QUOTE = Buffer.from('"');
const COMMA = Buffer.from(',');
const EMPTY = Buffer.alloc(0);
const NEWLINE = Buffer.from('\n');

/** MySQL's column types (a result field's columnType) whose text is not the value: FLOAT, and JSON (MySQL's; MariaDB's JSON is LONGTEXT). */
const MYSQL_FLOAT = 4;
const MYSQL_JSON = 245;

/** PostgreSQL SQLSTATEs worth retrying: the connection or the server, not the query (Appendix A of its manual). */
const PG_TRANSIENT = /^(08|53|57P0[1235]|40001|40P01|58000|58030)/;
/** mysql2's names of MySQL/MariaDB errors worth retrying: the server or the connection, not the query. */
const MYSQL_TRANSIENT = new Set([
  'PROTOCOL_CONNECTION_LOST', 'ER_CON_COUNT_ERROR', 'ER_TOO_MANY_USER_CONNECTIONS', 'ER_SERVER_SHUTDOWN', 'ER_CONNECTION_KILLED',
  'ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT', 'ER_NET_READ_INTERRUPTED', 'ER_NET_WRITE_INTERRUPTED', 'ER_NET_READ_ERROR',
]);

/** mysql2's names of MySQL/MariaDB errors that refuse the login itself, said as "authentication failed". */
const MYSQL_LOGIN_REFUSED = new Set(['ER_ACCESS_DENIED_ERROR', 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR', 'ER_NOT_SUPPORTED_AUTH_MODE']);

/**
 * One line naming the job, the input and what the server said; never the password. Connection problems
 * are retryable (the server may be restarting), a refused login or a bad query is not. A connection
 * lost after it opened (the server restarted, an operator ended the session, the network dropped) is
 * said as such, and retried like one that could not open.
 */
function queryError(e: unknown, driver: Driver, label: string, secret: string, raw: string, progress: Progress): AppError {
  // ltv's own reason (a query of several statements): said as it is, naming the input.
  if (e instanceof AppError) return new AppError(e.code, `${label}: ${e.message}`, { cause: e });
  const err = e as { code?: string; errno?: number; message?: string; sqlMessage?: string };
  // One line, the whole message: a value the server quotes may hold a line break (`"1\n2"`), shown escaped
  // (cut at the first line, the message ended on `"1` with no closing quote).
  let text = (err.sqlMessage ?? err.message ?? String(e)).trim().replaceAll('\r', '\\r').replaceAll('\n', '\\n');
  for (const s of [raw, raw.trim(), secret]) if (s) text = text.split(s).join('***');
  const code = err.code ?? '';
  const network = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EPIPE', 'PROTOCOL_CONNECTION_LOST'].includes(code)
    // node-postgres says these without a code (a server's own "statement timeout" has one: 57014).
    || (code === '' && /timeout|terminated unexpectedly/i.test(text));
  if (code === 'ENOTFOUND') return new AppError('CONFIG', `${label}: cannot connect: host not found (${text})`, { cause: e });
  const serverSide = driver === 'PostgreSQL' ? PG_TRANSIENT.test(code) : MYSQL_TRANSIENT.has(code);
  if (progress.connected && (network || serverSide)) {
    const reason = `${text}${code && !/^E[A-Z]+$/.test(code) && code !== 'PROTOCOL_CONNECTION_LOST' ? ` (${code})` : ''}`;
    return new AppError('TRANSIENT', `${label}: the connection to ${driver} was lost during the query: ${reason} (transient: a worker retries the run)`, { cause: e });
  }
  if (network || serverSide) {
    const reason = code === 'ECONNREFUSED' ? 'connection refused' : `${text}${serverSide && !network ? ` (${code})` : ''}`;
    return new AppError('TRANSIENT', `${label}: cannot connect to ${driver}: ${reason} (is the server running and reachable?)`, { cause: e });
  }
  // MySQL's refused logins: a wrong password (1045), an unknown user that MariaDB answers with 1698, and a
  // user who may not use the URL's database (1044, a login failure only before the connection opened).
  const auth = driver === 'PostgreSQL' ? /^28/.test(code) : MYSQL_LOGIN_REFUSED.has(code) || (code === 'ER_DBACCESS_DENIED_ERROR' && !progress.connected);
  if (auth) return new AppError('CONFIG', `${label}: authentication failed: ${text}`, { cause: e });
  const noDatabase = driver === 'PostgreSQL' ? code === '3D000' : code === 'ER_BAD_DB_ERROR';
  if (noDatabase) return new AppError('CONFIG', `${label}: ${text}`, { cause: e });
  // mysql2's HANDSHAKE_NO_SSL_SUPPORT says "Server does not support secure connection": TLS too, not the query.
  if (/ssl|tls|certificate/i.test(text) || /SSL/.test(code)) return new AppError('CONFIG', `${label}: TLS: ${text} (see "ssl" in the job file or the URL's sslmode)`, { cause: e });
  // A file the URL names (sslrootcert, sslcert, sslkey) that cannot be read: before connecting, not the query.
  if (!progress.connected && ['ENOENT', 'EACCES', 'EISDIR'].includes(code)) {
    return new AppError('CONFIG', `${label}: a file the URL names (sslrootcert, sslcert or sslkey) cannot be read: ${text}`, { cause: e });
  }
  // Not ltv's limit (that one is said by readQuery): the role's or the database's own, which ltv never raises.
  const serverLimit = code === '57014' && /statement timeout/.test(text) ? '; the statement_timeout of this role or database on the server stopped it' : '';
  return new AppError('INPUT', `${label}: the query failed: ${text}${code && !/^E[A-Z]+$/.test(code) ? ` (${code})` : ''}${serverLimit}`, { cause: e });
}
