// SPEC §9 `prediction_months` on any filtered Adapty request (issue 17): the endpoint predicts the customers
// a request keeps with the run's own fits (data/forecast_inputs.bin.gz). Checked against the sBG closed form
// computed here customer by customer from what the fixture was generated with, against the run's own
// forecast where the filters keep everyone, and by additivity where two filters split the customers.
import { cpSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Worker } from 'node:worker_threads';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobInput } from '../../src/config/jobSchema.js';
import { hyp2f1 } from '../../src/forecast/hyp2f1.js';
import { servedOf, subsetRows } from '../../src/forecast/subsetForecast.js';
import type { SubsetReply, SubsetThreadRequest } from '../../src/forecast/subsetThreadMain.js';
import { closeRunQueries, queryForecastBasis } from '../../src/ltv/queryRun.js';
import { runKey, runRef } from '../../src/ltv/runFiles.js';
import { bundleEntry } from '../helpers/bundleEntry.js';
import type { TenantReport } from '../../src/ltv/model.js';
import { httpRequest } from '../helpers/httpRequest.js';
import { csv, makeFixture, readLatest, runJob, type Fixture } from '../helpers/runFixture.js';
import { startServer, type TestServer as StartedServer } from '../helpers/startServer.js';
import { addMonths, COHORTS, DAY, subs, T, type Sub } from '../helpers/subscriptionFixture.js';

const KEY = 'ltv_forecast_filtered_key_01';
// The subscription fixture of forecastRun.test.ts (subscriptionFixture.ts); of each cohort's 40 customers, 20
// in the US (L 0 and ∞, and L 3 for k < 20), the other 20 in DE (L 1, 2, and 3 for k ≥ 20); the first 10 bought
// on the web store, the others in the app.
const countryOf = (s: Sub): string => (s.k % 5 === 0 || s.k % 5 === 4 || (s.k % 5 === 3 && s.k < 20) ? 'US' : 'DE');
const storeOf = (s: Sub): string => (s.k < 10 ? 'web' : 'app');

type Predicted = { period: number; value: number; lower: number; upper: number };
type Row = { title: string; type: string; cohort_size: number; values: { period: number; value: number }[]; predicted_values: Predicted[] };
type Body = Record<'revenue' | 'proceeds' | 'net_revenue', { data: Row[] }>;

/** A run of `csvText` published and served: its report, and a POST to its Adapty route. */
interface Served {
  report: TenantReport;
  post(body: unknown): Promise<{ status: number; body: Body; text: string }>;
}

function servedRun(csvText: string, forecast: JobInput['forecast'], asOf: string): { served: () => Served; dir: () => string } {
  let fx: Fixture | undefined;
  let server: StartedServer | undefined;
  let served: Served | undefined;
  beforeAll(async () => {
    fx = await makeFixture({ 'tx.csv': csvText });
    await runJob(fx, { inputs: [{ path: 'tx.csv' }], formats: ['json'], forecast }, asOf);
    const s = await startServer({ reportsDir: fx.reportsDir, keys: [{ key: KEY, tenants: ['default'] }] });
    server = s;
    served = {
      report: (await readLatest(fx)).report,
      post: async (body) => {
        const r = await httpRequest(s.port, '/api/v1/client-api/metrics/ltv/', { method: 'POST', headers: { authorization: `Api-Key ${KEY}` }, body: JSON.stringify(body) });
        return { status: r.status, body: r.json() as Body, text: r.text };
      },
    };
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await fx?.cleanup();
  });
  return { served: () => served!, dir: () => join(fx!.reportsDir, 'default', 'latest') };
}

