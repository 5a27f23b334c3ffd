// Builds LTV matrices with src/sql/22_matrix.sql (SPEC §4), as runs of equal cells (cellRuns.ts). The
// same function answers a run's configured matrices, its API snapshots and, over a published run's Parquet
// files, the endpoint's filtered Adapty requests: one SQL path for every number.
import type { DuckDBValue } from '@duckdb/node-api';
import { listValue } from '@duckdb/node-api';
import { loadSql, quoteIdent } from '../warehouse/loadSql.js';
import type { Warehouse } from '../warehouse/openWarehouse.js';
import type { RunMatrix, RunRow } from './cellRuns.js';
import {
  FILTER_COLUMNS, SEGMENT_COLUMNS, TIME_SEGMENTATIONS, matrixId,
  type AttributeSegmentation, type FilterKey, type LtvFilters,
  type MatrixSpec, type PeriodType, type PeriodUnit, type Segmentation,
} from './model.js';

const COHORT_START: Record<PeriodUnit, string> = {
  day: 'cohort_day',
  week: "CAST(date_trunc('week', cohort_day) AS DATE)",
  month: "CAST(date_trunc('month', cohort_day) AS DATE)",
  quarter: "CAST(date_trunc('quarter', cohort_day) AS DATE)",
  year: "CAST(date_trunc('year', cohort_day) AS DATE)",
};
const UNIT_INTERVAL: Record<PeriodUnit, string> = {
  day: 'INTERVAL 1 DAY', week: 'INTERVAL 7 DAY', month: 'INTERVAL 1 MONTH', quarter: 'INTERVAL 3 MONTH', year: 'INTERVAL 1 YEAR',
};
const DAYS_PERIOD_INDEX: Record<PeriodUnit, string> = {
  day: 'k_day', week: 'k_day // 7', month: 'k_month', quarter: 'k_month // 3', year: 'k_month // 12',
};

/** SPEC §4 censoring, `days`: the largest k with start + k·unit ≤ T, for a cohort boundary `s` (DATE). */
function lastPeriodFrom(s: string, unit: PeriodUnit): string {
  const days = `date_diff('day', ${s}, CAST(CAST($as_of_local AS TIMESTAMP) AS DATE))`;
  switch (unit) {
    case 'day': return days;
    case 'week': return `ltv_floordiv(${days}, 7)`;
    case 'month': return `ltv_months_until(${s}, CAST($as_of_local AS TIMESTAMP))`;
    case 'quarter': return `ltv_floordiv(ltv_months_until(${s}, CAST($as_of_local AS TIMESTAMP)), 3)`;
    case 'year': return `ltv_floordiv(ltv_months_until(${s}, CAST($as_of_local AS TIMESTAMP)), 12)`;
  }
}

export function cohortUnitOf(spec: MatrixSpec): PeriodUnit {
  return (TIME_SEGMENTATIONS as readonly string[]).includes(spec.segmentation) ? (spec.segmentation as PeriodUnit) : spec.period_unit;
}

export interface MatrixQuery {
  sql: string;
  params: Record<string, DuckDBValue>;
}

/** The segmentations a query computes once: product and store_product_id read the same column, and a
 *  time segmentation equal to the period unit gives the same rows as no segmentation. */
function kindOf(seg: Segmentation, periodUnit: PeriodUnit): Segmentation {
  if (seg === 'store_product_id') return 'product';
  return seg === periodUnit ? 'cohort' : seg;
}

const SUMS = 'revenue, proceeds, net_revenue, payments';

/** Whether a kind's rows are cohorts (no segmentation, or a time segmentation), not attribute values. */
function isCohortKind(kind: Segmentation): boolean {
  return kind === 'cohort' || isTimeSegmentation(kind);
}

/**
 * The SELECT of a cohort or time kind's customers (from = 'c', for cust) or of its summed movements by
 * cohort and period ('f', for fx): the day sums regrouped by the row's time unit. Attribute kinds are not
 * SQL: 22_matrix.sql computes them from the bound list $attr_kinds.
 */
