// A tenant's published runs for the explorer (SPEC §5 layout, §10 "a list of published runs"): listed
// from runs/<run-id>/manifest.json, newest first, and resolved by id. Run ids pass an allow-list before
// they touch the file system, and every path is resolved with realpath and must stay inside the tenant's
// own runs directory; a tenant is found under its published directory name. Published runs never change, so what is read of them is kept (bounded).
import { readdirSync, realpathSync, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { Forecast, Summary } from '../ltv/model.js';
import { sha256Of } from '../ltv/publishedFile.js';
import { RUN_FILES, runKey, type Manifest } from '../ltv/runFiles.js';
import { DOWNLOADS, forecastBrief, type ForecastBrief, type RunListing } from '../explorer/explorerApi.js';
import { dirStamp, type ResolvedRun, type RunStore } from './RunStore.js';
import { RUN_DIR, tenantDirOf } from '../publish/publishRun.js';
import { isValidTenantId } from '../config/tenantId.js';
import { absentOrUnreadable, UnreadablePath } from '../config/UnreadablePath.js';

/** The parts of a run's ltv.json the explorer reads. */
export interface PublishedReport {
  summary: Summary | null;
  matrices: string[] | null;
}

const KEEP = 64;

/** Bounded memo: the oldest entry goes first. */
function remember<V>(map: Map<string, V>, key: string, value: V): V {
  map.set(key, value);
  while (map.size > KEEP) map.delete(map.keys().next().value as string);
  return value;
}

/**
 * A run directory as it is now: its path, inode and change time. A run id removed and published again
 * (a re-run, retention then a backfill) is another directory: the memos below are keyed by this, not by
 * the path alone (they listed and served the removed run's manifest, summary and forecast).
 */
function dirKey(dir: string): string | null {
  const stamp = dirStamp(dir);
  return stamp === null ? null : `${dir}\0${stamp}`;
}

/** A file's version: its inode, size and times (a write in place changes the change time, which no one can set). */
function fileStamp(st: Stats): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
}

export class RunCatalog {
  private readonly manifests = new Map<string, { manifest: Manifest; text: Buffer }>();
  private readonly resolved = new Map<string, ResolvedRun>();
  private readonly summaries = new Map<string, PublishedReport>();
  private readonly forecasts = new Map<string, ForecastBrief | null>();
  /** Downloads whose bytes matched the manifest, by run and name: the file's stamp then (a change in place changes it). */
  private readonly checked = new Map<string, string>();

  constructor(private readonly store: RunStore) {}

  private inside(path: string, dir: string): boolean {
    return path.startsWith(dir + sep);
  }

  /**
   * realpath of runs/<runId> when it is a run directory inside the reports directory, else null; an
   * UnreadablePath when the tenant's directory or the run is there but cannot be read (a 500, not a 404).
   */
  private runDir(tenant: string, runId: string): string | null {
    // A run id as publish and retention know one (RUN_DIR): an operator's `runs/<run-id>.bak` or `2019-archive`
    // is theirs, not a run to list or serve (it was listed with its own x-ltv-run).
    if (!isValidTenantId(tenant) || !RUN_DIR.test(runId)) return null;
    // The tenant's published directory name, never the raw id as a path (tenantId.ts).
    const path = join(tenantDirOf(this.store.reportsDir, tenant), 'runs', runId);
    let dir: string;
    try {
      dir = realpathSync.native(path);
    } catch (e) {
      absentOrUnreadable(e, path);
      return null;
    }
    // This tenant's own run: a `runs/<id>` symlink to another tenant's run is not one (RunStore.isRunOf).
    return this.store.isRunOf(tenant, dir) ? dir : null;
  }

  private manifest(dir: string, key: string | null): { manifest: Manifest; text: Buffer } | null {
    if (key === null) return null;
    const hit = this.manifests.get(key);
    if (hit) return hit;
    let path: string;
    try {
      path = realpathSync.native(join(dir, RUN_FILES.manifest));
    } catch (e) {
      absentOrUnreadable(e, join(dir, RUN_FILES.manifest));
      return null;
    }
    if (!this.inside(path, dir)) return null;
    const read = this.store.readManifest(path);
    return read === null ? null : remember(this.manifests, key, read);
  }

  /**
   * The tenant's latest run, or null; null too when `latest` cannot be read (the §6 routes answer that 500):
   * no reason to refuse the runs named by id, nor to leave them out of the list.
   */
  private latest(tenant: string): ResolvedRun | null {
    try {
      return this.store.resolve(tenant);
    } catch (e) {
      if (e instanceof UnreadablePath) return null;
      throw e;
    }
  }

  /**
   * The tenant's runs, newest first (by as-of time, then id); [] for an unknown tenant. An UnreadablePath
   * when its directory or one of its runs is there but cannot be read: not a list short of runs it has.
   */
  list(tenant: string): RunListing[] {
    if (!isValidTenantId(tenant)) return [];
    const runs = join(tenantDirOf(this.store.reportsDir, tenant), 'runs');
    let names: string[];
    try {
      names = readdirSync(runs);
    } catch (e) {
      absentOrUnreadable(e, runs);
      return [];
    }
    const latest = this.latest(tenant)?.dir ?? null;
    const out: RunListing[] = [];
    for (const name of names) {
      const dir = this.runDir(tenant, name);
      const key = dir === null ? null : dirKey(dir);
      const m = dir === null ? null : this.manifest(dir, key)?.manifest ?? null;
      if (dir === null || key === null || m === null || m.tenant !== tenant) continue;
      out.push({
        run_id: name,
        as_of: m.as_of,
        generated_at: m.generated_at,
        timezone: m.timezone,
        currency: m.currency,
        latest: dir === latest,
        first_payment_dates: m.first_payment_dates ?? null,
        // The manifest is the run's (it lists the others, not itself).
        downloads: DOWNLOADS.filter((f) => f === 'manifest.json' || m.files?.[f] !== undefined),
        summary: m.summary ?? null,
        forecast: this.forecast(dir, key, m),
      });
    }
    return out.sort((a, b) => (a.as_of === b.as_of ? (a.run_id < b.run_id ? 1 : -1) : a.as_of < b.as_of ? 1 : -1));
  }

