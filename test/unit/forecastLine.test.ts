// SPEC §9 in the email: the predicted headline beside the realized one, with interval and backtest error.
import { expect, it } from 'vitest';
import type { Forecast, PredictedCell } from '../../src/ltv/model.js';
import { forecastLine } from '../../src/notify/forecastLine.js';
import { sampleReport } from '../helpers/sampleReport.js';

const cell = (period: number, v: number, lo: number, hi: number): PredictedCell => ({
  period, state: 'predicted', customers: 100, revenue: v, proceeds: v, net_revenue: v,
  lower: { revenue: lo, proceeds: lo, net_revenue: lo }, upper: { revenue: hi, proceeds: hi, net_revenue: hi },
});

const forecast = (over: Partial<Forecast>): Forecast => ({
  model: 'sbg', chosen_by: 'auto', reason: 'r', matrix: 'days-month-cohort', horizon_months: 24, interval: 0.8,
  bootstrap: { replicates: 100, requested: 100, seed: 17 }, thresholds: { min_cohort_customers: 20, min_group_customers: 100 },
  fits: [], rows: [], backtest: {
    cutoff: '2026-01-01T00:00:00.000Z', holdout_days: 90, model: 'sbg', fits: [], cohorts: [], mape: 0.0531, bias: -0.0212,
  },
  headline: cell(11, 64.21, 60.5, 68.04), ...over,
});

it('says the predicted 12-month LTV with its interval and the backtest error', () => {
  const r = { ...sampleReport(), forecast: forecast({}) };
  const line = forecastLine(r)!;
  expect(line).toContain('Predicted LTV at 12 months:');
  expect(line).toContain('64.21');
  expect(line).toMatch(/80 % interval of the fitted parameters \D?60\.50–\D?68\.04, model error left out; sBG; /);
  // 0.0531 → 5.3 %, −0.0212 → −2.1 %
  expect(line).toContain('error 5.3 %, bias -2.1 %');
  expect(line).toContain('refit 90 days back');
});

it('names no interval when the job draws no replicates (it said "80 % interval 64.21–64.21")', () => {
  const line = forecastLine({ ...sampleReport(), forecast: forecast({ bootstrap: { replicates: 0, requested: 0, seed: 17 }, headline: cell(11, 64.21, 64.21, 64.21) }) })!;
  expect(line).toMatch(/^Predicted LTV at 12 months: \D?64\.21 \(no interval: replicates 0; sBG; backtest/);
  expect(line).not.toContain('80 %');
});

it('says why there is none', () => {
  expect(forecastLine(sampleReport())).toBe('Predicted LTV: none (forecasts are off for this job: its forecast.model is "off")');
  expect(forecastLine({ ...sampleReport(), forecast: forecast({ model: null, headline: null, reason: 'no forecast: no customer has churned yet' }) }))
    .toBe('Predicted LTV: none (no forecast: no customer has churned yet)');
  expect(forecastLine({ ...sampleReport(), forecast: forecast({ backtest: null, headline: cell(23, 80, 79, 81) }) })).toMatch(/at 24 months: .*no backtest\)$/);
  // A one-month horizon and a one-day backtest are counted in the singular.
  const short = forecast({ headline: cell(0, 5, 4, 6) });
  expect(forecastLine({ ...sampleReport(), forecast: { ...short, backtest: { ...short.backtest!, holdout_days: 1 } } })).toMatch(/^Predicted LTV at 1 month: .*refit 1 day back/);
});

it('says why no cohort has a forecast, counting the cohorts by their reason', () => {
  const row = (title: string, note: string) => ({ type: 'cohort' as const, title, customers: 5, fit: null, cells: [], note: `no forecast: ${note}` });
  const total = { type: 'total' as const, title: 'Total', customers: 0, fit: null, cells: [] };
  const none = (rows: Forecast['rows']) => forecastLine({ ...sampleReport(), forecast: forecast({ headline: null, rows: [total, ...rows] }) });
  expect(none([row('2026-01-01', 'too few customers: 5 < 20'), row('2026-02-01', 'too few customers: 3 < 20')]))
    .toBe('Predicted LTV: none (no cohort has a forecast: 2 cohorts have fewer than 20 customers)');
  expect(none([
    row('2024-01-01', 'fully realized: every month up to the horizon (24) is complete'),
    row('2026-01-01', 'too few customers: 5 < 20'),
    row('2026-03-01', 'too little history: its first month of life is not complete yet'),
    row('2026-02-01', 'the sBG forecast failed: boom'),
  ])).toBe('Predicted LTV: none (no cohort has a forecast: 1 cohort has fewer than 20 customers, 1 cohort has no complete month of life yet, '
    + '1 cohort is realized to the horizon (24 months), 1 cohort has no forecast for another reason (see forecast.json))');
  expect(none([])).toBe('Predicted LTV: none (no cohort has a forecast: the report has no cohort)');
  // A one-month horizon is one month, not "1 months".
  const oneMonth = forecastLine({ ...sampleReport(), forecast: forecast({ headline: null, horizon_months: 1, rows: [total, row('2024-01-01', 'fully realized: every month up to the horizon (1) is complete')] }) });
  expect(oneMonth).toBe('Predicted LTV: none (no cohort has a forecast: 1 cohort is realized to the horizon (1 month))');
});

it('says forecasts are off when the job turns them off (the email said nothing about a forecast)', () => {
  const { forecast: _, ...off } = sampleReport();
  expect(forecastLine(off)).toBe('Predicted LTV: none (forecasts are off for this job: its forecast.model is "off")');
});
