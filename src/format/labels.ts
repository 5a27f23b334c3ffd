// How periods read to a person, shared by the workbook and the chart (and the words for a tenant without customers). SPEC §4: on `days` matrices
// period k is the k-th unit of a customer's life since the first payment (period 0 = the first unit);
// on `renewals` matrices it is the renewal number (0 = the first payment of a subscription).
import type { ForecastModel, Matrix, Summary } from '../ltv/model.js';

const UNIT_WORD = { day: 'Day', week: 'Week', month: 'Month', quarter: 'Quarter', year: 'Year' } as const;

/** What the report says in place of an LTV when the tenant has no paying customer at all. */
export const NO_CUSTOMERS = 'no paying customers yet';

/** Why an average LTV at `days` is missing: no customer that old yet, or no customer at all. */
export function ltvMissingReason(summary: Pick<Summary, 'customers'>, days: number): string {
  return summary.customers === 0 ? NO_CUSTOMERS : `no customer is ${days} days old yet`;
}

/** Column header of period k, e.g. "Month 3" or "Renewal 2". */
export function periodLabel(matrix: Pick<Matrix, 'period_type' | 'period_unit'>, period: number): string {
  return matrix.period_type === 'renewals' ? `Renewal ${period}` : `${UNIT_WORD[matrix.period_unit]} ${period}`;
}

/** Axis or header title of the periods, e.g. "Months since first payment (0 = the first month)". */
export function periodAxisTitle(matrix: Pick<Matrix, 'period_type' | 'period_unit'>): string {
  if (matrix.period_type === 'renewals') return 'Renewal number (0 = first payment)';
  const word = UNIT_WORD[matrix.period_unit];
  return `${word}s since first payment (0 = the first ${word.toLowerCase()})`;
}

/** A forecast model as the report names it (the email, the Forecast chart, the About sheet). */
export function forecastModelLabel(model: ForecastModel): string {
  return model === 'sbg' ? 'sBG' : 'BG/NBD + Gamma-Gamma';
}
