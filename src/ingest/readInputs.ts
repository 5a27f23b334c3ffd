// SPEC §3: reads every input file, maps it onto the canonical columns and checks it, in one pass per file,
// into the `checked_rows` table (src/sql/05_check_rows.sql), seen through the view `checked`. A file that
// cannot be read, is not the declared format, or lacks a required column fails the run with a message
// naming the file; rows the reader cannot split are kept with their reason (quarantined later).
import { rm } from 'node:fs/promises';
import { CANONICAL_COLUMNS, type CanonicalColumn } from '../config/jobSchema.js';
import { AppError } from '../config/AppError.js';
import { loadSql, quoteIdent, quoteLiteral } from '../warehouse/loadSql.js';
import { listValue, type DuckDBValue } from '@duckdb/node-api';
import type { Warehouse } from '../warehouse/openWarehouse.js';
import { presetFor, rowPresetFor, type ColumnSource } from './presets.js';
import { wrapRowPreset } from './presets/wrapRowPreset.js';
import type { SourceFile } from './resolveInputs.js';

const REQUIRED: readonly CanonicalColumn[] = ['customer_id', 'event_time', 'amount'];
/** A byte that does not occur in text exports: splits nothing, so each physical line is one field. */
const NO_DELIMITER = '\u0001';

export interface InputFileStats {
  path: string;
  format: string;
  rows: number;
  /** The mapping used, for the About sheet: canonical column → the file's column(s), or "derived". */
  columns: Record<string, string>;
}

interface Reader {
  reader: string;
  params: Record<string, string>;
  line: string;
  /** SQL: is `line` the physical line (default `s.line IS NOT NULL`) or a position (wrapRowPreset.ts)? */
  lineKnown?: string;
  parseError: string;
  where: string;
  /** Source column name → SQL text expression reading it. */
  columns: Map<string, string>;
}

/** Columns of checked_rows whatever the inputs hold. */
const ALWAYS = ['file_idx', 'line', 'line_known', 'tenant_id', 'customer_id', 'event_time', 'amount', 'currency', 'r10'];
/** The attribute columns (SPEC §3 dimensions), in canonical order. */
export const DIMENSIONS = CANONICAL_COLUMNS.slice(CANONICAL_COLUMNS.indexOf('product_id'));
/**
 * Output columns stored only when some input has their source column: [column, source, value otherwise].
 * The view `checked` supplies the value otherwise, so the statements after ingest see every column.
 */
const OPTIONAL: readonly [string, CanonicalColumn, string][] = [
  ['transaction_id', 'transaction_id', 'CAST(NULL AS VARCHAR)'],
  ['commission', 'commission_percentage', 'CAST(NULL AS DECIMAL(18, 4))'],
  ['tax', 'tax_percentage', 'CAST(NULL AS DECIMAL(18, 4))'],
  ['proceeds', 'proceeds', 'CAST(NULL AS DECIMAL(18, 4))'],
  ['net_revenue', 'net_revenue', 'CAST(NULL AS DECIMAL(18, 4))'],
  ['renewal_number', 'renewal_number', 'CAST(NULL AS INTEGER)'],
  ['refunded_at', 'refunded_at', 'CAST(NULL AS TIMESTAMPTZ)'],
  ['refund_of', 'refund_of', 'CAST(NULL AS VARCHAR)'],
  ['is_sandbox', 'is_sandbox', 'FALSE'],
  ['is_trial', 'is_trial', 'FALSE'],
  ['updated_at', 'updated_at', 'CAST(NULL AS TIMESTAMPTZ)'],
  ...DIMENSIONS.map((d): [string, CanonicalColumn, string] => [d, d, 'CAST(NULL AS VARCHAR)']),
];

/**
 * Which columns of `checked` checked_rows stores, and how a later statement names one: the column, or
 * the constant the view gives it when no input has it. Naming the constant keeps a column of NULLs out of
 * sorts and tables (buildFacts.ts).
 */
