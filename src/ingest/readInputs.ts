// SPEC §3: reads every input file, maps it onto the canonical columns and checks it, in one pass per file,
// into the `checked_rows` table (src/sql/06_check_rows.sql), seen through the view `checked`. A file that
// cannot be read, is not the declared format, or lacks a required column fails the run with a message
// naming the file; records the splitter (splitRecords.ts) cannot split are kept with their physical line
// and reason (quarantined later), blank lines and repeated header lines are counted per file.
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rm, stat, statfs } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { isUtf8 } from 'node:buffer';
import { dirname, join } from 'node:path';
import { CANONICAL_COLUMNS, DEFAULT_MIN_EVENT_TIME, ISO_4217, type CanonicalColumn } from '../config/jobSchema.js';
import { AppError, isAppError } from '../config/AppError.js';
import { literalPath } from '../warehouse/literalPath.js';
import { loadSql, quoteIdent, quoteLiteral } from '../warehouse/loadSql.js';
import type { DuckDBType, DuckDBValue } from '@duckdb/node-api';
import { DuckDBTypeId, listValue } from '../warehouse/duckdb.js';
import { resourceError, type Warehouse } from '../warehouse/openWarehouse.js';
import { TENANT_ID_MAX } from '../config/tenantId.js';
import { CHECKED_ROWS, DIMENSIONS, checkedRowsColumns, createTableSql } from '../warehouse/tables.js';
import { namesReadBy, presetFor, rowPresetFor, type ColumnSource } from './presets.js';
import { TIME_COLUMNS } from './presets/RowPreset.js';
import { wrapRowPreset } from './presets/wrapRowPreset.js';
import type { SourceFile } from './resolveInputs.js';
import { isDiskFull } from '../publish/isDiskFull.js';
import { formatBytes } from '../format/money.js';
import { shellWord } from '../format/shellWord.js';
import { checkPlainCsv, contentKind, LINES_SEPARATOR, readError, MAX_RECORD_BYTES, NUL_CHARACTER, readCsvHeader, sniffDelimiter, spacedKey, splitCsvToClean, splitLinesToClean, type FirstRecord, type SplitStats } from './splitRecords.js';

const REQUIRED: readonly CanonicalColumn[] = ['customer_id', 'event_time', 'amount'];
/** The codes a row's currency without a rate is told apart by (06_check_rows.sql): the report currency's. */
const ISO_4217_LIST = listValue([...ISO_4217]);

export interface InputFileStats {
  path: string;
  format: string;
  rows: number;
  /** Empty lines (no data) and lines equal to the header (concatenated exports): skipped, counted. */
  blank_lines: number;
  repeated_header_lines: number;
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
  /** Lower-cased source names the file holds more than once: mapping one of them is ambiguous. */
  duplicated: Set<string>;
  /** Lines before the first record when {{line}} is NULL (the row's position gives its line). */
  headerLines: number;
  stats: SplitStats | null;
  /** A plain CSV file DuckDB reads itself: how to read it through the splitter if DuckDB refuses it. */
  slow?: () => Promise<Reader>;
}

export { DIMENSIONS };
/** The source column of a stored column whose name differs from it. */
const CHECKED_SOURCE: Record<string, CanonicalColumn> = { commission: 'commission_percentage', tax: 'tax_percentage' };
/**
 * The relation the ingest stage hands on (src/warehouse/tables.ts declares it): the columns checked_rows
 * stores whatever the inputs hold, and the optional ones it stores only when some input has their source
 * column: [column, source, type]. The view `checked` gives an absent one as a typed NULL (FALSE for the
 * two flags), so the statements after ingest see every column.
 */
const ALWAYS = CHECKED_ROWS.always.map(([name]) => name);
const OPTIONAL: readonly [string, CanonicalColumn, string][] = CHECKED_ROWS.optional.map(([column, type]) => [column, CHECKED_SOURCE[column] ?? (column as CanonicalColumn), type]);
/** The value of an optional column no input has. */
function absentValue(type: string): string {
  return type === 'BOOLEAN' ? 'FALSE' : `CAST(NULL AS ${type})`;
}

/**
 * Which columns of `checked` checked_rows stores, and how a later statement names one: the column, or
 * the constant the view gives it when no input has it. Naming the constant keeps a column of NULLs out of
 * sorts and tables (buildFacts.ts).
 */
export interface CheckedColumns {
  stored(column: string): boolean;
  ref(column: string): string;
}

/** The optional columns of checked_rows some input stores (a sharded run's parts carry only these, src/shard/). */
export function storedColumns(columns: CheckedColumns): string[] {
  return OPTIONAL.map(([column]) => column).filter((c) => columns.stored(c));
}

/**
 * CheckedColumns of a run whose inputs store these optional columns, and the select list of constants
 * that gives the other ones (as the view `checked` does): a sharded run rebuilds its view from a part file.
 */
export function columnsOfStored(stored: readonly string[]): { columns: CheckedColumns; constants: string } {
  const constants = new Map(OPTIONAL.filter(([column]) => !stored.includes(column)).map(([column, , type]) => [column, absentValue(type)]));
  return {
    columns: { stored: (name) => !constants.has(name), ref: (name) => constants.get(name) ?? quoteIdent(name) },
    constants: [...constants].map(([column, value]) => `, ${value} AS ${quoteIdent(column)}`).join(''),
  };
}

