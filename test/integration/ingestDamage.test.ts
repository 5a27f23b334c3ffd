// SPEC §3 "never vanish silently": damaged exports, hand-made. Every row ends up in the numbers, in
// quarantine.csv at its exact physical line with its reason, or in a named statistic (blank lines, repeated
// header lines); damaged compressed files and non-regular files are refused with one line naming them.
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/config/AppError.js';
import { parseJob } from '../../src/config/loadJob.js';
import { checkPlainCsv, readCsvHeader } from '../../src/ingest/splitRecords.js';
import { runPipeline } from '../../src/pipeline.js';
import { csv, grid, makeFixture, readLatest, runJob, silentLogger } from '../helpers/runFixture.js';

const T = '2026-02-15T00:00:00Z';
const MONTHLY = { period_type: 'days' as const, period_unit: 'month' as const };
const BY_PRODUCT = { ...MONTHLY, segmentation: 'product' as const };

async function quarantine(dir: string): Promise<{ line: number; reason: string }[]> {
  const text = await readFile(join(dir, 'quarantine.csv'), 'utf8');
  // file,line,reason,tenant_id,customer_id — the reason may hold commas inside its quotes.
  return text.trim().split('\n').slice(1).map((l) => {
    const m = /^[^,]*,(\d+),("(?:[^"]|"")*"|[^,]*),/.exec(l)!;
    return { line: Number(m[1]), reason: m[2]!.replace(/^"|"$/g, '').replace(/""/g, '"') };
  });
}

async function failure(p: Promise<unknown>): Promise<Error> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(isAppError(e)).toBe(true);
  expect((e as Error).message).not.toContain('\n');
  return e as Error;
}

