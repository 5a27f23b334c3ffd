// SPEC §9 API: predicted_values added to an Adapty answer from a forecast of the same customers (the run's
// own, or the endpoint's of the customers a filtered request keeps: servedForecast.ts).
import { describe, expect, it } from 'vitest';
import type { Forecast, PredictedCell } from '../../src/ltv/model.js';
import type { AdaptyResponse, AdaptyRow } from '../../src/report/apiTypes.js';
import { addPredictions } from '../../src/serve/adaptyPredictions.js';

const triple = (v: number) => ({ revenue: v, proceeds: v, net_revenue: v });
const cell = (period: number, v: number, customers: number): PredictedCell =>
  ({ period, state: 'predicted', customers, ...triple(v), lower: triple(v - 1), upper: triple(v + 1) });

// Jan (40 customers) is predicted from month 2, Feb (30) from month 1.
const forecast = {
  horizon_months: 12,
  rows: [
    { type: 'total', title: 'Total', customers: 70, fit: 'pooled', cells: [cell(2, 99, 70)] },
    { type: 'cohort', title: '2026-01-01', customers: 40, fit: 'pooled', cells: [cell(2, 30, 40), cell(3, 34, 40)] },
    { type: 'cohort', title: '2026-02-01', customers: 30, fit: 'pooled', cells: [cell(1, 20, 30), cell(2, 26, 30), cell(3, 29, 30)] },
  ],
} as unknown as Forecast;

function body(febSize: number): AdaptyResponse {
  const rows: AdaptyRow[] = [
    { title: 'Total', type: 'total', value: 0, cohort_size: 40 + febSize, values: [] },
    { title: '2026-01-01', type: 'cohort', value: 25, cohort_size: 40, values: [{ period: 0, value: 10 }, { period: 1, value: 25 }] },
    { title: '2026-02-01', type: 'cohort', value: 12, cohort_size: febSize, values: [{ period: 0, value: 12 }] },
  ];
  const metric = { title: 'LTV' as const, unit: 'USD', description: '', value: 0, data: rows };
  return { revenue: metric, proceeds: structuredClone(metric), net_revenue: structuredClone(metric) };
}

describe('addPredictions', () => {
  it('each row takes its own forecast row\'s cells before month N, the Total the forecast\'s Total, in every accounting type', () => {
    const out = addPredictions(body(30), forecast, 3);
    for (const type of ['revenue', 'proceeds', 'net_revenue'] as const) {
      const [total, jan, feb] = out[type].data as (AdaptyRow & { predicted_values: unknown[] })[];
      expect(jan!.predicted_values).toEqual([{ period: 2, value: 30, lower: 29, upper: 31 }]);
      expect(feb!.predicted_values).toEqual([{ period: 1, value: 20, lower: 19, upper: 21 }, { period: 2, value: 26, lower: 25, upper: 27 }]);
      expect(total!.predicted_values).toEqual([{ period: 2, value: 99, lower: 98, upper: 100 }]);
    }
  });

  it('quarters: period p is the cell of month (p + 1)·3 − 1, and only whole quarters before month N', () => {
    const out = addPredictions(body(30), forecast, 4, 'quarter');
    const [, jan, feb] = out.revenue.data as (AdaptyRow & { predicted_values: unknown[] })[];
    expect(jan!.predicted_values).toEqual([{ period: 0, value: 30, lower: 29, upper: 31 }]);
    expect(feb!.predicted_values).toEqual([{ period: 0, value: 26, lower: 25, upper: 27 }]);
  });

  it('a row that counts other customers than its forecast row (13 of Feb\'s 30) gets none: that forecast is not its', () => {
    const out = addPredictions(body(13), forecast, 4);
    const [total, jan, feb] = out.revenue.data as (AdaptyRow & { predicted_values: unknown[] })[];
    expect(feb!.predicted_values).toEqual([]);
    expect(jan!.predicted_values).toHaveLength(2);
    // The Total is the forecast's (over the cohorts it covers), whatever the body's Total counts.
    expect(total!.predicted_values).toEqual([{ period: 2, value: 99, lower: 98, upper: 100 }]);
  });
});
