// SPEC §5 atomic publication (STYLE habit 8): a run is written into a fresh hidden directory, fsynced,
// renamed to runs/<run-id>, and only then `latest` is switched — by renaming a new symlink over it, never
// unlink-then-link. Readers see the old run or the new one; a crash at any point leaves the old one served.
import { createHash, randomBytes } from 'node:crypto';
import { constants, createReadStream, existsSync, readFileSync } from 'node:fs';
import { type FileHandle, link, lstat, mkdir, open, readFile, readdir, readlink, realpath, rename, rm, symlink, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join, relative, sep } from 'node:path';
import { AppError } from '../config/AppError.js';
import { RUN_FILES, type Manifest, type ManifestFile } from '../ltv/runFiles.js';
import { withFileLock } from './withFileLock.js';
import { settlePendingWrites } from '../report/pendingWrites.js';
import { eachLimited } from '../config/eachLimited.js';
import { pidAlive } from '../warehouse/removeStaleScratch.js';
import { makeDirs } from './makeDirs.js';
import { writeAtomically } from './writeAtomically.js';
import { isNotAFolder, NOT_A_FOLDER } from './notAFolder.js';

/** A tenant id that is its own directory name (tenantDirName). */
const PLAIN_TENANT = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,254}$/;

/**
 * Tenant ids become directory names: safe characters kept, anything else replaced, plus a hash of the
 * original when something had to change, so two different ids never share a directory. The hash is 128
 * bits: the 32 bits of earlier releases let two ids of one length share a directory (found by a birthday
 * search in seconds; likely by chance among ~100,000 non-Latin shop names of one length), and with it the
 * other tenant's reports and its retention (tenantDirOf reads such a directory still, when it is the tenant's).
 */
export function tenantDirName(tenant: string, hexDigits = 32): string {
  // The endpoint looks tenants up by the same rule (serve/RunStore.ts): an id of [A-Za-z0-9._-], not
  // starting with a dot (`.`, `..`, hidden names such as `.failed`) or a dash (`-rf`: an option to the
  // operator's rm, grep, head …), of at most 255 characters (the file name limit of ext4, xfs, btrfs:
  // 255 bytes) is its own directory name. The safe name below never equals a plain one: it has a `~`.
  if (PLAIN_TENANT.test(tenant)) return tenant;
  const safe = tenant.replace(/[^A-Za-z0-9_-]/g, '_').replace(/^-/, '_').slice(0, 100) || '_';
  return `${safe}~${createHash('sha256').update(tenant).digest('hex').slice(0, hexDigits)}`;
}

/**
 * The tenant's directory in `reportsDir`: `tenantDirName`'s, or, where only a directory named by an earlier
 * release's 32-bit hash exists and its latest run is this tenant's own (its manifest's `tenant`), that one:
 * a tenant published before keeps its runs, its `latest` and its retention; another id whose short hash
 * collides with it is never let in.
 */
export function tenantDirOf(reportsDir: string, tenant: string): string {
  const current = join(reportsDir, tenantDirName(tenant));
  if (PLAIN_TENANT.test(tenant) || existsSync(current)) return current;
  const legacy = join(reportsDir, tenantDirName(tenant, 8));
  return latestTenantOf(legacy) === tenant ? legacy : current;
}

/** The tenant its `latest` run's manifest names, or null (no such directory, run or manifest). */
export function latestTenantOf(dir: string): string | null {
  try {
    const m = JSON.parse(readFileSync(join(dir, 'latest', RUN_FILES.manifest), 'utf8')) as Partial<Manifest>;
    return typeof m.tenant === 'string' ? m.tenant : null;
  } catch {
    return null;
  }
}

/** The run-id of an as-of time: `20260316T150000Z`. */
export function runIdFor(asOf: Date): string {
  // Whole seconds only (SPEC §5 "e.g. 20260316T150000Z"): an as-of of now carries milliseconds, which made
  // ids like 20261202T131735.412Z; runs in the same second get the -2, -3 … suffix instead.
  return `${asOf.toISOString().slice(0, 19).replace(/[-:]/g, '')}Z`;
}

export interface RunSlot {
  tenantDir: string;
  runId: string;
  /** Where the run is written before it is published. */
  stagingDir: string;
  finalDir: string;
  /** Set when a run with the same idempotency key is already published: nothing to write. */
  alreadyPublished: boolean;
}

/** Who writes a staging directory: written into it as `.owner`, read by removeDeadStaging. */
interface StagingOwner {
  job: string;
  host: string;
  pid: number;
  /** Set by a worker, which holds the job's run lock for this tenant while it writes. */
  locked: boolean;
}

