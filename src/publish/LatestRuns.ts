// Which run each tenant's `latest` points to, read from the reports directory itself (SPEC §5 layout), so
// that a freshly started worker — or one that did not publish the run — knows when every job last
// published (SPEC §11 freshness). The publication time is the modification time of the `latest` symlink:
// publishRun creates a new link and renames it over `latest` at the moment of publication.
//
// Scanning costs one readdir plus one readlink per tenant; a tenant's manifest is read only when its
// `latest` changed since the previous scan.
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { RUN_FILES, type Manifest } from '../ltv/runFiles.js';

export interface LatestRun {
  /** Directory name of the tenant under the reports directory. */
  tenantDir: string;
  /** The job that published it (manifest.json `job`). */
  job: string;
  runId: string;
  /** Unix milliseconds at which `latest` was switched to this run. */
  publishedMs: number;
}

export class LatestRuns {
  private readonly cache = new Map<string, { target: string; run: LatestRun | null }>();

  constructor(readonly reportsDir: string) {}

  /** The current `latest` run of every tenant (tenants without one, or with an unreadable manifest, are left out). */
  async scan(): Promise<LatestRun[]> {
    let names: string[];
    try {
      names = (await readdir(this.reportsDir, { withFileTypes: true })).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const out: LatestRun[] = [];
    const seen = new Set<string>();
    for (const name of names) {
      seen.add(name);
      const latest = join(this.reportsDir, name, 'latest');
      const target = await readlink(latest).catch(() => null);
      if (target === null) {
        this.cache.delete(name);
        continue;
      }
      const cached = this.cache.get(name);
      if (cached?.target === target) {
        if (cached.run) out.push(cached.run);
        continue;
      }
      let run: LatestRun | null = null;
      try {
        const [st, text] = await Promise.all([lstat(latest), readFile(join(latest, RUN_FILES.manifest), 'utf8')]);
        const m = JSON.parse(text) as Partial<Manifest>;
        if (typeof m.job === 'string' && typeof m.run_id === 'string') run = { tenantDir: name, job: m.job, runId: m.run_id, publishedMs: Math.floor(st.mtimeMs) };
      } catch {
        // Switched again between readlink and read, or a hand-made directory: read again next scan.
        continue;
      }
      this.cache.set(name, { target, run });
      if (run) out.push(run);
    }
    for (const name of this.cache.keys()) if (!seen.has(name)) this.cache.delete(name);
    return out;
  }

  /** job → when it last published, over all its tenants. */
  async lastPublishedByJob(): Promise<Map<string, number>> {
    const byJob = new Map<string, number>();
    for (const r of await this.scan()) byJob.set(r.job, Math.max(byJob.get(r.job) ?? 0, r.publishedMs));
    return byJob;
  }
}
