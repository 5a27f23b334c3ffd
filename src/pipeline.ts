// A run = ingest → compute → render → publish → notify (STYLE: the worker and `ltv run` share it).
import { isDiskFull } from './publish/isDiskFull.js';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, copyFile, mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import type { Logger } from 'pino';
import { AppError, isAppError } from './config/AppError.js';
import { parseDuration } from './config/parseDuration.js';
import { futureAsOfError } from './config/parseAsOf.js';
import { envValue } from './config/env.js';
import { makeDirs } from './publish/makeDirs.js';
import { isNotAFolder, NOT_A_FOLDER } from './publish/notAFolder.js';
import { minEventTimeProblem, type Job } from './config/jobSchema.js';
import { badRowShareError, badRowShareExceeded, checkRows, commonestReason, recountBadRows, type CheckResult } from './ingest/checkRows.js';
import { loadRates } from './ingest/loadRates.js';
import { resolveInputs, type SourceFile } from './ingest/resolveInputs.js';
import { readInputs } from './ingest/readInputs.js';
import { buildFacts, runStats, sumMovements } from './ltv/buildFacts.js';
import { tenantFacts } from './ltv/tenantFacts.js';
import { nameMoneyOverflow } from './ltv/moneyOverflow.js';
import { historyDays } from './ltv/historyDays.js';
import { refuseLongHistory } from './report/adaptyBodyLimit.js';
import { runLevelWarnings } from './ltv/runWarnings.js';
import type { NotifyEffects, NotifyOutcome } from './notify/deliverOnce.js';
import { expandMatrices, expandRuns, type RunMatrix } from './ltv/cellRuns.js';
import { computeRun, configuredMatrices, copyQuarantine, runTenantIds, type RunFacts, type RunModel, type TenantModel } from './ltv/computeRun.js';
import { ADAPTY_SNAPSHOT_SPECS, type Forecast, type InputStats, type RatesFile, type RunStats, type RunWarning, type Summary, type TenantReport } from './ltv/model.js';
import { RUN_FILES } from './ltv/runFiles.js';
import { abandonRun, ANY_REPORTS_DIR, PUBLISH_TENANTS, sealRun, switchRun, findPublishedRun, finishPublishedRun, newestRunFirst, refuseLinkOut, reserveRun, RUN_DIR, runIdFor, type RunSlot } from './publish/publishRun.js';
import { CHART_SCALE, chartSvg } from './report/renderChart.js';
import type { LatePng } from './report/addStreamingPicture.js';
import { lateChart } from './report/svgToPngOffThread.js';
import { warmUpWriters } from './report/warmUpWriters.js';
import { forecastChartSvg } from './report/renderForecastChart.js';
import { writeCsv } from './report/writeCsv.js';
import { writeJson } from './report/writeJson.js';
import { writeReportHtml } from './report/writeReportHtml.js';
import { writeXlsxOffThread } from './report/writeXlsxOffThread.js';
import { eachLimited } from './config/eachLimited.js';
import { addPendingWrite, settlePendingWrites } from './report/pendingWrites.js';
import { refuseAllAfterAsOf } from './ltv/refuseAllAfterAsOf.js';
import { writeSnapshots } from './report/writeSnapshots.js';
import { installMacros } from './warehouse/installMacros.js';
import { asOfWall } from './ltv/asOfWall.js';
import { revenuecatFiles } from './ingest/presets.js';
import { monthlyCohorts } from './forecast/forecastData.js';
import type { TenantForecast } from './forecast/forecastThread.js';
import { encodeServingAsync } from './forecast/servingFile.js';
import { createHash } from 'node:crypto';
import { Warehouse } from './warehouse/openWarehouse.js';
import { removeStaleScratch } from './warehouse/removeStaleScratch.js';
import { tierUpAsUsual } from './config/shortRunTiering.js';
import { childLogger, unbound } from './config/childLogger.js';

export const STAGES = ['ingest', 'compute', 'render', 'publish', 'notify'] as const;
export type Stage = (typeof STAGES)[number];

export interface Progress {
  /** `waiting`: a queued run waits for another run of its job to end (the worker's run lock). */
  stage: Stage | 'waiting';
  /** 0..100 over the whole run. */
  percent: number;
  rows?: number;
  message?: string;
  /** A sharded run (SPEC §12): shards finished (completed or failed for good) of all. */
  shards?: { done: number; total: number; failed: number };
}

/** Side effects a run needs, injected (STYLE habit 7). */
/** The publish stage's switch of the tenants' runs into place, step by step (RunEffects.onSwitch). */
export type SwitchEvent = { kind: 'start' } | { kind: 'live'; tenant: string } | { kind: 'done' };

export interface RunEffects {
  logger: Logger;
  /** The run's as-of time T (SPEC §2). Default: the job's `as_of`, else now. Scheduled runs pass their slot. */
  asOf?: Date;
  /**
   * Where asOf came from, as whoever asked can change it ('the --as-of given to ltv enqueue', the run
   * request's body): an error about it names that. Absent: the job file's as_of or the run's --as-of.
   */
  asOfFrom?: string;
  /** Overrides the job's reports_dir. */
  reportsDir?: string;
  /**
   * Where reportsDir came from, so that an error about it names what to change: `ltv run --out`, or
   * LTV_REPORTS_DIR (the worker's, and `ltv run`'s without --out). Absent: the job's reports_dir.
   */
  reportsDirFrom?: ReportsDirSource;
  onProgress?: (p: Progress) => void;
  /**
   * Identifies one logical run across retries and recoveries (the worker's run key, never a BullMQ id that
   * Redis may hand out again). A retry with the same key republishes under the same run-id instead of
   * adding a suffixed one.
   */
  idempotencyKey?: string;
  /** Cancels between stages (SIGTERM); a cancelled run publishes nothing. */
  signal?: AbortSignal;
  /** Awaited right before publishing; throws when the run may no longer publish (the worker's lock is gone). */
  beforePublish?: () => Promise<void>;
  /**
   * Told when the run begins switching its tenants' runs live (`start`: a cancel no longer stops the publish,
   * but a one-tenant run's wait for its publish lock), as each tenant's run goes `live`, and when every
   * tenant's is (`done`).
   */
  onSwitch?: (event: SwitchEvent) => void;
  /**
   * The notify stage (src/notify/README.md): `send` (default; LTV_EMAIL_DRY_RUN may still make it a dry
   * run), `dry-run` (write .eml files in the notify folder), `off` (`ltv run --no-email`). Only jobs with
   * an `email` block send anything.
   */
  email?: 'send' | 'dry-run' | 'off';
  /** SMTP settings and transport for the notify stage; default from the environment. */
  mail?: Pick<NotifyEffects, 'settings' | 'transport'>;
  /**
   * False while a failed run will be retried (the worker's attempts left): a retryable failure then sends
   * no failure notice yet. Non-retryable failures always do. Default true (`ltv run` tries once).
   */
  finalAttempt?: boolean;
  /** Told of the failure notice's outcome (SPEC §11 email metrics; run emails are in RunResult.notify). */
  onNotify?: (o: NotifyOutcome) => void;
  /**
   * Told of the rows read and set aside once they are counted (again when the refund rules set more aside):
   * a run that then fails, for too many bad rows above all, has no RunResult to count them from (SPEC §11).
   */
  onRowsChecked?: (rows: RowsChecked) => void;
}

export interface RowsChecked {
  read: number;
  quarantined: number;
}

export interface TenantRunResult {
  tenant: string;
  runId: string;
  /** Absolute path of runs/<run-id>. */
  dir: string;
  summary: Summary;
  /** Set when `latest` stays at a run of a later as-of time (a backfill): that run's id. */
  latestStays?: string;
}

