// SPEC §5 formula neutralisation has two implementations: TypeScript for the files ltv writes itself (csv,
// xlsx) and SQL (ltv_safe_text, 02_macros.sql) for quarantine.csv, which DuckDB writes. One table of cases
// runs through both, so the two cannot drift apart.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listValue } from '@duckdb/node-api';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cellText, csvField, escapeHtml, FORMULA_START_CHARS, neutraliseText, visibleLine, visibleText } from '../../src/format/text.js';
import { installMacros } from '../../src/warehouse/installMacros.js';
import { Warehouse } from '../../src/warehouse/openWarehouse.js';

/** [text, what a spreadsheet must be given]. */
const CASES: [string, string][] = [
  ['=1+1', "'=1+1"], ['+SUM(A1)', "'+SUM(A1)"], ['-2+3', "'-2+3"], ['@cmd', "'@cmd"],
  ['\tx', "'\tx"], ['\rx', "'\rx"], ['\nx', "'\nx"], ['=HYPERLINK("http://x","y")', `'=HYPERLINK("http://x","y")`],
  ['Total', 'Total'], ['2026-01-01', '2026-01-01'], ['US', 'US'], ['Österreich — 日本', 'Österreich — 日本'], ['', ''],
  ["'already", "'already"], [' =space first', ' =space first'], ['a=b', 'a=b'], ['x\n=y', 'x\n=y'],
  // Apostrophes then a formula start get one more, so a text is never shown as another is ('=X was shown as =X).
  ["'=X", "''=X"], ["''+1", "'''+1"], ["'\tx", "''\tx"], ["'", "'"], ["''", "''"], ["' =x", "' =x"], ["'a'=b", "'a'=b"],
];

/** [text, as shown in ltv.csv, the workbook, quarantine.csv and HTML] (visibleText, ltv_visible_text). */
const CONTROLS: [string, string][] = [
  ['U\u0001S', 'U\u2401S'], ['\u0000US\u007f', '\u2400US\u2421'], ['\u001b[31mred', '\u241b[31mred'], ['a\fb\vc', 'a\u240cb\u240bc'],
  ['a\tb\nc\r\n', 'a\tb\nc\r\n'], ['\u202eSU', '[U+202E]SU'], ['x\u2066y\u2069', 'x[U+2066]y[U+2069]'], ['\u202a\u202b\u202c\u202d', '[U+202A][U+202B][U+202C][U+202D]'],
  // Noncharacters XML cannot hold (a tenant with one stopped the run at its chart; a segment made the workbook invalid).
  ['bad\uffff', 'bad[U+FFFF]'], ['p\ufffe', 'p[U+FFFE]'], ['\ufffd ok', '\ufffd ok'],
  // C1 controls, without pictures, as [U+0080]…[U+009F]: U+009B is CSI to a terminal ("ok\u009bx" reached the
  // run's terminal line raw), U+0085 (NEL) a line break to some readers. Their neighbours are kept (U+007E, U+00A0).
  ['ok\u009bx', 'ok[U+009B]x'], ['x\u0085y', 'x[U+0085]y'], ['\u0080~\u009f\u00a0é', '[U+0080]~[U+009F]\u00a0é'],
  // Kept: marks that reorder nothing (LRM), joiners of emoji, other scripts; U+2028 and U+2029 are shown
  // where a text must stay on one line (LINES).
  ['a\u200eb', 'a\u200eb'], ['👨‍👩‍👧', '👨‍👩‍👧'], ['a\u2028b\u2029', 'a\u2028b\u2029'], ['日本 — Österreich', '日本 — Österreich'], ['', ''],
  // What the rule writes, held by the data already, is shown apart from what the rule made: a control picture
  // as [U+2401], and "[U+" as "[U+005B]U+" (U\u2401S looked like U\u0001S, [U+202E]SU like \u202eSU).
  ['U\u2401S', 'U[U+2401]S'], ['\u2400\u2421\u241b', '[U+2400][U+2421][U+241B]'], ['\u2422 \u23ff', '\u2422 \u23ff'],
  ['[U+202E]SU', '[U+005B]U+202E]SU'], ['[U+[U+', '[U+005B]U+[U+005B]U+'], ['[\u202e', '[[U+202E]'], ['[[U+0001]', '[[U+005B]U+0001]'],
  ['[u+1] [U 1] U+ [+', '[u+1] [U 1] U+ [+'],
];

/**
 * [text, as shown on one line: a terminal's line, an email's tenant line, an HTML title, a quarantine reason]
 * (visibleLine, ltv_visible_line): visibleText, then CR, LF and tab as ␍ ␊ ␉.
 */
