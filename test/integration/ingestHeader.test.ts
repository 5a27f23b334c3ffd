// SPEC §3 "a whole file that cannot be read … fails the run with an error that names the file and what is
// wrong": CSV headers as exports and spreadsheets really write them. A header is an RFC 4180 record: a
// quoted name may hold a line break (a wrapped header cell in Excel), and the lines after it are numbered
// physically; a header that is no header is refused with one line saying what it is.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/config/AppError.js';
import { checkPlainCsv, readCsvHeader } from '../../src/ingest/splitRecords.js';
import { grid, makeFixture, readLatest, runJob } from '../helpers/runFixture.js';

const T = '2026-02-15T00:00:00Z';
const MONTHLY = { period_type: 'days' as const, period_unit: 'month' as const };

async function quarantined(dir: string): Promise<string[]> {
  const text = await readFile(join(dir, 'quarantine.csv'), 'utf8');
  return text.trim().split('\n').slice(1).map((l) => `${l.split(',')[0]!.split('/').pop()}:${l.split(',')[1]}`);
}

async function failure(p: Promise<unknown>): Promise<string> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(isAppError(e)).toBe(true);
  expect((e as Error).message).not.toMatch(/[\n\r\u0000]/);
  return (e as Error).message;
}

describe('a header whose quoted names hold line breaks', () => {
  // Lines 1–3: the header ("customer⏎id" ends on line 2, "event⏎time" on line 3); 4: a; 5–7: the header
  // again (a concatenated export); 8: b, whose amount is bad; 9: c.
  const text = [
    '"customer\r\nid","event\ntime",amount\r\n',
    'a,2026-01-10T08:00:00Z,10.00\r\n',
    '"customer\r\nid","event\ntime",amount\r\n',
    'b,2026-01-11T08:00:00Z,x\r\n',
    'c,2026-01-12T08:00:00Z,30.00\r\n',
  ].join('');

  it('is read, mapped by the name as written or as it reads, and the lines after it keep their physical numbers', async () => {
    const fx = await makeFixture({ 'h.csv': text, 'h.csv.gz': gzipSync(text) });
    try {
      const map = { customer_id: 'Customer ID', event_time: 'event\ntime' };
      const result = await runJob(fx, { inputs: [{ path: 'h.csv', map }, { path: 'h.csv.gz', map }], max_bad_row_share: 0.5, matrices: [MONTHLY] }, T);
      expect(result.stats).toMatchObject({ rows_read: 6, rows_quarantined: 2 });
      const { report, dir } = await readLatest(fx);
      expect(await quarantined(dir)).toEqual(['h.csv:8', 'h.csv.gz:8']);
      expect(report.inputs.map((i) => [i.rows, i.repeated_header_lines])).toEqual([[3, 1], [3, 1]]);
      expect(report.inputs[0]!.columns).toMatchObject({ customer_id: 'customer\r\nid', event_time: 'event\ntime', amount: 'amount' });
      // a 10 and c 30, in both files (the same transactions twice: no transaction_id, nothing deduplicated): 80 / 2.
      expect(grid(report.matrices[0]!)['2026-01-01']).toEqual([40, 40]);
    } finally {
      await fx.cleanup();
    }
  });

  it('is named in one line, escaped as a job file writes it, when it is not mapped', async () => {
    const fx = await makeFixture({ 'h.csv': text, 'two.csv': '"customer\nid","Customer  ID",event_time,amount\n' });
    try {
      expect(await failure(runJob(fx, { inputs: [{ path: 'h.csv' }], matrices: [MONTHLY] }, T))).toBe(
        `${join(fx.dir, 'h.csv')}: no column for the required "customer_id" (the file has: "customer\\r\\nid", "event\\ntime", amount); map one with --map customer_id=<column>`,
      );
      // Two names that read alike: the map names one exactly.
      expect(await failure(runJob(fx, { inputs: [{ path: 'two.csv', map: { customer_id: 'customer id' } }], matrices: [MONTHLY] }, T)))
        .toContain('the header has "customer\\nid" and "Customer  ID", which differ only in case or white space');
    } finally {
      await fx.cleanup();
    }
  });
});