export interface RunResult {
  job: string;
  asOf: string;
  tenants: TenantRunResult[];
  stats: RunStats;
  /** Milliseconds per stage. */
  timings: Partial<Record<Stage, number>>;
  /** One per published tenant run when the job emails; a failed send never fails the run. */
  notify?: NotifyOutcome[];
  /** What the reader must know before trusting the numbers (also in each manifest and workbook). */
  warnings: RunWarning[];
  /**
   * Tenants whose forecast failed with an error (the run published without it; its data/forecast.json says
   * why): `ltv run` says so, where only the log did.
   */
  forecastErrors?: { tenant: string; error: string }[];
  /**
   * What a tenant's publish could not tidy after `latest` moved (retention, leftovers of killed runs), one line
   * each naming the path and what to do: the run is published, so this is a warning, never its failure.
   */
  cleanupWarnings?: string[];
}

/** DuckDB's memory limit for a run unless the job sets `duckdb.memory_limit`: enough for the hash tables
 *  of tens of millions of rows, small enough to keep a run well under 2 GiB; the rest spills to disk. */
export const DEFAULT_MEMORY_LIMIT = '1GB';

const STAGE_START: Record<Stage, number> = { ingest: 0, compute: 35, render: 70, publish: 90, notify: 97 };

/** Who set a reports directory that overrides the job's reports_dir. */
export type ReportsDirSource = '--out' | 'LTV_REPORTS_DIR';

/**
 * What to change when the reports directory cannot be written, after where its path came from: the worker
 * has no --out and its LTV_REPORTS_DIR overrides the job's reports_dir, so "give a writable --out" sent its
 * operator to a flag that does not exist.
 */
export function reportsDirFix(job: Pick<Job, 'reports_dir' | 'file' | 'name'>, from?: ReportsDirSource): string {
  if (from === '--out') return 'give a writable --out';
  if (from === 'LTV_REPORTS_DIR') return 'it is LTV_REPORTS_DIR: make it writable, or set LTV_REPORTS_DIR to a writable directory';
  // `ltv run --input` has no job file to add a "reports_dir" to.
  if (job.name === 'adhoc') return 'it is the default, ./reports in the current directory, as the run gives no --out: make it writable, or give a writable --out (or set LTV_REPORTS_DIR)';
  if (job.reports_dir) return `it is "reports_dir" in ${job.file}: make it writable, or give a writable "reports_dir" there`;
  return `it is the default, ./reports in the current directory, as ${job.file} gives no "reports_dir": make it writable, or give a writable "reports_dir" there`;
}

/**
 * How to choose another reports directory, after where its path came from (a write refused mid-run, a file in
 * the way): "give another --out" sent the worker's operator to a flag the worker does not have, and past
 * LTV_REPORTS_DIR, which overrides the job's reports_dir.
 */
export function anotherReportsDir(job: Pick<Job, 'reports_dir' | 'file' | 'name'>, from?: ReportsDirSource): string {
  if (from === '--out') return 'give another --out';
  if (from === 'LTV_REPORTS_DIR') return 'set LTV_REPORTS_DIR to another directory (it overrides the job\'s "reports_dir")';
  if (job.name === 'adhoc') return 'give another directory with --out';
  return `give another "reports_dir" in ${job.file} (or, with ltv run, --out)`;
}

export function reportsDirOf(job: Job, override?: string): string {
  const dir = override ?? job.reports_dir ?? 'reports';
  return isAbsolute(dir) ? dir : resolve(job.reports_dir ? job.baseDir : process.cwd(), dir);
}

/** A run's clock, place and stage reporting (shared by runPipeline and the sharded run's steps, src/shard/). */
export interface RunContext {
  job: Job;
  effects: RunEffects;
  asOf: Date;
  reportsDir: string;
  log: Logger;
  started: number;
  timings: Partial<Record<Stage, number>>;
  /** Starts a stage: refuses after a cancellation, reports progress. */
  enter(stage: Stage, message?: string, rows?: number): void;
  /** Ends a stage: its duration into timings, one log line. */
  leave(stage: Stage, fields?: Record<string, unknown>): void;
  /** Throws when the run was cancelled: called between the writers of a stage that DuckDB does not run. */
  checkCancelled(stage: Stage): void;
  /**
   * The job's `max_run_time`, counted from the run's first stage: once it has run out, the run's signal
   * (effects.signal) is aborted and this is the error the run fails with, whatever the interrupted statement
   * or writer threw; `disarm` ends the limit (publishing and email are not cut short).
   */
  deadline: { expired(): AppError | undefined; disarm(): void };
}

/**
 * The job's `max_run_time` as an abort of the run's signal, joined with the caller's (SIGTERM, a lost lock):
 * cancellation already stops every stage (a statement in progress is interrupted, the writers check between
 * files), so a run out of time stops the same way and only its error differs. It is not retryable: the
 * next attempt would take as long.
 */
function runDeadline(job: Job, effects: RunEffects, stageOf: () => Stage): { signal: AbortSignal | undefined; deadline: RunContext['deadline'] & { start(): void } } {
  const limit = job.max_run_time;
  const ms = limit ? parseDuration(limit) : null;
  if (!limit || ms === null) return { signal: effects.signal, deadline: { expired: () => undefined, disarm: () => undefined, start: () => undefined } };
  const stop = new AbortController();
  let error: AppError | undefined;
  // Armed by the first stage: a context made only to send a failure notice never starts one.
  let timer: NodeJS.Timeout | undefined;
  let done = false;
  const start = (): void => {
    if (timer || done) return;
    timer = setTimeout(() => {
      error = new AppError('DATA',
        `run stopped in its ${stageOf()} stage: it ran longer than max_run_time (${limit.trim()})${job.name === 'adhoc' ? '' : ` in ${job.file}`}; nothing was published (the last report stays): ` +
        'raise max_run_time, give the run more DuckDB threads or memory, or split the job');
      stop.abort(error);
    }, ms);
    timer.unref();
  };
  return {
    signal: effects.signal ? AbortSignal.any([effects.signal, stop.signal]) : stop.signal,
    deadline: { expired: () => error, disarm: () => { done = true; clearTimeout(timer); }, start },
  };
}

