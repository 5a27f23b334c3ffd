// Where a sharded run (SPEC §12) keeps its intermediate files on the shared reports volume. Paths are derived
// from the reports directory each worker sees (LTV_REPORTS_DIR) and the run's key, never stored absolute:
// hosts may mount the volume at different places.
import { join } from 'node:path';

/** `<reports>/.shards/`: dot-named, so the endpoint and retention never take it for a tenant. */
export const SHARDS_DIR = '.shards';

export interface ShardPaths {
  /** Every file of the run: removed as a whole when the run ends, whatever the outcome. */
  root: string;
  /** The split's output, renamed into place whole: parts/part=<k>/*.parquet, bad_rows.parquet, input_files.parquet. */
  split: string;
  /** part k's files (none when no customer hashed to it). */
  part(k: number): string;
  /** Shard k's output, renamed into place whole: customers, attrs, facts (and movements) .parquet. */
  out(k: number): string;
}

export function shardPaths(reportsDir: string, jobName: string, runKey: string): ShardPaths {
  const root = join(reportsDir, SHARDS_DIR, encodeURIComponent(jobName), encodeURIComponent(runKey));
  const split = join(root, 'split');
  return {
    root,
    split,
    part: (k) => join(split, 'parts', `part=${k}`),
    out: (k) => join(root, 'out', `shard-${k}`),
  };
}