/** Staging directories this process is writing now (its other ones are dead attempts). */
const LIVE_STAGING = new Set<string>();

function parseOwner(text: string): StagingOwner | null {
  try {
    const o = JSON.parse(text) as Partial<StagingOwner> | null;
    return o && typeof o === 'object' && typeof o.host === 'string' && typeof o.pid === 'number' ? (o as StagingOwner) : null;
  } catch {
    return null;
  }
}

/**
 * Removes the staging directories of attempts that can no longer publish: written on this machine by a
 * process that is gone (or by this one, which no longer writes it), or, when this attempt holds the job's
 * run lock, by any attempt of the job (two runs of one job and tenant never overlap, so the other is dead).
 * `job` null (a worker starting, holding no lock): this machine's dead processes' attempts of any job.
 * Only `.staging-*` directories with an owner file are touched. Returns the directories removed.
 */
async function removeDeadStaging(runsDir: string, job: string | null, locked: boolean): Promise<string[]> {
  const names = (await readdir(runsDir).catch(() => [] as string[])).filter((n) => n.startsWith('.staging-'));
  const removed: string[] = [];
  for (const name of names) {
    const dir = join(runsDir, name);
    if (LIVE_STAGING.has(dir)) continue;
    // An owner file that does not parse (written by an older release, which created it, then wrote it): its
    // attempt is alive, or was killed in that instant. Either way it is not known to be dead: left alone,
    // as one without an owner file (retention removes it after a day). A worker that started beside
    // another one reserving a run crashed here on `JSON.parse('')`.
    const owner = await readFile(join(dir, '.owner'), 'utf8').then(parseOwner, () => null);
    if (!owner || (job !== null && owner.job !== job)) continue;
    const here = owner.host === hostname();
    const dead = here ? owner.pid === process.pid || !pidAlive(owner.pid) : locked && owner.locked;
    if (dead && (await rm(dir, { recursive: true, force: true }).then(() => true, () => false))) removed.push(dir);
  }
  return removed;
}

/**
 * Every tenant's dead staging directories under `reportsDir`: of `job` when its run starts holding the run
 * lock (a recovered run cleans what its dead attempts left, whether or not it publishes again), or of any
 * job of this machine's dead processes (`job` null: a worker starting).
 */
export async function removeDeadStagingIn(reportsDir: string, job: string | null): Promise<string[]> {
  const removed: string[] = [];
  for (const tenantDir of await readdir(reportsDir).catch(() => [] as string[])) {
    if (!tenantDir.startsWith('.')) removed.push(...(await removeDeadStaging(join(reportsDir, tenantDir, 'runs'), job, job !== null)));
  }
  return removed;
}

/**
 * A run already published under this idempotency key, every tenant of it (as many as manifest
 * `run_tenant_count` says; `run_tenants` names them in older manifests): what a recovered attempt finds when
 * its predecessor died after publishing (before or while emailing). Only that run's attempts write its key.
 * Null when any tenant of it is missing: the run is computed again (reserveRun keeps what is published).
 */
export async function findPublishedRun(
  reportsDir: string, job: string, asOf: Date, idempotencyKey: string,
): Promise<{ tenant: string; runId: string; dir: string; manifest: Manifest }[] | null> {
  const base = runIdFor(asOf);
  const found = new Map<string, { tenant: string; runId: string; dir: string; manifest: Manifest }>();
  let count: number | undefined;
  let tenants: string[] | undefined;
  for (const tenantDir of await readdir(reportsDir).catch(() => [] as string[])) {
    const runsDir = join(reportsDir, tenantDir, 'runs');
    for (const runId of (await readdir(runsDir).catch(() => [] as string[])).filter((r) => r === base || r.startsWith(`${base}-`))) {
      const manifest = await readManifest(join(runsDir, runId));
      if (manifest?.idempotency_key !== idempotencyKey || manifest.job !== job) continue;
      if (manifest.run_tenant_count !== undefined) count = manifest.run_tenant_count;
      else if (manifest.run_tenants) tenants = manifest.run_tenants;
      else continue;
      found.set(manifest.tenant, { tenant: manifest.tenant, runId, dir: join(runsDir, runId), manifest });
    }
  }
  if (tenants) return tenants.every((t) => found.has(t)) ? tenants.map((t) => found.get(t)!) : null;
  // The tenants in the order the run publishes them (sorted, runTenantIds).
  if (count === undefined || found.size !== count) return null;
  return [...found.values()].sort((a, b) => (a.tenant < b.tenant ? -1 : a.tenant > b.tenant ? 1 : 0));
}

/** How to choose another reports directory when where its path came from is not known. */
export const ANY_REPORTS_DIR = 'give another --out (or "reports_dir" in the job file)';

