// The check statement's text macros (src/sql/02_macros.sql) take shortcuts for the usual values: ltv_trim
// skips the trim for an ASCII value with no white space at either end, ltv_bool tests 'true'/'false' as they
// are. Both must give what the plain forms give, for every value. The reference for ltv_trim is JavaScript's
// own regular expression over Unicode's White_Space characters (DuckDB's trim() removes spaces, not tabs).
import { listValue } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { macrosSql } from '../../src/warehouse/loadSql.js';
import { Warehouse } from '../../src/warehouse/openWarehouse.js';

let wh: Warehouse;
beforeAll(async () => {
  wh = await Warehouse.open({ timezone: 'UTC' });
  await wh.run(macrosSql('UTC'));
});
afterAll(() => wh.close());

const NBSP = '\u00a0';
const IDEOGRAPHIC_SPACE = '\u3000';
const VALUES = [
  '', ' ', '  ', 'c1', ' c1', 'c1 ', '  c1  ', 'a b', `${NBSP}c1`, `c1${NBSP}`, `${IDEOGRAPHIC_SPACE}DE${IDEOGRAPHIC_SPACE}`,
  'Zürich', ' Zürich', 'Zürich ', '\tc1\t', 'c1\n', '東京', ' 東京 ', '4.99', ' 4.99 ', '2026-01-01T00:00:00Z ',
  // Every White_Space character, each at both ends (the macro's list is a literal of the characters themselves).
  ...[0x9, 0xa, 0xb, 0xc, 0xd, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000]
    .map((c) => `${String.fromCharCode(c)}c${c}${String.fromCharCode(c)}`),
  '\u200bc1\ufeff', // zero-width space and BOM: no White_Space, kept
  '\t', '\r\n', 'c1\r', '\u000bc1\u000c', `\t${NBSP}c1\r${IDEOGRAPHIC_SPACE}`, '\u0085c1\u2028', 'a\tb', '\u0001c1', '!c1', 'EUR\t',
];
/** Unicode's White_Space property (PropList.txt), written out apart from the macro's list. */
const trimmed = (x: string): string => x.replace(/^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/gu, '');

describe('ltv_trim and ltv_text', () => {
  it('trim Unicode white space (tabs, line ends, spaces of every width) at both ends, in any mix, and nothing else', async () => {
    const rows = await wh.all<{ x: string; fast: string; text: string | null }>(
      'SELECT x, ltv_trim(x) AS fast, ltv_text(x) AS text FROM unnest($v) AS t(x)',
      { v: listValue(VALUES) },
    );
    expect(rows).toHaveLength(VALUES.length);
    for (const r of rows) {
      expect(r.fast, JSON.stringify(r.x)).toBe(trimmed(r.x));
      expect(r.text, JSON.stringify(r.x)).toBe(trimmed(r.x) === '' ? null : trimmed(r.x));
    }
    // Spot checks by hand.
    const by = new Map(rows.map((r) => [r.x, r]));
    expect(by.get(`${NBSP}c1`)?.fast).toBe('c1');
    expect(by.get(`${IDEOGRAPHIC_SPACE}DE${IDEOGRAPHIC_SPACE}`)?.fast).toBe('DE');
    expect(by.get('\tc1\t')?.fast).toBe('c1');
    expect(by.get(`\t${NBSP}c1\r${IDEOGRAPHIC_SPACE}`)?.fast).toBe('c1');
    expect(by.get('a\tb')?.fast).toBe('a\tb');
    expect(by.get('\u0001c1')?.fast).toBe('\u0001c1');
    expect(by.get('\t')?.text).toBeNull();
    expect(by.get('\r\n')?.text).toBeNull();
    expect(by.get(' ')?.text).toBeNull();
  });
});

describe('ltv_bool', () => {
  it('reads the usual spellings, padded or not, and gives NULL for anything else', async () => {
    const cases: [string | null, boolean | null][] = [
      ['', false], ['  ', false], ['true', true], ['false', false], [' TRUE ', true], ['False', false],
      ['t', true], ['1', true], ['yes', true], ['Y', true], ['f', false], ['0', false], ['no', false], [' n', false],
      ['maybe', null], ['truee', null], ['2', null], [null, false], // (a leading NULL would make the bound list INTEGER[])
    ];
    const rows = await wh.all<{ b: boolean | null }>(
      'SELECT ltv_bool(x) AS b FROM unnest($v) WITH ORDINALITY AS t(x, i) ORDER BY i',
      { v: listValue(cases.map(([x]) => x)) },
    );
    expect(rows.map((r) => r.b)).toEqual(cases.map(([, b]) => b));
  });
});