export async function readInputs(
  wh: Warehouse,
  files: SourceFile[],
  opts: {
    currency: string; tenant: string;
    /** A directory of the run's own for the splitter's clean files. */ scratchDir: string;
    signal?: AbortSignal | undefined;
    /** The job's `min_event_time` (ISO 8601): earlier payments are bad rows. */
    minEventTime?: string;
    /** Whether the run has a rates file: a row in another currency says what to add, or to give one. */
    ratesGiven?: boolean;
    /** The run's as-of time T (ISO 8601): a row after it needs no exchange rate (06_check_rows.sql). */
    asOf: string;
  },
): Promise<{
  files: InputFileStats[];
  columns: CheckedColumns;
  /** The statement (re)creating the view `checked`; with `tenant`, the view gives every row that tenant as a
   *  constant (pipeline.ts: when every row has the same one). */
  checkedView: (tenant?: string) => string;
  /** Each file's check statement as run: the text put into 06_check_rows.sql's placeholders (its reader
   *  variant; test/unit/readerSql.test.ts keeps them as golden files). */
  statements: Record<string, string>[];
}> {
  const reportCurrency = opts.currency;
  await wh.run('CREATE OR REPLACE TABLE input_files (file_idx INTEGER, path VARCHAR, first_row BIGINT, header_lines INTEGER)');
  // Every file's columns first: the table stores the union of what the inputs have.
  const mapped: { file: SourceFile; reader: Reader; columns: Map<CanonicalColumn, string>; reasons: string[]; times: string[] }[] = [];
  for (const [fileIdx, file] of files.entries()) {
    const reader = await withRowPreset(wh, file, await openReader(wh, file, opts.scratchDir, fileIdx, opts.signal));
    const each = CANONICAL_COLUMNS.map((c) => [c, mapColumn(file, reader, c, reportCurrency)] as const);
    refuseOneColumnTwice(file, reader, each);
    mapped.push({
      file, reader, columns: new Map(each.map(([c, m]) => [c, m.sql])),
      reasons: each.flatMap(([, m]) => (m.reason === undefined ? [] : [m.reason])),
      // The name a time's reasons give it and the text they quote (06_check_rows.sql {{time_sources}}).
      times: each.flatMap(([c, m]) => (TIME_COLUMNS.includes(c)
        ? [`${m.source?.column ?? quoteLiteral(c)} AS ${quoteIdent(`${c}__column`)}`, `${m.source?.text ?? 'CAST(NULL AS VARCHAR)'} AS ${quoteIdent(`${c}__text`)}`]
        : [])),
    });
  }
  const present = OPTIONAL.filter(([, source]) => mapped.some((m) => m.columns.get(source) !== 'NULL'));
  const absent = OPTIONAL.filter((o) => !present.includes(o));
  // The currency is stored as its number (currency_code, 06_check_rows.sql): 2 bytes a row instead of 16.
  const keep = [...ALWAYS, ...present.map(([column]) => column)]
    .map((c) => (c === 'currency' ? 'currency_code AS currency' : quoteIdent(c))).join(', ');
  const rates = await rateLookup(wh);
  await wh.run(createTableSql(CHECKED_ROWS.name, checkedRowsColumns(present.map(([column]) => column))));
  const stats: InputFileStats[] = [];
  const statements: Record<string, string>[] = [];
  for (const [fileIdx, m] of mapped.entries()) {
    const { file, columns, reasons, times } = m;
    let { reader } = m;
    const select = CANONICAL_COLUMNS.map((c) => `${columns.get(c)} AS ${quoteIdent(c)}`);
    const before = fileIdx === 0 ? 0 : await count(wh);
    // checked_rows' rowids are dense and in reading order: a row's line is its rowid − first_row + header + 1.
    await wh.run('INSERT INTO input_files VALUES ($i, $p, $first, $header)', {
      i: fileIdx, p: file.path, first: before, header: reader.headerLines,
    });
    const check = (r: Reader): Promise<void> => {
      const identifiers = {
          keep,
          line: r.line,
          line_known: r.lineKnown ?? 's.line IS NOT NULL',
          // The reader's reason first (a line it could not read), then a column preset's (presets.ts `reason`).
          parse_error: reasons.length === 0 ? r.parseError : `coalesce(${[r.parseError, ...reasons].join(', ')})`,
          columns: select.join(',\n    '),
          time_sources: times.join(', '),
          reader: r.reader,
          where: r.where,
          rate: rates.expression,
          currency_code: rates.code,
        };
      statements[fileIdx] = identifiers;
      return wh.run(
        loadSql('06_check_rows', identifiers),
        { ...r.params, ...rates.params, file_idx: String(fileIdx), currency: opts.currency, iso_4217: ISO_4217_LIST, tenant: opts.tenant,
          tenant_id_max: TENANT_ID_MAX,
          min_event_time: opts.minEventTime ?? DEFAULT_MIN_EVENT_TIME, as_of: opts.asOf, time_format: file.input.time_format ?? null, rates_given: opts.ratesGiven ?? false,
          // A missing value's remedy: mapping the column read with a preset would drop the preset's rule for it.
          map_hint: file.input.preset === 'canonical' ? ' (or map the column that holds it)' : '' },
      );
    };
    try {
      try {
        await check(reader);
      } catch (e) {
        // A plain file DuckDB would not read strictly (a wrong field count, an over-long line): the
        // splitter reads it instead, quarantining what it cannot split. The failed statement added nothing.
        if (!reader.slow || isInterrupted(e)) throw e;
        reader = await withRowPreset(wh, file, await reader.slow());
        await check(reader);
      }
    } catch (e) {
      throw isInterrupted(e) || isAppError(e) ? e : fileError(file, e);
    }
    if (file.query) await rm(file.query.file, { force: true });
    stats.push({
      path: file.path, format: file.format, rows: (await count(wh)) - before, columns: sourceColumns(reader, columns),
      blank_lines: reader.stats?.blank_lines ?? 0, repeated_header_lines: reader.stats?.repeated_header_lines ?? 0,
    });
  }
  const checkedView = (tenant?: string): string =>
    // row_id: the row's place in reading order (the rowid of checked_rows).
    `CREATE OR REPLACE TEMP VIEW checked AS SELECT rowid AS row_id, *${
      tenant === undefined ? '' : ` REPLACE (CAST(${quoteLiteral(tenant)} AS VARCHAR) AS tenant_id)`}${
      absent.map(([column, , type]) => `, ${absentValue(type)} AS ${quoteIdent(column)}`).join('')} FROM checked_rows`;
  await wh.run(checkedView());
  const constants = new Map(absent.map(([column, , type]) => [column, absentValue(type)]));
  return {
    files: stats,
    columns: { stored: (name) => !constants.has(name), ref: (name) => constants.get(name) ?? quoteIdent(name) },
    checkedView,
    statements,
  };
}

/**
 * The currency's number of a typed row (06_check_rows.sql): 0 the report currency, i + 1 the rates file's
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

/** The reader with the input's row preset (if any) between it and the check statement. */
async function withRowPreset(wh: Warehouse, file: SourceFile, opened: Reader): Promise<Reader> {
  const rowPreset = rowPresetFor(file.input.preset);
  if (!rowPreset) return opened;
  // Another kind of file read with the preset (a canonical CSV with --preset stripe) is refused as a whole,
  // not a "missing" bad row per line.
  const has = new Set([...opened.columns.keys()].map((c) => c.toLowerCase()));
  const missing = rowPreset.required.filter((group) => !group.some((input) => rowPreset.inputs[input]!.some((c) => has.has(c.toLowerCase()))));
  if (missing.length > 0) {
    const names = missing.map((group) => group.flatMap((input) => rowPreset.inputs[input]!).map((c) => `"${c}"`).join(' or ')).join('; ');
    const columns = [...opened.columns.keys()];
    throw new AppError('INPUT', `${file.path}: ${fieldOf(file)} is read with preset "${rowPreset.name}", but the file has no column ${names} `
      + `(its columns: ${columns.slice(0, 12).join(', ')}${columns.length > 12 ? ', …' : ''}): give that vendor's export, or another preset (or none) for this file`);
  }
  return wrapRowPreset(wh, opened, rowPreset, opened.headerLines);
}

/** What a missing column is missing from: a query input has no file (readQuery.ts writes its result to one). */
function source(file: SourceFile): string {
  return file.input.query ? "the query's result" : 'the file';
}