describe('a damaged CSV export', () => {
  it('keeps every valid row, quarantines each broken one at its physical line, counts blank and header lines', async () => {
    const header = 'customer_id,event_time,amount,transaction_id,product_id,renewal_number';
    const text = Buffer.concat([
      Buffer.from(`${header}\n`), // line 1
      Buffer.from('a,2026-01-10T08:00:00Z,10.00,t1,"pro, monthly",0\r\n'), // 2: CRLF among LF lines
      Buffer.from('\n'), // 3: blank
      Buffer.from('b,2026-01-11T08:00:00Z,20.00,t2,"multi\nline",0\n'), // 4–5: a quoted line break
      Buffer.from(`${header}\n`), // 6: the header again (concatenated exports)
      Buffer.from('c,2026-01-12T08:00:00Z,1.00,t3,x,1.5\n'), // 7: renewal 1.5 is no whole number
      Buffer.from('d,2026-01-12T08:00:00Z,1_000,t4,x,0\n'), // 8: digit separator
      Buffer.from('e,2026-01-12T08:00:00Z,5.00,t5,"unterminated,0\n'), // 9: a quote never closed on its line
      Buffer.from('f,2026-01-13T08:00:00Z,30.00,t6,y,0\r'), // 10: old Mac line end
      Buffer.from('g,2026-01-14T08:00:00Z,40.00,t7,"ok",0\n'), // 11: its quote is where line 9's closes
      Buffer.from('h,2026-01-14T08:00:00Z,1e3,t8,x,0\n'), // 12: exponent
      Buffer.from('i,2026-01-14T08:00:00Z,5.123456,t9,x,0\n'), // 13: a fifth decimal would be rounded
      Buffer.from('j,2026-01-14T08:00:00Z,22.200000000000003,t10,x,0\n'), // 14: float noise: 22.20
      Buffer.from('k,2026-01-14T08:00:00Z,7.00,t11,x,0x10\n'), // 15: hex
      Buffer.from('l,2026-01-14T08:00:00Z,1.00,t12,x\u0000y,0\n'), // 16: NUL byte
      Buffer.from([...Buffer.from('m,2026-01-14T08:00:00Z,1.00,t13,'), 0xff, 0xfe, ...Buffer.from(',0\n')]), // 17: not UTF-8
      Buffer.from('n,2026-01-14T08:00:00Z,5.00,t14,x,+0'), // 18: no final line break
    ]);
    const fx = await makeFixture({ 'e.csv': text });
    try {
      const result = await runJob(fx, { inputs: [{ path: 'e.csv' }], max_bad_row_share: 0.9, matrices: [MONTHLY, BY_PRODUCT] }, T);
      // 14 records: 6 valid (a b f g j n), 8 quarantined; 1 blank line and 1 header line counted apart.
      expect(result.tenants.map((t) => t.tenant)).toEqual(['default']);
      expect(result.stats).toMatchObject({ rows_read: 14, rows_quarantined: 8 });
      const { report, dir } = await readLatest(fx);
      expect(report.inputs[0]).toMatchObject({ rows: 14, quarantined: 8, blank_lines: 1, repeated_header_lines: 1 });
      const q = await quarantine(dir);
      expect(q.map((r) => r.line)).toEqual([7, 8, 9, 12, 13, 15, 16, 17]);
      expect(q[0]!.reason).toContain('renewal_number is not a whole number ≥ 0: "1.5"');
      expect(q[1]!.reason).toContain('amount is not a decimal number');
      expect(q[1]!.reason).toContain('"1_000"');
      expect(q[2]!.reason).toContain('unterminated quoted field');
      expect(q[3]!.reason).toContain('"1e3"');
      expect(q[4]!.reason).toContain('"5.123456"');
      expect(q[5]!.reason).toContain('renewal_number is not a whole number ≥ 0: "0x10"');
      expect(q[6]!.reason).toContain('NUL byte');
      expect(q[7]!.reason).toContain('not valid UTF-8');
      // January: a 10 + b 20 + f 30 + g 40 + j 22.20 + n 5 = 127.20 over 6 customers = 21.20.
      expect(grid(report.matrices[0]!)['2026-01-01']).toEqual([21.2, 21.2]);
      const products = report.matrices[1]!.rows.map((r) => r.title);
      expect(products).toEqual(expect.arrayContaining(['pro, monthly', 'multi\nline', 'ok', 'y', 'x']));
    } finally {
      await fx.cleanup();
    }
  });

  it('reads a renewal number up to 9999 and quarantines a larger one naming the limit (100,000 crashed the workbook, 10⁹ ran out of memory, 10 digits were "not a whole number")', async () => {
    const fx = await makeFixture({ 'e.csv': csv('customer_id,event_time,amount,renewal_number', [
      ['a', '2026-01-05T10:00:00Z', '10', '0'], ['b', '2026-01-06T10:00:00Z', '20', '9999'],
      ['c', '2026-01-07T10:00:00Z', '30', '10000'], ['d', '2026-01-08T10:00:00Z', '40', '2000000000'],
      // 9999 written with leading zeros to 13 digits: read (it was "above 9999").
      ['e', '2026-01-09T10:00:00Z', '50', '0000000009999'],
    ]) });
    try {
      const result = await runJob(fx, { inputs: [{ path: 'e.csv' }], max_bad_row_share: 0.6, matrices: [MONTHLY, { period_type: 'renewals', period_unit: 'month' }] }, T);
      expect(result.stats).toMatchObject({ rows_read: 5, rows_quarantined: 2, transactions: 3 });
      const q = await quarantine((await readLatest(fx)).dir);
      const why = (v: string) => `renewal_number "${v}" is above 9999, the most ltv reads (a renewal a day for 27 years): is it another column, an order or transaction number? Map the renewal count, or leave renewal_number out (ltv then counts the renewals)`;
      expect(q.map((r) => [r.line, r.reason])).toEqual([[4, why('10000')], [5, why('2000000000')]]);
      // b's renewal 9999: the renewals matrix runs to period 9999.
      const renewals = (await readLatest(fx)).report.matrices[1]!;
      expect(Math.max(...renewals.rows.flatMap((r) => r.cells.map((c) => c.period)))).toBe(9999);
    } finally {
      await fx.cleanup();
    }
  });

  it('reads a plain file itself, and falls back to the splitter when a row has the wrong field count', async () => {
    // Line 3 quotes a comma and holds a bare quote (5" screen, a plain character); line 5 has 4 fields.
    const lines = [
      'customer_id,event_time,amount,product_id',
      'a,2026-01-10T08:00:00Z,10.00,x',
      'b,2026-01-11T08:00:00Z,20.00,"pro, monthly"',
      'c,2026-01-11T08:00:00Z,30.00,5" screen',
      'd,2026-01-11T08:00:00Z,30.00,x,extra',
      'e,2026-01-12T08:00:00Z,bad,x',
    ];
    const fx = await makeFixture({ 'e.csv': `${lines.join('\n')}\n`, 'f.csv': `${lines.filter((_, i) => i !== 4).join('\n')}\n` });
    try {
      await runJob(fx, { inputs: [{ path: 'e.csv' }, { path: 'f.csv' }], max_bad_row_share: 0.9, matrices: [MONTHLY, BY_PRODUCT] }, T);
      const { report, dir } = await readLatest(fx);
      const text = await readFile(join(dir, 'quarantine.csv'), 'utf8');
      // e.csv (splitter): lines 5 and 6; f.csv (read by DuckDB itself, line = position + 2): line 5.
      expect(text.trim().split('\n').slice(1).map((l) => `${l.split(',')[0]!.split('/').pop()}:${l.split(',')[1]}`)).toEqual(['e.csv:5', 'e.csv:6', 'f.csv:5']);
      expect(text).toContain('expected 4 fields (as in the header), found 5');
      // a 10, b 20, c 30 twice each: 120 / 3 customers = 40.
      expect(grid(report.matrices[0]!)['2026-01-01']).toEqual([40, 40]);
      expect(report.matrices[1]!.rows.map((r) => r.title)).toEqual(expect.arrayContaining(['pro, monthly', '5" screen']));
    } finally {
      await fx.cleanup();
    }
  });

  it('quarantines a row with extra empty fields (DuckDB\'s own reader dropped them: the row counted), keeps an empty last field', async () => {
    const file = (ending: string): string => [
      'customer_id,event_time,amount,product_id',
      'a,2026-01-10T08:00:00Z,10.00,', // an empty last field: 4 of 4
      'b,2026-01-11T08:00:00Z,20.00,x,', // 5 fields
      'c,2026-01-11T08:00:00Z,30.00,"y, z",,', // 6 fields, one quoted with a comma
      'd,2026-01-12T08:00:00Z,40.00,x,', // 5 fields, the last line, without a line break
    ].join(ending);
    const fx = await makeFixture({ 'lf.csv': file('\n'), 'crlf.csv': file('\r\n') });
    try {
      for (const path of ['lf.csv', 'crlf.csv']) {
        const result = await runJob(fx, { inputs: [{ path }], max_bad_row_share: 0.9, matrices: [MONTHLY], formats: ['json'], forecast: { model: 'off' } }, T);
        expect(result.stats).toMatchObject({ rows_read: 4, rows_quarantined: 3 });
        const { dir, report } = await readLatest(fx);
        const q = await quarantine(dir);
        expect(q.map((r) => [r.line, r.reason])).toEqual([
          [3, 'expected 4 fields (as in the header), found 5'], [4, 'expected 4 fields (as in the header), found 6'], [5, 'expected 4 fields (as in the header), found 5'],
        ]);
        // a alone: 10.
        expect(grid(report.matrices[0]!)['2026-01-01']).toEqual([10, 10]);
      }
    } finally {
      await fx.cleanup();
    }
  });

  it('handles a BOM, CR-only line ends, a very long line, duplicate unused header names and header-only files', async () => {
    const long = 'z'.repeat((1 << 20) + 10);
    const fx = await makeFixture({
      // Line 3 is longer than 1 MiB: quarantined; the rest read.
      'a.csv': `\uFEFFcustomer_id,event_time,amount,note,note\r${['a,2026-01-10,10,x,y', `b,2026-01-10,10,${long},y`, 'c,2026-01-10,20,x,y'].join('\r')}\r`,
      'h.csv': 'customer_id,event_time,amount\n',
    });
    try {
      const result = await runJob(fx, { inputs: [{ path: 'a.csv' }, { path: 'h.csv' }], max_bad_row_share: 0.9, matrices: [MONTHLY] }, T);
      expect(result.stats).toMatchObject({ rows_read: 3, rows_quarantined: 1 });
      const { report, dir } = await readLatest(fx);
      expect(report.inputs.map((i) => i.rows)).toEqual([3, 0]);
      expect((await quarantine(dir)).map((r) => [r.line, r.reason])).toEqual([[3, `line longer than ${1 << 20} bytes`]]);
      expect(grid(report.matrices[0]!)['2026-01-01']).toEqual([15, 15]);
    } finally {
      await fx.cleanup();
    }
  });

  it('a quoted value with line breaks past 1 MiB sets each of its lines aside: its inside is never read as records, nor lost from the counts', async () => {
    // Before, its first line alone was quarantined and splitting resumed on the next: a line inside the
    // quotes ("evil" paying 999) was counted as a payment, and the closing quote's line as another bad row.
    // A stray quote whose field a later inch mark closes (15,000 valid rows between) must not vanish as
    // one bad row under the 1 % limit either: every line of it is a bad row, and the run fails at the limit.
    const big = 'A'.repeat((1 << 20) + 5);
    const half = 'B'.repeat(600_000);
    const rows = (tail: string): string => `customer_id,event_time,amount,product_id\na,2026-01-10,1.00,p\nx,2026-01-10,1.00,"${tail}\nb,2026-01-11,2.00,p\n`;
    const pad = 'a product name long enough that 15,000 rows hold more than a mebibyte of text';
    const fx = await makeFixture({
      'long.csv': rows(`${big}\nevil,2026-01-10,999.00,p\n"`), // lines 3–5 one record
      'halves.csv': rows(`${half}\n${half}"`), // lines 3–4 one record of 1.2 MB
      'stray.csv': `customer_id,event_time,amount,product_id\na,2026-01-10,1.00,p\nx,2026-01-10,1.00,"${big}\nc,2026-01-10,3.00,p\nb,2026-01-11,2.00,p\n`,
      'inch.csv': ['customer_id,event_time,amount,product_id', 'a,2026-01-10,1.00,"Gift card',
        ...Array.from({ length: 15_000 }, (_, i) => `c${i},2026-01-11,2.00,${pad} ${i}`), 'z,2026-01-12,3.00,Monitor 27"', 'b,2026-01-11,2.00,p'].join('\n') + '\n',
    });
    await writeFile(join(fx.dir, 'long.csv.gz'), gzipSync(await readFile(join(fx.dir, 'long.csv'))));
    try {
      for (const [file, last] of [['long.csv', 5], ['long.csv.gz', 5], ['halves.csv', 4]] as const) {
        const result = await runJob(fx, { inputs: [{ path: file }], max_bad_row_share: 0.9, matrices: [MONTHLY], formats: ['json'], forecast: { model: 'off' } }, T);
        expect([file, result.stats.rows_read, result.stats.rows_quarantined, result.stats.transactions]).toEqual([file, last, last - 2, 2]);
        const { dir, report } = await readLatest(fx);
        expect(await quarantine(dir)).toEqual([
          { line: 3, reason: `record longer than ${1 << 20} bytes: a quoted value opened on this line runs to line ${last}; each of its lines is set aside (a quote opened by mistake? correct this line)` },
          ...Array.from({ length: last - 3 }, (_, k) => ({ line: 4 + k, reason: `inside the quoted value opened on line 3 (a record longer than ${1 << 20} bytes, lines 3–${last})` })),
        ]);
        expect(grid(report.matrices[0]!)['2026-01-01']).toEqual([1.5, 1.5]);
      }
      // Never closed: line 3 alone is bad, the lines after it are read.
      const result = await runJob(fx, { inputs: [{ path: 'stray.csv' }], max_bad_row_share: 0.9, matrices: [MONTHLY], formats: ['json'], forecast: { model: 'off' } }, T);
      expect([result.stats.rows_read, result.stats.rows_quarantined, result.stats.transactions]).toEqual([4, 1, 3]);
      expect((await quarantine((await readLatest(fx)).dir)).map((r) => r.line)).toEqual([3]);
      // The inch mark closes the gift card's quote 15,001 lines later: 15,002 bad rows of 15,003, over the limit.
      const e = await failure(runJob(fx, { inputs: [{ path: 'inch.csv' }], matrices: [MONTHLY], formats: ['json'], forecast: { model: 'off' } }, T));
      expect(e.message).toMatch(/^15002 of 15003 rows \(99\.99 %\) are bad, above the 1\.00 % limit: nothing was published/);
    } finally {
      await fx.cleanup();
    }
  });

  it('a quote opened by mistake that a later line closes sets each line it spans aside when a line inside it reads as a row (49 payments became one product_id, unseen)', async () => {
    // stray.csv: line 3 opens "27 inch, line 52's inch mark closes it: lines 4–51 are rows of 5 fields inside
    // the quotes. short.csv: line 4 opens "t3, line 6 closes it, line 5 (c4) inside. Before, each was one valid
    // record (rows read 3 and 4, nothing quarantined): c0…c49 and c3…c5 vanished into one value.
    // address.csv: an address over three lines, its inner line of 2 fields: a value, read as before.
    const stray = ['customer_id,event_time,amount,transaction_id,product_id', 'a,2026-01-05,5,ta,basic', 'c0,2026-01-06,5,t0,"27 inch',
      ...Array.from({ length: 48 }, (_, i) => `c${i + 1},2026-01-06,5,t${i + 1},basic`), 'c49,2026-01-06,5,t49,monitor 32"', 'b,2026-01-07,5,tb,basic'];
    const short = ['customer_id,event_time,amount,transaction_id', 'c1,2026-01-05,5,t1', 'c2,2026-01-05,5,t2', 'c3,2026-01-06,5,"t3', 'c4,2026-01-06,5,t4', 'c5,2026-01-06,5,t5"', 'c6,2026-01-07,5,t6'];
    const address = ['customer_id,event_time,amount,transaction_id,product_id', 'a,2026-01-05,5,ta,"1 Main St', 'Flat 2, Floor 3', 'Springfield"', 'b,2026-01-07,5,tb,basic'];
    const fx = await makeFixture({ 'stray.csv': `${stray.join('\n')}\n`, 'short.csv': `${short.join('\r\n')}\r\n`, 'address.csv': `${address.join('\n')}\n` });
    await writeFile(join(fx.dir, 'stray.csv.gz'), gzipSync(await readFile(join(fx.dir, 'stray.csv'))));
    const opened = (open: number, inner: number, width: number, last: number): string =>
      `a quote opened on this line closes on line ${last}, and line ${inner} inside it has the header's ${width} fields: a quote opened by mistake? Lines ${open}–${last} are set aside; write a quote inside a value twice ("") or remove the stray one`;
    const inside = (open: number, last: number): string =>
      `inside a quote opened on line ${open} that closes on line ${last} (opened by mistake? see line ${open}): write a quote inside a value twice ("") or remove the stray one`;
    const run = (path: string) => runJob(fx, { inputs: [{ path }], max_bad_row_share: 1, matrices: [MONTHLY], formats: ['json'], forecast: { model: 'off' } }, T);
    try {
      for (const file of ['stray.csv', 'stray.csv.gz']) {
        const result = await run(file);
        // a, b and lines 3–52: 52 rows, 50 of them bad.
        expect([file, result.stats.rows_read, result.stats.rows_quarantined, result.stats.transactions]).toEqual([file, 52, 50, 2]);
        const { dir, report } = await readLatest(fx);
        expect(report.inputs[0]).toMatchObject({ rows: 52, quarantined: 50 });
        expect(await quarantine(dir)).toEqual([
          { line: 3, reason: opened(3, 4, 5, 52) },
          ...Array.from({ length: 49 }, (_, k) => ({ line: 4 + k, reason: inside(3, 52) })),
        ]);
      }
      const result = await run('short.csv');
      expect([result.stats.rows_read, result.stats.rows_quarantined, result.stats.transactions]).toEqual([6, 3, 3]);
      expect(await quarantine((await readLatest(fx)).dir)).toEqual([{ line: 4, reason: opened(4, 5, 4, 6) }, { line: 5, reason: inside(4, 6) }, { line: 6, reason: inside(4, 6) }]);
      const kept = await run('address.csv');
      expect([kept.stats.rows_read, kept.stats.rows_quarantined, kept.stats.transactions]).toEqual([2, 0, 2]);
    } finally {
      await fx.cleanup();
    }
  });

  it.each([
    ['an empty file', 'e.csv', '', {}, /e\.csv: is empty/],
    ['a mapped column twice in the header', 'e.csv', 'customer_id,event_time,amount,Amount\na,2026-01-10,1,2\n', {}, /e\.csv: the header has the column "amount" more than once/],
    ['UTF-16 text', 'e.csv', Buffer.from('\uFEFFcustomer_id,event_time,amount\n', 'utf16le'), {}, /e\.csv: is UTF-16 text: save it as UTF-8/],
    ['a .gz name on plain text', 'e.csv.gz', 'customer_id,event_time,amount\n', {}, /e\.csv\.gz: the name ends in \.gz but the file is not gzip data/],
    ['a multi-character delimiter', 'e.csv', 'customer_id||event_time\n', { delimiter: '||' }, /is not one single-byte character/],
  ])('refuses %s with one line naming the file', async (_name, file, content, extra, message) => {
    const fx = await makeFixture({ [file]: content });
    try {
      const e = await failure(runJob(fx, { inputs: [{ path: file, ...extra }], matrices: [MONTHLY] }, T));
      expect(e.message).toMatch(message);
    } finally {
      await fx.cleanup();
    }
  });
});

