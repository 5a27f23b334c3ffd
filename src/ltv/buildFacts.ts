// From checked rows to the tables every matrix reads (SPEC §3 duplicates, §2/§4 refunds and cohorts):
// deduped → payments → movements → customers_all → facts_all. Returns the statistics, the run's and each tenant's.
import { DIMENSIONS, type CheckedColumns } from '../ingest/readInputs.js';
import { loadSql, quoteIdent } from '../warehouse/loadSql.js';
import type { Warehouse } from '../warehouse/openWarehouse.js';
import type { RunStats } from './model.js';

/** The optional columns of `checked` a payment reads (10_payments.sql). */
const PAYMENT_OPTIONAL = ['renewal_number', 'proceeds', 'net_revenue', 'commission', 'tax', 'refunded_at'] as const;

/** The statistics of the deduplicated rows (SPEC §3), over every tenant and customer of the run. */
export interface DedupStats {
  deduped: number;
  customer_ids: number;
  sandbox: number;
  after_as_of: number;
  /** Rows at or before T, not sandbox, of amount below 0 (refund rows) and of amount 0 (no money): with the
   *  payments, the rows that exist at T (RunStats). Absent in a split written before them. */
  refund_rows?: number;
  zero_amount?: number;
  /** Payments without a renewal number: renewal numbers are then derived (10_payments.sql). */
  no_renewal: number;
  newest_ms: number | null;
  /** Linked refunds quarantined by the refund rules (09_refund_checks.sql), beside the check's bad rows. */
  refunds_quarantined: number;
  /** The same counts of each tenant with valid rows (its report's statistics); absent in a split written before them. */
  tenants?: TenantDedupStats[];
  /**
   * The tenants some of whose payments at T (not sandbox) carry a renewal number or a duration: subscriptions,
   * which `auto` forecasts with sBG (SPEC §9, chooseModel.ts); absent in a split written before them.
   */
  subscription_tenants?: string[];
}

export interface TenantDedupStats {
  tenant_id: string;
  deduped: number;
  customer_ids: number;
  sandbox: number;
  after_as_of: number;
  refund_rows: number;
  zero_amount: number;
  newest_ms: number | null;
}

/**
 * @param asOfLocal T on the wall clock as boundaries are compared with it (asOfWall.ts).
 * @param revenuecatFiles file_idx of the inputs read with the revenuecat preset (presets.ts revenuecatFiles).
 */
export async function buildFacts(
  wh: Warehouse,
  asOf: Date,
  asOfLocal: string,
  columns: CheckedColumns,
  revenuecatFiles: readonly number[] = [],
  /** Keep the movements view (and its tables) for the forecast (SPEC §9); the caller drops them (dropMovements). */
  keepMovements = false,
): Promise<{ d: DedupStats; m: TenantMovementStats[] }> {
  const d = await dedup(wh, asOf);
  const m = await factsFromDeduped(wh, { asOf, asOfLocal, columns, revenuecatFiles, keepMovements, derive: d.no_renewal > 0 });
  return { d, m };
}

/**
 * Rows with the same (tenant_id, transaction_id) made one (08, 09: the view deduped), linked refunds that
 * cannot be applied set aside (09_refund_checks.sql), and their statistics.
 */
export async function dedup(wh: Warehouse, asOf: Date): Promise<DedupStats> {
  const params = { as_of: asOf.toISOString() };
  await wh.runOrRetryOnOneThread(loadSql('08_dup_losers'));
  await wh.run(loadSql('09_dedup'));
  let d = await dedupStats(wh, params);
  let refundsQuarantined = 0;
  // Only a run with linked refunds reads them again (most rows are payments, and most exports link nothing).
  if (d.linked_refunds > 0) {
    await wh.runOrRetryOnOneThread(loadSql('09_refund_checks'), params);
    const [n = { quarantined: 0, sandbox: 0 }] = await wh.all<{ quarantined: number; sandbox: number }>(
      'SELECT count(reason)::INTEGER AS quarantined, count(*) FILTER (WHERE sandbox)::INTEGER AS sandbox FROM refund_checks',
    );
    if (n.quarantined > 0 || n.sandbox > 0) {
      await setRefundsAside(wh, n);
      d = await dedupStats(wh, params);
      refundsQuarantined = n.quarantined;
    }
    await wh.run('DROP TABLE refund_checks');
  }
  const { linked_refunds: _, ...stats } = d;
  return { ...stats, refunds_quarantined: refundsQuarantined };
}