/** Lines before the first row: a CSV's header; none in Parquet or a query's result (rows are numbered from 1). */
function headerLines(file: SourceFile): number {
  return file.format === 'parquet' || file.query ? 0 : 1;
}

async function count(wh: Warehouse): Promise<number> {
  const [row] = await wh.all<{ n: number }>('SELECT count(*)::INTEGER AS n FROM checked_rows');
  return row?.n ?? 0;
}

/**
 * An input's field as its messages name it: the job's (`inputs[0].map.country`), or for a run from the command
 * line the flag that set it (`--map country`, `--input`).
 */
function fieldOf(file: SourceFile, field?: `map.${string}`): string {
  // A query input comes from a job object (the programmatic path), never from a flag.
  if (file.jobFile !== undefined || file.query) return `inputs[${file.inputIndex}]${field ? `.${field}` : ''}`;
  return field === undefined ? '--input' : `--map ${field.slice(4)}`;
}

/** DuckDB reads what ltv's splitter cleaned, or a plain CSV file itself (splitRecords.ts). */
const READ_CSV_FIXED = `auto_detect = false, strict_mode = true, null_padding = false, quote = '"', escape = '"', compression = 'none'`;

function columnsStruct(names: readonly string[], prefix: readonly [string, string][] = []): string {
  return `{${[...prefix, ...names.map((n): [string, string] => [n, 'VARCHAR'])].map(([n, t]) => `${quoteLiteral(n)}: '${t}'`).join(', ')}}`;
}