function kindSelect(kind: Segmentation, periodUnit: PeriodUnit, from: 'c' | 'f'): string {
  const unit = kind === 'cohort' ? periodUnit : (kind as PeriodUnit);
  const cohort = COHORT_START[unit];
  const inner = `SELECT tenant_id, ${cohort} AS cohort, ${from === 'c' ? 'n' : `j, ${SUMS}`} FROM base_${from === 'c' ? 'c' : 'f'}_day`;
  return from === 'c'
    ? `SELECT tenant_id, '${kind}' AS kind, cohort, CAST(cohort + ${UNIT_INTERVAL[unit]} AS DATE) AS cohort_end, strftime(cohort, '%Y-%m-%d') AS seg, sum(n)::BIGINT AS n FROM (${inner}) GROUP BY tenant_id, cohort`
    : `SELECT tenant_id, '${kind}' AS kind, cohort, strftime(cohort, '%Y-%m-%d') AS seg, j, sum(revenue) AS revenue, sum(proceeds) AS proceeds, sum(net_revenue) AS net_revenue, sum(payments) AS payments FROM (${inner}) GROUP BY tenant_id, cohort, j`;
}

/** UNION ALL of the kinds' SELECTs, or a typed empty relation when no kind contributes. */
function unionOf(selects: string[], empty: string): string {
  return selects.length ? selects.join('\n  UNION ALL\n  ') : `${empty} WHERE FALSE`;
}

const NO_SUMS = 'CAST(NULL AS HUGEINT) AS revenue, CAST(NULL AS HUGEINT) AS proceeds, CAST(NULL AS HUGEINT) AS net_revenue';

/** The attribute kinds 22_matrix.sql's attr_long knows, in its order: one per canonical dimension column. */
export const ATTRIBUTE_KINDS = ['country', 'product', 'paywall', 'paywalls_group', 'audience', 'placement', 'duration', 'store'] as const satisfies readonly AttributeSegmentation[];

/** The canonical column of each kind of ATTRIBUTE_KINDS, as attr_long reads it. */
export const ATTRIBUTE_KIND_COLUMNS = ATTRIBUTE_KINDS.map((k) => SEGMENT_COLUMNS[k]);

function isTimeSegmentation(seg: Segmentation): boolean {
  return (TIME_SEGMENTATIONS as readonly string[]).includes(seg);
}