export interface CheckedColumns {
  stored(column: string): boolean;
  ref(column: string): string;
}

export async function readInputs(
  wh: Warehouse,
  files: SourceFile[],
  opts: { currency: string; tenant: string },
): Promise<{
  files: InputFileStats[];
  columns: CheckedColumns;
  /** The statement (re)creating the view `checked`; with `tenant`, the view gives every row that tenant as a
   *  constant (pipeline.ts: when every row has the same one). */
  checkedView: (tenant?: string) => string;
}> {
  const reportCurrency = opts.currency;
  await wh.run('CREATE OR REPLACE TABLE input_files (file_idx INTEGER, path VARCHAR, first_row BIGINT, header_lines INTEGER)');
  await wh.run('CREATE OR REPLACE TABLE rejects (file_idx INTEGER, line BIGINT, rank BIGINT)');
  // Every file's columns first: the table stores the union of what the inputs have.
  const mapped: { file: SourceFile; reader: Reader; columns: Map<CanonicalColumn, string> }[] = [];
  for (const file of files) {
    const opened = await openReader(wh, file);
    const rowPreset = rowPresetFor(file.input.preset);
    const reader = rowPreset ? await wrapRowPreset(wh, opened, rowPreset, headerLines(file)) : opened;
    mapped.push({ file, reader, columns: new Map(CANONICAL_COLUMNS.map((c) => [c, mapColumn(file, reader, c, reportCurrency)])) });
  }
  const present = OPTIONAL.filter(([, source]) => mapped.some((m) => m.columns.get(source) !== 'NULL'));
  const absent = OPTIONAL.filter((o) => !present.includes(o));
  // The currency is stored as its number (currency_code, 05_check_rows.sql): 2 bytes a row instead of 16.
  const keep = [...ALWAYS, ...present.map(([column]) => column)]
    .map((c) => (c === 'currency' ? 'currency_code AS currency' : quoteIdent(c))).join(', ');
  const rates = await rateLookup(wh);
  const stats: InputFileStats[] = [];
  for (const [fileIdx, { file, reader, columns }] of mapped.entries()) {
    const select = CANONICAL_COLUMNS.map((c) => `${columns.get(c)} AS ${quoteIdent(c)}`);
    const before = fileIdx === 0 ? 0 : await count(wh);
    // checked_rows' rowids are dense and in reading order: a row's line is its rowid − first_row + header + 1.
    await wh.run('INSERT INTO input_files VALUES ($i, $p, $first, $header)', {
      i: fileIdx, p: file.path, first: before, header: headerLines(file),
    });
    try {
      await wh.run(
        loadSql('05_check_rows', {
          verb: fileIdx === 0 ? 'CREATE OR REPLACE TEMP TABLE checked_rows AS' : 'INSERT INTO checked_rows',
          keep,
          line: reader.line,
          line_known: reader.lineKnown ?? 's.line IS NOT NULL',
          parse_error: reader.parseError,
          columns: select.join(',\n    '),
          reader: reader.reader,
          where: reader.where,
          rate: rates.expression,
          currency_code: rates.code,
        }),
        { ...reader.params, ...rates.params, file_idx: String(fileIdx), currency: opts.currency, tenant: opts.tenant },
      );
    } catch (e) {
      throw fileError(file, e);
    }
    if (file.format === 'csv') await stageRejectedRows(wh, fileIdx, opts.tenant);
    if (file.query) await rm(file.query.file, { force: true });
    stats.push({ path: file.path, format: file.format, rows: (await count(wh)) - before, columns: sourceColumns(reader, columns) });
  }
  const checkedView = (tenant?: string): string =>
    // row_id: the row's place in reading order (the rowid of checked_rows).
    `CREATE OR REPLACE TEMP VIEW checked AS SELECT rowid AS row_id, *${
      tenant === undefined ? '' : ` REPLACE (CAST(${quoteLiteral(tenant)} AS VARCHAR) AS tenant_id)`}${
      absent.map(([column, , value]) => `, ${value} AS ${quoteIdent(column)}`).join('')} FROM checked_rows`;
  await wh.run(checkedView());
  const constants = new Map(absent.map(([column, , value]) => [column, value]));
  return {
    files: stats,
    columns: { stored: (name) => !constants.has(name), ref: (name) => constants.get(name) ?? quoteIdent(name) },
    checkedView,
  };
}

