// SPEC §3 currency: the rates file `date,currency,rate` (one unit of currency = rate units of the report
// currency). It is configuration, not data: a bad line fails the run with the file and line named.
// It is split by ltv's own CSV splitter (splitRecords.ts), as inputs are: DuckDB's reader, given the file
// itself, counted lines without the blank ones, blamed the header for a data line with a field too many or
// too few (its sniffer took that line for the header), and read a directory's or a glob's files.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../config/AppError.js';
import type { RatesFile } from '../ltv/model.js';
import { literalPath } from '../warehouse/literalPath.js';
import { loadSql, quoteIdent, quoteLiteral } from '../warehouse/loadSql.js';
import { duckdbReason, type Warehouse } from '../warehouse/openWarehouse.js';
import { fileKind, isGzip, whyUnreadable } from './resolveInputs.js';
import { MAX_RECORD_BYTES, readCsvHeader, splitCsvToClean } from './splitRecords.js';

export interface RatesOptions {
  /** The report currency: a line for it must give 1. */
  currency?: string;
  /** Where the splitter's clean copy goes (the run's scratch directory); the system's temp folder otherwise. */
  scratchDir?: string;
  /** The job's file (its errors name it with the field, as an input's do), or 'command line' (--rates). */
  label?: string;
}

/** Loads the rates table; returns what the run's outputs record of the file (null without one). */
export async function loadRates(wh: Warehouse, ratesPath: string | undefined, baseDir: string, opts: RatesOptions = {}): Promise<RatesFile | null> {
  await wh.run(loadSql('03_create_rates'));
  const file = ratesPath ? await insertRates(wh, isAbsolute(ratesPath) ? ratesPath : resolve(baseDir, ratesPath), opts) : null;
  await wh.run(loadSql('04_rate_days'));
  return file;
}

/** A rate as written: digits and a dot (no sign but +, no exponent, no separators), read exactly. */
const RATE_TEXT = /^\s*\+?(\d+(\.\d*)?|\.\d+)\s*$/;

