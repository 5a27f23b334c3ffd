// The jobs of the jobs folder as operations see them (SPEC §11): name, where it publishes, how often it is
// scheduled and its alert_after. Read on every metrics scrape and stale-report check, so files are parsed
// again only when their modification time or size changed. Invalid files are left out (the schedule sync
// already reports them with file and field).
import { stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { CronExpressionParser } from 'cron-parser';
import type { Env } from '../config/env.js';
import type { Job } from '../config/jobSchema.js';
import { loadJob } from '../config/loadJob.js';
import { parseDuration } from '../config/parseDuration.js';
import { reportsDirOf } from '../pipeline.js';
import { listJobFiles } from './syncSchedules.js';

export interface CatalogJob {
  job: Job;
  file: string;
  /** Absolute reports directory its runs publish to (LTV_REPORTS_DIR wins, as in processRun). */
  reportsDir: string;
  /** The longest gap between its schedule's next ten firings (weekday-only crons: the weekend). */
  scheduleIntervalSeconds: number | null;
  alertAfterMs: number | null;
}

/** Seconds of the longest gap between the next ten firings; null when the pattern cannot be read. */
export function scheduleIntervalSeconds(cron: string, tz: string, from = new Date()): number | null {
  try {
    const it = CronExpressionParser.parse(cron.trim(), { tz, currentDate: from });
    let prev = it.next().getTime();
    let longest = 0;
    for (let i = 0; i < 10; i++) {
      const next = it.next().getTime();
      longest = Math.max(longest, next - prev);
      prev = next;
    }
    return longest / 1000;
  } catch {
    return null;
  }
}

export class JobCatalog {
  private readonly cache = new Map<string, { key: string; entry: CatalogJob | null }>();

  constructor(
    private readonly jobsDir: string,
    private readonly env: Env,
  ) {}

  async list(): Promise<CatalogJob[]> {
    const files = await listJobFiles(this.jobsDir).catch(() => [] as string[]);
    const out: CatalogJob[] = [];
    for (const name of files) {
      const file = join(this.jobsDir, name);
      const st = await stat(file).catch(() => null);
      if (!st) continue;
      const key = `${st.mtimeMs}:${st.size}`;
      let hit = this.cache.get(name);
      if (hit?.key !== key) {
        hit = { key, entry: await this.load(file) };
        this.cache.set(name, hit);
      }
      if (hit.entry) out.push(hit.entry);
    }
    for (const name of this.cache.keys()) if (!files.includes(name)) this.cache.delete(name);
    return out;
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
