// When each job last published (SPEC §11: the age of each job's last published run), read from the reports
// directory itself (SPEC §5 layout), so that a freshly started worker, or one that did not publish the run,
// knows it: the `ltv_job_last_published_timestamp_seconds` gauge and the `alert_after` check both ask here.
//
// A job's last publication is the newest run (by run-id, as `latest` is chosen) in a tenant's `runs/` whose
// manifest names the job. Not the run `latest` points to: two jobs publishing one tenant each move `latest`
// in turn, and the other job then looked as if it had never published (its gauge gone, LtvReportNeverPublished
// and alert_after firing for a job that published every night). Its time is the manifest's modification
// time: written last, just before the run is renamed into `runs/` and `latest` is switched, and never
// changed after, so it is the same whichever run `latest` points to.
//
// A scan costs one readdir per tenant; a run's manifest is read once (a published run never changes), and
// a tenant keeps at most its retention count of runs.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { RUN_FILES, type Manifest } from '../ltv/runFiles.js';
import { newestRunFirst, RUN_DIR } from '../publish/publishRun.js';

interface PublishedRun {
  job: string;
  /** Unix milliseconds: the manifest's modification time. */
  publishedMs: number;
}

export class PublishedRuns {
  /** `<tenant dir>/<run-id>` → its job and time (runs removed by retention are dropped at the next scan). */
  private readonly runs = new Map<string, PublishedRun>();
  /** The last scan's answer: kept while the directory cannot be read (see lastPublishedByJob). */
  private last = new Map<string, number>();
  /**
   * Why the last scan could not read the reports directory or a tenant's runs/ (for one warning), and that
   * path (for the line saying it can be read again), else null.
   */
  problem: { path: string; text: string } | null = null;

  constructor(readonly reportsDir: string) {}

  /**
   * job → when it last published, over all its tenants. A reports directory (or a tenant's `runs/`) that
   * cannot be read now (permissions, a file put in its place, a volume gone) does not make its jobs' runs
   * unpublished: their last known times stay, so the stale-report alert still fires while the fault lasts
   * (their series vanished, and LtvReportStale with them). Only a job never seen publishing has no time.
   */
  async lastPublishedByJob(): Promise<Map<string, number>> {
    let tenants: string[];
    try {
      tenants = (await readdir(this.reportsDir, { withFileTypes: true })).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      this.problem = code === 'ENOENT' && this.last.size === 0 ? null : { path: this.reportsDir, text: `${this.reportsDir} cannot be read (${code ?? (e as Error).message})` };
      return new Map(this.last);
    }
    const byJob = new Map<string, number>();
    const seen = new Set<string>();
    let problem: PublishedRuns['problem'] = null;
    for (const tenant of tenants) {
      const runsDir = join(this.reportsDir, tenant, 'runs');
      let ids: string[];
      try {
        // Staging directories (`.staging-…`) and an operator's own folders do not match RUN_DIR.
        ids = (await readdir(runsDir, { withFileTypes: true })).filter((e) => e.isDirectory() && RUN_DIR.test(e.name)).map((e) => e.name);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        // A tenant folder without runs/ (yet) has published nothing; one that cannot be read keeps its runs.
        ids = code === 'ENOENT' ? [] : [...this.runs.keys()].filter((k) => k.startsWith(`${tenant}/`)).map((k) => k.slice(tenant.length + 1));
        if (code !== 'ENOENT') problem ??= { path: runsDir, text: `${runsDir} cannot be read (${code ?? (e as Error).message})` };
      }
      const newestOf = new Set<string>();
      for (const id of ids.sort(newestRunFirst)) {
        const key = `${tenant}/${id}`;
        seen.add(key);
        const run = this.runs.get(key) ?? (await readRun(join(runsDir, id)));
        if (!run) continue;
        this.runs.set(key, run);
        if (newestOf.has(run.job)) continue;
        newestOf.add(run.job);
        byJob.set(run.job, Math.max(byJob.get(run.job) ?? 0, run.publishedMs));
      }
    }
    for (const key of this.runs.keys()) if (!seen.has(key)) this.runs.delete(key);
    this.problem = problem;
    this.last = byJob;
    return new Map(byJob);
  }
}

/** Null for a directory without a readable manifest (removed meanwhile by retention, or made by hand). */
async function readRun(dir: string): Promise<PublishedRun | null> {
  const path = join(dir, RUN_FILES.manifest);
  try {
    const [st, text] = await Promise.all([stat(path), readFile(path, 'utf8')]);
    const m = JSON.parse(text) as Partial<Manifest>;
    return typeof m.job === 'string' ? { job: m.job, publishedMs: Math.floor(st.mtimeMs) } : null;
  } catch {
    return null;
  }
}