export async function reserveRun(
  reportsDir: string, tenant: string, asOf: Date, idempotencyKey: string | null,
  /** The job writing (staging cleanup); `locked`: the worker holds its run lock. */
  owner?: { job: string; locked: boolean },
  /** How to choose another reports directory, said when the runs folder cannot be made (pipeline.ts anotherReportsDir). */
  another = ANY_REPORTS_DIR,
): Promise<RunSlot> {
  const tenantDir = tenantDirOf(reportsDir, tenant);
  const runsDir = join(tenantDir, 'runs');
  await refuseLinkOut(reportsDir, [tenantDir, runsDir, join(tenantDir, 'notify')], another);
  try {
    await makeDirs(runsDir);
    // A symbolic link to a folder that does not exist passes for made: the staging directory inside it
    // failed as an internal error.
    if (!(await stat(runsDir)).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
  } catch (e) {
    // What is in the way, and what to change (a bare "ENOTDIR" said neither).
    const err = e as NodeJS.ErrnoException;
    const fix = `or ${another}`;
    const why = isNotAFolder(err.code)
      ? `${err.code}: ${NOT_A_FOLDER.why}): ${NOT_A_FOLDER.fix}, ${fix}`
      : err.code === 'ENOENT'
        ? 'ENOENT: a part of that path is a symbolic link to a folder that does not exist): make that folder, remove the link, ' + fix
        : err.code === 'EACCES' || err.code === 'EPERM' || err.code === 'EROFS'
          ? `${err.code}): make it writable, ${fix}`
          : `${err.code ?? err.message}): make it a folder ltv can write to, ${fix}`;
    throw new AppError('PUBLISH', `cannot create ${runsDir} (${why}`, { cause: e });
  }
  if (owner) await removeDeadStaging(runsDir, owner.job, owner.locked);
  await checkLatestLink(tenantDir);
  const base = runIdFor(asOf);
  // A repeat number is never taken again: after retention removed `<base>` but kept `<base>-3`, a new run
  // as `<base>` ranked below `-3` (the newest by as-of, then by repeat number), and the next publish removed
  // the newer report and kept the older one.
  const highest = await highestRepeat(runsDir, base);
  for (let n = 1; ; n++) {
    const runId = n === 1 ? base : `${base}-${n}`;
    const finalDir = join(runsDir, runId);
    const existing = await readManifest(finalDir);
    const exists = existing !== null || (await pathExists(finalDir));
    if (!exists && n <= highest) continue;
    if (!exists) {
      // The staging directory's name is the run-id's claim: creating it is atomic, so two runs reserving
      // at the same time (two `ltv run`s of one job, two jobs publishing one tenant) never stage the same
      // run-id; the second takes the next one. Two runs each with a random name both renamed onto one
      // run-id, and the second failed at the very end with ENOTEMPTY. A directory left by an attempt not
      // known to be dead (another machine's, or one without an owner file) keeps its run-id taken.
      const stagingDir = join(runsDir, `.staging-${runId}`);
      try {
        await mkdir(stagingDir);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') continue;
        // The folder to fix is runs/: the staging directory named in the raw error was never made.
        if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
          throw new AppError('PUBLISH', `cannot write ${runsDir} (${code}); nothing was published: make it writable, or ${another}`, { cause: e });
        }
        throw e;
      }
      // Published between the look above and the claim (its staging directory renamed away): look again.
      if (await pathExists(finalDir)) {
        await rm(stagingDir, { recursive: true, force: true });
        n--;
        continue;
      }
      LIVE_STAGING.add(stagingDir);
      if (owner) {
        const record: StagingOwner = { job: owner.job, host: hostname(), pid: process.pid, locked: owner.locked };
        // Whole or absent (renamed into place): an attempt killed while writing it leaves no half-written
        // owner file, and a cleanup or a test that sees the file can read it.
        await writeAtomically(join(stagingDir, '.owner'), JSON.stringify(record), { sync: false }).catch(async (e: unknown) => {
          // A full disk: the directory would stay behind without an owner file, which no cleanup trusts.
          LIVE_STAGING.delete(stagingDir);
          await rm(stagingDir, { recursive: true, force: true });
          throw e;
        });
      }
      // A run-id taken anew was published before only if that run was removed since (retention, or by
      // hand): its email record (notify/<run-id>.json, src/notify/deliverOnce.ts) is of that removed run,
      // and left there it made this one's email "already sent" (a backfill of a slot older than retention).
      await rm(join(tenantDir, 'notify', `${runId}.json`), { force: true });
      return { tenantDir, runId, stagingDir, finalDir, alreadyPublished: false };
    }
    // A retried run (same key) publishes under the same run-id: the published one is the same run.
    if (idempotencyKey !== null && existing?.idempotency_key === idempotencyKey) {
      return { tenantDir, runId, stagingDir: finalDir, finalDir, alreadyPublished: true };
    }
  }
}

