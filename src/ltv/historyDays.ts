// Each tenant's daily cohorts at T (16_history_days.sql): the day-by-day matrices grow with its
// square, so a run checks it before computing them (src/report/adaptyBodyLimit.ts refuseLongHistory).
import { loadSql } from '../warehouse/loadSql.js';
import type { Warehouse } from '../warehouse/openWarehouse.js';

export interface TenantHistory {
  tenant_id: string;
  /** The local date of the tenant's first payment at T. */
  first_day: string;
  /** Days from first_day to T's local date, both counted: the periods of its day-by-day Total row. */
  days: number;
  /** Days with a cohort: the cohort rows of its day-by-day matrices. */
  cohorts: number;
  /** The periods of those rows and of the Total row (per accounting type). */
  cells: number;
}

/** Read from `customers_all` (14_customers_all.sql) with T and its wall clock (asOfWall.ts). */
export async function historyDays(wh: Warehouse, asOf: Date, asOfLocal: string): Promise<TenantHistory[]> {
  const rows = await wh.all<{ tenant_id: string; first_day: string; days: number | bigint; cohorts: number | bigint; cells: number | bigint }>(
    loadSql('16_history_days'), { as_of: asOf.toISOString(), as_of_local: asOfLocal });
  return rows.map((r) => ({ ...r, days: Number(r.days), cohorts: Number(r.cohorts), cells: Number(r.cells) }));
}
