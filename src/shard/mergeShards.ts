// SPEC §12 merge: the shards' partial results become the tables a single-process run's compute stage leaves
// (customers_all, attr_sets, facts_all, bad_rows, input_files; movements with forecasts), so the render,
// publish and notify stages run unchanged over them (pipeline.ts runStages) and the numbers are the same by
// construction: a customer is whole in one shard, and facts are sums, summed again.
import { join } from 'node:path';
import { DIMENSIONS } from '../ingest/readInputs.js';
import { asOfWall } from '../ltv/asOfWall.js';
import { runStats, sumMovements, type TenantMovementStats } from '../ltv/buildFacts.js';
import { historyDays } from '../ltv/historyDays.js';
import { tenantFacts } from '../ltv/tenantFacts.js';
import type { RunContext, RunFacts, RunWarehouse } from '../pipeline.js';
import { refuseAllAfterAsOf } from '../ltv/refuseAllAfterAsOf.js';
import { refuseLongHistory } from '../report/adaptyBodyLimit.js';
import { installMacros } from '../warehouse/installMacros.js';
import { literalPath } from '../warehouse/literalPath.js';
import { quoteIdent } from '../warehouse/loadSql.js';
import { SHARD_FILES, type ShardResult } from './computeShard.js';
import type { ShardPaths } from './shardPaths.js';
import type { SplitManifest } from './splitRun.js';

const MONEY = ['revenue', 'proceeds', 'net_revenue'] as const;

export async function mergeShards(
  run: RunContext,
  rw: RunWarehouse,
  o: { paths: ShardPaths; split: SplitManifest; results: ShardResult[] },
): Promise<RunFacts> {
  const { wh } = rw;
  const { paths, split } = o;
  // The inputs were read by the split: that is the run's ingest stage (its compute is the merge's).
  if (split.ingestMs !== undefined) run.timings.ingest = split.ingestMs;
  run.enter('compute', `merging ${split.shards} shards`, split.check.rows);
  await installMacros(wh, run.job.timezone);
  await wh.run('CREATE TEMP TABLE bad_rows AS SELECT * FROM read_parquet($p)', { p: literalPath(join(paths.split, 'bad_rows.parquet')) });
  await wh.run('CREATE TEMP TABLE input_files AS SELECT * FROM read_parquet($p)', { p: literalPath(join(paths.split, 'input_files.parquet')) });
  const forecast = run.job.forecast.model !== 'off';
  for (let k = 0; k < split.shards; k++) {
    const verb = k === 0 ? 'CREATE TEMP TABLE $t AS' : 'INSERT INTO $t';
    const load = (table: string, file: string, select = '*') =>
      wh.run(`${verb.replace('$t', table)} SELECT CAST($k AS INTEGER) AS shard, ${select} FROM read_parquet($p)`, { k, p: literalPath(join(paths.out(k), file)) });
    await load('shard_attrs', SHARD_FILES.attrs);
    await load('shard_customers', SHARD_FILES.customers);
    await load('shard_facts', SHARD_FILES.facts);
    // Customers are whole in one shard: their movements need no shard number.
    if (forecast) await load('shard_movements', SHARD_FILES.movements, `* REPLACE (${MONEY.map((c) => `CAST(${c} AS HUGEINT) AS ${c}`).join(', ')})`);
  }
  // The run's attribute tuples, numbered once as 13_first_payments.sql numbers them (in the order of the
  // dimension columns, which 25_published_facts.sql sorts by; the number itself is never published), and
  // each shard's numbers mapped to them.
  await wh.run(`CREATE TEMP TABLE attr_sets AS SELECT *, row_number() OVER (ORDER BY ${DIMENSIONS.map(quoteIdent).join(', ')}) AS attr_id FROM (SELECT DISTINCT * EXCLUDE (shard, attr_id) FROM shard_attrs)`);
  const same = DIMENSIONS.map(quoteIdent).map((d) => `s.${d} IS NOT DISTINCT FROM a.${d}`).join(' AND ');
  await wh.run(`CREATE TEMP TABLE attr_map AS SELECT s.shard, s.attr_id AS local_id, a.attr_id FROM shard_attrs s JOIN attr_sets a ON ${same}`);
  await wh.run(
    `CREATE TEMP TABLE customers_all AS
     SELECT c.tenant_id, c.customer_id, c.t0, c.t0_local, c.cohort_day, c.age_class, m.attr_id
     FROM shard_customers c JOIN attr_map m ON m.shard = c.shard AND m.local_id = c.attr_id`,
  );
  // Facts of one (cohort day, attributes, age class, periods) from several shards add up (exact HUGEINT sums).
  await wh.run(
    `CREATE TEMP TABLE facts_all AS
     SELECT f.tenant_id, f.cohort_day, m.attr_id, f.age_class, f.k_day, f.k_month, f.renewal,
            ${MONEY.map((c) => `sum(CAST(f.${c} AS HUGEINT)) AS ${c}`).join(', ')}, sum(f.payments)::BIGINT AS payments
     FROM shard_facts f JOIN attr_map m ON m.shard = f.shard AND m.local_id = f.attr_id
     GROUP BY ALL`,
  );
  if (forecast) await wh.run('CREATE TEMP VIEW movements AS SELECT * EXCLUDE (shard) FROM shard_movements');
  for (const t of ['shard_facts', 'shard_customers', 'attr_map', 'shard_attrs']) await wh.run(`DROP TABLE ${t}`);
  // As a single-process run does (pipeline.ts buildRun), once the customers are known and before any matrix:
  // a history whose day-by-day Adapty body cannot be written is refused naming the tenant, not at the body.
  const local = await asOfWall(wh, run.asOf.toISOString());
  refuseLongHistory(await historyDays(wh, run.asOf, local), local.slice(0, 10),
    { minEventTime: run.job.min_event_time, jobFile: run.job.name === 'adhoc' ? undefined : run.job.file });
  const { newest_transaction_at: newestTransactionAt, ...stats } = runStats(split.check, split.dedup, sumMovements(o.results.map((r) => r.stats)));
  // As buildRun refuses it: a sharded run as of a time before every row published an empty report.
  refuseAllAfterAsOf(run, stats);
  // A tenant's customers may lie in every shard: its movements are summed over them.
  const movements = new Map<string, TenantMovementStats>();
  for (const t of o.results.flatMap((r) => r.tenants ?? [])) {
    const sum = movements.get(t.tenant_id);
    movements.set(t.tenant_id, sum ? { ...sumMovements([sum, t]), tenant_id: t.tenant_id } : t);
  }
  const { counts } = split.check;
  const { tenants } = split.dedup;
  return {
    stats, tenants: split.check.tenants,
    ...(split.rates === undefined ? {} : { rates: split.rates }),
    tenantFacts: counts && tenants && o.results.every((r) => r.tenants)
      ? tenantFacts({ counts, inputs: split.inputs, tenants, movements: [...movements.values()] })
      // A split or shard of the version before tenants had statistics of their own (a run in flight across an
      // upgrade): its tenants get the run's, as they did then.
      : () => ({ stats, inputs: split.inputs, newestTransactionAt }),
    local,
    // A split written before tenants had their own: every tenant as the run's columns said.
    subscriptionTenants: split.dedup.subscription_tenants ?? (split.subscription ? split.check.tenants : []),
  };
}