/**
 * Nothing is written outside the reports directory: a tenant's folder, its `runs/` or its `notify/` that is
 * a symbolic link leading out of it (planted, or left by an old layout) is refused before the run is written,
 * naming the link and where it leads; so are `.failed/` and `notify/` again when they are written (a link
 * planted while the run computed). A link inside the reports directory, and a reports directory that is
 * itself a link (a mounted volume), are fine: both sides are compared as real paths.
 */
export async function refuseLinkOut(reportsDir: string, paths: readonly string[], another = ANY_REPORTS_DIR): Promise<void> {
  // A path that does not resolve (missing, a dangling link, not a folder) is left to makeDirs to make or to
  // refuse with its own message: nothing can lead out through it.
  const root = await realpathOrNull(reportsDir);
  if (root === null) return;
  for (const path of paths) {
    const real = await realpathOrNull(path);
    if (real === null || real === root || real.startsWith(root.endsWith(sep) ? root : root + sep)) continue;
    throw new AppError('PUBLISH',
      `${path} leads out of the reports directory ${reportsDir} (a symbolic link to ${real}): ltv writes only inside it; replace the link with a folder, or ${another}`);
  }
}

function realpathOrNull(path: string): Promise<string | null> {
  return realpath(path).catch(() => null);
}

/** The highest repeat number (1 for `<base>` itself) of a run or staging directory of `base` in runsDir; 0 if none. */
async function highestRepeat(runsDir: string, base: string): Promise<number> {
  let highest = 0;
  for (const name of await readdir(runsDir).catch(() => [] as string[])) {
    const id = name.startsWith('.staging-') ? name.slice('.staging-'.length) : name;
    if (id === base) highest = Math.max(highest, 1);
    else if (id.startsWith(`${base}-`) && /^\d+$/.test(id.slice(base.length + 1))) highest = Math.max(highest, Number(id.slice(base.length + 1)));
  }
  return highest;
}

/**
 * `latest` must be the symlink ltv replaces atomically (or absent). A directory or file in its place (a
 * copy made with `cp -rL` or `rsync -L`) cannot be replaced by a rename: refused before the run is written,
 * naming it, instead of failing at the last step with EISDIR and leaving the run half-published.
 */
async function checkLatestLink(tenantDir: string): Promise<void> {
  const latest = join(tenantDir, 'latest');
  const st = await lstat(latest).catch(() => null);
  if (st && !st.isSymbolicLink()) {
    throw new AppError('PUBLISH',
      `${latest} is ${st.isDirectory() ? 'a directory' : 'a file'}, not the symlink ltv keeps pointing at the last run (copied with cp -rL or rsync -L?): move it away, and the next run makes the link again`);
  }
}

function pathExists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

async function readManifest(dir: string): Promise<Manifest | null> {
  try {
    return JSON.parse(await readFile(join(dir, RUN_FILES.manifest), 'utf8')) as Manifest;
  } catch {
    return null;
  }
}

/**
 * Waits for the writes still going on in the background (pendingWrites.ts), checksums every file (a file
 * identical to the previous run's becomes a hard link to it), writes manifest.json last, fsyncs, renames
 * into place and switches `latest`.
 */
export async function commitRun(
  slot: RunSlot,
  manifest: Omit<Manifest, 'files'>,
  retention: number,
  /** The run's cancel: ends a wait for the tenant's publish lock (nothing is renamed before it is taken). */
  signal?: AbortSignal,
): Promise<{ latest: string; cleanup: string[] }> {
  await sealRun(slot, manifest);
  return switchRun(slot, manifest, retention, signal);
}

/**
 * The first half of commitRun: the staging directory made whole (checksums, manifest, fsyncs), nothing a
 * reader sees. A run stopped after it is abandoned as cleanly as before it, so a run of several tenants
 * seals them all before switching any (pipeline.ts: a signal then stops it, not half published).
 */
