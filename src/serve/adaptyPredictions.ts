// SPEC §9 API: an Adapty body with `"prediction_months": N` gets `predicted_values: [{period, value, lower,
// upper}]` on each row, from the forecast the run published (data/forecast.json), so the answer depends on
// nothing newer than the run. The forecast predicts each monthly cohort's cumulative LTV at the end of each
// month of life, when the run is computed: it answers `period_type: days` with rows by monthly cohort (no
// segmentation with `period_unit: month`, or segmentation `month`) and periods of a whole number of months
// (`period_unit` month, quarter or year: period p ends with month of life (p + 1)·L − 1, L = 1, 3, 12), with
// `date` as the only filter. Every other combination gets a 400 that names what is missing (renewals, days and
// weeks, other rows, other filters; predictionsUnsupported.ts, which the explorer's page shares). A cohort's
// predicted values are its predicted cells at the periods' last months, those before month N (none for a
// cohort without a forecast, or whose months up to N are all realized, or which the date range cuts: the
// forecast is the whole cohort's, not a part's). The Total row: the run's own Total when `date` covers every
// cohort; for a narrower range, the customer-weighted average over the chosen whole cohorts with a forecast or
// a fully realized horizon, each at its realized (complete) value where there is one, and its interval as the
// same average of the cohorts' bounds (a conservative bound: it treats the cohorts' errors as moving
// together).
import type { Forecast, MoneyTriple, PredictedCell } from '../ltv/model.js';
import type { AdaptyResponse, AdaptyRow } from '../report/apiTypes.js';
import type { AdaptyRequest } from './adaptyRequest.js';
import { whyNotOf } from '../forecast/cohortNotes.js';
import { MONTHS_PER_PERIOD } from './predictionsUnsupported.js';

export interface PredictedValue {
  period: number;
  value: number;
  lower: number;
  upper: number;
}

const TYPES = ['revenue', 'proceeds', 'net_revenue'] as const;

const round2 = (v: number): number => Math.round(v * 100) / 100;

/** The cells that end a period of `perPeriod` months, before month `months`, as that period's values. */
function values(cells: readonly PredictedCell[], type: (typeof TYPES)[number], months: number, perPeriod: number): PredictedValue[] {
  return cells
    .filter((c) => c.period < months && (c.period + 1) % perPeriod === 0)
    .map((c) => ({ period: (c.period + 1) / perPeriod - 1, value: c[type], lower: c.lower[type], upper: c.upper[type] }));
}

/** `body` (an answer to a request predictionsUnsupported.ts accepts) with predicted_values on every row. */
export function addPredictions(body: AdaptyResponse, forecast: Forecast | null, months: number, wholeRange: boolean, unit: AdaptyRequest['spec']['period_unit'] = 'month'): AdaptyResponse {
  const perPeriod = MONTHS_PER_PERIOD[unit] ?? 1;
  const byTitle = new Map((forecast?.rows ?? []).map((r) => [r.title, r]));
  const out = structuredClone(body) as AdaptyResponse & Record<string, { data: (AdaptyRow & { predicted_values?: PredictedValue[] })[] }>;
  for (const type of TYPES) {
    const rows = out[type].data as (AdaptyRow & { predicted_values?: PredictedValue[] })[];
    // A cohort the date range cuts (fewer customers than the forecast's row) has none: the forecast is the
    // whole cohort's, and its customers' histories differ from the part's.
    const whole = (row: AdaptyRow): boolean => byTitle.get(row.title)?.customers === row.cohort_size;
    for (const row of rows) {
      if (row.type !== 'total') row.predicted_values = whole(row) ? values(byTitle.get(row.title)!.cells, type, months, perPeriod) : [];
    }
    const total = rows.find((r) => r.type === 'total');
    if (!total) continue;
    if (wholeRange) {
      total.predicted_values = values(byTitle.get('Total')?.cells ?? [], type, months, perPeriod);
      continue;
    }
    // Narrower date range: weighted over the chosen cohorts that have a forecast or are fully realized up to
    // the horizon, as the run's Total is (forecastFromRead.ts, its `eligible` cohorts).
    const chosen = rows.filter((r) => r.type === 'cohort' && whole(r) && (byTitle.get(r.title)!.cells.length > 0 || whyNotOf(byTitle.get(r.title)!.note) === 'realized'));
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
