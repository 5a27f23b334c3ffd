// The forecast thread (src/forecast/forecastThread.ts): a run reads each tenant's forecast data before its
// matrices and fits on the thread meanwhile. Here against the forecast computed in process
// (forecastTenant), from one warehouse whose tables are written by hand (test/helpers/forecastWarehouse.ts,
// the shapes 12_movements_view.sql, 14_customers_all.sql and 15_facts_all.sql produce): the same forecast to the
// last digit, whichever model; a cancelled run stops the thread's forecast; a read that fails publishes a
// forecast without a model, as in process.
import { getEventListeners } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ForecastSchema } from '../../src/config/jobSchema.js';
import { monthlyCohorts, readForecast, type ForecastRequest } from '../../src/forecast/forecastData.js';
import { startForecasts, type TenantForecast } from '../../src/forecast/forecastThread.js';
import { forecastTenant } from '../../src/forecast/forecastTenant.js';
import type { ForecastReply, ForecastRequestMessage } from '../../src/forecast/forecastThreadMain.js';
import { Warehouse } from '../../src/warehouse/openWarehouse.js';
import { bundleEntry } from '../helpers/bundleEntry.js';
import { COHORTS, T, forecastWarehouse, monthly } from '../helpers/forecastWarehouse.js';

const startForecast = async (wh: Warehouse, request: ForecastRequest, signal?: AbortSignal): Promise<TenantForecast> => (await startForecasts(wh, [request], signal))[0]!;

