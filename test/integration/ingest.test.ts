// SPEC §3 inputs: formats, presets, tenants, bad rows, the bad-row threshold and unreadable files.
import { readFile, readlink, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import ExcelJS from 'exceljs';
import type { JobInput } from '../../src/config/jobSchema.js';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/config/AppError.js';
import { parseCsv } from '../helpers/parseCsv.js';
import { csv, grid, makeFixture, readLatest, readSnapshot, runJob } from '../helpers/runFixture.js';

// Three customers in January, T = Feb 15: p0 (10 + 20 + 30) / 3 = 20; a pays 6 more on Feb 12 → p1 22.
const ROWS = [
  ['a', '2026-01-10T08:00:00Z', '10.00', 't1'],
  ['b', '2026-01-11T08:00:00Z', '20.00', 't2'],
  ['c', '2026-01-12T08:00:00Z', '30.00', 't3'],
  ['a', '2026-02-12T08:00:00Z', '6.00', 't4'],
];
const EXPECTED = { Total: [20, 22], '2026-01-01': [20, 22] };
const T = '2026-02-15T00:00:00Z';
const MONTHLY = [{ period_type: 'days' as const, period_unit: 'month' as const }];

/** Writes each query's rows as a Parquet file of the fixture (DuckDB in memory). */
async function writeParquet(dir: string, files: Record<string, string>): Promise<void> {
  const db = await (await DuckDBInstance.create(':memory:')).connect();
  for (const [name, sql] of Object.entries(files)) await db.run(`COPY (${sql}) TO '${join(dir, name)}' (FORMAT parquet)`);
  db.closeSync();
}

/**
 * Renames a column in a Parquet file's schema, as a writer that keeps names as given would have named it
 * (pyarrow, Spark, pandas write `net` and `Net` both; DuckDB writes the second as `Net_1`): `from` and `to`
 * have the same length, and `from` is in the file only as that name (the schema, each column chunk's path).
 */
async function renameInParquet(path: string, from: string, to: string): Promise<void> {
  const bytes = await readFile(path);
  let renamed = 0;
  for (let at = bytes.indexOf(from); at >= 0; at = bytes.indexOf(from, at + 1), renamed++) bytes.write(to, at, 'latin1');
  expect([to.length, renamed >= 2]).toEqual([from.length, true]);
  await writeFile(path, bytes);
}

/** Each quarantined row's line and reason (quarantine.csv ends its lines with LF; the strict reader takes RFC 4180's CRLF). */
async function lineAndReason(dir: string): Promise<string[][]> {
  return parseCsv((await readFile(join(dir, 'quarantine.csv'), 'utf8')).replaceAll('\n', '\r\n')).slice(1).map((r) => r.slice(1, 3));
}

describe('input formats', () => {
  it.each([
    ['csv', 'e.csv', () => csv('customer_id,event_time,amount,transaction_id', ROWS)],
    ['semicolon csv (sniffed)', 'e.csv', () => csv('customer_id;event_time;amount;transaction_id', ROWS).replaceAll(',', ';')],
    // Excel's delimiter hint before the header (it was read as the header: "no column for customer_id").
    ['csv with Excel\'s sep= line, CRLF', 'e.csv', () => `sep=;\r\n${csv('customer_id;event_time;amount;transaction_id', ROWS).replaceAll(',', ';').replaceAll('\n', '\r\n')}`],
    ['tsv', 'e.tsv', () => csv('customer_id\tevent_time\tamount\ttransaction_id', ROWS).replaceAll(',', '\t')],
    ['gzip csv', 'e.csv.gz', () => gzipSync(csv('customer_id,event_time,amount,transaction_id', ROWS))],
    ['json lines', 'e.jsonl', () => ROWS.map(([c, t, a, x]) => JSON.stringify({ customer_id: c, event_time: t, amount: Number(a), transaction_id: x })).join('\n')],
    // JSON Lines under a name that says nothing of its format: recognised by its first line (it was read as
    // CSV and refused with "fix its quotes").
    ['gzipped json lines named .gz', 'events.gz', () => gzipSync(ROWS.map(([c, t, a, x]) => JSON.stringify({ customer_id: c, event_time: t, amount: Number(a), transaction_id: x })).join('\n'))],
    ['json lines named .txt', 'events.txt', () => ROWS.map(([c, t, a, x]) => JSON.stringify({ customer_id: c, event_time: t, amount: a, transaction_id: x })).join('\r\n')],
  ])('reads %s', async (_name, file, content) => {
    const fx = await makeFixture({ [file]: content() });
    try {
      await runJob(fx, { inputs: [{ path: file }], matrices: MONTHLY }, T);
      expect(grid((await readLatest(fx)).report.matrices[0]!)).toEqual(EXPECTED);
    } finally {
      await fx.cleanup();
    }
  });

  it('numbers lines after Excel\'s sep= line as the file has them, and a given delimiter wins over the hint', async () => {
    const fx = await makeFixture({
      'hint.csv': 'sep=;\ncustomer_id;event_time;amount\na;2026-01-10T10:00:00Z;10\nb;2026-01-11T10:00:00Z;x\nc;2026-01-12T10:00:00Z;20\n',
      'given.csv': 'sep=;\ncustomer_id|event_time|amount\na|2026-01-10T10:00:00Z|10\n',
    });
    try {
      await runJob(fx, { inputs: [{ path: 'hint.csv' }], matrices: MONTHLY, max_bad_row_share: 0.5 }, T);
      const { report, dir } = await readLatest(fx);
      // sep=; is line 1, the header line 2: b's row is line 4. p0 (10 + 20) / 2 = 15.
      expect(grid(report.matrices[0]!)['2026-01-01']![0]).toBe(15);
      expect((await readFile(join(dir, 'quarantine.csv'), 'utf8')).split('\n')[1]).toMatch(/hint\.csv,4,"amount is not a decimal number/);
      await runJob(fx, { inputs: [{ path: 'given.csv', delimiter: '|' }], matrices: MONTHLY }, T);
      expect(grid((await readLatest(fx)).report.matrices[0]!)['2026-01-01']![0]).toBe(10);
    } finally {
      await fx.cleanup();
    }
  });

  it('reads Parquet and globs several files in name order', async () => {
    const fx = await makeFixture({});
    try {
      const part = (half: string[][]): string =>
        `SELECT * FROM (VALUES ${half.map(([c, t, a, x]) => `('${c}', TIMESTAMPTZ '${t}', ${a}::DOUBLE, '${x}')`).join(',')}) v(customer_id, event_time, amount, transaction_id)`;
      await writeParquet(fx.dir, { 'part-0.parquet': part(ROWS.slice(0, 2)), 'part-1.parquet': part(ROWS.slice(2)) });
      await runJob(fx, { inputs: [{ path: 'part-*.parquet' }], matrices: MONTHLY }, T);
      const { report } = await readLatest(fx);
      expect(grid(report.matrices[0]!)).toEqual(EXPECTED);
      expect(report.inputs.map((i) => [i.path.split('/').pop(), i.rows])).toEqual([['part-0.parquet', 2], ['part-1.parquet', 2]]);
    } finally {
      await fx.cleanup();
    }
  });

  it('reads a gzipped Parquet file (inflated first: DuckDB said "No magic bytes found"), and refuses JSON Lines named .csv saying so', async () => {
    const jsonl = ROWS.map(([c, t, a, x]) => JSON.stringify({ customer_id: c, event_time: t, amount: Number(a), transaction_id: x })).join('\n');
    const fx = await makeFixture({ 'events.csv': jsonl });
    try {
      const part = `SELECT * FROM (VALUES ${ROWS.map(([c, t, a, x]) => `('${c}', TIMESTAMPTZ '${t}', ${a}::DECIMAL(18,2), '${x}')`).join(',')}) v(customer_id, event_time, amount, transaction_id)`;
      await writeParquet(fx.dir, { 'all.parquet': part });
      await writeFile(join(fx.dir, 'all.parquet.gz'), gzipSync(await readFile(join(fx.dir, 'all.parquet'))));
      await runJob(fx, { inputs: [{ path: 'all.parquet.gz' }], matrices: MONTHLY }, T);
      expect(grid((await readLatest(fx)).report.matrices[0]!)).toEqual(EXPECTED);
      // Cut short, the gzip is said damaged, as a CSV's is.
      const gz = await readFile(join(fx.dir, 'all.parquet.gz'));
      await writeFile(join(fx.dir, 'cut.parquet.gz'), gz.subarray(0, gz.length - 20));
      await expect(runJob(fx, { inputs: [{ path: 'cut.parquet.gz' }] }, T)).rejects.toThrow(/cut\.parquet\.gz: damaged gzip data \(unexpected end of file\): the file is truncated or corrupt; nothing of it was read — export or copy it again$/);
      // A gzip bomb (100 MB of zeros in ~97 KB, deflate's most: 1,030 times) stops past 1,000 times its size:
      // it filled the scratch disk before the run failed.
      await writeFile(join(fx.dir, 'bomb.parquet.gz'), gzipSync(Buffer.alloc(100_000_000), { level: 9 }));
      await expect(runJob(fx, { inputs: [{ path: 'bomb.parquet.gz' }] }, T)).rejects.toThrow(new RegExp(`^${join(fx.dir, 'bomb.parquet.gz')}: inflates to more than 1,000 times its 9\\d KB: only a gzip bomb compresses that far, so it is refused; give the \\.parquet file itself, or export it again$`));
      await expect(runJob(fx, { inputs: [{ path: 'events.csv' }] }, T)).rejects.toThrow(
        `${join(fx.dir, 'events.csv')}: named .csv, but line 1 is a JSON object, as in JSON Lines: name it .jsonl, or give "format": "jsonl" to its input in a job file`);
      await runJob(fx, { inputs: [{ path: 'events.csv', format: 'jsonl' }], matrices: MONTHLY }, T);
      expect(grid((await readLatest(fx)).report.matrices[0]!)).toEqual(EXPECTED);
    } finally {
      await fx.cleanup();
    }
  });

  it('refuses text named .parquet and a Parquet file cut short, each saying what it is (DuckDB said "No magic bytes found")', async () => {
    const text = csv('customer_id,event_time,amount,transaction_id', ROWS);
    const fx = await makeFixture({ 'text.parquet': text });
    try {
      await writeParquet(fx.dir, { 'whole.parquet': "SELECT 'a' AS customer_id, TIMESTAMPTZ '2026-01-05 10:00:00+00' AS event_time, 10.0 AS amount" });
      const whole = await readFile(join(fx.dir, 'whole.parquet'));
      await writeFile(join(fx.dir, 'cut.parquet'), whole.subarray(0, whole.length - 100));
      await expect(runJob(fx, { inputs: [{ path: 'text.parquet' }] }, T)).rejects.toThrow(
        `${join(fx.dir, 'text.parquet')}: is not a Parquet file (a Parquet file starts with "PAR1"; this one starts as text, a CSV or JSON Lines export?): it is read as Parquet for its name: name it for its format (.csv, .jsonl), or export it as Parquet`);
      await expect(runJob(fx, { inputs: [{ path: 'cut.parquet' }] }, T)).rejects.toThrow(
        `${join(fx.dir, 'cut.parquet')}: is a Parquet file cut short (it does not end with "PAR1", as a whole one does: a copy or download that stopped early?): copy or export it again`);
      // Whole in length but its footer's length field damaged: said so, with what to do (it was DuckDB's
      // "Invalid Error: TProtocolException: Invalid data" alone).
      const damaged = Buffer.from(whole);
      damaged.writeUInt32LE(damaged.readUInt32LE(damaged.length - 8) - 7, damaged.length - 8);
      await writeFile(join(fx.dir, 'damaged.parquet'), damaged);
      await expect(runJob(fx, { inputs: [{ path: 'damaged.parquet' }] }, T)).rejects.toThrow(
        new RegExp(`^${join(fx.dir, 'damaged\\.parquet').replace(/\//g, '\\/')}: is a damaged Parquet file: its metadata or data pages cannot be decoded \\([^\\n]+\\); copy or export it again$`));
      // The whole file is read; and the text, given its real format.
      await runJob(fx, { inputs: [{ path: 'whole.parquet' }] }, T);
      await runJob(fx, { inputs: [{ path: 'text.parquet', format: 'csv' }], matrices: MONTHLY }, T);
      expect(grid((await readLatest(fx)).report.matrices[0]!)).toEqual(EXPECTED);
    } finally {
      await fx.cleanup();
    }
  });

  // Given "format": "parquet", a workbook, a zip archive or a gzipped CSV was called text ("this one starts
  // as text, a CSV or JSON Lines export?"): said as what it is, as a text input says it, and the job's field
  // named with the value to set.
  it('refuses a workbook, a zip archive and gzipped text read as Parquet, saying what each is and which field to change', async () => {
    const book = new ExcelJS.Workbook();
    book.addWorksheet('Sheet1').addRows([['customer_id', 'event_time', 'amount'], ['a', '2026-01-10T08:00:00Z', 10]]);
    const text = csv('customer_id,event_time,amount,transaction_id', ROWS);
    // A zip entry's local header: the signature, the name's length at byte 26, the name at 30.
    const zip = Buffer.concat([Buffer.alloc(30), Buffer.from('e.csv'), Buffer.from(text)]);
    zip.writeUInt32LE(0x04034b50, 0);
    zip.writeUInt16LE(5, 26);
    const fx = await makeFixture({ 'e.xlsx': Buffer.from(await book.xlsx.writeBuffer()), 'e.zip': zip, 'e.csv.gz': gzipSync(text) });
    try {
      const fix = 'inputs[0].format says "parquet": set it to the file\'s format ("csv", "jsonl"), or export it as Parquet';
      await expect(runJob(fx, { inputs: [{ path: 'e.xlsx', format: 'parquet' }] }, T)).rejects.toThrow(
        `${join(fx.dir, 'e.xlsx')}: is an Excel workbook (.xlsx), not a Parquet file: save the sheet as CSV UTF-8 and give that file; ${fix}`);
      await expect(runJob(fx, { inputs: [{ path: 'e.zip', format: 'parquet' }] }, T)).rejects.toThrow(
        `${join(fx.dir, 'e.zip')}: is a zip archive, not a Parquet file: unzip it and give the file inside; ${fix}`);
      await expect(runJob(fx, { inputs: [{ path: 'e.csv.gz', format: 'parquet' }] }, T)).rejects.toThrow(
        `${join(fx.dir, 'e.csv.gz')}: is not a Parquet file (a Parquet file starts with "PAR1"; this one is gzip-compressed text, a CSV or JSON Lines export?): ${fix}`);
    } finally {
      await fx.cleanup();
    }
  });

  // A job's "format" the content contradicts: the advice was for a name ("name it .parquet" for a file named
  // .parquet) or for a CSV ("fix its quotes" for JSON Lines given "format": "csv"). The field is the mistake.
  it('refuses content that contradicts the input\'s "format", naming the field and the value to set', async () => {
    const jsonl = ROWS.map(([c, t, a, x]) => JSON.stringify({ customer_id: c, event_time: t, amount: Number(a), transaction_id: x })).join('\n');
    const text = csv('customer_id,event_time,amount,transaction_id', ROWS);
    const fx = await makeFixture({ 'a.csv': text, 'e.jsonl': jsonl, 'e.csv': text });
    try {
      await writeParquet(fx.dir, { 'e.parquet': "SELECT 'a' AS customer_id, TIMESTAMPTZ '2026-01-05 10:00:00+00' AS event_time, 10.0 AS amount" });
      const refused = async (input: JobInput['inputs'][number]): Promise<string> =>
        runJob(fx, { inputs: [{ path: 'a.csv' }, input] }, T).then(() => '', (e: Error) => e.message);
      expect(await refused({ path: 'e.parquet', format: 'csv' })).toBe(`${join(fx.dir, 'e.parquet')}: is a Parquet file, but inputs[1].format says "csv": set it to "parquet"`);
      expect(await refused({ path: 'e.parquet', format: 'jsonl' })).toBe(`${join(fx.dir, 'e.parquet')}: is a Parquet file, but inputs[1].format says "jsonl": set it to "parquet"`);
      expect(await refused({ path: 'e.jsonl', format: 'csv' })).toBe(`${join(fx.dir, 'e.jsonl')}: line 1 is a JSON object, as in JSON Lines, but inputs[1].format says "csv": set it to "jsonl"`);
      expect(await refused({ path: 'e.jsonl', format: 'tsv' })).toBe(`${join(fx.dir, 'e.jsonl')}: line 1 is a JSON object, as in JSON Lines, but inputs[1].format says "tsv": set it to "jsonl"`);
      expect(await refused({ path: 'e.csv', format: 'jsonl' })).toBe(
        `${join(fx.dir, 'e.csv')}: inputs[1].format says "jsonl", but no line is a JSON object (line 1: "customer_id,event_time,amount,transaction_id"): set it to the file's format ("csv", "tsv")`);
    } finally {
      await fx.cleanup();
    }
  });

  it('refuses a Parquet column it reads that holds a list or struct (it became "[x, y]" text), and ignores one it does not read', async () => {
    const fx = await makeFixture({});
    try {
      const values = ROWS.map(([c, t, a, x]) => `('${c}', TIMESTAMPTZ '${t}', ${a}::DOUBLE, '${x}', ['p', 'q'], {'k': 1})`).join(',');
      await writeParquet(fx.dir, { 'nested.parquet': `SELECT * FROM (VALUES ${values}) v(customer_id, event_time, amount, transaction_id, product_id, extra)` });
      await expect(runJob(fx, { inputs: [{ path: 'nested.parquet' }] }, T)).rejects.toThrow(
        `${join(fx.dir, 'nested.parquet')}: column "product_id" is VARCHAR[], several values per row, where ltv reads one: export it as a plain value (or one element of it), or map another column`);
      await expect(runJob(fx, { inputs: [{ path: 'nested.parquet', map: { country: 'extra', product_id: 'transaction_id' } }] }, T)).rejects.toThrow(/column "extra" is STRUCT\("k" INTEGER\), several values per row/);
      // product_id given another column: the list column is not read, nor is the struct.
      await runJob(fx, { inputs: [{ path: 'nested.parquet', map: { product_id: 'transaction_id' } }], matrices: MONTHLY }, T);
      expect(grid((await readLatest(fx)).report.matrices[0]!)).toEqual(EXPECTED);
    } finally {
      await fx.cleanup();
    }
  });

  it('refuses a Parquet file that has a column the job reads twice, in different cases, as a CSV header is (mapped as Net, net was read)', async () => {
    const fx = await makeFixture({});
    try {
      const values = ROWS.map(([c, t, a, x]) => `('${c}', TIMESTAMPTZ '${t}', ${a}::DECIMAL(10, 2), '${x}', ${a}::DECIMAL(10, 2) * 0.5, ${a}::DECIMAL(10, 2) * 0.7)`).join(',');
      await writeParquet(fx.dir, {
        'net.parquet': `SELECT * FROM (VALUES ${values}) v(customer_id, event_time, amount, transaction_id, net, QQQ)`,
        'amount.parquet': `SELECT * FROM (VALUES ${values}) v(customer_id, event_time, amount, transaction_id, net, QQQQQQ)`,
      });
      await renameInParquet(join(fx.dir, 'net.parquet'), 'QQQ', 'Net');
      await renameInParquet(join(fx.dir, 'amount.parquet'), 'QQQQQQ', 'Amount');
      await expect(runJob(fx, { inputs: [{ path: 'net.parquet', map: { amount: 'Net' } }] }, T)).rejects.toThrow(
        `${join(fx.dir, 'net.parquet')}: the file has the column "Net" more than once (names match case-insensitively: "net", "Net"): rename or remove one, so it is clear which one to read`);
      await expect(runJob(fx, { inputs: [{ path: 'net.parquet', map: { amount: 'net' } }] }, T)).rejects.toThrow(/net\.parquet: the file has the column "net" more than once/);
      await expect(runJob(fx, { inputs: [{ path: 'amount.parquet' }] }, T)).rejects.toThrow(
        `${join(fx.dir, 'amount.parquet')}: the file has the column "amount" more than once (names match case-insensitively: "amount", "Amount"): rename or remove one, so it is clear which one to read`);
      // Two columns of one name the job does not read are left aside: amount is read, net and Net are not.
      await runJob(fx, { inputs: [{ path: 'net.parquet' }], matrices: MONTHLY }, T);
      expect(grid((await readLatest(fx)).report.matrices[0]!)).toEqual(EXPECTED);
    } finally {
      await fx.cleanup();
    }
  });

  it('quarantines a Parquet row whose text the job reads holds a NUL, as JSON Lines does (it was read, "b\\0" a customer of its own)', async () => {
    const fx = await makeFixture({});
    try {
      // Row 2: b's customer id ends in NUL; row 3: c's product; row 4: a NUL in a column the job does not read.
      const values = [
        "('a', TIMESTAMPTZ '2026-01-10 08:00:00+00', 10.00, 'p', 'x')",
        "('b' || chr(0), TIMESTAMPTZ '2026-01-11 08:00:00+00', 20.00, 'p', 'x')",
        "('c', TIMESTAMPTZ '2026-01-12 08:00:00+00', 30.00, 'p' || chr(0) || 'q', 'x')",
        "('a', TIMESTAMPTZ '2026-02-12 08:00:00+00', 6.00, 'p', 'x' || chr(0))",
      ].join(', ');
      await writeParquet(fx.dir, { 'nul.parquet': `SELECT * FROM (VALUES ${values}) v(customer_id, event_time, amount, product_id, note)` });
      const result = await runJob(fx, { inputs: [{ path: 'nul.parquet' }], matrices: MONTHLY, max_bad_row_share: 0.6 }, T);
      expect([result.stats.rows_read, result.stats.rows_quarantined]).toEqual([4, 2]);
      const { report, dir } = await readLatest(fx);
      // a alone: 10 in January, 6 more on Feb 12 → [10, 16].
      expect(grid(report.matrices[0]!)).toEqual({ Total: [10, 16], '2026-01-01': [10, 16] });
      const reason = (column: string): string => `column "${column}" holds \\u0000, a NUL character, which no field of an export holds (and ltv.csv could not carry): remove it`;
      expect(await lineAndReason(dir)).toEqual([['2', reason('customer_id')], ['3', reason('product_id')]]);
    } finally {
      await fx.cleanup();
    }
  });

  it('quarantines a value from a Parquet FLOAT column with 7 or more significant digits (1234.5678 was read as 1234.5677, 16777217 as 16777216)', async () => {
    const fx = await makeFixture({});
    try {
      // A 32-bit float gives back any decimal of up to 6 significant digits as its shortest text, not one of 7
      // or more. Rows (from 1: Parquet has no header) 1 and 2: amount; row 4: commission; row 3's `note` is not read.
      const values = [
        "('a', TIMESTAMPTZ '2026-01-10 08:00:00+00', 1234.5678, 30, 1)",
        "('b', TIMESTAMPTZ '2026-01-11 08:00:00+00', 16777217, 30, 1)",
        "('c', TIMESTAMPTZ '2026-01-12 08:00:00+00', 99999.9, 30, 1234567.8)",
        "('d', TIMESTAMPTZ '2026-01-12 08:00:00+00', 12.5, 12.34567, 1)",
        "('e', TIMESTAMPTZ '2026-01-13 08:00:00+00', 0.5, 30, 1)",
      ].join(', ');
      await writeParquet(fx.dir, {
        'f.parquet': `SELECT customer_id, event_time, amount::FLOAT AS amount, commission_percentage::FLOAT AS commission_percentage, note::FLOAT AS note
          FROM (VALUES ${values}) v(customer_id, event_time, amount, commission_percentage, note)`,
      });
      const result = await runJob(fx, { inputs: [{ path: 'f.parquet' }], matrices: MONTHLY, max_bad_row_share: 0.7 }, T);
      expect([result.stats.rows_read, result.stats.rows_quarantined]).toEqual([5, 3]);
      const { report, dir } = await readLatest(fx);
      // c and e: (99999.9 + 0.5) / 2 = 50000.2; proceeds at 30 % commission (69999.93 + 0.35) / 2 = 35000.14.
      expect(grid(report.matrices[0]!)).toEqual({ Total: [50000.2, 50000.2], '2026-01-01': [50000.2, 50000.2] });
      expect(grid(report.matrices[0]!, 'proceeds')).toEqual({ Total: [35000.14, 35000.14], '2026-01-01': [35000.14, 35000.14] });
      const reason = (column: string, text: string): string => `column "${column}" is a 32-bit float (FLOAT), which holds about 7 significant digits: "${text}" may not be the number written; write the column as DOUBLE or DECIMAL`;
      expect(await lineAndReason(dir)).toEqual([['1', reason('amount', '1234.5677')], ['2', reason('amount', '16777216.0')], ['4', reason('commission_percentage', '12.34567')]]);
      // Any column the job reads: customer 16777217 merged with 16777216 (the two rows one customer).
      await writeParquet(fx.dir, {
        'ids.parquet': "SELECT c::FLOAT AS customer_id, TIMESTAMPTZ '2026-01-10 08:00:00+00' AS event_time, 10.0 AS amount FROM (VALUES (16777216), (16777217), (5)) v(c)",
      });
      await runJob(fx, { inputs: [{ path: 'ids.parquet' }], matrices: MONTHLY, max_bad_row_share: 0.7 }, T);
      const ids = await readLatest(fx);
      expect(await lineAndReason(ids.dir)).toEqual([['1', reason('customer_id', '16777216.0')], ['2', reason('customer_id', '16777216.0')]]);
      expect(grid(ids.report.matrices[0]!)).toEqual({ Total: [10, 10], '2026-01-01': [10, 10] });
    } finally {
      await fx.cleanup();
    }
  });

  it('quarantines a JSON Lines row whose value the job reads holds an escaped NUL, naming its key, and reads one whose other keys do', async () => {
    // Line 2: b's customer id ends in NUL; line 3: c's product; line 6: d's country. Lines 4 and 5: a NUL in a
    // key the job does not read (in its value, in its name), and a product written `\u0000` as text (an
    // escaped backslash): read (the whole line was a bad row, naming no key).
    const lines = [
      String.raw`{"customer_id":"a","event_time":"2026-01-10T08:00:00Z","amount":"10.00","product_id":"p","note":"x"}`,
      String.raw`{"customer_id":"b\u0000","event_time":"2026-01-11T08:00:00Z","amount":"20.00","product_id":"p"}`,
      String.raw`{"customer_id":"c","event_time":"2026-01-12T08:00:00Z","amount":"30.00","product_id":"p\u0000q"}`,
      String.raw`{"customer_id":"a","event_time":"2026-02-12T08:00:00Z","amount":"6.00","product_id":"p","note":"x\u0000y"}`,
      String.raw`{"customer_id":"a","event_time":"2026-02-13T08:00:00Z","amount":1,"product_id":"p\\u0000","n\u0000te":"y"}`,
      String.raw`{"customer_id":"d","event_time":"2026-01-13T08:00:00Z","amount":"40.00","product_id":"p","country":"U\u0000S"}`,
    ];
    const fx = await makeFixture({ 'nul.jsonl': `${lines.join('\n')}\n` });
    try {
      const result = await runJob(fx, { inputs: [{ path: 'nul.jsonl' }], matrices: MONTHLY, max_bad_row_share: 0.6 }, T);
      expect([result.stats.rows_read, result.stats.rows_quarantined]).toEqual([6, 3]);
      const { report, dir } = await readLatest(fx);
      // a alone: 10 in January, 6 + 1 more in February → [10, 17].
      expect(grid(report.matrices[0]!)).toEqual({ Total: [10, 17], '2026-01-01': [10, 17] });
      const reason = (key: string): string => `key "${key}" holds \\u0000, a NUL character, which no field of an export holds (and ltv.csv could not carry): remove it`;
      const q = parseCsv((await readFile(join(dir, 'quarantine.csv'), 'utf8')).replaceAll('\n', '\r\n')).slice(1).map((r) => [r[1], r[2], r[4]]);
      expect(q).toEqual([['2', reason('customer_id'), 'b␀'], ['3', reason('product_id'), 'c'], ['6', reason('country'), 'd']]);
    } finally {
      await fx.cleanup();
    }
  });

  it('maps columns with the revenuecat preset (1-based renewals, fractional commission, refunded gross)', async () => {
    const header = 'rc_original_app_user_id,store_transaction_id,start_time,price_in_purchased_currency,purchase_price_in_purchased_currency,purchased_currency,price_in_usd,purchase_price_in_usd,commission_percentage,tax_percentage,refunded_at,renewal_number,is_sandbox,is_trial_period,product_identifier,product_duration,store,country';
    // u1: 10 USD on Jan 5 (renewal 1 = our 0), commission 0.3 → proceeds 7; renewal 2 on Feb 5 refunded Feb 6:
    //     RevenueCat zeroes its price, the purchase price keeps 10 → +10 − 10 at Feb 5 (renewal 1).
    // u2: sandbox. u3: a trial row (0) then 20 on Jan 20.
    const rows = [
      ['u1', 'r1', '2026-01-05T00:00:00Z', '9.00', '9.00', 'EUR', '10.00', '10.00', '0.3', '0.0', '', '1', 'false', 'false', 'm', 'P1M', 'APP_STORE', 'US'],
      ['u1', 'r2', '2026-02-05T00:00:00Z', '0', '9.00', 'EUR', '0', '10.00', '0.3', '0.0', '2026-02-06T00:00:00Z', '2', 'false', 'false', 'm', 'P1M', 'APP_STORE', 'US'],
      ['u2', 'r3', '2026-01-06T00:00:00Z', '9.00', '9.00', 'EUR', '10.00', '10.00', '0.3', '0.0', '', '1', 'true', 'false', 'm', 'P1M', 'APP_STORE', 'US'],
      ['u3', 'r4', '2026-01-10T00:00:00Z', '0', '0', 'EUR', '0', '0', '0.3', '0.0', '', '1', 'false', 'true', 'y', 'P1Y', 'PLAY_STORE', 'DE'],
      ['u3', 'r5', '2026-01-20T00:00:00Z', '18.00', '18.00', 'EUR', '20.00', '20.00', '0.15', '0.0', '', '2', 'false', 'false', 'y', 'P1Y', 'PLAY_STORE', 'DE'],
    ];
    const fx = await makeFixture({ 'rc.csv': csv(header, rows) });
    try {
      await runJob(fx, {
        inputs: [{ path: 'rc.csv', preset: 'revenuecat' }],
        matrices: [{ period_type: 'renewals', period_unit: 'month' }, { period_type: 'days', period_unit: 'month', segmentation: 'duration' }],
      }, '2026-03-01T00:00:00Z');
      const { report } = await readLatest(fx);
      // USD report: price_in_usd columns. Renewals: u3's r5 (RevenueCat 2) follows its free trial (RevenueCat
      // 1): a conversion is renewal 0. r0: u1 10, u3 20 → 30 / 2 = 15; r1: u1 +10 −10 → 15.
      // proceeds: r0 7 + 17 (20 × 0.85) = 24 / 2 = 12; r1 12.
      expect(grid(report.matrices[0]!)).toEqual({ Total: [15, 15], '2026-01-01': [15, 15] });
      expect(grid(report.matrices[0]!, 'proceeds')).toEqual({ Total: [12, 12], '2026-01-01': [12, 12] });
      expect(report.matrices[1]!.rows.map((r) => r.title)).toEqual(['Total', 'Annual', 'Monthly']);
    } finally {
      await fx.cleanup();
    }
  });
});

describe('tenants', () => {
  it('publishes every tenant present; rows without one belong to the job tenant', async () => {
    const fx = await makeFixture({
      'e.csv': csv('tenant_id,customer_id,event_time,amount', [
        ['shop-1', 'a', '2026-01-10', '10'], ['shop-1', 'a', '2026-01-20', '5'],
        ['app 2', 'a', '2026-01-11', '7'], ['', 'z', '2026-01-12', '3'],
      ]),
    });
    try {
      const result = await runJob(fx, { inputs: [{ path: 'e.csv' }], tenant: 'acme', matrices: MONTHLY }, T);
      expect(result.tenants.map((t) => t.tenant).sort()).toEqual(['acme', 'app 2', 'shop-1']);
      expect(grid((await readLatest(fx, 'shop-1')).report.matrices[0]!)['2026-01-01']).toEqual([15, 15]);
      expect(grid((await readLatest(fx, 'acme')).report.matrices[0]!)['2026-01-01']).toEqual([3, 3]);
      // "app 2" is not a safe directory name: replaced characters plus a hash of the id.
      const dirs = (await readdir(fx.reportsDir)).filter((d) => d.startsWith('app_2~'));
      expect(dirs).toHaveLength(1);
    } finally {
      await fx.cleanup();
    }
  });
});

describe('bad rows', () => {
  it('quarantines each bad row with file, physical line and reason, and counts it', async () => {
    const lines = [
      'customer_id,event_time,amount,transaction_id,is_sandbox',
      'a,2026-01-10T08:00:00Z,10.00,t1,',
      ',2026-01-10T08:00:00Z,1.00,t2,', // line 3: no customer
      'b,yesterday,1.00,t3,', // line 4
      'c,2026-01-10,12;5,t4,', // line 5
      'd,2026-01-10,"1,5",t5,', // line 6: a comma decimal inside quotes
      'e,2026-01-10,1,t6,maybe', // line 7
      'f,2026-01-10,1,t7,,extra,fields', // line 8: 7 fields, the header has 5
      'g,2026-01-10,=HYPERLINK("x"),t8,', // line 9
      'h,2026-01-11T08:00:00Z,20.00,t9,',
    ];
    const fx = await makeFixture({ 'e.csv': `${lines.join('\n')}\n` });
    try {
      const result = await runJob(fx, { inputs: [{ path: 'e.csv' }], max_bad_row_share: 0.9, matrices: MONTHLY }, T);
      expect(result.stats.rows_quarantined).toBe(7);
      const { report, dir } = await readLatest(fx);
      expect(report.inputs[0]).toMatchObject({ rows: 9, quarantined: 7 }); // nine data lines
      expect(grid(report.matrices[0]!)['2026-01-01']).toEqual([15, 15]);
      const q = (await readFile(join(dir, 'quarantine.csv'), 'utf8')).trim().split('\n').slice(1);
      const byLine = q.map((l) => l.split(',')[1]);
      expect(byLine).toEqual(['3', '4', '5', '6', '7', '8', '9']);
      expect(q[0]).toContain('customer_id is missing');
      expect(q[1]).toContain('event_time is not an ISO 8601 time: ""yesterday""');
      expect(q[4]).toContain('is_sandbox is not a boolean');
      expect(q[5]).toContain('expected 5 fields (as in the header), found 7');
      // Text that a spreadsheet would run as a formula is neutralised.
      expect(q[6]).toContain(`"amount is not a decimal number (digits, a dot, at most 4 decimals; no separators or exponent): ""=HYPERLINK(""x"")"""`);
    } finally {
      await fx.cleanup();
    }
  });

  it('quarantines infinite times, which parse as timestamps but are no ISO 8601 time', async () => {
    // Lines 3 and 4 carry DuckDB's special values; line 5 an infinite updated_at. a alone remains: 10.
    const fx = await makeFixture({
      'e.csv': csv('customer_id,event_time,amount,transaction_id,updated_at', [
        ['a', '2026-01-10T08:00:00Z', '10.00', 't1', ''],
        ['b', 'infinity', '5.00', 't2', ''],
        ['c', '-infinity', '5.00', 't3', ''],
        ['d', '2026-01-10T08:00:00Z', '5.00', 't4', 'infinity'],
      ]),
    });
    try {
      await runJob(fx, { inputs: [{ path: 'e.csv' }], max_bad_row_share: 0.9, matrices: MONTHLY }, T);
      const { report, dir } = await readLatest(fx);
      const q = (await readFile(join(dir, 'quarantine.csv'), 'utf8')).trim().split('\n').slice(1);
      expect(q.map((l) => l.split(',')[1])).toEqual(['3', '4', '5']);
      expect(q[0]).toContain('event_time is not an ISO 8601 time: ""infinity""');
      expect(q[2]).toContain('updated_at is not an ISO 8601 time');
      expect(grid(report.matrices[0]!)['2026-01-01']).toEqual([10, 10]);
    } finally {
      await fx.cleanup();
    }
  });

  it('keeps reading order in a file read in parallel: lines of bad rows, and the later of two duplicates wins', async () => {
    // 300,000 data lines (~17 MB, several CSV buffers read by parallel threads), a quarter in EUR (rates
    // looked up), every 997th with an unparseable event_time. checked_rows' rowids must follow the file:
    // a row's quarantine line, the duplicate ranking ("then the later line") and ties come from them.
    // Transaction "dup" appears on line 2 (1.00) and on the last line (3.00), same updated_at (none):
    // the later line wins, so customer "dupe" (country ZZ, alone in its segment) has LTV 3.00.
    const n = 300_000;
    const out: string[] = ['customer_id,event_time,amount,currency,transaction_id,country', 'dupe,2026-01-05T08:00:00Z,1.00,USD,dup,ZZ'];
    const bad: number[] = [];
    for (let i = 1; i <= n - 2; i++) {
      const line = out.length + 1;
      const isBad = line % 997 === 0;
      if (isBad) bad.push(line);
      out.push(`c${i},${isBad ? 'not-a-time' : `2026-01-${String(1 + (i % 28)).padStart(2, '0')}T08:00:00Z`},${1 + (i % 7)}.50,${i % 4 === 0 ? 'EUR' : 'USD'},t${i},US`);
    }
    out.push('dupe,2026-01-05T08:00:00Z,3.00,USD,dup,ZZ');
    const fx = await makeFixture({ 'big.csv': `${out.join('\n')}\n`, 'rates.csv': 'date,currency,rate\n2025-12-01,EUR,1.10\n' });
    try {
      // What is checked is quarantine.csv and a snapshot: no workbook, CSV or forecast, which only cost time here.
      await runJob(fx, { inputs: [{ path: 'big.csv' }], rates: 'rates.csv', max_bad_row_share: 0.01, matrices: MONTHLY, formats: ['json'], forecast: { model: 'off' } }, T);
      const { dir } = await readLatest(fx);
      const q = (await readFile(join(dir, 'quarantine.csv'), 'utf8')).trim().split('\n').slice(1);
      expect(q.map((l) => Number(l.split(',')[1]))).toEqual(bad);
      for (const l of q.slice(0, 5)) expect(out[Number(l.split(',')[1]) - 1]).toContain('not-a-time');
      const body = JSON.parse(await readSnapshot(join(dir, 'api', 'adapty', 'days-month-country.json'))) as { revenue: { data: { title: string; values: { value: number }[] }[] } };
      expect(body.revenue.data.find((r) => r.title === 'ZZ')?.values[0]?.value).toBe(3);
    } finally {
      await fx.cleanup();
    }
  }, 60_000);

  it('fails a run above the bad-row threshold and leaves the last published run in place', async () => {
    const good = csv('customer_id,event_time,amount', [['a', '2026-01-10', '10']]);
    const fx = await makeFixture({ 'e.csv': good });
    try {
      await runJob(fx, { inputs: [{ path: 'e.csv' }], matrices: MONTHLY }, T);
      const before = await readlink(join(fx.reportsDir, 'default', 'latest'));
      const { writeFile } = await import('node:fs/promises');
      // Two rows with times in another layout (a US export): the error's last words say what most rows have, and what reads them.
      await writeFile(join(fx.dir, 'e.csv'), csv('customer_id,event_time,amount', [['a', '2026-01-10', '10'], ['b', '01/11/2026', '1'], ['c', '01/12/2026', '1'], ['d', '2026-01-13', 'x']]));
      const err = await runJob(fx, { inputs: [{ path: 'e.csv' }], matrices: MONTHLY }, '2026-02-16T00:00:00Z').catch((e: unknown) => e);
      expect(isAppError(err) && err.code).toBe('DATA');
      expect((err as Error).message).toMatch(/^3 of 4 rows \(75\.00 %\) are bad, above the 1\.00 % limit: nothing was published; see \S+quarantine\.csv for each row's file, line and reason \(or raise max_bad_row_share: --max-bad-row-share with --input, else in the job file\); most often \(2 rows\): event_time is not an ISO 8601 time; an input's "time_format" \(--time-format\) reads another layout$/);
      expect(await readlink(join(fx.reportsDir, 'default', 'latest'))).toBe(before);
      expect((await readdir(join(fx.reportsDir, 'default', 'runs'))).filter((d) => !d.startsWith('.'))).toEqual([before.split('/')[1]]);
      // Two bad rows, each for its own reason: one of them is said (nothing was, when no reason had two rows).
      await writeFile(join(fx.dir, 'e.csv'), csv('customer_id,event_time,amount', [['a', '2026-01-10', '10'], ['b', '01/11/2026', '1'], ['d', '2026-01-13', 'x']]));
      const each = await runJob(fx, { inputs: [{ path: 'e.csv' }], matrices: MONTHLY }, '2026-02-16T00:00:00Z').catch((e: unknown) => e);
      expect((each as Error).message).toMatch(/^2 of 3 rows \(66\.67 %\) are bad, .*in the job file\); each for another reason, e\.g\. (amount is not a decimal number .*|event_time is not an ISO 8601 time; an input's "time_format" \(--time-format\) reads another layout)$/);
      // A header with a name too few: every row has a field more than it. The header is what to correct (the
      // error blamed every row, and named no line to correct).
      await writeFile(join(fx.dir, 'e.csv'), 'customer_id,event_time,amount\na,2026-01-10T10:00:00Z,10,US\nb,2026-01-11T10:00:00Z,1,DE\n');
      const header = await runJob(fx, { inputs: [{ path: 'e.csv' }], matrices: MONTHLY }, '2026-02-16T00:00:00Z').catch((e: unknown) => e);
      // Where most rows match the header, the few with a field more are at fault, not the header.
      await writeFile(join(fx.dir, 'e.csv'), `customer_id,event_time,amount\n${Array.from({ length: 8 }, (_, i) => `g${i},2026-01-0${i + 1}T10:00:00Z,1\n`).join('')}x1,2026-01-09T10:00:00Z,1,000\nx2,2026-01-09T11:00:00Z,2,000\n`);
      const some = await runJob(fx, { inputs: [{ path: 'e.csv' }], matrices: MONTHLY }, '2026-02-16T00:00:00Z').catch((e: unknown) => e);
      expect((some as Error).message).toMatch(/; most often \(2 rows\): expected 3 fields \(as in the header\), found 4$/);
      expect((header as Error).message).toMatch(/^all 2 rows are bad: nothing was published .*; most often \(2 rows\): expected 3 fields \(as in the header\), found 4; if the rows are right, line 1 \(the header\) names 3 columns where they have 4: correct the header$/);
    } finally {
      await fx.cleanup();
    }
  });

  it('counts a reason\'s rows whatever values it names (a missing rate names each row\'s day)', async () => {
    const rows = [['a', '2026-01-10', '10', 'USD'], ...[11, 12, 13, 14].map((d) => [`e${d}`, `2026-01-${d}`, '5', 'EUR']), ...['b', 'c', 'd'].map((c) => [c, '01/15/2026', '1', 'USD'])];
    const fx = await makeFixture({ 'e.csv': csv('customer_id,event_time,amount,currency', rows) });
    try {
      const err = await runJob(fx, { inputs: [{ path: 'e.csv' }], matrices: MONTHLY, currency: 'USD' }, '2026-02-16T00:00:00Z').catch((e: unknown) => e);
      // Four rows without an exchange rate, each on its own day, outnumber the three times in another layout.
      expect((err as Error).message).toMatch(/^7 of 8 rows \(87\.50 %\) are bad, .*; most often \(4 rows\): no exchange rate for EUR on or before …: the run has no rates file; give one \(--rates <file>, or the job field rates: a CSV of date,currency,rate\), or set the report currency to EUR$/);
    } finally {
      await fx.cleanup();
    }
  });

  it('tells a currency that is no ISO 4217 code from one without a rate (it was told to set the report currency to "XYZ", which is refused)', async () => {
    const fx = await makeFixture({
      // LTL (withdrawn in 2015) has rates from Jan 12 only: its Jan 11 row lacks a rate, as the EUR row does.
      'rates.csv': 'date,currency,rate\n2026-01-12,LTL,0.29\n',
      'e.csv': csv('customer_id,event_time,amount,currency', [
        ['a', '2026-01-10T08:00:00Z', '10', 'USD'], // 2
        ['b', '2026-01-10T08:00:00Z', '10', 'XYZ'], // 3
        ['c', '2026-01-10T08:00:00Z', '10', 'US Dollar'], // 4: quoted as the file writes it (it was upper-cased)
        ['d', '2026-01-10T08:00:00Z', '10', 'EUR'], // 5
        ['e', '2026-01-11T08:00:00Z', '10', 'LTL'], // 6
        ['f', '2026-01-12T08:00:00Z', '100', 'LTL'], // 7: 29 USD
      ]),
    });
    const what = 'is not an ISO 4217 code in current use (e.g. USD, EUR, GBP): correct it in the file, or map the column that holds the currency (--map currency=<column>, or map in the job file); a withdrawn code is read when the rates file gives its rate';
    try {
      const result = await runJob(fx, { inputs: [{ path: 'e.csv' }], rates: 'rates.csv', matrices: MONTHLY, max_bad_row_share: 1 }, T);
      expect(result.stats).toMatchObject({ rows_read: 6, rows_quarantined: 4, transactions: 2 });
      const { report, dir } = await readLatest(fx);
      const q = (await readFile(join(dir, 'quarantine.csv'), 'utf8')).trim().split('\n').slice(1).map((l) => l.replace(/^[^,]*,/, ''));
      expect(q).toEqual([
        `3,"currency ""XYZ"" ${what}",default,b`,
        `4,"currency ""US Dollar"" ${what}",default,c`,
        '5,no exchange rate for EUR on or before 2026-01-10: add one to the rates file,default,d',
        '6,no exchange rate for LTL on or before 2026-01-11: add one to the rates file,default,e',
      ]);
      // a 10 and f 100 LTL at 0.29 = 29: (10 + 29) / 2 = 19.5.
      expect(grid(report.matrices[0]!)['2026-01-01']).toEqual([19.5, 19.5]);
    } finally {
      await fx.cleanup();
    }
  });

  it('needs no exchange rate for a row after the as-of time or a sandbox row: they are counted as such, not set aside (a backfill over a newer export)', async () => {
    const fx = await makeFixture({
      'rates.csv': 'date,currency,rate\n2026-01-01,GBP,1.3\n',
      'e.csv': csv('customer_id,event_time,amount,currency,is_sandbox', [
        ['a', '2026-01-05T10:00:00Z', '10', 'USD', ''], // 2
        ['b', '2026-01-06T10:00:00Z', '20', 'GBP', ''], // 3: 26 USD
        ['c', '2026-02-20T10:00:00Z', '10', 'EUR', ''], // 4: after T, no EUR rate
        ['d', '2026-01-07T10:00:00Z', '10', 'CHF', 'true'], // 5: sandbox, no CHF rate
        ['e', '2026-01-08T10:00:00Z', '10', 'CHF', ''], // 6: counted, no CHF rate: a bad row
        ['f', '2026-02-21T10:00:00Z', '10', 'XYZ', ''], // 7: after T, but no currency at all: a bad row
      ]),
    });
    try {
      const result = await runJob(fx, { inputs: [{ path: 'e.csv' }], rates: 'rates.csv', matrices: MONTHLY, max_bad_row_share: 1 }, T);
      expect(result.stats).toMatchObject({ rows_read: 6, rows_quarantined: 2, after_as_of_rows: 1, sandbox_rows: 1, transactions: 2 });
      const { report, dir } = await readLatest(fx);
      const q = (await readFile(join(dir, 'quarantine.csv'), 'utf8')).trim().split('\n').slice(1).map((l) => l.replace(/^[^,]*,/, '').replace(/,.*/, ''));
      expect(q).toEqual(['6', '7']);
      // a 10 USD and b 20 GBP at 1.3 = 26: (10 + 26) / 2 = 18.
      expect(grid(report.matrices[0]!)['2026-01-01']).toEqual([18, 18]);
    } finally {
      await fx.cleanup();
    }
  });

  it.each([
    [{ inputs: [{ path: 'missing-*.csv' }] }, /--input: no file matches "missing-\*\.csv"/],
    [{ inputs: [{ path: 'e.csv' }] }, /e\.csv: no column for the required "amount" \(the file has: customer_id, event_time, price\); map one with --map amount=<column>/],
    [{ inputs: [{ path: 'e.csv', map: { amount: 'cost' } }] }, /e\.csv: --map amount: the file has no column "cost"/],
    // One column read as two canonical columns: every customer's payments were one transaction, all but the last duplicates.
    [{ inputs: [{ path: 'e.csv', map: { amount: 'price', transaction_id: 'Customer_ID' } }] },
      /e\.csv: --map transaction_id: the column "customer_id" is read as customer_id too \(by its name\): one column cannot be both; map transaction_id to its own column, or leave it out$/],
    [{ inputs: [{ path: 'e.csv', map: { amount: 'price', refund_of: 'customer_id' } }] },
      /e\.csv: --map refund_of: the column "customer_id" is read as customer_id too \(by its name\): one column cannot be both; map refund_of to its own column, or leave it out$/],
    // A preset's reading counts too (RevenueCat reads the customer from rc_original_app_user_id).
    [{ inputs: [{ path: 'rc.csv', preset: 'revenuecat', map: { transaction_id: 'rc_original_app_user_id' } }] },
      /rc\.csv: --map transaction_id: the column "rc_original_app_user_id" is read as customer_id too \(the revenuecat preset\): one column cannot be both; map transaction_id to its own column, or leave it out$/],
    // JSON Lines keys are one column whatever their case, line by line: `Customer_ID` on one line is the
    // `customer_id` read by name on the next (c1's two payments became one transaction, 20.00 published as 10.00).
    [{ inputs: [{ path: 'e.jsonl', map: { transaction_id: 'Customer_ID' } }] },
      /e\.jsonl: --map transaction_id: the column "Customer_ID" is read as customer_id too \(by its name\): one column cannot be both; map transaction_id to its own column, or leave it out$/],
    [{ inputs: [{ path: 'e.jsonl', map: { transaction_id: 'Customer_ID', customer_id: 'customer_id' } }] },
      /e\.jsonl: --map customer_id: the column "customer_id" is read as transaction_id too \(map\.transaction_id\): one column cannot be both; map customer_id to its own column$/],
  ] as [JobInput, RegExp][])('names the file and the problem when an input cannot be used (%#)', async (job, message) => {
    const fx = await makeFixture({
      'e.csv': csv('customer_id,event_time,price', [['a', '2026-01-10', '10']]),
      'rc.csv': csv('rc_original_app_user_id,store_transaction_id,start_time,price_in_usd', [['u1', 'tx1', '2026-01-10 10:00:00', '10']]),
      'e.jsonl': ['{"Customer_ID":"c1","event_time":"2026-01-01T00:00:00Z","amount":10}', '{"customer_id":"c1","event_time":"2026-01-05T00:00:00Z","amount":5}'].join('\n'),
    });
    try {
      const err = await runJob(fx, job, T).catch((e: unknown) => e);
      expect(isAppError(err)).toBe(true);
      expect((err as Error).message).toMatch(message);
      await expect(readdir(fx.reportsDir)).rejects.toThrow();
    } finally {
      await fx.cleanup();
    }
  });
});
