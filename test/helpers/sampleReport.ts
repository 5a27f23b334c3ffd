// A small, realistic report model written by hand for the writer tests and `npm run preview`.
// As of 2026-03-16T15:00Z (UTC): monthly cohorts Oct 2025 … Mar 2026. It deliberately holds the awkward
// cases: partial cells (SPEC §4 censoring), a negative value (refunds exceeding payments), a segment
// named like a formula, unicode titles, and an unknown segment.
import { matrixId, type Cell, type CellState, type Matrix, type MatrixRow, type TenantReport } from '../../src/ltv/model.js';

export const INJECTION_SEGMENT = '=HYPERLINK("http://x","y")';

/**
 * Cells from cumulative revenue values; proceeds = 70 % and net revenue = 70 % × 80 % of revenue,
 * rounded like the engine does. The last `partial` periods are partial.
 */
export function cells(revenue: number[], customers: number | number[], partial: number): Cell[] {
  return revenue.map((value, period) => {
    const state: CellState = period >= revenue.length - partial ? 'partial' : 'complete';
    const n = Array.isArray(customers) ? (customers[period] ?? 0) : customers;
    return {
      period,
      customers: n,
      state,
      // A cohort cell is complete for all of its customers or none (SPEC §4 censoring).
      complete_customers: state === 'complete' ? n : 0,
      revenue: value,
      proceeds: round2(value * 0.7),
      net_revenue: round2(value * 0.7 * 0.8),
    };
  });
}

export function round2(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x) * 100) / 100;
}

function row(type: MatrixRow['type'], title: string, customers: number, cellList: Cell[]): MatrixRow {
  return { type, title, customers, cells: cellList };
}

function withComplete(r: MatrixRow, complete: number[]): MatrixRow {
  return { ...r, cells: r.cells.map((c, k) => ({ ...c, complete_customers: complete[k] ?? 0 })) };
}

function matrix(spec: Omit<Matrix, 'id' | 'cohort_unit'> & { cohort_unit?: Matrix['cohort_unit'] }): Matrix {
  return {
    ...spec,
    id: matrixId(spec),
    cohort_unit: spec.cohort_unit ?? spec.period_unit,
  };
}

