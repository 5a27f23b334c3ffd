// A forecast thread that dies (src/forecast/forecastThread.ts): the forecasts it held publish without a
// model that says why, as a failed forecast does, and the next forecast starts another thread. The death
// is real: the thread is started with a heap of LTV_FORECAST_HEAP_MB = 8 MiB, too small for it. The suite
// shares modules between files (isolate: false), and another file's forecasts may have started the
// process's thread already: this file imports forecastThread.ts as a module instance of its own (a
// query in its URL), whose first forecast starts a thread of its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ForecastSchema } from '../../src/config/jobSchema.js';
import { monthlyCohorts } from '../../src/forecast/forecastData.js';
import { forecastTenant } from '../../src/forecast/forecastTenant.js';
import type { Warehouse } from '../../src/warehouse/openWarehouse.js';
import { COHORTS, T, forecastWarehouse, monthly } from '../helpers/forecastWarehouse.js';

type ForecastThreadModule = typeof import('../../src/forecast/forecastThread.js');
const OWN_INSTANCE = '../../src/forecast/forecastThread.ts?thread-that-dies';

describe('a forecast thread that dies', () => {
  let wh: Warehouse;
  beforeAll(async () => {
    wh = await forecastWarehouse();
  });
  afterAll(() => {
    delete process.env.LTV_FORECAST_HEAP_MB;
    wh?.close();
  });

  it('fails the forecasts it held, each without a model saying why; the next forecast gets a thread and its model', async () => {
    const settings = ForecastSchema.parse({ model: 'bgnbd', replicates: 12, horizon_months: 12 });
    const requests = ['default', 'other'].map((tenant) => ({ tenant, asOf: T, settings, subscription: false }));
    const { startForecasts } = (await import(/* @vite-ignore */ OWN_INSTANCE)) as ForecastThreadModule;
    process.env.LTV_FORECAST_HEAP_MB = '8';
    const held = await startForecasts(wh, requests);
    for (const f of held) {
      const { forecast, error } = await f.finish(monthlyCohorts(monthly));
      expect(error).toMatch(/^the forecast thread stopped: .*memory limit/);
      expect(error).not.toContain('\n');
      expect(forecast.model).toBeNull();
      expect(forecast.rows.map((r) => r.note)).toEqual(COHORTS.map(() => `no forecast: the BG/NBD forecast failed: ${error}`));
    }
    delete process.env.LTV_FORECAST_HEAP_MB;
    const [next] = await startForecasts(wh, requests.slice(0, 1));
    const after = await next!.finish(monthlyCohorts(monthly));
    expect(after.error).toBeNull();
    expect(JSON.stringify(after.forecast)).toBe(JSON.stringify((await forecastTenant(wh, { ...requests[0]!, monthly })).forecast));
  }, 120_000);
});
