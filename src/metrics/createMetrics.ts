// SPEC §11: every Prometheus metric ltv exports, defined in this one module so names, labels and units are
// reviewed in one place. `ltv serve` and `ltv worker` each create their own registry (and tests one per
// server or worker), then fill the part they know: serve the HTTP metrics, the worker the runs, emails,
// queue depth and job freshness. This folder imports no pipeline stage: every stage and entry point may
// use it, like config.
//
// Naming (prometheus.io/docs/practices/naming): `ltv_` prefix, base units (`_seconds`, unix seconds for
// times), `_total` for counters. Labels are bounded and operator-controlled only: a route is its template
// (never the raw URL), a job is a job file name, a stage/outcome/state comes from a closed list. Tenant
// ids and other tenant-controlled text never become a label. The job label is `ltv_job`, not `job`:
// Prometheus attaches its own `job` label (the scrape job) to every series and would rename ours.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export const RUN_OUTCOMES = ['published', 'failed', 'retrying'] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

/** BullMQ job states reported as queue depth. */
export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'failed', 'completed'] as const;
export type QueueState = (typeof QUEUE_STATES)[number];

/** What a job's freshness gauges say (unix milliseconds; null = never, the series is then absent). */
export interface JobFreshness {
  job: string;
  lastPublishedMs: number | null;
  lastFailureMs: number | null;
  /** Seconds between two firings of its schedule (null: on demand only). */
  scheduleIntervalSeconds: number | null;
  /** The job's `max_bad_row_share`, for the quarantine-share alert (null: its file never validated here). */
  maxBadRowShare: number | null;
  /** The job's `alert_after` in seconds (null: not set). */
  alertAfterSeconds: number | null;
}

export interface MetricsSources {
  /**
   * Queue depth by queue (`runs`; `shards`, SPEC §12: the shard jobs a sharded run waits for) and state,
   * read from Redis at scrape time (null: Redis did not answer in time).
   */
  queueDepth?: () => Promise<Record<string, Partial<Record<QueueState, number>> | null>>;
  /** Every job of the jobs folder, read at scrape time (a fresh worker learns from disk and Redis). */
  jobs?: () => Promise<JobFreshness[]>;
}

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'route' | 'method' | 'status'>;
  httpDuration: Histogram<'route' | 'method'>;
  runs: Counter<'ltv_job' | 'outcome'>;
  runDuration: Histogram<'ltv_job' | 'outcome'>;
  stageDuration: Histogram<'stage'>;
  rowsRead: Counter<'ltv_job'>;
  rowsQuarantined: Counter<'ltv_job'>;
  rowsDuplicate: Counter<'ltv_job'>;
  emails: Counter<'ltv_job' | 'kind' | 'outcome'>;
}

/** Methods outside this set are counted as "other" (a client can send any token as a method). */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export function methodLabel(method: string | undefined): string {
  return method !== undefined && METHODS.has(method) ? method : 'other';
}

