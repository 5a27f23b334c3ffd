// Everything §4 computes for one tenant of a run: its per-tenant inputs to the matrix query, the headline
// summary, and every matrix the run publishes (configured ones and all unfiltered Adapty combinations).
import { loadSql } from '../warehouse/loadSql.js';
import type { Warehouse } from '../warehouse/openWarehouse.js';
import { expandMatrices } from './cellRuns.js';
import { computeRunMatrices } from './computeMatrix.js';
import {
  PERIOD_TYPES, PERIOD_UNITS, SEGMENTATIONS, type Matrix, type MatrixSpec, type Summary,
} from './model.js';

export interface TenantComputation {
  summary: Summary;
  /** First/last first-payment local dates; null without customers. */
  firstPaymentDates: { min: string; max: string } | null;
  /** Every matrix by id: the configured ones and every unfiltered Adapty combination. */
  matrices: Map<string, Matrix>;
}

/** SPEC §5: Adapty's response for every unfiltered combination (140 files). */
export const ADAPTY_SNAPSHOT_SPECS: readonly MatrixSpec[] = PERIOD_TYPES.flatMap((period_type) =>
  PERIOD_UNITS.flatMap((period_unit) => SEGMENTATIONS.map((segmentation) => ({ period_type, period_unit, segmentation }))),
);

/**
 * The tenant the per-tenant statements read (13_tenant_facts.sql's view, 12, 16_quarantine.sql): a table,
 * because views and COPY take no bound parameters. NULL = every tenant (the quarantine of a failed run).
 */
export async function setCurrentTenant(wh: Warehouse, tenant: string | null): Promise<void> {
  await wh.run('CREATE OR REPLACE TEMP TABLE current_tenant AS SELECT CAST($tenant AS VARCHAR) AS t', { tenant });
}

export async function prepareTenant(wh: Warehouse, tenant: string): Promise<void> {
  await setCurrentTenant(wh, tenant);
  await wh.run(loadSql('12_tenant_customers'));
  await wh.run(loadSql('13_tenant_facts'));
}

export async function computeTenant(
  wh: Warehouse,
  tenant: string,
  asOfLocal: string,
  specs: readonly MatrixSpec[],
): Promise<TenantComputation> {
  await prepareTenant(wh, tenant);
  const [s] = await wh.all<{
    customers: bigint; cohort_days: bigint; revenue: number; proceeds: number; net_revenue: number;
    average_ltv_30d: number | null; average_ltv_90d: number | null; first_day: string | null; last_day: string | null;
  }>(loadSql('15_summary'), { tenant });
  const matrices = new Map<string, Matrix>();
  // One statement per period type and unit computes all of its segmentations.
  const groups = new Map<string, { type: MatrixSpec['period_type']; unit: MatrixSpec['period_unit']; segs: Set<MatrixSpec['segmentation']> }>();
  for (const sp of specs) {
    const key = `${sp.period_type}-${sp.period_unit}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { type: sp.period_type, unit: sp.period_unit, segs: new Set() }));
    g.segs.add(sp.segmentation);
  }
  for (const g of groups.values()) {
    const computed = expandMatrices(await computeRunMatrices(wh, g.type, g.unit, [...g.segs], asOfLocal));
    for (const m of computed.values()) matrices.set(m.id, m);
  }
  const monthly = matrices.get('days-month-cohort');
  return {
    summary: {
      customers: Number(s?.customers ?? 0),
      cohorts: monthly ? monthly.rows.filter((r) => r.type === 'cohort').length : Number(s?.cohort_days ?? 0),
      revenue: s?.revenue ?? 0,
      proceeds: s?.proceeds ?? 0,
      net_revenue: s?.net_revenue ?? 0,
      average_ltv_30d: s?.average_ltv_30d ?? null,
      average_ltv_90d: s?.average_ltv_90d ?? null,
    },
    firstPaymentDates: s?.first_day && s.last_day ? { min: s.first_day, max: s.last_day } : null,
    matrices,
  };
}