async function openReader(wh: Warehouse, file: SourceFile, scratch: string, fileIdx: number, signal: AbortSignal | undefined): Promise<Reader> {
  const declared = file.input.format !== 'auto' && !file.query ? { field: `inputs[${file.inputIndex}].format`, value: file.input.format } : undefined;
  const src = { path: file.query?.file ?? file.path, gzip: file.gzip, signal, format: declared };
  const clean = join(scratch, `input-${fileIdx}.txt`);
  const columns = new Map<string, string>();
  if (file.format === 'csv') {
    // A delimiter DuckDB cannot split by (not one byte; the quote or a line end) is refused with the job (jobSchema.ts).
    // A query's column the job reads whose text is not its value (readQuery.ts): refused as a Parquet list is.
    const read = file.query?.refused?.length ? namesReadBy(file.input) : undefined;
    for (const c of file.query?.refused ?? []) {
      if (read!.has(c.name.toLowerCase())) throw new AppError('INPUT', `${file.path}: column "${c.name}" ${c.why}`);
    }
    const head = await readCsvHeader(src, file.delimiter);
    const { names, duplicated, delimiter } = head.header;
    refuseDataHeader(file, names);
    for (const name of names) columns.set(name, `src.${quoteIdent(name)}`);
    const params = { path: literalPath(src.path), delim: delimiter };
    const fast: Reader = {
      reader: `read_csv($path, columns = ${columnsStruct(names)}, header = true, delim = $delim, ${READ_CSV_FIXED}${
        head.terminator === 'crlf' ? '' : ", new_line = '\\n'"}, max_line_size = ${MAX_RECORD_BYTES})`,
      params, line: 'NULL', parseError: 'NULL', where: '', columns, duplicated, headerLines: headerLines(file) && head.lines,
      stats: { records: 0, blank_lines: 0, repeated_header_lines: 0 },
    };
    const slow = async (): Promise<Reader> => {
      const split = await splitCsvToClean(src, head.header, clean, { results: file.query !== undefined });
      return {
        ...fast,
        reader: `read_csv($path, columns = ${columnsStruct(names, [['__ltv_line', 'BIGINT'], ['__ltv_reason', 'VARCHAR']])}, header = false, delim = $delim, ${READ_CSV_FIXED}, new_line = '\\n', max_line_size = ${MAX_RECORD_BYTES + 4096})`,
        params: { path: literalPath(clean), delim: delimiter },
        // A query's result is numbered by its rows from 1 (splitCsvToClean `results`).
        line: 'src.__ltv_line',
        parseError: 'src.__ltv_reason',
        stats: split.stats,
      };
    };
    if (await checkPlainCsv(src, head)) return { ...fast, slow };
    return slow();
  }
  if (file.format === 'parquet') {
    // DuckDB reads Parquet by seeking to its footer: a gzipped one (SPEC §3: gzip accepted) is inflated into
    // the run's scratch folder first; it failed with DuckDB's "No magic bytes found at end of file".
    const path = file.gzip ? await inflated(file, join(scratch, `input-${fileIdx}.parquet`)) : file.path;
    await checkParquetMagic(file, path);
    const params = { path: literalPath(path) };
    const reader = 'read_parquet($path)';
    const read = namesReadBy(file.input);
    const typed = await describeTyped(wh, file, `SELECT * FROM ${reader} LIMIT 0`, params);
    // DuckDB renames a second column of one name, case aside (`net`, `Net` → `net`, `Net_1`), and binds
    // `src."Net"` to `net`: mapped as `Net`, the other column was read. Columns go by the file's own names,
    // and a name the job reads that the file has twice is refused, as in a CSV header.
    const own = await parquetNames(wh, file, path);
    const names = own.length === typed.length ? own : typed.map((t) => t.name);
    // Text holding a NUL: a bad row, as in JSON Lines and CSV (it was written on as "␀", and `b\0` was a
    // customer of its own), for each text column the job reads. So is a 32-bit float's value of 7 or more
    // significant digits: its shortest text gives back a decimal of 6 at most (1234.5678 was read as 1234.5677,
    // 16777217 as 16777216), and numbers are read exactly or not at all (README "Input rules").
    const bad: string[] = [];
    for (const [i, { name: bound, type }] of typed.entries()) {
      const name = names[i]!;
      // A list, struct or map read as text became a value like "[x, y]" on every row (JSON Lines sets
      // such a value aside): a column the job reads must hold one value per row.
      if (read.has(name.toLowerCase()) && NESTED_TYPES.has(type.typeId)) {
        throw new AppError('INPUT', `${file.path}: column "${name}" is ${type.toString()}, several values per row, where ltv reads one: export it as a plain value (or one element of it), or map another column`);
      }
      columns.set(name, `CAST(src.${quoteIdent(bound)} AS VARCHAR)`);
      if (read.has(name.toLowerCase()) && type.typeId === DuckDBTypeId.VARCHAR) {
        bad.push(`WHEN contains(src.${quoteIdent(bound)}, chr(0)) THEN ${quoteLiteral(`column ${shownName(name)} holds ${NUL_CHARACTER}`)}`);
      }
      if (read.has(name.toLowerCase()) && type.typeId === DuckDBTypeId.FLOAT) {
        const text = columns.get(name)!;
        bad.push(`WHEN ltv_significant_digits(${text}) >= 7 THEN ${quoteLiteral(`column ${shownName(name)} is a 32-bit float (FLOAT), which holds about 7 significant digits: "`)} || ${text} || '" may not be the number written; write the column as DOUBLE or DECIMAL'`);
      }
    }
    const parseError = bad.length === 0 ? 'NULL' : `CASE ${bad.join(' ')} END`;
    return { reader, params, line: 'NULL', parseError, where: '', columns, duplicated: duplicatesOf(names), headerLines: 0, stats: null };
  }
  // Line-oriented formats: the splitter hands on one physical line per record with its number; blank
  // lines and repeated headers are counted there.
  const split = await splitLinesToClean(src, clean, { header: file.format === 'whitespace', json: file.format === 'jsonl', valueKeys: namesReadBy(file.input) });
  const params = { path: literalPath(clean), sep: LINES_SEPARATOR };
  const lines = `read_csv($path, columns = {'n': 'BIGINT', 'reason': 'VARCHAR', 'text': 'VARCHAR'}, header = false, delim = $sep, quote = '', escape = '', new_line = '\\n', auto_detect = false, strict_mode = true, null_padding = false, max_line_size = ${MAX_RECORD_BYTES + 4096})`;
  if (file.format === 'whitespace') {
    const names = (split.headerLine ?? '').trim().split(/\s+/).filter(Boolean);
    if (names.length === 0) throw new AppError('INPUT', `${file.path}: line 1 (the header) is empty: whitespace-separated text needs its column names there`);
    refuseDataHeader(file, names);
    names.forEach((name, i) => columns.set(name, `src.f[${i + 1}]`));
    return {
      reader: `(SELECT n, reason, regexp_split_to_array(trim(text), '\\s+') AS f FROM ${lines})`,
      params,
      line: 'src.n',
      parseError: `coalesce(src.reason, CASE WHEN len(src.f) <> ${names.length} THEN 'expected ${names.length} whitespace-separated fields, found ' || len(src.f) END)`,
      where: '', columns, duplicated: duplicatesOf(names), headerLines: 1, stats: split.stats,
    };
  }
  if (file.format === 'jsonl') refuseJsonDocument(file, split.firstRecord, split.stats.records);
  // A line that is not valid JSON gives NULL (json_extract_string would fail the whole file on it). Keys
  // come from every line: a column that first appears late in the file is still read.
  const reader = `(SELECT n, reason, CASE WHEN reason IS NULL AND json_valid(text) THEN text END AS j FROM ${lines})`;
  const keys = await query<{ k: string }>(
    wh, file,
    `SELECT DISTINCT unnest(json_keys(j)) AS k FROM ${reader} WHERE json_type(j) = 'OBJECT' ORDER BY k`,
    params,
  );
  const first = split.firstRecord;
  // No key on any line read whole, and no line braced as one object: the file is not JSON Lines. When
  // some line is (set aside for a value the job reads that is an object, or a key given twice), every
  // line is a bad row of a JSON Lines file, each quarantined with its reason.
  if (keys.length === 0 && first && !split.anyObjectLine) {
    if (first.opens === '{') {
      throw new AppError('INPUT', `${file.path}: line ${first.line} opens a JSON object that goes on over the next lines (${quoteStart(first.text)}), but the file is read as JSON Lines, each object on one line of its own: write it so, e.g. ${jqCommand(file, '.')}`);
    }
    throw new AppError('INPUT', declared
      ? `${file.path}: ${declared.field} says "jsonl", but no line is a JSON object (line ${first.line}: ${quoteStart(first.text)}): set it to the file's format ("csv", "tsv")`
      : `${file.path}: is read as JSON Lines (its name ends in .jsonl, .ndjson or .json), but no line is a JSON object (line ${first.line}: ${quoteStart(first.text)}): give a CSV file "format": "csv" in the job's input, or rename it to .csv`);
  }
  // A file of no records (blank lines at most) is an export of no transactions: zero rows, not an error;
  // one of bad lines alone has no keys, and every line is quarantined with its reason.
  if (keys.length === 0) for (const c of REQUIRED) columns.set(c, 'CAST(NULL AS VARCHAR)');
  // Keys match case-insensitively, as a CSV header's names do. JSON Lines may spell one key differently
  // on different lines (an export that changed its casing): each line's own spelling is read. A line that
  // holds two spellings of a key the job reads is ambiguous and is quarantined, naming them.
  const groups = new Map<string, string[]>();
  // A key whose name holds a NUL is none the job reads (it may hold anything, as any key not read).
  for (const { k } of keys) if (!k.includes('\0')) groups.set(k.toLowerCase(), [...(groups.get(k.toLowerCase()) ?? []), k]);
  const read = namesReadBy(file.input);
  const ambiguous: string[] = [];
  const nul: string[] = [];
  for (const [lower, names] of groups) {
    const extracts = names.map((k) => `json_extract_string(src.j, ${quoteLiteral(jsonPath(k))})`);
    const expr = extracts.length === 1 ? extracts[0]! : `coalesce(${extracts.join(', ')})`;
    for (const k of names) columns.set(k, expr);
    if (names.length > 1 && read.has(lower)) {
      const count = names.map((k) => `CAST(json_exists(src.j, ${quoteLiteral(jsonPath(k))}) AS INTEGER)`).join(' + ');
      const listed = names.map((k) => `"${k}"`).join(', ');
      ambiguous.push(`WHEN ${count} > 1 THEN ${quoteLiteral(`has the key "${lower}" twice, in different cases (keys match case-insensitively; the file spells it ${listed}): keep one`)}`);
    }
    // An escaped NUL in a value the job reads: a bad row naming the key, as a Parquet column's NUL is.
    if (read.has(lower)) nul.push(`WHEN contains(${expr}, chr(0)) THEN ${quoteLiteral(`key ${shownName(names[0]!)} holds ${NUL_CHARACTER}`)}`);
  }
  // Only a line that writes `\u0000` can hold one: the values are searched on those lines alone.
  const nulCheck = nul.length === 0 ? '' : `WHEN contains(src.j, '\\u0000') THEN CASE ${nul.join(' ')} END `;
  return {
    reader, params, line: 'src.n',
    parseError: `coalesce(src.reason, CASE WHEN src.j IS NULL THEN 'not a valid JSON line' WHEN json_type(src.j) <> 'OBJECT' THEN 'not a JSON object' ${ambiguous.map((w) => `${w} `).join('')}${nulCheck}END)`,
    where: '', columns, duplicated: new Set(), headerLines: 0, stats: split.stats,
  };
}

/** A record's start as a message quotes it: control characters as spaces, at most 60 characters. */
function quoteStart(text: string): string {
  return `"${[...text.replace(/[\x00-\x1f]/g, ' ')].slice(0, 60).join('')}"`;
}

/** The JSON Lines file a converted document would be written to: its name with `.jsonl` for its extension. */
function jsonlName(path: string): string {
  const m = /^(.*?)(\.[^./]*)?$/.exec(path)!;
  return `${m[1]}${m[2] === '.jsonl' ? '.converted' : ''}.jsonl`;
}

/**
 * A file read as JSON Lines that holds a JSON array (`[` opening its first record and closing lines later,
 * or the whole file one line `[{…}, {…}]`) is refused as a whole, naming the array: its lines, read one by
 * one as JSON Lines, would be brackets and objects with commas after them, each quarantined as "not a valid
 * JSON line". A first line that is a complete array followed by object lines is a bad row of a JSON Lines
 * file, quarantined as "not a JSON object".
 */
function refuseJsonDocument(file: SourceFile, first: FirstRecord | null, records: number): void {
  if (!first || first.opens !== '[' || (first.closes === ']' && records > 1)) return;
  throw new AppError('INPUT', `${file.path}: line ${first.line} opens a JSON array (${quoteStart(first.text)}), but the file is read as JSON Lines, one object per line with no enclosing [ ]: write its elements one per line, e.g. ${jqCommand(file, "'.[]'")}`);
}

/**
 * The shell command that writes a JSON document as JSON Lines with jq's `filter`. jq reads no gzip (it
 * said "Invalid numeric literal"): a gzipped file is inflated by zcat on the way, into a plain .jsonl.
 */
function jqCommand(file: SourceFile, filter: string): string {
  const to = shellWord(jsonlName(file.gzip ? file.path.replace(/\.gz$/i, '') : file.path));
  return file.gzip ? `zcat ${shellWord(file.path)} | jq -c ${filter} > ${to}` : `jq -c ${filter} ${shellWord(file.path)} > ${to}`;
}

function duplicatesOf(names: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const n of names.map((x) => x.toLowerCase())) (seen.has(n) ? dup : seen).add(n);
  return dup;
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

/** The columns that name things (a customer, a transaction, the payment a refund takes back, a tenant). */
const ID_COLUMNS: readonly CanonicalColumn[] = ['customer_id', 'transaction_id', 'refund_of', 'tenant_id'];

/**
 * One column of the file read, through the job's map, as two ids (`--map transaction_id=customer_id`: every
 * customer's payments became one transaction, all but its last counted as duplicates, without a word; a
 * preset's reading of that column counts too). A typo, almost always: refused, naming both. Other columns may
 * share one (a `plan` read as product and as duration; a transaction id as the product, which only segments).
 */
function refuseOneColumnTwice(file: SourceFile, reader: Reader, each: readonly (readonly [CanonicalColumn, MappedColumn])[]): void {
  // A row preset's ids are columns its statement makes (ltv__customer_id): the file's columns they come from.
  const row = rowPresetFor(file.input.preset);
  const lower = new Map([...reader.columns.keys()].map((k) => [k.toLowerCase(), k]));
  const presetReads = (c2: CanonicalColumn): string[] => (row?.ids[c2 as keyof typeof row.ids] ?? [])
    .flatMap((input) => row!.inputs[input]!.map((name) => lower.get(name.toLowerCase())).filter((k): k is string => k !== undefined).slice(0, 1));
  // Names match case-insensitively (a header naming one twice is refused; JSON Lines keys are one column
  // whatever their case, line by line): `Customer_ID` mapped is the `customer_id` read by name.
  const same = (names: readonly string[], name: string): boolean => names.some((n) => n.toLowerCase() === name.toLowerCase());
  for (const [c, m] of each) {
    const from = m.reads[0];
    if (!m.byMap || from === undefined) continue;
    const other = ID_COLUMNS.includes(c)
      ? each.find(([c2, m2]) => c2 !== c && ID_COLUMNS.includes(c2) && (same(m2.reads, from) || (!m2.byMap && same(presetReads(c2), from))))
      : undefined;
    if (!other) continue;
    const [c2, m2] = other;
    if (!m2.byMap && same(presetReads(c), from)) {
      // The preset reads this column as both ids itself and tells its rows apart by its own rule (Stripe: a
      // charge's refund row is `<id>/refund`, naming `<id>` as refund_of); mapped as it stands, every refund
      // took its payment's transaction id and was dropped as its duplicate (112.70 USD published as 49.50).
      throw new AppError('INPUT', `${file.path}: ${fieldOf(file, `map.${c}`)}: the ${file.input.preset} preset reads the column ${shownName(from)} as ${c} and as ${c2} itself, with its own rule for its refund rows; mapped, that rule is dropped and each refund would be a duplicate of its payment: leave ${c} out of the map`);
    }
    const how = m2.byMap ? `map.${c2}` : file.input.preset !== 'canonical' && presetFor(file.input.preset, 'XXX')[c2] ? `the ${file.input.preset} preset` : 'by its name';
    throw new AppError('INPUT', `${file.path}: ${fieldOf(file, `map.${c}`)}: the column ${shownName(from)} is read as ${c2} too (${how}): one column cannot be both; map ${c} to its own column${REQUIRED.includes(c) ? '' : ', or leave it out'}`);
  }
  // Whatever column it is mapped to: a preset that makes a payment and its refund of one row gives the refund
  // row a transaction id of its own (Stripe's `<id>/refund`). Mapped, both rows took the one row's value
  // (Stripe's `Invoice ID`: 112.70 USD published as 49.50, the refunds dropped as duplicates). A preset whose
  // refunds are rows of their own (Adapty's events) may map it to another column of unique ids.
  if (row?.splitsRefunds && each.some(([c, m]) => c === 'transaction_id' && m.byMap)) {
    throw new AppError('INPUT', `${file.path}: ${fieldOf(file, 'map.transaction_id')}: the ${file.input.preset} preset makes a payment and its refund of one row, each with a transaction id of its own; mapped, the refund would take its payment's and be dropped as its duplicate: leave transaction_id out of the map`);
  }
  // A preset whose refund rows name their payment by the payment's own id (Adapty's refund events by its
  // transaction_id, Paddle's adjustments by transaction_ref): with the payments' ids read from another
  // column, no refund finds its payment, and each counted at its own time instead of being taken back in its
  // payment's period (SPEC §4: LTV 30d 5.00 published as 30.00).
  if (row?.ids.refund_of !== undefined && each.some(([c, m]) => c === 'transaction_id' && m.byMap)) {
    throw new AppError('INPUT', `${file.path}: ${fieldOf(file, 'map.transaction_id')}: the ${file.input.preset} preset links each refund to its payment by the payment's transaction id; mapped to another column, no refund would find its payment: leave transaction_id out of the map`);
  }
}

/** A canonical column's SQL text, and where a preset's entry gives one, why a row is bad in the export's terms. */
interface MappedColumn {
  sql: string;
  reason?: string;
  /** The file's columns it reads (the job's map or the canonical name: one; a preset's rule: each it found). */
  reads: string[];
  /** Chosen by the job's map. */
  byMap?: boolean;
  /**
   * A time a preset read: SQL naming the file's column it came from (per row where the preset chooses among
   * several) and giving that cell's text, for the check's reasons to name and quote instead of the canonical
   * name and the preset's rewrite (presets.ts: reasons quote the file's own text and name its column).
   */
  source?: { column: string; text: string };
}

/** The SQL text for canonical column `c`: the job's map, else the preset, else the column of that name. */
function mapColumn(file: SourceFile, reader: Reader, c: CanonicalColumn, reportCurrency: string): MappedColumn {
  const byLower = new Map([...reader.columns.keys()].map((k) => [k.toLowerCase(), k]));
  const find = (name: string): string | undefined => {
    if (reader.duplicated.has(name.toLowerCase())) {
      const spellings = [...reader.columns.keys()].filter((k) => k.toLowerCase() === name.toLowerCase());
      // A query's result has no header to edit: the fix is in its SELECT.
      if (file.query) {
        throw new AppError('INPUT', `${file.path}: the query's result has the column ${shownName(name)} more than once: select one of them AS another name`);
      }
      throw new AppError('INPUT', `${file.path}: the ${file.format === 'parquet' ? 'file' : 'header'} has the column ${shownName(name)} more than once (names match case-insensitively${
        spellings.length > 1 ? `: ${spellings.map(shownName).join(', ')}` : ''}): rename or remove one, so it is clear which one to read`);
    }
    const actual = reader.columns.has(name) ? name : byLower.get(name.toLowerCase()) ?? spacedAlike(name);
    if (actual !== undefined) reads.push(actual);
    return actual === undefined ? undefined : reader.columns.get(actual);
  };
  const reads: string[] = [];
  // A header name with a line break (a spreadsheet's wrapped cell, "Amount\n(USD)") is also found by the
  // name as it reads, with a space ("Amount (USD)"): the one name that differs only in its white space.
  const spacedAlike = (name: string): string | undefined => {
    const key = spacedKey(name);
    const alike = [...reader.columns.keys()].filter((k) => spacedKey(k) === key);
    if (alike.length > 1) {
      throw new AppError('INPUT', `${file.path}: ${file.query ? "the query's result" : 'the header'} has ${alike.map(shownName).join(' and ')}, which differ only in case or white space: map one of them as written, so it is clear which one to read`);
    }
    return alike[0];
  };
  const mapped = file.input.map[c];
  if (mapped !== undefined) {
    const expr = find(mapped);
    if (expr === undefined) {
      wrongDelimiter(file, reader);
      throw new AppError('INPUT', `${file.path}: ${fieldOf(file, `map.${c}`)}: ${source(file)} has no column ${shownName(mapped)} (it has: ${listColumns(reader)})`);
    }
    return { sql: maybeTimeFormat(file, c, expr), reads, byMap: true, source: namedTimeSource(reader, c, reads) };
  }
  const preset = presetFor(file.input.preset, reportCurrency)[c];
  if (preset) {
    const time = (e: string): string => `ltv_utc_if_naive(${timeFormatted(file, e)})`;
    const expr = presetExpr(preset, find, time);
    if (expr !== undefined) return { ...expr, sql: utcIfNaive(preset, maybeTimeFormat(file, c, expr.sql)), reads, source: timeSource(file, reader, c, reads) };
    if (file.input.preset === 'revenuecat' && (c === 'amount' || c === 'currency')) {
      // price_in_usd absent: fall back to the purchased currency columns.
      const fallback = presetExpr(presetFor('revenuecat', 'XXX')[c] as ColumnSource, find, time);
      if (fallback !== undefined) return { ...fallback, reads };
    }
    // A required column the preset reads from a column the file does not have: the file is not the export
    // the preset is for (a canonical file given `--preset revenuecat` was read by its canonical names, with
    // RevenueCat's rules, such as UTC times and its proceeds, applied to rows that are not RevenueCat's).
    if (REQUIRED.includes(c)) {
      wrongDelimiter(file, reader);
      throw new AppError('INPUT',
        `${file.path}: ${fieldOf(file)} is read with the ${file.input.preset} preset, but the file has no ${preset.from.map(shownName).join(' or ')} for "${c}" (it has: ${listColumns(reader)}): is it a ${file.input.preset} export? Read it with the canonical preset, or ${mapAdvice(file, c)}`);
    }
  }
  const own = find(c);
  if (own !== undefined) return { sql: maybeTimeFormat(file, c, own), reads, source: namedTimeSource(reader, c, reads) };
  if (REQUIRED.includes(c)) {
    wrongDelimiter(file, reader);
    throw new AppError(
      'INPUT',
      `${file.path}: no column for the required "${c}" (${source(file)} has: ${listColumns(reader)}); ${file.input.query ? `name one in the query (… AS ${c}) or map one with "map" in the job file` : mapAdvice(file, c)}`,
    );
  }
  return { sql: 'NULL', reads: [] };
}

/**
 * How to map canonical column `c` for this file's input: `--map` on the command line, the input's own `map`
 * in a job file (where `--map` is refused: "applies to a run from --input only").
 */
function mapAdvice(file: SourceFile, c: string): string {
  return file.jobFile === undefined
    ? `map one with --map ${c}=<column>`
    : `map one in ${file.jobFile}: "inputs[${file.inputIndex}].map": {"${c}": "<column>"}`;
}

/**
 * A file without a header line (CDNOW_sample.txt, an export saved without one): its first record was taken
 * as column names, and mapped (`--map customer_id=00004`, as the "no column" message invites) it vanished
 * from every count, one customer's first purchase lost without a word. Names that are all numbers or dates,
 * one of them a date (2026-01-05…, or 19970101 as CDNOW writes it), are no header: refused, saying so. Names
 * that are numbers alone are one (pandas writes `0,1,2` for a frame without column names; years).
 */
function refuseDataHeader(file: SourceFile, names: readonly string[]): void {
  const value = /^\s*([+-]?(\d+([.,]\d*)?|[.,]\d+)|\d{4}-\d\d-\d\d([T ][0-9:.+-]*Z?)?)\s*$/;
  const date = /^\s*(\d{4}-\d\d-\d\d([T ][0-9:.+-]*Z?)?|(19|20)\d\d(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01]))\s*$/;
  if (names.length < 2 || !names.every((n) => value.test(n)) || !names.some((n) => date.test(n))) return;
  const shown = names.slice(0, 5).map((n) => JSON.stringify(n)).join(', ');
  throw new AppError('INPUT', `${file.path}: line 1 holds values (${shown}${names.length > 5 ? ', …' : ''}), not column names: ltv reads the first line as the header; add a header line naming the columns (e.g. customer_id,event_time,amount), then map them with --map or "map" if they are named otherwise`);
}