describe('gzip', () => {
  const rows = Array.from({ length: 3000 }, (_, i) => `c${i},2026-01-${String(1 + (i % 28)).padStart(2, '0')}T08:00:00Z,${(i % 50) + 1}.25,t${i}`);
  const plain = `customer_id,event_time,amount,transaction_id\n${rows.join('\n')}\n`;

  it('reads concatenated gzip members (the whole file), and refuses a truncated or corrupt one', async () => {
    const whole = gzipSync(plain, { level: 1 });
    const cut = whole.subarray(0, Math.floor(whole.length * 0.6));
    const corrupt = Buffer.from(whole);
    const mid = Math.floor(corrupt.length / 2);
    corrupt[mid] = corrupt[mid]! ^ 0xff;
    const twoMembers = Buffer.concat([gzipSync(`customer_id,event_time,amount,transaction_id\n${rows.slice(0, 1000).join('\n')}\n`), gzipSync(`${rows.slice(1000).join('\n')}\n`)]);
    const fx = await makeFixture({ 'cut.csv.gz': cut, 'bad.csv.gz': corrupt, 'two.csv.gz': twoMembers, 'nameless': whole });
    try {
      for (const file of ['cut.csv.gz', 'bad.csv.gz']) {
        const e = await failure(runJob(fx, { inputs: [{ path: file }], matrices: [MONTHLY] }, T));
        expect(e.message).toMatch(new RegExp(`${file.replace(/\./g, '\\.')}: damaged gzip data \\(.+\\): the file is truncated or corrupt`));
      }
      // gzip is recognised by its bytes, not its name.
      const result = await runJob(fx, { inputs: [{ path: 'two.csv.gz' }, { path: 'nameless', format: 'csv' }], matrices: [MONTHLY] }, T);
      expect(result.stats).toMatchObject({ rows_read: 6000, rows_quarantined: 0 });
    } finally {
      await fx.cleanup();
    }
  });
});

