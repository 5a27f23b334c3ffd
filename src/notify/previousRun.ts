// The run before this one, for "the change since the previous run" of the headline figures (issue 16).
// Read from the tenant's published runs: their manifests (which carry the summary since issue 16), or the
// ltv.json of an older run whose manifest does not, when it is small enough to read for four numbers.
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Summary, TenantReport } from '../ltv/model.js';
import { RUN_FILES, type Manifest } from '../ltv/runFiles.js';

export interface PreviousRun {
  run_id: string;
  as_of: string;
  summary: Summary;
}

/** ltv.json of older runs is read only up to this size (a daily matrix's report runs to hundreds of MB). */
const MAX_JSON_BYTES = 20 * 1024 * 1024;

/**
 * The published run of the same tenant and currency with the latest as-of time at or before this run's (a
 * rerun of the same as-of counts: its numbers are what the reader saw last), excluding this run; null when
 * none. A run in another currency (the job's currency changed, or two jobs in different currencies publish
 * the tenant) is passed over for an earlier one in this currency: €9.50 → ¥1,420 is no change a reader can
 * use. The email names the run it compares with.
 */
export async function previousRun(runDir: string, report: Pick<TenantReport, 'tenant' | 'run_id' | 'as_of' | 'currency'>): Promise<PreviousRun | null> {
  const runsDir = dirname(runDir);
  const names = await readdir(runsDir).catch(() => [] as string[]);
  const candidates: (Manifest & { dir: string })[] = [];
  for (const name of names) {
    if (name.startsWith('.') || name === report.run_id) continue;
    const dir = join(runsDir, name);
    const manifest = await readJson<Manifest>(join(dir, RUN_FILES.manifest));
    // The tenant's own runs only: a directory two ids shared under an earlier release's short hash holds the
    // other's too (publishRun.ts tenantDirOf), whose numbers an email must never compare with.
    if (manifest && manifest.tenant === report.tenant && manifest.as_of <= report.as_of && manifest.currency === report.currency) candidates.push({ ...manifest, dir });
  }
  candidates.sort((a, b) => (a.as_of === b.as_of ? cmp(b.generated_at, a.generated_at) : cmp(b.as_of, a.as_of)));
  for (const m of candidates) {
    const summary = m.summary ?? (await summaryFromJson(join(m.dir, RUN_FILES.json)));
    if (summary) return { run_id: m.run_id, as_of: m.as_of, summary };
  }
  return null;
}

async function summaryFromJson(path: string): Promise<Summary | null> {
  const size = await stat(path).then((s) => s.size, () => null);
  if (size === null || size > MAX_JSON_BYTES) return null;
  return (await readJson<TenantReport>(path))?.summary ?? null;
}

async function readJson<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return null; // a run being removed by retention, or not of this layout: no comparison, not a failure
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
