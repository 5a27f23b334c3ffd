// SPEC §9 in the run email: the predicted LTV (12 months, or the horizon when month 12 is realized) beside
// the realized headline, with its interval and how far the backtest's predictions were off.
import type { TenantReport } from '../ltv/model.js';
import { formatGroupedCountOf, formatMoney } from '../format/money.js';
import { noForecastReason } from '../report/noForecastReason.js';
import { forecastModelLabel } from '../format/labels.js';

/** What a run whose job turns forecasts off says in the email where a forecast would be. */
export const FORECASTS_OFF = 'Predicted LTV: none (forecasts are off for this job: its forecast.model is "off")';

const pct = (v: number): string => `${(v * 100).toFixed(1)} %`;

/** One line of plain text, also when the job turns forecasts off (said, not left out). */
export function forecastLine(r: TenantReport): string {
  const f = r.forecast;
  if (!f) return FORECASTS_OFF;
  if (!f.model || !f.headline) return `Predicted LTV: none (${noForecastReason(f) ?? 'no forecast at 12 months or at the horizon'})`;
  const h = f.headline;
  const months = h.period + 1;
  const bt = f.backtest;
  const backtest = bt && bt.mape !== null && bt.bias !== null
    ? `backtest (refit ${formatGroupedCountOf(bt.holdout_days, 'day')} back): error ${pct(bt.mape)}, bias ${bt.bias >= 0 ? '+' : ''}${pct(bt.bias)}`
    : `no backtest${bt?.note ? ` (${bt.note})` : ''}`;
  // Without replicates (the job's `replicates: 0`) the bounds are the central value: no interval to name
  // (it said "80 % interval $54.46–$54.46").
  // The interval is the fitted parameters' only (src/report/forecastTrust.ts): said, as every other view says it.
  const interval = f.bootstrap.replicates > 0
    ? `${Math.round(f.interval * 100)} % interval of the fitted parameters ${formatMoney(h.lower.revenue, r.currency)}–${formatMoney(h.upper.revenue, r.currency)}, model error left out`
    : 'no interval: replicates 0';
  return `Predicted LTV at ${formatGroupedCountOf(months, 'month')}: ${formatMoney(h.revenue, r.currency)} ` +
    `(${interval}; ` +
    `${forecastModelLabel(f.model)}; ${backtest})`;
}