describe('JSON Lines', () => {
  it('counts lines of delimiters only (Excel\'s formatted empty rows) as blank lines, in a plain file and one the splitter reads', async () => {
    const rows = ['a,2026-01-10T08:00:00Z,10', ',,', ' , ,', 'b,2026-01-11T08:00:00Z,20', ',,,,', ',b2,'];
    // plain.csv is read by DuckDB itself unless a line needs the splitter; crlf.csv, gzipped, by the splitter.
    const fx = await makeFixture({ 'plain.csv': `customer_id,event_time,amount\n${rows.join('\n')}\n`, 'split.csv.gz': gzipSync(`customer_id,event_time,amount\r\n${rows.join('\r\n')}\r\n`), 'tab.tsv': 'customer_id\tevent_time\tamount\na\t2026-01-10T08:00:00Z\t10\n\t\t\n' });
    try {
      for (const path of ['plain.csv', 'split.csv.gz', 'tab.tsv']) {
        await runJob(fx, { inputs: [{ path }], max_bad_row_share: 0.9, matrices: [MONTHLY] }, T);
        const { report, dir } = await readLatest(fx);
        // ",b2," holds a value: a row missing its customer (line 7), not a blank line.
        expect(report.inputs[0], path).toMatchObject(path === 'tab.tsv' ? { rows: 1, quarantined: 0, blank_lines: 1 } : { rows: 3, quarantined: 1, blank_lines: 3 });
        expect((await quarantine(dir)).map((r) => r.line), path).toEqual(path === 'tab.tsv' ? [] : [7]);
      }
    } finally {
      await fx.cleanup();
    }
  });

  it('counts lines of Unicode white space, or of it and delimiters, as blank lines, in a plain file and two the splitter reads', async () => {
    // Before, `\v`, U+00A0, U+3000 and `\f` lines were bad rows ("expected 4 fields, found 1", "customer_id is
    // missing") while `\t` lines were blank; and `,, ,` (white space after two delimiters) passed the fast
    // check, so DuckDB read it as a row missing its customer where the splitter counted a blank line.
    const wide = [
      'a,2026-01-10T08:00:00Z,10,p', // 2
      '\u3000,,,', // 3: blank
      ',, ,', // 4: blank
      '\u000b,\u000c,\u00a0,', // 5: blank
      ',,,\u2003\u0085', // 6: blank (em space, NEL)
      '\t,\u2028,\u202f, ', // 7: blank
      'b,2026-01-11T08:00:00Z,20,p', // 8
      '\u00a0,b2,,', // 9: a value: a row missing its customer
      ',,\u3000x,', // 10: a value: a row missing its customer
    ];
    const narrow = ['\u000b', '\u00a0', '\u3000,,,', '\u000c', '\u3000', '\u2003\u00a0']; // 11–16: blank
    const head = 'customer_id,event_time,amount,product_id';
    const fx = await makeFixture({
      // Lines of the header's 4 fields only: the fast check decides whether DuckDB reads it itself.
      'plain.csv': `${head}\n${wide.join('\n')}\n`,
      // gzip and a quoted multi-line value: the splitter reads both.
      'split.csv.gz': gzipSync(`${head}\r\n${[...wide, ...narrow].join('\r\n')}\r\n`),
      'quoted.csv': `${head}\n${[...wide, ...narrow].join('\n')}\nc,2026-01-12T08:00:00Z,30,"two\nlines"\n`,
      // White space inside values, at a line's start and after two delimiters: still plain, DuckDB reads it.
      'values.csv': `${head}\n\u00a0a,2026-01-10T08:00:00Z,10,\u2019p\u2019\n,,\u3000x,\n\u3000b,2026-01-11T08:00:00Z,20,p\u00a0q\n`,
    });
    try {
      for (const [file, plain] of [['plain.csv', false], ['values.csv', true]] as const) {
        const src = { path: join(fx.dir, file), gzip: false };
        expect(await checkPlainCsv(src, await readCsvHeader(src, undefined)), file).toBe(plain);
      }
      for (const [path, expected] of [
        ['plain.csv', { rows: 4, quarantined: 2, blank_lines: 5 }],
        ['split.csv.gz', { rows: 4, quarantined: 2, blank_lines: 11 }],
        ['quoted.csv', { rows: 5, quarantined: 2, blank_lines: 11 }],
      ] as const) {
        const result = await runJob(fx, { inputs: [{ path }], max_bad_row_share: 0.9, matrices: [MONTHLY], formats: ['json'], forecast: { model: 'off' } }, T);
        expect(result.stats, path).toMatchObject({ rows_read: expected.rows, rows_quarantined: expected.quarantined });
        const { report, dir } = await readLatest(fx);
        expect(report.inputs[0], path).toMatchObject(expected);
        expect(report.inputs[0], path).not.toHaveProperty('repeated_header_lines');
        const q = await quarantine(dir);
        expect(q.map((r) => r.line), path).toEqual([9, 10]);
        expect(q.map((r) => r.reason.split(':')[0]), path).toEqual(['customer_id is missing', 'customer_id is missing']);
      }
    } finally {
      await fx.cleanup();
    }
  });

  it('quarantines a broken line with its number and reads the rest, keys found anywhere in the file', async () => {
    const lines = [
      JSON.stringify({ customer_id: 'a', event_time: '2026-01-10T08:00:00Z', amount: 10 }), // 1
      '', // 2: blank
      '{"customer_id": "b", "event_time": "2026-01-10T08:00:00Z", "amount": ', // 3: cut off
      JSON.stringify({ customer_id: 'c', event_time: '2026-01-11T08:00:00Z', amount: 20 }), // 4
      '[1, 2]', // 5: not an object
      JSON.stringify({ customer_id: 'd', event_time: '2026-01-11T08:00:00Z', amount: '1,000' }), // 6: separator
      JSON.stringify({ customer_id: 'e', event_time: '2026-01-12T08:00:00Z', amount: 30, renewal_number: 1.5 }), // 7
    ];
    // 20,000 more valid lines, and then a row whose currency (a key seen nowhere before) is unknown.
    for (let i = 0; i < 20_000; i++) lines.push(JSON.stringify({ customer_id: `x${i}`, event_time: '2026-01-12T08:00:00Z', amount: 0 }));
    lines.push(JSON.stringify({ customer_id: 'late', event_time: '2026-01-12T08:00:00Z', amount: 5, currency: 'XYZ' })); // 20008
    const fx = await makeFixture({ 'e.jsonl': `${lines.join('\r\n')}\r\n` });
    try {
      const result = await runJob(fx, { inputs: [{ path: 'e.jsonl' }], matrices: [MONTHLY] }, T);
      expect(result.stats).toMatchObject({ rows_read: 20_007, rows_quarantined: 5 });
      const { report, dir } = await readLatest(fx);
      expect(report.inputs[0]).toMatchObject({ blank_lines: 1 });
      const q = await quarantine(dir);
      expect(q.map((r) => r.line)).toEqual([3, 5, 6, 7, 20008]);
      expect(q.map((r) => r.reason.split(':')[0])).toEqual([
        'not a valid JSON line', 'not a JSON object', 'amount is not a decimal number (digits, a dot, at most 4 decimals; no separators or exponent)',
        'renewal_number is not a whole number ≥ 0', 'currency "XYZ" is not an ISO 4217 code in current use (e.g. USD, EUR, GBP)',
      ].map((r) => r.split(':')[0]));
      // a 10 and c 20 (e's row is quarantined): 30 / 2 = 15.
      expect(grid(report.matrices[0]!)['2026-01-01']).toEqual([15, 15]);
    } finally {
      await fx.cleanup();
    }
  });

  it('a line over 1 MiB is one bad row, however many reads it spans (a 5 MB line counted 2, a 17 MB one 8)', async () => {
    const big = JSON.stringify({ customer_id: 'b', event_time: '2026-01-10T08:00:00Z', amount: 2, note: 'x'.repeat(5_000_000) });
    const fx = await makeFixture({
      'l.jsonl': [JSON.stringify({ customer_id: 'a', event_time: '2026-01-10T08:00:00Z', amount: 10 }), big, JSON.stringify({ customer_id: 'c', event_time: '2026-01-11T08:00:00Z', amount: 20 })].join('\n') + '\n',
    });
    try {
      const result = await runJob(fx, { inputs: [{ path: 'l.jsonl' }], matrices: [MONTHLY], max_bad_row_share: 0.9, forecast: { model: 'off' } }, T);
      expect(result.stats).toMatchObject({ rows_read: 3, rows_quarantined: 1 });
      const { report, dir } = await readLatest(fx);
      expect(await quarantine(dir)).toEqual([{ line: 2, reason: `line longer than ${1 << 20} bytes` }]);
      expect(grid(report.matrices[0]!)['2026-01-01']).toEqual([15, 15]);
    } finally {
      await fx.cleanup();
    }
  });
});