describe('the forecast thread', () => {
  let wh: Warehouse;
  beforeAll(async () => {
    wh = await forecastWarehouse();
  });
  afterAll(() => wh?.close());

  for (const model of ['bgnbd', 'sbg'] as const) {
    it(`gives the forecast computed in process to the last digit (${model})`, async () => {
      const settings = ForecastSchema.parse({ model, replicates: 12, horizon_months: 12 });
      const request = { tenant: 'default', asOf: T, settings, subscription: false };
      const inProcess = await forecastTenant(wh, { ...request, monthly });
      const started = await startForecast(wh, request);
      const onThread = await started.finish(monthlyCohorts(monthly));
      expect(onThread.error).toBeNull();
      expect(JSON.stringify(onThread.forecast)).toBe(JSON.stringify(inProcess.forecast));
      if (model === 'bgnbd') {
        // A forecast with a model, a bootstrap and a backtest: what the thread computes before the cohorts come.
        const f = onThread.forecast;
        expect(f.model).toBe('bgnbd');
        expect(f.fits.find((x) => x.model === 'bgnbd')!.converged).toBe(true);
        expect(f.bootstrap.replicates).toBe(12);
        expect(f.rows.filter((r) => r.cells.length > 0).map((r) => r.title)).toEqual(['Total', ...COHORTS]);
        // Cohort 2026-03-01 has months 0–2 complete: predicted from month 3 to the horizon's last (11).
        expect(f.rows.find((r) => r.title === '2026-03-01')!.cells.map((c) => c.period)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11]);
        expect(f.backtest!.cohorts.map((c) => c.title)).toEqual(COHORTS);
      }
    }, 60_000);
  }

  it('gives the same forecasts from the one-file bundle `npm run build` makes of the thread\'s entry', async () => {
    // The build bundles dist/forecast/forecastThreadMain.js with its options (src/config/bundleEntries.mjs);
    // here the same options bundle the TypeScript entry, and the bundle runs as the thread's entry does.
    const dir = mkdtempSync(join(tmpdir(), 'ltv-thread-bundle-'));
    const worker = { current: null as Worker | null };
    try {
      const { file: outfile, packages } = await bundleEntry('forecast/forecastThreadMain.js', dir);
      // One file: no npm package is loaded at run time, and DuckDB's client is not in it.
      expect(packages).toEqual([]);
      const text = readFileSync(outfile, 'utf8');
      expect(text).not.toContain('DuckDBInstance');
      worker.current = new Worker(outfile);
      const w = worker.current;
      for (const model of ['bgnbd', 'sbg'] as const) {
        const settings = ForecastSchema.parse({ model, replicates: 8, horizon_months: 12 });
        const request = { tenant: 'default', asOf: T, settings, subscription: false };
        const inProcess = await forecastTenant(wh, { ...request, monthly });
        const read = await readForecast(wh, request);
        const id = model === 'bgnbd' ? 1 : 2;
        // The thread's own protocol (forecastThreadMain.ts), typed: a change to it breaks this test's build.
        const reply = new Promise<ForecastReply>((resolve) => w.once('message', resolve));
        w.postMessage({ type: 'start', id, read, settings, cancel: new Int32Array(new SharedArrayBuffer(4)) } satisfies ForecastRequestMessage);
        w.postMessage({ type: 'cohorts', id, cohorts: monthlyCohorts(monthly) } satisfies ForecastRequestMessage);
        const answer = await reply;
        expect('error' in answer ? answer.error : null).toBeNull();
        expect(answer.id).toBe(id);
        expect(JSON.stringify('forecast' in answer ? answer.forecast : null)).toBe(JSON.stringify(inProcess.forecast));
      }
    } finally {
      await worker.current?.terminate();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('reads its results while the connection runs the run\'s next statements, and closes nothing early', async () => {
    // startForecasts returns once its statements ran; their results are read into typed arrays while the
    // run's matrices use the connection. Statements issued meanwhile do not disturb the read, and a run
    // that stops there (abandon) resolves once the warehouse may be closed.
    const settings = ForecastSchema.parse({ model: 'bgnbd', replicates: 4, horizon_months: 12 });
    const request = { tenant: 'default', asOf: T, settings, subscription: false };
    const alone = await forecastTenant(wh, { ...request, monthly });
    const started = await startForecast(wh, request);
    const busy = Array.from({ length: 5 }, (_, k) => wh.run(`CREATE OR REPLACE TEMP TABLE busy_${k} AS
      SELECT customer_id, count(*) AS n, sum(revenue) AS s FROM movements, range(40) GROUP BY customer_id`));
    await Promise.all(busy);
    const { forecast, error } = await started.finish(monthlyCohorts(monthly));
    expect(error).toBeNull();
    expect(JSON.stringify(forecast)).toBe(JSON.stringify(alone.forecast));
    expect(started.readMs).toBeGreaterThan(0);
    const dropped = await startForecast(wh, request);
    await dropped.abandon();
    const next = await startForecast(wh, request);
    expect((await next.finish(monthlyCohorts(monthly))).forecast.model).toBe('bgnbd');
  }, 60_000);

  it('fits sBG\'s groups as the report\'s cohorts say, where they differ from what its data showed', async () => {
    // The thread fits sBG before the report's cohorts come, a group per cohort its data shows eligible;
    // here the report says cohort 2026-03-01 has no complete month yet, so it gets no group of its own and
    // no forecast, and the other cohorts' fits are the ones they get in the usual case.
    const settings = ForecastSchema.parse({ model: 'sbg', replicates: 6, horizon_months: 12, min_group_customers: 30 });
    const request = { tenant: 'default', asOf: T, settings, subscription: false };
    const usual = (await (await startForecast(wh, request)).finish(monthlyCohorts(monthly))).forecast;
    const young = monthlyCohorts(monthly).map((c) => (c.title === '2026-03-01' ? { ...c, lastComplete: -1 } : c));
    const refitted = (await (await startForecast(wh, request)).finish(young)).forecast;
    const groups = (f: typeof usual) => f.fits.map((x) => x.group);
    expect(groups(usual)).toEqual(['pooled', ...COHORTS.map((c) => `cohort ${c}`)]);
    expect(groups(refitted)).toEqual(['pooled', 'cohort 2026-01-01', 'cohort 2026-02-01']);
    for (const g of ['cohort 2026-01-01', 'cohort 2026-02-01']) {
      expect(refitted.fits.find((x) => x.group === g)).toEqual(usual.fits.find((x) => x.group === g));
    }
    const row = (f: typeof usual, title: string) => f.rows.find((r) => r.title === title)!;
    expect(row(refitted, '2026-03-01').cells).toEqual([]);
    expect(row(refitted, '2026-03-01').note).toBe('no forecast: too little history: its first month of life is not complete yet');
    expect(row(refitted, '2026-01-01').cells).toEqual(row(usual, '2026-01-01').cells);
  }, 60_000);

  it('holds the customers started by C as views of the first rows, or as copies when the local order is not the instants\' order', async () => {
    // A fresh warehouse: one customer's local first payment is moved below. C 130 days before T (2026-02-21):
    // the March cohort and part of February start after it.
    const own = await forecastWarehouse();
    try {
      const settings = ForecastSchema.parse({ model: 'sbg', replicates: 4, horizon_months: 12, holdout_days: 130 });
      const request = { tenant: 'default', asOf: T, settings, subscription: true };
      // By hand: the customers who started by C, in the rows' order (local first payment, then id), with
      // their first payments and the payments they made by C.
      const byHand = async (C: number) => own.all<{ t0: number; payments: number }>(`SELECT CAST(epoch_ms(c.t0_local) AS DOUBLE) AS t0,
          CAST(count(*) FILTER (WHERE m.is_payment AND m.t <= CAST($c AS TIMESTAMPTZ)) AS DOUBLE) AS payments
        FROM customers_all c JOIN movements m USING (tenant_id, customer_id)
        WHERE c.tenant_id = 'default' AND c.t0 <= CAST($c AS TIMESTAMPTZ)
        GROUP BY c.customer_id, c.t0_local ORDER BY c.t0_local, c.customer_id`, { c: new Date(C).toISOString() });
      const first = await readForecast(own, request);
      const atC = first.atC.customers;
      const want = await byHand(first.cutoffMs);
      expect(want.length).toBeGreaterThan(60);
      expect(want.length).toBeLessThan(first.atT.customers.n);
      expect([...atC.t0Ms]).toEqual(want.map((r) => Number(r.t0)));
      expect([...atC.payments]).toEqual(want.map((r) => Number(r.payments)));
      expect(atC.payments).toBeInstanceOf(Int32Array);
      // In UTC they are the first rows: views of the columns read for every customer, not copies.
      expect(atC.t0Ms.buffer).toBe(first.atT.customers.t0Ms.buffer);
      expect(atC.payments.buffer.byteLength).toBe(first.atT.customers.n * 4);
      // A first payment whose local time sorts after customers who started after C (as the repeated hour of
      // a fall-back transition can): copies of the rows that started, in the rows' order.
      await own.run(`UPDATE customers_all SET t0_local = t0_local + INTERVAL 60 DAY WHERE tenant_id = 'default' AND customer_id = 'c0-0'`);
      const moved = await readForecast(own, request);
      const again = await byHand(moved.cutoffMs);
      expect(again.length).toBe(want.length);
      expect([...moved.atC.customers.t0Ms]).toEqual(again.map((r) => Number(r.t0)));
      expect([...moved.atC.customers.payments]).toEqual(again.map((r) => Number(r.payments)));
      expect(moved.atC.customers.payments).toBeInstanceOf(Int32Array);
      expect(moved.atC.customers.t0Ms.buffer).not.toBe(moved.atT.customers.t0Ms.buffer);
      expect(moved.atC.customers.payments.buffer.byteLength).toBe(again.length * 4);
    } finally {
      own.close();
    }
  });

  it('reads every tenant in one pass, and each tenant gets the forecast it gets alone', async () => {
    const settings = ForecastSchema.parse({ model: 'bgnbd', replicates: 5, horizon_months: 12 });
    const requests = ['default', 'other'].map((tenant) => ({ tenant, asOf: T, settings, subscription: false }));
    const started = await startForecasts(wh, requests);
    const together = await Promise.all(started.map((f) => f.finish(monthlyCohorts(monthly))));
    for (const [i, request] of requests.entries()) {
      const alone = await forecastTenant(wh, { ...request, monthly });
      expect(JSON.stringify(together[i]!.forecast), request.tenant).toBe(JSON.stringify(alone.forecast));
    }
    // The same purchases at twice the price: the same purchase model, twice the money (Gamma-Gamma's γ is a
    // scale), so every predicted cell is twice the other tenant's, to the cent's rounding.
    const [one, two] = together.map((t) => t.forecast);
    const bg = (f: typeof one) => f!.fits.find((x) => x.model === 'bgnbd')!.params;
    expect(bg(two)).toEqual(bg(one));
    const total = (f: typeof one) => f!.rows.find((r) => r.type === 'total')!.cells;
    expect(total(two).length).toBe(total(one).length);
    total(one).forEach((c, j) => expect(total(two)[j]!.revenue).toBeCloseTo(2 * c.revenue, 1));
  }, 60_000);

  it('draws no bootstrap when no cohort gets a forecast, and says so; the fit is the one it reports otherwise', async () => {
    // Every cohort has 60 customers: with 61 required, none is predicted, so no interval needs a replicate.
    const settings = (min: number) => ForecastSchema.parse({ model: 'bgnbd', replicates: 12, horizon_months: 12, min_cohort_customers: min });
    const usual = (await (await startForecast(wh, { tenant: 'default', asOf: T, settings: settings(20), subscription: false })).finish(monthlyCohorts(monthly))).forecast;
    const none = (await (await startForecast(wh, { tenant: 'default', asOf: T, settings: settings(61), subscription: false })).finish(monthlyCohorts(monthly))).forecast;
    expect(usual.bootstrap.replicates).toBe(12);
    expect(none.bootstrap).toEqual({ replicates: 0, requested: 12, seed: 17, note: 'none drawn: no cohort has a forecast, so there is no interval to draw' });
    expect(none.fits).toEqual(usual.fits);
    expect(none.rows.map((r) => r.cells.length)).toEqual([0, 0, 0, 0]);
    expect(none.rows.slice(1).map((r) => r.note)).toEqual(COHORTS.map(() => 'no forecast: too few customers: 60 < 61'));
  }, 60_000);

  it('draws no bootstrap when every cohort is realized to the horizon', async () => {
    // T = 2026-07-01: the March cohort (ends Apr 1) has months 0–2 complete (Apr 1 + 3 months ≤ T), January
    // and February more. A 3-month horizon is realized everywhere; a 4-month one predicts March's month 3.
    const settings = (horizon: number) => ForecastSchema.parse({ model: 'bgnbd', replicates: 12, horizon_months: horizon });
    const realized = (await (await startForecast(wh, { tenant: 'default', asOf: T, settings: settings(3), subscription: false })).finish(monthlyCohorts(monthly))).forecast;
    expect(realized.model).toBe('bgnbd');
    expect(realized.bootstrap).toEqual({ replicates: 0, requested: 12, seed: 17, note: 'none drawn: no cohort has a forecast, so there is no interval to draw' });
    expect(realized.rows.slice(1).map((r) => r.note)).toEqual(COHORTS.map(() => 'no forecast: fully realized: every month up to the horizon (3) is complete'));
    expect(realized.headline).toBeNull();
    const four = (await (await startForecast(wh, { tenant: 'default', asOf: T, settings: settings(4), subscription: false })).finish(monthlyCohorts(monthly))).forecast;
    expect(four.bootstrap.replicates).toBe(12);
    expect(four.rows.filter((r) => r.cells.length > 0).map((r) => [r.title, r.cells.map((c) => c.period)])).toEqual([['Total', [3]], ['2026-03-01', [3]]]);
  }, 60_000);

  it('draws the bootstrap after all when the report\'s cohorts get a forecast its data did not promise: the same intervals', async () => {
    // The thread decides from its own data (60 customers a cohort) whether to bootstrap before the report's
    // cohorts come. Here the report counts 100 a cohort: with 61 required, the data promised no forecast
    // and the report has three. Their cells, bounds included, are those of a run that bootstrapped at once
    // (50 required: the data promised them); only the backtest, whose cohorts the threshold picks at C, differs.
    const report = monthlyCohorts(monthly).map((c) => ({ ...c, customers: 100 }));
    const settings = (min: number) => ForecastSchema.parse({ model: 'bgnbd', replicates: 12, horizon_months: 12, min_cohort_customers: min });
    const eager = (await (await startForecast(wh, { tenant: 'default', asOf: T, settings: settings(50), subscription: false })).finish(report)).forecast;
    const late = (await (await startForecast(wh, { tenant: 'default', asOf: T, settings: settings(61), subscription: false })).finish(report)).forecast;
    expect(late.bootstrap).toEqual(eager.bootstrap);
    expect(late.bootstrap.replicates).toBe(12);
    expect(late.rows.filter((r) => r.cells.length > 0).map((r) => r.title)).toEqual(['Total', ...COHORTS]);
    expect(JSON.stringify(late.rows)).toBe(JSON.stringify(eager.rows));
    expect(late.rows[1]!.cells.some((c) => c.lower.revenue < c.revenue && c.upper.revenue > c.revenue)).toBe(true);
  }, 60_000);

  it('stops a cancelled run\'s forecast: the error goes on, no forecast is made of it', async () => {
    const controller = new AbortController();
    const settings = ForecastSchema.parse({ model: 'bgnbd', replicates: 12 });
    const started = await startForecast(wh, { tenant: 'default', asOf: T, settings, subscription: false }, controller.signal);
    controller.abort(new Error('worker shutting down'));
    await expect(started.finish(monthlyCohorts(monthly))).rejects.toThrow('the run was cancelled');
    // The thread goes on serving the next run.
    const next = await startForecast(wh, { tenant: 'default', asOf: T, settings, subscription: false });
    expect((await next.finish(monthlyCohorts(monthly))).forecast.model).toBe('bgnbd');
  }, 60_000);

  it('listens to a run\'s signal once for all its tenants, and lets go when their forecasts are done', async () => {
    // One listener per tenant made Node warn of a memory leak (MaxListenersExceededWarning) on the
    // terminal of every run of more than ten tenants.
    const many = await forecastWarehouse(11);
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on('warning', onWarning);
    try {
      const controller = new AbortController();
      const settings = ForecastSchema.parse({ model: 'bgnbd', replicates: 0, horizon_months: 12 });
      const tenants = ['default', 'other', ...Array.from({ length: 11 }, (_, i) => `copy${i}`)];
      const started = await startForecasts(many, tenants.map((tenant) => ({ tenant, asOf: T, settings, subscription: false })), controller.signal);
      const results = await Promise.all(started.map((f) => f.finish(monthlyCohorts(monthly))));
      expect(results.map((r) => r.error)).toEqual(tenants.map(() => null));
      // Each copy made default's purchases: its forecast is default's.
      expect(JSON.stringify(results[12]!.forecast.rows)).toBe(JSON.stringify(results[0]!.forecast.rows));
      expect(getEventListeners(controller.signal, 'abort')).toEqual([]);
      // A cancelled run of many tenants still stops every one of them.
      const cancelled = await startForecasts(many, tenants.map((tenant) => ({ tenant, asOf: T, settings: ForecastSchema.parse({ model: 'bgnbd', replicates: 12 }), subscription: false })), controller.signal);
      const finishing = cancelled.map((f) => f.finish(monthlyCohorts(monthly)));
      controller.abort(new Error('worker shutting down'));
      for (const f of finishing) await expect(f).rejects.toThrow('the run was cancelled');
      expect(getEventListeners(controller.signal, 'abort')).toEqual([]);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.map((w) => w.name)).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      many.close();
    }
  }, 60_000);

  it('lets an abandoned forecast go and serves the next one', async () => {
    const settings = ForecastSchema.parse({ model: 'bgnbd', replicates: 3 });
    const dropped = await startForecast(wh, { tenant: 'default', asOf: T, settings, subscription: false });
    dropped.abandon();
    const next = await startForecast(wh, { tenant: 'default', asOf: T, settings, subscription: false });
    expect((await next.finish(monthlyCohorts(monthly))).forecast.bootstrap.replicates).toBe(3);
  }, 60_000);

  it('stops a run\'s forecasts abandoned while its report is written, and not the next run\'s', async () => {
    // The pipeline hands every tenant's cohorts over when its matrices are done and awaits the forecasts
    // while it writes the reports; a run that fails there abandons them: the thread stops at its next fit
    // (or has finished), and the next run, with a flag of its own, is served in full.
    const settings = ForecastSchema.parse({ model: 'bgnbd', replicates: 100 });
    const request = { tenant: 'default', asOf: T, settings, subscription: false };
    const started = await startForecast(wh, request);
    await started.loaded;
    const finishing = started.finish(monthlyCohorts(monthly));
    await started.abandon();
    const { forecast, error } = await finishing;
    if (error !== null) {
      expect(error).toBe('the run was cancelled');
      expect(forecast.model).toBeNull();
    }
    const next = await startForecast(wh, request);
    const served = await next.finish(monthlyCohorts(monthly));
    expect(served.error).toBeNull();
    expect(served.forecast.model).toBe('bgnbd');
    expect(JSON.stringify(served.forecast)).toBe(JSON.stringify((await forecastTenant(wh, { ...request, monthly })).forecast));
  }, 60_000);

  it('makes a read that fails a forecast without a model, as in process', async () => {
    const bare = await Warehouse.open({ timezone: 'UTC', memoryLimit: '256MB', threads: 1 });
    try {
      const settings = ForecastSchema.parse({});
      const request = { tenant: 'default', asOf: T, settings, subscription: false };
      const started = await startForecast(bare, request);
      const { forecast, error } = await started.finish(monthlyCohorts(monthly));
      expect(error).toBe('Catalog Error: Scalar Function with name ltv_local does not exist!');
      expect(forecast).toEqual((await forecastTenant(bare, { ...request, monthly })).forecast);
      expect(forecast.model).toBeNull();
      expect(forecast.rows.map((r) => r.note)).toEqual(COHORTS.map(() => `no forecast: the BG/NBD forecast failed: ${error}`));
    } finally {
      bare.close();
    }
  }, 60_000);
});