export async function sealRun(slot: RunSlot, manifest: Omit<Manifest, 'files'>): Promise<void> {
  if (!slot.alreadyPublished) {
    await settlePendingWrites(slot.stagingDir);
    const files: Record<string, ManifestFile> = {};
    const previous = await previousRun(slot.tenantDir);
    // The owner file stays until after the rename below: a worker killed while this checksums, fsyncs and
    // writes the manifest (seconds for a large run), or in the instant before the rename, leaves a staging
    // directory a recovered attempt knows to be dead and removes, and the recovered run takes the same
    // run-id. Removed first, it left an ownerless directory no cleanup trusts for a day, and the recovered
    // run published as <run-id>-2. Killed after the rename, the published run keeps a `.owner` (listed in no
    // manifest) until the next publish of the tenant removes it (applyRetention).
    const ownerFile = join(slot.stagingDir, '.owner');
    // Identical snapshots are hard links to one file (writeSnapshots.ts): read and fsync each inode once.
    const entries = await Promise.all((await listFiles(slot.stagingDir)).filter((path) => path !== ownerFile).map(async (path) => ({
      path, rel: relative(slot.stagingDir, path).split('\\').join('/'), ino: (await stat(path)).ino,
    })));
    const firstOfInode = new Map<number, string>();
    for (const e of entries) if (!firstOfInode.has(e.ino)) firstOfInode.set(e.ino, e.rel);
    const byInode = new Map<number, { file: ManifestFile; reused: SameFile | null }>();
    // A few files at a time: a run has about a hundred, and one fsync after another waited on the disk
    // for each (0.45 s of the example's publish stage on a busy machine).
    await eachLimited([...firstOfInode], PUBLISH_IO, async ([ino, rel]) => {
      const path = join(slot.stagingDir, ...rel.split('/'));
      const file = await checksum(path);
      const reused = previous ? await sameFileIn(previous, rel, file) : null;
      if (!reused) await fsyncPath(path);
      byInode.set(ino, { file, reused });
    });
    for (const { path, rel, ino } of entries) {
      const { file, reused } = byInode.get(ino)!;
      files[rel] = file;
      if (reused) await linkOver(reused, path);
    }
    const full: Manifest = { ...manifest, files };
    const manifestPath = join(slot.stagingDir, RUN_FILES.manifest);
    await writeFile(manifestPath, `${JSON.stringify(full, null, 2)}\n`);
    await fsyncPath(manifestPath);
    for (const dir of await listDirs(slot.stagingDir)) await fsyncPath(dir);
    await fsyncPath(slot.stagingDir);
  }
}

/** The second half of commitRun, once sealRun is done: the rename into runs/ and the switch of `latest`. */
export function switchRun(
  slot: RunSlot,
  manifest: Pick<Manifest, 'tenant' | 'as_of'>,
  retention: number,
  /** Ends a wait for the tenant's publish lock (nothing is renamed before it is taken). */
  signal?: AbortSignal,
): Promise<{ latest: string; cleanup: string[] }> {
  // The rename into runs/, the switch of `latest` and retention, one publish of the tenant at a time
  // (processes included): unlocked, a run of an older as-of could read `latest` before a newer run
  // switched it and then switch it back in time, or to a run the newer run's retention had just removed
  // (a dangling `latest`), and a run renamed into runs/ could be removed by another's retention before
  // its own switch.
  return withFileLock(join(slot.tenantDir, '.publish'), async () => {
    if (!slot.alreadyPublished) {
      await rename(slot.stagingDir, slot.finalDir).catch((e: NodeJS.ErrnoException) => {
        // Only a writer that does not claim run-ids as reserveRun does (an older ltv) gets here.
        if (e.code === 'ENOTEMPTY' || e.code === 'EEXIST') {
          throw new AppError('PUBLISH', `${slot.finalDir} was published by another run while this one was written: run it again (it takes the next run-id)`);
        }
        throw e;
      });
      LIVE_STAGING.delete(slot.stagingDir);
      await rm(join(slot.finalDir, '.owner'), { force: true });
      await fsyncPath(join(slot.tenantDir, 'runs'));
    }
    const { latest, cleanup } = await afterRename(slot.tenantDir, slot.runId, manifest, retention);
    return { latest, cleanup };
  }, undefined, signal);
}

/**
 * What a publish does once its run is in runs/, under the tenant's publish lock: `latest` switched to it
 * (switchLatest's rule), retention, the leftovers' cleanup. `switched`: latest pointed elsewhere before.
 */
async function afterRename(
  tenantDir: string, runId: string, manifest: Pick<Manifest, 'tenant' | 'as_of'>, retention: number,
): Promise<{ latest: string; switched: boolean; cleanup: string[] }> {
  const before = await readlink(join(tenantDir, 'latest')).catch(() => null);
  const newer = await switchLatest(tenantDir, runId, manifest.as_of);
  // A directory of the old 32-bit name (tenantDirOf) may hold another id's leftover runs (the old
  // collision): its retention counts and removes this tenant's own runs only.
  const shared = basename(tenantDir) !== tenantDirName(manifest.tenant);
  // The run is published: what retention and the leftovers' cleanup cannot remove is the caller's warning,
  // never the run's failure (an older run chmod 000 failed a published run with "nothing was published").
  const cleanup = await applyRetention(tenantDir, retention, runId, shared ? manifest.tenant : undefined)
    .catch((e: unknown) => [`retention of ${join(tenantDir, 'runs')} failed (${(e as Error).message}): let the user running ltv read and write it`]);
  return { latest: newer ?? runId, switched: newer === null && before !== join('runs', runId), cleanup };
}

