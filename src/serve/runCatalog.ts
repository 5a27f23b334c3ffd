// A tenant's published runs for the explorer (SPEC §5 layout, §10 "a list of published runs"): listed
// from runs/<run-id>/manifest.json, newest first, and resolved by id. Run ids pass an allow-list before
// they touch the file system, and every path is resolved with realpath and must stay inside the tenant's
// own runs directory; a tenant is found under its published directory name. Published runs never change, so what is read of them is kept (bounded).
import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join, sep } from 'node:path';
import type { Forecast, Summary } from '../ltv/model.js';
import { RUN_FILES, runKey, type Manifest } from '../ltv/runFiles.js';
import { DOWNLOADS, forecastBrief, type ForecastBrief, type RunListing } from '../explorer/explorerApi.js';
import { dirStamp, type ResolvedRun, type RunStore } from './RunStore.js';
import { tenantDirOf } from '../publish/publishRun.js';
import { isValidTenantId } from '../config/tenantId.js';

/** The parts of a run's ltv.json the explorer reads. */
export interface PublishedReport {
  summary: Summary | null;
  matrices: string[] | null;
}

const RUN_ID = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;
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

export class RunCatalog {
  private readonly manifests = new Map<string, { manifest: Manifest; text: Buffer }>();
  private readonly resolved = new Map<string, ResolvedRun>();
  private readonly summaries = new Map<string, PublishedReport>();
  private readonly forecasts = new Map<string, ForecastBrief | null>();

  constructor(private readonly store: RunStore) {}

  private inside(path: string, dir: string): boolean {
    return path.startsWith(dir + sep);
  }

  /** realpath of runs/<runId> when it is a run directory inside the reports directory, else null. */
  private runDir(tenant: string, runId: string): string | null {
    if (!isValidTenantId(tenant) || !RUN_ID.test(runId)) return null;
    try {
      // The tenant's published directory name, never the raw id as a path (tenantId.ts).
      const dir = realpathSync.native(join(tenantDirOf(this.store.reportsDir, tenant), 'runs', runId));
      // This tenant's own run: a `runs/<id>` symlink to another tenant's run is not one (RunStore.isRunOf).
      return this.store.isRunOf(tenant, dir) ? dir : null;
    } catch {
      return null;
    }
  }

  private manifest(dir: string, key: string | null): { manifest: Manifest; text: Buffer } | null {
    if (key === null) return null;
    const hit = this.manifests.get(key);
    if (hit) return hit;
    let path: string;
    try {
      path = realpathSync.native(join(dir, RUN_FILES.manifest));
    } catch {
      return null;
    }
    if (!this.inside(path, dir)) return null;
    const read = this.store.readManifest(path);
    return read === null ? null : remember(this.manifests, key, read);
  }

  /** The tenant's runs, newest first (by as-of time, then id); [] for an unknown tenant. */
  list(tenant: string): RunListing[] {
    if (!isValidTenantId(tenant)) return [];
    let names: string[];
    try {
      names = readdirSync(join(tenantDirOf(this.store.reportsDir, tenant), 'runs'));
    } catch {
      return [];
    }
    const latest = this.store.resolve(tenant)?.dir ?? null;
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
    const latest = this.store.resolve(tenant);
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
    let out: PublishedReport = { summary: null, matrices: null };
    try {
      const path = realpathSync.native(join(run.dir, RUN_FILES.json));
      if (this.inside(path, run.dir)) {
        const json = JSON.parse(readFileSync(path, 'utf8')) as { summary?: Summary; matrices?: { id: string }[] };
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
        const path = realpathSync.native(join(dir, RUN_FILES.forecast));
        if (this.inside(path, dir)) brief = forecastBrief(JSON.parse(readFileSync(path, 'utf8')) as Forecast);
      } catch {
        brief = null;
      }
    }
    return remember(this.forecasts, key, brief);
  }

  /** Absolute path of one of the run's downloadable files, or null when absent or leading outside it. */
  download(run: ResolvedRun, name: string): string | null {
    if (!(DOWNLOADS as readonly string[]).includes(name)) return null;
    try {
      const path = realpathSync.native(join(run.dir, name));
      return this.inside(path, run.dir) ? path : null;
    } catch {
      return null;
    }
  }
}