describe('a first line that is no CSV header', () => {
  const csvText = 'customer_id,event_time,amount\na,2026-01-10T08:00:00Z,10.00\n';
  async function workbook(): Promise<Buffer> {
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('Sheet1').addRows([['customer_id', 'event_time', 'amount'], ['a', '2026-01-10T08:00:00Z', 10]]);
    return Buffer.from(await wb.xlsx.writeBuffer());
  }

  it.each([
    // Before: "is a zip archive: unzip it and give the file inside", which leads nowhere for a workbook.
    ['an Excel workbook renamed .csv', 'e.csv', workbook, /e\.csv: is an Excel workbook \(\.xlsx\): save the sheet as CSV UTF-8 and give that file$/],
    ['an Excel workbook named .jsonl', 'e.jsonl', workbook, /e\.jsonl: is an Excel workbook \(\.xlsx\)/],
    ['an Excel 97-2003 workbook', 'e.csv', () => Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(504)]), /e\.csv: is an Excel 97-2003 workbook \(\.xls\)/],
    // Before: "no column for the required customer_id (the file has: c\0u\0s\0…)", NUL bytes in the message.
    ['UTF-16LE without a byte order mark', 'e.csv', () => Buffer.from(csvText, 'utf16le'), /e\.csv: is UTF-16 text \(without a byte order mark\): save it as UTF-8$/],
    ['UTF-16BE without a byte order mark', 'e.csv', () => Buffer.from(csvText, 'utf16le').swap16(), /e\.csv: is UTF-16 text \(without a byte order mark\)/],
    ['a NUL byte in the header', 'e.csv', () => Buffer.from('customer_id,event\u0000_time,amount\na,2026-01-10,1\n'), /e\.csv: line 1 \(the header\) holds a NUL byte/],
    // Before: "the file has no column "país" (it has: …, pa�s)" when the job maps país.
    ['a header in Latin-1', 'e.csv', () => Buffer.concat([Buffer.from('customer_id,event_time,amount,pa'), Buffer.from([0xef]), Buffer.from('s\na,2026-01-10,1,x\n')]), /e\.csv: line 1 \(the header\) is not valid UTF-8 text \(Latin-1 or Windows-1252\?\): save the export as UTF-8$/],
    // Before: "no column for the required customer_id (the file has: column1)".
    ['an empty first line', 'e.csv', () => Buffer.from(`\r\n${csvText}`), /e\.csv: line 1 \(the header\) is empty: the first line must name the columns/],
    ['a first line of spaces', 'e.csv', () => Buffer.from(`  \t\n${csvText}`), /e\.csv: line 1 \(the header\) is empty/],
  ])('refuses %s with one line saying what it is', async (_name, file, content, message) => {
    const fx = await makeFixture({ [file]: await content() });
    try {
      expect(await failure(runJob(fx, { inputs: [{ path: file }], matrices: [MONTHLY] }, T))).toMatch(message);
    } finally {
      await fx.cleanup();
    }
  });
});