/**
 * The end of the publish of a run found in runs/ by a recovered attempt (findPublishedRun): its predecessor
 * may have been killed after the rename into runs/ and before switching `latest`, and then nothing else
 * switched it (`latest` stayed at the older run until some later run published). Done again as commitRun
 * does it, under the same lock and rule: `latest` is never moved back past a later run published meanwhile.
 */
export function finishPublishedRun(
  published: { dir: string; runId: string; manifest: Pick<Manifest, 'tenant' | 'as_of'> }, retention: number, signal?: AbortSignal,
): Promise<{ latest: string; switched: boolean; cleanup: string[] }> {
  const tenantDir = dirname(dirname(published.dir));
  return withFileLock(join(tenantDir, '.publish'), () => afterRename(tenantDir, published.runId, published.manifest, retention), undefined, signal);
}

/** Files checksummed and fsynced at the same time when a run is published. */
const PUBLISH_IO = 8;

/** Tenants' runs committed at the same time when a run of several tenants is published (commitRun). */
export const PUBLISH_TENANTS = 4;

/** The run `latest` points to, with its manifest; null when there is none (the tenant's first run). */
async function previousRun(tenantDir: string): Promise<{ dir: string; manifest: Manifest } | null> {
  const target = await readlink(join(tenantDir, 'latest')).catch(() => null);
  // Only a run of this tenant, as ltv writes the link (`runs/<run-id>`): a link an operator or an attacker
  // pointed elsewhere (`../../outside`) made the new run's files hard links into that directory, so editing
  // it changed a published run (and nothing outside the reports directory is read, SPEC §6).
  if (target === null || !target.startsWith('runs/') || !RUN_DIR.test(target.slice('runs/'.length))) return null;
  const dir = join(tenantDir, target);
  // The run's own folder, not a link to one elsewhere (sameFileIn shares only what is inside it).
  if (!(await lstat(dir).catch(() => null))?.isDirectory()) return null;
  const manifest = await readManifest(dir);
  return manifest ? { dir, manifest } : null;
}

/** A file of the previous run that holds a new file's bytes: its path and its inode. */
interface SameFile {
  path: string;
  ino: number;
}

/**
 * The previous run's file at `rel` when it holds the same bytes (by its manifest, then by its own
 * checksum: a run is never changed after publishing, but a file the manifest vouches for is read before
 * it is shared). A run over unchanged data then costs only the files that really changed (timestamps:
 * ltv.json, the workbook, report.html); 30 kept runs share the rest.
 * Only a regular file inside the run: one that is (or lies in a folder that is) a symbolic link, as a dedup
 * tool (`rdfind -makesymlinks`) leaves, was read through the link and the link itself hard-linked, so the
 * new run published a link out of the reports directory (served as 404), or its file was a hard link to a
 * copy elsewhere that an edit there changed.
 */
async function sameFileIn(previous: { dir: string; manifest: Manifest }, rel: string, file: ManifestFile): Promise<SameFile | null> {
  const listed = previous.manifest.files[rel];
  if (!listed || listed.sha256 !== file.sha256 || listed.bytes !== file.bytes) return null;
  const path = join(previous.dir, ...rel.split('/'));
  const runDir = await realpathOrNull(previous.dir);
  if (runDir === null || (await realpathOrNull(path)) !== join(runDir, ...rel.split('/'))) return null;
  const fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => null);
  if (!fh) return null;
  try {
    const st = await fh.stat();
    if (!st.isFile()) return null;
    const actual = await checksum(fh).catch(() => null);
    return actual?.sha256 === file.sha256 && actual.bytes === file.bytes ? { path, ino: st.ino } : null;
  } finally {
    await fh.close();
  }
}

/** Replaces `path` by a hard link to `same` (a new name renamed over it) when the link is to the very file
 *  checked (not one put in its place since); keeps `path` when the file system refuses links (EXDEV, EPERM,
 *  EMLINK): sharing is a saving, never a condition of publishing. */
async function linkOver(same: SameFile, path: string): Promise<void> {
  const tmp = `${path}.${randomBytes(4).toString('hex')}.link`;
  try {
    await link(same.path, tmp);
    const st = await lstat(tmp);
    if (!st.isFile() || st.ino !== same.ino) throw new Error('replaced since it was checked');
    await rename(tmp, path);
  } catch {
    await rm(tmp, { force: true });
  }
}