export function startRun(job: Job, effects: RunEffects): RunContext {
  const asOf = effects.asOf ?? (job.as_of ? new Date(job.as_of) : new Date());
  // LTV is measured up to a time that has passed. An as-of far in the future (a typo such as 9999 or 2062)
  // would also stretch every matrix to that time: thousands of censored periods in every snapshot. A day of
  // slack covers clocks that differ.
  // The job file's own time names the file; one given with the run (flag, schedule slot, request) the flag.
  const future = futureAsOfError(asOf, effects.asOf || !job.as_of ? undefined : `give an earlier "as_of" in the job file ${job.file} (or one as --as-of)`);
  if (future) throw new AppError('CONFIG', future);
  // The job's own as_of was checked against min_event_time at load (jobSchema.ts); one given with the run is
  // checked here, before ingest, which would otherwise end in "all rows are bad".
  const noRows = minEventTimeProblem(job.min_event_time, asOf, `the as-of time ${asOf.toISOString()}`);
  if (noRows) throw new AppError('CONFIG', `${job.file}: min_event_time: ${noRows}; give an earlier min_event_time, or check ${effects.asOfFrom ?? (job.name === 'adhoc' ? '--as-of' : `"as_of" in ${job.file} or the run's --as-of`)}`);
  // What the forecast thread reads of the environment is checked now, not after ingest and compute.
  if (job.forecast.model !== 'off') envValue('LTV_FORECAST_HEAP_MB');
  const log = childLogger(effects.logger, { job: job.name, asOf: asOf.toISOString() });
  const timings: Partial<Record<Stage, number>> = {};
  let stageStarted = Date.now();
  let current: Stage = 'ingest';
  const { signal, deadline } = runDeadline(job, effects, () => current);
  if (signal !== effects.signal) effects = { ...effects, signal };
  return {
    job, effects, asOf, log, timings, deadline,
    reportsDir: reportsDirOf(job, effects.reportsDir),
    started: Date.now(),
    enter(stage, message, rows) {
      // Cancelled once every tenant is published, before its email: the run is published, no email went out.
      if (effects.signal?.aborted) throw deadline.expired() ?? (stage === 'notify' ? new EmailInterrupted([]) : new AppError('TRANSIENT', `run cancelled before ${stage}`, { retryable: true }));
      current = stage;
      deadline.start();
      stageStarted = Date.now();
      effects.onProgress?.({ stage, percent: STAGE_START[stage], ...(message ? { message } : {}), ...(rows !== undefined ? { rows } : {}) });
    },
    leave(stage, fields = {}) {
      timings[stage] = Date.now() - stageStarted;
      log.info({ stage, ms: timings[stage], ...fields }, `${stage} done`);
    },
    checkCancelled(stage) {
      if (effects.signal?.aborted) throw deadline.expired() ?? new AppError('TRANSIENT', `run cancelled during ${stage}`, { retryable: true });
    },
  };
}

/**
 * A run that cannot publish fails before it reads anything, not after computing. The probe leaves nothing
 * behind: the directories it had to make are removed again (a failed run writes nothing), unless another
 * run has filled them meanwhile. Two runs probing one new directory at once (a worker takes two runs at
 * a time) can remove it under each other: a probe that finds its directory gone tries again.
 */
export async function checkReportsDir(reportsDir: string, fix = 'give a writable --out (or "reports_dir" in the job file)', another = ANY_REPORTS_DIR): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      const made = await makeDirs(reportsDir);
      await access(reportsDir, constants.W_OK);
      for (const dir of made.reverse()) await rmdir(dir).catch(() => undefined);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      if (code === 'ENOENT' && attempt < PROBE_ATTEMPTS) continue;
      // A file in the way is moved, not made writable.
      if (isNotAFolder(code)) throw new AppError('PUBLISH', `cannot write the reports directory ${reportsDir} (${code}: ${NOT_A_FOLDER.why}): ${NOT_A_FOLDER.fix}, or ${another}`);
      throw new AppError('PUBLISH', `cannot write the reports directory ${reportsDir} (${code}): ${fix}`);
    }
  }
}

/**
 * A full or read-only disk met while the run writes (its scratch database and spill files, or the reports)
 * is the machine's state, not a fault of ltv: one line saying where and what to do, instead of an internal
 * error. A full disk is worth retrying (TRANSIENT: the worker retries later; space may be freed); a
 * refused write is not. The run's own files are already removed, and the last published run is untouched.
 */
export function storageError(e: unknown, reportsDir: string, dbPath: string, another = ANY_REPORTS_DIR): AppError | undefined {
  if (isAppError(e)) return undefined;
  const err = e as (NodeJS.ErrnoException & { dest?: string }) | undefined;
  const message = err?.message ?? '';
  const where = `the reports directory ${reportsDir} or the scratch space ${dirname(dbPath)}`;
  // A copy (moveFile across file systems) that could not write names its source as `path` and the file it
  // wrote as `dest`: the full disk, the file too large or the refused write is the destination's.
  const written = err?.dest ?? err?.path;
  if (isDiskFull(err)) {
    return new AppError('TRANSIENT',
      `no space left on the disk of ${written ?? where}; nothing was published (the last published run stays): free some space, lower "retention" in the job, or move "duckdb.temp_directory" to a larger disk`,
      { cause: e, retryable: true });
  }
  // A file-size limit (`ulimit -f`, a service's LimitFSIZE) or a file system's largest file (FAT32's 4 GiB):
  // no wait frees it, so it is not retried. It was an internal error (exit 70) quoting "EFBIG: file too large".
  if (err?.code === 'EFBIG' || /File too large/i.test(message)) {
    return new AppError('PUBLISH',
      `a file the run wrote in ${written ?? where} grew past the largest file allowed (EFBIG: the process's file-size limit, ulimit -f, or the file system's); nothing was published (the last published run stays): raise the limit (ulimit -f unlimited), or put the reports or "duckdb.temp_directory" on a file system that allows larger files`,
      { cause: e });
  }
  if (err?.code === 'EROFS' || err?.code === 'EACCES' || err?.code === 'EPERM') {
    return new AppError('PUBLISH',
      `cannot write ${written ?? where} (${err.code}); nothing was published: make it writable, or ${written && !isUnder(written, reportsDir) && isUnder(written, dirname(dbPath)) ? 'move "duckdb.temp_directory" (the system\'s temporary folder without it) to a writable folder' : another}`,
      { cause: e });
  }
  // A file where a folder must be (reserveRun says it so for the runs folder): no wait moves it.
  if (err?.code === 'ENOTDIR') {
    return new AppError('PUBLISH',
      `cannot write ${written ?? where} (ENOTDIR: ${NOT_A_FOLDER.why}); nothing was published: ${NOT_A_FOLDER.fix}, or ${another}`,
      { cause: e });
  }
  return undefined;
}

/** `path` is `dir` or inside it. */
function isUnder(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith(sep) ? dir : `${dir}${sep}`);
}

/** Tries of checkReportsDir when its directory vanishes meanwhile (each one a few system calls). */
const PROBE_ATTEMPTS = 20;

export interface RunWarehouse {
  wh: Warehouse;
  dbPath: string;
  /** Closes the database and removes its files; idempotent. */
  release(): Promise<void>;
}

/** Where a run's scratch database and spill files go: the job's duckdb.temp_directory, else the system's. */
function scratchDirOf(job: Job): string {
  return job.duckdb.temp_directory ? resolve(job.baseDir, job.duckdb.temp_directory) : tmpdir();
}

/**
 * A run works in a temporary database with a memory limit: its (TEMP) tables stay in memory up to the
 * limit and spill to the temporary directory beyond it, so larger inputs slow down instead of failing.
 */
export async function openRunWarehouse(job: Job, log: Logger, signal?: AbortSignal): Promise<RunWarehouse> {
  const scratchDir = scratchDirOf(job);
  await makeDirs(scratchDir).catch((e: NodeJS.ErrnoException) => {
    // Named with its job file, as every other field of it is (only a job file sets it).
    const why = `${scratchDir} (${e.code ?? e.message})`;
    if (!job.duckdb.temp_directory) throw new AppError('CONFIG', `cannot create the temporary folder ${why}: set TMPDIR to a writable folder, or "duckdb.temp_directory" in the job file`);
    throw new AppError('CONFIG', `${job.name === 'adhoc' ? '' : `${job.file}: `}duckdb.temp_directory: cannot create ${why}: give a writable directory`);
  });
  await removeStaleScratch(scratchDir, log);
  const dbPath = join(scratchDir, `ltv-run-${process.pid}-${randomBytes(4).toString('hex')}.duckdb`);
  const wh = await Warehouse.open({
    timezone: job.timezone,
    logger: log,
    path: dbPath,
    memoryLimit: job.duckdb.memory_limit ?? DEFAULT_MEMORY_LIMIT,
    tempDirectory: `${dbPath}.tmp`,
    ...(job.duckdb.threads ? { threads: job.duckdb.threads } : {}),
  }).then(async (opened) => {
    // The scratch database is removed after the run: closing it need not write its tables into the file
    // (64–70 ms of the example's close, now 46–58 ms).
    await opened.run('PRAGMA disable_checkpoint_on_shutdown').catch((e: unknown) => {
      opened.close();
      throw e;
    });
    return opened;
  }).catch(async (e: unknown) => {
    // What it began to write (a full disk, a file-size limit) is removed, as after any failed run.
    await Promise.all([dbPath, `${dbPath}.wal`, `${dbPath}.tmp`].map((p) => rm(p, { recursive: true, force: true })));
    throw e;
  });
  // Cancellation reaches into a running stage: the statement in progress is interrupted and the next one
  // refused (SIGTERM hands the run back within the grace period; a lost run lock stops it at once).
  const cancel = (): void => wh.interrupt();
  // Already aborted (SIGTERM or a lost lock before the database was open): no event will come.
  if (signal?.aborted) cancel();
  else signal?.addEventListener('abort', cancel, { once: true });
  let open = true;
  return {
    wh,
    dbPath,
    async release() {
      if (!open) return;
      open = false;
      signal?.removeEventListener('abort', cancel);
      wh.close();
      await Promise.all([dbPath, `${dbPath}.wal`, `${dbPath}.tmp`, `${dbPath}.in`].map((p) => rm(p, { recursive: true, force: true })));
    },
  };
}

