// SPEC §7: every job file with a `schedule` owns one BullMQ job scheduler, named after the job. Several
// workers may sync at once and on every start, so a sync changes Redis only where the files and the
// schedulers disagree: re-upserting an unchanged scheduler would replace its pending firing, and a firing
// that fell due while everything was down would be lost instead of running once, late.
import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { lstat, readdir, readlink, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Logger } from 'pino';
import { AppError, isAppError } from '../config/AppError.js';
import type { Env } from '../config/env.js';
import { isCron, type Job } from '../config/jobSchema.js';
import { loadJob } from '../config/loadJob.js';
import { nextFiring } from './scheduleFirings.js';
import type { JobSchedulerJson, JobsOptions } from 'bullmq';
import { addSlotRun, enqueueSlotCommand, isJobFileName, jobFileNameProblem, runJobOptions, type RunData, type RunQueue } from './runQueue.js';
import { quotedName } from '../format/listed.js';

export interface ScheduleSyncResult {
  /** Job names whose scheduler was created or changed. */
  upserted: string[];
  unchanged: string[];
  removed: string[];
  /** Job files that failed validation; their existing schedulers are left as they were. */
  invalid: { file: string; message: string }[];
}

/**
 * Job files are the `*.json` files of the folder, except the JSON Schema that documents them. Symbolic
 * links count too, whatever they point at (a Kubernetes ConfigMap volume is made of links into `..data/`):
 * a link to no file is reported by the schedule sync like any other broken job file (checkJobLink).
 */
export async function listJobFiles(jobsDir: string): Promise<string[]> {
  const entries = await readdir(jobsDir, { withFileTypes: true });
  return entries
    .filter((e) => (e.isFile() || e.isSymbolicLink()) && isJobFileName(e.name))
    .map((e) => e.name)
    .sort();
}

/** Null when `path` is a file or a link to one; else why not, in one line naming the link and its target. */
export async function checkJobLink(path: string): Promise<string | null> {
  const own = await lstat(path).catch(() => null);
  if (!own?.isSymbolicLink()) return null;
  const target = await readlink(path).catch(() => '?');
  const st = await stat(path).catch((e: NodeJS.ErrnoException) => e.code ?? String(e));
  if (typeof st === 'string') return `${path}: symbolic link to ${target}, which cannot be read (${st}): point it at a job file`;
  if (!st.isFile()) return `${path}: symbolic link to ${target}, which is not a file: point it at a job file`;
  return null;
}

interface Desired {
  pattern: string;
  tz: string;
  data: RunData;
}

function desiredScheduler(job: Job, fileName: string, env: Env): Desired | null {
  if (!job.schedule) return null;
  const pattern = job.schedule.cron.trim();
  const tz = job.schedule.timezone;
  const opts = runJobOptions(env);
  // The fingerprint covers everything of the scheduler we set, so "unchanged" is one string comparison.
  const fingerprint = createHash('sha256').update(JSON.stringify({ pattern, tz, fileName, opts })).digest('hex').slice(0, 16);
  return { pattern, tz, data: { file: fileName, source: 'schedule', schedule: fingerprint } };
}

/** The options of a schedule's runs that come from the worker's environment (runJobOptions), by variable. */
function optionValues(opts: JobsOptions | undefined): Record<string, string> {
  const keep = typeof opts?.removeOnComplete === 'object' ? (opts.removeOnComplete as { age?: number; count?: number }) : undefined;
  const backoff = typeof opts?.backoff === 'object' ? opts.backoff.delay : opts?.backoff;
  return {
    LTV_ATTEMPTS: String(opts?.attempts),
    LTV_BACKOFF_MS: String(backoff),
    LTV_KEEP_COUNT: String(keep?.count),
    LTV_KEEP_DAYS: String(keep?.age === undefined ? undefined : keep.age / 86_400),
  };
}

/** How a scheduler's run options differ from this worker's, one `VARIABLE theirs (this worker's: mine)` each. */
function optionDifferences(have: JobSchedulerJson<RunData>, env: Env): string[] {
  const theirs = optionValues(have.template?.opts);
  const mine = optionValues(runJobOptions(env));
  return Object.keys(mine).filter((k) => theirs[k] !== mine[k]).map((k) => `${k} ${theirs[k]} (this worker's: ${mine[k]})`);
}

