// Read-only access to published runs (SPEC §5 layout). Every request resolves the tenant's `latest`
// link again, so a run switched in by rename is served from the next request on; everything read is
// then taken from that one resolved run directory, so no request ever mixes two runs.
import { createHash } from 'node:crypto';
import { lstatSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Logger } from 'pino';
import type { Manifest } from '../ltv/runFiles.js';
import { manifestIdentity, RUN_FILES, SNAPSHOT_GZIP_SUFFIX, type RunRef } from '../ltv/runFiles.js';
import { tenantDirOf } from '../publish/publishRun.js';
import { AnswerCache, type RunAnswers } from './AnswerCache.js';
import { isValidTenantId } from '../config/tenantId.js';
import { absentOrUnreadable, UnreadablePath } from '../config/UnreadablePath.js';

export interface SnapshotFile {
  /** The body; absent when the run stores it gzipped only (`<name>.json.gz`, SPEC §5). */
  bytes?: Buffer;
  /** Strong ETag: the sha256 of the stored file (the manifest's when listed). */
  etag: string;
  /** The stored `.gz` file, or made on the first gzip request from `bytes` (older runs), then reused. */
  gzipped?: Buffer;
  /** Derived renderings (e.g. csv) of the same bytes, cached with them. */
  derived: Map<string, Buffer>;
}

export interface ResolvedRun extends RunRef {
  tenant: string;
  /** realpath of runs/<run-id>. */
  dir: string;
  manifest: Manifest;
  files: Map<string, SnapshotFile>;
  /** Results computed from this run (immutable once published), keyed by request: in the server's one budget. */
  computed: RunAnswers;
}

export class RunStore {
  private readonly root: string;
  /** One entry per tenant: the run its `latest` pointed at last time (and its directory's stamp), with its cached files. */
  private readonly current = new Map<string, { key: string; stamp: string; run: ResolvedRun }>();

  /** Manifests found unreadable, by path, with the identity of the bytes said so: each said once in the log. */
  private readonly unreadable = new Map<string, string>();

  constructor(reportsDir: string, readonly answers = new AnswerCache(), readonly logger?: Pick<Logger, 'warn'>) {
    // Resolved once: the reports directory itself may be a symlink (e.g. a mounted volume).
    this.root = realpathSync.native(reportsDir);
  }

  /**
   * A run resolved afresh from its manifest.json's bytes (`manifest`: readManifest's): nothing of it read
   * yet, its computed answers kept in the shared budget, its identity the manifest's sha256 (RunRef: what
   * the caches and ETags go by).
   */
  resolution(tenant: string, dir: string, manifest: Manifest, manifestText: Buffer): ResolvedRun {
    return { tenant, dir, identity: manifestIdentity(manifestText), manifest, files: new Map(), computed: this.answers.forRun() };
  }

