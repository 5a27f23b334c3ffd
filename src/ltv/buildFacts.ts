// From checked rows to the tables every matrix reads (SPEC §3 duplicates, §2/§4 refunds and cohorts):
// deduped → movements → customers_all → customer_movements. Returns the run's statistics.
import { loadSql } from '../warehouse/loadSql.js';
import type { Warehouse } from '../warehouse/openWarehouse.js';
import type { RunStats } from './model.js';

export async function buildFacts(wh: Warehouse, asOf: Date, check: { rows: number; quarantined: number }): Promise<RunStats> {
  const params = { as_of: asOf.toISOString() };
  await wh.run(loadSql('06_dedup'));
  await wh.run(loadSql('07_movements'), params);
  await wh.run(loadSql('08_customers'), params);
  await wh.run(loadSql('09_customer_movements'));
  const [s] = await wh.all<Record<string, number>>(
    `SELECT
       (SELECT count(*) FROM checked WHERE reason IS NULL)::INTEGER AS valid,
       (SELECT count(*) FROM deduped)::INTEGER AS deduped,
       (SELECT count(*) FROM deduped WHERE is_sandbox)::INTEGER AS sandbox,
       (SELECT count(*) FROM deduped WHERE NOT is_sandbox AND event_time > CAST($as_of AS TIMESTAMPTZ))::INTEGER AS after_as_of,
       (SELECT count(*) FROM movements WHERE kind = 'payment')::INTEGER AS payments,
       (SELECT count(*) FROM movements WHERE kind = 'refund_linked')::INTEGER AS linked,
       (SELECT count(*) FROM movements WHERE kind = 'refund_unlinked')::INTEGER AS unlinked,
       (SELECT count(*) FROM movements m WHERE NOT EXISTS (
          SELECT 1 FROM customers_all c WHERE c.tenant_id = m.tenant_id AND c.customer_id = m.customer_id))::INTEGER AS orphans`,
    params,
  );
  return {
    rows_read: check.rows,
    rows_quarantined: check.quarantined,
    duplicates: (s?.valid ?? 0) - (s?.deduped ?? 0),
    sandbox_rows: s?.sandbox ?? 0,
    after_as_of_rows: s?.after_as_of ?? 0,
    transactions: s?.payments ?? 0,
    refunds_linked: s?.linked ?? 0,
    refunds_unlinked: s?.unlinked ?? 0,
    movements_without_customer: s?.orphans ?? 0,
  };
}
