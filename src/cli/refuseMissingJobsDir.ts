// A jobs folder the operator named must be there: a typo left a worker up that never ran a schedule, and a
// server that took it without a word (its run routes unmounted, or looking every job up in no folder).
// The default, ./jobs, may be absent: on-demand runs of job paths only.
import { stat } from 'node:fs/promises';
import { AppError } from '../config/AppError.js';

/** What `--jobs` takes where the command falls back to LTV_JOBS_DIR, else ./jobs (worker, enqueue). */
export const JOBS_FLAG_TAKES = 'the jobs folder, or leave the flag out ($LTV_JOBS_DIR, else jobs)';

/** `flag`: --jobs as given; `fromEnv`: LTV_JOBS_DIR where the command reads it (undefined: not set or not read). */
export async function refuseMissingJobsDir(flag: string | undefined, fromEnv: string | undefined): Promise<void> {
  // Set empty, LTV_JOBS_DIR is unset, as loadEnv reads it (the default, jobs).
  const named = flag ?? (fromEnv || undefined);
  if (named === undefined) return;
  const isDir = await stat(named).then((s) => s.isDirectory(), () => false);
  if (!isDir) throw new AppError('CONFIG', `${flag !== undefined ? '--jobs' : 'LTV_JOBS_DIR'}: ${named} is not a directory of job files: give the folder holding your jobs/*.json`);
}
