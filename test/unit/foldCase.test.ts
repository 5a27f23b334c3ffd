// The explorer lists filter values the server matches alike as one (README "Explorer"): it groups them by
// foldCase, which must fold as the server's filters do (31_attr_kept.sql, run here by keptTuples on a real
// DuckDB). JS's toLowerCase grouped `indirim` apart from `İNDİRİM`, and `οδοσ` apart from `ΟΔΟΣ` and `οδος`
// (a final sigma), which the server matches alike: each of two boxes selected every customer of both.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldCase } from '../../src/format/foldCase.js';
import { keptTuples } from '../../src/ltv/computeMatrix.js';
import { installMacros } from '../../src/warehouse/installMacros.js';
import { quoteIdent, quoteLiteral } from '../../src/warehouse/loadSql.js';
import { Warehouse } from '../../src/warehouse/openWarehouse.js';
import { DIMENSIONS } from '../../src/warehouse/tables.js';

/** Product ids: spellings that differ only in case, and letters whose case JS maps otherwise than DuckDB. */
const VALUES = [
  'indirim', 'İNDİRİM', 'İndirim', 'ΟΔΟΣ', 'οδος', 'οδοσ', 'Straße', 'STRASSE', 'straße', 'Pro', 'pro', 'PRO',
  'ſun', 'SUN', '\u212aelvin', 'kelvin', 'ﬀ', 'FF', 'ǅ', 'ǆ', 'Ǆ', 'µ', 'Μ', 'ᾳ', 'ᾼ', 'ΐ', 'ẞ', 'ß', 'ς', 'σ', 'Σ', 'ı', 'I', 'i',
];

let wh: Warehouse;
beforeAll(async () => {
  wh = await Warehouse.open({ timezone: 'UTC' });
  await installMacros(wh, 'UTC');
  // The run's attribute tuples (queryRun.ts loadRunTables): one a value, every other attribute absent.
  const dims = DIMENSIONS.map((d) => `${d === 'product_id' ? 'x' : 'CAST(NULL AS VARCHAR)'} AS ${quoteIdent(d)}`).join(', ');
  await wh.run(`CREATE TABLE attr_sets AS SELECT ${dims}, CAST(i AS BIGINT) AS attr_id
    FROM (VALUES ${VALUES.map((v, i) => `(${quoteLiteral(v)}, ${i + 1})`).join(', ')}) t(x, i)`);
});
afterAll(() => wh.close());

describe('foldCase', () => {
  it('folds as the server matches filters: Turkish İ to i, every sigma to σ, one character to one', () => {
    expect(foldCase('İNDİRİM')).toBe('indirim');
    expect(['ΟΔΟΣ', 'οδος', 'οδοσ'].map(foldCase)).toEqual(['οδοσ', 'οδοσ', 'οδοσ']);
    expect(foldCase('Straße')).toBe('straße');
    expect(foldCase('STRASSE')).toBe('strasse');
    // What the page grouped by before.
    expect('İNDİRİM'.toLowerCase()).not.toBe('indirim');
    expect('οδος'.toLowerCase()).not.toBe('οδοσ');
  });

  it('groups every value with exactly the values a filter by it keeps on the server', async () => {
    for (const v of VALUES) {
      const kept = await keptTuples(wh, { attributes: { product: [v] } });
      const keptValues = VALUES.filter((_, i) => kept?.[i]);
      expect(keptValues, v).toEqual(VALUES.filter((w) => foldCase(w) === foldCase(v)));
    }
  });
});
