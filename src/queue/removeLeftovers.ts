// What killed runs leave behind, removed when a worker starts (issue 14): staging directories of this
// machine's dead processes in every reports directory the jobs write to, and scratch databases, WAL files,
// spill and split directories of dead processes in the temporary directory and in every job's own
// `duckdb.temp_directory`. Matched by pid and by names only this program makes, so several workers sharing
// a directory never remove each other's live files. Never throws.
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Env } from '../config/env.js';
import { loadJob } from '../config/loadJob.js';
import { reportsDirOf } from '../pipeline.js';
import { removeDeadStagingIn } from '../publish/publishRun.js';
import { removeStaleScratch } from '../warehouse/removeStaleScratch.js';
import { listJobFiles } from './syncSchedules.js';

export async function removeLeftovers(env: Env, jobsDir: string, logger: Logger): Promise<void> {
  // Called without waiting (startWorker.ts): a failure here must be a warning, never an unhandled
  // rejection that ends the worker.
  await removeAll(env, jobsDir, logger).catch((e: unknown) => {
    logger.warn({ err_message: e instanceof Error ? e.message : String(e) }, 'could not remove the leftovers of killed runs; the worker goes on');
  });
}

async function removeAll(env: Env, jobsDir: string, logger: Logger): Promise<void> {
  const override = env.LTV_REPORTS_DIR ? resolve(env.LTV_REPORTS_DIR) : undefined;
  const reports = new Set<string>(override ? [override] : []);
  const scratch = new Set<string>([tmpdir()]);
  for (const file of await listJobFiles(jobsDir).catch(() => [] as string[])) {
    // An invalid job file is reported by the schedule sync; its leftovers wait for it to be fixed.
    const job = await loadJob(join(jobsDir, file)).catch(() => null);
    if (!job) continue;
    reports.add(reportsDirOf(job, override));
    if (job.duckdb.temp_directory) scratch.add(resolve(job.baseDir, job.duckdb.temp_directory));
  }
  const scratchRemoved: string[] = [];
  for (const dir of scratch) scratchRemoved.push(...(await removeStaleScratch(dir)).map((name) => join(dir, name)));
  const staging = (await Promise.all([...reports].map((dir) => removeDeadStagingIn(dir, null)))).flat();
  // One line per start, also when there was nothing to remove (it says where was looked).
  logger.info({ scratch_dirs: [...scratch], reports_dirs: [...reports], scratch: scratchRemoved, staging }, 'removed the leftovers of killed runs');
}