/**
 * The currency's number of a typed row (05_check_rows.sql): 0 the report currency, i + 1 the rates file's
 * i-th currency, NULL any other; and its r10, by that number: 10¹⁰ in the report currency, else the
 * currency's rate of the local date from its daily rates (04_rate_days.sql), bound as one list per
 * currency. A lookup without a join keeps the check statement in reading order.
 */
async function rateLookup(wh: Warehouse): Promise<{ expression: string; code: string; params: Record<string, DuckDBValue> }> {
  const lists = await wh.columns<{ currency: string[]; first_day: string[]; r10s: bigint[][] }>(
    "SELECT currency, strftime(min(day), '%Y-%m-%d') AS first_day, list(r10 ORDER BY day) AS r10s FROM rate_days GROUP BY currency",
  );
  const params: Record<string, DuckDBValue> = {};
  const codes: string[] = [];
  const rates: string[] = [];
  lists.currency.forEach((currency, i) => {
    params[`rate_currency_${i}`] = currency;
    params[`rate_first_${i}`] = lists.first_day[i]!;
    params[`rate_r10_${i}`] = listValue(lists.r10s[i]!);
    codes.push(`WHEN t.currency = $rate_currency_${i} THEN ${i + 1}`);
    rates.push(`WHEN ${i + 1} THEN ltv_rate(CAST($rate_r10_${i} AS BIGINT[]), CAST($rate_first_${i} AS DATE), CAST(ltv_local(c.event_time) AS DATE))`);
  });
  return {
    code: `CAST(CASE WHEN t.currency = $currency THEN 0 ${codes.join(' ')} END AS SMALLINT)`,
    expression: `CASE c.currency_code WHEN 0 THEN CAST(10000000000 AS BIGINT) ${rates.join(' ')} END`,
    params,
  };
}

/** Lines before the first row: a CSV's header; none in Parquet or a query's result (rows are numbered from 1). */
function headerLines(file: SourceFile): number {
  return file.format === 'parquet' || file.query ? 0 : 1;
}

async function count(wh: Warehouse): Promise<number> {
  const [row] = await wh.all<{ n: number }>('SELECT count(*)::INTEGER AS n FROM checked_rows');
  return row?.n ?? 0;
}