describe('prediction_months on filtered requests', () => {
  let n = 0;
  const rows = subs.flatMap((s, i) => s.payments.map((t, j) => [`c${i}`, new Date(t).toISOString(), '10.00', `t${n++}`, j, '', 'm', 'Monthly', countryOf(s), storeOf(s)]));
  // Customers 1 and 2 of each cohort (in DE) had their first payment refunded four days later: 6 × 10.00. A
  // renewal is worth its payment × the tenant's refund ratio (src/forecast/README.md).
  subs.forEach((s, i) => {
    if (s.k === 1 || s.k === 2) rows.push([`c${i}`, new Date(s.t0 + 4 * DAY).toISOString(), '-10.00', `r${i}`, '', rows.find((r) => r[0] === `c${i}` && r[4] === 0)![3]!, '', '', countryOf(s), storeOf(s)]);
  });
  const paid = 10 * subs.reduce((sum, s) => sum + s.payments.length, 0);
  const refundRatio = (paid - 60) / paid;
  const run = servedRun(csv('customer_id,event_time,amount,transaction_id,renewal_number,refund_of,product_id,duration,country,store', rows), { model: 'auto', replicates: 20, horizon_months: 12 }, new Date(T).toISOString());
  let report: TenantReport;
  const post = (body: unknown): ReturnType<Served['post']> => run.served().post(body);
  const ALL: [string, string] = ['2026-01-01', '2026-12-31'];
  beforeAll(() => {
    report = run.served().report;
  });

  /**
   * By hand: a customer's revenue by the end of month m (t0 + m + 1 months), realized and expected with the
   * run's pooled fit (the refunds: customers 1 and 2's realized revenue, and every renewal's value).
   */
  const byHand = (s: Sub, m: number): number => {
    const { alpha, beta } = report.forecast!.fits.find((x) => x.group === 'pooled')!.params as { alpha: number; beta: number };
    const grace = 0.25 * 30.4375 * DAY;
    const end = addMonths(s.t0, m + 1);
    // Customers 1 and 2 had their first payment refunded in month 0.
    let total = 10 * s.payments.filter((t) => t < end).length - (s.k === 1 || s.k === 2 ? 10 : 0);
    const r = s.payments.length - 1;
    if (addMonths(s.payments[r]!, 1) + grace < T) return total;
    let ratio = 1;
    for (let j = r + 1; addMonths(s.payments[r]!, j - r) < end; j++) {
      ratio *= (beta + j - 1) / (alpha + beta + j - 1);
      total += 10 * refundRatio * ratio;
    }
    return total;
  };

  it('sBG: a country\'s cohorts are its customers\' realized revenue plus Σ v·S(j)/S(r) with the run\'s pooled fit', async () => {
    expect(report.forecast!.model).toBe('sbg');
    const r = await post({ filters: { date: ALL, country: ['us'] }, period_type: 'days', prediction_months: 12 });
    expect(r.status, r.text).toBe(200);
    const rows = r.body.revenue.data;
    // Jan's last complete month at T is 4 (k ≤ 4), Feb's 3, Mar's 2: each predicted from the next to 11.
    const lastComplete = new Map([['2026-01-01', 4], ['2026-02-01', 3], ['2026-03-01', 2]]);
    const us = (ci: number): Sub[] => subs.slice(ci * 40, ci * 40 + 40).filter((s) => countryOf(s) === 'US');
    for (const [ci, cohort] of COHORTS.entries()) {
      const row = rows.find((x) => x.title === cohort)!;
      expect(row.cohort_size).toBe(20);
      expect(row.predicted_values.map((p) => p.period)).toEqual(Array.from({ length: 11 - lastComplete.get(cohort)! }, (_, k) => lastComplete.get(cohort)! + 1 + k));
      for (const p of row.predicted_values) {
        const expected = us(ci).reduce((sum, s) => sum + byHand(s, p.period), 0) / 20;
        expect(p.value, `${cohort} month ${p.period}`).toBeCloseTo(expected, 2);
        expect(p.lower).toBeLessThanOrEqual(p.value);
        expect(p.upper).toBeGreaterThanOrEqual(p.value);
      }
    }
    // The Total: over the 60 US customers, each cohort at its complete value where realized.
    const total = rows.find((x) => x.type === 'total')!;
    expect(total.predicted_values.map((p) => p.period)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11]);
    for (const p of total.predicted_values) {
      const sum = COHORTS.reduce((s, _, ci) => s + us(ci).reduce((t, sub) => t + byHand(sub, p.period), 0), 0);
      expect(p.value, `Total month ${p.period}`).toBeCloseTo(sum / 60, 2);
    }
    // The unfiltered answer differs (DE's customers renew otherwise): the filter is not ignored.
    const whole = await post({ filters: { date: ALL }, period_type: 'days', prediction_months: 12 });
    expect(whole.body.revenue.data.find((x) => x.title === '2026-01-01')!.predicted_values).not.toEqual(rows.find((x) => x.title === '2026-01-01')!.predicted_values);
  });

  it('a filter that keeps every customer answers exactly as the run\'s own forecast, intervals too', async () => {
    const whole = await post({ filters: { date: ALL }, period_type: 'days', prediction_months: 12 });
    const both = await post({ filters: { date: ALL, country: ['US', 'DE'] }, period_type: 'days', prediction_months: 12 });
    expect(both.status, both.text).toBe(200);
    for (const type of ['revenue', 'proceeds', 'net_revenue'] as const) {
      expect(both.body[type].data.map((x) => [x.title, x.predicted_values])).toEqual(whole.body[type].data.map((x) => [x.title, x.predicted_values]));
    }
    // And the run's own cells: Jan's predicted months as ltv.json has them.
    const jan = report.forecast!.rows.find((x) => x.title === '2026-01-01')!;
    expect(both.body.revenue.data.find((x) => x.title === '2026-01-01')!.predicted_values)
      .toEqual(jan.cells.map((c) => ({ period: c.period, value: c.revenue, lower: c.lower.revenue, upper: c.upper.revenue })));
  });

  it('two filters that split the customers add up to the whole: expected futures are sums over customers', async () => {
    const part = async (country: string[]): Promise<Row[]> => (await post({ filters: { date: ALL, country }, period_type: 'days', prediction_months: 12 })).body.revenue.data;
    const [us, de, all] = [await part(['US']), await part(['DE']), await part(['US', 'DE'])];
    for (const cohort of COHORTS) {
      const [u, d, a] = [us, de, all].map((rows) => rows.find((x) => x.title === cohort)!);
      for (const p of a!.predicted_values) {
        const pu = u!.predicted_values.find((x) => x.period === p.period)!;
        const pd = d!.predicted_values.find((x) => x.period === p.period)!;
        // Each value is rounded to the cent: ±0.005 on either side.
        expect(Math.abs((20 * pu.value + 20 * pd.value) / 40 - p.value)).toBeLessThanOrEqual(0.0101);
      }
    }
  });

  it('honest defaults on what is shown: a cohort row of too few kept customers has none, a Total of enough has one', async () => {
    // The web store's 10 customers a cohort < min_cohort_customers (20): no cohort row predicted; their
    // Total covers 30 (each part is of a cohort the run predicts) and is, by hand.
    const few = await post({ filters: { date: ALL, store: ['web'] }, period_type: 'days', prediction_months: 12 });
    expect(few.status, few.text).toBe(200);
    expect(few.body.revenue.data.slice(1).map((x) => [x.title, x.cohort_size, x.predicted_values])).toEqual([
      ['2026-01-01', 10, []], ['2026-02-01', 10, []], ['2026-03-01', 10, []],
    ]);
    const webTotal = few.body.revenue.data[0]!;
    expect(webTotal.cohort_size).toBe(30);
    expect(webTotal.predicted_values.map((p) => p.period)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const web = subs.filter((s) => storeOf(s) === 'web');
    for (const p of webTotal.predicted_values) expect(p.value, `web Total month ${p.period}`).toBeCloseTo(web.reduce((t, s) => t + byHand(s, p.period), 0) / 30, 2);
    // January's web customers alone: 10, a Total under the minimum too.
    const jan = await post({ filters: { date: ['2026-01-01', '2026-01-31'], store: ['web'] }, period_type: 'days', prediction_months: 12 });
    expect(jan.body.revenue.data.map((x) => [x.title, x.cohort_size, x.predicted_values])).toEqual([['Total', 10, []], ['2026-01-01', 10, []]]);
    // The app's 30 a cohort are enough.
    const app = await post({ filters: { date: ALL, store: ['app'] }, period_type: 'days', prediction_months: 12 });
    expect(app.body.revenue.data.find((x) => x.title === '2026-01-01')!.predicted_values.map((p) => p.period)).toEqual([5, 6, 7, 8, 9, 10, 11]);
    const none = await post({ filters: { date: ALL, country: ['FR'] }, period_type: 'days', prediction_months: 12 });
    expect(none.status, none.text).toBe(200);
    expect(none.body.revenue.data.every((x) => x.predicted_values.length === 0)).toBe(true);
    // Quarters over monthly cohorts with a filter: period p is month (p + 1)·3 − 1's cell.
    const months = await post({ filters: { date: ALL, country: ['US'] }, period_type: 'days', prediction_months: 12 });
    const quarters = await post({ filters: { date: ALL, country: ['US'] }, period_type: 'days', period_unit: 'quarter', segmentation: 'month', prediction_months: 12 });
    const janMonths = months.body.revenue.data.find((x) => x.title === '2026-01-01')!.predicted_values;
    expect(quarters.body.revenue.data.find((x) => x.title === '2026-01-01')!.predicted_values)
      .toEqual([1, 2, 3].map((p) => ({ ...janMonths.find((x) => x.period === p * 3 + 2)!, period: p })));
  });

  it('one question asked by many requests at once is computed once: none is refused for want of room in the run\'s queue', async () => {
    // No room for a waiting query: each request computing its own answer left all but a few with a 503.
    const tight = await startServer({ reportsDir: join(run.dir(), '..', '..'), keys: [{ key: KEY, tenants: ['default'], requests_per_minute: 1_000_000 }], maxQueuedQueries: 0 });
    try {
      const body = JSON.stringify({ filters: { date: ALL, country: ['US'], store: ['app'] }, period_type: 'days', prediction_months: 12 });
      const answers = await Promise.all(Array.from({ length: 30 }, () => httpRequest(tight.port, '/api/v1/client-api/metrics/ltv/', { method: 'POST', headers: { authorization: `Api-Key ${KEY}` }, body })));
      expect(answers.map((a) => a.status)).toEqual(Array(30).fill(200));
      expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    } finally {
      await tight.stop();
    }
  });

  it('a run published without the inputs (an earlier ltv) answers a filtered prediction_months with a 400 saying what to do', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'ltv-no-inputs-'));
    let server: StartedServer | undefined;
    try {
      cpSync(join(run.dir(), '..'), join(copy, 'default'), { recursive: true, dereference: false, verbatimSymlinks: true });
      const dir = realpathSync(join(copy, 'default', 'latest'));
      const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { files: Record<string, unknown> };
      delete manifest.files['data/forecast_inputs.bin.gz'];
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
      rmSync(join(dir, 'data', 'forecast_inputs.bin.gz'));
      server = await startServer({ reportsDir: copy, keys: [{ key: KEY, tenants: ['default'] }] });
      const ask = (filters: object) => httpRequest(server!.port, '/api/v1/client-api/metrics/ltv/', { method: 'POST', headers: { authorization: `Api-Key ${KEY}` }, body: JSON.stringify({ filters, period_type: 'days', prediction_months: 12 }) });
      const refused = await ask({ date: ALL, country: ['US'] });
      expect(refused.status).toBe(400);
      expect((refused.json() as { errors: { source: string; errors: string[] }[] }).errors).toEqual([{ source: 'prediction_months', errors: [
        'prediction_months for filters, a date range that cuts a cohort, or rows other than monthly cohorts: this run has no data/forecast_inputs.bin.gz (an earlier ltv published it, or its run\'s log says why it was not written); run its job again, or ask by monthly cohort over the whole date range without filters',
      ] }]);
      // The whole range reads the run's forecast.json as before.
      expect((await ask({ date: ALL })).status).toBe(200);
    } finally {
      await server?.stop();
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('rows that group customers otherwise (a segmentation, cohorts by quarter or year, day cohorts) each predict as the Total of their customers', async () => {
    const total = async (filters: object): Promise<Predicted[]> =>
      (await post({ filters: { date: ALL, ...filters }, period_type: 'days', prediction_months: 12 })).body.revenue.data.find((x) => x.type === 'total')!.predicted_values;
    const rowsOf = async (extra: object): Promise<Row[]> => {
      const r = await post({ filters: { date: ALL }, period_type: 'days', prediction_months: 12, ...extra });
      expect(r.status, r.text).toBe(200);
      return r.body.revenue.data;
    };
    // By country: the US row is the Total of the request filtered to the US; DE's likewise.
    const byCountry = await rowsOf({ segmentation: 'country' });
    expect(byCountry.map((x) => [x.title, x.cohort_size])).toEqual([['Total', 120], ['DE', 60], ['US', 60]]);
    expect(byCountry.find((x) => x.title === 'US')!.predicted_values).toEqual(await total({ country: ['US'] }));
    expect(byCountry.find((x) => x.title === 'DE')!.predicted_values).toEqual(await total({ country: ['DE'] }));
    expect(byCountry.find((x) => x.title === 'US')!.predicted_values.length).toBeGreaterThan(0);
    // The Total row is every customer's, as in the answer by monthly cohort.
    expect(byCountry[0]!.predicted_values).toEqual(await total({}));
    // By store: the web store's 10 customers a cohort count in its row (30 covered), as in its Total.
    const byStore = await rowsOf({ segmentation: 'store' });
    expect(byStore.find((x) => x.title === 'web')!.predicted_values).toEqual(await total({ store: ['web'] }));
    expect(byStore.find((x) => x.title === 'web')!.predicted_values.length).toBeGreaterThan(0);
    expect(byStore.find((x) => x.title === 'app')!.predicted_values).toEqual(await total({ store: ['app'] }));
    // Cohorts by quarter, periods by quarter: Q1 2026 holds the three monthly cohorts, all 120 customers.
    const quarters = await rowsOf({ period_unit: 'quarter' });
    const q1 = quarters.find((x) => x.title === '2026-01-01')!;
    expect(q1.cohort_size).toBe(120);
    expect(q1.predicted_values).toEqual((await total({})).filter((p) => (p.period + 1) % 3 === 0).map((p) => ({ ...p, period: (p.period + 1) / 3 - 1 })));
    // Day cohorts (every customer started on the 1st): the day row of Jan 1 is January's monthly cohort.
    const days = await rowsOf({ segmentation: 'day' });
    const byMonth = await rowsOf({});
    for (const c of COHORTS) {
      expect(days.find((x) => x.title === c)!.predicted_values, c).toEqual(byMonth.find((x) => x.title === c)!.predicted_values);
    }
  });

  it('publishes its inputs with the run, listed in the manifest', async () => {
    const manifest = JSON.parse(await readFile(`${run.dir()}/manifest.json`, 'utf8')) as { files: Record<string, unknown> };
    expect(Object.keys(manifest.files)).toContain('data/forecast_inputs.bin.gz');
  });
});

