// SPEC §9: which Adapty requests can carry `prediction_months` (adaptyPredictions.ts says why the forecast
// answers only these). One rule for the server, which answers any other combination 400, and for the
// explorer's page (src/explorer/app/served.ts), which asks with prediction_months only where it applies: a
// request refused in ordinary use logged a console error in the browser for every such change of view. The
// page's bundle imports this file, so it imports types only, nothing of Node's.
import type { MatrixSpec, PeriodUnit } from '../ltv/model.js';

/** What of a request the rule reads (src/serve/adaptyRequest.ts AdaptyRequest has these). */
export interface PredictionsAsked {
  spec: MatrixSpec;
  format: 'json' | 'csv';
}

/** Months in one period of the units predictions are answered for. */
export const MONTHS_PER_PERIOD: Partial<Record<PeriodUnit, number>> = { month: 1, quarter: 3, year: 12 };

/** Why a request cannot carry predictions; null when it can. */
export function predictionsUnsupported(r: PredictionsAsked): string | null {
  const { period_type: type, period_unit: unit } = r.spec;
  if (type !== 'days') return 'prediction_months is answered for period_type "days" only: the forecast predicts months of life, not renewals';
  if (!(unit in MONTHS_PER_PERIOD)) return `prediction_months is answered for period_unit "month", "quarter" or "year", not "${unit}": a forecast month of life does not divide into ${unit}s`;
  if (r.format === 'csv') return 'prediction_months is answered in json only';
  return null;
}