/**
 * A header read as one column that holds another delimiter: the delimiter given (or implied by "format":
 * "tsv" or a .tsv name) is not the file's. Said so, instead of "no column customer_id … map one with --map".
 */
function wrongDelimiter(file: SourceFile, reader: Reader): void {
  const names = [...reader.columns.keys()];
  if (file.format !== 'csv' || file.delimiter === undefined || names.length !== 1) return;
  const seems = sniffDelimiter(names[0]!);
  if (seems === file.delimiter || !names[0]!.includes(seems)) return;
  const shown = (d: string): string => (d === '\t' ? 'tab' : JSON.stringify(d));
  // A run from the command line has no inputs[0] to name: the flag, or the .tsv name, set the delimiter.
  const fromFlags = fieldOf(file) === '--input';
  const given = !fromFlags ? `the delimiter inputs[${file.inputIndex}] gives (its "delimiter", or tab for "format": "tsv" or a .tsv name)`
    : file.input.delimiter !== undefined ? 'the delimiter --delimiter gives' : 'the delimiter of a .tsv name';
  throw new AppError('INPUT', `${file.path}: line 1 (the header) is one column, ${shownName(names[0]!)}, split at ${shown(file.delimiter)}, ${given}; the file looks separated by ${shown(seems)}: give that one (${fromFlags ? '--delimiter' : '"delimiter" in the input, --delimiter'})`);
}

