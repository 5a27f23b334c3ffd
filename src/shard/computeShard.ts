// SPEC §12 shard: one part's customers from their rows to their additive partial results, with the very
// statements of a single-process run (buildFacts.ts factsFromDeduped): the customers with their cohort and
// attributes, and the facts (sums by cohort day, attributes, age class and periods) the matrices add up.
// Attribute tuples are numbered per shard (attrs.parquet); the merge numbers them again for the run.
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { AppError } from '../config/AppError.js';
import type { Job } from '../config/jobSchema.js';
import { columnsOfStored } from '../ingest/readInputs.js';
import { asOfWall } from '../ltv/asOfWall.js';
import { factsFromDeduped, sumMovements, type MovementStats, type TenantMovementStats } from '../ltv/buildFacts.js';
import { openRunWarehouse, storageError } from '../pipeline.js';
import { installMacros } from '../warehouse/installMacros.js';
import { literalPath } from '../warehouse/literalPath.js';
import { quoteLiteral } from '../warehouse/loadSql.js';
import { renameIntoPlace, stagingDirFor } from './renameIntoPlace.js';
import type { ShardPaths } from './shardPaths.js';
import type { SplitManifest } from './splitRun.js';

export const SHARD_FILES = {
  customers: 'customers.parquet',
  attrs: 'attrs.parquet',
  facts: 'facts.parquet',
  /** Only with forecasts (SPEC §9 reads every movement). */
  movements: 'movements.parquet',
} as const;

export interface ShardResult {
  shard: number;
  rows: number;
  /** The shard's totals. */
  stats: MovementStats;
  /** Each tenant's (absent in a result written before them). */
  tenants?: TenantMovementStats[];
  ms: number;
}

/** `shard k of n`, as messages name a shard (0-based k, as the part files are numbered). */
export function shardLabel(k: number, n: number): string {
  return `shard ${k} of ${n}`;
}

export async function computeShard(
  job: Job,
  o: {
    asOf: Date; paths: ShardPaths; shard: number; split: SplitManifest; logger: Logger; signal?: AbortSignal;
    /** The reports directory and how to choose another (pipeline.ts anotherReportsDir), for a write refused. */
    reportsDir: string; another: string;
  },
): Promise<ShardResult> {
  const { paths, shard: k, split } = o;
  const started = Date.now();
  const label = shardLabel(k, split.shards);
  const expected = split.partRows[k] ?? 0;
  const files = join(literalPath(paths.part(k)), '*.parquet');
  try {
    await access(paths.part(k));
  } catch {
    // Retried (bounded): shared storage may show a file late or fail a read once.
    throw new AppError('DATA', `${label}: its part ${paths.part(k)} is missing (the split wrote ${expected} rows there); was the shared volume cleaned?`, { retryable: true });
  }
  const rw = await openRunWarehouse(job, o.logger, o.signal);
  const { wh } = rw;
  try {
    await installMacros(wh, job.timezone);
    const { columns, constants } = columnsOfStored(split.stored);
    try {
      await wh.run(`CREATE TEMP TABLE part AS SELECT * FROM read_parquet(${quoteLiteral(files)}, hive_partitioning = false)`);
    } catch (e) {
      throw new AppError('DATA', `${label}: cannot read its part ${paths.part(k)}: ${(e as Error).message.split('\n')[0]}`, { retryable: true });
    }
    const [{ n } = { n: 0 }] = await wh.all<{ n: number }>('SELECT count(*)::INTEGER AS n FROM part');
    if (n !== expected) throw new AppError('DATA', `${label}: its part ${paths.part(k)} holds ${n} rows, the split wrote ${expected}`, { retryable: true });
    await wh.run(`CREATE TEMP VIEW deduped AS SELECT *${constants} FROM part`);
    await wh.run('CREATE TEMP VIEW checked AS SELECT src_row AS row_id, * FROM deduped');
    const local = await asOfWall(wh, o.asOf.toISOString());
    const forecast = job.forecast.model !== 'off';
    const tenants = await factsFromDeduped(wh, {
      asOf: o.asOf, asOfLocal: local, columns, revenuecatFiles: split.revenuecatFiles, keepMovements: forecast,
      derive: split.dedup.no_renewal > 0,
    });
    await wh.run('DROP TABLE part');
    const staging = await stagingDirFor(paths.out(k));
    const to = (name: string) => quoteLiteral(join(staging, name));
    // Parquet has no 128-bit integer: money as DECIMAL(38, 0), exact (runFiles.ts MONEY_COLUMNS).
    await wh.run(`COPY customers_all TO ${to(SHARD_FILES.customers)} (FORMAT parquet)`);
    await wh.run(`COPY attr_sets TO ${to(SHARD_FILES.attrs)} (FORMAT parquet)`);
    await wh.run(`COPY (SELECT * REPLACE (CAST(revenue AS DECIMAL(38, 0)) AS revenue, CAST(proceeds AS DECIMAL(38, 0)) AS proceeds,
      CAST(net_revenue AS DECIMAL(38, 0)) AS net_revenue) FROM facts_all) TO ${to(SHARD_FILES.facts)} (FORMAT parquet)`);
    if (forecast) {
      await wh.run(`COPY (SELECT * REPLACE (CAST(revenue AS DECIMAL(38, 0)) AS revenue, CAST(proceeds AS DECIMAL(38, 0)) AS proceeds,
        CAST(net_revenue AS DECIMAL(38, 0)) AS net_revenue) FROM movements) TO ${to(SHARD_FILES.movements)} (FORMAT parquet)`);
    }
    await renameIntoPlace(staging, paths.out(k));
    return { shard: k, rows: n, stats: sumMovements(tenants), tenants, ms: Date.now() - started };
  } catch (e) {
    // As a single-process run's: a full disk is retried, a refused write (read-only, permissions, a file
    // where a folder must be) names the path and is not (it was retried as often as LTV_ATTEMPTS allows).
    throw storageError(e, o.reportsDir, rw.dbPath, o.another) ?? e;
  } finally {
    await rw.release();
  }
}