async function openReader(wh: Warehouse, file: SourceFile): Promise<Reader> {
  const params: Record<string, string> = { path: file.query?.file ?? file.path };
  let reader: string;
  let line = 'NULL';
  let parseError = 'NULL';
  let where = '';
  const columns = new Map<string, string>();

  if (file.format === 'csv') {
    // all_varchar: validation is ours, row by row; ignore_errors + store_rejects: a malformed row is
    // quarantined with DuckDB's reason and line instead of failing the file.
    params.delim = file.delimiter ?? '';
    reader = `read_csv($path, all_varchar = true, header = true, ignore_errors = true, store_rejects = true${
      file.delimiter ? ', delim = $delim' : ''}, null_padding = false)`;
    if (!file.delimiter) delete params.delim;
    for (const name of await describe(wh, file, `SELECT * FROM ${reader} LIMIT 0`, params)) {
      columns.set(name, `CAST(src.${quoteIdent(name)} AS VARCHAR)`);
    }
  } else if (file.format === 'parquet') {
    reader = 'read_parquet($path)';
    for (const name of await describe(wh, file, `SELECT * FROM ${reader} LIMIT 0`, params)) {
      columns.set(name, `CAST(src.${quoteIdent(name)} AS VARCHAR)`);
    }
  } else {
    // Line-oriented formats are read one physical line per row, so line numbers are exact.
    params.sep = NO_DELIMITER;
    const lines = `(SELECT text, row_number() OVER () AS n FROM read_csv($path, columns = {'text': 'VARCHAR'}, header = false, delim = $sep, quote = '', escape = '', auto_detect = false, strict_mode = false))`;
    line = 'src.n';
    if (file.format === 'whitespace') {
      reader = `(SELECT n, regexp_split_to_array(trim(text), '\\s+') AS f, text FROM ${lines})`;
      where = "WHERE src.n > 1 AND trim(src.text) <> ''";
      const [head] = await query<{ text: string }>(wh, file, `SELECT text FROM ${lines} WHERE n = 1`, params);
      const names = (head?.text ?? '').trim().split(/\s+/).filter(Boolean);
      names.forEach((name, i) => columns.set(name, `src.f[${i + 1}]`));
      parseError = `CASE WHEN len(src.f) <> ${names.length} THEN 'expected ${names.length} whitespace-separated fields, found ' || len(src.f) END`;
    } else {
      reader = lines;
      where = "WHERE trim(src.text) <> ''";
      const keys = await query<{ k: string }>(
        wh, file,
        `SELECT DISTINCT unnest(json_keys(text)) AS k FROM (SELECT text FROM ${lines} WHERE json_valid(text) AND trim(text) <> '' LIMIT 10000) ORDER BY k`,
        params,
      );
      for (const { k } of keys) columns.set(k, `json_extract_string(src.text, ${quoteLiteral(jsonPath(k))})`);
      parseError = `CASE WHEN NOT json_valid(src.text) THEN 'not a valid JSON line' WHEN json_type(src.text) <> 'OBJECT' THEN 'not a JSON object' END`;
    }
  }
  return { reader, params, line, parseError, where, columns };
}