describe('a header repeated in another case or spacing (a concatenated export another tool wrote)', () => {
  // Names match case-insensitively and whatever white space pads them (README "CSV"): so does a line
  // repeating the header. Lines 3 and 5 repeat it; line 6 names three columns but holds "pro" in the
  // fourth, a row (its event_time "event_time" is no time). Before, lines 3 and 5 were bad rows:
  // `event_time is not an ISO 8601 time: "Event_Time"`.
  const lines = [
    'customer_id,event_time,amount,product_id', // 1
    'a,2026-01-10T08:00:00Z,10.00,pro', // 2
    'Customer_ID,Event_Time,AMOUNT,Product_Id', // 3
    'b,2026-01-11T08:00:00Z,20.00,pro', // 4
    '\u00a0customer_id ,"event_time",amount ,  PRODUCT_ID\t', // 5: a no-break space, quotes, spaces and a tab
    'customer_id,event_time,amount,pro', // 6
    'c,2026-01-12T08:00:00Z,30.00,pro', // 7
  ];
  const lf = `${lines.join('\n')}\n`;

  it('counts it as a repeated header line, in a plain file, a gzip file, a CRLF file and whitespace-separated text', async () => {
    const fx = await makeFixture({
      // A plain file is read by DuckDB itself unless the fast check finds such a line (splitRecords.ts).
      'h.csv': lf,
      'h.csv.gz': gzipSync(lf),
      'crlf.csv': lf.replaceAll('\n', '\r\n'),
      'w.txt': 'customer_id event_time   amount\na 2026-01-10T08:00:00Z 10.00\n  CUSTOMER_ID Event_Time AMOUNT \nb 2026-01-11T08:00:00Z 20.00\n',
    });
    try {
      const inputs = ['h.csv', 'h.csv.gz', 'crlf.csv', 'w.txt'].map((path) => ({ path }));
      const result = await runJob(fx, { inputs, max_bad_row_share: 0.5, matrices: [MONTHLY] }, T);
      // 4 rows in each CSV file (a, b, line 6, c), 2 in the whitespace one.
      expect(result.stats).toMatchObject({ rows_read: 14, rows_quarantined: 3, transactions: 11 });
      const { report, dir } = await readLatest(fx);
      expect(report.inputs.map((i) => [i.format, i.rows, i.quarantined, i.repeated_header_lines])).toEqual([
        ['csv', 4, 1, 2], ['csv', 4, 1, 2], ['csv', 4, 1, 2], ['whitespace', 2, 0, 1],
      ]);
      expect(await quarantined(dir)).toEqual(['h.csv:6', 'h.csv.gz:6', 'crlf.csv:6']);
      // No transaction_id, nothing deduplicated: a 3 × 10 + 10, b 3 × 20 + 20, c 3 × 30: 210 / 3 customers.
      expect(grid(report.matrices[0]!)['2026-01-01']).toEqual([70, 70]);
    } finally {
      await fx.cleanup();
    }
  });

  const HEAD = 'customer_id,event_time,amount\n';
  it.each([
    ['only starts like the header', `${HEAD}customer_idx,2026-01-10T08:00:00Z,1\nCUSTOMER-ID,2026-01-10T08:00:00Z,1\n`, true],
    ['holds the first name at the start of a value', `${HEAD}Customer_ID@example.com,2026-01-10T08:00:00Z,1\ncustomer_id x,2026-01-10T08:00:00Z,1\n`, true],
    ['starts with a letter beyond ASCII', `${HEAD}Øystein,2026-01-10T08:00:00Z,1\n\u00a0ℂustomer_id,2026-01-10T08:00:00Z,1\n`, true],
    ['repeats it in capitals', `${HEAD}c1,2026-01-10T08:00:00Z,1\nCUSTOMER_ID,EVENT_TIME,AMOUNT\n`, false],
    ['repeats it padded by a no-break space', `${HEAD}c1,2026-01-10T08:00:00Z,1\n\u00a0customer_id ,event_time,amount\n`, false],
    ['repeats it in capitals, tab-separated', 'customer_id\tevent_time\tamount\nc1\t2026-01-10T08:00:00Z\t1\n Customer_ID \tEvent_Time\tAmount\n', false],
    // The splitter reads such a line as a row (its other fields are no names), but the fast check cannot tell.
    ['starts with the first name in another case', `${HEAD}Customer_Id,2026-01-10T08:00:00Z,1\n`, false],
  ])('leaves a plain file to DuckDB unless a line may repeat the header: a line that %s', async (_name, text, plain) => {
    const fx = await makeFixture({ 'p.csv': text });
    try {
      const src = { path: join(fx.dir, 'p.csv'), gzip: false };
      expect(await checkPlainCsv(src, await readCsvHeader(src, undefined))).toBe(plain);
    } finally {
      await fx.cleanup();
    }
  });
});

