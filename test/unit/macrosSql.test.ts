// STYLE: SQL whose text varies is enumerated and kept. 02_macros.sql has two variants: UTC (local time is
// the instant's own clock, no time zone library call per row) and any other zone (the session zone's
// cast, and a test against the zone's transition days, which DuckDB lists: 01_transition_days.sql). What
// each puts into the placeholders (src/warehouse/loadSql.ts macroIdentifiers) is compared with its golden
// file in test/golden/macros/; regenerate with `UPDATE_GOLDEN=1 npx vitest run --config
// test/vitest.config.ts test/unit/macrosSql.test.ts` and review the diff. The macros' behaviour is tested
// by value in dstInstants, ltvRules and textMacros.
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { macroIdentifiers, macrosSql } from '../../src/warehouse/loadSql.js';

const GOLDEN = new URL('../golden/macros/', import.meta.url);
// Two transition days (UTC day numbers; e.g. 2026-03-29 and 2026-10-25 in Europe/Berlin), as 01_transition_days.sql lists them.
const VARIANTS = { utc: ['UTC', []], zone: ['Europe/Berlin', [20541, 20542, 20751, 20752]] } as const;

describe('the macros’ variants', () => {
  for (const [name, [zone, days]] of Object.entries(VARIANTS)) {
    it(`${name}: what it puts into 02_macros.sql is its golden file's`, () => {
      expect(macrosSql(zone, days)).not.toMatch(/\{\{/);
      const text = Object.entries(macroIdentifiers(zone, days)).map(([k, t]) => `{{${k}}}: ${t}\n`).join('');
      const file = new URL(`${name}.txt`, GOLDEN);
      if (process.env.UPDATE_GOLDEN) writeFileSync(file, text);
      expect(text).toBe(readFileSync(file, 'utf8'));
    });
  }

  it('every spelling of UTC takes the UTC variant, and any other zone the other', () => {
    for (const z of ['UTC', 'utc', 'Etc/UTC', 'GMT']) expect(macroIdentifiers(z)).toEqual(macroIdentifiers('UTC'));
    expect(macroIdentifiers('America/New_York').near).toMatch(/list_contains\(\[\]::BIGINT\[\]/);
  });
});