export interface Ingested {
  files: SourceFile[];
  read: Awaited<ReturnType<typeof readInputs>>;
  check: CheckResult;
  inputs: InputStats[];
  rates: RatesFile | null;
}

/** The ingest stage: every input read and checked into checked_rows, bad rows counted (SPEC §3). */
export async function ingestStage(run: RunContext, rw: RunWarehouse): Promise<Ingested> {
  const { job, effects, wh } = { ...run, wh: rw.wh };
  run.enter('ingest', 'reading inputs');
  await installMacros(wh, job.timezone);
  await mkdir(`${rw.dbPath}.in`);
  const label = job.file;
  const rates = await loadRates(wh, job.rates, job.baseDir, { currency: job.currency, scratchDir: `${rw.dbPath}.in`, label });
  const files = await resolveInputs(job, wh, label, effects.signal);
  const read = await readInputs(wh, files, { currency: job.currency, tenant: job.tenant, scratchDir: `${rw.dbPath}.in`, signal: effects.signal, minEventTime: job.min_event_time, ratesGiven: job.rates !== undefined, asOf: run.asOf.toISOString() });
  const check = await checkRows(wh);
  await fitRunToSize(job.duckdb.threads, wh, check);
  const inputs: InputStats[] = read.files.map((s, i) => ({
    path: s.path, format: s.format, rows: s.rows, quarantined: check.perFile.get(i) ?? 0, columns: s.columns,
    ...(s.blank_lines ? { blank_lines: s.blank_lines } : {}),
    ...(s.repeated_header_lines ? { repeated_header_lines: s.repeated_header_lines } : {}),
  }));
  run.leave('ingest', { rows: check.rows, quarantined: check.quarantined, files: files.length });
  // Not one row (a header-only export, a query that returned nothing): far more often an export that failed
  // upstream than a business without a sale, and published it would replace the last good report with an
  // empty one. Refused like a run whose rows all lie after the as-of time.
  if (check.rows === 0) {
    const what = read.files.length === 1 ? `${read.files[0]!.path} holds no row` : `none of the ${read.files.length} inputs holds a row`;
    throw new AppError('DATA', `${what}: nothing was published (the report would be empty, and the last published run stays); check the export`);
  }
  await refuseBadShare(run, wh, check);
  return { files, read, check, inputs, rates };
}

/**
 * Below this many rows a run is small: it computes on one DuckDB thread unless told otherwise
 * (fitRunToSize) and closes DuckDB once render's writers are under way (runStages).
 */
export const ONE_THREAD_ROWS = 100_000;

const isSmallRun = (rows: number): boolean => rows < ONE_THREAD_ROWS;

/**
 * Settings that depend on the run's size, known once ingest has read the rows (reading a large file still
 * has every thread). A small run's statements go on one DuckDB thread: on a few thousand rows each
 * statement's cost is its set-up (a hash table per grouping and thread, sized for the machine's caches, and
 * the threads' hand-offs), which a second thread doubles without shortening anything. Measured on this
 * 2-core machine, the whole run on 1 thread against 2 (`--threads 1`, 2–3 runs each): the example 3.18–3.19
 * against 3.32–3.35 s, 20,000 rows 3.53–3.77 against 3.67–3.82 s, 60,000 rows 4.21–4.26 against 4.21–4.46 s,
 * 200,000 rows 5.50–5.60 against 5.33–5.54 s (less CPU, no longer sooner): so from 100,000 rows on, every
 * core. 200 small shops in one input (42,000 rows), 2 runs each alternated: 53.2, 56.5 s on one thread
 * against 57.5, 60.4 s on two. Threads the user gives (`--threads`, the job's `duckdb.threads`,
 * LTV_DUCKDB_THREADS) are kept. A run that is not one small tenant compiles as V8 usually does
 * (shortRunTiering.ts).
 */
export async function fitRunToSize(threads: number | undefined, wh: Warehouse, check: Pick<CheckResult, 'rows' | 'tenants'>): Promise<void> {
  const small = isSmallRun(check.rows);
  if (threads === undefined && small) await wh.run('SET threads = 1');
  if (!small || check.tenants.length > 1) tierUpAsUsual();
}

/**
 * Rows the rules after ingest set aside (linked refunds that cannot be applied, 09_refund_checks.sql)
 * count like any bad row: toward the limit, and in their file's count. Also a sharded run's split.
 */
export async function countSetAside(run: RunContext, wh: Warehouse, check: CheckResult, inputs: InputStats[]): Promise<{ check: CheckResult; inputs: InputStats[] }> {
  const after = await recountBadRows(wh, check);
  await refuseBadShare(run, wh, after);
  return { check: after, inputs: inputs.map((s, i) => ({ ...s, quarantined: after.perFile.get(i) ?? 0 })) };
}

/** SPEC §3: a run over the bad-row limit (the run's or a tenant's) fails, its quarantine kept under .failed/. */
async function refuseBadShare(run: RunContext, wh: Warehouse, check: CheckResult): Promise<void> {
  run.effects.onRowsChecked?.({ read: check.rows, quarantined: check.quarantined });
  const over = badRowShareExceeded(check, run.job.max_bad_row_share);
  if (!over) return;
  await refuseLinkOut(run.reportsDir, [join(run.reportsDir, '.failed')], anotherReportsDir(run.job, run.effects.reportsDirFrom));
  const dir = await failedRunDir(join(run.reportsDir, '.failed'), `${run.job.name}-${runIdFor(run.asOf)}`);
  const path = join(dir, RUN_FILES.quarantine);
  await copyQuarantine(wh, null, path);
  await pruneFailedRuns(join(run.reportsDir, '.failed'), run.job.name, run.job.retention, dir);
  throw badRowShareError(over, run.job.max_bad_row_share, path, await commonestReason(wh, over.tenant));
}

/**
 * A failed run's evidence is kept like published runs: the job's `retention` newest failures (by as-of, then
 * repeat), the one just written always. Each holds a quarantine as big as the bad rows: a nightly run failing
 * for weeks filled `.failed/` without end. Only `<job>-<run-id>` folders of this job are touched.
 */