/**
 * The refund rules' verdicts written where every later reader looks: a quarantined refund gets its reason in
 * checked_rows (so deduped leaves it out) and a line in bad_rows, its physical line computed as checkRows.ts
 * does; a refund of a sandbox payment becomes sandbox itself. Updates keep the rowids (reading order).
 */
async function setRefundsAside(wh: Warehouse, n: { quarantined: number; sandbox: number }): Promise<void> {
  if (n.quarantined > 0) {
    await wh.run(
      `INSERT INTO bad_rows BY NAME
       SELECT c.file_idx, coalesce(c.line, c.row_id - f.first_row + f.header_lines + 1) AS line, c.line_known,
              r.reason, c.tenant_id, c.customer_id
       FROM refund_checks r JOIN checked c ON c.row_id = r.row_id JOIN input_files f USING (file_idx)
       WHERE r.reason IS NOT NULL`,
    );
    await wh.run('UPDATE checked_rows SET reason = r.reason FROM refund_checks r WHERE checked_rows.rowid = r.row_id AND r.reason IS NOT NULL');
  }
  // Only a stored is_sandbox can mark a payment sandbox, so the column exists when some refund names one.
  if (n.sandbox > 0) await wh.run('UPDATE checked_rows SET is_sandbox = TRUE FROM refund_checks r WHERE checked_rows.rowid = r.row_id AND r.sandbox');
}

/** One pass over deduped (a view: every query over it evaluates it again) for the statistics of each tenant,
 * whether some payment lacks a renewal number, whether some refund names a payment, and which tenants'
 * payments carry renewal numbers or durations (a column of empty cells carries none). */
async function dedupStats(wh: Warehouse, params: { as_of: string }): Promise<Omit<DedupStats, 'refunds_quarantined'> & { linked_refunds: number }> {
  const rows = await wh.all<TenantDedupStats & { no_renewal: number; linked_refunds: number; subscription_payments: number }>(
    `SELECT tenant_id,
            count(*)::INTEGER AS deduped,
            count(DISTINCT customer_id)::INTEGER AS customer_ids,
            count(*) FILTER (WHERE is_sandbox)::INTEGER AS sandbox,
            count(*) FILTER (WHERE NOT is_sandbox AND event_time > CAST($as_of AS TIMESTAMPTZ))::INTEGER AS after_as_of,
            count(*) FILTER (WHERE NOT is_sandbox AND event_time <= CAST($as_of AS TIMESTAMPTZ) AND amount < 0)::INTEGER AS refund_rows,
            count(*) FILTER (WHERE NOT is_sandbox AND event_time <= CAST($as_of AS TIMESTAMPTZ) AND amount = 0)::INTEGER AS zero_amount,
            count(*) FILTER (WHERE renewal_number IS NULL AND amount > 0 AND NOT is_sandbox)::INTEGER AS no_renewal,
            CAST(epoch_ms(max(event_time) FILTER (WHERE NOT is_sandbox AND event_time <= CAST($as_of AS TIMESTAMPTZ))) AS DOUBLE) AS newest_ms,
            count(*) FILTER (WHERE refund_of IS NOT NULL AND amount < 0)::INTEGER AS linked_refunds,
            count(*) FILTER (WHERE (renewal_number IS NOT NULL OR duration IS NOT NULL) AND amount > 0 AND NOT is_sandbox
                               AND event_time <= CAST($as_of AS TIMESTAMPTZ))::INTEGER AS subscription_payments
     FROM deduped
     GROUP BY tenant_id`,
    params,
  );
  // A customer id is one per tenant: the run's distinct (tenant, customer) pairs are the tenants' sum.
  const sum = (k: 'deduped' | 'customer_ids' | 'sandbox' | 'after_as_of' | 'refund_rows' | 'zero_amount' | 'no_renewal' | 'linked_refunds'): number =>
    rows.reduce((a, r) => a + r[k], 0);
  const newest = rows.map((r) => r.newest_ms).filter((x): x is number => x !== null);
  return {
    deduped: sum('deduped'), customer_ids: sum('customer_ids'), sandbox: sum('sandbox'), after_as_of: sum('after_as_of'),
    refund_rows: sum('refund_rows'), zero_amount: sum('zero_amount'),
    no_renewal: sum('no_renewal'), newest_ms: newest.length ? Math.max(...newest) : null, linked_refunds: sum('linked_refunds'),
    tenants: rows.map(({ no_renewal: _n, linked_refunds: _l, subscription_payments: _s, ...tenant }) => tenant),
    subscription_tenants: rows.filter((r) => r.subscription_payments > 0).map((r) => r.tenant_id),
  };
}