/** t + n calendar months, the day clamped to the month's last (SPEC §4: Jan 31 + 1 month = Feb 28). */
function addMonthsClamped(ms: number, n: number): number {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + n;
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return Date.UTC(y, m, Math.min(d.getUTCDate(), last), d.getUTCHours(), d.getUTCMinutes());
}

describe('prediction_months on filtered requests, BG/NBD (the CDNOW 1/10 sample)', () => {
  // customer, day, amount; the odd ids in "odd", the even in "even" (as their store).
  const sample = readFileSync(new URL('../fixtures/cdnow/CDNOW_sample.txt', import.meta.url), 'utf8');
  const rows = sample.trim().split('\n').map((l) => l.trim().split(/\s+/)).map(([, id, d, , v]) => [id!, `${d!.slice(0, 4)}-${d!.slice(4, 6)}-${d!.slice(6)}`, v!, Number(id) % 2 ? 'odd' : 'even']);
  const run = servedRun(csv('customer_id,event_time,amount,store', rows), { model: 'auto', replicates: 5 }, '1997-09-30T00:00:00Z');
  let report: TenantReport;
  const ALL: [string, string] = ['1997-01-01', '1997-12-31'];
  const post = async (filters: Record<string, unknown>): Promise<Row[]> => {
    const r = await run.served().post({ filters: { date: ALL, ...filters }, period_type: 'days', prediction_months: 12 });
    expect(r.status, r.text).toBe(200);
    return r.body.revenue.data;
  };
  beforeAll(() => {
    report = run.served().report;
  });

  it('an odd-id subset of January: realized + E[Y(τ) | x, t_x, T] × E[Z | x, m_x] per customer, with the run\'s fits', async () => {
    const f = report.forecast!;
    expect(f.model).toBe('bgnbd');
    const { r, alpha, a, b } = f.fits.find((x) => x.model === 'bgnbd')!.params as { r: number; alpha: number; a: number; b: number };
    const gg = f.fits.find((x) => x.model === 'gamma-gamma')!;
    expect(gg.converged).toBe(true);
    const { p, q, gamma } = gg.params as { p: number; q: number; gamma: number };
    const T = Date.parse('1997-09-30T00:00:00Z');
    const WEEK = 7 * DAY;
    // January's odd customers by hand: purchases by day (positive only), up to T.
    const days = new Map<string, Map<number, number>>();
    for (const [id, d, v, store] of rows) {
      const t = Date.parse(`${d}T00:00:00Z`);
      if (!(Number(v) > 0) || t > T || store !== 'odd') continue;
      const m = days.get(id!) ?? new Map<number, number>();
      days.set(id!, m);
      m.set(t, (m.get(t) ?? 0) + Number(v));
    }
    const jan = [...days.values()].filter((m) => Math.min(...m.keys()) < Date.parse('1997-02-01T00:00:00Z'));
    const expected = (month: number): number => {
      let sum = 0;
      for (const m of jan) {
        const sorted = [...m.keys()].sort((u, v) => u - v);
        const t0 = sorted[0]!;
        const end = addMonthsClamped(t0, month + 1);
        for (const [t, v] of m) if (t < end) sum += v;
        if (end <= T) continue;
        const x = sorted.length - 1;
        const tx = (sorted.at(-1)! - t0) / WEEK;
        const Tw = (T - t0) / WEEK;
        const tau = (end - T) / WEEK;
        const ey = ((a + b + x - 1) / (a - 1)) * (1 - ((alpha + Tw) / (alpha + Tw + tau)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, tau / (alpha + Tw + tau)))
          / (1 + (x > 0 ? (a / (b + x - 1)) * ((alpha + Tw) / (alpha + tx)) ** (r + x) : 0));
        const repeat = x > 0 ? (sorted.slice(1).reduce((s, t) => s + m.get(t)!, 0)) / x : 0;
        const ez = (p * (gamma + x * repeat)) / (p * x + q - 1);
        sum += ey * ez;
      }
      return sum / jan.length;
    };
    const row = (await post({ store: ['odd'] })).find((x) => x.title === '1997-01-01')!;
    expect(row.cohort_size).toBe(jan.length);
    expect(row.predicted_values.length).toBeGreaterThan(0);
    for (const v of row.predicted_values) expect(v.value, `month ${v.period}`).toBeCloseTo(expected(v.period), 2);
  });

  it('keeping everyone answers as the run; a date range cutting January predicts its part, and the parts add up', async () => {
    const whole = await post({});
    const both = await post({ store: ["odd", "even"] });
    expect(both.map((x) => [x.title, x.predicted_values])).toEqual(whole.map((x) => [x.title, x.predicted_values]));
    // The snapshot answers the whole range from the run's forecast.json: the same cells as ltv.json.
    const janRun = report.forecast!.rows.find((x) => x.title === '1997-01-01')!;
    expect(whole.find((x) => x.title === '1997-01-01')!.predicted_values).toEqual(janRun.cells.filter((c) => c.period < 12).map((c) => ({ period: c.period, value: c.revenue, lower: c.lower.revenue, upper: c.upper.revenue })));
    // January cut in two by the date range: each part predicted (a cut cohort had none before), adding up.
    const first = (await post({ date: ['1997-01-01', '1997-01-15'] })).find((x) => x.title === '1997-01-01')!;
    const second = (await post({ date: ['1997-01-16', '1997-01-31'] })).find((x) => x.title === '1997-01-01')!;
    const all = whole.find((x) => x.title === '1997-01-01')!;
    expect(first.cohort_size + second.cohort_size).toBe(all.cohort_size);
    expect(first.predicted_values.length).toBeGreaterThan(0);
    for (const v of all.predicted_values) {
      const a = first.predicted_values.find((x) => x.period === v.period);
      const b = second.predicted_values.find((x) => x.period === v.period);
      // The first half's customers may have the month complete (realized, not predicted): its matrix value.
      const va = a?.value ?? first.values.find((x) => x.period === v.period)!.value;
      const vb = b!.value;
      const tolerance = (first.cohort_size + second.cohort_size) * 0.005 / all.cohort_size + 0.005;
      expect(Math.abs((first.cohort_size * va + second.cohort_size * vb) / all.cohort_size - v.value), `month ${v.period}`).toBeLessThanOrEqual(tolerance);
    }
  });

  it('a cohort part too small for its own row still counts in the Total: the Totals of two selections that split the customers add up', async () => {
    // Odd ids from Jan 1 to Mar 1: January's and February's odd customers, and March 1st's few.
    const range = ['1997-01-01', '1997-03-01'];
    const rows = await post({ date: range, store: ['odd'] });
    const mar = rows.find((x) => x.title === '1997-03-01')!;
    expect(mar.cohort_size).toBeGreaterThan(0);
    expect(mar.cohort_size).toBeLessThan(20);
    expect(mar.predicted_values).toEqual([]);
    const [odd, even, all] = [rows, await post({ date: range, store: ['even'] }), await post({ date: range })].map((r) => r.find((x) => x.type === 'total')!);
    expect(odd!.cohort_size + even!.cohort_size).toBe(all!.cohort_size);
    expect(all!.predicted_values.length).toBeGreaterThan(0);
    for (const p of all!.predicted_values) {
      const po = odd!.predicted_values.find((x) => x.period === p.period)!;
      const pe = even!.predicted_values.find((x) => x.period === p.period)!;
      // Each value rounded to the cent: ±0.005 on either side.
      expect(Math.abs((odd!.cohort_size * po.value + even!.cohort_size * pe.value) / all!.cohort_size - p.value), `Total month ${p.period}`).toBeLessThanOrEqual(0.0101);
    }
  });

  it('the one-file bundle `npm run build` makes of the endpoint\'s forecast thread gives the rows computed in process', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ltv-subset-bundle-'));
    let worker: Worker | undefined;
    try {
      const { file, packages } = await bundleEntry('forecast/subsetThreadMain.js', dir);
      expect(packages).toEqual([]);
      expect(readFileSync(file, 'utf8')).not.toContain('DuckDBInstance');
      const ref = await runRef(realpathSync(run.dir()));
      const filters = { date: ['1997-01-01', '1997-02-10'] as [string, string], store: ['odd'] };
      const basis = await queryForecastBasis(ref, filters, null);
      const runRows = report.forecast!.rows.filter((r) => r.type === 'cohort').map((r) => ({ title: r.title, predicted: r.cells.length > 0, ...(r.note ? { note: r.note } : {}) }));
      const request = { date: filters.date, kept: basis.kept, tupleIds: basis.tupleIds, cohorts: basis.cohorts, realized: basis.realized, runRows, rowsBy: null };
      const path = join(ref.dir, 'data', 'forecast_inputs.bin.gz');
      const files = (JSON.parse(readFileSync(join(ref.dir, 'manifest.json'), 'utf8')) as { files: Record<string, { sha256: string }> }).files;
      const sha256 = files['data/forecast_inputs.bin.gz']!.sha256;
      const f = report.forecast!;
      const expected = {
        model: String(f.model), horizon_months: f.horizon_months, interval: f.interval, min_cohort_customers: f.thresholds.min_cohort_customers,
        min_group_customers: f.thresholds.min_group_customers, cutoffMs: basis.cutoffMs, maxStates: 1 + f.bootstrap.replicates, forecastSha256: files['data/forecast.json']!.sha256,
      };
      const inProcess = subsetRows(await servedOf(runKey(ref), path, sha256), request);
      expect(inProcess.find((r) => r.title === '1997-02-01')!.cells.length).toBeGreaterThan(0);
      worker = new Worker(file);
      const w = worker;
      const reply = new Promise<SubsetReply>((resolve) => w.once('message', resolve));
      w.postMessage({ id: 7, key: runKey(ref), path, sha256, expected, request } satisfies SubsetThreadRequest);
      const answer = await reply;
      expect('error' in answer ? answer.error : null).toBeNull();
      expect(answer.id).toBe(7);
      expect(JSON.stringify('rows' in answer ? answer.rows : null)).toBe(JSON.stringify(inProcess));
      // A file whose bytes are not those its manifest lists is not read, whenever it is loaded (a run the
      // thread let go of is read again: it was read unchecked then).
      const refused = new Promise<SubsetReply>((resolve) => w.once('message', resolve));
      const wrong = sha256.replace(/^./, (c) => (c === '0' ? '1' : '0'));
      w.postMessage({ id: 8, key: 'another run', path, sha256: wrong, expected, request } satisfies SubsetThreadRequest);
      expect('error' in (await refused) ? ((await refused) as { error: { message: string } }).error.message : null).toBe(`${path}: sha256 ${sha256} differs from the manifest's ${wrong}: not read`);
      // Inputs that are not the run's forecast's (another run's file, listed in this run's manifest, or a
      // header made by hand): refused, naming what differs. A forged horizon of 1,000,000 months kept the
      // thread busy for good and every tenant's filtered predictions waited behind it.
      const foreign = new Promise<SubsetReply>((resolve) => w.once('message', resolve));
      w.postMessage({ id: 9, key: runKey(ref), path, sha256, expected: { ...expected, interval: 0.95, horizon_months: 1_000_000, forecastSha256: 'x' }, request } satisfies SubsetThreadRequest);
      expect(((await foreign) as { error: { message: string } }).error.message).toBe('the forecast inputs are not this run\'s forecast\'s: their horizon, interval, forecast (data/forecast.json) differ');
    } finally {
      await worker?.terminate();
      await closeRunQueries();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('a small cohort realized to the horizon', () => {
  // The fixture's 120 customers, and 5 more from January 2024 (3 payments each, all before T): at T their
  // cohort has lived its 12 months, and it is smaller than min_cohort_customers (20). The run said it had "too
  // few customers" and left it out of its Total (120 customers), where the endpoint's Totals, as documented,
  // average every cohort predicted or realized to the horizon (125): a filter keeping everyone answered
  // another Total than the run's.
  let n = 0;
  const rows = subs.flatMap((s, i) => s.payments.map((t, j) => [`c${i}`, new Date(t).toISOString(), '10.00', `t${n++}`, j, '', 'm', 'Monthly', countryOf(s), storeOf(s)]));
  for (let c = 0; c < 5; c++) for (let j = 0; j < 3; j++) rows.push([`old${c}`, `2024-0${1 + j}-01T10:00:00.000Z`, '10.00', `o${n++}`, j, '', 'm', 'Monthly', 'US', 'web']);
  const run = servedRun(csv('customer_id,event_time,amount,transaction_id,renewal_number,refund_of,product_id,duration,country,store', rows), { model: 'auto', replicates: 10, horizon_months: 12 }, new Date(T).toISOString());

  it('is said to be realized, not too small, and counts in the run\'s Total as in the endpoint\'s', async () => {
    const { report, post } = run.served();
    const old = report.forecast!.rows.find((r) => r.title === '2024-01-01')!;
    expect(old.customers).toBe(5);
    expect(old.note).toContain('every month up to the horizon (12) is complete');
    const total = report.forecast!.rows.find((r) => r.type === 'total')!;
    expect(total.customers).toBe(125);
    const both = await post({ filters: { date: ['2024-01-01', '2026-12-31'], country: ['US', 'DE'] }, period_type: 'days', prediction_months: 12 });
    expect(both.status, both.text).toBe(200);
    const served = both.body.revenue.data.find((x) => x.type === 'total')!;
    expect(served.predicted_values.length).toBeGreaterThan(0);
    expect(served.predicted_values).toEqual(total.cells.map((c) => ({ period: c.period, value: c.revenue, lower: c.lower.revenue, upper: c.upper.revenue })));
  });
});