async function pruneFailedRuns(parent: string, jobName: string, retention: number, just: string): Promise<void> {
  const prefix = `${jobName}-`;
  const ids = (await readdir(parent, { withFileTypes: true }))
    .filter((e) => e.isDirectory() && e.name.startsWith(prefix) && RUN_DIR.test(e.name.slice(prefix.length)))
    .map((e) => e.name.slice(prefix.length))
    .sort(newestRunFirst);
  for (const id of ids.slice(retention)) {
    const dir = join(parent, prefix + id);
    if (dir !== just) await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A new directory for a failed run's evidence: `<job>-<run-id>`, or `<job>-<run-id>-2`, `-3`, … when an
 * earlier attempt at the same as-of time failed too, so a retry never overwrites the quarantine the first
 * failure's message pointed to. (Made with mkdir, which fails on an existing name: two runs at once cannot
 * take the same one.)
 */
async function failedRunDir(parent: string, name: string): Promise<string> {
  await makeDirs(parent);
  for (let n = 1; ; n++) {
    const dir = join(parent, n === 1 ? name : `${name}-${n}`);
    try {
      await mkdir(dir);
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

export type { RunFacts } from './ltv/computeRun.js';

export async function runPipeline(job: Job, effects: RunEffects): Promise<RunResult> {
  return runStages(job, effects, buildRun);
}

/** Ingest, then the warehouse's tables every tenant's numbers come from (buildFacts.ts); leaves the compute stage open. */
export async function buildRun(run: RunContext, rw: RunWarehouse): Promise<RunFacts> {
  const { wh } = rw;
  const { files, read, check, inputs, rates } = await ingestStage(run, rw);
  run.enter('compute', 'computing LTV', check.rows);
  // One tenant (the usual case): the view gives tenant_id as a constant, so the hash tables and sorts
  // keyed by (tenant_id, …) that read it compare no text for it (10 M rows: duplicates and payments
  // statements ~0.5 s faster together).
  if (check.tenants.length === 1) await wh.run(read.checkedView(check.tenants[0]));
  const local = await asOfWall(wh, run.asOf.toISOString());
  const { d, m } = await buildFacts(wh, run.asOf, local, read.columns, revenuecatFiles(files), run.job.forecast.model !== 'off');
  // A history whose day-by-day Adapty body cannot be written is refused now, not after minutes of compute.
  refuseLongHistory(await historyDays(wh, run.asOf, local), local.slice(0, 10),
    { minEventTime: run.job.min_event_time, jobFile: run.job.name === 'adhoc' ? undefined : run.job.file });
  const counted = d.refunds_quarantined > 0 ? await countSetAside(run, wh, check, inputs) : { check, inputs };
  const { newest_transaction_at: _, ...stats } = runStats(check, d, sumMovements(m));
  refuseAllAfterAsOf(run, stats);
  return {
    stats, tenants: check.tenants, local, rates,
    tenantFacts: tenantFacts({ counts: counted.check.counts, inputs: counted.inputs, tenants: d.tenants ?? [], movements: m }),
    subscriptionTenants: d.subscription_tenants ?? [],
  };
}

/**
 * A run around its data stages: `build` fills the warehouse (ingest and compute, or a sharded run's
 * merge) and leaves the compute stage open; computeRun turns it into the run model of every tenant, and
 * DuckDB is closed. Render, publish and notify only read the model. On failure nothing is published and
 * the failure notice goes out (SPEC §7).
 */
export async function runStages(
  job: Job,
  effects: RunEffects,
  build: (run: RunContext, rw: RunWarehouse) => Promise<RunFacts>,
): Promise<RunResult> {
  const run = startRun(job, effects);
  const { asOf, reportsDir, log, timings } = run;
  const { enter, leave, checkCancelled } = run;
  // Ops hear of a reports directory that cannot be written too (the notice's record may not be written).
  await checkReportsDir(reportsDir, reportsDirFix(job, effects.reportsDirFrom), anotherReportsDir(job, effects.reportsDirFrom)).catch(async (e: unknown) => {
    await noticeFailure(run, e);
    throw e;
  });

  // A recovered attempt whose predecessor published every tenant (and died before or while emailing) goes
  // straight to what is left: nothing is computed again.
  if (effects.idempotencyKey !== undefined) {
    const done = await resumePublished(job, effects, reportsDir, asOf, log);
    if (done) return done;
  }

  // The scratch database is written from its first statement: a full disk or a file-size limit can stop it
  // here already, and says so as it does in any later stage (not an internal error).
  const rw = await openRunWarehouse(job, log, run.effects.signal).catch(async (caught: unknown) => {
    const e = run.deadline.expired() ?? storageError(caught, reportsDir, join(scratchDirOf(job), 'ltv-run'), anotherReportsDir(job, effects.reportsDirFrom)) ?? caught;
    await noticeFailure(run, e);
    throw e;
  });
  // The tenants' data files, written by compute beside the database and moved into their runs by render.
  const filesDir = `${rw.dbPath}.out`;
  const slots: RunSlot[] = [];
  let pending: PendingForecasts | undefined;
  try {
    const { model, forecasts } = await computeStage(run, rw, await build(run, rw), filesDir);
    pending = forecasts;
    // DuckDB is done: the model (and the forecast thread, for forecasts still computing) holds everything
    // the stages below read. Closing it frees its memory before render allocates; it also blocks this
    // thread (~45–60 ms for the example), so a small run, whose DuckDB holds little, closes it once render's
    // writers are under way and this thread only waits for them.
    const closeLater = isSmallRun(model.stats.rows_read);
    if (!closeLater) await rw.release();
    const emails = Boolean(job.email && effects.email !== 'off');

    enter('render', 'writing reports');
    const rendered: Rendered[] = [];
    const { tenants } = model;
    /**
     * A tenant's run reserved, and its report made once its forecast is (the report shows it), with its
     * charts asked for then (svgToPngOffThread.ts).
     */
    const prepare = async (t: TenantModel): Promise<Prepared> => {
      const slot = await reserveRun(reportsDir, t.tenant, asOf, effects.idempotencyKey ?? null, { job: job.name, locked: effects.idempotencyKey !== undefined }, anotherReportsDir(job, effects.reportsDirFrom));
      slots.push(slot);
      // Compute returns every matrix as runs of equal cells; only the report's own (json, csv, workbook,
      // chart) are expanded cell by cell: the snapshots and report.html are written from the runs.
      const runMatrices = t.matrices();
      const reported = forecasts.of(t.tenant).then((forecast): Reported => {
        const report = tenantReport(run, model, t, slot.runId, configuredMatrices(model, expandMatrices(configuredRuns(model, runMatrices))), forecast);
        if (slot.alreadyPublished) return { report };
        // Drawn on their own thread while the files that do not show them are written; awaited where they
        // are written, so a failure meanwhile is not an unhandled rejection.
        const chartPng = lateChart(chartSvg(report), CHART_SCALE);
        const forecastPng = report.forecast ? lateChart(forecastChartSvg(report), CHART_SCALE) : undefined;
        for (const chart of [chartPng, forecastPng]) chart?.png.catch(() => undefined);
        return { report, charts: { chartPng, forecastPng } };
      });
      reported.catch(() => undefined);
      return { t, slot, runMatrices, reported };
    };
    const workbooks: Promise<void>[] = [];
    let next = tenants[0] ? await prepare(tenants[0]) : undefined;
    for (let i = 0; next; i++) {
      const { t, slot, runMatrices, reported } = next;
      const following = tenants[i + 1];
      let report: TenantReport;
      if (!slot.alreadyPublished) {
        const dir = slot.stagingDir;
        await mkdir(join(dir, 'data'), { recursive: true });
        await moveFile(t.files.facts, join(dir, RUN_FILES.facts));
        await moveFile(t.files.customers, join(dir, RUN_FILES.customers));
        await moveFile(t.files.quarantine, join(dir, RUN_FILES.quarantine));
        // Writing files is not DuckDB's work, so an abort cannot interrupt it: it is looked for between
        // the writers instead (SIGTERM hands the run back within the grace period).
        checkCancelled('render');
        // The snapshots do not show the forecast: they are written while the forecast thread finishes it
        // (a pending write of the run, so a failure meanwhile waits for them before removing the directory).
        const snapshots = writeSnapshots({
          dir, matrices: runMatrices, adaptySpecs: ADAPTY_SNAPSHOT_SPECS, summary: t.summary,
          currency: job.currency, asOf: model.asOf, asOfLocal: model.asOfLocal, tenant: t.tenant,
        });
        addPendingWrite(dir, snapshots);
        const made = await reported;
        report = made.report;
        const charts = made.charts!;
        if (report.forecast) await writeFile(join(dir, RUN_FILES.forecast), JSON.stringify(report.forecast));
        const servingBytes = await forecasts.servingOf(t.tenant);
        if (servingBytes) await writeFile(join(dir, RUN_FILES.forecastInputs), servingBytes);
        // The run's time until this tenant's files are written: the json and the workbook's About sheet
        // give the same figure, whichever of them is written first.
        report.duration_ms = Date.now() - run.started;
        // The workbook starts now, on the workbook thread (writeXlsxOffThread.ts), while this thread writes
        // the files that do not show the charts and the chart thread draws them: it is laid out with their
        // sizes and takes their bytes when it is zipped up (the example's render: ~0.1 s sooner than a
        // workbook that waited for its charts). The charts are written once drawn. A pending write of the
        // run's directory; at most two at a time, so the reports do not queue there.
        const { chartPng, forecastPng } = charts;
        const pngs = Promise.all([chartPng.png, forecastPng?.png]).then(async ([chart, forecast]) => {
          // A run cancelled meanwhile writes no more: its removal waits for what is being written.
          checkCancelled('render');
          await writeFile(join(dir, RUN_FILES.chart), chart);
          if (forecast) await writeFile(join(dir, RUN_FILES.forecastChart), forecast);
        });
        const workbook = job.formats.includes('xlsx')
          ? writeXlsxOffThread(report, join(dir, RUN_FILES.xlsx), { chartPng, quarantineFile: RUN_FILES.quarantine, ...(forecastPng ? { forecastPng } : {}) })
          : undefined;
        // Settled both before it fails: with Promise.all a failed workbook (a full disk) let the run's removal
        // start while the charts were still being written, and a chart landing in the half-removed directory
        // kept it (ENOTEMPTY): its run-id stayed taken and the retry published as "-2".
        const drawn = Promise.allSettled([pngs, workbook]).then((results) => {
          const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
          if (failed) throw failed.reason;
        });
        addPendingWrite(dir, drawn);
        workbooks.push(drawn);
        await snapshots;
        checkCancelled('render');
        if (job.formats.includes('json')) await writeJson(report, join(dir, RUN_FILES.json));
        if (job.formats.includes('csv')) await writeCsv(report, join(dir, RUN_FILES.csv));
        checkCancelled('render');
        await writeReportHtml(report, runMatrices.values(), job.formats.map((f) => `ltv.${f}` as const), join(dir, RUN_FILES.report));
        checkCancelled('render');
        // The next tenant's charts are drawn while this one's workbook is written.
        next = following ? await prepare(following) : undefined;
        if (workbooks.length > 2) await workbooks.shift();
      } else {
        report = (await reported).report;
        next = following ? await prepare(following) : undefined;
      }
      // Only the email reads a tenant's report again: without one, its cells are not kept for 200 tenants.
      rendered.push({
        tenant: t.tenant, slot, summary: t.summary, generatedAt: report.generated_at, firstPaymentDates: t.firstPaymentDates,
        own: { stats: t.stats, inputs: t.inputs, newestTransactionAt: t.newestTransactionAt, warnings: t.warnings },
        ...(emails ? { report } : {}),
      });
    }
    // A small run's DuckDB, closed while this thread waits for the background writes anyway.
    if (closeLater) await rw.release();
    // Every file written before any tenant is published: a write that failed in the background (a full
    // disk under a workbook or a snapshot) fails the run here, not after some tenants' runs went live.
    for (const r of rendered) await settlePendingWrites(r.slot.stagingDir);
    leave('render', { tenants: rendered.length });

    // publish
    enter('publish', 'publishing');
    // Everything is written: publishing (fsyncs, then a few renames a tenant) and the email are not cut short
    // by max_run_time.
    run.deadline.disarm();
    await effects.beforePublish?.();
    // A few tenants at a time: each commit waits on the disk (fsyncs) far more than it computes, and 200
    // small tenants one after another spent 7 s there. Each tenant's run is still switched atomically.
    const cleanupWarnings: string[] = [];
    const publishing = rendered.map((r) => ({
      r,
      manifest: {
        schema_version: 1 as const,
        tenant: r.tenant,
        run_id: r.slot.runId,
        job: job.name,
        as_of: model.asOf,
        timezone: job.timezone,
        currency: job.currency,
        generated_at: r.generatedAt,
        idempotency_key: effects.idempotencyKey ?? null,
        first_payment_dates: r.firstPaymentDates,
        newest_transaction_at: r.own.newestTransactionAt,
        warnings: r.own.warnings,
        summary: r.summary,
        inputs: r.own.inputs,
        ...(model.rates === undefined ? {} : { rates: model.rates }),
        stats: { ...r.own.stats },
        timings_ms: { ...timings },
        run_tenant_count: rendered.length,
      },
    }));
    // Every tenant's run sealed (checksummed, fsynced: most of the stage) before any is switched: a signal
    // until then stops the run with nothing published; once the first switch starts, the run finishes
    // publishing (stopped halfway it would leave some tenants' runs live), and `ltv run` says so.
    await eachLimited(publishing, PUBLISH_TENANTS, ({ r, manifest }) => sealRun(r.slot, manifest));
    checkCancelled('publish');
    // A cancel still ends a wait for the tenant's publish lock (another run of it publishing, or a dead one's
    // lock until it is stale: up to 40 s, past the 10 s `ltv run` gives a stop) where nothing would be left
    // half published: a run of one tenant. Of several, one may be live already: the others are switched too.
    const lockCancel = publishing.length === 1 ? effects.signal : undefined;
    effects.onSwitch?.({ kind: 'start' });
    await eachLimited(publishing, PUBLISH_TENANTS, async ({ r, manifest }) => {
      const { latest, cleanup } = await switchRun(r.slot, manifest, job.retention, lockCancel);
      effects.onSwitch?.({ kind: 'live', tenant: r.tenant });
      const stays = publishedWarnings(log, r.tenant, r.slot.runId, latest, cleanup, cleanupWarnings);
      if (stays) r.latestStays = stays;
    });
    effects.onSwitch?.({ kind: 'done' });
    leave('publish', { runs: rendered.map((r) => r.slot.runId) });
    const result: RunResult = {
      job: job.name,
      asOf: model.asOf,
      tenants: rendered.map((r) => ({
        tenant: r.tenant, runId: r.slot.runId, dir: r.slot.finalDir, summary: r.summary,
        ...(r.latestStays ? { latestStays: r.latestStays } : {}),
      })),
      stats: model.stats,
      timings,
      warnings: model.warnings,
      ...(forecasts.errors().length ? { forecastErrors: forecasts.errors() } : {}),
      ...(cleanupWarnings.length ? { cleanupWarnings } : {}),
    };

    // notify: after publishing, never undoing it (STYLE habit 9). Outcomes are logged, recorded in
    // <reports>/<tenant>/notify/ and returned; only a cancellation (SIGTERM) propagates, so that the
    // worker hands the run back and its next attempt, finding the run published, sends what is unsent.
    if (emails) {
      enter('notify', 'emailing');
      const { notifyRun } = await import('./notify/notifyRun.js');
      result.notify = await notifyRun(result, job, {
        ...effects.mail,
        logger: log,
        reports: new Map(rendered.map((r) => [r.tenant, r.report!])),
        ...(effects.email === 'dry-run' ? { dryRun: true } : effects.email === 'send' ? { dryRun: false } : {}),
        ...(effects.signal ? { signal: effects.signal } : {}),
        ...(effects.finalAttempt === false ? { finalAttempt: false } : {}),
      });
      leave('notify', { emails: result.notify.map((n) => `${n.key.tenant}: ${n.status}`) });
      if (effects.signal?.aborted) throw new EmailInterrupted(result.notify);
    }
    effects.onProgress?.({ stage: result.notify ? 'notify' : 'publish', percent: 100, message: 'done' });
    return result;
  } catch (caught) {
    // Forecasts still computing for this run are stopped; its staging directories removed.
    await pending?.abandon();
    for (const slot of slots) await abandonRun(slot).catch(() => undefined);
    // Money beyond the exact sums names its tenant, looked up while DuckDB still holds the data.
    const named = await nameMoneyOverflow(rw.wh, caught);
    await rw.release();
    const e = run.deadline.expired() ?? storageError(named, reportsDir, rw.dbPath, anotherReportsDir(run.job, run.effects.reportsDirFrom)) ?? named;
    await noticeFailure(run, e);
    throw e;
  } finally {
    run.deadline.disarm();
    await rw.release();
    await rm(filesDir, { recursive: true, force: true });
  }
}

/** A tenant about to be written: its report once its forecast is done. */
interface Prepared {
  t: TenantModel;
  slot: RunSlot;
  runMatrices: Map<string, RunMatrix>;
  reported: Promise<Reported>;
}

/** A tenant's report, its charts being drawn (absent when its run is already published). */
interface Reported {
  report: TenantReport;
  charts?: { chartPng: LatePng; forecastPng: LatePng | undefined };
}

interface Rendered {
  tenant: string;
  slot: RunSlot;
  summary: Summary;
  /** Set by publish when `latest` stays at a later run (TenantRunResult.latestStays). */
  latestStays?: string;
  /** The tenant's own statistics for its manifest. */
  own: Pick<TenantModel, 'stats' | 'inputs' | 'newestTransactionAt' | 'warnings'>;
  generatedAt: string;
  firstPaymentDates: { min: string; max: string } | null;
  /** Kept for the email only. */
  report?: TenantReport;
}

/** A forecast's error: the run's, if it was cancelled (stopped as in any stage), else the error itself. */
function cancelledOr(run: RunContext, stage: Stage = 'compute'): (err: unknown) => never {
  return (err) => {
    run.checkCancelled(stage);
    throw err;
  };
}

/**
 * The rest of the compute stage after `build`: every tenant's matrices, summary and files (computeRun.ts)
 * and, when the job forecasts, their forecasts under way (SPEC §9); ends the stage once DuckDB's part is
 * done. A forecast whose fits are still running on the forecast thread is awaited by the render stage
 * (PendingForecasts), which writes the files that do not show it meanwhile: on CDNOW ×15 the thread went on
 * for a second after the matrices, with the run's own thread and a core idle.
 */
async function computeStage(run: RunContext, rw: RunWarehouse, facts: RunFacts, filesDir: string): Promise<{ model: RunModel; forecasts: PendingForecasts }> {
  const { job } = run;
  // What render needs is loaded while DuckDB computes the matrices, statements that leave a core idle
  // (ingest's keep both busy).
  warmUpWriters();
  // Forecasts (SPEC §9): each tenant's forecast statements run first, then its model runs on the forecast
  // thread while the matrices are computed (src/forecast/forecastThread.ts); the report's cohorts complete it.
  const signal = run.effects.signal;
  let started: { tenant: string; forecast: TenantForecast }[] = [];
  let f0 = 0;
  try {
    if (job.forecast.model !== 'off') {
      const forecasting = await import('./forecast/forecastThread.js');
      forecasting.warmUpForecastThread();
      f0 = Date.now();
      const subscriptions = new Set(facts.subscriptionTenants);
      const requests = runTenantIds(facts, job.tenant).map((tenant) => ({ tenant, asOf: run.asOf, settings: job.forecast, subscription: subscriptions.has(tenant) }));
      const list = await forecasting.startForecasts(rw.wh, requests, signal).catch(cancelledOr(run));
      started = requests.map((r, i) => ({ tenant: r.tenant, forecast: list[i]! }));
    }
    // Both models fit, bootstrap, backtest and project before they need the report (sBG takes its fit
    // groups from its data and checks them against the report's cohorts), so they work beside the matrices.
    // The data is held on the forecast thread meanwhile: 100–150 MiB more peak at 1 M rows for sBG, whose
    // fits would otherwise wait for the matrices and leave a core idle.
    const model = await computeRun(rw.wh, facts, { asOf: run.asOf, matrices: job.matrices, defaultTenant: job.tenant, filesDir, timeZone: job.timezone });
    for (const w of model.warnings) run.log.warn({ code: w.code }, w.message);
    const forecasts = pendingForecasts(run, model, started, f0);
    // Every forecast's data is out of the warehouse before it is closed.
    await Promise.all(started.map((f) => f.forecast.loaded));
    started = [];
    run.leave('compute', { ...model.stats, tenants: model.tenants.length });
    return { model, forecasts };
  } finally {
    // A run that stops here lets the forecasts it started go (the thread would wait for their cohorts),
    // and waits until none reads the warehouse any more: it is closed next.
    await Promise.all(started.map((f) => f.forecast.abandon()));
  }
}

/**
 * The run's forecasts being completed on the forecast thread, each with its tenant's report cohorts:
 * `of` gives a tenant's (undefined when the job does not forecast) and logs it once done; `abandon` lets
 * every one still computing go (a run that fails or is cancelled after compute).
 */
interface PendingForecasts {
  of(tenant: string): Promise<Forecast | undefined>;
  /**
   * The tenant's data/forecast_inputs.bin.gz bytes (servingFile.ts), compressed (on libuv's threads) from
   * when its forecast is done; null when its forecast has none.
   */
  servingOf(tenant: string): Promise<Uint8Array | null>;
  /** The tenants whose forecast failed with an error so far (every one once `of` has resolved for all). */
  errors(): { tenant: string; error: string }[];
  abandon(): Promise<void>;
}

function pendingForecasts(run: RunContext, model: RunModel, started: readonly { tenant: string; forecast: TenantForecast }[], f0: number): PendingForecasts {
  const tenants = new Map(model.tenants.map((t) => [t.tenant, t]));
  const byTenant = new Map<string, Promise<Forecast>>();
  const serving = new Map<string, Promise<Uint8Array | null>>();
  const errors: { tenant: string; error: string }[] = [];
  for (const { tenant, forecast: pending } of started) {
    const t = tenants.get(tenant)!;
    const outcome = pending.finish(monthlyCohorts(expandRuns(t.matrix('days-month-cohort'))));
    // A defect here costs the endpoint its filtered predictions of this run (it says so), not the run.
    // Bound to the forecast it was made with: data/forecast.json is JSON.stringify of that very forecast.
    const inputs = outcome.then((o) => (o.serving ? encodeServingAsync({ ...o.serving, forecastSha256: createHash('sha256').update(JSON.stringify(o.forecast)).digest('hex') }) : null), () => null).catch((e: unknown) => {
      const message = e instanceof Error ? e.message.split('\n')[0]! : String(e);
      run.log.warn(unbound(run.log, { stage: 'forecast', tenant, err_message: message }), `tenant ${tenant}: the forecast's inputs for filtered requests could not be written: ${message}`);
      return null;
    });
    serving.set(tenant, inputs);
    const done = outcome.then(({ forecast, error }) => {
      if (error) errors.push({ tenant, error });
      // ms: from the forecast reads to this tenant's end, the matrices computed meanwhile; read_ms: the
      // reads alone, every tenant's together (one pass per statement).
      const fields = { stage: 'forecast', tenant, ms: Date.now() - f0, read_ms: pending.readMs, model: forecast.model, replicates: forecast.bootstrap.replicates };
      if (error) run.log.warn(unbound(run.log, { ...fields, err_message: error }), `tenant ${tenant}: the forecast failed, the run publishes without it: ${error}`);
      else run.log.info(unbound(run.log, fields), 'forecast done');
      return forecast;
    }, cancelledOr(run, 'render'));
    // Awaited by render; a run that fails before then must not crash the process with its rejection.
    done.catch(() => undefined);
    byTenant.set(tenant, done);
  }
  return {
    of: async (tenant) => byTenant.get(tenant),
    servingOf: async (tenant) => (await serving.get(tenant)) ?? null,
    errors: () => [...errors],
    abandon: async () => void (await Promise.all(started.map((f) => f.forecast.abandon()))),
  };
}

/** The job's configured matrices of `all`, by id (expandMatrices keeps the rows they share shared). */
function configuredRuns(model: RunModel, all: ReadonlyMap<string, RunMatrix>): Map<string, RunMatrix> {
  return new Map(configuredMatrices(model, all).map((m) => [m.id, m]));
}

/** One tenant's report (SPEC §5 json): what every writer renders. */
function tenantReport(run: RunContext, model: RunModel, t: TenantModel, runId: string, matrices: TenantReport['matrices'], forecast: Forecast | undefined): TenantReport {
  const { job } = run;
  return {
    schema_version: 1,
    tenant: t.tenant,
    run_id: runId,
    as_of: model.asOf,
    timezone: job.timezone,
    currency: job.currency,
    generated_at: new Date().toISOString(),
    duration_ms: 0,
    inputs: t.inputs,
    ...(model.rates === undefined ? {} : { rates: model.rates }),
    stats: t.stats,
    summary: t.summary,
    matrices,
    newest_transaction_at: t.newestTransactionAt,
    warnings: t.warnings,
    ...(forecast ? { forecast } : {}),
  };
}

/** Moves a file compute wrote into a run (a copy when the scratch directory is on another file system). */
async function moveFile(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
    await copyFile(from, to);
    await rm(from, { force: true });
  }
}

/** SPEC §7 failure notice: on the attempt that ends the run, never on a cancellation (also a sharded run's, shardFlow.ts). */
export async function noticeFailure(run: RunContext, e: unknown): Promise<void> {
  const { job, effects } = run;
  const retryable = !isAppError(e) || e.retryable;
  // A cancelled run (SIGTERM, a lost run lock) is handed back, not failed: no notice. One stopped by its own
  // max_run_time is a failure like any other (its notice was skipped with the cancelled ones).
  const cancelled = effects.signal?.aborted === true && run.deadline.expired() === undefined;
  if (job.email && effects.email !== 'off' && !cancelled && (!retryable || effects.finalAttempt !== false)) {
    const { notifyFailure } = await import('./notify/notifyFailure.js');
    const notice = await notifyFailure(job, e, {
      ...effects.mail,
      logger: run.log,
      asOf: run.asOf,
      reportsDir: run.reportsDir,
      ...(effects.email === 'dry-run' ? { dryRun: true } : effects.email === 'send' ? { dryRun: false } : {}),
    });
    if (notice) effects.onNotify?.(notice);
  }
}

/** The published run of this idempotency key, emailed if the job emails; null when not all published. */
async function resumePublished(job: Job, effects: RunEffects, reportsDir: string, asOf: Date, log: Logger): Promise<RunResult | null> {
  const published = await findPublishedRun(reportsDir, job.name, asOf, effects.idempotencyKey!);
  if (!published) return null;
  const reports = new Map<string, TenantReport>();
  for (const p of published) {
    const report = await readFile(join(p.dir, RUN_FILES.json), 'utf8').then((t) => JSON.parse(t) as TenantReport, () => null);
    if (!report) return null; // no ltv.json (formats without json): compute again
    reports.set(p.tenant, report);
  }
  log.info({ runs: published.map((p) => p.runId) }, 'run already published by an earlier attempt; only what is left is done');
  // The predecessor may have died between renaming a tenant's run into runs/ and switching its `latest`
  // (SPEC §7: the run picked up again finishes its publish): nothing else would switch it until some later run
  // published. Switched again as the publish does it, with its retention and cleanup.
  const cleanupWarnings: string[] = [];
  const latestStays = new Map<string, string>();
  await eachLimited(published, PUBLISH_TENANTS, async (p) => {
    const { latest, switched, cleanup } = await finishPublishedRun(p, job.retention, effects.signal);
    if (switched) log.info(unbound(log, { tenant: p.tenant, run_id: p.runId }), `tenant ${p.tenant}: latest switched to run ${p.runId} (its earlier attempt stopped before switching it)`);
    const stays = publishedWarnings(log, p.tenant, p.runId, latest, cleanup, cleanupWarnings);
    if (stays) latestStays.set(p.tenant, stays);
  });
  const result: RunResult = {
    job: job.name,
    asOf: asOf.toISOString(),
    tenants: published.map((p) => ({
      tenant: p.tenant, runId: p.runId, dir: p.dir, summary: reports.get(p.tenant)!.summary,
      ...(latestStays.has(p.tenant) ? { latestStays: latestStays.get(p.tenant)! } : {}),
    })),
    // Each report counts its tenant's rows only: the run's totals are their sum.
    stats: sumStats(published.map((p) => reports.get(p.tenant)!.stats)),
    timings: {},
    warnings: published.flatMap((p) => runLevelWarnings(p.tenant, p.manifest.warnings ?? [], published.length)),
    ...(cleanupWarnings.length ? { cleanupWarnings } : {}),
  };
  if (job.email && effects.email !== 'off') {
    effects.onProgress?.({ stage: 'notify', percent: STAGE_START.notify, message: 'emailing' });
    const { notifyRun } = await import('./notify/notifyRun.js');
    result.notify = await notifyRun(result, job, {
      ...effects.mail,
      logger: log,
      reports,
      ...(effects.email === 'dry-run' ? { dryRun: true } : effects.email === 'send' ? { dryRun: false } : {}),
      ...(effects.signal ? { signal: effects.signal } : {}),
      ...(effects.finalAttempt === false ? { finalAttempt: false } : {}),
    });
    if (effects.signal?.aborted) throw new EmailInterrupted(result.notify);
  }
  effects.onProgress?.({ stage: result.notify ? 'notify' : 'publish', percent: 100, message: 'done' });
  return result;
}

/**
 * A tenant's run is published: logs that `latest` stays at a later run (returning its id) and each cleanup
 * problem, which goes to `warnings` too (RunResult.cleanupWarnings).
 */
function publishedWarnings(log: Logger, tenant: string, runId: string, latest: string, cleanup: readonly string[], warnings: string[]): string | undefined {
  const stays = latest === runId ? undefined : latest;
  if (stays) log.warn(unbound(log, { tenant, run_id: runId, latest }), `tenant ${tenant}: run ${runId} is published beside the later run ${latest}, which latest keeps pointing at`);
  for (const problem of cleanup) {
    const line = `${tenant}: run ${runId} is published, but cleaning up after it failed: ${problem}`;
    log.warn(unbound(log, { tenant, run_id: runId }), line);
    warnings.push(line);
  }
  return stays;
}

/**
 * A run cancelled (SIGTERM, SIGINT) while emailing: it is published; `notify` says what each email did
 * before it stopped (a message already with some of its recipients: `delivered`). The worker hands the
 * run back and its next attempt sends what is unsent; `ltv run` says who has the email.
 */
export class EmailInterrupted extends AppError {
  constructor(readonly notify: readonly NotifyOutcome[]) {
    super('TRANSIENT', 'run cancelled while emailing (the run is published)', { retryable: true });
  }
}

/** The run's statistics from its tenants' (every count is of rows, and each row has one tenant). */
function sumStats(list: readonly RunStats[]): RunStats {
  const out = { ...list[0]! };
  for (const st of list.slice(1)) for (const k of Object.keys(out) as (keyof RunStats)[]) out[k] += st[k];
  return out;
}
