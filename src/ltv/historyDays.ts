// Each tenant's day-by-day Adapty bodies at T (16_history_days.sql): they grow with the days of history
// times their rows (cohort days, or attribute values), so a run sizes them before computing them
// (src/report/adaptyBodyLimit.ts refuseLongHistory).
import { loadSql } from '../warehouse/loadSql.js';
import type { Warehouse } from '../warehouse/openWarehouse.js';

export interface TenantHistory {
  tenant_id: string;
  /** The body: 'cohort' (days-day-cohort, a row per cohort day) or an attribute kind (days-day-product, …). */
  kind: string;
  /** The local date of the tenant's first payment at T. */
  first_day: string;
  /** Days from first_day to T's local date, both counted: the periods of its day-by-day Total row. */
  days: number;
  /** The body's rows but Total: days with a cohort, or the attribute's values. */
  rows: number;
  /** The periods of those rows and of the Total row (per accounting type). */
  cells: number;
  /** The decimal digits of those periods' numbers. */
  digits: number;
}

/** Read from `customers_all` and `attr_sets` (14_customers_all.sql) with T and its wall clock (asOfWall.ts). */
export async function historyDays(wh: Warehouse, asOf: Date, asOfLocal: string): Promise<TenantHistory[]> {
  const rows = await wh.all<Record<'days' | 'rows' | 'cells' | 'digits', number | bigint> & { tenant_id: string; kind: string; first_day: string }>(
    loadSql('16_history_days'), { as_of: asOf.toISOString(), as_of_local: asOfLocal });
  return rows.map((r) => ({ ...r, days: Number(r.days), rows: Number(r.rows), cells: Number(r.cells), digits: Number(r.digits) }));
}