  /**
   * A run by id (`latest`: the tenant's latest, as every §6 route reads it), or null. Resolutions are
   * kept, so an older run's files and computed answers are cached as the latest's are.
   */
  resolve(tenant: string, runId: string): ResolvedRun | null {
    if (runId === 'latest') return this.store.resolve(tenant);
    const dir = this.runDir(tenant, runId);
    if (dir === null) return null;
    // The latest's resolution when this is it: one cache for both names.
    const latest = this.latest(tenant);
    if (latest?.dir === dir) return latest;
    const key = dirKey(dir);
    const hit = key === null ? undefined : this.resolved.get(key);
    if (hit) return hit;
    const read = this.manifest(dir, key);
    // Another id's run in this tenant's directory (RunStore.resolve): not this tenant's to list or serve.
    if (!read || key === null || read.manifest.tenant !== tenant) return null;
    return remember(this.resolved, key, this.store.resolution(tenant, dir, read.manifest, read.text));
  }

  /**
   * What the run's ltv.json holds for the explorer: its headline (summary, SPEC §5) and its matrices' ids
   * (what the run's downloads hold); nulls when it published no ltv.json.
   */
  published(run: ResolvedRun): PublishedReport {
    const known = this.summaries.get(runKey(run));
    if (known) return known;
    // Checked against the manifest as a snapshot is (RunStore.verified): an edited ltv.json showed other
    // numbers than the run published. One that differs throws (500, the log naming it), never cached.
    const bytes = this.store.verified(run, RUN_FILES.json);
    let out: PublishedReport = { summary: null, matrices: null };
    try {
      if (bytes) {
        const json = JSON.parse(bytes.toString('utf8')) as { summary?: Summary; matrices?: { id: string }[] };
        out = { summary: json.summary ?? null, matrices: json.matrices?.map((m) => m.id) ?? null };
      }
    } catch {
      out = { summary: null, matrices: null };
    }
    return remember(this.summaries, runKey(run), out);
  }

  /** The run's forecast in brief (data/forecast.json, SPEC §9), or null when it published none. */
  private forecast(dir: string, key: string, m: Manifest): ForecastBrief | null {
    if (this.forecasts.has(key)) return this.forecasts.get(key) ?? null;
    let brief: ForecastBrief | null = null;
    if (m.files?.[RUN_FILES.forecast] !== undefined) {
      try {
        // As the Adapty route reads it (RunStore.file): the manifest's bytes or nothing. In the listing of all
        // the key's tenants, one that differs is no brief (and a warning), not a 500 for every tenant.
        const bytes = this.store.verified({ dir, manifest: m }, RUN_FILES.forecast);
        if (bytes) brief = forecastBrief(JSON.parse(bytes.toString('utf8')) as Forecast);
      } catch (e) {
        this.store.logger?.warn({ err: e }, `run ${dir} is listed without its forecast: ${(e as Error).message}`);
        brief = null;
      }
    }
    return remember(this.forecasts, key, brief);
  }

  /**
   * One of the run's downloadable files, opened, its bytes the manifest's (manifest.json: the bytes the run
   * was resolved from); null when absent or leading outside the run. Served unchecked before, a file replaced
   * (`ln /etc/hostname ltv.csv`), cut short or edited was downloaded as the run's. Each file is hashed once per
   * version (its stamp: a write in place changes its change time), not on every download of a large workbook;
   * one that differs, or that the manifest does not list, throws (500, the log naming it), as a snapshot does.
   */
  async download(run: ResolvedRun, name: string): Promise<{ file: FileHandle; size: number } | null> {
    if (!(DOWNLOADS as readonly string[]).includes(name)) return null;
    let path: string;
    try {
      path = realpathSync.native(join(run.dir, name));
    } catch (e) {
      absentOrUnreadable(e, join(run.dir, name));
      return null;
    }
    if (!this.inside(path, run.dir)) return null;
    const file = await open(path, 'r').catch((e: unknown) => absentOrUnreadable(e, path) && null);
    if (!file) return null;
    try {
      const st = await file.stat();
      const key = `${runKey(run)}\0${name}`;
      if (this.checked.get(key) !== fileStamp(st)) {
        const listed = name === RUN_FILES.manifest ? run.identity : run.manifest.files?.[name]?.sha256;
        if (listed === undefined) throw new Error(`${path}: not listed in the run's manifest: not served`);
        const sha = await sha256Of(file.createReadStream({ start: 0, autoClose: false }));
        if (sha !== listed) throw new Error(`${path}: sha256 ${sha} differs from the manifest's ${listed}: not served`);
        remember(this.checked, key, fileStamp(st));
      }
      return { file, size: st.size };
    } catch (e) {
      await file.close();
      throw e;
    }
  }
}