const LINES: [string, string][] = [
  ['cr\rover', 'cr\u240dover'], ['line\nbreak\r\n\u202eSU\tx', 'line\u240abreak\u240d\u240a[U+202E]SU\u2409x'], ['acme', 'acme'],
  ['amount is not a decimal number: "12\n34"', 'amount is not a decimal number: "12\u240a34"'],
  ['event_time is not an ISO 8601 time: "=NOW()\r\nline2"', 'event_time is not an ISO 8601 time: "=NOW()\u240d\u240aline2"'],
  // A picture the text holds is not a line break shown: [U+240A].
  ['12\u240a34', '12[U+240A]34'], ['\tx', '\u2409x'], ['x\u0001\n', 'x\u2401\u240a'], ['', ''],
  // The line and paragraph separators (JavaScript, JSON viewers and editors break lines there) and NEL.
  ['a\u2028b\u2029c', 'a[U+2028]b[U+2029]c'], ['x\u0085y\u009b', 'x[U+0085]y[U+009B]'], ['[U+2028]\u2028', '[U+005B]U+2028][U+2028]'],
];

let wh: Warehouse;
beforeAll(async () => {
  wh = await Warehouse.open({ timezone: 'UTC' });
  await installMacros(wh, 'UTC');
});
afterAll(() => wh.close());