export function matrixQuery(
  periodType: PeriodType,
  periodUnit: PeriodUnit,
  segmentations: readonly Segmentation[],
  asOfLocal: string,
  filters: LtvFilters = {},
): MatrixQuery {
  const kinds = [...new Set(segmentations.map((s) => kindOf(s, periodUnit)))];
  const j = periodType === 'renewals' ? 'renewal' : DAYS_PERIOD_INDEX[periodUnit];
  // Complete (SPEC §4): the cohort's end e (exclusive) + (k+1)·unit ≤ T  ⇔  k ≤ lastPeriodFrom(e) − 1.
  // `renewals` has no calendar end: every shown cell but the highest renewal (still filling) is complete.
  const K = periodType === 'renewals' ? 'max_renewal' : lastPeriodFrom('cohort', periodUnit);
  const Kc = periodType === 'renewals' ? 'max_renewal - 1' : `${lastPeriodFrom('cohort_end', periodUnit)} - 1`;

  const params: Record<string, DuckDBValue> = { as_of_local: asOfLocal };
  const where: string[] = ['TRUE'];
  if (filters.date) {
    where.push('cohort_day BETWEEN CAST($date_from AS DATE) AND CAST($date_to AS DATE)');
    params.date_from = filters.date[0];
    params.date_to = filters.date[1];
  }
  // Attribute filters test the run's distinct attribute tuples (a few thousand at most), not every row:
  // rows keep the tuples whose number passes.
  const matches: string[] = [];
  for (const [key, values] of Object.entries(filters.attributes ?? {}) as [FilterKey, readonly string[]][]) {
    if (!values || values.length === 0) continue;
    const name = `f_${key}`;
    params[name] = listValue(values.map((v) => v.toLowerCase()));
    matches.push(`list_contains(CAST($${name} AS VARCHAR[]), lower(coalesce(${quoteIdent(FILTER_COLUMNS[key])}, 'unknown')))`);
  }
  if (matches.length) where.push(`attr_id IN (SELECT attr_id FROM attr_sets WHERE ${matches.join(' AND ')})`);
  const cohortKinds = kinds.filter(isCohortKind);
  // Comma-separated (kinds are identifiers): an empty list has no type to bind as a list.
  params.attr_kinds = kinds.filter((k) => !isCohortKind(k)).join(',');
  const sql = loadSql('22_matrix', {
    where: where.join(' AND '),
    j,
    unit_cohort: COHORT_START[periodUnit],
    unit_interval: UNIT_INTERVAL[periodUnit],
    cust_kinds: unionOf(cohortKinds.map((k) => kindSelect(k, periodUnit, 'c')),
      'SELECT CAST(NULL AS VARCHAR) AS tenant_id, CAST(NULL AS VARCHAR) AS kind, CAST(NULL AS DATE) AS cohort, CAST(NULL AS DATE) AS cohort_end, CAST(NULL AS VARCHAR) AS seg, CAST(NULL AS BIGINT) AS n'),
    fx_kinds: unionOf(cohortKinds.map((k) => kindSelect(k, periodUnit, 'f')),
      `SELECT CAST(NULL AS VARCHAR) AS tenant_id, CAST(NULL AS VARCHAR) AS kind, CAST(NULL AS DATE) AS cohort, CAST(NULL AS VARCHAR) AS seg, CAST(NULL AS INTEGER) AS j, ${NO_SUMS}, CAST(NULL AS HUGEINT) AS payments`),
    K,
    Kc,
    max_renewal: periodType === 'renewals'
      // A cohort kind's own payments; an attribute kind's cohort is a cohort by the period unit (unit_max).
      ? 'coalesce((SELECT max(f.j) FROM fx f WHERE f.tenant_id = c.tenant_id AND f.kind = c.kind AND f.cohort = c.cohort AND f.payments > 0), (SELECT u.max_j FROM unit_max u WHERE u.tenant_id = c.tenant_id AND u.cohort = c.cohort))'
      : 'NULL',
  });
  // DuckDB refuses a bound parameter the statement does not use (renewals never reads $as_of_local).
  const used = Object.fromEntries(Object.entries(params).filter(([name]) => new RegExp(`\\$${name}\\b`).test(sql)));
  return { sql, params: used };
}

/**
 * 22_matrix.sql's result (or part of it) column by column: as read, or packed into typed arrays (the run
 * model, computeRun.ts). Booleans may be 0/1, counts BIGINT.
 */
export interface RunColumns {
  is_total: ArrayLike<boolean | number>;
  row_key: ArrayLike<string>;
  period_from: ArrayLike<number>;
  period_to: ArrayLike<number>;
  customers: ArrayLike<number | bigint>;
  revenue: ArrayLike<number>;
  proceeds: ArrayLike<number>;
  net_revenue: ArrayLike<number>;
  partial: ArrayLike<boolean | number>;
  complete_customers: ArrayLike<number | bigint>;
}

/** 22_matrix.sql's result as read (Warehouse.columns). */
export type ReadRunColumns = Record<'tenant_id' | 'kind' | 'row_key', string[]> & Record<'is_total' | 'partial', boolean[]>
  & Record<'period_from' | 'period_to' | 'revenue' | 'proceeds' | 'net_revenue', number[]>
  & Record<'customers' | 'complete_customers', bigint[]>;

/** Where each kind's result rows lie: [start, end) (the statement orders by tenant, then kind). */
export type KindRanges = ReadonlyMap<string, readonly [start: number, end: number]>;

/** The kinds' ranges of rows [start, end) of a result ordered by kind. */
export function kindRanges(kinds: ArrayLike<string>, start = 0, end = kinds.length): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>();
  for (let i = start; i < end; i++) {
    const range = out.get(kinds[i]!);
    if (range) range[1] = i + 1;
    else out.set(kinds[i]!, [i, i + 1]);
  }
  return out;
}

