// SPEC §9 intervals: a predicted cell's proceeds and net revenue are its realized ones plus the expected
// future revenue × the cohort's realized proceeds (net) ÷ revenue (src/forecast/README.md). A negative ratio
// (a fee or tax above the charge) turns the revenue's low replicate into the high proceeds: the bounds must
// still come out ordered, lower ≤ value ≤ upper, in every output, and the value stays what it was.
//
// Two tenants of the subscription fixture (subscriptionFixture.ts: 3 monthly cohorts × 40 customers, sBG
// pooled), each payment 0.50: "fee" with proceeds −0.30 and net −0.40 (ratios −0.6, −0.8), "tax" with
// proceeds 0.45 and net −0.10 (0.9, −0.2). Every payment has the same ratios, so each cohort's realized
// proceeds (net) are exactly ratio × its realized revenue, and so is every predicted cell, bounds included:
// value(p) = ratio × value(revenue); with a negative ratio lower(p) = ratio × upper(revenue) and
// upper(p) = ratio × lower(revenue) (to the cent: each side rounded once).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ForecastRow, PredictedCell, TenantReport } from '../../src/ltv/model.js';
import { httpRequest } from '../helpers/httpRequest.js';
import { parseCsv } from '../helpers/parseCsv.js';
import { csv, makeFixture, readLatest, runJob, type Fixture } from '../helpers/runFixture.js';
import { startServer, type TestServer } from '../helpers/startServer.js';
import { subs, T, type Sub } from '../helpers/subscriptionFixture.js';

const TYPES = ['revenue', 'proceeds', 'net_revenue'] as const;
type Type = (typeof TYPES)[number];
const RATIOS: Record<string, Record<Type, number>> = {
  fee: { revenue: 1, proceeds: -0.6, net_revenue: -0.8 },
  tax: { revenue: 1, proceeds: 0.9, net_revenue: -0.2 },
};
const MONEY: Record<string, [string, string]> = { fee: ['-0.30', '-0.40'], tax: ['0.45', '-0.10'] };
const KEYS: Record<string, string> = { fee: 'ltv_interval_order_fee_key_01', tax: 'ltv_interval_order_tax_key_01' };
const countryOf = (s: Sub): string => (s.k % 2 === 0 ? 'US' : 'DE');

type Predicted = { period: number; value: number; lower: number; upper: number };
type Body = Record<Type, { data: { title: string; type: string; predicted_values: Predicted[] }[] }>;

/** Half a cent of each rounding, ratio × a rounded revenue and the rounded proceeds. */
const close = (actual: number, expected: number, ratio: number): void => {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(0.005 * (1 + Math.abs(ratio)) + 1e-9);
};