describe('neutraliseText (SPEC §5, OWASP CSV injection)', () => {
  it('every formula start character is one of the cases', () => {
    for (const c of FORMULA_START_CHARS) expect(CASES.some(([text, safe]) => text.startsWith(c) && safe === `'${text}`)).toBe(true);
  });

  it.each(CASES)('TypeScript: %j → %j', (text, safe) => {
    expect(neutraliseText(text)).toBe(safe);
  });

  it('SQL (ltv_safe_text) gives the same for every case', async () => {
    const rows = await wh.all<{ i: number; safe: string }>(
      'SELECT i::INTEGER AS i, ltv_safe_text(t) AS safe FROM (SELECT unnest($texts::VARCHAR[]) AS t, generate_subscripts($texts::VARCHAR[], 1) AS i) ORDER BY i',
      { texts: listValue(CASES.map(([text]) => text)) },
    );
    expect(rows.map((r) => r.safe)).toEqual(CASES.map(([, safe]) => safe));
  });

  it.each(CONTROLS)('visibleText: %j → %j', (text, shown) => {
    expect(visibleText(text)).toBe(shown);
  });

  it.each(LINES)('visibleLine: %j → %j', (text, shown) => {
    expect(visibleLine(text)).toBe(shown);
  });

  it('SQL (ltv_visible_line, and ltv_safe_line after it: quarantine.csv\'s reason) gives the same for every case', async () => {
    const texts = [...LINES.map(([text]) => text), ...CONTROLS.map(([text]) => text)];
    const rows = await wh.all<{ shown: string; safe: string }>(
      'SELECT ltv_visible_line(t) AS shown, ltv_safe_line(t) AS safe FROM unnest($texts::VARCHAR[]) WITH ORDINALITY AS u(t, i) ORDER BY i',
      { texts: listValue(texts) },
    );
    expect(rows.map((r) => r.shown)).toEqual(texts.map(visibleLine));
    expect(rows.map((r) => r.safe)).toEqual(texts.map((t) => neutraliseText(visibleLine(t))));
  });

  it('SQL (ltv_visible_text, and ltv_safe_text after it) gives the same for every case', async () => {
    const texts = [...CONTROLS.map(([text]) => text), '\u0001=cmd', '=\u0001'];
    const rows = await wh.all<{ i: number; shown: string; safe: string }>(
      'SELECT i::INTEGER AS i, ltv_visible_text(t) AS shown, ltv_safe_text(t) AS safe FROM (SELECT unnest($texts::VARCHAR[]) AS t, generate_subscripts($texts::VARCHAR[], 1) AS i) ORDER BY i',
      { texts: listValue(texts) },
    );
    expect(rows.map((r) => r.shown)).toEqual(texts.map(visibleText));
    expect(rows.map((r) => r.safe)).toEqual(texts.map((t) => neutraliseText(visibleText(t))));
    expect(rows.map((r) => r.safe).slice(-2)).toEqual(['\u2401=cmd', "'=\u2401"]);
  });

  it('no two texts are shown alike: every text of up to 4 characters of the ones the rules act on is shown its own way, in TypeScript and SQL', async () => {
    // ltv.csv's key (matrix, row_title, period, accounting_type) is unique only if no two segments are shown
    // alike: =X and '=X, U\u0001S and U\u2401S, \u202eSU and [U+202E]SU were.
    const alphabet = ['[', 'U', '+', ']', '\u0001', '\u2401', '\u202e', '\u009b', '\u2028', "'", '=', '\t', '\n', 'a'];
    const all = [''];
    let longest = [''];
    for (let n = 1; n <= 4; n++) {
      longest = longest.flatMap((t) => alphabet.map((c) => t + c));
      all.push(...longest);
    }
    const shown = all.map((t) => neutraliseText(visibleText(t)));
    expect(new Set(shown).size).toBe(all.length);
    expect(new Set(all.map(visibleLine)).size).toBe(all.length);
    // SQL shows each the same way.
    const rows = await wh.all<{ safe: string }>(
      'SELECT ltv_safe_text(t) AS safe FROM unnest($texts::VARCHAR[]) WITH ORDINALITY AS u(t, i) ORDER BY i',
      { texts: listValue(all) },
    );
    expect(rows.map((r) => r.safe)).toEqual(shown);
    const lines = await wh.all<{ shown: string }>(
      'SELECT ltv_visible_line(t) AS shown FROM unnest($texts::VARCHAR[]) WITH ORDINALITY AS u(t, i) ORDER BY i',
      { texts: listValue(all) },
    );
    expect(lines.map((r) => r.shown)).toEqual(all.map(visibleLine));
  });

  it('csvField and escapeHtml make controls visible as cellText does: ltv.csv, the workbook and HTML agree', () => {
    for (const [text, shown] of CONTROLS) {
      // The workbook's file holds a carriage return as _x000D_ (ECMA-376 ST_Xstring; below).
      expect(cellText(text)).toBe(neutraliseText(shown).replaceAll('\r', '_x000D_'));
      expect(csvField(text)).toBe(/[",\r\n]/.test(shown) ? `"${neutraliseText(shown).replaceAll('"', '""')}"` : neutraliseText(shown));
    }
    expect(csvField('p\u0001,x')).toBe('"p\u2401,x"');
    expect(escapeHtml('<b>\u0002\u202e')).toBe('&lt;b&gt;\u2402[U+202E]');
  });

  it('csvField quotes what RFC 4180 needs quoted, after neutralising', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('=1,2')).toBe(`"'=1,2"`);
    expect(csvField('\nx')).toBe(`"'\nx"`);
  });

  it('escapeHtml leaves no markup', () => {
    expect(escapeHtml(`<img src=x onerror="a('b')">&`)).toBe('&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;');
  });

  it('cellText escapes what a workbook reader would decode: a reader gets the exact text back (real exceljs, real file)', async () => {
    expect(cellText('a\rb')).toBe('a_x000D_b');
    expect(cellText('x_x0041_y')).toBe('x_x005F_x0041_y');
    expect(cellText('_x000D_')).toBe('_x005F_x000D_');
    expect(cellText('\r=1')).toBe("'_x000D_=1");
    // Not an escape: left as it is.
    expect(cellText('my_xmas_plan _x12_ _xGGGG_')).toBe('my_xmas_plan _x12_ _xGGGG_');
    const texts = ['a\rb', 'c\r\nd', 'x_x0041_y', '_x000D_', 'my_xmas_plan', '_x005F_x0041_'];
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('S');
    texts.forEach((t, i) => (ws.getCell(i + 1, 1).value = cellText(t)));
    const dir = await mkdtemp(join(tmpdir(), 'ltv-celltext-'));
    try {
      await wb.xlsx.writeFile(join(dir, 't.xlsx'));
      const back = new ExcelJS.Workbook();
      await back.xlsx.readFile(join(dir, 't.xlsx'));
      expect(texts.map((_, i) => back.getWorksheet('S')!.getCell(i + 1, 1).value)).toEqual(texts);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('cellText neutralises, shows control characters as their pictures and keeps within Excel\'s 32,767 characters', () => {
    expect(cellText('=SUM(A1)')).toBe("'=SUM(A1)");
    expect(cellText('U\u0001S')).toBe('U\u2401S');
    expect(cellText('\u0000US\u007f')).toBe('\u2400US\u2421');
    expect(cellText('a\tb\nc')).toBe('a\tb\nc');
    const long = cellText('p'.repeat(40_000));
    expect(long).toHaveLength(32_767);
    expect(long.endsWith(" … [cut to Excel's limit of 32,767 characters from 40,000]")).toBe(true);
    expect(cellText('p'.repeat(32_767))).toBe('p'.repeat(32_767));
    // A cut never leaves half of a surrogate pair (😀 is two UTF-16 units).
    const emoji = cellText('😀'.repeat(20_000));
    expect(emoji.length).toBeLessThanOrEqual(32_767);
    expect(() => encodeURIComponent(emoji)).not.toThrow();
  });
});
