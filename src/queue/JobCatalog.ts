// The jobs of the jobs folder as operations see them (SPEC §11): name, where it publishes, how often it is
// scheduled and its alert_after. Read on every metrics scrape and stale-report check, so files are parsed
// again only when their modification time or size changed. Invalid files are left out of list() (the
// schedule sync already reports them with file and field); known() keeps them, with their last valid
// definition when this worker saw one, so that a job's gauges do not vanish while its file is broken.
import { stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import type { Env } from '../config/env.js';
import type { Job } from '../config/jobSchema.js';
import { loadJob } from '../config/loadJob.js';
import { parseDuration } from '../config/parseDuration.js';
import { reportsDirOf } from '../pipeline.js';
import { scheduleFirings } from './scheduleFirings.js';
import { listJobFiles } from './syncSchedules.js';

export interface CatalogJob {
  job: Job;
  file: string;
  /** Absolute reports directory its runs publish to (LTV_REPORTS_DIR wins, as in processRun). */
  reportsDir: string;
  /** The longest gap between its schedule's firings of the next year (weekday-only crons: the weekend). */
  scheduleIntervalSeconds: number | null;
  alertAfterMs: number | null;
}

/**
 * How far ahead the longest gap is looked for: a year and a bit covers every pattern of days, weeks and
 * months (a monthly cron's 31-day month), and at most FIRINGS firings are read, which a frequent pattern
 * reaches in days (a per-minute cron: 7 days, its weekend included). A pattern firing less than twice in
 * that year (29 February) is followed for up to nine years, to its second firing.
 */
const LOOK_AHEAD_MS = 400 * 86_400_000;
const RARE_LOOK_AHEAD_MS = 9 * 366 * 86_400_000;
const FIRINGS = 10_000;
/** Pattern and zone → seconds: reading 10,000 firings takes up to a second or two, once per pattern. */
const intervals = new Map<string, number | null>();

/**
 * Seconds of the longest gap between the schedule's firings of the next year (weekday-only crons: the
 * weekend; business hours: the night), or null when the pattern cannot be read. Ten firings were too few:
 * `0 * * * 1-5` gave an hour, and LtvReportStale paged every weekend.
 */
export function scheduleIntervalSeconds(cron: string, tz: string, from = new Date()): number | null {
  const key = `${cron.trim()}\u0000${tz}`;
  if (intervals.has(key)) return intervals.get(key)!;
  let seconds: number | null;
  try {
    // The firings BullMQ's schedulers fire (scheduleFirings): a DST day's gap is the gauge's too.
    const it = scheduleFirings(cron.trim(), tz, from.getTime());
    let prev = it.next().value;
    let longest = 0;
    for (let i = 0; prev !== undefined && i < FIRINGS; i++) {
      const end = from.getTime() + (longest > 0 ? LOOK_AHEAD_MS : RARE_LOOK_AHEAD_MS);
      if (prev >= end) break;
      const next = it.next().value;
      if (next === undefined) break;
      longest = Math.max(longest, next - prev);
      prev = next;
    }
    seconds = longest / 1000;
  } catch {
    seconds = null;
  }
  intervals.set(key, seconds);
  return seconds;
}

/** A job file of the folder, valid or not. */
export interface KnownJob {
  /** The job's name: its file name without `.json`, as loadJob names it. */
  name: string;
  /** Its definition now, or, while the file is invalid, the last valid one this catalog read (else null). */
  entry: CatalogJob | null;
  /** The file does not validate (or cannot be read) now. */
  invalid: boolean;
}

export class JobCatalog {
  private readonly cache = new Map<string, { key: string; entry: CatalogJob | null }>();
  /** File name → its last valid definition, kept while the file is invalid; dropped with the file. */
  private readonly lastValid = new Map<string, CatalogJob>();
  private readonly learned: ((jobs: KnownJob[]) => void)[] = [];

  constructor(
    private readonly jobsDir: string,
    private readonly env: Env,
  ) {}

  /**
   * Calls `listener` with every job file each time a read finds a file new or changed (the first read finds
   * them all): the worker's per-job counters start at 0 then (startOps).
   */
  onLearned(listener: (jobs: KnownJob[]) => void): void {
    this.learned.push(listener);
  }

  /** The valid jobs. */
  async list(): Promise<CatalogJob[]> {
    return (await this.known()).flatMap((k) => (k.invalid || !k.entry ? [] : [k.entry]));
  }

  /** Every job file, valid or not (SPEC §11: an invalid file's job keeps its gauges). */
  async known(): Promise<KnownJob[]> {
    const files = await listJobFiles(this.jobsDir).catch(() => [] as string[]);
    const out: KnownJob[] = [];
    let learned = false;
    for (const name of files) {
      const file = join(this.jobsDir, name);
      const st = await stat(file).catch(() => null);
      // A link to nothing: as invalid as a file that does not parse.
      const key = st ? `${st.mtimeMs}:${st.size}` : 'unreadable';
      let hit = this.cache.get(name);
      if (hit?.key !== key) {
        hit = { key, entry: st ? await this.load(file) : null };
        this.cache.set(name, hit);
        learned = true;
        if (hit.entry) this.lastValid.set(name, hit.entry);
      }
      out.push({ name: basename(name, extname(name)), entry: hit.entry ?? this.lastValid.get(name) ?? null, invalid: !hit.entry });
    }
    for (const name of this.cache.keys()) if (!files.includes(name)) this.cache.delete(name);
    for (const name of this.lastValid.keys()) if (!files.includes(name)) this.lastValid.delete(name);
    if (learned) for (const listener of this.learned) listener(out);
    return out;
  }

  /**
   * The definition of the job file `fileName` (a name in the jobs folder): now, or while it is invalid the last
   * valid one this catalog read; null when it never read one. For the failure notice of a run whose file is
   * half-saved: the file names no recipients then.
   */
  async lastValidJob(fileName: string): Promise<Job | null> {
    return (await this.known()).find((k) => k.entry?.file === fileName)?.entry?.job ?? null;
  }

  private async load(file: string): Promise<CatalogJob | null> {
    let job: Job;
    try {
      job = await loadJob(file);
    } catch {
      return null;
    }
    return {
      job,
      file: basename(file),
      reportsDir: this.env.LTV_REPORTS_DIR ? resolve(this.env.LTV_REPORTS_DIR) : reportsDirOf(job),
      scheduleIntervalSeconds: job.schedule ? scheduleIntervalSeconds(job.schedule.cron, job.schedule.timezone) : null,
      alertAfterMs: job.alert_after ? parseDuration(job.alert_after) : null,
    };
  }
}
