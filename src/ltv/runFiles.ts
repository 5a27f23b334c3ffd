// The published layout of one run (SPEC §5), in one place so writers, the endpoint and the worker agree.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MatrixSpec, RatesFile, RunWarning, Summary } from './model.js';

export const RUN_FILES = {
  manifest: 'manifest.json',
  json: 'ltv.json',
  csv: 'ltv.csv',
  xlsx: 'ltv.xlsx',
  chart: 'ltv.png',
  /** The self-contained explorer page of the run (SPEC §10, writeReportHtml.ts). */
  report: 'report.html',
  /** SPEC §9 fan chart: the forecast with its interval (absent when forecasts are off). */
  forecastChart: 'forecast.png',
  quarantine: 'quarantine.csv',
  /** Data the endpoint queries read-only for filtered Adapty requests (the run's own SQL runs over them). */
  facts: 'data/facts.parquet',
  customers: 'data/customers.parquet',
  /** The forecast (SPEC §9) the endpoint adds to Adapty answers asking for `prediction_months`. */
  forecast: 'data/forecast.json',
  /**
   * What the endpoint predicts a filtered request's `prediction_months` from (src/forecast/servingFile.ts):
   * the forecast's customers at T and its fits' parameters. Absent when no cohort is predicted.
   */
  forecastInputs: 'data/forecast_inputs.bin.gz',
} as const;

/**
 * The money sums of data/facts.parquet: exact integer units (revenue 10⁻¹⁴, proceeds 10⁻²⁰, net 10⁻²⁶ of
 * the report currency; 02_macros.sql), stored as DECIMAL(38, 0) because a DOUBLE would round them (a
 * half cent would then round the wrong way).
 */
export const MONEY_COLUMNS = ['revenue', 'proceeds', 'net_revenue'] as const;

/**
 * A published run as the endpoint's caches know it: its directory and the sha256 of its manifest.json. A run
 * never changes once published, but its directory can be removed and a new run published under the same
 * id (an operator re-running a bad run, retention then a backfill): keyed by the directory alone, a
 * long-running server answered filtered requests from the removed run's data, under the same ETag.
 */
export interface RunRef {
  dir: string;
  /** sha256 (hex) of the run's manifest.json bytes: its files' checksums and its time of generation. */
  identity: string;
}

/** The identity of a run from its manifest.json's bytes (RunRef). */
export function manifestIdentity(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A cache key of a run: its directory and the identity of what it holds. */
export function runKey(run: RunRef): string {
  return `${run.dir}\0${run.identity}`;
}

/** The run at `dir` as it is on disk now (tests and tools; the endpoint has the manifest's bytes already). */
export async function runRef(dir: string): Promise<RunRef> {
  return { dir, identity: manifestIdentity(await readFile(join(dir, RUN_FILES.manifest))) };
}

export function zenovaySnapshotPath(range: string, granularity: string): string {
  return join('api', 'zenovay', `${range}-${granularity}.json`);
}

export function adaptySnapshotPath(spec: MatrixSpec): string {
  return join('api', 'adapty', `${spec.period_type}-${spec.period_unit}-${spec.segmentation}.json`);
}

/**
 * SPEC §5: a snapshot `<name>.json` is stored gzip-compressed as `<name>.json.gz` (what nginx's
 * `gzip_static` and other static servers serve for `<name>.json`); runs published before this kept
 * plain `<name>.json`, which the endpoint still reads.
 */
export const SNAPSHOT_GZIP_SUFFIX = '.gz';

export interface ManifestFile {
  bytes: number;
  sha256: string;
}

/** manifest.json of a run. */
export interface Manifest {
  schema_version: 1;
  tenant: string;
  run_id: string;
  job: string;
  as_of: string;
  timezone: string;
  currency: string;
  generated_at: string;
  idempotency_key: string | null;
  /** Range of the customers' first-payment local dates; null when the tenant has no customer. */
  first_payment_dates: { min: string; max: string } | null;
  /** Newest transaction at or before the as-of time (ISO UTC); absent in older manifests. */
  newest_transaction_at?: string | null;
  /** The headline figures, for the next run's email (change since the previous run); absent in older manifests. */
  summary?: Summary;
  /** e.g. a stale as-of time (src/ltv/runWarnings.ts); absent in older manifests. */
  warnings?: RunWarning[];
  inputs: { path: string; format: string; rows: number; quarantined: number; columns?: Record<string, string> }[];
  /** The rates file the run read (ltv.json's `rates`); null without one, absent in older manifests. */
  rates?: RatesFile | null;
  stats: Record<string, number>;
  timings_ms: Record<string, number>;
  /** Every file of the run but the manifest itself, by path relative to the run directory. */
  files: Record<string, ManifestFile>;
  /**
   * How many tenants the run publishes (with idempotency_key: a recovered run finds them all published). A
   * count, not their names: a tenant's files name no other tenant of the input (README, the worker).
   */
  run_tenant_count?: number;
  /** The same as the tenants' names, in manifests written before run_tenant_count (still read by a recovery). */
  run_tenants?: string[];
}