/** Counts of the movements (additive over customers: a sharded run sums its shards'). */
export interface MovementStats {
  payments: number;
  linked: number;
  unlinked: number;
  orphans: number;
}

/** A tenant's MovementStats (tenants without payments or refunds have none). */
export type TenantMovementStats = MovementStats & { tenant_id: string };

/** The run's MovementStats: its tenants' summed. */
export function sumMovements(list: readonly MovementStats[]): MovementStats {
  const m: MovementStats = { payments: 0, linked: 0, unlinked: 0, orphans: 0 };
  for (const x of list) for (const key of Object.keys(m) as (keyof MovementStats)[]) m[key] += x[key];
  return m;
}

/**
 * From the view deduped (and checked, for the first payments' attributes) to customers_all, attr_sets and
 * facts_all. Drops deduped, checked and what they read (checked_rows, dup_losers) once read for the last time.
 */
export async function factsFromDeduped(
  wh: Warehouse,
  o: {
    asOf: Date; asOfLocal: string; columns: CheckedColumns; revenuecatFiles: readonly number[]; keepMovements: boolean;
    /** Some payment of the run lacks a renewal number (DedupStats.no_renewal > 0). */
    derive: boolean;
  },
): Promise<TenantMovementStats[]> {
  const params = { as_of: o.asOf.toISOString() };
  const sql = factsStatements(o);
  // The large statements of a run, each a CREATE OR REPLACE: tried again on one thread if one runs out of memory.
  await wh.runOrRetryOnOneThread(sql.payments, params);
  await wh.runOrRetryOnOneThread(sql.movements, params);
  await wh.run(loadSql('12_movements_view'));
  await wh.runOrRetryOnOneThread(sql.firstPayments);
  await wh.runOrRetryOnOneThread(sql.customersAll, { as_of: params.as_of, as_of_local: o.asOfLocal });
  await wh.run('DROP TABLE first_payments');
  // checked is read for the last time: its memory goes to the large aggregation that follows.
  await wh.run('DROP VIEW deduped');
  await wh.run('DROP VIEW checked');
  await wh.run('DROP TABLE IF EXISTS checked_rows');
  await wh.run('DROP TABLE IF EXISTS dup_losers');
  await wh.runOrRetryOnOneThread(loadSql('15_facts_all'));
  // Every payment's customer has a first payment: only refunds can lack a customer.
  const m = await wh.all<TenantMovementStats>(
    `SELECT tenant_id, sum(payments)::INTEGER AS payments, sum(linked)::INTEGER AS linked,
            sum(unlinked)::INTEGER AS unlinked, sum(orphans)::INTEGER AS orphans
     FROM (SELECT tenant_id, count(*) AS payments, 0 AS linked, 0 AS unlinked, 0 AS orphans FROM payments GROUP BY tenant_id
           UNION ALL
           SELECT r.tenant_id, 0,
                  count(*) FILTER (WHERE kind = 'refund_linked'),
                  count(*) FILTER (WHERE kind = 'refund_unlinked'),
                  count(*) FILTER (WHERE c.customer_id IS NULL)
           FROM refund_movements r
           LEFT JOIN customers_all c USING (tenant_id, customer_id)
           GROUP BY r.tenant_id)
     GROUP BY tenant_id`,
  );
  // Free what the matrices never read (a large run would otherwise hold every stage at once).
  if (!o.keepMovements) await dropMovements(wh);
  return m;
}

const FACTS_STATEMENTS = { payments: '10_payments', movements: '11_movements', firstPayments: '13_first_payments', customersAll: '14_customers_all' } as const;
type FactsStatement = keyof typeof FACTS_STATEMENTS;

/**
 * The statements whose text follows the run's inputs (10, 11, 13, 14): which optional columns some input
 * stores, whether some input is a RevenueCat export, whether renewal numbers are derived.
 */
export function factsStatements(o: FactsVariant): Record<FactsStatement, string> {
  const ids = factsIdentifiers(o);
  return Object.fromEntries(Object.entries(FACTS_STATEMENTS).map(([k, file]) => [k, loadSql(file, ids[k as FactsStatement])])) as Record<FactsStatement, string>;
}

