// The report model: the one typed result of a run that every writer (json, csv, xlsx, chart, API
// snapshots, email) renders. Money values are per-customer LTVs already rounded half away from zero to
// 2 decimals (SPEC §4 "rounded only where it is written out": the SQL rounds exactly, from DECIMAL).

export const ACCOUNTING_TYPES = ['revenue', 'proceeds', 'net_revenue'] as const;
export type AccountingType = (typeof ACCOUNTING_TYPES)[number];

export const PERIOD_TYPES = ['renewals', 'days'] as const;
export type PeriodType = (typeof PERIOD_TYPES)[number];

export const PERIOD_UNITS = ['day', 'week', 'month', 'quarter', 'year'] as const;
export type PeriodUnit = (typeof PERIOD_UNITS)[number];

/** Time segmentations: rows are cohorts by that unit instead of by period_unit (SPEC §6). */
export const TIME_SEGMENTATIONS = ['day', 'week', 'month', 'year'] as const;
export type TimeSegmentation = (typeof TIME_SEGMENTATIONS)[number];

/** Attribute segmentations and the canonical column each one reads (SPEC §3 dimensions, §6). */
export const SEGMENT_COLUMNS = {
  country: 'country',
  product: 'product_id',
  store_product_id: 'product_id',
  paywall: 'paywall',
  paywalls_group: 'paywalls_group',
  audience: 'audience',
  placement: 'placement',
  duration: 'duration',
  store: 'store',
} as const;
export type AttributeSegmentation = keyof typeof SEGMENT_COLUMNS;

/** `cohort` = no segmentation: rows are the cohorts by period_unit. */
export type Segmentation = 'cohort' | TimeSegmentation | AttributeSegmentation;
export const SEGMENTATIONS: readonly Segmentation[] = [
  'cohort',
  ...TIME_SEGMENTATIONS,
  ...(Object.keys(SEGMENT_COLUMNS) as AttributeSegmentation[]),
];

/** SPEC §5: Adapty's response for every unfiltered combination (140 files). */
export const ADAPTY_SNAPSHOT_SPECS: readonly MatrixSpec[] = PERIOD_TYPES.flatMap((period_type) =>
  PERIOD_UNITS.flatMap((period_unit) => SEGMENTATIONS.map((segmentation) => ({ period_type, period_unit, segmentation }))),
);

/** SPEC §4 censoring: `complete` when the whole cohort has lived through the period, else `partial`. */
export type CellState = 'complete' | 'partial';

export interface Cell {
  period: number;
  /** Customers behind the cell: the row's customers in the cohorts where this period is shown. */
  customers: number;
  state: CellState;
  /**
   * Of `customers`, those in cohorts for which this period is complete (SPEC §4 censoring): all of them
   * on a complete cohort cell, none on a partial one; on Total and segment rows, how much of the cell is
   * final. Absent in reports written before it was recorded.
   */
  complete_customers?: number;
  revenue: number;
  proceeds: number;
  net_revenue: number;
}

export interface MatrixRow {
  type: 'total' | 'cohort' | 'segment';
  /** "Total", the cohort_date (YYYY-MM-DD) or the segment value ("unknown" when missing). */
  title: string;
  /** Every customer of the row (the denominator of its cohort cells). */
  customers: number;
  cells: Cell[];
}

export interface MatrixSpec {
  period_type: PeriodType;
  period_unit: PeriodUnit;
  segmentation: Segmentation;
}

export interface Matrix extends MatrixSpec {
  /** `<period_type>-<period_unit>-<segmentation>`, as in the Adapty snapshot file names. */
  id: string;
  /** The calendar unit the cohorts are formed by: the time segmentation, else period_unit. */
  cohort_unit: PeriodUnit;
  /** Total row first, then cohorts oldest first or segments by customers (desc), then title. */
  rows: MatrixRow[];
}

export interface InputStats {
  path: string;
  format: string;
  rows: number;
  quarantined: number;
  /** Lines with no data (empty or only spaces) and lines repeating the header: skipped, counted (SPEC §3;
   *  present when not zero). */
  blank_lines?: number;
  repeated_header_lines?: number;
  /** The column mapping used: canonical column → the file's column ("derived" when a preset computes it).
   *  Absent in reports written before it was recorded. */
  columns?: Record<string, string>;
}

