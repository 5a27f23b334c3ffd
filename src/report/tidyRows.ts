// The long, tidy form of every matrix (SPEC §5 csv): one row per matrix row × period × accounting
// type. ltv.csv and the workbook's Data sheet both write exactly these rows, so their column list is
// one contract; add columns only at the end.
import { completeCustomers } from '../ltv/cellRuns.js';
import { ACCOUNTING_TYPES, type AccountingType, type CellState, type TenantReport } from '../ltv/model.js';
import { forecastTidyRows } from './forecastTidyRows.js';

export const TIDY_COLUMNS = [
  'tenant',
  'matrix',
  'period_type',
  'period_unit',
  'segmentation',
  'row_type',
  'row_title',
  'cohort_date',
  'segment',
  'cohort_size',
  'period',
  'accounting_type',
  'value',
  'customers',
  'state',
  'complete_customers',
  // SPEC §9: the interval of a predicted cell (empty on realized cells).
  'lower',
  'upper',
] as const;
export type TidyColumn = (typeof TIDY_COLUMNS)[number];

export interface TidyRow {
  tenant: string;
  /** The matrix id, `<period_type>-<period_unit>-<segmentation>`. */
  matrix: string;
  period_type: string;
  period_unit: string;
  segmentation: string;
  row_type: 'total' | 'cohort' | 'segment';
  /** "Total", the cohort date or the segment value, as in the Adapty response. */
  row_title: string;
  /** YYYY-MM-DD on cohort rows, else empty. */
  cohort_date: string;
  /** The segment value on segment rows, else empty. */
  segment: string;
  /** Every customer of the row (the denominator of cohort cells). */
  cohort_size: number;
  period: number;
  accounting_type: AccountingType;
  /** Cumulative per-customer value up to this period, already rounded to 2 decimals (SPEC §4). */
  value: number;
  /** Customers behind this cell (differs from cohort_size on rows that span cohorts, SPEC §4). */
  customers: number;
  state: CellState | 'predicted';
  /** Of `customers`, those in cohorts for which the period is complete (the share of the cell that is final). */
  complete_customers: number;
  /** A predicted cell's interval (SPEC §9); null on realized cells. */
  lower: number | null;
  upper: number | null;
}

/** How many columns lead a tidy row and are the same for every cell of a matrix row: tenant … cohort_size. */
export const TIDY_HEAD_COLUMNS = TIDY_COLUMNS.indexOf('cohort_size') + 1;

/**
 * Whether two tidy rows agree in their first TIDY_HEAD_COLUMNS columns: consecutive rows of one matrix
 * row do, and the writers format those columns once for all of them.
 */
export function sameHead(a: TidyRow, b: TidyRow): boolean {
  return a.cohort_size === b.cohort_size && a.row_title === b.row_title && a.matrix === b.matrix && a.row_type === b.row_type
    && a.tenant === b.tenant && a.period_type === b.period_type && a.period_unit === b.period_unit
    && a.segmentation === b.segmentation && a.cohort_date === b.cohort_date && a.segment === b.segment;
}

/** Columns whose values are numbers; every other column is text. */
export const TIDY_NUMBER_COLUMNS: ReadonlySet<TidyColumn> = new Set(['cohort_size', 'period', 'value', 'customers', 'complete_customers', 'lower', 'upper']);

/**
 * Matrices in report order, rows in matrix order, periods ascending, accounting types in model order; then
 * the forecast's predicted cells (state `predicted`) in the same order.
 */
export function* tidyRows(report: TenantReport): Generator<TidyRow> {
  for (const matrix of report.matrices) {
    // Once per matrix (a copy of the whole matrix per cell was most of ltv.csv's time).
    const m: TidyMatrix = { matrix: matrix.id, period_type: matrix.period_type, period_unit: matrix.period_unit, segmentation: matrix.segmentation };
    for (const row of matrix.rows) {
      for (const cell of row.cells) {
        const marks = { state: cell.state, complete_customers: completeCustomers(cell), lower: null, upper: null };
        yield* cellTidyRows(report.tenant, m, row, cell, () => marks);
      }
    }
  }
  yield* forecastTidyRows(report);
}

/** What places a tidy row in the report: its matrix and how that matrix is cut. */
export interface TidyMatrix {
  matrix: string;
  period_type: string;
  period_unit: string;
  segmentation: string;
}

/** One cell's rows, one per accounting type in model order; `mark` gives its state and interval columns. */
export function* cellTidyRows(
  tenant: string,
  m: TidyMatrix,
  row: { type: TidyRow['row_type']; title: string; customers: number },
  cell: { period: number; customers: number } & Record<AccountingType, number>,
  mark: (t: AccountingType) => Pick<TidyRow, 'state' | 'complete_customers' | 'lower' | 'upper'>,
): Generator<TidyRow> {
  for (const accountingType of ACCOUNTING_TYPES) {
    // Named, not spread: an object of one fixed shape per line.
    const { state, complete_customers, lower, upper } = mark(accountingType);
    yield {
      tenant,
      matrix: m.matrix,
      period_type: m.period_type,
      period_unit: m.period_unit,
      segmentation: m.segmentation,
      row_type: row.type,
      row_title: row.title,
      cohort_date: row.type === 'cohort' ? row.title : '',
      segment: row.type === 'segment' ? row.title : '',
      cohort_size: row.customers,
      period: cell.period,
      accounting_type: accountingType,
      value: cell[accountingType],
      customers: cell.customers,
      state,
      complete_customers,
      lower,
      upper,
    };
  }
}