function jsonPath(key: string): string {
  return `$."${key.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Which of the file's columns each canonical column reads (those its expression names), or "derived". */
function sourceColumns(reader: Reader, columns: Map<CanonicalColumn, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [c, expr] of columns) {
    if (expr === 'NULL') continue;
    const names = [...reader.columns].filter(([, e]) => expr.includes(e)).map(([name]) => name);
    out[c] = names.length ? names.join(' + ') : 'derived';
  }
  return out;
}

/** The SQL text for canonical column `c`: the job's map, else the preset, else the column of that name. */
function mapColumn(file: SourceFile, reader: Reader, c: CanonicalColumn, reportCurrency: string): string {
  const byLower = new Map([...reader.columns.keys()].map((k) => [k.toLowerCase(), k]));
  const find = (name: string): string | undefined => {
    const actual = reader.columns.has(name) ? name : byLower.get(name.toLowerCase());
    return actual === undefined ? undefined : reader.columns.get(actual);
  };
  const mapped = file.input.map[c];
  if (mapped !== undefined) {
    const expr = find(mapped);
    if (expr === undefined) {
      throw new AppError('INPUT', `${file.path}: inputs[${file.inputIndex}].map.${c}: the file has no column "${mapped}" (it has: ${listColumns(reader)})`);
    }
    return maybeTimeFormat(file, c, expr);
  }
  const preset = presetFor(file.input.preset, reportCurrency)[c];
  if (preset) {
    const expr = presetExpr(preset, find);
    if (expr !== undefined) return maybeTimeFormat(file, c, expr);
    if (file.input.preset === 'revenuecat' && (c === 'amount' || c === 'currency')) {
      // price_in_usd absent: fall back to the purchased currency columns.
      const fallback = presetExpr(presetFor('revenuecat', 'XXX')[c] as ColumnSource, find);
      if (fallback !== undefined) return fallback;
    }
  }
  const own = find(c);
  if (own !== undefined) return maybeTimeFormat(file, c, own);
  if (REQUIRED.includes(c)) {
    throw new AppError(
      'INPUT',
      `${file.path}: no column for the required "${c}" (the file has: ${listColumns(reader)}); map one with --map ${c}=<column> or "map" in the job file`,
    );
  }
  return 'NULL';
}

function presetExpr(source: ColumnSource, find: (name: string) => string | undefined): string | undefined {
  const present = source.from.map(find).filter((e): e is string => e !== undefined);
  if (source.from.length === 0 && source.transform) return source.transform;
  if (present.length === 0) return undefined;
  const col = source.coalesce && present.length > 1 ? `coalesce(${present.map((e) => `nullif(trim(${e}), '')`).join(', ')})` : present[0]!;
  if (!source.transform) return col;
  let sql = source.transform.replaceAll('$col', `(${col})`);
  // Other columns the transform reads (presets.ts `with`), longest names first so none is a prefix of another.
  for (const [name, from] of Object.entries(source.with ?? {}).sort(([a], [b]) => b.length - a.length)) {
    const expr = from.map(find).find((e) => e !== undefined);
    sql = sql.replaceAll(`$${name}`, expr === undefined ? 'CAST(NULL AS VARCHAR)' : `(${expr})`);
  }
  return sql;
}

function maybeTimeFormat(file: SourceFile, c: CanonicalColumn, expr: string): string {
  if (c !== 'event_time' || !file.input.time_format) return expr;
  // A custom format is turned into ISO text; text it does not parse stays as it was (and is quarantined).
  const fmt = quoteLiteral(file.input.time_format);
  return `coalesce(strftime(try_strptime(${expr}, ${fmt}), '%Y-%m-%dT%H:%M:%S.%f'), ${expr})`;
}

function listColumns(reader: Reader): string {
  const names = [...reader.columns.keys()];
  return names.length ? names.slice(0, 40).join(', ') : '(no columns)';
}

async function describe(wh: Warehouse, file: SourceFile, sql: string, params: Record<string, string>): Promise<string[]> {
  try {
    const reader = await wh.connection.runAndReadAll(sql, params);
    return reader.columnNames();
  } catch (e) {
    throw fileError(file, e);
  }
}

async function query<T>(wh: Warehouse, file: SourceFile, sql: string, params: Record<string, string>): Promise<T[]> {
  try {
    return await wh.json<T>(sql, params);
  } catch (e) {
    throw fileError(file, e);
  }
}

/** Rows DuckDB's CSV reader could not split: quarantined with its reason, at their physical line. */
async function stageRejectedRows(wh: Warehouse, fileIdx: number, tenant: string): Promise<void> {
  // DuckDB may report one line several times (once per surplus column): one quarantined row per line.
  await wh.run(
    `CREATE OR REPLACE TEMP TABLE rejected_lines AS
     SELECT DISTINCT ON (line) line::BIGINT AS line, error_type, error_message FROM reject_errors ORDER BY line`,
  );
  await wh.run(
    `INSERT INTO checked_rows BY NAME
     SELECT CAST($f AS INTEGER) AS file_idx, line, TRUE AS line_known, CAST($t AS VARCHAR) AS tenant_id,
            'malformed CSV row: ' || error_type || coalesce(' (' || left(error_message, 160) || ')', '') AS reason
     FROM rejected_lines ORDER BY line`,
    { f: fileIdx, t: tenant },
  );
  await wh.run('INSERT INTO rejects SELECT $f, line, row_number() OVER (ORDER BY line) FROM rejected_lines', { f: fileIdx });
  await wh.run('DELETE FROM reject_errors');
  await wh.run('DELETE FROM reject_scans');
}

function fileError(file: SourceFile, e: unknown): AppError {
  const msg = (e as Error).message.split('\n')[0] ?? String(e);
  return new AppError('INPUT', `${file.path}: cannot be read as ${file.format === 'whitespace' ? 'whitespace-separated text' : file.format}: ${msg}`, { cause: e });
}
