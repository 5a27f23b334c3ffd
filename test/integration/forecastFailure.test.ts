// SPEC §9: a forecast adds to the realized report. One that fails with an error publishes as a forecast
// without a model that says why (src/forecast/forecastTenant.ts), instead of failing the run. Here the
// failure is real: a DuckDB warehouse without the run's macros and tables, so the forecast's first read fails.
import { describe, expect, it } from 'vitest';
import { ForecastSchema } from '../../src/config/jobSchema.js';
import { forecastTenant } from '../../src/forecast/forecastTenant.js';
import { installMacros } from '../../src/warehouse/installMacros.js';
import type { Matrix } from '../../src/ltv/model.js';
import { Warehouse } from '../../src/warehouse/openWarehouse.js';

const monthly: Matrix = {
  id: 'days-month-cohort', period_type: 'days', period_unit: 'month', segmentation: 'cohort', cohort_unit: 'month',
  rows: [
    { type: 'total', title: 'Total', customers: 30, cells: [] },
    { type: 'cohort', title: '2026-01-01', customers: 20, cells: [] },
    { type: 'cohort', title: '2026-02-01', customers: 10, cells: [] },
  ],
} as unknown as Matrix;

describe('a forecast that fails', () => {
  it('is a forecast without a model whose reason, and every cohort\'s note, give the error', async () => {
    const wh = await Warehouse.open({ timezone: 'UTC', memoryLimit: '256MB', threads: 1 });
    try {
      const settings = ForecastSchema.parse({});
      expect(settings.model).toBe('auto');
      const { forecast, error } = await forecastTenant(wh, { tenant: 'default', asOf: new Date('2026-03-01T00:00:00Z'), settings, subscription: false, monthly });
      expect(error).toBe('Catalog Error: Scalar Function with name ltv_local does not exist!');
      expect(error).not.toContain('\n');
      const reason = `no forecast: the BG/NBD forecast failed: ${error}`;
      expect(forecast).toEqual({
        model: null, chosen_by: 'auto', reason, matrix: 'days-month-cohort', horizon_months: 24, interval: 0.8,
        bootstrap: { replicates: 0, requested: 100, seed: 17 },
        thresholds: { min_cohort_customers: 20, min_group_customers: 100 },
        fits: [], backtest: null, headline: null,
        rows: [
          { type: 'cohort', title: '2026-01-01', customers: 20, fit: null, cells: [], note: reason },
          { type: 'cohort', title: '2026-02-01', customers: 10, fit: null, cells: [], note: reason },
        ],
      });
    } finally {
      wh.close();
    }
  });

  it('is not made into a report when the run was cancelled: the error goes on and stops the run', async () => {
    const wh = await Warehouse.open({ timezone: 'UTC', memoryLimit: '256MB', threads: 1 });
    try {
      const signal = AbortSignal.abort(new Error('worker shutting down'));
      await expect(forecastTenant(wh, { tenant: 'default', asOf: new Date('2026-03-01T00:00:00Z'), settings: ForecastSchema.parse({}), subscription: false, monthly, signal }))
        .rejects.toThrow('Catalog Error: Scalar Function with name ltv_local does not exist!');
    } finally {
      wh.close();
    }
  });

  it('is not started when its data would not fit DuckDB\'s memory limit, and says so', async () => {
    // 100,000 customers × 18 numbers (BG/NBD's 8 at T and at C, and 2 more) × 8 bytes = 14.4 MB of result,
    // more than a 12 MB limit (11.4 MiB as DuckDB states it): refused before the customers' statement runs
    // (it would fail to pin its blocks).
    const wh = await Warehouse.open({ timezone: 'UTC', memoryLimit: '12MB', threads: 1 });
    try {
      await installMacros(wh, 'UTC');
      await wh.run(`CREATE TEMP TABLE customers_all AS
        SELECT 'default' AS tenant_id, 'c' || i AS customer_id, TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_seconds(i * 30) AS t0
        FROM range(100000) t(i)`);
      await wh.run('ALTER TABLE customers_all ADD COLUMN t0_local TIMESTAMP; UPDATE customers_all SET t0_local = CAST(t0 AS TIMESTAMP)');
      const { forecast, error } = await forecastTenant(wh, { tenant: 'default', asOf: new Date('2026-03-01T00:00:00Z'), settings: ForecastSchema.parse({}), subscription: false, monthly });
      expect(error).toBe('its data for 100,000 customers takes about 14.4 MB of memory, more than DuckDB\'s memory limit (11.4 MiB): raise duckdb.memory_limit (--memory-limit) to forecast them');
      expect(forecast.model).toBeNull();
      expect(forecast.reason).toBe(`no forecast: the BG/NBD forecast failed: ${error}`);
    } finally {
      wh.close();
    }
  });
});
