// The endpoint's answers (SPEC §6) against the independent oracle (test/helpers/ltvOracle.ts: row by row,
// exact rationals, nothing of src/ltv or src/sql). Random multi-tenant runs whose rows carry every dimension,
// varying between a customer's payments, refunds, zero, sandbox and duplicate rows (only the first payment's
// count, SPEC §2), or (every other run) only product_id and country, are published into a real `ltv serve` (the server factory on an ephemeral port); then many
// random Adapty requests (date ranges that cut a cohort unit, match one day or nobody; filters on one or more
// keys, `unknown`, other spellings, values nobody has, empty lists; every period type, unit and segmentation,
// json and csv) and every Zenovay range × granularity are compared with the oracle's answer, every row and
// cell of all three accounting types to the cent.
import { describe, expect, it } from 'vitest';
import { adaptyData, FILTER_DIMS, Oracle, type Dim, type OQuery, type OSegmentation, type ORowOut } from '../helpers/ltvOracle.js';
import { oracleRun, pad, rng, UNITS } from '../helpers/oracleData.js';
import { httpRequest } from '../helpers/httpRequest.js';
import { makeFixture, runJob } from '../helpers/runFixture.js';
import { startServer } from '../helpers/startServer.js';

const SEED = Number(process.env.ORACLE_SERVE_SEED ?? 20261204);
// ~15 s on 2 cores (most of it the engine: each run publishes 140 Adapty snapshots a tenant, each computed
// request costs it ~50 ms). ORACLE_SERVE_RUNS=12 searches further (every zone and kind of T, ~2 min idle);
// ORACLE_SERVE_SEED elsewhere.
const RUNS = Number(process.env.ORACLE_SERVE_RUNS ?? 2);
const TENANTS_PER_RUN = 4;
const REQUESTS_PER_TENANT = 20;
const KEY = 'ltv_serve_oracle_key_000001';
const ADAPTY = '/api/v1/client-api/metrics/ltv/';
const TYPES = ['revenue', 'proceeds', 'net_revenue'] as const;
const SEGMENTATIONS: OSegmentation[] = ['cohort', 'cohort', 'day', 'week', 'month', 'year', 'country', 'product', 'store_product_id', 'paywall', 'paywalls_group', 'audience', 'placement', 'duration', 'store'];
const FILTER_KEYS = Object.keys(FILTER_DIMS) as (keyof typeof FILTER_DIMS)[];
const RANGES = ['24h', '7d', '30d', '90d', '180d', '365d', 'all'];

interface Request { query: OQuery; body: Record<string, unknown>; format: 'json' | 'csv'; states: boolean }

const DAY = 86_400_000;
const shift = (date: string, days: number): string => new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);

