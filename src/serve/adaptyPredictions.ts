// SPEC §9 API: an Adapty body with `"prediction_months": N` gets `predicted_values: [{period, value, lower,
// upper}]` on each row, from a forecast of the run (so the answer depends on nothing newer than the run):
// the run's own (data/forecast.json) when the request is the whole date range without filters by monthly
// cohort (the snapshot's), else the forecast of the customers the request keeps, row by row, computed from
// the run's published inputs with the run's fits (servedForecast.ts; a row that is not a monthly cohort
// predicts as the Total of its customers). The forecast predicts cumulative LTV at the end of each month of
// life: it answers `period_type: days` with periods of a whole number of months (`period_unit` month,
// quarter or year: period p ends with month of life (p + 1)·L − 1, L = 1, 3, 12). Every other combination
// gets a 400 that names what is missing (renewals, days and weeks, csv; predictionsUnsupported.ts, which
// the explorer's page shares). A row's predicted values are its forecast row's predicted cells at the
// periods' last months, those before month N (none for a cohort without a forecast, or whose months up to
// N are all realized); the Total row's are the forecast's Total row's.
import type { Forecast, PredictedCell } from '../ltv/model.js';
import type { AdaptyResponse, AdaptyRow } from '../report/apiTypes.js';
import type { AdaptyRequest } from './adaptyRequest.js';
import { MONTHS_PER_PERIOD } from './predictionsUnsupported.js';

export interface PredictedValue {
  period: number;
  value: number;
  lower: number;
  upper: number;
}

const TYPES = ['revenue', 'proceeds', 'net_revenue'] as const;

/** The cells that end a period of `perPeriod` months, before month `months`, as that period's values. */
function values(cells: readonly PredictedCell[], type: (typeof TYPES)[number], months: number, perPeriod: number): PredictedValue[] {
  return cells
    .filter((c) => c.period < months && (c.period + 1) % perPeriod === 0)
    .map((c) => ({ period: (c.period + 1) / perPeriod - 1, value: c[type], lower: c.lower[type], upper: c.upper[type] }));
}

/**
 * `body` (an answer to a request predictionsUnsupported.ts accepts) with predicted_values on every row, from
 * `forecast`: the forecast of the very customers the body's rows count (a cohort row whose customers differ
 * gets none: a forecast of other customers is not this row's). The Total row takes the forecast's Total,
 * which averages the cohorts with a forecast or a fully realized horizon (its customers are those, not
 * every customer of the body's Total).
 */
export function addPredictions(body: AdaptyResponse, forecast: Pick<Forecast, 'rows'> | null, months: number, unit: AdaptyRequest['spec']['period_unit'] = 'month'): AdaptyResponse {
  const perPeriod = MONTHS_PER_PERIOD[unit] ?? 1;
  // The Total by its type, the other rows by title (a cohort's, or a segment's value: unique in an answer).
  const byTitle = new Map((forecast?.rows ?? []).map((r) => [r.type === 'total' ? '\0total' : r.title, r]));
  const out = structuredClone(body) as AdaptyResponse & Record<string, { data: (AdaptyRow & { predicted_values?: PredictedValue[] })[] }>;
  for (const type of TYPES) {
    for (const row of out[type].data as (AdaptyRow & { predicted_values?: PredictedValue[] })[]) {
      const f = byTitle.get(row.type === 'total' ? '\0total' : row.title);
      row.predicted_values = f && (row.type === 'total' || f.customers === row.cohort_size) ? values(f.cells, type, months, perPeriod) : [];
    }
  }
  return out;
}