/**
 * The scheduler's pending firing when it is due and not started (waiting for a free worker, or not yet
 * moved out of the delayed set): re-registering a scheduler removes it and adds the next firing after now,
 * so that slot would never run.
 */
async function dueFiring(queue: RunQueue, name: string, have: JobSchedulerJson<RunData> | undefined): Promise<number | null> {
  const slot = have?.next;
  if (slot === undefined || slot > Date.now()) return null;
  const state = await queue.getJobState(`repeat:${name}:${slot}`);
  return ['waiting', 'delayed', 'prioritized', 'paused'].includes(state) ? slot : null;
}

/**
 * What one worker's syncs remember: the schedulers it removed, and those it found back afterwards. A
 * scheduler that comes back after this worker removed it was registered again by another worker whose jobs
 * folder holds that job: two folders fighting, each sync removing the other's schedules (and so their pending
 * firings: those jobs never ran). This worker then says so once and leaves that scheduler alone.
 */
export interface SyncMemory {
  removed: Set<string>;
  conflicts: Set<string>;
  /**
   * Schedulers this worker registered with its own run options (LTV_ATTEMPTS, …). One found later with other
   * options was registered again by a worker whose settings differ: re-registering it back, each at every
   * rescan, removed the firing waiting for a free worker every time. The worker started last wins, once.
   */
  registered: Set<string>;
  /** Option differences already logged. */
  optionWarnings: Set<string>;
  /**
   * Invalid job files already logged, with the version of the file that was (its time, size and message):
   * said again only when the file changes, not at every rescan.
   */
  invalidLogged: Map<string, string>;
  /** Whether the jobs folder was missing at the last sync (said once, until it is there). */
  folderMissing: boolean;
}

export function syncMemory(): SyncMemory {
  return { removed: new Set(), conflicts: new Set(), registered: new Set(), optionWarnings: new Set(), invalidLogged: new Map(), folderMissing: false };
}

/** A file's version for invalidLogged: its modification time and size (a link's own when it leads nowhere). */
async function fileVersion(path: string): Promise<string> {
  const st = await stat(path).catch(() => lstat(path)).catch(() => null);
  return st ? `${st.mtimeMs}:${st.size}` : 'gone';
}

/**
 * `missedSince`: Redis came back without its data (readRedisMark), having been away since then. Each job's first
 * firing between then and this sync was lost with it: it is added now, once, as the pending firing of a Redis
 * that kept its data would have run once, late. Later ones are the re-registered schedulers'.
 */