describe('JSON Lines that DuckDB\'s JSON reader accepts and RFC 8259 does not', () => {
  it('quarantines a trailing comma, NaN and Infinity (they were read, the money counted), not the same text inside a string', async () => {
    const lines = [
      '{"customer_id": "a", "event_time": "2026-01-10T08:00:00Z", "amount": 10}', // 1
      '{"customer_id": "b", "event_time": "2026-01-10T08:00:00Z", "amount": 20,}', // 2
      '{"customer_id": "c", "event_time": "2026-01-10T08:00:00Z", "amount": 30, "tags": [1, 2, ]}', // 3
      '{"customer_id": "d", "event_time": "2026-01-10T08:00:00Z", "amount": 40, "score": NaN}', // 4
      '{"customer_id": "e", "event_time": "2026-01-10T08:00:00Z", "amount": 50, "score": -Infinity}', // 5
      '{"customer_id": "f, }", "event_time": "2026-01-10T08:00:00Z", "amount": 60, "note": "NaN, Infinity,]"}', // 6
    ];
    const fx = await makeFixture({ 'e.jsonl': `${lines.join('\n')}\n` });
    try {
      const result = await runJob(fx, { inputs: [{ path: 'e.jsonl' }], matrices: [MONTHLY], max_bad_row_share: 0.9, formats: ['json'], forecast: { model: 'off' } }, T);
      expect(result.stats).toMatchObject({ rows_read: 6, rows_quarantined: 4 });
      const { report, dir } = await readLatest(fx);
      expect((await quarantine(dir)).map((r) => [r.line, r.reason])).toEqual([
        [2, 'not a valid JSON line: a comma before "}" (a trailing comma): remove it'],
        [3, 'not a valid JSON line: a comma before "]" (a trailing comma): remove it'],
        [4, 'not a valid JSON line: NaN is no JSON value: write a number, or null'],
        [5, 'not a valid JSON line: Infinity is no JSON value: write a number, or null'],
      ]);
      // a 10 and "f, }" 60: 70 / 2 = 35.
      expect(grid(report.matrices[0]!)['2026-01-01']).toEqual([35, 35]);
    } finally {
      await fx.cleanup();
    }
  });
});

