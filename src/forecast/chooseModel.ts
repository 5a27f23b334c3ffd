// SPEC §9: which model forecasts a tenant: the job's, or by the data (`auto`), with the reason recorded.
import type { ForecastSettings } from '../config/jobSchema.js';
import type { ForecastModel } from '../ltv/model.js';

/** `subscription`: some of the tenant's payments at T carry a renewal number or a duration (buildFacts.ts dedupStats). */
export function chooseModel(settings: ForecastSettings, subscription: boolean): { model: ForecastModel; chosen_by: 'job' | 'auto'; reason: string } {
  if (settings.model === 'sbg' || settings.model === 'bgnbd') {
    return { model: settings.model, chosen_by: 'job', reason: `the job sets forecast.model = ${settings.model}` };
  }
  // By the data (SPEC §9), tenant by tenant: a column present but empty (a warehouse export's) says nothing.
  return subscription
    ? { model: 'sbg', chosen_by: 'auto', reason: "the tenant's payments carry renewal numbers or durations: subscriptions, so sBG (retention per renewal × revenue per renewal)" }
    : { model: 'bgnbd', chosen_by: 'auto', reason: "the tenant's payments carry neither renewal numbers nor durations: repeat purchases, so BG/NBD (purchases) × Gamma-Gamma (their value)" };
}
