// A synthetic daily-cohort report of any size: `cohorts` daily cohorts ending on the as-of day, each
// shown up to the as-of time (SPEC §4 censoring makes the matrix a triangle; `square` fills it, the
// worst case for the writers). Values follow a saturating LTV curve so the heatmap looks like real data.
import type { Cell, MatrixRow, TenantReport } from '../../src/ltv/model.js';
import { round2, sampleReport } from './sampleReport.js';

export function dailyReport(cohorts: number, opts: { square?: boolean } = {}): TenantReport {
  const asOf = Date.UTC(2026, 2, 16);
  const day = 86_400_000;
  const rows: MatrixRow[] = [];
  const totals: { sum: number; n: number }[] = [];
  for (let i = 0; i < cohorts; i++) {
    const date = new Date(asOf - (cohorts - 1 - i) * day).toISOString().slice(0, 10);
    const customers = 40 + ((i * 37) % 60);
    const periods = opts.square ? cohorts : cohorts - i;
    const cells: Cell[] = [];
    for (let k = 0; k < periods; k++) {
      const revenue = round2(9.99 + 30 * (1 - Math.exp(-k / 90)) + (i % 7) * 0.13);
      cells.push({
        period: k,
        customers,
        state: k >= periods - 1 ? 'partial' : 'complete',
        revenue,
        proceeds: round2(revenue * 0.7),
        net_revenue: round2(revenue * 0.56),
      });
      const t = (totals[k] ??= { sum: 0, n: 0 });
      t.sum += revenue * customers;
      t.n += customers;
    }
    rows.push({ type: 'cohort', title: date, customers, cells });
  }
  const allCustomers = rows.reduce((s, r) => s + r.customers, 0);
  const total: MatrixRow = {
    type: 'total',
    title: 'Total',
    customers: allCustomers,
    cells: totals.map((t, k) => {
      const revenue = round2(t.sum / t.n);
      return { period: k, customers: t.n, state: 'partial', revenue, proceeds: round2(revenue * 0.7), net_revenue: round2(revenue * 0.56) };
    }),
  };
  return {
    ...sampleReport(),
    tenant: 'daily-bench',
    currency: 'USD',
    timezone: 'UTC',
    matrices: [{ id: 'days-day-cohort', period_type: 'days', period_unit: 'day', segmentation: 'cohort', cohort_unit: 'day', rows: [total, ...rows] }],
  };
}