/**
 * A preset column's SQL; `time` reads a `with` column that is a time (ColumnSource `withTimes`) as the run
 * reads its time columns (the input's time_format; naive as UTC).
 */
function presetExpr(source: ColumnSource, find: (name: string) => string | undefined, time: (expr: string) => string): Omit<MappedColumn, 'reads'> | undefined {
  const present = source.from.map(find).filter((e): e is string => e !== undefined);
  if (source.from.length === 0 && source.transform) return { sql: source.transform };
  if (present.length === 0) return undefined;
  const col = source.coalesce && present.length > 1 ? `coalesce(${present.map((e) => `nullif(ltv_trim(${e}), '')`).join(', ')})` : present[0]!;
  const over = (text: string): string => {
    let sql = text.replaceAll('$col', `(${col})`);
    // Other columns the transform reads (presets.ts `with`), longest names first so none is a prefix of another.
    for (const [name, from] of Object.entries(source.with ?? {}).sort(([a], [b]) => b.length - a.length)) {
      const expr = from.map(find).find((e) => e !== undefined);
      sql = sql.replaceAll(`$${name}`, expr === undefined ? 'CAST(NULL AS VARCHAR)' : `(${source.withTimes?.includes(name) ? time(expr) : expr})`);
    }
    return sql;
  };
  return { sql: source.transform ? over(source.transform) : col, ...(source.reason ? { reason: over(source.reason) } : {}) };
}

