// The one number in the subject line (SPEC §7 "subject with tenant, date and headline LTV"): the average
// LTV at 90 days (SPEC §4 summary); while no customer is 90 days old, at 30 days; while none is 30 days
// old either, the latest value of the heatmap's Total row, so a young tenant still gets a number.
import type { TenantReport } from '../ltv/model.js';
import { periodLabel } from '../format/labels.js';
import { emailMatrix } from './heatmapView.js';

export interface Headline {
  /** null when the tenant has no paying customer at all. */
  value: number | null;
  /** What the value is: "90 days", "30 days", "month 0". */
  horizon: string;
}

export function headlineLtv(report: TenantReport): Headline {
  const { average_ltv_90d: d90, average_ltv_30d: d30 } = report.summary;
  if (d90 !== null) return { value: d90, horizon: '90 days' };
  if (d30 !== null) return { value: d30, horizon: '30 days' };
  const matrix = emailMatrix(report);
  const last = matrix?.rows.find((r) => r.type === 'total')?.cells.at(-1);
  if (matrix && last) return { value: last.revenue, horizon: periodLabel(matrix, last.period).toLowerCase() };
  return { value: null, horizon: '90 days' };
}