describe('inputs that are not regular files', () => {
  it('refuses a FIFO, a directory and a glob matching a FIFO at once, saying what they are', async () => {
    const fx = await makeFixture({ 'in/a.csv': 'customer_id,event_time,amount\na,2026-01-10,1\n' });
    try {
      execFileSync('mkfifo', [join(fx.dir, 'in', 'pipe.csv')]);
      await mkdir(join(fx.dir, 'dir.csv'));
      const started = Date.now();
      for (const [path, message] of [
        ['in/pipe.csv', /in\/pipe\.csv is a FIFO \(named pipe\), not a regular file/],
        ['dir.csv', /dir\.csv is a directory/],
        ['in/*.csv', /"in\/\*\.csv" matches .*pipe\.csv, which is a FIFO/],
      ] as const) {
        const e = await failure(runJob(fx, { inputs: [{ path }], matrices: [MONTHLY] }, T));
        expect(e.message).toMatch(message);
      }
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      await fx.cleanup();
    }
  });
});

describe('a file whose first line is empty', () => {
  it('is refused in one line saying what the first line must be, whether a header follows or nothing does', async () => {
    const fx = await makeFixture({ 'late.csv': '\n\ncustomer_id,event_time,amount\na,2026-01-10,1\n', 'blank.csv': '\n  \n\n' });
    try {
      for (const name of ['late.csv', 'blank.csv']) {
        const e = await failure(runJob(fx, { inputs: [{ path: name }], matrices: [MONTHLY] }, T));
        expect(e.message).toBe(`${join(fx.dir, name)}: line 1 (the header) is empty: the first line must name the columns (customer_id,event_time,amount, …); remove the empty lines before the header (a file of empty lines only holds no export: export it again)`);
      }
    } finally {
      await fx.cleanup();
    }
  });
});