/** `time_format` reads every time of the export (TIME_COLUMNS), not only event_time (a refunded_at in the same format was quarantined). */
function maybeTimeFormat(file: SourceFile, c: CanonicalColumn, expr: string): string {
  return TIME_COLUMNS.includes(c) ? timeFormatted(file, expr) : expr;
}

/**
 * Where a preset's time `c` comes from, for its reasons (MappedColumn `source`): a row preset's statement
 * says per row (ltv__<c>__column, ltv__<c>__text: wrapRowPreset.ts); a column preset reads the first of its
 * `from` columns the file has (`reads[0]`: presetExpr looks them up first), the cell as the file writes it.
 */
function timeSource(file: SourceFile, reader: Reader, c: CanonicalColumn, reads: readonly string[]): MappedColumn['source'] {
  if (!TIME_COLUMNS.includes(c) || reads[0] === undefined) return undefined;
  if (rowPresetFor(file.input.preset)) return { column: reader.columns.get(`ltv__${c}__column`)!, text: reader.columns.get(`ltv__${c}__text`)! };
  return fileColumnSource(reader, reads[0]);
}

/**
 * A time the job's map (or the header, in another case) names: its reasons name the file's column, as a
 * preset's do (`when is not an ISO 8601 time`, not `event_time …` for a column the file does not have).
 * The canonical name itself, as written, keeps the canonical reasons (undefined).
 */
function namedTimeSource(reader: Reader, c: CanonicalColumn, reads: readonly string[]): MappedColumn['source'] {
  // The file's own column, also under a row preset (Stripe's…): its per-row columns are those of the time the
  // preset reads, not of the one the map chose instead.
  return !TIME_COLUMNS.includes(c) || reads[0] === undefined || reads[0] === c ? undefined : fileColumnSource(reader, reads[0]);
}

/** A time's reasons name the file's column `name` and quote its cell. */
function fileColumnSource(reader: Reader, name: string): NonNullable<MappedColumn['source']> {
  return { column: quoteLiteral(name), text: reader.columns.get(name)! };
}

/** A time's text as the input's time_format reads it (ISO text), or as it is without one. */
function timeFormatted(file: SourceFile, expr: string): string {
  if (!file.input.time_format) return expr;
  // A custom format is turned into ISO text; text it does not parse stays as it was (and is quarantined).
  // A format with a zone (%z, %Z) parses to an instant, written with its offset in the report zone: without
  // it, a time of the hour a fall-back repeats was read again as wall time, and as that hour's first
  // occurrence (SPEC §4), an hour early. A format without one is wall time in the report zone, written as such.
  const fmt = quoteLiteral(file.input.time_format);
  const iso = /%[zZ]/.test(file.input.time_format) ? '%Y-%m-%dT%H:%M:%S.%f%z' : '%Y-%m-%dT%H:%M:%S.%f';
  return `coalesce(strftime(try_strptime(${expr}, ${fmt}), '${iso}'), ${expr})`;
}

/** A preset's UTC time (ColumnSource `utc`): naive after the time_format, it is read as UTC, not in the report zone. */
function utcIfNaive(source: ColumnSource, expr: string): string {
  return source.utc ? `ltv_utc_if_naive(${expr})` : expr;
}

