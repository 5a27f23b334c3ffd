// Each tenant's own statistics, inputs[] counts and newest transaction (SPEC §3 counts, §5 manifest): an input
// may hold many tenants, and each one's published report counts its own rows only, never another's.
import type { FileTenantCount } from '../ingest/checkRows.js';
import { runStats, type DedupStats, type MovementStats, type TenantDedupStats, type TenantMovementStats } from './buildFacts.js';
import type { InputStats, RunStats } from './model.js';

export interface TenantFacts {
  stats: RunStats;
  /** The run's inputs, each with this tenant's rows and bad rows of it (0 in a file without any). */
  inputs: InputStats[];
  newestTransactionAt: string | null;
}

const NO_ROWS: Omit<TenantDedupStats, 'tenant_id'> = { deduped: 0, customer_ids: 0, sandbox: 0, after_as_of: 0, refund_rows: 0, zero_amount: 0, newest_ms: null };
const NO_MOVEMENTS: MovementStats = { payments: 0, linked: 0, unlinked: 0, orphans: 0 };

/**
 * A tenant's facts from the per-tenant rows of the statements that count the run's (checkRows, dedupStats,
 * factsFromDeduped group by tenant_id): no statement of its own. A tenant with no row gets zeros.
 * @param counts rows and bad rows of each (file, tenant), with the rows set aside after ingest (recountBadRows).
 * @param inputs the run's inputs[]: names, formats, columns and skipped lines are the file's own.
 */
export function tenantFacts(o: {
  counts: readonly FileTenantCount[];
  inputs: readonly InputStats[];
  tenants: readonly TenantDedupStats[];
  movements: readonly TenantMovementStats[];
}): (tenant: string) => TenantFacts {
  const counts = new Map<string, FileTenantCount[]>();
  for (const c of o.counts) {
    const list = counts.get(c.tenant_id);
    if (list) list.push(c);
    else counts.set(c.tenant_id, [c]);
  }
  const dedup = new Map(o.tenants.map((t) => [t.tenant_id, t]));
  const movements = new Map(o.movements.map((m) => [m.tenant_id, m]));
  return (tenant) => {
    const own = counts.get(tenant) ?? [];
    const check = { rows: own.reduce((a, c) => a + c.rows, 0), quarantined: own.reduce((a, c) => a + c.bad, 0) };
    // The bad rows already hold the refunds set aside: none to add (DedupStats.refunds_quarantined is the run's).
    const d: DedupStats = { ...NO_ROWS, ...dedup.get(tenant), no_renewal: 0, refunds_quarantined: 0 };
    const { newest_transaction_at: newestTransactionAt, ...stats } = runStats(check, d, movements.get(tenant) ?? NO_MOVEMENTS);
    return {
      stats,
      inputs: o.inputs.map((s, i) => {
        const c = own.find((x) => x.file_idx === i);
        return { ...s, rows: c?.rows ?? 0, quarantined: c?.bad ?? 0 };
      }),
      newestTransactionAt,
    };
  };
}