describe('inputs that are symbolic links going nowhere', () => {
  it('names a loop of links and a dangling link, given as a path or matched by a glob (it was a bare ELOOP or ENOENT)', async () => {
    const fx = await makeFixture({ 'in/a.csv': 'customer_id,event_time,amount\na,2026-01-10,1\n' });
    try {
      await symlink('loopB', join(fx.dir, 'loopA'));
      await symlink('loopA', join(fx.dir, 'loopB'));
      await mkdir(join(fx.dir, 'g'));
      await symlink('gone.csv', join(fx.dir, 'g', 'x.csv'));
      for (const [path, message] of [
        ['loopA', /--input: cannot read "loopA": a symbolic link on its path leads back to itself \(a loop of links, or a chain of more than 40; ELOOP\): point the link at the export file or its folder$/],
        ['g/x.csv', /--input: cannot read "g\/x\.csv": it is a symbolic link to "gone\.csv", which does not exist \(a dangling link\): point it at the export file, or remove it$/],
        ['g/*.csv', /--input: cannot read \S+\/g\/x\.csv: it is a symbolic link to "gone\.csv", which does not exist \(a dangling link\): point it at the export file, or remove it$/],
        ['g/none.csv', /--input: no file matches "g\/none\.csv"/],
        // A glob looking in a folder that is a loop of links or a dangling link: said so, not "no file matches".
        ['loopA/*.csv', /--input: cannot read "loopA\/\*\.csv": its folder \S+\/loopA: a symbolic link on its path leads back to itself \(a loop of links, or a chain of more than 40; ELOOP\): point the link at the export file or its folder$/],
        ['g/x.csv/*.csv', /--input: cannot read "g\/x\.csv\/\*\.csv": its folder \S+\/g\/x\.csv: it is a symbolic link to "gone\.csv", which does not exist \(a dangling link\): point it at the export file, or remove it$/],
        ['nofolder/*.csv', /--input: no file matches "nofolder\/\*\.csv"/],
      ] as const) {
        const e = await failure(runJob(fx, { inputs: [{ path }], matrices: [MONTHLY] }, T));
        expect(e.message).toMatch(message);
      }
    } finally {
      await fx.cleanup();
    }
  });
});

