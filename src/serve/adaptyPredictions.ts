// SPEC §9 API: an Adapty body with `"prediction_months": N` gets `predicted_values: [{period, value, lower,
// upper}]` on each row, from the forecast the run published (data/forecast.json), so the answer depends on
// nothing newer than the run. The forecast is fitted per monthly cohort when the run is computed: it
// answers `period_type: days`, `period_unit: month`, rows by cohort (no segmentation, or `month`), with
// `date` as the only filter; other requests get a 400 that says so. A cohort's predicted values are its
// predicted cells with period < N (none for a cohort without a forecast, or whose months up to N are all
// realized). The Total row: the run's own Total when `date` covers every cohort; for a narrower range, the
// customer-weighted average over the chosen cohorts with a forecast, each at its realized (complete) value
// where there is one, and its interval as the same average of the cohorts' bounds (a conservative bound:
// it treats the cohorts' errors as moving together).
import type { Forecast, MoneyTriple, PredictedCell } from '../ltv/model.js';
import type { AdaptyResponse, AdaptyRow } from '../report/apiTypes.js';
import type { AdaptyRequest } from './adaptyRequest.js';

export interface PredictedValue {
  period: number;
  value: number;
  lower: number;
  upper: number;
}

const TYPES = ['revenue', 'proceeds', 'net_revenue'] as const;

/** Why a request cannot carry predictions; null when it can. */
export function predictionsUnsupported(r: AdaptyRequest): string | null {
  if (r.spec.period_type !== 'days' || r.spec.period_unit !== 'month' || !['cohort', 'month'].includes(r.spec.segmentation)) {
    return 'prediction_months is answered for period_type "days", period_unit "month" and rows by cohort (no segmentation, or "month"): the forecast predicts monthly cohorts';
  }
  if (!r.dateOnly) return 'prediction_months is answered with the date filter only: the forecast is fitted per cohort when the run is computed';
  return null;
}

const round2 = (v: number): number => Math.round(v * 100) / 100;

function values(cells: readonly PredictedCell[], type: (typeof TYPES)[number], months: number): PredictedValue[] {
  return cells.filter((c) => c.period < months).map((c) => ({ period: c.period, value: c[type], lower: c.lower[type], upper: c.upper[type] }));
}

export function addPredictions(body: AdaptyResponse, forecast: Forecast | null, months: number, wholeRange: boolean): AdaptyResponse {
  const byTitle = new Map((forecast?.rows ?? []).map((r) => [r.title, r]));
  const out = structuredClone(body) as AdaptyResponse & Record<string, { data: (AdaptyRow & { predicted_values?: PredictedValue[] })[] }>;
  for (const type of TYPES) {
    const rows = out[type].data as (AdaptyRow & { predicted_values?: PredictedValue[] })[];
    for (const row of rows) {
      if (row.type !== 'total') row.predicted_values = values(byTitle.get(row.title)?.cells ?? [], type, months);
    }
    const total = rows.find((r) => r.type === 'total');
    if (!total) continue;
    if (wholeRange) {
      total.predicted_values = values(byTitle.get('Total')?.cells ?? [], type, months);
      continue;
    }
    // Narrower date range: weighted over the chosen cohorts that have a forecast.
    const chosen = rows.filter((r) => r.type === 'cohort' && (byTitle.get(r.title)?.cells.length ?? 0) > 0);
    const periods = [...new Set(chosen.flatMap((r) => r.predicted_values!.map((v) => v.period)))].sort((a, b) => a - b);
    const n = chosen.reduce((s, r) => s + r.cohort_size, 0);
    total.predicted_values = n === 0 ? [] : periods.map((period) => {
      const sum: MoneyTriple & { lower: number; upper: number } = { revenue: 0, proceeds: 0, net_revenue: 0, lower: 0, upper: 0 };
      for (const r of chosen) {
        const p = r.predicted_values!.find((v) => v.period === period);
        const realized = r.values.find((v) => v.period === period)?.value ?? r.values.at(-1)?.value ?? 0;
        sum.revenue += r.cohort_size * (p ? p.value : realized);
        sum.lower += r.cohort_size * (p ? p.lower : realized);
        sum.upper += r.cohort_size * (p ? p.upper : realized);
      }
      return { period, value: round2(sum.revenue / n), lower: round2(sum.lower / n), upper: round2(sum.upper / n) };
    });
  }
  return out;
}
