// SPEC §3 currency: the rates file as users write it (blank lines, a line with a field too many, ECB's
// per-euro direction, a directory given by mistake), each mistake one line naming the file and the line.
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { loadJob } from '../../src/config/loadJob.js';
import { runPipeline } from '../../src/pipeline.js';
import { csv, makeFixture, readLatest, runJob, silentLogger } from '../helpers/runFixture.js';
import { sheetFacts } from '../helpers/sheetFacts.js';

const EXPORT = csv('customer_id,event_time,amount,currency', [
  ['a', '2026-01-05T10:00:00Z', '10.00', 'USD'],
  ['b', '2026-01-06T10:00:00Z', '20.00', 'EUR'],
]);

async function outcome(rates: string | null, asOf = '2026-01-31T00:00:00Z', data = EXPORT): Promise<string> {
  const fx = await makeFixture({ 'e.csv': data, ...(rates === null ? {} : { 'rates.csv': rates }) });
  try {
    if (rates === null) await mkdir(join(fx.dir, 'rates.csv'));
    const result = await runJob(fx, { inputs: [{ path: 'e.csv' }], rates: 'rates.csv', formats: ['json'], forecast: { model: 'off' } }, asOf);
    return `revenue ${result.tenants[0]!.summary.revenue.toFixed(2)}`;
  } catch (e) {
    return (e as Error).message.replace(fx.dir, '<dir>');
  } finally {
    await fx.cleanup();
  }
}

