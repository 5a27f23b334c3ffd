// SPEC §5 "outputs are always valid files": control characters in text values (product, country, tenant,
// customer ids) are kept exactly in ltv.json and shown the same visible way in every file a person opens
// (src/format/text.ts visibleText): C0 controls and DEL as their Unicode pictures, bidi overrides and
// isolates as [U+202E]. Before, ltv.csv carried ESC and U+202E raw, the workbook showed pictures, and a
// tenant id holding U+0002 stopped the run in the chart's SVG ("internal error").
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { jobFromFlags } from '../../src/config/loadJob.js';
import { composeRunEmail } from '../../src/notify/composeRunEmail.js';
import { neutraliseText, visibleText } from '../../src/format/text.js';
import { tenantDirName } from '../../src/publish/publishRun.js';
import { parseCsv } from '../helpers/parseCsv.js';
import { makeFixture, readLatest, runJob } from '../helpers/runFixture.js';

const T = '2026-02-15T00:00:00Z';

describe('control characters in text values', () => {
  it('are exact in ltv.json and shown alike in ltv.csv, the workbook, quarantine.csv, and the HTML page', async () => {
    const text = [
      'tenant_id,customer_id,event_time,amount,product_id', // line 1
      'shop,a,2026-01-10T08:00:00Z,10.00,U\u0001S', // 2
      'shop,b,2026-01-11T08:00:00Z,20.00,\u202eSU', // 3: displays as "US"
      'shop,c,2026-01-12T08:00:00Z,30.00,=x\u001b[2J', // 4: ESC [2J clears a terminal
      'shop\u0002,d,2026-01-12T08:00:00Z,40.00,p', // 5: a tenant of its own
      'shop,e\u001b,2026-01-12T08:00:00Z,bad,p', // 6: quarantined
      '',
    ].join('\n');
    const fx = await makeFixture({ 'e.csv': text });
    try {
      const result = await runJob(fx, {
        inputs: [{ path: 'e.csv' }], max_bad_row_share: 0.5,
        matrices: [{ period_type: 'days', period_unit: 'month', segmentation: 'product' }],
      }, T);
      expect(result.tenants.map((t) => t.tenant).sort()).toEqual(['shop', 'shop\u0002']);
      const { report, dir } = await readLatest(fx, 'shop');
      // ltv.json: the exact text; one customer per product: 10, 20, 30 at period 0.
      const segments = report.matrices[0]!.rows.filter((r) => r.type === 'segment');
      expect(Object.fromEntries(segments.map((r) => [r.title, r.cells[0]!.revenue]))).toEqual({ 'U\u0001S': 10, '\u202eSU': 20, '=x\u001b[2J': 30 });

      // ltv.csv: a strict RFC 4180 parse; the titles visible, neutralised after.
      const csvText = await readFile(join(dir, 'ltv.csv'), 'utf8');
      expect(csvText).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u202a-\u202e\u2066-\u2069]/);
      const records = parseCsv(csvText);
      const titles = new Set(records.slice(1).filter((r) => r[5] === 'segment').map((r) => r[6]));
      expect([...titles].sort()).toEqual(["'=x\u241b[2J", 'U\u2401S', '[U+202E]SU'].sort());

      // The workbook's Data sheet holds the same text cells as ltv.csv, row for row.
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.readFile(join(dir, 'ltv.xlsx'));
      const data = wb.getWorksheet('Data')!;
      expect(data.actualRowCount).toBe(records.length);
      records.forEach((record, i) => {
        const cells = Array.from({ length: 9 }, (_, j) => data.getRow(i + 1).getCell(j + 1).value ?? '');
        expect(cells).toEqual(record.slice(0, 9));
      });

      // quarantine.csv (written by DuckDB): the customer id visible too.
      const quarantine = parseCsv((await readFile(join(dir, 'quarantine.csv'), 'utf8')).replace(/\n/g, '\r\n'));
      expect(quarantine.slice(1).map((r) => [r[1], r[3], r[4]])).toEqual([['6', 'shop', 'e\u241b']]);

      // The other tenant: published (its chart rendered), named visibly in its files.
      const other = await readLatest(fx, tenantDirName('shop\u0002'));
      expect(other.report.tenant).toBe('shop\u0002');
      const otherCsv = parseCsv(await readFile(join(other.dir, 'ltv.csv'), 'utf8'));
      expect(new Set(otherCsv.slice(1).map((r) => r[0]))).toEqual(new Set(['shop\u2402']));
      const html = await readFile(join(other.dir, 'report.html'), 'utf8');
      expect(html).toContain('shop\u2402');
      expect(html).not.toContain('\u0002');
      // The run email's both parts, likewise (the text part carried the raw U+0002).
      const mail = await composeRunEmail(other.report, jobFromFlags({ inputs: [{ path: 'e.csv' }], email: { to: ['a@example.com'] } }, fx.dir), other.dir, { from: 'r@example.com', messageId: '<x@example.com>' });
      for (const part of [mail.text as string, mail.html as string]) {
        expect(part).toContain('shop\u2402');
        expect(part).not.toContain('\u0002');
        // Shown once: the subject (shown already) in the HTML part's title was shown again, as shop[U+2402].
        expect(part).not.toContain('[U+2402]');
      }
      expect(mail.subject).toContain('shop\u2402');
    } finally {
      await fx.cleanup();
    }
  });

  it('never shows two segments alike: each row of ltv.csv and the workbook is its own, and joins its ltv.json row', async () => {
    // Before: =X and '=X were both shown '=X, U\u0001S and U\u2401S both U␁S, \u202eSU and [U+202E]SU both
    // [U+202E]SU, so ltv.csv's key (matrix, row_title, period, accounting_type) held each twice.
    const products = ['\u202eSU', '[U+202E]SU', '=X', "'=X", 'U\u0001S', 'U\u2401S'];
    // Three customers a product, 10 + 20 + 30 for the first, 11 + 21 + 31 for the second, …: a product's
    // revenue per customer at month 0 is 20 + its index.
    const lines = products.flatMap((p, i) => [10, 20, 30].map((a, j) => `c${i}-${j},2026-01-1${j}T08:00:00Z,${a + i}.00,${p}`));
    const fx = await makeFixture({ 'e.csv': `customer_id,event_time,amount,product_id\n${lines.join('\n')}\n` });
    try {
      await runJob(fx, { inputs: [{ path: 'e.csv' }], matrices: [{ period_type: 'days', period_unit: 'month', segmentation: 'product' }], forecast: { model: 'off' } }, T);
      const { report, dir } = await readLatest(fx);
      const segments = report.matrices[0]!.rows.filter((r) => r.type === 'segment');
      expect(Object.fromEntries(segments.map((r) => [r.title, r.cells[0]!.revenue]))).toEqual(Object.fromEntries(products.map((p, i) => [p, 20 + i])));
      // ltv.csv: six titles, a key that is unique, and every row joins its ltv.json row by the shown title.
      const records = parseCsv(await readFile(join(dir, 'ltv.csv'), 'utf8')).slice(1).filter((r) => r[1] === 'days-month-product');
      const csvSegments = records.filter((r) => r[5] === 'segment');
      expect(new Set(csvSegments.map((r) => r[6])).size).toBe(6);
      const keys = records.map((r) => [r[1], r[6], r[10], r[11]].join('|'));
      expect(new Set(keys).size).toBe(keys.length);
      // README (src/report/README.md "ltv.csv"): a title is shown as neutraliseText(visibleText(title)).
      const shown = (title: string): string => neutraliseText(visibleText(title));
      expect(products.map(shown)).toEqual(['[U+202E]SU', '[U+005B]U+202E]SU', "'=X", "''=X", 'U\u2401S', 'U[U+2401]S']);
      for (const r of csvSegments) {
        const matches = segments.filter((s) => shown(s.title) === r[6]);
        expect(matches, r[6]).toHaveLength(1);
        expect(r[8]).toBe(r[6]);
        expect(Number(r[9])).toBe(3);
        const cell = matches[0]!.cells.find((c) => c.period === Number(r[10]))!;
        expect(Number(r[12])).toBe(cell[r[11] as 'revenue']);
      }
      expect(csvSegments.filter((r) => r[10] === '0' && r[11] === 'revenue').map((r) => [r[6], Number(r[12])]).sort())
        .toEqual(products.map((p, i) => [shown(p), 20 + i]).sort());

      // The workbook's "By product" sheet: the six titles (row 6 is Total), each beside its own month 0.
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.readFile(join(dir, 'ltv.xlsx'));
      const sheet = wb.getWorksheet('By product')!;
      const shownRows = Array.from({ length: 6 }, (_, i) => [String(sheet.getCell(7 + i, 1).value), sheet.getCell(7 + i, 4).value]);
      expect(shownRows.sort()).toEqual(products.map((p, i) => [shown(p), 20 + i]).sort());
    } finally {
      await fx.cleanup();
    }
  });

  it('keeps a quarantine reason on one line: the line breaks and tabs of the values it quotes are shown as ␍ ␊ ␉', async () => {
    // Before: an amount "12\n34" gave a reason with a line feed inside its quotes, and an event_time
    // "=NOW()\r\nline2" a raw CR LF: valid RFC 4180, but `grep` and `wc -l` counted the rows wrong.
    const text = [
      'customer_id,event_time,amount,transaction_id,refund_of', // line 1
      'a,2026-01-10T08:00:00Z,10.00,p1,', // 2
      'b,2026-01-11T08:00:00Z,"12\n34",p2,', // 3-4
      'c,"=NOW()\r\nline2",5.00,p3,', // 5-6
      'd,2026-01-12T08:00:00Z,"5\t6",p4,', // 7
      'e,2026-01-12T08:00:00Z,7\u240a8,p5,', // 8: a picture in the data is not a line break shown
      'f,2026-01-13T08:00:00Z,bad,"t\n1",', // 9-10
      'f,2026-01-14T08:00:00Z,-5.00,r1,"t\n1"', // 11-12: a refund of that quarantined payment (09_refund_checks.sql)
      'g,2026-01-15T08:00:00Z,20.00,p6,', // 13
      '',
    ].join('\n');
    const fx = await makeFixture({ 'e.csv': text });
    try {
      await runJob(fx, { inputs: [{ path: 'e.csv' }], max_bad_row_share: 0.9, forecast: { model: 'off' } }, T);
      const { dir } = await readLatest(fx);
      const bytes = await readFile(join(dir, 'quarantine.csv'), 'utf8');
      // One line a row: the header and six rows, no CR anywhere.
      expect(bytes).not.toMatch(/[\r\t]/);
      const lines = bytes.split('\n');
      expect(lines.at(-1)).toBe('');
      expect(lines).toHaveLength(1 + 6 + 1);
      const decimal = 'amount is not a decimal number (digits, a dot, at most 4 decimals; no separators or exponent)';
      expect(lines.slice(1, -1).map((l) => parseCsv(`${l}\r\n`)[0]!.slice(1, 4))).toEqual([
        ['3', `${decimal}: "12\u240a34"`, 'default'],
        ['5', 'event_time is not an ISO 8601 time: "=NOW()\u240d\u240aline2": write it as ISO 8601 (e.g. 2026-03-16T15:00:00Z), or give the input its time_format', 'default'],
        ['7', `${decimal}: "5\u24096"`, 'default'],
        ['8', `${decimal}: "7[U+240A]8"`, 'default'],
        ['9', `${decimal}: "bad"`, 'default'],
        ['11', expect.stringMatching(/^refund_of "t\u240a1" names a quarantined row \(.*e\.csv line 9\): this refund is set aside with it/), 'default'],
      ]);
      // The csv's own quoting around a reason, as RFC 4180 has it: its quotes doubled, one line.
      expect(lines[1]).toContain(`,"${decimal}: ""12\u240a34""",`);
    } finally {
      await fx.cleanup();
    }
  });

  it('keeps a tenant id with a line break on one line in the run email\'s text and HTML parts and report.html\'s title', async () => {
    // Before: the text part's first line "LTV report for x" was followed by a line of its own, "Bcc:
    // evil@x.example (job …)", and report.html's <title> held the raw CR LF.
    const tenant = 'x\r\nBcc: evil@x.example';
    const fx = await makeFixture({ 'e.csv': `tenant_id,customer_id,event_time,amount\n"${tenant}",a,2026-01-10T08:00:00Z,10.00\n` });
    try {
      await runJob(fx, { inputs: [{ path: 'e.csv' }], forecast: { model: 'off' } }, T);
      const { report, dir } = await readLatest(fx, tenantDirName(tenant));
      expect(report.tenant).toBe(tenant);
      const html = await readFile(join(dir, 'report.html'), 'utf8');
      expect(html).toContain('<title>LTV report: x\u240d\u240aBcc: evil@x.example · ');
      const mail = await composeRunEmail(report, jobFromFlags({ inputs: [{ path: 'e.csv' }], email: { to: ['a@example.com'] } }, fx.dir), dir, { from: 'r@example.com', messageId: '<x@example.com>' });
      const lines = (mail.text as string).split('\n');
      expect(lines[0]).toBe('LTV report for x\u240d\u240aBcc: evil@x.example (job adhoc)');
      expect(lines.filter((l) => /^Bcc:/i.test(l))).toEqual([]);
      expect(mail.text).not.toMatch(/\r/);
      // The HTML part's heading likewise (it held the raw CR LF, which HTML shows as a space).
      expect(mail.html).toContain('>x\u240d\u240aBcc: evil@x.example</h1>');
      expect(mail.html).not.toMatch(/[\r\n]Bcc/);
    } finally {
      await fx.cleanup();
    }
  });

  it('shows the noncharacters U+FFFE and U+FFFF, which XML cannot hold, as [U+FFFE] and [U+FFFF]', async () => {
    // Before: a tenant id with U+FFFF stopped the whole run at its chart's SVG ("internal error", no tenant
    // published), and a product with one made the workbook's XML invalid (Excel "repairs" such a file).
    const text = [
      'tenant_id,customer_id,event_time,amount,product_id',
      'shop,a,2026-01-10T08:00:00Z,10.00,x\uffffy',
      'shop,b,2026-01-11T08:00:00Z,20.00,p\ufffe',
      'bad\uffff,c,2026-01-12T08:00:00Z,5.00,q',
      '',
    ].join('\n');
    const fx = await makeFixture({ 'e.csv': text });
    try {
      const result = await runJob(fx, { inputs: [{ path: 'e.csv' }], matrices: [{ period_type: 'days', period_unit: 'month', segmentation: 'product' }] }, T);
      expect(result.tenants.map((t) => t.tenant).sort()).toEqual(['bad\uffff', 'shop']);
      const { report, dir } = await readLatest(fx, 'shop');
      // ltv.json: the exact text.
      expect(report.matrices[0]!.rows.filter((r) => r.type === 'segment').map((r) => r.title).sort()).toEqual(['p\ufffe', 'x\uffffy']);
      const csvText = await readFile(join(dir, 'ltv.csv'), 'utf8');
      expect(csvText).not.toMatch(/[\ufffe\uffff]/);
      expect(new Set(parseCsv(csvText).slice(1).filter((r) => r[5] === 'segment').map((r) => r[6]))).toEqual(new Set(['x[U+FFFF]y', 'p[U+FFFE]']));
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.readFile(join(dir, 'ltv.xlsx'));
      const titles = new Set<string>();
      wb.getWorksheet('Data')!.eachRow((row) => titles.add(String(row.getCell(7).value)));
      expect(titles).toContain('x[U+FFFF]y');
      expect(titles).toContain('p[U+FFFE]');
      // The other tenant published, its chart drawn.
      const other = await readLatest(fx, tenantDirName('bad\uffff'));
      expect(other.report.tenant).toBe('bad\uffff');
      expect((await readFile(join(other.dir, 'ltv.png'))).subarray(1, 4).toString('latin1')).toBe('PNG');
      expect(await readFile(join(other.dir, 'report.html'), 'utf8')).toContain('bad[U+FFFF]');
    } finally {
      await fx.cleanup();
    }
  });
});
