// SPEC §9 honest defaults: a forecast without a model still says what was asked (settings, the model chosen
// and why) and why there is none, on the forecast and on every cohort's row.
import type { ForecastSettings } from '../config/jobSchema.js';
import type { Forecast } from '../ltv/model.js';
import { chooseModel } from './chooseModel.js';
import type { CohortRow, ForecastRequest } from './forecastData.js';

/** The forecast without a model that a failure publishes (forecastTenant says when), and the error's first line. */
export function failedForecast(inputs: Pick<ForecastRequest, 'settings' | 'subscription'>, cohorts: readonly CohortRow[], err: unknown): { forecast: Forecast; error: string } {
  const error = err instanceof Error ? err.message.split('\n')[0]! : String(err).split('\n')[0]!;
  const choice = chooseModel(inputs.settings, inputs.subscription);
  const reason = `no forecast: the ${choice.model === 'sbg' ? 'sBG' : 'BG/NBD'} forecast failed: ${error}`;
  return { forecast: withoutForecast(forecastBase(inputs.settings, choice), reason, cohorts), error };
}

export /** What every forecast states, whatever comes of it: the settings, and the model chosen and why. */
function forecastBase(settings: ForecastSettings, choice: ReturnType<typeof chooseModel>): Forecast {
  return {
    model: choice.model, chosen_by: choice.chosen_by, reason: choice.reason, matrix: 'days-month-cohort',
    horizon_months: settings.horizon_months, interval: settings.interval,
    bootstrap: { replicates: 0, requested: settings.replicates, seed: settings.seed },
    thresholds: { min_cohort_customers: settings.min_cohort_customers, min_group_customers: settings.min_group_customers },
    fits: [], rows: [], backtest: null, headline: null,
  };
}

export /** A forecast without a model: `reason` says why, on the forecast and on every cohort's row. */
function withoutForecast(base: Forecast, reason: string, cohorts: readonly { title: string; customers: number }[]): Forecast {
  return { ...base, model: null, reason, rows: cohorts.map((c) => ({ type: 'cohort', title: c.title, customers: c.customers, fit: null, cells: [], note: reason })) };
}
