// SPEC §5 formula neutralisation has two implementations: TypeScript for the files ltv writes itself (csv,
// xlsx) and SQL (ltv_safe_text, 02_macros.sql) for quarantine.csv, which DuckDB writes. One table of cases
// runs through both, so the two cannot drift apart.
import { listValue } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cellText, csvField, escapeHtml, FORMULA_START_CHARS, neutraliseText } from '../../src/format/text.js';
import { installMacros } from '../../src/warehouse/installMacros.js';
import { Warehouse } from '../../src/warehouse/openWarehouse.js';

/** [text, what a spreadsheet must be given]. */
const CASES: [string, string][] = [
  ['=1+1', "'=1+1"], ['+SUM(A1)', "'+SUM(A1)"], ['-2+3', "'-2+3"], ['@cmd', "'@cmd"],
  ['\tx', "'\tx"], ['\rx', "'\rx"], ['\nx', "'\nx"], ['=HYPERLINK("http://x","y")', `'=HYPERLINK("http://x","y")`],
  ['Total', 'Total'], ['2026-01-01', '2026-01-01'], ['US', 'US'], ['Österreich — 日本', 'Österreich — 日本'], ['', ''],
  ["'already", "'already"], [' =space first', ' =space first'], ['a=b', 'a=b'], ['x\n=y', 'x\n=y'],
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