export async function abandonRun(slot: RunSlot): Promise<void> {
  // A background write would otherwise recreate files in the removed directory.
  await settlePendingWrites(slot.stagingDir).catch(() => undefined);
  if (!slot.alreadyPublished) await rm(slot.stagingDir, { recursive: true, force: true });
  LIVE_STAGING.delete(slot.stagingDir);
}

/**
 * Points `latest` at the run (of as-of `asOf`, its manifest's), unless it points at a run of a later as-of
 * time already (a backfill, or a retried older slot finishing after a newer one: the served report must not
 * go back in time). Returns the run-id latest keeps pointing at instead, or null when it points at this run.
 */
async function switchLatest(tenantDir: string, runId: string, asOf: string): Promise<string | null> {
  const target = join('runs', runId);
  const latest = join(tenantDir, 'latest');
  const current = await readlink(latest).catch(() => null);
  if (current === target) return null;
  // Newer is by as-of, then by repeat number (newestRunFirst): of two runs of one as-of published at once, the
  // one that took the later run-id keeps latest whichever renames last (it compared the as-of alone, and the
  // -2 of a run that had read the export before the -3's moved latest back from -3). The as-of is the
  // manifests', to the millisecond: a run-id keeps whole seconds, so a run at .000 after one at .500 took the
  // -2 and moved latest back. A run without a readable as-of (its manifest gone) is compared by run-id.
  const currentId = current?.startsWith('runs/') ? current.slice('runs/'.length) : null;
  if (currentId && RUN_DIR.test(currentId) && (await stat(join(tenantDir, current!)).then(() => true, () => false))) {
    const currentMs = Date.parse((await readManifest(join(tenantDir, current!)))?.as_of ?? '');
    const byAsOf = Number.isNaN(currentMs) || Number.isNaN(Date.parse(asOf)) ? 0 : Date.parse(asOf) - currentMs;
    if (byAsOf < 0 || (byAsOf === 0 && newestRunFirst(currentId, runId) < 0)) return currentId;
  }
  const tmp = join(tenantDir, `.latest-${randomBytes(4).toString('hex')}`);
  await symlink(target, tmp);
  await rename(tmp, latest);
  await fsyncPath(tenantDir);
  return null;
}

/**
 * Keeps the `retention` newest runs (by run-id, i.e. as-of time), always the one `latest` points to, and
 * the run just published (a backfill older than the kept ones stays until the next run's retention). With
 * `tenant`, only runs whose manifest names it (or names none) count or go: another id's, in a directory of
 * the old name, are neither. Returns what it could not remove (cannotRemove), having gone on past it.
 */
async function applyRetention(tenantDir: string, retention: number, published: string, tenant?: string): Promise<string[]> {
  const problems: string[] = [];
  const remove = (path: string, recursive = false): Promise<void> =>
    rm(path, { recursive, force: true }).catch((e: unknown) => void problems.push(cannotRemove(path, e)));
  const runsDir = join(tenantDir, 'runs');
  const current = await readlink(join(tenantDir, 'latest')).catch(() => null);
  const entries = await readdir(runsDir, { withFileTypes: true });
  // Only run directories count and go: a folder or file an operator put there (`2019-archive`, notes) is
  // theirs; it neither takes a kept run's place nor is removed.
  let runs = entries.filter((e) => e.isDirectory() && RUN_DIR.test(e.name)).map((e) => e.name).sort(newestRunFirst);
  if (tenant !== undefined) {
    const owners = await Promise.all(runs.map((r) => readFile(join(runsDir, r, RUN_FILES.manifest), 'utf8').then((t) => (JSON.parse(t) as Partial<Manifest>).tenant, () => undefined)));
    runs = runs.filter((_, k) => owners[k] === undefined || owners[k] === tenant);
  }
  // A run goes by a rename out of the runs' names first, then its removal: killed while removing it in
  // place, a process left a run without some of its files, still listed (and its downloads 404) until the
  // tenant's next publish. `.removing-*` left by a kill is removed here next time.
  for (const old of runs.slice(retention)) {
    if (current === join('runs', old) || old === published) continue;
    const going = join(runsDir, `.removing-${old}-${randomBytes(4).toString('hex')}`);
    const renamed = await rename(join(runsDir, old), going).then(() => true, (e: unknown) => void problems.push(cannotRemove(join(runsDir, old), e)));
    if (renamed) await remove(going, true);
  }
  for (const e of entries.filter((x) => x.name.startsWith('.removing-'))) await remove(join(runsDir, e.name), true);
  await pruneNotifyRecords(tenantDir, remove);
  // Staging directories older than a day are leftovers of killed runs.
  for (const e of entries.filter((x) => x.name.startsWith('.staging-'))) {
    const st = await stat(join(runsDir, e.name)).catch(() => null);
    if (st && Date.now() - st.mtimeMs > 86_400_000) await remove(join(runsDir, e.name), true);
  }
  // What a publish killed in its last steps left: the owner file of a run killed just after its rename
  // (commitRun), and the new `latest` link of one killed before renaming it over `latest` (switchLatest).
  // A link younger than a minute may be another publish's of this tenant, between its two steps.
  for (const e of entries.filter((x) => x.isDirectory() && RUN_DIR.test(x.name))) await remove(join(runsDir, e.name, '.owner'));
  for (const name of (await readdir(tenantDir).catch(() => [] as string[])).filter((n) => n.startsWith('.latest-'))) {
    const st = await lstat(join(tenantDir, name)).catch(() => null);
    if (st?.isSymbolicLink() && Date.now() - st.mtimeMs > 60_000) await remove(join(tenantDir, name));
  }
  return problems;
}

