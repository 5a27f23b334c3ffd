// A file whose name holds a glob character ("orders[1].csv": a download's copy number) is read by its name
// when the glob matches nothing: it was "no file matches" for a file that is there.
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { csv, makeFixture, runJob } from '../helpers/runFixture.js';

const HEADER = 'customer_id,event_time,amount';
const jsonl = (c: string, amount: number): string => `${JSON.stringify({ customer_id: c, event_time: '2026-01-10T10:00:00Z', amount })}\n`;

describe('input names', () => {
  it('reads "orders[1].csv" as named, and a glob still as a glob', async ({ expect }) => {
    const fx = await makeFixture({
      'orders[1].csv': csv('customer_id,event_time,amount', [['a', '2026-01-10T10:00:00Z', '10'], ['b', '2026-01-11T10:00:00Z', '30']]),
      'x/e1.csv': csv('customer_id,event_time,amount', [['c', '2026-01-12T10:00:00Z', '5']]),
      'x/e2.csv': csv('customer_id,event_time,amount', [['d', '2026-01-13T10:00:00Z', '7']]),
    });
    try {
      const job = { formats: ['json' as const], forecast: { model: 'off' as const } };
      const named = await runJob(fx, { ...job, inputs: [{ path: 'orders[1].csv' }] }, '2026-02-01T00:00:00Z');
      // 10 + 30 from the file of that name.
      expect([named.stats.rows_read, named.tenants[0]!.summary.revenue]).toEqual([2, 40]);
      // x/e[12].csv matches e1.csv and e2.csv: 5 + 7.
      const globbed = await runJob(fx, { ...job, inputs: [{ path: 'x/e[12].csv' }] }, '2026-02-01T00:00:00Z');
      expect([globbed.stats.rows_read, globbed.tenants[0]!.summary.revenue]).toEqual([2, 12]);
      // A glob that matches nothing and names no file is still "no file matches".
      await expect(runJob(fx, { ...job, inputs: [{ path: 'orders[2].csv' }] }, '2026-02-01T00:00:00Z'))
        .rejects.toThrow(`--input: no file matches "orders[2].csv" (looked in ${fx.dir})`);
    } finally {
      await fx.cleanup();
    }
  });

  // A file the glob found is read as that one file: DuckDB's readers take a path as a glob of their own, and
  // "x*.csv" read as a glob was "x*.csv" and "xb.csv" again (3 rows where there are 2; README "Input rules").
  it.each([
    ['a csv file', 'x*.csv', 'xb.csv', 'x*.csv', (c: string, a: number) => csv(HEADER, [[c, '2026-01-10T10:00:00Z', String(a)]])],
    ['a tsv file', 'x*.tsv', 'xb.tsv', 'x*.tsv', (c: string, a: number) => csv(HEADER, [[c, '2026-01-10T10:00:00Z', String(a)]]).replaceAll(',', '\t')],
    ['a gzip csv file', 'x*.csv.gz', 'xb.csv.gz', 'x*.csv.gz', (c: string, a: number) => gzipSync(csv(HEADER, [[c, '2026-01-10T10:00:00Z', String(a)]]))],
    ['a json lines file', 'x*.jsonl', 'xb.jsonl', 'x*.jsonl', jsonl],
    ['a name with ?', 'z?.csv', 'zq.csv', 'z*.csv', (c: string, a: number) => csv(HEADER, [[c, '2026-01-10T10:00:00Z', String(a)]])],
    ['a name with [', 'y[b].csv', 'yb.csv', 'y*.csv', (c: string, a: number) => csv(HEADER, [[c, '2026-01-10T10:00:00Z', String(a)]])],
    ['a folder with [', 'g[1]/x.csv', 'g1/x.csv', 'g*/x.csv', (c: string, a: number) => csv(HEADER, [[c, '2026-01-10T10:00:00Z', String(a)]])],
  ])('reads %s as that one file, not as a glob again', async (_name, odd, plain, glob, content) => {
    const fx = await makeFixture({ [odd]: content('c1', 10), [plain]: content('c2', 20) });
    try {
      const result = await runJob(fx, { inputs: [{ path: glob }], formats: ['json'], forecast: { model: 'off' } }, '2026-02-01T00:00:00Z');
      // c1's 10 and c2's 20, each once.
      expect([result.stats.rows_read, result.tenants[0]!.summary.revenue]).toEqual([2, 30]);
    } finally {
      await fx.cleanup();
    }
  });

  it('reads a Parquet file named "x*.parquet" as that one file', async () => {
    const fx = await makeFixture({});
    try {
      const db = await (await DuckDBInstance.create(':memory:')).connect();
      for (const [name, c, a] of [['x*.parquet', 'c1', 10], ['xb.parquet', 'c2', 20]] as const) {
        await db.run(`COPY (SELECT '${c}' AS customer_id, TIMESTAMPTZ '2026-01-10 10:00:00Z' AS event_time, ${a}::DOUBLE AS amount) TO '${join(fx.dir, name)}' (FORMAT parquet)`);
      }
      db.closeSync();
      const result = await runJob(fx, { inputs: [{ path: 'x*.parquet' }], formats: ['json'], forecast: { model: 'off' } }, '2026-02-01T00:00:00Z');
      expect([result.stats.rows_read, result.tenants[0]!.summary.revenue]).toEqual([2, 30]);
    } finally {
      await fx.cleanup();
    }
  });

  // DuckDB's glob splits a path at a backslash, and no pattern names such a file: refused, not read as another.
  it('refuses a file whose name holds a backslash and a glob character, naming it', async () => {
    const fx = await makeFixture({ 'b\\[x].csv': csv(HEADER, [['c1', '2026-01-10T10:00:00Z', '10']]) });
    try {
      await expect(runJob(fx, { inputs: [{ path: 'b*.csv' }], formats: ['json'], forecast: { model: 'off' } }, '2026-02-01T00:00:00Z'))
        .rejects.toThrow(`${join(fx.dir, 'b\\[x].csv')}: DuckDB cannot read a file whose path holds both a backslash and one of * ? [ (it takes the path as a glob): rename the file or its folder`);
    } finally {
      await fx.cleanup();
    }
  });
});
