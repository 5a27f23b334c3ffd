// 23_matrix.sql computes attribute segmentations from a bound list of kinds over a fixed long form of the
// attribute tuples (attr_long): its two lists, kinds and the columns they read, must be model.ts's.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ATTRIBUTE_KIND_COLUMNS, ATTRIBUTE_KINDS } from '../../src/ltv/computeMatrix.js';
import { FILTER_COLUMNS, SEGMENT_COLUMNS, SEGMENTATIONS, TIME_SEGMENTATIONS } from '../../src/ltv/model.js';

const sql = readFileSync(new URL('../../src/sql/23_matrix.sql', import.meta.url), 'utf8');

describe('the matrix statement’s attribute kinds', () => {
  it('lists every attribute segmentation once (store_product_id reads product), each with its column', () => {
    const attribute = SEGMENTATIONS.filter((s) => s !== 'cohort' && !(TIME_SEGMENTATIONS as readonly string[]).includes(s) && s !== 'store_product_id');
    expect([...ATTRIBUTE_KINDS].sort()).toEqual([...attribute].sort());
    expect(ATTRIBUTE_KIND_COLUMNS).toEqual(ATTRIBUTE_KINDS.map((k) => SEGMENT_COLUMNS[k]));
    expect(SEGMENT_COLUMNS.store_product_id).toBe(SEGMENT_COLUMNS.product);
  });

  it('unnests exactly those kinds and columns, in the same order', () => {
    const [kinds, columns] = [...sql.matchAll(/unnest\(\[([^\]]*)\]\)/g)].map((m) => m[1]!.split(',').map((s) => s.trim()));
    expect(kinds).toEqual(ATTRIBUTE_KINDS.map((k) => `'${k}'`));
    expect(columns).toEqual(ATTRIBUTE_KIND_COLUMNS);
  });

  it('is fixed text: no placeholder; the attribute filters (31_attr_kept.sql) read every filter column by name', () => {
    const body = sql.split('\n').filter((l) => !l.trimStart().startsWith('--')).join('\n');
    expect(body).not.toMatch(/\{\{/);
    const kept = readFileSync(new URL('../../src/sql/31_attr_kept.sql', import.meta.url), 'utf8');
    const named = [...kept.matchAll(/WHEN '(\w+)' THEN a\.(\w+)/g)].map((m) => [m[1], m[2]]);
    expect(named.every(([name, column]) => name === column)).toBe(true);
    expect(named.map(([name]) => name).sort()).toEqual([...new Set(Object.values(FILTER_COLUMNS))].sort());
  });

  it('the explorer’s attribute values (30_attribute_values.sql) read every filter column', () => {
    const values = readFileSync(new URL('../../src/sql/30_attribute_values.sql', import.meta.url), 'utf8');
    const list = /FOR name IN \(([^)]*)\)/.exec(values)![1]!.split(',').map((c) => c.trim());
    expect([...list].sort()).toEqual([...new Set(Object.values(FILTER_COLUMNS))].sort());
  });
});
