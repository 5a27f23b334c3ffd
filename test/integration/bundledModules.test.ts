// The packages `npm run build` bundles into one file in place (src/config/bundleEntries.mjs), bundled here
// with the build's options: DuckDB's client (src/warehouse/duckdb.ts), whose only package left is the
// native binding, answers a statement with bound values, a list among them, as the package itself does;
// zod (src/config/zod.ts), with no package left, parses and refuses as the package does.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as pkg from '@duckdb/node-api';
import { z as pkgZ } from 'zod';
import { describe, expect, it } from 'vitest';
import { bundleEntry } from '../helpers/bundleEntry.js';

type Client = Pick<typeof pkg, 'DuckDBInstance' | 'listValue'>;

const SQL = `SELECT list_sum($l) AS total, len($names) AS n, $names[2] AS second, CAST($d AS DATE) + 1 AS next_day,
  (SELECT string_agg(x::VARCHAR, '|' ORDER BY x) FROM unnest($l) t(x)) AS joined`;

async function answer(client: Client): Promise<unknown> {
  const instance = await client.DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(SQL, {
      l: client.listValue([3, 1, 2]), names: client.listValue(['a', 'b;\'c']), d: '2026-02-28',
    } as never);
    return reader.getRowObjectsJson();
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('the bundled packages', () => {
  it('DuckDB\'s client loads only the native binding and answers as the package does', async () => {
    // Beside node_modules, where the bundle's require finds @duckdb/node-bindings, as in dist/.
    const cache = fileURLToPath(new URL('../../node_modules/.cache/', import.meta.url));
    mkdirSync(cache, { recursive: true });
    const dir = mkdtempSync(join(cache, 'ltv-duckdb-bundle-'));
    try {
      const { file, packages } = await bundleEntry('warehouse/duckdb.js', dir);
      expect(packages).toEqual(['@duckdb/node-bindings']);
      const bundled = (await import(pathToFileURL(file).href)) as Client;
      expect(bundled.DuckDBInstance).not.toBe(pkg.DuckDBInstance);
      const expected = await answer(pkg);
      expect(expected).toEqual([{ total: '6', n: '2', second: 'b;\'c', next_day: '2026-03-01', joined: '1|2|3' }]);
      expect(await answer(bundled)).toEqual(expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('zod loads no package and parses, and refuses, as the package does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ltv-zod-bundle-'));
    try {
      const { file, packages } = await bundleEntry('config/zod.js', dir);
      expect(packages).toEqual([]);
      const { z } = (await import(pathToFileURL(file).href)) as { z: typeof pkgZ };
      expect(z).not.toBe(pkgZ);
      const schemaOf = (zz: typeof pkgZ) => zz.strictObject({
        tenant: zz.string().min(1), retention: zz.number().int().positive().default(30),
        formats: zz.array(zz.enum(['json', 'csv', 'xlsx'])).optional(),
      });
      const inputs: unknown[] = [{ tenant: 'acme' }, { tenant: 'acme', retention: 0 }, { tenant: '', formats: ['pdf'] }, { tenant: 'a', extra: 1 }];
      for (const input of inputs) {
        const [mine, theirs] = [schemaOf(z).safeParse(input), schemaOf(pkgZ).safeParse(input)];
        expect(mine.success).toBe(theirs.success);
        expect(JSON.stringify(mine.success ? mine.data : mine.error.issues)).toBe(JSON.stringify(theirs.success ? theirs.data : theirs.error.issues));
      }
      expect(schemaOf(z).safeParse({ tenant: 'acme' })).toEqual({ success: true, data: { tenant: 'acme', retention: 30 } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