interface FactsVariant { columns: CheckedColumns; revenuecatFiles: readonly number[]; derive: boolean }

/**
 * What each variant puts into those statements' placeholders; the rest of them is fixed. The variants are
 * enumerated and kept in test/golden/facts/ (test/unit/factsSql.test.ts).
 */
export function factsIdentifiers(o: FactsVariant): Record<FactsStatement, Record<string, string>> {
  const { columns, revenuecatFiles, derive } = o;
  const rc = revenuecatFiles.length ? `file_idx IN (${revenuecatFiles.map((i) => String(Math.trunc(i))).join(', ')})` : 'FALSE';
  // RevenueCat numbers free trials like paid periods: only when some such file has trials is the join made.
  const trials = revenuecatFiles.length > 0 && columns.stored('is_trial') && columns.stored('renewal_number');
  // Deriving renewal numbers needs a sort of every payment: only when some payment lacks one. Optional
  // columns no input has are named as constants (readInputs.ts), not carried through that sort.
  const given = columns.ref('renewal_number');
  const renewal = derive ? `coalesce(${given}, (rn - 1)::INTEGER)` : given;
  // Only the dimensions some input has travel with the first payments (the rest are NULL constants).
  const stored = DIMENSIONS.filter((d) => columns.stored(d));
  return {
    payments: {
      carried: PAYMENT_OPTIONAL.filter((c) => columns.stored(c)).map((c) => `, ${quoteIdent(c)}`).join(''),
      ...Object.fromEntries(PAYMENT_OPTIONAL.map((c) => [`c_${c}`, columns.ref(c)])),
      rn: derive ? ', row_number() OVER (PARTITION BY tenant_id, customer_id, product_id ORDER BY event_time, transaction_id, src_row) AS rn' : '',
      renewal: trials
        ? `greatest(${renewal} - CASE WHEN ${rc} THEN coalesce(t.trials, 0) ELSE 0 END, 0)::INTEGER`
        : renewal,
      rc,
      rc_carried: revenuecatFiles.length ? ', file_idx, product_id' : '',
      rc_trials: trials
        ? ' LEFT JOIN rc_trials t USING (src_row)'
        : '',
    },
    movements: { rc },
    firstPayments: {
      stored: stored.length ? stored.map((d) => `c.${quoteIdent(d)}`).join(', ') : 'NULL AS no_dimension',
      distinct: stored.length ? stored.map(quoteIdent).join(', ') : 'NULL AS no_dimension',
      absent: DIMENSIONS.filter((d) => !columns.stored(d)).map((d) => `, ${columns.ref(d)} AS ${quoteIdent(d)}`).join(''),
      // Every renewal number derived: only a product's first payment (renewal 0) can be the customer's first.
      candidates: derive && !columns.stored('renewal_number') ? 'WHERE renewal = 0' : '',
    },
    customersAll: {
      same_attributes: stored.length ? stored.map(quoteIdent).map((d) => `f.${d} IS NOT DISTINCT FROM a.${d}`).join(' AND ') : 'TRUE',
    },
  };
}

export function runStats(
  check: { rows: number; quarantined: number },
  d: DedupStats,
  m: MovementStats,
): RunStats & { newest_transaction_at: string | null } {
  return {
    rows_read: check.rows,
    // A split written before the refund rules has no refunds_quarantined.
    rows_quarantined: check.quarantined + (d.refunds_quarantined ?? 0),
    duplicates: check.rows - check.quarantined - (d.refunds_quarantined ?? 0) - d.deduped,
    sandbox_rows: d.sandbox,
    after_as_of_rows: d.after_as_of,
    transactions: m.payments,
    // A split written before these counts has none (as refunds_quarantined): a run in flight across the upgrade.
    refund_rows: d.refund_rows ?? 0,
    zero_amount_rows: d.zero_amount ?? 0,
    customer_ids: d.customer_ids,
    refunds_linked: m.linked,
    refunds_unlinked: m.unlinked,
    movements_without_customer: m.orphans,
    // For the stale-as-of warning (runWarnings.ts); not a count, so the pipeline keeps it out of stats.
    newest_transaction_at: d.newest_ms == null ? null : new Date(d.newest_ms).toISOString(),
  };
}

export async function dropMovements(wh: Warehouse): Promise<void> {
  await wh.run('DROP VIEW IF EXISTS movements');
  await wh.run('DROP TABLE IF EXISTS refund_movements');
  await wh.run('DROP TABLE IF EXISTS payments');
}
