// What of a cohort matrix fits in an email: the Total row and the newest cohorts, the first periods.
// Inboxes are ~600–700 px wide and a 24 × 24 table is unreadable there; the workbook has every cell.
import type { Cell, Matrix, MatrixRow, TenantReport } from '../ltv/model.js';
import { chartMatrix } from '../report/renderChart.js';

export interface HeatmapLimits {
  /** Newest cohorts shown (default 13: a year back, and the same month a year ago with its full curve). */
  cohorts?: number;
  /** Periods shown, from period 0 (default 13: months 0–12). */
  periods?: number;
}

export interface HeatmapView {
  matrix: Matrix;
  total: MatrixRow | undefined;
  rows: MatrixRow[];
  /** Period numbers shown, ascending. */
  periods: number[];
  hiddenRows: number;
  hiddenPeriods: number;
  /** Range of the revenue values of the shown cohort rows: the colour scale. */
  min: number;
  max: number;
  /** Decimals in cells: none once values reach 100, so 13 columns of "1,044.80" still fit an inbox. */
  decimals: 0 | 2;
}

/** SPEC §7 "the cohort heatmap": the monthly `days` cohort matrix when the job has one, else the chart's. */
export function emailMatrix(report: TenantReport): Matrix | undefined {
  return (
    report.matrices.find((m) => m.period_type === 'days' && m.period_unit === 'month' && m.segmentation === 'cohort') ??
    chartMatrix(report)
  );
}

export function heatmapView(matrix: Matrix, limits: HeatmapLimits = {}): HeatmapView {
  const maxRows = limits.cohorts ?? 13;
  const maxPeriods = limits.periods ?? 13;
  const total = matrix.rows.find((r) => r.type === 'total');
  const others = matrix.rows.filter((r) => r.type !== 'total');
  // Cohorts are oldest first, so the newest are the tail; segments are largest first, so the head.
  const rows = others[0]?.type === 'cohort' ? others.slice(-maxRows) : others.slice(0, maxRows);
  const allPeriods = Math.max(0, ...matrix.rows.map((r) => r.cells.length));
  const periods = Array.from({ length: Math.min(allPeriods, maxPeriods) }, (_, i) => i);
  const values = rows.flatMap((r) => r.cells.filter((c) => c.period < periods.length).map((c) => c.revenue));
  return {
    matrix,
    total,
    rows,
    periods,
    hiddenRows: others.length - rows.length,
    hiddenPeriods: allPeriods - periods.length,
    min: values.length ? Math.min(...values) : 0,
    max: values.length ? Math.max(...values) : 0,
    decimals: Math.max(0, ...(total ? total.cells.map((c) => Math.abs(c.revenue)) : []), ...values.map(Math.abs)) >= 100 ? 0 : 2,
  };
}

export function cellAt(row: MatrixRow, period: number): Cell | undefined {
  return row.cells.find((c) => c.period === period);
}
