// `npm run bench:database -- [--rows 2000000] [--pg postgres://postgres@127.0.0.1:5432/postgres]`: SPEC §3
// database inputs at scale. Creates a PostgreSQL database with N generated transactions (server-side), writes
// the same rows to a CSV file, then measures in separate processes (peak RSS is each one's own):
//   export   the query streamed into the temporary CSV only (readQuery.ts), at N/10 and N rows: flat memory
//            means the same peak RSS at both sizes;
//   csv      the full default run reading the CSV file;
//   database the full default run reading `{"query": "SELECT …", "connection": "env:LTV_BENCH_PG"}`;
// and prints times, rows/s, peak RSS and the ratio database / csv (goal ≤ 2×). The database is dropped after.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '2000000' }, pg: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' } } });
const rows = Number(values.rows);
const dir = join(tmpdir(), `ltv-dbbench-${randomBytes(3).toString('hex')}`);
mkdirSync(dir, { recursive: true });
const name = `ltv_bench_${randomBytes(4).toString('hex')}`;
const admin = new URL(values.pg);
const dbUrl = new URL(admin.href);
dbUrl.pathname = `/${name}`;
const asOf = '2026-03-16T15:00:00Z';
const QUERY = 'SELECT customer_id, event_time, amount, transaction_id, currency, product_id, country, store FROM tx ORDER BY n';

async function sql(url: string, text: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

const run = (mode: string, arg: string): Record<string, any> => {
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'databaseBenchRun.ts'), mode, arg, join(dir, 'reports'), asOf], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, LTV_BENCH_PG: dbUrl.href },
  });
  rmSync(join(dir, 'reports'), { recursive: true, force: true });
  return JSON.parse(out.trim().split('\n').pop()!);
};

await sql(admin.href, `CREATE DATABASE ${name}`);
try {
  let t = performance.now();
  // 2 years of subscription-like rows: 20 % of customers come back monthly; USD only (no rates file needed).
  await sql(dbUrl.href, `
    CREATE TABLE tx AS
    SELECT n, 'c' || (n % ${Math.max(1, Math.floor(rows / 5))}) AS customer_id,
           timestamptz '2024-03-16 00:00:00+00' + ((n::bigint * 7919) % 63072000) * interval '1 second' AS event_time,
           round(0.99 + (n % 5000) / 100.0, 2)::numeric(12, 2) AS amount, 't' || n AS transaction_id, 'USD'::text AS currency,
           (ARRAY['monthly', 'annual', 'weekly', 'lifetime', 'coins'])[1 + n % 5] AS product_id,
           (ARRAY['US', 'DE', 'GB', 'FR', 'JP', 'BR', 'IN', 'CA', 'AU', 'ES'])[1 + n % 10] AS country,
           (ARRAY['app_store', 'play_store'])[1 + n % 2] AS store
    FROM generate_series(1, ${rows}) AS n`);
  console.log(`created ${rows.toLocaleString('en')} rows in PostgreSQL in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  t = performance.now();
  const csvPath = join(dir, 'tx.csv');
  const c = new pg.Client({ connectionString: dbUrl.href });
  await c.connect();
  await c.query("SET TimeZone = 'UTC'");
  await pipeline(c.query(copyTo(`COPY (${QUERY}) TO STDOUT WITH (FORMAT csv, HEADER true)`)), createWriteStream(csvPath));
  await c.end();
  console.log(`wrote the same rows to ${csvPath} (${(statSync(csvPath).size / 2 ** 20).toFixed(0)} MiB) in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  const small = run('export', `${QUERY} LIMIT ${Math.floor(rows / 10)}`);
  const large = run('export', QUERY);
  const csv = run('csv', csvPath);
  const db = run('database', QUERY);
  const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  console.log(`\nexport only (query → temporary CSV): ${(rows / 10).toLocaleString('en')} rows ${s(small.ms)}, peak RSS ${small.maxRssMiB} MiB; ` +
    `${rows.toLocaleString('en')} rows ${s(large.ms)} (${Math.round(rows / (large.ms / 1000)).toLocaleString('en')} rows/s), peak RSS ${large.maxRssMiB} MiB`);
  for (const [label, r] of [['csv file', csv], ['database', db]] as const) {
    console.log(`full run from ${label}: ${s(r.ms)}, ${Math.round(rows / (r.ms / 1000)).toLocaleString('en')} rows/s, peak RSS ${r.maxRssMiB} MiB; ` +
      `ingest ${s(r.timings.ingest)}, rows read ${r.stats.rows_read}, quarantined ${r.stats.rows_quarantined}`);
  }
  console.log(`ratio database / csv: whole run ${(db.ms / csv.ms).toFixed(2)}×, ingest ${(db.timings.ingest / csv.timings.ingest).toFixed(2)}×`);
} finally {
  await sql(admin.href, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  rmSync(dir, { recursive: true, force: true });
}