describe('forecast intervals with a negative proceeds or net ratio', () => {
  let fx: Fixture;
  let server: TestServer;
  const reports: Record<string, TenantReport> = {};
  let csvRows: string[][];

  beforeAll(async () => {
    let n = 0;
    const rows = Object.entries(MONEY).flatMap(([tenant, [proceeds, net]]) => subs.flatMap((s, i) => s.payments.map((t, j) => [
      tenant, `c${i}`, new Date(t).toISOString(), '0.50', proceeds, net, `t${n++}`, j, 'm', 'Monthly', countryOf(s),
    ])));
    fx = await makeFixture({ 'tx.csv': csv('tenant_id,customer_id,event_time,amount,proceeds,net_revenue,transaction_id,renewal_number,product_id,duration,country', rows) });
    await runJob(fx, { inputs: [{ path: 'tx.csv' }], formats: ['json', 'csv'], forecast: { model: 'auto', replicates: 20, horizon_months: 12 } }, new Date(T).toISOString());
    for (const tenant of Object.keys(MONEY)) reports[tenant] = (await readLatest(fx, tenant)).report;
    // One header (the tenants' files have the same), then both tenants' lines.
    csvRows = [];
    for (const tenant of Object.keys(MONEY)) {
      const [head, ...lines] = parseCsv(await readFile(join(fx.reportsDir, tenant, 'latest', 'ltv.csv'), 'utf8')).filter((r) => r.length > 1);
      if (csvRows.length === 0) csvRows.push(head!);
      csvRows.push(...lines);
    }
    server = await startServer({ reportsDir: fx.reportsDir, keys: Object.entries(KEYS).map(([tenant, key]) => ({ key, tenants: [tenant] })) });
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
    await fx?.cleanup();
  });

  /** Every cell's bounds ordered, and its values and bounds those of its revenue × the tenant's ratios. */
  const checkCell = (tenant: string, where: string, c: PredictedCell): void => {
    for (const t of TYPES) {
      expect(c.lower[t], `${where} ${t} lower ≤ value`).toBeLessThanOrEqual(c[t]);
      expect(c[t], `${where} ${t} value ≤ upper`).toBeLessThanOrEqual(c.upper[t]);
      const k = RATIOS[tenant]![t];
      close(c[t], k * c.revenue, k);
      close(c.lower[t], k * (k < 0 ? c.upper : c.lower).revenue, k);
      close(c.upper[t], k * (k < 0 ? c.lower : c.upper).revenue, k);
    }
  };

  it('ltv.json and data/forecast.json: lower ≤ value ≤ upper for every predicted cell and type, values unchanged', async () => {
    for (const tenant of Object.keys(MONEY)) {
      const f = reports[tenant]!.forecast!;
      expect(f.model, tenant).toBe('sbg');
      const published = JSON.parse(await readFile(join(fx.reportsDir, tenant, 'latest', 'data', 'forecast.json'), 'utf8')) as { rows: ForecastRow[] };
      for (const rows of [f.rows, published.rows]) {
        const cells = rows.flatMap((r) => r.cells.map((c) => [`${tenant} ${r.title} month ${c.period}`, c] as const));
        expect(cells.length, tenant).toBeGreaterThan(20);
        // The replicates do spread: an interval of width 0 would order itself.
        expect(cells.some(([, c]) => c.upper.revenue - c.lower.revenue >= 0.02), tenant).toBe(true);
        for (const [where, c] of cells) checkCell(tenant, where, c);
      }
    }
  });

  it('ltv.csv: every predicted row has lower ≤ value ≤ upper', () => {
    const head = csvRows[0]!;
    const col = (name: string): number => head.indexOf(name);
    const predicted = csvRows.slice(1).filter((r) => r[col('state')] === 'predicted');
    expect(new Set(predicted.map((r) => `${r[col('tenant')]} ${r[col('accounting_type')]}`)).size).toBe(6);
    for (const r of predicted) {
      const [value, lower, upper] = ['value', 'lower', 'upper'].map((c) => Number(r[col(c)]));
      expect(lower, r.join(',')).toBeLessThanOrEqual(value!);
      expect(value, r.join(',')).toBeLessThanOrEqual(upper!);
    }
  });

  it('the endpoint\'s prediction_months, whole and filtered: lower ≤ value ≤ upper', async () => {
    for (const [tenant, key] of Object.entries(KEYS)) {
      for (const filters of [{ date: ['2026-01-01', '2026-12-31'] }, { date: ['2026-01-01', '2026-12-31'], country: ['US'] }]) {
        const r = await httpRequest(server.port, '/api/v1/client-api/metrics/ltv/', {
          method: 'POST', headers: { authorization: `Api-Key ${key}` }, body: JSON.stringify({ filters, period_type: 'days', prediction_months: 12 }),
        });
        expect(r.status, r.text).toBe(200);
        const body = r.json() as Body;
        const revenue = new Map(body.revenue.data.map((row) => [row.title, new Map(row.predicted_values.map((p) => [p.period, p]))]));
        let seen = 0;
        for (const t of TYPES) {
          const k = RATIOS[tenant]![t];
          for (const row of body[t].data) {
            for (const p of row.predicted_values) {
              const where = `${tenant} ${JSON.stringify(filters)} ${t} ${row.title} period ${p.period}`;
              expect(p.lower, where).toBeLessThanOrEqual(p.value);
              expect(p.value, where).toBeLessThanOrEqual(p.upper);
              const rev = revenue.get(row.title)!.get(p.period)!;
              close(p.value, k * rev.value, k);
              close(p.lower, k * (k < 0 ? rev.upper : rev.lower), k);
              seen++;
            }
          }
        }
        expect(seen, `${tenant} ${JSON.stringify(filters)}`).toBeGreaterThan(30);
      }
    }
  });
});
