// Why a run's forecast predicts nothing, in one line, for the places that show the forecast as a whole
// (forecast.png, the email): the model could not be fitted (its reason), or it was and no cohort
// qualifies (SPEC §9 honest defaults; each cohort's own note in forecast.json says why, and this counts
// them). A tenant of small cohorts is the usual case: a shop of 200 customers over two years has none of 20.
import type { Forecast } from '../ltv/model.js';

const WHY = [
  ['no forecast: too few customers', (n: number, f: Forecast) => `${n === 1 ? 'has' : 'have'} fewer than ${f.thresholds.min_cohort_customers} customers`],
  ['no forecast: too little history', (n: number) => `${n === 1 ? 'has' : 'have'} no complete month of life yet`],
  ['no forecast: fully realized', (n: number, f: Forecast) => `${n === 1 ? 'is' : 'are'} realized to the horizon (${f.horizon_months} months)`],
] as const;

/** Null when some row has predicted cells. */
export function noForecastReason(f: Forecast): string | null {
  if (!f.model) return f.reason;
  const cohorts = f.rows.filter((r) => r.type === 'cohort');
  if (f.rows.some((r) => r.cells.length > 0)) return null;
  if (cohorts.length === 0) return 'no cohort has a forecast: the report has no cohort';
  const counts = WHY.map(([prefix]) => cohorts.filter((r) => r.note?.startsWith(prefix)).length);
  const other = cohorts.length - counts.reduce((a, b) => a + b, 0);
  const parts = WHY.flatMap(([, say], i) => (counts[i] ? [`${counts[i]} ${counts[i] === 1 ? 'cohort' : 'cohorts'} ${say(counts[i]!, f)}`] : []));
  if (other) parts.push(`${other} ${other === 1 ? 'cohort has' : 'cohorts have'} no forecast for another reason (see forecast.json)`);
  return `no cohort has a forecast: ${parts.join(', ')}`;
}