describe('a header repeated in another column layout (two exports of different layouts concatenated)', () => {
  // Line 3 names the header's columns with amount and tax_percentage swapped. Before, it was one bad row
  // ("event_time is not an ISO 8601 time") and line 4 was read as amount 20, tax 100 (revenue 30.00).
  const HEAD = 'customer_id,event_time,amount,tax_percentage';
  const said = (file: string, line: number, names: string): string =>
    `${file}: line ${line} repeats the header in another layout (${JSON.stringify(names)}, the header ${JSON.stringify(HEAD)}): two exports of different column layouts concatenated? Split the file into one file per layout, each with its own header line, and give them as separate inputs`;
  it.each([
    ['another order', 'o.csv', `${HEAD}\ng1,2026-01-05,10,20\ncustomer_id,event_time,tax_percentage,amount\nc3,2026-01-07,20,100\n`, 3, 'customer_id,event_time,tax_percentage,amount'],
    ['another order, in CRLF lines, capitals and quotes', 'q.csv', `${HEAD}\r\ng1,2026-01-05,10,20\r\n\r\nCustomer_ID,"Event_Time", Tax_Percentage ,amount\r\nc3,2026-01-07,20,100\r\n`, 4, 'Customer_ID,"Event_Time", Tax_Percentage ,amount'],
    ['another order, not starting with the first name (gzip: the splitter reads it)', 'g.csv.gz', gzipSync(`${HEAD}\ng1,2026-01-05,10,20\nevent_time,customer_id,amount,tax_percentage\nc3,2026-01-07,20,100\n`), 3, 'event_time,customer_id,amount,tax_percentage'],
    // A plain file DuckDB would read itself: the fast check finds the header's first name inside the line.
    ['another order, not starting with the first name, in a plain file', 'p.csv', `${HEAD}\ng1,2026-01-05,10,20\nevent_time,customer_id,tax_percentage,amount\nc3,2026-01-07,20,100\n`, 3, 'event_time,customer_id,tax_percentage,amount'],
    // In another case, not starting with the header's first name as written: the fast check missed it, and
    // DuckDB read the rows under it with amount and tax swapped.
    ['another order and case, in a plain file', 'm.csv', `${HEAD}\ng1,2026-01-05,10,20\nevent_time,Customer_ID,tax_percentage,amount\nc3,2026-01-07,20,100\n`, 3, 'event_time,Customer_ID,tax_percentage,amount'],
    ['another order, quoted, in a plain file', 'n.csv', `${HEAD}\ng1,2026-01-05,10,20\n"Tax_Percentage","amount","customer_id","event_time"\nc3,2026-01-07,20,100\n`, 3, '"Tax_Percentage","amount","customer_id","event_time"'],
    ['fewer of them', 'f.csv', `${HEAD}\ng1,2026-01-05,10,20\ncustomer_id,event_time,amount\nc3,2026-01-07,20\n`, 3, 'customer_id,event_time,amount'],
  ])('refuses the file in one line naming that line: %s', async (_name, file, text, line, names) => {
    const fx = await makeFixture({ [file]: text });
    try {
      expect(await failure(runJob(fx, { inputs: [{ path: file }], max_bad_row_share: 1, matrices: [MONTHLY], formats: ['json'], forecast: { model: 'off' } }, T)))
        .toBe(said(join(fx.dir, file), line, names));
    } finally {
      await fx.cleanup();
    }
  });

  it('sets a line holding one of the names alone aside as a bad row, not the file (one name is no layout)', async () => {
    const fx = await makeFixture({ 'one.csv': `${HEAD}\ng1,2026-01-05,10,20\namount\nc3,2026-01-07,100,20\n` });
    try {
      const result = await runJob(fx, { inputs: [{ path: 'one.csv' }], max_bad_row_share: 1, matrices: [MONTHLY], formats: ['json'], forecast: { model: 'off' } }, T);
      expect(result.stats).toMatchObject({ rows_read: 3, rows_quarantined: 1 });
    } finally {
      await fx.cleanup();
    }
  });

  it('still skips and counts a repeat in the header\'s own layout', async () => {
    const fx = await makeFixture({ 'same.csv': `${HEAD}\ng1,2026-01-05,10,20\nCustomer_ID,event_time,amount,tax_percentage\nc3,2026-01-07,100,20\n` });
    try {
      const result = await runJob(fx, { inputs: [{ path: 'same.csv' }], matrices: [MONTHLY], formats: ['json'], forecast: { model: 'off' } }, T);
      expect(result.stats).toMatchObject({ rows_read: 2, rows_quarantined: 0 });
      expect((await readLatest(fx)).report.inputs[0]).toMatchObject({ rows: 2, repeated_header_lines: 1 });
    } finally {
      await fx.cleanup();
    }
  });
});

describe('a file without a header line', () => {
  // The CDNOW sample's first lines as shipped (whitespace-separated, no header), and a CSV written without one.
  const cdnow = '00004   0001 19970101   2  29.33\n00004   0002 19970118   2  29.73\n00018   0004 19970102   2  10.96\n';
  it.each([
    ['whitespace text (CDNOW_sample.txt)', 'c.txt', cdnow, { map: { customer_id: '00004', event_time: '19970101', amount: '29.33' } },
      'line 1 holds values ("00004", "0001", "19970101", "2", "29.33"), not column names'],
    ['a CSV', 'n.csv', '1,2026-01-01T00:00:00Z,5\n2,2026-01-02T00:00:00Z,6\n', {},
      'line 1 holds values ("1", "2026-01-01T00:00:00Z", "5"), not column names'],
  ])('%s: refused in one line, not its first record taken as column names (mapped, it vanished from every count)', async (_name, file, text, input, said) => {
    const fx = await makeFixture({ [file]: text });
    try {
      const message = await failure(runJob(fx, { inputs: [{ path: file, ...input }], forecast: { model: 'off' } }, T));
      expect(message).toBe(`${join(fx.dir, file)}: ${said}: ltv reads the first line as the header; add a header line naming the columns (e.g. customer_id,event_time,amount), then map them with --map or "map" if they are named otherwise`);
    } finally {
      await fx.cleanup();
    }
  });

  it('a header of names is read as before, digits inside names too, and one of numbers alone (pandas writes 0,1,2) when mapped', async () => {
    const fx = await makeFixture({
      'h.csv': 'customer_id,event_time,amount,2024_note\na,2026-01-10T08:00:00Z,10.00,x\n',
      'p.csv': '0,1,2\nb,2026-01-11T08:00:00Z,20.00\n',
    });
    try {
      await runJob(fx, { inputs: [{ path: 'h.csv' }, { path: 'p.csv', map: { customer_id: '0', event_time: '1', amount: '2' } }], matrices: [MONTHLY], formats: ['json'], forecast: { model: 'off' } }, T);
      expect(grid((await readLatest(fx)).report.matrices[0]!)).toEqual({ Total: [15, 15], '2026-01-01': [15, 15] });
    } finally {
      await fx.cleanup();
    }
  });
});