function listColumns(reader: Reader): string {
  const names = [...reader.columns.keys()];
  return names.length ? names.slice(0, 40).map((n) => (/^[^\s",\u0000-\u001f\u007f]([^",\u0000-\u001f\u007f]*[^\s",\u0000-\u001f\u007f])?$/.test(n) ? n : shownName(n))).join(', ') : '(no columns)';
}

/** A column name in a message: in double quotes, a line break or control character JSON-escaped (as a job file writes it), so the message stays one line. */
function shownName(name: string): string {
  return JSON.stringify(name);
}

/** Parquet types that hold several values in one row. */
const NESTED_TYPES: ReadonlySet<DuckDBTypeId> = new Set([DuckDBTypeId.LIST, DuckDBTypeId.ARRAY, DuckDBTypeId.STRUCT, DuckDBTypeId.MAP, DuckDBTypeId.UNION]);

/**
 * A Parquet file's top-level column names as the file writes them, in order (its schema is a tree in
 * depth-first order: the root, then each column with its nested fields after it).
 */
async function parquetNames(wh: Warehouse, file: SourceFile, path: string): Promise<string[]> {
  const schema = await query<{ name: string; num_children: number | null }>(wh, file, 'SELECT name, num_children FROM parquet_schema($path)', { path: literalPath(path) });
  let at = 1;
  const skip = (): void => {
    const children = Number(schema[at++]?.num_children ?? 0);
    for (let c = 0; c < children; c++) skip();
  };
  const names: string[] = [];
  for (let c = 0; c < Number(schema[0]?.num_children ?? 0) && at < schema.length; c++) {
    names.push(schema[at]!.name);
    skip();
  }
  return names;
}

async function describeTyped(wh: Warehouse, file: SourceFile, sql: string, params: Record<string, string>): Promise<{ name: string; type: DuckDBType }[]> {
  try {
    const reader = await wh.connection.runAndReadAll(sql, params);
    const types = reader.columnTypes();
    return reader.columnNames().map((name, i) => ({ name, type: types[i]! }));
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

/** A statement stopped by Warehouse.interrupt() (a cancelled run): not a problem of the file. */
export function isInterrupted(e: unknown): boolean {
  return e instanceof Error && /INTERRUPT/i.test(e.message);
}

/**
 * How far a gzipped Parquet file may inflate on the scratch disk. A gzip bomb (deflate inflates at most
 * 1,032 times) filled the scratch disk under every other run of the machine before its run failed. Refused:
 * past 1,000 times its size (once past 64 MB: only runs of one byte compress so far; a real Parquet file of
 * long repeated text, uncompressed, reached 177×), or past half the disk's free space at the start, whatever
 * the file (DuckDB reads a .parquet file in place, without this copy).
 */
export const MAX_INFLATE_RATIO = 1000;
export const MIN_INFLATE_CHECKED = 64_000_000;

/** The gzipped file inflated to `to` (verified: a damaged or cut-short gzip is said so, as a CSV's is). */
async function inflated(file: SourceFile, to: string): Promise<string> {
  const { size } = await stat(file.path).catch(() => ({ size: 0 }));
  const bomb = Math.max(MIN_INFLATE_CHECKED, MAX_INFLATE_RATIO * size);
  const { bavail, bsize } = await statfs(dirname(to)).catch(() => ({ bavail: Infinity, bsize: 1 }));
  const half = Math.floor((bavail * bsize) / 2);
  let written = 0;
  const bounded = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      written += chunk.length;
      if (written <= bomb && written <= half) return done(null, chunk);
      done(new AppError('INPUT', written > bomb
        ? `${file.path}: inflates to more than ${MAX_INFLATE_RATIO.toLocaleString('en-US')} times its ${formatBytes(size)}: only a gzip bomb compresses that far, so it is refused; give the .parquet file itself, or export it again`
        : `${file.path}: inflates to more than half the free space of the scratch disk (${formatBytes(half * 2)} free in ${dirname(to)}): give the .parquet file itself (read in place, without a copy), or move "duckdb.temp_directory" to a larger disk`));
    },
  });
  try {
    await pipeline(createReadStream(file.path), createGunzip(), bounded, createWriteStream(to));
  } catch (e) {
    if (isAppError(e)) {
      await rm(to, { force: true });
      throw e;
    }
    // A full scratch disk is the run's storage error (storageError), not the file's.
    if (isDiskFull(e)) throw e;
    throw readError({ path: file.path, gzip: true }, e);
  }
  return to;
}

/**
 * A Parquet file starts and ends with "PAR1": one that does not was refused with DuckDB's own words ("No
 * magic bytes found at end of file", "TProtocolException: Invalid data"). Said as what it is instead: text
 * named .parquet, or a file cut short.
 */
async function checkParquetMagic(file: SourceFile, path: string): Promise<void> {
  const handle = await open(path, 'r').catch(() => null);
  if (!handle) return; // DuckDB's read says why
  try {
    const { size } = await handle.stat();
    // The start as far as contentKind looks (a zip's entry names), to say what the file is instead.
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(Math.min(size, 1 << 16)), 0, Math.min(size, 1 << 16), 0);
    const head = buffer.subarray(0, bytesRead);
    const tail = Buffer.alloc(4);
    if (size >= 8) await handle.read(tail, 0, 4, size - 4);
    if (head.toString('latin1', 0, 4) !== 'PAR1') {
      const fix = file.input.format === 'parquet'
        ? `inputs[${file.inputIndex}].format says "parquet": set it to the file's format ("csv", "jsonl"), or export it as Parquet`
        : 'it is read as Parquet for its name: name it for its format (.csv, .jsonl), or export it as Parquet';
      const what = contentKind(head);
      if (what) throw new AppError('INPUT', `${file.path}: is ${what.kind}${file.gzip ? ' (gzip-compressed)' : ''}, not a Parquet file: ${what.todo}; ${fix}`);
      const text = size > 0 && isUtf8(head.subarray(0, 4)) ? (file.gzip ? '; this one is gzip-compressed text, a CSV or JSON Lines export?' : '; this one starts as text, a CSV or JSON Lines export?') : '';
      throw new AppError('INPUT', `${file.path}: is not a Parquet file (a Parquet file starts with "PAR1"${text}): ${fix}`);
    }
    if (size < 12 || tail.toString('latin1') !== 'PAR1') {
      throw new AppError('INPUT', `${file.path}: is a Parquet file cut short (it does not end with "PAR1", as a whole one does: a copy or download that stopped early?): copy or export it again`);
    }
  } finally {
    await handle.close();
  }
}

/** What to throw for `e`, met reading `file`: a full scratch disk is the run's storage error (storageError), not the file's. */
function fileError(file: SourceFile, e: unknown): unknown {
  if (isAppError(e) || isDiskFull(e)) return e;
  const resource = resourceError(e, undefined);
  if (resource) return resource;
  const msg = (e as Error).message.split('\n')[0] ?? String(e);
  // A Parquet file whose footer or pages are damaged (bytes changed in a copy, a disk error) passes the
  // "PAR1" checks and DuckDB said only "Invalid Error: TProtocolException: Invalid data", "Out of buffer" or
  // "Snappy decompression failure": said as what it is, with what to do, DuckDB's words kept in brackets.
  if (file.format === 'parquet' && DAMAGED_PARQUET.test(msg)) {
    return new AppError('INPUT', `${file.path}: is a damaged Parquet file: its metadata or data pages cannot be decoded (${msg.replace(/^[A-Za-z ]*Error: /, '')}); copy or export it again`, { cause: e });
  }
  return new AppError('INPUT', `${file.path}: cannot be read as ${file.format === 'whitespace' ? 'whitespace-separated text' : file.format}: ${msg}`, { cause: e });
}

/** DuckDB's words for Parquet bytes that do not decode (Thrift metadata, page buffers, codecs, checksums). */
const DAMAGED_PARQUET = /TProtocolException|Out of buffer|decompression fail|decompress|Corrupt|checksum|Invalid data|Invalid Error|page header|dictionary|magic/i;
