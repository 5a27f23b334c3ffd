// SPEC §3 currency: the rates file `date,currency,rate` (one unit of currency = rate units of the report
// currency). It is configuration, not data: a bad line fails the run with the file and line named.
import { isAbsolute, resolve } from 'node:path';
import { access } from 'node:fs/promises';
import { AppError } from '../config/AppError.js';
import { loadSql } from '../warehouse/loadSql.js';
import { duckdbReason, type Warehouse } from '../warehouse/openWarehouse.js';

export async function loadRates(wh: Warehouse, ratesPath: string | undefined, baseDir: string): Promise<number> {
  await wh.run(loadSql('03_create_rates'));
  const n = ratesPath ? await insertRates(wh, ratesPath, baseDir) : 0;
  await wh.run(loadSql('04_rate_days'));
  return n;
}

async function insertRates(wh: Warehouse, ratesPath: string, baseDir: string): Promise<number> {
  const path = isAbsolute(ratesPath) ? ratesPath : resolve(baseDir, ratesPath);
  await access(path).catch(() => {
    throw new AppError('CONFIG', `rates: no file at ${path}`);
  });
  let header: string[];
  try {
    header = (await wh.connection.runAndReadAll('SELECT * FROM read_csv($path, all_varchar = true, header = true) LIMIT 0', { path })).columnNames();
  } catch (e) {
    throw new AppError('CONFIG', `${path}: cannot be read as a rates CSV with columns date,currency,rate: ${duckdbReason(e)}`);
  }
  const missing = ['date', 'currency', 'rate'].filter((c) => !header.some((h) => h.trim().toLowerCase() === c));
  if (missing.length) {
    throw new AppError('CONFIG', `${path}: line 1 (the header) has no column ${missing.map((c) => `"${c}"`).join(', ')} (it has: ${header.join(', ')}); a rates file has the header date,currency,rate`);
  }
  let rows: { line: number; currency: string | null; date: string | null; rate: string | null; raw_date: string | null; raw_rate: string | null }[];
  try {
    rows = await wh.json(loadSql('05_load_rates'), { path });
  } catch (e) {
    throw new AppError('CONFIG', `${path}: cannot be read as a rates CSV with columns date,currency,rate: ${duckdbReason(e)}`);
  }
  // Rates are read exactly or refused, as amounts are: to 10 decimals, one rate per currency and day.
  const seen = new Map<string, { line: number; rate: string; raw: string }>();
  for (const r of rows) {
    if (!r.currency || !/^[A-Z]{3}$/.test(r.currency)) throw new AppError('CONFIG', `${path}: line ${r.line}: currency is not an ISO 4217 code`);
    if (!r.date) throw new AppError('CONFIG', `${path}: line ${r.line}: date "${r.raw_date ?? ''}" is not YYYY-MM-DD`);
    if (!r.rate || Number(r.rate) <= 0) throw new AppError('CONFIG', `${path}: line ${r.line}: rate "${r.raw_rate ?? ''}" is not a positive decimal`);
    const decimals = /\.(\d*?)0*\s*$/.exec(r.raw_rate ?? '')?.[1]?.length ?? 0;
    if (decimals > 10) {
      throw new AppError('CONFIG', `${path}: line ${r.line}: rate "${r.raw_rate ?? ''}" has ${decimals} decimals: ltv reads rates to 10 decimals exactly and rounds none; round it to 10 in the file`);
    }
    const key = `${r.currency} ${r.date}`;
    const earlier = seen.get(key);
    if (earlier && earlier.rate !== r.rate) {
      throw new AppError('CONFIG', `${path}: line ${r.line}: a second rate for ${r.currency} on ${r.date} (${(r.raw_rate ?? '').trim()}; line ${earlier.line} gives ${earlier.raw}): keep one`);
    }
    if (!earlier) seen.set(key, { line: r.line, rate: r.rate, raw: (r.raw_rate ?? '').trim() });
  }
  await wh.run(`INSERT INTO rates SELECT currency, date, rate, line FROM (${loadSql('05_load_rates')})`, { path });
  return rows.length;
}
