// The resources of a run: the job's `duckdb` block, filled by LTV_DUCKDB_THREADS / LTV_DUCKDB_MEMORY_LIMIT.
// Shared by the worker and `ltv run` (which imports no queue code: its start is part of every run's time).
import type { Env } from './env.js';
import type { Job } from './jobSchema.js';

/** The job's `duckdb` block wins; the environment fills what it leaves out. */
export function withDuckdbDefaults(job: Job, env: Pick<Env, 'LTV_DUCKDB_THREADS' | 'LTV_DUCKDB_MEMORY_LIMIT'>): Job {
  const threads = job.duckdb.threads ?? env.LTV_DUCKDB_THREADS;
  const memory_limit = job.duckdb.memory_limit ?? env.LTV_DUCKDB_MEMORY_LIMIT;
  if (threads === job.duckdb.threads && memory_limit === job.duckdb.memory_limit) return job;
  const duckdb = { ...job.duckdb, ...(threads ? { threads } : {}), ...(memory_limit ? { memory_limit } : {}) };
  return Object.freeze({ ...job, duckdb: Object.freeze(duckdb) });
}