  /**
   * The manifest.json at `path` (a real path inside its run), or null when it is gone or is no JSON object:
   * that run is not served (404, as a run without a manifest), said once in the log naming the file. One
   * that did not parse (`null`, empty, cut short) made every route reading it answer 500, the listing of
   * all the key's tenants and their intact runs too. One that is there but cannot be read (EACCES, EIO)
   * throws an UnreadablePath: a fault of the server's, not a run that does not exist.
   */
  readManifest(path: string): { manifest: Manifest; text: Buffer } | null {
    let text: Buffer | undefined;
    let why: string;
    try {
      text = readFileSync(path);
      const value: unknown = JSON.parse(text.toString('utf8'));
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        this.unreadable.delete(path);
        return { manifest: value as Manifest, text };
      }
      why = `is ${value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`}, not a JSON object`;
    } catch (e) {
      if (text === undefined) absentOrUnreadable(e, path);
      why = text === undefined ? `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` : `is not valid JSON (${(e as Error).message})`;
    }
    const seen = text === undefined ? '' : manifestIdentity(text);
    if (this.unreadable.get(path) !== seen) {
      if (this.unreadable.size >= 1024) this.unreadable.clear();
      this.unreadable.set(path, seen);
      this.logger?.warn({ manifest: path }, `${path} ${why}: its run is not served (404); restore the file from a backup, or publish the run again`);
    }
    return null;
  }

  get reportsDir(): string {
    return this.root;
  }

  /**
   * The tenant's latest run, or null when the tenant is unknown, has no run, or its link leads outside
   * the reports directory; an UnreadablePath when its directory, `latest` or run is there but cannot be
   * read (a 500: answered 404 "Website not found", a tenant with its data looked unknown). Synchronous on purpose: one metadata syscall on a local disk costs less than
   * hopping through libuv's thread pool on every request.
   */
  resolve(tenant: string): ResolvedRun | null {
    if (!isValidTenantId(tenant)) return null;
    // The directory the run published the tenant under (SPEC §5): the id itself only when it is a plain
    // file name, else a safe name plus a hash; never the raw id as a path.
    const link = join(tenantDirOf(this.root, tenant), 'latest');
    let linkStat: { ino: number; mtimeMs: number };
    try {
      // One lstat per request: publishing renames a new link over `latest`, which always changes its
      // inode, so an unchanged inode means the same run and the cached resolution still holds.
      linkStat = lstatSync(link);
    } catch (e) {
      absentOrUnreadable(e, link);
      return null;
    }
    const key = `${linkStat.ino}\0${linkStat.mtimeMs}`;
    const cached = this.current.get(tenant);
    // The link alone does not tell: `latest` still points at a run directory moved or deleted since (it
    // dangles then). One stat of the directory: a run no longer on disk is never answered from the cache.
    if (cached && cached.key === key && dirStamp(cached.run.dir) === cached.stamp) return cached.run;
    if (cached) this.current.delete(tenant);
    let dir: string;
    try {
      dir = realpathSync.native(link);
    } catch (e) {
      // ENOENT: `latest` dangles (its run moved or deleted).
      absentOrUnreadable(e, link);
      return null;
    }
    // Inside this tenant's own runs directory, not merely inside the reports directory: a tenant
    // directory or `latest` that is a symlink to another tenant's would serve that tenant's data.
    if (!this.isRunOf(tenant, dir)) return null;
    const stamp = dirStamp(dir);
    if (stamp === null) return null;
    const manifestAt = join(dir, RUN_FILES.manifest);
    let manifestPath: string;
    try {
      manifestPath = realpathSync.native(manifestAt);
    } catch (e) {
      absentOrUnreadable(e, manifestAt);
      return null;
    }
    if (!manifestPath.startsWith(dir + sep)) return null;
    const read = this.readManifest(manifestPath);
    // The run is this tenant's own: a directory another id's run was published in (two ids whose short
    // hashes collided under an earlier release shared one) is not served to this tenant's keys.
    if (read === null || read.manifest.tenant !== tenant) return null;
    const run = this.resolution(tenant, dir, read.manifest, read.text);
    this.current.set(tenant, { key, stamp, run });
    return run;
  }

  /**
   * Whether `dir` (a realpath) is a run directory of `tenant`: `<reports>/<tenant's directory>/runs/<run-id>`
   * exactly, with no symlink on the way (SPEC §5 layout). A run of another tenant reached through a
   * symlink (a tenant directory, `latest` or `runs/<id>` pointing at another tenant's) is not its run.
   */
  isRunOf(tenant: string, dir: string): boolean {
    const runs = join(tenantDirOf(this.root, tenant), 'runs') + sep;
    return dir.startsWith(runs) && !dir.slice(runs.length).includes(sep);
  }

  /**
   * A snapshot of the run by its path relative to the run directory (a closed list of names built by the
   * routes, never raw request text): `<rel>.gz` as stored since snapshots are compressed, else `<rel>`
   * as runs of earlier releases have it; null when neither is there. Files that are symlinks leading out
   * of the run directory are treated as absent.
   */
  file(run: ResolvedRun, rel: string, goneThrows = true): SnapshotFile | null {
    const hit = run.files.get(rel);
    if (hit) return hit;
    const gz = this.read(run, rel + SNAPSHOT_GZIP_SUFFIX, goneThrows);
    const plain = gz === undefined ? this.read(run, rel, goneThrows) : undefined;
    const found = gz ?? plain;
    if (found === undefined) return null;
    const f: SnapshotFile = { etag: `"${found.sha}"`, derived: new Map(), ...(gz ? { gzipped: gz.bytes } : { bytes: found.bytes }) };
    run.files.set(rel, f);
    return f;
  }

  /**
   * The bytes of a file of the run that is not a snapshot (ltv.json, data/forecast.json), checked as `read`
   * checks a snapshot: undefined when absent or outside the run, a throw when the manifest lists other bytes.
   */
  verified(run: Pick<ResolvedRun, 'dir' | 'manifest'>, rel: string): Buffer | undefined {
    return this.read(run, rel, false)?.bytes;
  }

  /**
   * A file inside the run, checked against the manifest's sha256 under its own name; undefined when absent
   * or outside, an UnreadablePath when it is there but cannot be read. A file the manifest does not list is refused like one that differs: a plain `<name>.json`
   * planted where a run lists only `<name>.json.gz` must not be served unverified.
   */
  private read(run: Pick<ResolvedRun, 'dir' | 'manifest'>, rel: string, goneThrows: boolean): { bytes: Buffer; sha: string } | undefined {
    const listed = run.manifest.files?.[rel.split(sep).join('/')]?.sha256;
    let real: string;
    try {
      real = realpathSync.native(join(run.dir, rel));
    } catch (e) {
      // A file the run's manifest lists is gone only when the run is being removed (below).
      if (goneThrows && listed !== undefined && (e as NodeJS.ErrnoException).code === 'ENOENT') throw new RunGone(run.dir);
      absentOrUnreadable(e, join(run.dir, rel));
      return undefined;
    }
    if (!real.startsWith(run.dir + sep)) return undefined;
    let bytes: Buffer;
    try {
      bytes = readFileSync(real);
    } catch (e) {
      // Removed between the path's check and its read: retention is removing the run `latest` pointed at a
      // moment ago (its publish switched `latest` first; a published run is otherwise never changed). The
      // caller resolves the tenant again (latestFile).
      if (goneThrows && (e as NodeJS.ErrnoException).code === 'ENOENT') throw new RunGone(run.dir);
      throw new UnreadablePath(real, e);
    }
    const sha = createHash('sha256').update(bytes).digest('hex');
    if (listed === undefined) throw new Error(`${join(run.dir, rel)}: not listed in the run's manifest`);
    if (listed !== sha) throw new Error(`${join(run.dir, rel)}: sha256 ${sha} differs from the manifest's ${listed}`);
    return { bytes, sha };
  }

  /**
   * The tenant's latest run and its snapshot `rel`, resolved once more when the run was removed while it was
   * read (a request between a publish's switch of `latest` and its retention: it answered 500 before).
   */
  latestFile(tenant: string, rel: string): { run: ResolvedRun; file: SnapshotFile | null } | null {
    for (let attempt = 0; ; attempt++) {
      const run = this.resolve(tenant);
      if (!run) return null;
      try {
        return { run, file: this.file(run, rel, attempt === 0) };
      } catch (e) {
        // Gone again from the run latest still points at (removed by hand, not by a publish): read as
        // before, a listed file missing (a plain file planted in its place is refused, unverified).
        if (!(e instanceof RunGone) || attempt > 0) throw e;
      }
    }
  }

  /**
   * `read` over `run`, a latest run the caller resolved; once more over the tenant's latest run when `read`
   * failed and `latest` has moved on meanwhile. Between the resolution and the read a publish may switch
   * `latest` and its retention remove `run` (a computed answer reads the run's Parquet and forecast files,
   * which then fail: 500, or 404 "Run not found" for a tenant that has a run). The client asked for the
   * latest run: the new one answers.
   */
  async onLatest<T>(run: ResolvedRun, read: (run: ResolvedRun) => Promise<T>): Promise<{ run: ResolvedRun; value: T }> {
    try {
      return { run, value: await read(run) };
    } catch (e) {
      const again = this.resolve(run.tenant);
      if (!again || again.dir === run.dir) throw e;
      return { run: again, value: await read(again) };
    }
  }

  static gzip(f: SnapshotFile): Buffer {
    f.gzipped ??= gzipSync(f.bytes ?? Buffer.alloc(0), { level: 6 });
    return f.gzipped;
  }

  /** The body itself, decompressed when stored gzipped (not kept: callers cache what they derive). */
  static body(f: SnapshotFile): Buffer {
    return f.bytes ?? gunzipSync(f.gzipped ?? Buffer.alloc(0));
  }
}

/**
 * A directory as it is now: its inode and change time (nanoseconds), or null when it is gone (an
 * UnreadablePath when it is there but cannot be stat'ed). A run removed
 * and published again under the same id (the same as-of re-run over corrected data: `latest` is left as it
 * was, pointing at the same name) is another directory, but the file system may give it the freed inode
 * again: the change time tells them apart (a published run is never changed after its publish).
 */
export function dirStamp(dir: string): string | null {
  try {
    const st = statSync(dir, { bigint: true });
    return `${st.ino}\0${st.ctimeNs}`;
  } catch (e) {
    absentOrUnreadable(e, dir);
    return null;
  }
}

/** A run directory removed while one of its files was read (retention after a publish). */
export class RunGone extends Error {
  constructor(dir: string) {
    super(`${dir}: the run was removed while it was read`);
  }
}
