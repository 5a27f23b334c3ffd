// A run = ingest → compute → render → publish → notify (STYLE: the worker and `ltv run` share it).
import type { Logger } from 'pino';
import type { Job } from './config/jobSchema.js';
import type { RunStats, Summary } from './ltv/model.js';

export const STAGES = ['ingest', 'compute', 'render', 'publish', 'notify'] as const;
export type Stage = (typeof STAGES)[number];

export interface Progress {
  stage: Stage;
  /** 0..100 over the whole run. */
  percent: number;
  rows?: number;
  message?: string;
}

/** Side effects a run needs, injected (STYLE habit 7). */
export interface RunEffects {
  logger: Logger;
  /** The run's as-of time T (SPEC §2). Default: the job's `as_of`, else now. Scheduled runs pass their slot. */
  asOf?: Date;
  /** Overrides the job's reports_dir. */
  reportsDir?: string;
  onProgress?: (p: Progress) => void;
  /**
   * Identifies one logical run across retries (the BullMQ job id). A retry with the same key republishes
   * under the same run-id instead of adding a suffixed one.
   */
  idempotencyKey?: string;
  /** Cancels between stages (SIGTERM); a cancelled run publishes nothing. */
  signal?: AbortSignal;
}

export interface TenantRunResult {
  tenant: string;
  runId: string;
  /** Absolute path of runs/<run-id>. */
  dir: string;
  summary: Summary;
}

export interface RunResult {
  job: string;
  asOf: string;
  tenants: TenantRunResult[];
  stats: RunStats;
  /** Milliseconds per stage. */
  timings: Partial<Record<Stage, number>>;
  quarantinePath: string | null;
}

// Re-exported so the type-check passes until runPipeline uses it (serve branch; take main's version on merge).
export type { Job };