async function insertRates(wh: Warehouse, path: string, opts: RatesOptions): Promise<RatesFile> {
  const field = opts.label === undefined ? 'rates' : opts.label === 'command line' ? '--rates' : `${opts.label}: rates`;
  const st = await stat(path).catch((e: NodeJS.ErrnoException) => {
    throw new AppError('CONFIG', e.code === 'ENOENT' ? `${field}: no file at ${path}` : `${field}: cannot read ${path} (${e.code ?? e.message})`);
  });
  const kind = st.isDirectory() ? 'a directory: give the rates CSV file itself' : fileKind(st);
  if (kind) throw new AppError('CONFIG', `${field}: ${path} is ${kind}`);
  // Its first read: a file this user may not read was reported as a reports directory it cannot write.
  const gzip = await isGzip(path).catch(async (e: NodeJS.ErrnoException) => {
    throw new AppError('CONFIG', `${field}: cannot read ${path}: ${(await whyUnreadable(path, e)) ?? `${e.code ?? e.message}`}`);
  });
  const src = { path, gzip };
  const head = await readCsvHeader(src, undefined);
  const { names, duplicated, delimiter } = head.header;
  const wanted = ['date', 'currency', 'rate'] as const;
  const at = (c: string): number => names.findIndex((h) => h.trim().toLowerCase() === c);
  const missing = wanted.filter((c) => at(c) < 0);
  if (missing.length) {
    throw new AppError('CONFIG', `${path}: line 1 (the header) has no column ${missing.map((c) => `"${c}"`).join(', ')} (it has: ${names.join(', ')}); a rates file has the header date,currency,rate`);
  }
  const twice = wanted.filter((c) => duplicated.has(c));
  if (twice.length) throw new AppError('CONFIG', `${path}: line 1 (the header) names ${twice.map((c) => `"${c}"`).join(', ')} twice: keep one`);
  const scratch = await mkdtemp(join(opts.scratchDir ?? tmpdir(), 'rates-'));
  try {
    const clean = await splitCsvToClean(src, head.header, join(scratch, 'rates.txt'));
    const field = (i: number): string => quoteIdent(`f${i}`);
    const columns = `{'line': 'BIGINT', 'reason': 'VARCHAR', ${names.map((_, i) => `${quoteLiteral(`f${i}`)}: 'VARCHAR'`).join(', ')}}`;
    const sql = loadSql('05_load_rates', {
      columns, date: field(at('date')), currency: field(at('currency')), rate: field(at('rate')), max_line: String(MAX_RECORD_BYTES + 4096),
    });
    const params = { path: literalPath(clean.path), delim: delimiter };
    let rows: { line: number; reason: string | null; currency: string | null; date: string | null; rate: string | null; raw_date: string | null; raw_rate: string | null; raw_currency: string | null }[];
    try {
      rows = await wh.json(sql, params);
    } catch (e) {
      throw new AppError('CONFIG', `${path}: cannot be read as a rates CSV with columns date,currency,rate: ${duckdbReason(e)}`);
    }
    checkRates(path, rows, opts.currency);
    await wh.run(`INSERT INTO rates SELECT currency, date, rate, line FROM (${sql}) WHERE currency <> $report`, { ...params, report: opts.currency ?? '' });
    // Which file it was, byte for byte: a reader can check the rates behind the numbers (SPEC §5 run metadata).
    const hash = createHash('sha256');
    await pipeline(createReadStream(path), hash);
    // checkRates let through only lines with a currency and a date.
    const dates = rows.map((r) => r.date!).sort();
    return {
      path, sha256: hash.digest('hex'), lines: rows.length,
      currencies: [...new Set(rows.map((r) => r.currency!))].sort(),
      first_date: dates[0] ?? null, last_date: dates.at(-1) ?? null,
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** ISO 4217's codes that denote no currency, each with what it means and what to do with a rate for it. */
const NO_MONEY: Partial<Record<string, string>> = {
  XXX: "ISO 4217's code for no currency (a transaction that involves none), which no rate converts: remove the line, and give rows that carry it their real currency",
  XTS: "ISO 4217's code reserved for testing, not money a rate converts: remove the line, and leave test rows out of the export (or mark them is_sandbox)",
};

/** Rates are read exactly or refused, as amounts are: to 10 decimals, one rate per currency and day. */
function checkRates(
  path: string,
  rows: readonly { line: number; reason: string | null; currency: string | null; date: string | null; rate: string | null; raw_date: string | null; raw_rate: string | null; raw_currency: string | null }[],
  report: string | undefined,
): void {
  const seen = new Map<string, { line: number; rate: string; raw: string }>();
  for (const r of rows) {
    const where = `${path}: line ${r.line}`;
    if (r.reason) throw new AppError('CONFIG', `${where}: ${r.reason}`);
    if (!r.currency || !/^[A-Z]{3}$/.test(r.currency)) throw new AppError('CONFIG', `${where}: currency "${(r.raw_currency ?? '').trim()}" is not an ISO 4217 code`);
    // The file is the authority for the codes it rates (a withdrawn LTL, an operator's own code), save the two
    // ISO 4217 keeps for no money: a rate for either made rows of no currency, or test rows, into revenue.
    const noMoney = NO_MONEY[r.currency];
    if (noMoney) throw new AppError('CONFIG', `${where}: currency "${(r.raw_currency ?? '').trim()}" is ${noMoney}`);
    // DuckDB's cast reads a date from the text's start and ignores what follows ("2026-01-01garbage", a time
    // and offset): the whole field must be the date.
    const rawDate = (r.raw_date ?? '').trim();
    if (!/^\d{4}-\d{2}-\d{2}$/.test(rawDate)) throw new AppError('CONFIG', `${where}: date "${r.raw_date ?? ''}" is not YYYY-MM-DD`);
    if (!r.date) throw new AppError('CONFIG', `${where}: date "${rawDate}" is no day of the calendar; correct it in the file`);
    const raw = (r.raw_rate ?? '').trim();
    if (!RATE_TEXT.test(raw)) throw new AppError('CONFIG', `${where}: rate "${raw}" is not a positive decimal (digits and a dot, a + at most: no minus, separator or exponent)`);
    const decimals = /\.(\d*?)0*$/.exec(raw)?.[1]?.length ?? 0;
    if (decimals > 10) {
      throw new AppError('CONFIG', `${where}: rate "${raw}" has ${decimals} decimals: ltv reads rates to 10 decimals exactly and rounds none; round it to 10 in the file`);
    }
    // Rates are DECIMAL(18, 10): at most 8 digits before the point (amounts × rates stay exact within DuckDB's
    // 38 digits). A larger one is refused as such, not as "no positive decimal".
    if (!r.rate && Number(raw) >= 1e8) {
      throw new AppError('CONFIG', `${where}: rate "${raw}" has more than 8 digits before the point, more than ltv reads exactly: a rate is how many units of the report currency one unit of the line's currency is worth; check that the file does not give the opposite, or choose a report currency closer in value`);
    }
    if (!r.rate || Number(r.rate) <= 0) throw new AppError('CONFIG', `${where}: rate "${raw}" is not a positive decimal`);
    // One unit of the report currency is 1 of itself: another rate for it says the file runs the other way
    // (ECB's reference rates are units of each currency per euro). It was ignored without a word.
    if (r.currency === report && Number(r.rate) !== 1) {
      throw new AppError('CONFIG', `${where}: ${report} is the report currency, so its rate is 1, not ${raw}: a rate is how many ${report} one unit of the line's currency is worth; if the file gives the opposite (units per ${report}, as ECB's per-euro rates do), write 1/rate`);
    }
    const key = `${r.currency} ${r.date}`;
    const earlier = seen.get(key);
    if (earlier && earlier.rate !== r.rate) {
      throw new AppError('CONFIG', `${where}: a second rate for ${r.currency} on ${r.date} (${raw}; line ${earlier.line} gives ${earlier.raw}): keep one`);
    }
    if (!earlier) seen.set(key, { line: r.line, rate: r.rate, raw });
  }
}
