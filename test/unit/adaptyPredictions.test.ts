// SPEC §9 API: predicted_values of an Adapty answer whose date range cuts a cohort. The forecast is the
// whole cohort's: the cut row gets none, and a narrower range's Total averages the whole cohorts only.
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

describe('addPredictions with a date range narrower than the run', () => {
  it('whole cohorts: each its cells, the Total weighted over both, realized where a cohort is complete', () => {
    const out = addPredictions(body(30), forecast, 4, false);
    const [total, jan, feb] = out.revenue.data as (AdaptyRow & { predicted_values: unknown[] })[];
    expect(jan!.predicted_values).toEqual([{ period: 2, value: 30, lower: 29, upper: 31 }, { period: 3, value: 34, lower: 33, upper: 35 }]);
    expect(feb!.predicted_values).toHaveLength(3);
    // Period 1: Jan realized 25, Feb predicted 20 → (40·25 + 30·20) / 70 = 1600 / 70 = 22.857… → 22.86;
    // lower (1000 + 570) / 70 = 22.43, upper (1000 + 630) / 70 = 23.29. Period 2: (1200 + 780) / 70 = 28.29.
    expect(total!.predicted_values.slice(0, 2)).toEqual([
      { period: 1, value: 22.86, lower: 22.43, upper: 23.29 },
      { period: 2, value: 28.29, lower: 27.29, upper: 29.29 },
    ]);
  });

  it('a cut cohort (13 of Feb\'s 30 customers) gets no predicted values, and the Total is Jan\'s alone', () => {
    const out = addPredictions(body(13), forecast, 4, false);
    for (const type of ['revenue', 'proceeds', 'net_revenue'] as const) {
      const [total, jan, feb] = out[type].data as (AdaptyRow & { predicted_values: unknown[] })[];
      expect(feb!.predicted_values).toEqual([]);
      expect(jan!.predicted_values).toHaveLength(2);
      expect(total!.predicted_values).toEqual([{ period: 2, value: 30, lower: 29, upper: 31 }, { period: 3, value: 34, lower: 33, upper: 35 }]);
    }
  });
});
