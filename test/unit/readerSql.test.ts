// STYLE: SQL whose text varies is enumerated and kept. Each reader variant of the check statement
// (src/ingest/readInputs.ts openReader × presets × mappings; src/sql/06_check_rows.sql) is run here on a real
// file, and the text put into the statement's placeholders (the rest of it is 06_check_rows.sql as it
// stands) is compared with its golden file in test/golden/check_rows/. A
// deliberate change regenerates them: `UPDATE_GOLDEN=1 npx vitest run --config test/vitest.config.ts
// test/unit/readerSql.test.ts`, and the diff is reviewed like code.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadJob } from '../../src/config/loadJob.js';
import { loadRates } from '../../src/ingest/loadRates.js';
import { readInputs } from '../../src/ingest/readInputs.js';
import { resolveInputs } from '../../src/ingest/resolveInputs.js';
import { installMacros } from '../../src/warehouse/installMacros.js';
import { Warehouse } from '../../src/warehouse/openWarehouse.js';
import { CHECKED_ROWS, checkedRowsColumns } from '../../src/warehouse/tables.js';

const GOLDEN = new URL('../golden/check_rows/', import.meta.url);
const PRESETS = new URL('../fixtures/presets/', import.meta.url);
const dir = mkdtempSync(join(tmpdir(), 'ltv-readers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CANONICAL = 'customer_id,event_time,amount,currency,transaction_id,product_id\nc1,2026-01-05T10:00:00Z,9.99,USD,t1,pro\nc2,2026-01-06T10:00:00Z,4.50,EUR,t2,basic\n';

interface Variant {
  files: Record<string, string | ((path: string, wh: Warehouse) => Promise<void>)>;
  inputs: object[];
  rates?: boolean;
  /** Rows checked_rows holds afterwards, and how many of them are bad. */
  rows: number;
  bad: number;
}

const VARIANTS: Record<string, Variant> = {
  // A plain CSV DuckDB reads itself (splitRecords.ts checkPlainCsv), with a rates file: two currencies.
  'csv-plain': { files: { 'a.csv': CANONICAL }, inputs: [{ path: 'a.csv' }], rates: true, rows: 2, bad: 0 },
  // A record with a field too many: the splitter cleans the file, and the line numbers come from it.
  'csv-split': { files: { 'a.csv': `${CANONICAL}c3,2026-01-07T10:00:00Z,1.00,USD,t3,pro,extra\n` }, inputs: [{ path: 'a.csv' }], rates: true, rows: 3, bad: 1 },
  // Tab-separated, mapped names and a time format.
  'tsv-mapped': {
    files: { 'a.tsv': 'user\twhen\tprice\nu1\t05/01/2026 10:00\t3.00\nu2\t06/01/2026 11:00\t4.00\n' },
    inputs: [{ path: 'a.tsv', map: { customer_id: 'user', event_time: 'when', amount: 'price' }, time_format: '%d/%m/%Y %H:%M' }],
    rows: 2, bad: 0,
  },
  // CDNOW's layout: whitespace-separated, YYYYMMDD dates.
  whitespace: {
    files: { 'cd.txt': 'customer_id date quantity amount\n00001 19970101 1 11.77\n00002 19970112 1 12.00\n' },
    inputs: [{ path: 'cd.txt', map: { event_time: 'date' } }], rows: 2, bad: 0,
  },
  jsonl: {
    files: { 'a.jsonl': '{"customer_id":"c1","event_time":"2026-01-05T10:00:00Z","amount":"9.99"}\nnot json\n{"customer_id":"c2","event_time":"2026-01-06T10:00:00Z","amount":2}\n' },
    inputs: [{ path: 'a.jsonl' }], rows: 3, bad: 1,
  },
  parquet: {
    files: {
      'a.parquet': async (path, wh) => {
        await wh.run(`COPY (SELECT 'c1' AS customer_id, TIMESTAMPTZ '2026-01-05 10:00:00+00' AS event_time, 9.99::DECIMAL(10,2) AS amount) TO '${path}' (FORMAT parquet)`);
      },
    },
    inputs: [{ path: 'a.parquet' }], rows: 1, bad: 0,
  },
  // A column preset (Stripe's Dashboard export) and a row preset (Paddle: transactions and adjustments).
  'preset-stripe': { files: { 's.csv': readFileSync(new URL('stripe_unified_payments.csv', PRESETS), 'utf8') }, inputs: [{ path: 's.csv', preset: 'stripe' }], rates: true, rows: -1, bad: -1 },
  // Row presets that make one payment of several export rows: Adapty's event export, Shopify's orders.
  'preset-adapty': { files: { 'a.csv': readFileSync(new URL('adapty_events.csv', PRESETS), 'utf8') }, inputs: [{ path: 'a.csv', preset: 'adapty' }], rates: true, rows: -1, bad: -1 },
  'preset-shopify': { files: { 'o.csv': readFileSync(new URL('shopify_orders_export.csv', PRESETS), 'utf8') }, inputs: [{ path: 'o.csv', preset: 'shopify' }], rates: true, rows: -1, bad: -1 },
  'preset-paddle': {
    files: { 'p.csv': readFileSync(new URL('paddle_transactions.csv', PRESETS), 'utf8') },
    inputs: [{ path: 'p.csv', preset: 'paddle' }], rates: true, rows: -1, bad: -1,
  },
};

async function statementsOf(name: string, v: Variant): Promise<{ sql: Record<string, string>[]; rows: number; bad: number; columns: [string, string][]; stored: string[] }> {
  const at = join(dir, name);
  rmSync(at, { recursive: true, force: true });
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(at, 'scratch'), { recursive: true });
  const wh = await Warehouse.open({ timezone: 'UTC' });
  try {
    for (const [file, content] of Object.entries(v.files)) {
      if (typeof content === 'string') writeFileSync(join(at, file), content);
      else await content(join(at, file), wh);
    }
    if (v.rates) writeFileSync(join(at, 'rates.csv'), readFileSync(new URL('rates.csv', PRESETS), 'utf8'));
    writeFileSync(join(at, 'job.json'), JSON.stringify({ inputs: v.inputs, ...(v.rates ? { rates: 'rates.csv' } : {}) }));
    const job = await loadJob(join(at, 'job.json'));
    await installMacros(wh, job.timezone);
    await loadRates(wh, job.rates, job.baseDir);
    const files = await resolveInputs(job, wh, 'job.json');
    const read = await readInputs(wh, files, { currency: job.currency, tenant: job.tenant, scratchDir: join(at, 'scratch'), asOf: '2026-03-16T15:00:00Z' });
    const [counts] = await wh.all<{ rows: number; bad: number }>('SELECT count(*)::INTEGER AS rows, count(reason)::INTEGER AS bad FROM checked_rows');
    const columns = (await wh.all<{ column_name: string; column_type: string }>(`SELECT column_name, column_type FROM (DESCRIBE ${CHECKED_ROWS.name})`))
      .map((c): [string, string] => [c.column_name, c.column_type]);
    const stored = CHECKED_ROWS.optional.map(([c]) => c).filter((c) => read.columns.stored(c));
    return { sql: read.statements, rows: counts!.rows, bad: counts!.bad, columns, stored };
  } finally {
    wh.close();
  }
}

describe('check statement per reader variant (golden files)', () => {
  for (const [name, v] of Object.entries(VARIANTS)) {
    it(name, async () => {
      const got = await statementsOf(name, v);
      if (v.rows >= 0) expect({ rows: got.rows, bad: got.bad }).toEqual({ rows: v.rows, bad: v.bad });
      else expect(got.rows).toBeGreaterThan(0);
      // The table is what tables.ts declares for the columns these inputs store.
      expect(got.columns).toEqual(checkedRowsColumns(got.stored).map(([c, t]) => [c, t]));
      const text = got.sql.map((ids, i) => Object.entries(ids).map(([k, t]) => `-- file ${i}: {{${k}}}\n${t.trim()}\n`).join('')).join('\n');
      const golden = new URL(`${name}.sql`, GOLDEN);
      if (process.env.UPDATE_GOLDEN === '1' || !existsSync(golden)) {
        if (process.env.CI) throw new Error(`golden file ${golden.pathname} is missing: regenerate with UPDATE_GOLDEN=1 and commit it`);
        writeFileSync(golden, text);
      }
      expect(text).toBe(readFileSync(golden, 'utf8'));
    });
  }
});
