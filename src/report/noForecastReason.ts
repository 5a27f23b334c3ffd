// Why a run's forecast predicts nothing, in one line, for the places that show the forecast as a whole
// (forecast.png, the Forecast sheet, the email, the explorer): the model could not be fitted (its reason),
// or it was and no cohort qualifies (SPEC §9 honest defaults; each cohort's own note in forecast.json says
// why, forecast/cohortNotes.ts, and this counts them). A tenant of small cohorts is the usual case: a shop
// of 200 customers over two years has none of 20.
import { whyNotOf, type WhyNot } from '../forecast/cohortNotes.js';
import type { Forecast } from '../ltv/model.js';
import { formatCountOf } from '../format/money.js';

const SAY: Record<WhyNot, (n: number, f: Forecast) => string> = {
  tooFew: (n, f) => `${n === 1 ? 'has' : 'have'} fewer than ${f.thresholds.min_cohort_customers} customers`,
  tooYoung: (n) => `${n === 1 ? 'has' : 'have'} no complete month of life yet`,
  realized: (n, f) => `${n === 1 ? 'is' : 'are'} realized to the horizon (${formatCountOf(f.horizon_months, 'month')})`,
};

/** Null when some row has predicted cells. */
export function noForecastReason(f: Forecast): string | null {
  if (!f.model) return f.reason;
  if (f.rows.some((r) => r.cells.length > 0)) return null;
  const cohorts = f.rows.filter((r) => r.type === 'cohort');
  if (cohorts.length === 0) return 'no cohort has a forecast: the report has no cohort';
  const counts = new Map<WhyNot | null, number>();
  for (const r of cohorts) {
    const why = whyNotOf(r.note);
    counts.set(why, (counts.get(why) ?? 0) + 1);
  }
  const parts = (Object.keys(SAY) as WhyNot[]).flatMap((why) => {
    const n = counts.get(why);
    return n ? [`${formatCountOf(n, 'cohort')} ${SAY[why](n, f)}`] : [];
  });
  const other = counts.get(null);
  if (other) parts.push(`${formatCountOf(other, 'cohort')} ${other === 1 ? 'has' : 'have'} no forecast for another reason (see forecast.json)`);
  return `no cohort has a forecast: ${parts.join(', ')}`;
}

/** noForecastReason as a sentence of its own (a chart's or a sheet's line). */
export function noForecastSentence(f: Forecast): string | null {
  const why = noForecastReason(f);
  return why === null ? null : `${why.charAt(0).toUpperCase()}${why.slice(1)}`;
}