describe('times that cannot be real', () => {
  it('quarantines placeholder payment dates before min_event_time at their lines, and keeps the matrices short', async () => {
    const text = [
      'customer_id,event_time,amount,transaction_id', // 1
      'a,2026-01-10T08:00:00Z,10.00,t1', // 2
      'b,0001-01-01T00:00:00Z,99.00,t2', // 3: a placeholder date
      'c,1970-01-01T00:00:00Z,99.00,t3', // 4: the epoch of a NULL turned into 0
      'd,2026-01-20T08:00:00Z,20.00,t4', // 5
      'e,1999-12-31T23:59:59Z,7.00,t5', // 6: before the job's own min_event_time below
    ].join('\n');
    const fx = await makeFixture({ 'p.csv': `${text}\n` });
    try {
      await runJob(fx, { inputs: [{ path: 'p.csv' }], max_bad_row_share: 0.9, matrices: [MONTHLY] }, T);
      const first = await readLatest(fx);
      // The default floor (1990-01-01) keeps e's 1999 payment.
      expect((await quarantine(first.dir)).map((r) => r.line)).toEqual([3, 4]);
      expect((await quarantine(first.dir))[0]!.reason).toBe(
        'event_time "0001-01-01T00:00:00Z" is before min_event_time 1990-01-01T00:00:00Z: a placeholder or damaged date? correct the row, or set an earlier min_event_time in the job',
      );
      // The monthly matrix starts with e's cohort (1999-12), not in year 1: 26 cohorts up to 2026-01.
      expect(Object.keys(grid(first.report.matrices[0]!)).filter((t) => t !== 'Total')[0]).toBe('1999-12-01');

      await runJob(fx, { inputs: [{ path: 'p.csv' }], max_bad_row_share: 0.9, matrices: [MONTHLY], min_event_time: '2000-01-01T00:00:00+00:00' }, T);
      const second = await readLatest(fx);
      expect((await quarantine(second.dir)).map((r) => r.line)).toEqual([3, 4, 6]);
      // a 10 and d 20 in January 2026: 30 / 2 = 15.
      expect(grid(second.report.matrices[0]!)).toEqual({ Total: [15, 15], '2026-01-01': [15, 15] });
    } finally {
      await fx.cleanup();
    }
  });

  it('a time_format\'s reading before min_event_time is said as that reading, not quoted as the file\'s text', async () => {
    // "05/01/26" read with %Y is the year 26: the reason quoted "0026-01-05T00:00:00.000000", a value the file does not hold.
    // A value the format does not read (ISO text, read as ISO) is still quoted as the file holds it.
    const fx = await makeFixture({ 'p.csv': 'customer_id,event_time,amount\na,05/01/26,1.00\nb,06/01/2026,2.00\nc,1970-01-01T00:00:00Z,1.00\n' });
    try {
      await runJob(fx, { inputs: [{ path: 'p.csv', time_format: '%d/%m/%Y' }], max_bad_row_share: 0.9, matrices: [MONTHLY] }, T);
      const { dir } = await readLatest(fx);
      expect(await quarantine(dir)).toEqual([
        { line: 2, reason: 'event_time read as 0026-01-05T00:00:00.000000 (with the time_format %d/%m/%Y, or as ISO 8601 text it does not match) is before min_event_time 1990-01-01T00:00:00Z: a two-digit year read with %Y (use %y), a placeholder or a damaged date? correct the row or the time_format, or set an earlier min_event_time in the job' },
        { line: 4, reason: 'event_time "1970-01-01T00:00:00Z" is before min_event_time 1990-01-01T00:00:00Z: a placeholder or damaged date? correct the row, or set an earlier min_event_time in the job' },
      ]);
    } finally {
      await fx.cleanup();
    }
  });

  it('refuses an as-of time in the future with one line, before reading anything', async () => {
    const fx = await makeFixture({ 'p.csv': 'customer_id,event_time,amount\na,2026-01-10T08:00:00Z,10.00\n' });
    try {
      const e = await failure(runJob(fx, { inputs: [{ path: 'p.csv' }], matrices: [MONTHLY] }, '9999-12-31T00:00:00Z'));
      expect(e.message).toMatch(/^as-of 9999-12-31T00:00:00\.000Z is more than a day after the current time \(.*\): LTV is measured up to a time that has passed; give an earlier --as-of \(or "as_of" in the job file\)$/);
      // The job file's own as_of: the line names the file.
      const own = await failure(runPipeline(parseJob({ inputs: [{ path: 'p.csv' }], as_of: '9999-12-31T00:00:00Z' }, 'ahead', fx.dir, 'jobs/ahead.json'), { logger: silentLogger, reportsDir: fx.reportsDir }));
      expect(own.message).toMatch(/: LTV is measured up to a time that has passed; give an earlier "as_of" in the job file jobs\/ahead\.json \(or one as --as-of\)$/);
    } finally {
      await fx.cleanup();
    }
  });
});