/**
 * Every matrix of one period type and unit for the given segmentations, in one statement, as runs of
 * equal cells (cellRuns.ts). For one tenant: the endpoint's (a published run holds one).
 */
export async function computeRunMatrices(
  wh: Warehouse,
  periodType: PeriodType,
  periodUnit: PeriodUnit,
  segmentations: readonly Segmentation[],
  asOfLocal: string,
  filters: LtvFilters = {},
): Promise<Map<Segmentation, RunMatrix>> {
  const { sql, params } = matrixQuery(periodType, periodUnit, segmentations, asOfLocal, filters);
  // Read by column: a day-unit matrix has tens of thousands of runs.
  const cols = await wh.columns<ReadRunColumns>(sql, params);
  return assembleMatrices(periodType, periodUnit, segmentations, cols, kindRanges(cols.kind));
}

export async function computeRunMatrix(wh: Warehouse, spec: MatrixSpec, asOfLocal: string, filters: LtvFilters = {}): Promise<RunMatrix> {
  const m = await computeRunMatrices(wh, spec.period_type, spec.period_unit, [spec.segmentation], asOfLocal, filters);
  return m.get(spec.segmentation)!;
}

/** The segmentations' matrices from one tenant's result rows (`kinds`: where each kind's rows lie in `cols`). */
export function assembleMatrices(
  periodType: PeriodType,
  periodUnit: PeriodUnit,
  segmentations: readonly Segmentation[],
  cols: RunColumns,
  kinds: KindRanges,
): Map<Segmentation, RunMatrix> {
  const out = new Map<Segmentation, RunMatrix>();
  // Segmentations of one kind (product and store_product_id; a time segmentation equal to the unit and
  // none) share their rows: assembled once, and the snapshot writer serialises them once.
  const rowsOfKind = new Map<Segmentation, RunRow[]>();
  for (const seg of segmentations) {
    const kind = kindOf(seg, periodUnit);
    const spec: MatrixSpec = { period_type: periodType, period_unit: periodUnit, segmentation: seg };
    const rows = rowsOfKind.get(kind) ?? assembleRows(spec, cols, kinds.get(kind) ?? [0, 0]);
    rowsOfKind.set(kind, rows);
    out.set(seg, { ...spec, id: matrixId(spec), cohort_unit: cohortUnitOf(spec), rows });
  }
  return out;
}

function assembleRows(spec: MatrixSpec, cols: RunColumns, [start, end]: readonly [number, number]): RunRow[] {
  const isCohortRows = isCohortKind(spec.segmentation);
  const byRow = new Map<string, RunRow>();
  for (let i = start; i < end; i++) {
    const isTotal = Boolean(cols.is_total[i]);
    const rowKey = cols.row_key[i]!;
    const key = isTotal ? '\u0000total' : rowKey;
    let row = byRow.get(key);
    if (!row) {
      row = {
        type: isTotal ? 'total' : isCohortRows ? 'cohort' : 'segment',
        title: isTotal ? 'Total' : rowKey,
        // A row's first run starts at period 0: its customers are the row's.
        customers: Number(cols.customers[i]),
        runs: [],
      };
      byRow.set(key, row);
    }
    row.runs.push({
      from: cols.period_from[i]!,
      to: cols.period_to[i]!,
      customers: Number(cols.customers[i]),
      state: cols.partial[i] ? 'partial' : 'complete',
      complete_customers: Number(cols.complete_customers[i]),
      revenue: cols.revenue[i]!,
      proceeds: cols.proceeds[i]!,
      net_revenue: cols.net_revenue[i]!,
    });
  }
  const rows = [...byRow.values()];
  const total = rows.filter((r) => r.type === 'total');
  const rest = rows.filter((r) => r.type !== 'total');
  if (isCohortRows) rest.sort((a, b) => (a.title < b.title ? -1 : a.title > b.title ? 1 : 0));
  else rest.sort((a, b) => b.customers - a.customers || (a.title < b.title ? -1 : a.title > b.title ? 1 : 0));
  return [...total, ...rest];
}