/** Something the reader must know before trusting the numbers (manifest, About sheet, terminal, email). */
export interface RunWarning {
  /** `stale_as_of`: the newest transaction is more than the smallest matrix unit before the as-of time. */
  code: 'stale_as_of';
  message: string;
}

export interface RunStats {
  rows_read: number;
  rows_quarantined: number;
  duplicates: number;
  sandbox_rows: number;
  after_as_of_rows: number;
  /** Payments (amount > 0) that exist at T. */
  transactions: number;
  /** Rows of amount below 0 that exist at T (refunds, linked or not). refunds_linked and refunds_unlinked count
   *  these and, besides them, each payment refunded by its own refunded_at (a refund without a row of its own). */
  refund_rows: number;
  /** Rows of amount 0 that exist at T (free trials, failed or voided payments, a preset's rows without money,
   *  an order's other line items): read and counted, adding no money and starting no cohort. Every row read is
   *  in one bucket: rows_read = rows_quarantined + duplicates + sandbox_rows + after_as_of_rows + transactions
   *  + refund_rows + zero_amount_rows (README "How the row counts add up"). */
  zero_amount_rows: number;
  /** Distinct (tenant, customer_id) among valid rows: paying or not. */
  customer_ids: number;
  refunds_linked: number;
  refunds_unlinked: number;
  /** Refunds of customers who have no payment up to T (in no cohort, so in no cell). */
  movements_without_customer: number;
}

export interface Summary {
  customers: number;
  cohorts: number;
  revenue: number;
  proceeds: number;
  net_revenue: number;
  /** SPEC §4 Zenovay summary; null when no customer is 30 (90) days old yet. */
  average_ltv_30d: number | null;
  average_ltv_90d: number | null;
}

/** The exchange rates file a run read (SPEC §3 currency, §5 run metadata): which rates produced its numbers. */
export interface RatesFile {
  /** As inputs[].path: the job's path resolved against the job file's directory. */
  path: string;
  /** Of the file's bytes as read (compressed ones for a gzip file). */
  sha256: string;
  /** Its data lines (blank lines and the header are none). */
  lines: number;
  /** The codes it gives rates for, sorted (the report currency's, at 1, included when it has a line). */
  currencies: string[];
  /** Its earliest and latest date; null when it has no line. */
  first_date: string | null;
  last_date: string | null;
}

export interface TenantReport {
  schema_version: 1;
  tenant: string;
  run_id: string;
  /** ISO 8601 UTC, e.g. 2026-03-16T15:00:00.000Z */
  as_of: string;
  timezone: string;
  currency: string;
  generated_at: string;
  duration_ms: number;
  inputs: InputStats[];
  /** The rates file the run read; null when the job gives none. Absent in reports written before it was recorded. */
  rates?: RatesFile | null;
  stats: RunStats;
  summary: Summary;
  matrices: Matrix[];
  /** Newest non-sandbox transaction at or before the as-of time (ISO UTC); null when none. Absent in
   *  reports written before it was recorded. */
  newest_transaction_at?: string | null;
  warnings?: RunWarning[];
  /** SPEC §9 predicted LTV; absent when the job turns forecasts off. */
  forecast?: Forecast;
}

export function matrixId(spec: MatrixSpec): string {
  return `${spec.period_type}-${spec.period_unit}-${spec.segmentation}`;
}

/**
 * Adapty MetricsFilters keys we answer (SPEC §6) and the canonical customer attribute each one matches.
 * OR within a key, AND across keys, case-insensitive. `date` (required) and `compare_date` (ignored)
 * are handled separately.
 */
export const FILTER_COLUMNS = {
  country: 'country',
  store: 'store',
  store_product_id: 'product_id',
  product: 'product_id',
  duration: 'duration',
  paywall: 'paywall',
  paywalls_group: 'paywalls_group',
  audience: 'audience',
  placement: 'placement',
  offer_category: 'offer_category',
  offer_type: 'offer_type',
  offer_id: 'offer_id',
  attribution_source: 'attribution_source',
  attribution_status: 'attribution_status',
  attribution_channel: 'attribution_channel',
  attribution_campaign: 'attribution_campaign',
  attribution_adgroup: 'attribution_adgroup',
  attribution_adset: 'attribution_adset',
  attribution_creative: 'attribution_creative',
} as const;
export type FilterKey = keyof typeof FILTER_COLUMNS;