export async function syncSchedules(queue: RunQueue, jobsDir: string, env: Env, logger: Logger, memory?: SyncMemory, missedSince?: number): Promise<ScheduleSyncResult> {
  const syncedAt = Date.now();
  const result: ScheduleSyncResult = { upserted: [], unchanged: [], removed: [], invalid: [] };
  const keep = new Set<string>();
  // Valid job files without a schedule: their scheduler is removed as a deleted file's is, and the log says which.
  const unscheduled = new Set<string>();
  const missed: { name: string; fileName: string; pattern: string; tz: string }[] = [];
  // Listed in the result at every sync, logged once per version of the file.
  const invalid = async (file: string, message: string, line: string): Promise<void> => {
    result.invalid.push({ file, message });
    const version = `${await fileVersion(file)}:${line}`;
    if (memory?.invalidLogged.get(file) === version) return;
    memory?.invalidLogged.set(file, version);
    logger.error({ file }, line);
  };
  // No jobs folder (README: without --jobs or LTV_JOBS_DIR, a missing ./jobs means on-demand runs only; a
  // named one is refused at start): nothing to sync, said once at info. Not "every file removed": workers
  // sharing the queue keep their schedules (this one logged ENOENT with a stack at every rescan before).
  const files = await listJobFiles(jobsDir).catch((e: unknown) => {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    return null;
  });
  if (!files) {
    if (!memory?.folderMissing) logger.info({ jobs: jobsDir }, `no jobs folder ${jobsDir}: this worker takes on-demand runs only (make the folder to add schedules)`);
    if (memory) memory.folderMissing = true;
    return result;
  }
  if (memory) memory.folderMissing = false;
  const existing = new Map((await queue.getJobSchedulers(0, -1)).map((s) => [s.key, s]));

  for (const fileName of files) {
    const name = basename(fileName, '.json');
    const label = join(jobsDir, fileName);
    // A name no queued run can carry (the worker refuses it: processRun.payloadProblem) gets no schedule: one
    // was registered and failed at every firing, with advice (enqueue it again) that refused the name too.
    const nameWhy = jobFileNameProblem(fileName);
    if (nameWhy) {
      const message = `${quotedName(label, 300)}: a job file's name cannot name a queued run (${nameWhy}): rename the file`;
      await invalid(label, message, `invalid job file, it has no schedule: ${message}`);
      continue;
    }
    let job: Job;
    try {
      const broken = await checkJobLink(label);
      if (broken) throw new AppError('CONFIG', broken);
      job = await loadJob(label);
    } catch (e) {
      const message = isAppError(e) ? e.message : String(e);
      // Keep its scheduler: a half-saved edit must not silently drop a nightly report; its runs fail with
      // this same message until the file is fixed.
      keep.add(name);
      // One that has none is not said to keep it.
      await invalid(label, message, existing.has(name) ? `invalid job file, its schedule is left unchanged: ${message}` : `invalid job file: ${message}`);
      continue;
    }
    const want = desiredScheduler(job, fileName, env);
    if (!want) {
      unscheduled.add(name);
      continue;
    }
    keep.add(name);
    if (missedSince !== undefined) missed.push({ name, fileName, pattern: want.pattern, tz: want.tz });
    const have = existing.get(name);
    if (have && have.template?.data?.schedule === want.data.schedule) {
      result.unchanged.push(name);
      continue;
    }
    // Only the run options differ (the fingerprint holds them): another worker's LTV_ATTEMPTS, LTV_BACKOFF_MS or
    // LTV_KEEP_*, or this worker's changed since it was registered.
    const optionsOnly = have !== undefined && have.pattern === want.pattern && have.tz === want.tz && have.template?.data?.file === fileName;
    if (optionsOnly && memory?.registered.has(name)) {
      const differs = optionDifferences(have, env).join(', ');
      if (differs && !memory.optionWarnings.has(differs)) {
        memory.optionWarnings.add(differs);
        logger.warn({ job: name },
          `the schedules of this queue (LTV_QUEUE_PREFIX ${env.LTV_QUEUE_PREFIX}) were registered by another worker with ${differs}, first seen on job "${name}": their runs are added with that worker's settings. Every worker of a queue should have the same LTV_ATTEMPTS, LTV_BACKOFF_MS, LTV_KEEP_COUNT and LTV_KEEP_DAYS: until they do, this worker leaves those schedules as they are`);
      }
      result.unchanged.push(name);
      continue;
    }
    const due = have ? await dueFiring(queue, name, have) : null;
    try {
      await queue.upsertJobScheduler(name, { pattern: want.pattern, tz: want.tz }, { name, data: want.data, opts: runJobOptions(env) });
    } catch (e) {
      // Redis refusing or dropping the command (a closed connection, OOM under noeviction, a READONLY
      // replica): the sync fails as such. The job's cron was checked when the file was read, so it is the
      // cause only when it does not parse here either (it named a valid job's schedule.cron for any of them).
      if (isCron(want.pattern)) throw e;
      // cron-parser's message ("Invalid cron expression", …) is all BullMQ gives; name the file and field.
      const message = `${label}: schedule.cron: ${e instanceof Error ? e.message : String(e)}`;
      await invalid(label, message, `invalid schedule: ${message}`);
      continue;
    }
    result.upserted.push(name);
    memory?.registered.add(name);
    logger.info({ job: name, cron: want.pattern, tz: want.tz, ...(optionsOnly ? { options: optionDifferences(have, env) } : {}) }, have ? 'schedule updated' : 'schedule registered');
    if (due === null) continue;
    const slot = new Date(due).toISOString();
    if (optionsOnly) {
      // The same schedule with other run options: its due firing runs as it would have, once.
      await addSlotRun(queue, name, fileName, due, env);
    } else {
      logger.warn({ job: name, slot },
        `the run of job "${name}" due at ${slot} had not started and is dropped with the schedule it belonged to (${have!.pattern ?? '?'} in ${have!.tz ?? '?'}); to run it: ${enqueueSlotCommand(name, due)}`);
    }
  }

  for (const m of missed) {
    const slot = nextFiring(m.pattern, m.tz, missedSince!);
    if (slot === undefined || slot > syncedAt || !(await addSlotRun(queue, m.name, m.fileName, slot, env))) continue;
    logger.warn({ job: m.name, slot: new Date(slot).toISOString() },
      `redis came back without its data (restarted without persistence?): the run of job "${m.name}" due at ${new Date(slot).toISOString()}, while it was away, is added now`);
  }

  // A file fixed (or gone) that breaks again is said again.
  for (const file of memory?.invalidLogged.keys() ?? []) {
    if (!result.invalid.some((i) => i.file === file)) memory!.invalidLogged.delete(file);
  }
  for (const name of keep) {
    memory?.removed.delete(name);
    memory?.conflicts.delete(name);
  }
  for (const name of existing.keys()) {
    if (keep.has(name) || memory?.conflicts.has(name)) continue;
    if (memory?.removed.has(name)) {
      memory.conflicts.add(name);
      // A file here without a schedule: the other folder's copy has one; runs of it still find the file here.
      const differs = unscheduled.has(name)
        ? `reads a jobs folder whose ${name}.json has a schedule, and this one's (${jobsDir}) has that file without a schedule`
        : `reads a jobs folder with ${name}.json, and this one's (${jobsDir}) has none`;
      logger.error({ job: name, jobs: jobsDir },
        `the schedule of job "${name}" was registered again after this worker removed it: another worker of this queue (LTV_QUEUE_PREFIX ${env.LTV_QUEUE_PREFIX}) ${differs}. Every worker of a queue must read the same jobs folder: until they do, this worker leaves that schedule alone${unscheduled.has(name) ? '' : ` and fails the runs of "${name}" it takes`}`);
      continue;
    }
    await queue.removeJobScheduler(name);
    memory?.removed.add(name);
    result.removed.push(name);
    logger.info({ job: name }, unscheduled.has(name) ? 'job has no schedule any more: schedule removed' : 'job file gone: schedule removed');
  }
  return result;
}