/** What to do about a file or folder retention or a cleanup could not remove, in one clause naming it. */
function cannotRemove(path: string, e: unknown): string {
  const raw = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
  // Node's rm says ERR_FS_EISDIR for a folder where a file was expected (a `.owner` made a folder).
  const code = raw === 'ERR_FS_EISDIR' ? 'EISDIR' : raw;
  const fix = code === 'EACCES' || code === 'EPERM' ? 'let the user running ltv write to it and its folder, or remove it by hand'
    : code === 'EROFS' ? 'its file system is mounted read-only: remove it where it is writable' : 'remove it by hand';
  return `cannot remove ${path} (${code}): ${fix}`;
}

/**
 * A removed run's email record goes with it (`notify/<run-id>.json`, and the `.eml` of a dry run): with
 * retention 3, notify/ held one record per run ever published. A record exists so that a run's email is sent
 * once (src/notify/deliverOnce.ts); only the run it names reads it, and a run-id taken again drops it anyway
 * (reserveRun). So a record stays while its run does, or while a run of that id is being staged; one whose run
 * is gone (retention, by hand, a kill between the two) is removed. Called under the tenant's publish lock.
 */
async function pruneNotifyRecords(tenantDir: string, remove: (path: string) => Promise<void>): Promise<void> {
  const notifyDir = join(tenantDir, 'notify');
  const runsDir = join(tenantDir, 'runs');
  // A notify folder linked out of the reports directory (planted after the run's start checked it) is not
  // pruned: ltv removes nothing outside it (refuseLinkOut).
  if (await refuseLinkOut(join(tenantDir, '..'), [notifyDir]).then(() => false, () => true)) return;
  for (const name of await readdir(notifyDir).catch(() => [] as string[])) {
    const m = /^(.+)\.(json|eml)$/.exec(name);
    if (!m || !RUN_DIR.test(m[1]!)) continue;
    const id = m[1]!;
    if ((await pathExists(join(runsDir, id))) || (await pathExists(join(runsDir, `.staging-${id}`)))) continue;
    await remove(join(notifyDir, name));
  }
}

/** A published run's directory name: runIdFor's as-of (milliseconds in runs of older versions), `-2`, `-3` … when repeated. */
export const RUN_DIR = /^\d{8}T\d{6}(\.\d{3})?Z(-[1-9]\d*)?$/;

/** Newest first: by as-of, then by repeat number (`-10` is newer than `-9`, which a string sort inverts). */
export function newestRunFirst(a: string, b: string): number {
  const [aBase = '', aRepeat] = a.split('-');
  const [bBase = '', bRepeat] = b.split('-');
  if (aBase !== bBase) return aBase < bBase ? 1 : -1;
  return Number(bRepeat ?? 1) - Number(aRepeat ?? 1);
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p)));
    else if (e.isFile()) out.push(p);
  }
  return out.sort();
}

async function listDirs(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.isDirectory()) {
      const p = join(dir, e.name);
      out.push(...(await listDirs(p)), p);
    }
  }
  return out;
}

function checksum(source: string | FileHandle): Promise<ManifestFile> {
  return new Promise((resolvePromise, reject) => {
    const hash = createHash('sha256');
    let bytes = 0;
    (typeof source === 'string' ? createReadStream(source) : source.createReadStream({ autoClose: false }))
      .on('data', (c: Buffer | string) => {
        const b = typeof c === 'string' ? Buffer.from(c) : c;
        bytes += b.length;
        hash.update(b);
      })
      .on('error', reject)
      .on('end', () => resolvePromise({ bytes, sha256: hash.digest('hex') }));
  });
}

export async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
