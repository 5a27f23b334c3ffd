// SPEC §6 Zenovay contract: cohorts whose cohort_date lies in (T − range, T], oldest first, each with its
// shown periods (`days` type, unit = granularity), revenue per customer; the summary does not depend on
// range or granularity.
import type { Matrix, Summary } from '../ltv/model.js';
import type { ZenovayGranularity, ZenovayRange, ZenovayResponse } from './apiTypes.js';

const RANGE_DAYS: Record<ZenovayRange, number | null> = {
  '24h': 1, '7d': 7, '30d': 30, '90d': 90, '180d': 180, '365d': 365, all: null,
};

export const GRANULARITY_MATRIX: Record<ZenovayGranularity, string> = {
  weekly: 'days-week-cohort',
  monthly: 'days-month-cohort',
};

/**
 * @param asOfLocal T on the report time zone's wall clock, `YYYY-MM-DD HH:MM:SS[.ffffff]`; cohort dates
 *   are local midnights, so the window is compared on the same clock.
 */
export function toZenovayResponse(matrix: Matrix, range: ZenovayRange, summary: Summary, asOf: string, asOfLocal: string): ZenovayResponse {
  const days = RANGE_DAYS[range];
  const t = Date.parse(`${asOfLocal.replace(' ', 'T')}Z`);
  const lower = days === null ? -Infinity : t - days * 86_400_000;
  const cohorts = matrix.rows
    .filter((r) => r.type === 'cohort')
    .filter((r) => {
      const start = Date.parse(`${r.title}T00:00:00Z`);
      return start > lower && start <= t;
    })
    .map((r) => ({
      cohort_date: r.title,
      customers: r.customers,
      periods: r.cells.map((c) => ({ period: c.period, cumulative_revenue_per_customer: c.revenue })),
    }));
  return {
    success: true,
    data: { cohorts, summary: { average_ltv_30d: summary.average_ltv_30d, average_ltv_90d: summary.average_ltv_90d } },
    timestamp: new Date(asOf).toISOString(),
  };
}