export interface ScheduleWatcher {
  /** Resolves after the first sync; rejects only if listing the jobs directory fails. */
  readonly ready: Promise<ScheduleSyncResult>;
  /** Syncs now (after any sync in progress) and resolves with its result; `missedSince` as syncSchedules'. */
  sync(missedSince?: number): Promise<ScheduleSyncResult>;
  close(): void;
}

/**
 * Syncs at start, on every change in the jobs directory (the directory, not the files: an editor's
 * save-by-rename ends a file watch, nodejs/node#22517) and every LTV_SCHEDULE_RESCAN_MS as a safety net.
 */
/** `after`: the first sync waits for it (the worker's check of REDIS_URL's database). */
/** `synced`: told after each sync, done or failed (the worker's JobCatalog reads the files then). */
export function watchSchedules(queue: RunQueue, jobsDir: string, env: Env, logger: Logger, after: Promise<void> = Promise.resolve(), synced: () => void = () => {}): ScheduleWatcher {
  // Syncs run one after another: two at once would race on the same schedulers.
  let chain: Promise<unknown> = after;
  let closed = false;
  const memory = syncMemory();
  const run = (missedSince?: number): Promise<ScheduleSyncResult> => {
    const next = chain.then(() => syncSchedules(queue, jobsDir, env, logger, memory, missedSince));
    chain = next.catch(() => {});
    void chain.then(synced);
    return next;
  };
  const background = () => {
    // A sync that fails once the watcher is closed (the worker stopping, its connections closed) says nothing.
    if (!closed) run().catch((e: unknown) => closed || logger.error({ err: e }, 'schedule sync failed; retried at the next change or rescan'));
  };

  let debounce: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(jobsDir, () => {
      clearTimeout(debounce);
      debounce = setTimeout(background, 200);
    });
    watcher.on('error', (e) => logger.warn({ err: e }, 'cannot watch the jobs directory; relying on the periodic rescan'));
  } catch (e) {
    // A missing folder is said by the sync (on-demand runs only); the rescan finds it once it is made.
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') logger.warn({ err: e }, 'cannot watch the jobs directory; relying on the periodic rescan');
  }
  const timer = setInterval(background, env.LTV_SCHEDULE_RESCAN_MS);
  timer.unref();

  return {
    ready: run(),
    sync: run,
    close() {
      closed = true;
      clearTimeout(debounce);
      clearInterval(timer);
      watcher?.close();
    },
  };
}
