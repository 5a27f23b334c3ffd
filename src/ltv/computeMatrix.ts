// Builds LTV matrices with src/sql/23_matrix.sql (SPEC §4), as runs of equal cells (cellRuns.ts). The
// same function answers a run's configured matrices, its API snapshots and, over a published run's Parquet
// files, the endpoint's filtered Adapty requests: one SQL path for every number.
import type { DuckDBValue } from '@duckdb/node-api';
import { listValue } from '../warehouse/duckdb.js';
import { loadSql } from '../warehouse/loadSql.js';
import type { Warehouse } from '../warehouse/openWarehouse.js';
import type { RunMatrix, RunRow } from './cellRuns.js';
import {
  FILTER_COLUMNS, SEGMENT_COLUMNS, TIME_SEGMENTATIONS, matrixId,
  type AttributeSegmentation, type FilterKey, type LtvFilters,
  type MatrixSpec, type PeriodType, type PeriodUnit, type Segmentation,
} from './model.js';

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

/** Whether a kind's rows are cohorts (no segmentation, or a time segmentation), not attribute values. */
function isCohortKind(kind: Segmentation): boolean {
  return kind === 'cohort' || isTimeSegmentation(kind);
}

/** The attribute kinds 23_matrix.sql's attr_long knows, in its order: one per canonical dimension column. */
export const ATTRIBUTE_KINDS = ['country', 'product', 'paywall', 'paywalls_group', 'audience', 'placement', 'duration', 'store'] as const satisfies readonly AttributeSegmentation[];

/** The canonical column of each kind of ATTRIBUTE_KINDS, as attr_long reads it. */
export const ATTRIBUTE_KIND_COLUMNS = ATTRIBUTE_KINDS.map((k) => SEGMENT_COLUMNS[k]);

function isTimeSegmentation(seg: Segmentation): boolean {
  return (TIME_SEGMENTATIONS as readonly string[]).includes(seg);
}

/**
 * 23_matrix.sql with its values. `keep`: the first payments' local dates kept, and which attribute tuples
 * the attribute filters keep (keptTuples: a filter's values are not the statement's, only this answer).
 */
export function matrixQuery(
  periodType: PeriodType,
  periodUnit: PeriodUnit,
  segmentations: readonly Segmentation[],
  asOfLocal: string,
  keep: { date?: LtvFilters['date']; kept?: readonly boolean[] | null } = {},
): MatrixQuery {
  const { date, kept } = keep;
  const kinds = [...new Set(segmentations.map((s) => kindOf(s, periodUnit)))];
  // Lists are comma-separated where their items are identifiers.
  const params: Record<string, DuckDBValue> = {
    period_type: periodType,
    unit: periodUnit,
    as_of_local: asOfLocal,
    time_kinds: kinds.filter(isCohortKind).join(','),
    attr_kinds: kinds.filter((k) => !isCohortKind(k)).join(','),
    date_from: date?.[0] ?? null,
    date_to: date?.[1] ?? null,
    // An empty list has no type to bind: no tuple at all keeps nothing, as [false] does.
    kept: kept ? listValue(kept.length ? [...kept] : [false]) : null,
  };
  return { sql: loadSql('23_matrix'), params };
}

/**
 * Which attribute tuples (attr_sets, by attr_id from 1) the attribute filters keep (31_attr_kept.sql);
 * null when there are no attribute filters. A few thousand tuples at most: the matrix statement then tests
 * each row by its tuple's number, and a request without filters pays nothing for them.
 */
export async function keptTuples(wh: Warehouse, filters: LtvFilters): Promise<boolean[] | null> {
  const columns: string[] = [];
  const values: DuckDBValue[] = [];
  for (const [key, list] of Object.entries(filters.attributes ?? {}) as [FilterKey, readonly string[]][]) {
    if (!list || list.length === 0) continue;
    columns.push(FILTER_COLUMNS[key]);
    // As sent: 31_attr_kept.sql folds the case of both sides with one function. JS's toLowerCase and
    // DuckDB's lower differ (final sigma, dotted İ), so 'İNDİRİM' did not match itself.
    values.push(listValue([...list]));
  }
  if (!columns.length) return null;
  const [row] = await wh.all<{ kept: boolean[] }>(loadSql('31_attr_kept'), { filter_columns: listValue(columns), filter_values: listValue(values) });
  return row?.kept ?? [];
}

/**
 * 23_matrix.sql's result (or part of it) column by column: as read, or packed into typed arrays (the run
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

/** 23_matrix.sql's result as read (Warehouse.columns). */
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
  const { sql, params } = matrixQuery(periodType, periodUnit, segmentations, asOfLocal, { date: filters.date, kept: await keptTuples(wh, filters) });
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