export interface LtvFilters {
  /** Inclusive local dates (report time zone) of the customers' first payment, YYYY-MM-DD. */
  date?: readonly [string, string];
  attributes?: Partial<Record<FilterKey, readonly string[]>>;
}

// SPEC §9 forecasts (src/forecast/README.md). Predicted cells live beside the realized matrices, never in
// them: a realized cell is never mixed up with a predicted one.
export type ForecastModel = 'sbg' | 'bgnbd';

export interface MoneyTriple {
  revenue: number;
  proceeds: number;
  net_revenue: number;
}

/** A predicted cumulative LTV per customer at `period` (months of life, `days-month-cohort`), with its interval. */
export interface PredictedCell extends MoneyTriple {
  period: number;
  state: 'predicted';
  /** The row's customers (every customer of the cohort: the denominator). */
  customers: number;
  lower: MoneyTriple;
  upper: MoneyTriple;
}

export interface ForecastRow {
  type: 'total' | 'cohort';
  /** "Total" or the monthly cohort's first day (YYYY-MM-DD), as in the `days-month-cohort` matrix. */
  title: string;
  customers: number;
  /** Which fit predicts this cohort (a ForecastFit.group); null when there is no forecast. */
  fit: string | null;
  /** Periods after the last complete one, up to the horizon. Empty when there is no forecast. */
  cells: PredictedCell[];
  /** Why this cohort has no forecast (or why it uses the pooled fit); absent otherwise. */
  note?: string;
}

export interface ForecastFit {
  /** `pooled`, `cohort <date>`, `cohort <date> × duration <d>`, `bgnbd`, `gamma-gamma`. */
  group: string;
  model: ForecastModel | 'gamma-gamma';
  params: Record<string, number>;
  log_likelihood: number | null;
  customers: number;
  converged: boolean;
  message: string;
  evaluations: number;
}

export interface BacktestCohort {
  title: string;
  customers: number;
  /**
   * The refit group(s) its prediction came from (`fits[].group`, as a forecast row's `fit`): its own, or
   * `pooled` where its group's refit fell back; several joined by "; ". Without it a cohort recomputed from
   * its own listed refit disagreed with the published prediction.
   */
  fit: string;
  /** Predicted (from the data up to the cutoff) and realized cumulative LTV per customer (revenue) at T. */
  predicted: number;
  realized: number;
  /** (predicted − realized) / |realized| (positive: predicted too high); null when realized is 0. */
  error: number | null;
}

export interface Backtest {
  /** T − h, ISO 8601 UTC. */
  cutoff: string;
  holdout_days: number;
  model: ForecastModel;
  /** The refit on the data up to the cutoff (its parameters, as the forecast's `fits`); empty when it failed or did not run. */
  fits: ForecastFit[];
  cohorts: BacktestCohort[];
  /** Customer-weighted mean of |error| and of error over the cohorts; null without a comparable cohort. */
  mape: number | null;
  bias: number | null;
  /** Why there is no backtest, or what limits it. */
  note?: string;
}

export interface Forecast {
  /** The model used; null when none could be fitted (see `reason`). */
  model: ForecastModel | null;
  chosen_by: 'job' | 'auto';
  /** Why this model (auto), or why no forecast. */
  reason: string;
  /** The matrix whose cohorts are predicted. */
  matrix: 'days-month-cohort';
  horizon_months: number;
  interval: number;
  bootstrap: { replicates: number; requested: number; seed: number; note?: string };
  thresholds: { min_cohort_customers: number; min_group_customers: number };
  fits: ForecastFit[];
  /** Total first, then cohorts oldest first (every cohort of the matrix, with or without a forecast). */
  rows: ForecastRow[];
  backtest: Backtest | null;
  /** The Total row's predicted LTV at 12 months (period 11), or at the horizon when month 12 is realized everywhere. */
  headline: PredictedCell | null;
}
