// SPEC §9: a forecast's error is published "so a user sees how much to trust it". Two sentences, the same on
// the workbook's Forecast sheet, in report.html and in the explorer (which bundles this file): what the
// interval covers and how its bootstrap went, and the backtest (its holdout, its error, or why it has none).
// report.html and the explorer said only "80 % interval" and dropped a backtest without an error, so a
// failed refit and replicates at the model's limit were said in the workbook alone; and none of the three
// said that the interval is the parameters' only (src/forecast/README.md "Intervals"): a review found CDNOW's
// later realized values inside the stated 80 % interval 0–4 % of the time.
import type { Backtest, Forecast } from '../ltv/model.js';
import { formatGroupedCountOf } from '../format/money.js';

/** What the sentences read of a forecast (forecast.json's own fields; the explorer's brief carries them). */
export interface ForecastTrust {
  /** Two-sided, e.g. 0.8; null when no replicate was drawn. */
  interval: number | null;
  bootstrap: Pick<Forecast['bootstrap'], 'replicates' | 'seed' | 'note'>;
  backtest: Pick<Backtest, 'cutoff' | 'holdout_days' | 'mape' | 'bias' | 'note'> | null;
}

const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;

/** The interval's sentences, then the backtest's: each ends with its full stop. */
export function forecastTrust(f: ForecastTrust): [interval: string, backtest: string] {
  const b = f.bootstrap;
  const interval = f.interval !== null && b.replicates > 0
    ? `Interval: ${Math.round(f.interval * 100)} % of the fitted parameters (seeded bootstrap over customers, ${b.replicates} replicates, seed ${b.seed}${b.note ? `; ${b.note}` : ''}). ` +
      'It leaves out the scatter of single customers\' futures and model error: see the backtest.'
    : `Interval: none${b.note ? ` (${b.note})` : ''}.`;
  const bt = f.backtest;
  const holdout = bt ? `${formatGroupedCountOf(bt.holdout_days, 'day')} back` : '';
  const backtest = !bt
    ? 'Backtest: none.'
    : bt.mape === null
      ? `Backtest: none (cutoff ${bt.cutoff.slice(0, 10)}, ${holdout}${bt.note ? `: ${bt.note}` : ''}).`
      : `Backtest: refit on the data up to ${bt.cutoff.slice(0, 10)} (${holdout}), predicted vs realized LTV at the as-of time: ` +
        `MAPE ${pct(bt.mape)}, bias ${bt.bias === null ? '—' : `${bt.bias > 0 ? '+' : ''}${pct(bt.bias)}`}${bt.note ? ` (${bt.note})` : ''}.`;
  return [interval, backtest];
}