describe.concurrent('rates file', () => {
  it('names the physical line of a bad rate after a blank line (it named line 3, DuckDB skipping the blank one)', async ({ expect }) => {
    expect(await outcome('date,currency,rate\n2026-01-01,EUR,1.1\n\n2026-01-02,EUR,abc\n'))
      .toBe('<dir>/rates.csv: line 4: rate "abc" is not a positive decimal (digits and a dot, a + at most: no minus, separator or exponent)');
  });

  it('names a data line with a field too many or too few (the header was blamed: "has no column date")', async ({ expect }) => {
    expect(await outcome('date,currency,rate\n2026-01-01,EUR,1.1,ECB\n')).toBe('<dir>/rates.csv: line 2: expected 3 fields (as in the header), found 4');
    expect(await outcome('date,currency,rate\n2026-01-01,EUR,1.1\n2026-01-02,EUR\n')).toBe('<dir>/rates.csv: line 3: expected 3 fields (as in the header), found 2');
  });

  it('refuses a rate for the report currency other than 1 (a file the other way round was read without a word), and an exponent', async ({ expect }) => {
    expect(await outcome('date,currency,rate\n2026-01-01,USD,0.92\n2026-01-01,EUR,1.1\n')).toBe(
      '<dir>/rates.csv: line 2: USD is the report currency, so its rate is 1, not 0.92: a rate is how many USD one unit of the line\'s currency is worth; '
      + 'if the file gives the opposite (units per USD, as ECB\'s per-euro rates do), write 1/rate');
    expect(await outcome('date,currency,rate\n2026-01-01,EUR,1e1\n')).toBe('<dir>/rates.csv: line 2: rate "1e1" is not a positive decimal (digits and a dot, a + at most: no minus, separator or exponent)');
    // USD at 1, a BOM, CRLF and a blank line are fine: 10 USD + 20 EUR × 1.1 = 32.00.
    expect(await outcome('\uFEFFdate,currency,rate\r\n2026-01-01,USD,1\r\n\r\n2026-01-01,EUR,1.1\r\n')).toBe('revenue 32.00');
  });

  it('refuses a date with anything after it (DuckDB\'s cast read 2026-01-01garbage as 2026-01-01), or a time and offset', async ({ expect }) => {
    expect(await outcome('date,currency,rate\n2026-01-01garbage,EUR,1.1\n')).toBe('<dir>/rates.csv: line 2: date "2026-01-01garbage" is not YYYY-MM-DD');
    expect(await outcome('date,currency,rate\n2026-01-01,EUR,1.1\n2026-01-05T23:00:00-05:00,EUR,1.2\n')).toBe('<dir>/rates.csv: line 3: date "2026-01-05T23:00:00-05:00" is not YYYY-MM-DD');
    // In the layout, but no day: said so (it was "is not YYYY-MM-DD").
    expect(await outcome('date,currency,rate\n2026-02-30,EUR,1.1\n')).toBe('<dir>/rates.csv: line 2: date "2026-02-30" is no day of the calendar; correct it in the file');
    // Positive, but beyond DECIMAL(18, 10): said so (it was "is not a positive decimal").
    expect(await outcome('date,currency,rate\n2026-01-01,EUR,123456789.5\n')).toBe('<dir>/rates.csv: line 2: rate "123456789.5" has more than 8 digits before the point, more than ltv reads exactly: '
      + 'a rate is how many units of the report currency one unit of the line\'s currency is worth; check that the file does not give the opposite, or choose a report currency closer in value');
    // The largest it reads: 10 USD + 20 EUR × 99,999,999.5 = 2,000,000,000.00.
    expect(await outcome('date,currency,rate\n2026-01-01,EUR,99999999.5\n')).toBe('revenue 2000000000.00');
    // Spaces around the date are fine (fields are trimmed): 10 USD + 20 EUR × 1.1 = 32.00.
    expect(await outcome('date,currency,rate\n 2026-01-01 ,EUR,1.1\n')).toBe('revenue 32.00');
  });

  it('refuses a line for XXX (no currency) or XTS (testing), which it read as money; reads a withdrawn or an operator\'s own code as the file gives it', async ({ expect }) => {
    expect(await outcome('date,currency,rate\n2026-01-01,EUR,1.1\n2026-01-01, xxx ,0.5\n')).toBe(
      '<dir>/rates.csv: line 3: currency "xxx" is ISO 4217\'s code for no currency (a transaction that involves none), which no rate converts: '
      + 'remove the line, and give rows that carry it their real currency');
    expect(await outcome('date,currency,rate\n2026-01-01,XTS,0.5\n')).toBe(
      '<dir>/rates.csv: line 2: currency "XTS" is ISO 4217\'s code reserved for testing, not money a rate converts: '
      + 'remove the line, and leave test rows out of the export (or mark them is_sandbox)');
    // The file is the authority for other codes: LTL (withdrawn in 2015) and PTS (a code of the operator's
    // own) are read at their rates: 10 USD + 20 LTL × 0.29 + 30 PTS × 0.01 = 10 + 5.80 + 0.30 = 16.10.
    const own = csv('customer_id,event_time,amount,currency', [
      ['a', '2026-01-05T10:00:00Z', '10.00', 'USD'], ['b', '2026-01-06T10:00:00Z', '20.00', 'LTL'], ['c', '2026-01-06T10:00:00Z', '30.00', 'pts'],
    ]);
    expect(await outcome('date,currency,rate\n2026-01-01,LTL,0.29\n2026-01-01,PTS,0.01\n', undefined, own)).toBe('revenue 16.10');
  });

  it('records the rates file a run used (path, sha256, lines, currencies, dates) in ltv.json, manifest.json and the About sheet', async ({ expect }) => {
    // 4 lines: EUR twice, GBP, and the report currency USD at 1; a blank line is no line.
    const rates = 'date,currency,rate\n2025-12-31,EUR,1.1\n\n2026-01-02,EUR,1.2\n2026-01-01,GBP,1.3\n2025-12-30,USD,1\n';
    const fx = await makeFixture({ 'e.csv': EXPORT, 'rates.csv': rates });
    try {
      await runJob(fx, { inputs: [{ path: 'e.csv' }], rates: 'rates.csv', formats: ['json', 'xlsx'], forecast: { model: 'off' } }, '2026-01-31T00:00:00Z');
      const sha256 = createHash('sha256').update(await readFile(join(fx.dir, 'rates.csv'))).digest('hex');
      // As inputs[].path is: the file the job named, resolved against the job's directory.
      const path = join(fx.dir, 'rates.csv');
      const recorded = { path, sha256, lines: 4, currencies: ['EUR', 'GBP', 'USD'], first_date: '2025-12-30', last_date: '2026-01-02' };
      const { report, dir } = await readLatest(fx);
      expect(report.inputs[0]!.path).toBe(join(fx.dir, 'e.csv'));
      expect(report.rates).toEqual(recorded);
      expect(report.schema_version).toBe(1);
      expect(JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')).rates).toEqual(recorded);
      const about = await sheetFacts(join(dir, 'ltv.xlsx'), 'About');
      expect(about.get('Exchange rates')).toBe(`${path} (4 lines: EUR, GBP, USD, 2025-12-30 to 2026-01-02)`);
      expect(about.get('Exchange rates sha256')).toBe(sha256);
    } finally {
      await fx.cleanup();
    }
  });

  it('records that a run had no rates file (null), and says so on the About sheet', async ({ expect }) => {
    const fx = await makeFixture({ 'e.csv': csv('customer_id,event_time,amount', [['a', '2026-01-05T10:00:00Z', '10.00']]) });
    try {
      await runJob(fx, { inputs: [{ path: 'e.csv' }], formats: ['json', 'xlsx'], forecast: { model: 'off' } }, '2026-01-31T00:00:00Z');
      const { report, dir } = await readLatest(fx);
      expect(report.rates).toBeNull();
      expect(JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')).rates).toBeNull();
      const about = await sheetFacts(join(dir, 'ltv.xlsx'), 'About');
      expect(about.get('Exchange rates')).toBe('none: the job gives no rates file, so rows in a currency other than USD are quarantined');
      expect(about.has('Exchange rates sha256')).toBe(false);
    } finally {
      await fx.cleanup();
    }
  });

  it('refuses a directory (DuckDB read the files inside it)', async ({ expect }) => {
    expect(await outcome(null)).toBe('--rates: <dir>/rates.csv is a directory: give the rates CSV file itself');
  });

  it('a job file\'s missing rates file is named with the job file and its field, as a missing input is', async ({ expect }) => {
    const fx = await makeFixture({ 'e.csv': EXPORT, 'job.json': JSON.stringify({ inputs: [{ path: 'e.csv' }], rates: 'nope.csv', forecast: { model: 'off' } }) });
    try {
      const job = await loadJob(join(fx.dir, 'job.json'));
      const err = await runPipeline(job, { logger: silentLogger, reportsDir: fx.reportsDir, email: 'off' }).then(() => null, (e: unknown) => e);
      expect((err as Error).message).toBe(`${join(fx.dir, 'job.json')}: rates: no file at ${join(fx.dir, 'nope.csv')}`);
    } finally {
      await fx.cleanup();
    }
  });

  it('a job file\'s duckdb.temp_directory that cannot be made is named with the job file too (it named the field alone)', async ({ expect }) => {
    const fx = await makeFixture({ 'e.csv': EXPORT, 'job.json': JSON.stringify({ inputs: [{ path: 'e.csv' }], duckdb: { temp_directory: 'e.csv/scratch' }, forecast: { model: 'off' } }) });
    try {
      const job = await loadJob(join(fx.dir, 'job.json'));
      const err = await runPipeline(job, { logger: silentLogger, reportsDir: fx.reportsDir, email: 'off' }).then(() => null, (e: unknown) => e);
      expect((err as Error).message).toBe(`${join(fx.dir, 'job.json')}: duckdb.temp_directory: cannot create ${join(fx.dir, 'e.csv', 'scratch')} (ENOTDIR): give a writable directory`);
    } finally {
      await fx.cleanup();
    }
  });
});