export function createMetrics(sources: MetricsSources = {}): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const metrics: Metrics = {
    registry,
    httpRequests: new Counter({
      name: 'ltv_http_requests_total',
      help: 'HTTP requests answered, by route template (never the raw URL), method and status code.',
      labelNames: ['route', 'method', 'status'],
      registers,
    }),
    httpDuration: new Histogram({
      name: 'ltv_http_request_duration_seconds',
      help: 'Time from the request to the end of the response, by route template and method.',
      labelNames: ['route', 'method'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    runs: new Counter({
      name: 'ltv_runs_total',
      help: 'Run attempts that ended, by job and outcome: published, failed (for good), retrying (a retry follows).',
      labelNames: ['ltv_job', 'outcome'],
      registers,
    }),
    runDuration: new Histogram({
      name: 'ltv_run_duration_seconds',
      help: 'Duration of run attempts, by job and outcome.',
      labelNames: ['ltv_job', 'outcome'],
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200],
      registers,
    }),
    stageDuration: new Histogram({
      name: 'ltv_run_stage_duration_seconds',
      help: 'Duration of the stages of published runs (ingest, compute, render, publish, notify).',
      labelNames: ['stage'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
      registers,
    }),
    rowsRead: new Counter({
      name: 'ltv_input_rows_total',
      help: 'Input rows read by published runs.',
      labelNames: ['ltv_job'],
      registers,
    }),
    rowsQuarantined: new Counter({
      name: 'ltv_quarantined_rows_total',
      help: 'Input rows quarantined (bad rows) by published runs.',
      labelNames: ['ltv_job'],
      registers,
    }),
    rowsDuplicate: new Counter({
      name: 'ltv_duplicate_rows_total',
      help: 'Duplicate input rows dropped by published runs.',
      labelNames: ['ltv_job'],
      registers,
    }),
    emails: new Counter({
      name: 'ltv_emails_total',
      help: 'Emails by job, kind (run, failure, stale, recovered) and outcome (sent, rejected, failed, dry_run, already_sent).',
      labelNames: ['ltv_job', 'kind', 'outcome'],
      registers,
    }),
  };

  if (sources.queueDepth) {
    const read = sources.queueDepth;
    new Gauge({
      name: 'ltv_queue_jobs',
      help: 'Jobs in the queues by queue (runs; shards: the parts of sharded runs) and BullMQ state, read from Redis at scrape time.',
      labelNames: ['queue', 'state'],
      registers,
      async collect() {
        this.reset();
        for (const [queue, counts] of Object.entries(await read())) {
          if (counts) for (const state of QUEUE_STATES) this.set({ queue, state }, counts[state] ?? 0);
        }
      },
    });
  }

  if (sources.jobs) {
    // One read of the jobs per scrape, shared by the gauges below (each gauge's collect runs per scrape).
    let pending: Promise<JobFreshness[]> | null = null;
    const jobs = (): Promise<JobFreshness[]> => {
      pending ??= sources.jobs!().finally(() => setTimeout(() => (pending = null), 0));
      return pending;
    };
    const gauge = (name: string, help: string, value: (j: JobFreshness) => number | null): void => {
      new Gauge({
        name,
        help,
        labelNames: ['ltv_job'],
        registers,
        async collect() {
          this.reset();
          for (const j of await jobs()) {
            const v = value(j);
            if (v !== null) this.set({ ltv_job: j.job }, v);
          }
        },
      });
    };
    gauge('ltv_job_last_published_timestamp_seconds', 'When the job last published a run (unix seconds; the moment its `latest` was switched).',
      (j) => (j.lastPublishedMs === null ? null : j.lastPublishedMs / 1000));
    gauge('ltv_job_last_failure_timestamp_seconds', 'When a run of the job last failed for good (unix seconds).',
      (j) => (j.lastFailureMs === null ? null : j.lastFailureMs / 1000));
    gauge('ltv_job_schedule_interval_seconds', 'Seconds between two firings of the job\'s schedule (absent: on demand only).',
      (j) => j.scheduleIntervalSeconds);
    gauge('ltv_job_max_bad_row_share', 'The job\'s max_bad_row_share: a run with a larger share of bad rows fails.',
      (j) => j.maxBadRowShare);
    gauge('ltv_job_alert_after_seconds', 'The job\'s alert_after in seconds (absent: not set).',
      (j) => j.alertAfterSeconds);
  }
  return metrics;
}

/** Counts one answered HTTP request (the server's `onRequest` hook); its duration when known. */
export function recordRequest(metrics: Metrics, r: { route: string; method: string; status: number; seconds: number | null }): void {
  const method = methodLabel(r.method);
  metrics.httpRequests.inc({ route: r.route, method, status: String(r.status) });
  if (r.seconds !== null) metrics.httpDuration.observe({ route: r.route, method }, r.seconds);
}

/** The `outcome` label of an email: a delivery status, or `already_sent` when its record said so. */
export function emailOutcome(o: { previously: boolean; status: string }): string {
  return o.previously ? 'already_sent' : o.status.replace('-', '_');
}