/** A random request over a tenant's customers, edge-heavy. */
function randomRequest(r: () => number, oracle: Oracle): Request {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const int = (lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
  const days = oracle.customers.map((c) => c.day).sort();
  const someDay = (): string => pick(days);
  let date: [string, string];
  const roll = r();
  const [first, last] = [days[0]!, days[days.length - 1]!];
  if (roll < 0.2) date = ['2020-01-01', '2030-12-31']; // every customer (the snapshot, without attribute filters)
  else if (roll < 0.3) date = [first, last]; // exactly the first payments' span (the snapshot too)
  else if (roll < 0.38) date = pick([[shift(first, 1), last], [first, shift(last, -1)]] as [string, string][]); // all but the first or last local day
  else if (roll < 0.5) { const d = someDay(); date = [d, d]; } // one local day
  else if (roll < 0.55) date = pick([['2019-01-01', '2019-12-31'], [shift(last, 1), '2030-01-01']] as [string, string][]); // nobody
  else if (roll < 0.75) {
    // from the middle of a customer's month or week to the middle of another's: cuts cohort units in half
    const [a, b] = [someDay(), someDay()].sort() as [string, string];
    date = [shift(a, pick([0, 1, -1, -int(2, 20)])), shift(b, pick([0, -1, 1, int(2, 20)]))];
  } else {
    // half a month or a week around a customer's first day
    const d = someDay();
    date = pick([[`${d.slice(0, 8)}15`, shift(d, int(0, 60))], [shift(d, -int(0, 6)), d], [d.slice(0, 8) + '01', d]] as [string, string][]);
  }
  if (date[0] > date[1]) date = [date[1], date[0]];
  const filters: Partial<Record<keyof typeof FILTER_DIMS, string[]>> = {};
  const count = pick([0, 0, 1, 1, 1, 2, 3]);
  for (let i = 0; i < count; i++) {
    const key = pick(FILTER_KEYS);
    const dim: Dim = FILTER_DIMS[key];
    const n = pick([1, 1, 2, 0]);
    const values: string[] = [];
    for (let j = 0; j < n; j++) {
      const have = pick(oracle.customers).attrs[dim];
      values.push(pick([have, have, have, have.toUpperCase(), have.toLowerCase(), 'unknown', 'UNKNOWN', 'zz']));
    }
    filters[key] = [...(filters[key] ?? []), ...values];
  }
  const segmentation = pick(SEGMENTATIONS);
  // day × day over a year is ~130,000 cells a row: kept for the shorter units' segmentations
  const period_unit = pick(UNITS);
  const period_type = pick(['days', 'renewals'] as const);
  const format = r() < 0.15 ? 'csv' : 'json';
  const body: Record<string, unknown> = {
    filters: { date, ...filters, ...(r() < 0.1 ? { compare_date: ['2025-01-01', '2025-02-01'] } : {}) },
    ...(period_unit !== 'month' || r() < 0.5 ? { period_unit } : {}),
    ...(period_type !== 'renewals' || r() < 0.5 ? { period_type } : {}),
    ...(segmentation !== 'cohort' ? { segmentation } : r() < 0.3 ? { segmentation: null } : {}),
    ...(format === 'csv' || r() < 0.2 ? { format } : {}),
  };
  return { query: { period_type, period_unit, segmentation, date, filters }, body, format, states: format === 'json' && r() < 0.25 };
}

/** Adapty's csv (SPEC §6) of the oracle's rows: `accounting_type,title,type,cohort_size,period_0,…`, CRLF; a title
 *  a spreadsheet would run as a formula starts with ' (SPEC §5). No title here needs quotes. */
function expectedCsv(rows: ORowOut[]): string {
  const max = Math.max(-1, ...rows.flatMap((row) => row.cells.map((c) => c.period)));
  const lines = [['accounting_type', 'title', 'type', 'cohort_size', ...Array.from({ length: max + 1 }, (_, k) => `period_${k}`)].join(',')];
  for (const t of TYPES) {
    for (const row of rows) {
      const cells = new Array<string>(max + 1).fill('');
      for (const c of row.cells) cells[c.period] = String(c[t]);
      lines.push([t, /^[=+\-@\t\r\n]/.test(row.title) ? `'${row.title}` : row.title, row.type, String(row.customers), ...cells].join(','));
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** A row's partial periods as the explorer's states route gives them: [from, to] ranges. */
function partialRanges(row: ORowOut): [number, number][] {
  const out: [number, number][] = [];
  for (const c of row.cells) {
    if (c.state !== 'partial') continue;
    const last = out[out.length - 1];
    if (last && last[1] + 1 === c.period) last[1] = c.period;
    else out.push([c.period, c.period]);
  }
  return out;
}

/** The oracle's customers behind each cell of a row, as the states route's runs [from, to, customers]. */
function customerRuns(row: ORowOut): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (const c of row.cells) {
    const last = out[out.length - 1];
    if (last && last[1] + 1 === c.period && last[2] === c.customers) last[1] = c.period;
    else out.push([c.period, c.period, c.customers]);
  }
  return out;
}

interface Mismatch { tenant: string; request: unknown; oracle: unknown; engine: unknown }

describe('the endpoint\'s filtered and segmented answers against the oracle (SPEC §4, §6)', () => {
  let requests = 0;
  let filtered = 0;
  let empty = 0;
  for (let run = 0; run < RUNS; run++) {
    it(`run ${run}: ${TENANTS_PER_RUN} random tenants, ${REQUESTS_PER_TENANT} Adapty requests each and every Zenovay range`, async () => {
      const tenants = Array.from({ length: TENANTS_PER_RUN }, (_, i) => `t${pad(i, 3)}`);
      // Odd runs: inputs with product_id and country only (every other dimension is missing: `unknown`).
      const { cfg, job, rows, files } = oracleRun(SEED, run, tenants, { attributes: run % 2 === 0 });
      const fx = await makeFixture(files);
      const s = await startServer({ keys: [{ key: KEY, tenants, requests_per_minute: 1_000_000 }] });
      const mismatches: Mismatch[] = [];
      try {
        await runJob({ ...fx, reportsDir: s.reportsDir }, {
          inputs: [{ path: 'a.csv' }, { path: 'b.csv' }], rates: 'rates.csv', timezone: cfg.zone, currency: cfg.currency,
          matrices: [{ period_type: 'days', period_unit: 'month', segmentation: 'cohort' }], formats: ['json'], forecast: { model: 'off' }, max_bad_row_share: 0,
        }, new Date(cfg.asOf).toISOString());
        const r = rng(SEED * 7 + run);
        for (const tenant of tenants) {
          const oracle = new Oracle(rows.filter((x) => x.tenant === tenant), job);
          if (oracle.customers.length === 0) continue; // a tenant without a customer publishes nothing to ask
          const asked = Array.from({ length: REQUESTS_PER_TENANT }, () => randomRequest(r, oracle));
          // A few at a time: the server's query lanes work in parallel.
          for (let at = 0; at < asked.length; at += 4) {
            await Promise.all(asked.slice(at, at + 4).map(async (req) => {
              const res = await httpRequest(s.port, ADAPTY, {
                method: 'POST', headers: { authorization: `Api-Key ${KEY}`, 'content-type': 'application/json', 'x-ltv-tenant': tenant }, body: JSON.stringify(req.body),
              });
              requests++;
              const want = oracle.query(req.query);
              if (want[0]!.customers === 0) empty++;
              if (Object.values(req.query.filters ?? {}).some((v) => v.length > 0)) filtered++;
              if (res.status !== 200) {
                mismatches.push({ tenant, request: req.body, oracle: 'status 200', engine: `${res.status} ${res.text}` });
                return;
              }
              if (req.format === 'csv') {
                const csv = expectedCsv(want);
                if (res.text !== csv) mismatches.push({ tenant, request: req.body, oracle: csv, engine: res.text });
                return;
              }
              if (req.states) {
                // The explorer's states of the same request (SPEC §10: the partial cells Adapty's body cannot mark).
                const st = await httpRequest(s.port, `/api/v1/explorer/tenants/${tenant}/runs/latest/states`, {
                  method: 'POST', headers: { authorization: `Api-Key ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(req.body),
                });
                const expected = JSON.stringify({ rows: want.filter((row) => row.customers > 0).map((row) => ({ type: row.type, title: row.title, partial: partialRanges(row), customers: customerRuns(row) })) });
                if (st.status !== 200 || st.text !== expected) mismatches.push({ tenant, request: { states: req.body }, oracle: expected, engine: `${st.status} ${st.text}` });
              }
              const body = res.json() as Record<string, { title: string; unit: string; value: number | null; data: unknown }>;
              for (const t of TYPES) {
                const data = adaptyData(want, t);
                const expected = { title: 'LTV', unit: cfg.currency, value: data[0]!.value, data };
                const got = { title: body[t]!.title, unit: body[t]!.unit, value: body[t]!.value, data: body[t]!.data };
                if (JSON.stringify(expected) !== JSON.stringify(got)) {
                  mismatches.push({ tenant, request: req.body, oracle: expected, engine: got });
                  return;
                }
              }
            }));
          }
          for (const range of RANGES) {
            for (const granularity of ['weekly', 'monthly'] as const) {
              const res = await httpRequest(s.port, `/api/external/v1/revenue/${tenant}/ltv?range=${range}&granularity=${granularity}`, { headers: { 'x-api-key': KEY } });
              requests++;
              const expected = { success: true, data: oracle.zenovay(range, granularity), timestamp: new Date(cfg.asOf).toISOString() };
              if (res.text !== JSON.stringify(expected)) mismatches.push({ tenant, request: { range, granularity }, oracle: expected, engine: res.text });
            }
          }
        }
        if (mismatches.length) {
          const first = mismatches[0]!;
          const tenantRows = rows.filter((x) => x.tenant === first.tenant).map((x) => `${x.file}:${x.line} ${JSON.stringify(x)}`);
          console.log(JSON.stringify({ cfg: { ...cfg, asOf: new Date(cfg.asOf).toISOString() }, count: mismatches.length, first, rows: tenantRows }, null, 1));
          console.log(JSON.stringify(mismatches.map((m) => [m.tenant, m.request])));
        }
        expect(mismatches.length).toBe(0);
      } finally {
        await s.stop();
        await fx.cleanup();
      }
    }, 120_000);
  }
  it('asked enough', () => {
    console.log(`serveOracle: ${requests} requests, ${filtered} with attribute filters, ${empty} matching nobody`);
    expect(requests).toBeGreaterThan(RUNS * TENANTS_PER_RUN * REQUESTS_PER_TENANT * 0.8);
    expect(filtered).toBeGreaterThan(requests * 0.2);
    expect(empty).toBeGreaterThan(0);
  });
});