export function sampleReport(): TenantReport {
  const daysMonth = matrix({
    period_type: 'days',
    period_unit: 'month',
    segmentation: 'cohort',
    rows: [
      // Total: customer-weighted average over the cohorts in which each period is shown.
      // Its complete customers are those of the cohorts complete at k (below): 240+280+260+290, 240+280+260, …
      withComplete(row('total', 'Total', 1630, cells([9.87, 14.21, 17.05, 19.48, 21.02, 22.4], [1630, 1310, 1020, 760, 520, 240], 4)), [1070, 780, 520, 240, 0, 0]),
      row('cohort', '2025-10-01', 240, cells([9.5, 14.1, 17.2, 19.9, 21.35, 22.4], 240, 2)),
      row('cohort', '2025-11-01', 280, cells([10.25, 15.02, 18.4, 20.11, 21.0], 280, 2)),
      row('cohort', '2025-12-01', 260, cells([9.1, 13.5, 15.75, 17.3], 260, 2)),
      row('cohort', '2026-01-01', 290, cells([10.8, 14.9, 16.2], 290, 2)),
      row('cohort', '2026-02-01', 300, cells([9.99, 13.05], 300, 2)),
      row('cohort', '2026-03-01', 320, cells([-1.25], 320, 1)),
    ],
  });
  const daysWeek = matrix({
    period_type: 'days',
    period_unit: 'week',
    segmentation: 'cohort',
    rows: [
      row('total', 'Total', 210, cells([4.1, 6.32, 7.9, 8.85], [210, 150, 95, 40], 3)),
      row('cohort', '2026-02-23', 40, cells([3.8, 6.1, 7.9, 8.85], 40, 2)),
      row('cohort', '2026-03-02', 55, cells([4.2, 6.5, 7.9], 55, 2)),
      row('cohort', '2026-03-09', 60, cells([4.05, 6.3], 60, 2)),
      row('cohort', '2026-03-16', 55, cells([4.3], 55, 1)),
    ],
  });
  const renewalsMonth = matrix({
    period_type: 'renewals',
    period_unit: 'month',
    segmentation: 'cohort',
    rows: [
      row('total', 'Total', 1630, cells([9.87, 15.1, 18.9], [1630, 1310, 760], 0)),
      row('cohort', '2025-10-01', 240, cells([9.5, 15.4, 19.2], 240, 0)),
      row('cohort', '2025-11-01', 280, cells([10.25, 15.9, 18.7], 280, 0)),
    ],
  });
  const byCountry = matrix({
    period_type: 'days',
    period_unit: 'month',
    segmentation: 'country',
    rows: [
      row('total', 'Total', 1630, cells([9.87, 14.21, 17.05], [1630, 1310, 1020], 1)),
      row('segment', 'US', 910, cells([11.2, 16.8, 20.1], [910, 730, 560], 1)),
      row('segment', 'DE', 402, cells([8.9, 12.45, 15.0], [402, 330, 260], 1)),
      row('segment', 'Österreich — 日本', 150, cells([7.6, 9.1], [150, 120], 1)),
      row('segment', INJECTION_SEGMENT, 3, cells([4.99, -1.5], [3, 3], 1)),
      row('segment', 'unknown', 165, cells([6.3, 7.75, 8.2], [165, 127, 100], 1)),
    ],
  });
  return {
    schema_version: 1,
    tenant: 'Bäckerei Müller · Zürich',
    run_id: '20260316T150000Z',
    as_of: '2026-03-16T15:00:00.000Z',
    timezone: 'Europe/Zurich',
    currency: 'EUR',
    generated_at: '2026-03-16T15:00:04.250Z',
    duration_ms: 4250,
    inputs: [
      { path: 'exports/transactions-2025.csv', format: 'csv', rows: 18250, quarantined: 12 },
      { path: 'exports/transactions-2026.jsonl.gz', format: 'jsonl', rows: 6120, quarantined: 3 },
    ],
    stats: {
      rows_read: 24370,
      rows_quarantined: 15,
      duplicates: 41,
      sandbox_rows: 7,
      after_as_of_rows: 2,
      customer_ids: 1250,
      movements_without_customer: 0,
      // The buckets add up to rows_read: 15 + 41 + 7 + 2 + 24,155 + 120 + 30 = 24,370. Of the 127 refunds, 7
      // are payments' own refunded_at (no row of their own): 127 − 7 = 120 refund rows.
      transactions: 24155,
      refund_rows: 120,
      zero_amount_rows: 30,
      refunds_linked: 118,
      refunds_unlinked: 9,
    },
    summary: {
      customers: 1630,
      cohorts: 6,
      revenue: 31204.55,
      proceeds: 21843.19,
      net_revenue: 17474.55,
      average_ltv_30d: 9.91,
      average_ltv_90d: null,
    },
    matrices: [daysMonth, daysWeek, renewalsMonth, byCountry],
  };
}

/**
 * sampleReport with consecutive tidy rows that differ in one leading column only (ltv.csv and the Data
 * sheet format those columns once per matrix row): the first matrix's rows again under another id and
 * unit, a row equal to the one before it but for its customers, and a segment row with a cohort's title
 * (no cohort_date cell, so the Data sheet's next cell carries its address).
 */
export function leadingColumnsReport(): TenantReport {
  const report = sampleReport();
  const [first] = report.matrices;
  const [total, cohort] = first!.rows;
  first!.rows.splice(2, 0, { ...cohort!, customers: cohort!.customers + 1 }, { ...cohort!, type: 'segment' });
  report.matrices.splice(1, 0, { ...first!, id: 'days-year-cohort', period_unit: 'year', rows: [total!, cohort!] });
  return report;
}
