// DuckDB's client as `npm run build` bundles it (src/warehouse/duckdb.ts made one file in place,
// src/config/bundleEntries.mjs): the only package it still loads is the native binding, and it answers a
// statement with bound values, a list among them, as the package itself does.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as pkg from '@duckdb/node-api';
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

describe('the bundled DuckDB client', () => {
  it('loads only the native binding and answers as the package does', async () => {
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
});
