// SPEC §12 split: a sharded run's first step reads and checks every input once, with the single-process
// ingest (so quarantine, statistics and line numbers are the same), deduplicates (SPEC §3: duplicates may
// span customers), and writes the valid rows partitioned by a hash of (tenant, customer) into N Parquet
// parts on the shared volume. Everything a customer's numbers depend on lands in its part: a refund that
// refers to a payment goes with that payment's customer (SPEC §4 clawback), so shards are independent.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { FileTenantCount } from '../ingest/checkRows.js';
import { revenuecatFiles } from '../ingest/presets.js';
import { storedColumns } from '../ingest/readInputs.js';
import { dedup, type DedupStats } from '../ltv/buildFacts.js';
import type { InputStats, RatesFile } from '../ltv/model.js';
import { countSetAside, ingestStage, openRunWarehouse, type RunContext } from '../pipeline.js';
import { literalPath } from '../warehouse/literalPath.js';
import { quoteIdent, quoteLiteral } from '../warehouse/loadSql.js';
import { renameIntoPlace, stagingDirFor } from './renameIntoPlace.js';
import type { ShardPaths } from './shardPaths.js';

/** What the split learnt, carried by the run's job to its shards and its merge (small: no rows). */
export interface SplitManifest {
  shards: number;
  /** Rows of each part. */
  partRows: number[];
  inputs: InputStats[];
  /** The rates file ingest read (null: none); absent in a split an older release made. */
  rates?: RatesFile | null;
  /** counts: each tenant's rows and bad rows per file, set-aside refunds included (absent in a split written before them). */
  check: { rows: number; quarantined: number; tenants: string[]; counts?: FileTenantCount[] };
  dedup: DedupStats;
  /** Optional columns some input stores (readInputs.ts storedColumns). */
  stored: string[];
  revenuecatFiles: number[];
  /** Some input has a renewal_number or duration column: the model choice of an older release's merge
   *  (this one's reads dedup.subscription_tenants, which tenants' payments carry them). */
  subscription: boolean;
  /** Milliseconds of the split (ingest included), for the run's timings. */
  ms: number;
  /** Milliseconds of its ingest stage: the merged run's `ingest` timing (manifest, metrics). Absent in a split an older release made. */
  ingestMs?: number;
}

/** The columns of the view deduped (09_dedup.sql) a part carries besides the optional ones. */
const ALWAYS = ['src_row', 'tenant_id', 'customer_id', 'event_time', 'amount', 'currency', 'r10', 'file_idx'];

export async function splitRun(run: RunContext, shards: number, paths: ShardPaths): Promise<SplitManifest> {
  const started = Date.now();
  const rw = await openRunWarehouse(run.job, run.log, run.effects.signal);
  const { wh } = rw;
  try {
    const { files, read, check, inputs: ingested, rates } = await ingestStage(run, rw);
    run.enter('compute', `splitting into ${shards} shards`, check.rows);
    if (check.tenants.length === 1) await wh.run(read.checkedView(check.tenants[0]));
    const d = await dedup(wh, run.asOf);
    const counted = d.refunds_quarantined > 0 ? await countSetAside(run, wh, check, ingested) : { check, inputs: ingested };
    // A refund counts with the payment it refers to when that payment exists at T (11_movements.sql):
    // it is routed to that payment's customer. Any other row goes with its own customer.
    await wh.run(
      `CREATE OR REPLACE TEMP TABLE shard_links AS
       SELECT r.src_row, p.customer_id AS owner
       FROM (SELECT src_row, tenant_id, refund_of FROM deduped
             WHERE amount < 0 AND NOT is_sandbox AND event_time <= CAST($as_of AS TIMESTAMPTZ) AND refund_of IS NOT NULL) r
       JOIN (SELECT tenant_id, transaction_id, customer_id FROM deduped
             WHERE amount > 0 AND NOT is_sandbox AND event_time <= CAST($as_of AS TIMESTAMPTZ)) p
         ON p.tenant_id = r.tenant_id AND p.transaction_id = r.refund_of`,
      { as_of: run.asOf.toISOString() },
    );
    const stored = storedColumns(read.columns);
    const carried = [...ALWAYS, ...stored.filter((c) => c !== 'updated_at')].map(quoteIdent);
    const staging = await stagingDirFor(paths.split);
    const n = String(Math.trunc(shards));
    // COPY takes no bound parameters: the paths are ours, the shard count a validated integer.
    await wh.run(
      `COPY (
         SELECT ${carried.map((c) => `d.${c}`).join(', ')},
                CAST(hash(d.tenant_id, coalesce(l.owner, d.customer_id)) % ${n} AS INTEGER) AS part
         FROM deduped d LEFT JOIN shard_links l USING (src_row)
       ) TO ${quoteLiteral(join(staging, 'parts'))} (FORMAT parquet, PARTITION_BY (part), COMPRESSION zstd)`,
    );
    await wh.run(`COPY bad_rows TO ${quoteLiteral(join(staging, 'bad_rows.parquet'))} (FORMAT parquet)`);
    await wh.run(`COPY input_files TO ${quoteLiteral(join(staging, 'input_files.parquet'))} (FORMAT parquet)`);
    const counts = d.deduped === 0 ? [] : await wh.all<{ part: number; n: number }>(
      `SELECT part, count(*)::INTEGER AS n FROM read_parquet(${quoteLiteral(join(literalPath(staging), 'parts', '*', '*.parquet'))}, hive_partitioning = true) GROUP BY part`,
    );
    const partRows = Array.from({ length: shards }, (_, k) => counts.find((c) => Number(c.part) === k)?.n ?? 0);
    // A part no customer hashed to still gets a file (no rows, the same columns): a missing part is an error.
    for (const [k, rows] of partRows.entries()) {
      if (rows > 0) continue;
      await mkdir(join(staging, 'parts', `part=${k}`), { recursive: true });
      await wh.run(`COPY (SELECT ${carried.join(', ')} FROM deduped LIMIT 0) TO ${quoteLiteral(join(staging, 'parts', `part=${k}`, 'data_0.parquet'))} (FORMAT parquet)`);
    }
    await renameIntoPlace(staging, paths.split);
    run.log.info({ shards, part_rows: partRows, ms: Date.now() - started }, 'split done');
    return {
      shards, partRows, inputs: counted.inputs, rates,
      check: { rows: check.rows, quarantined: check.quarantined, tenants: check.tenants, counts: counted.check.counts },
      dedup: d, stored, revenuecatFiles: revenuecatFiles(files),
      subscription: read.columns.stored('renewal_number') || read.columns.stored('duration'),
      ms: Date.now() - started,
      ingestMs: run.timings.ingest ?? 0,
    };
  } finally {
    await rw.release();
  }
}
