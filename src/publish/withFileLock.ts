// A read-modify-write of one small file by several processes at once (`ltv keys add` run by two
// operators, or by a provisioning script in parallel): without it, both read the same file and the second
// rename drops the first one's change, though both said they succeeded. The lock is `<file>.lock`, created
// exclusively (O_EXCL) and holding its owner's host and pid; a lock whose process is gone (this machine),
// or that is older than STALE_MS (any machine), is taken over. Its owner touches it every REFRESH_MS while
// it holds it, so a lock ages only once its owner is gone, wherever that ran (several worker containers
// share one reports volume, each its own hostname): a publish that takes longer (retention removing large
// runs) is never taken over, and a killed owner's lock is free STALE_MS after its last touch. A waiter
// waits longer than that (WAIT_MS), so it always outlives a dead owner's lock; a lock still held then is a
// transient failure that a worker retries (SPEC §7 "a locked file").
import { hostname } from 'node:os';
import { lstat, open, readFile, rm, utimes } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '../config/AppError.js';
import { pidAlive } from '../warehouse/removeStaleScratch.js';
import { isDiskFull } from './isDiskFull.js';

/** A lock untouched this long is a leftover whatever its owner says: its owner touches it every REFRESH_MS. */
export const STALE_MS = 30_000;
const REFRESH_MS = 5_000;
/** How long a writer waits for the lock before giving up with one line: longer than a dead owner's lock lasts. */
export const WAIT_MS = STALE_MS + 10_000;

/** The lock's times: these in use; a test gives the same ratios ten times shorter (real files, real time). */
export interface LockTiming {
  staleMs: number;
  refreshMs: number;
  waitMs: number;
}
export const LOCK_TIMING: LockTiming = { staleMs: STALE_MS, refreshMs: REFRESH_MS, waitMs: WAIT_MS };

/**
 * `fn` run while holding `<file>.lock`. `signal`: the run's cancel (Ctrl-C, a worker shutting down), which ends
 * the wait for a lock another process holds; once taken, `fn` is not cut short.
 */
export async function withFileLock<T>(file: string, fn: () => Promise<T>, timing: LockTiming = LOCK_TIMING, signal?: AbortSignal): Promise<T> {
  const lock = `${file}.lock`;
  const deadline = Date.now() + timing.waitMs;
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    const fh = await open(lock, 'wx', 0o600).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'EEXIST') return null;
      throw lockError(lock, e);
    });
    if (fh) {
      try {
        await fh.writeFile(JSON.stringify({ host: hostname(), pid: process.pid }));
        await fh.close();
      } catch (e) {
        // Created but not filled (a full disk): left there, the empty lock made every later writer wait
        // STALE_MS for it, and give up after WAIT_MS ("locked by another process").
        await fh.close().catch(() => undefined);
        await rm(lock, { force: true });
        throw lockError(lock, e as NodeJS.ErrnoException);
      }
      const touch = setInterval(() => {
        const now = new Date();
        utimes(lock, now, now).catch(() => undefined);
      }, timing.refreshMs);
      touch.unref();
      try {
        return await fn();
      } finally {
        clearInterval(touch);
        await rm(lock, { force: true });
      }
    }
    // Gone since the open (its owner let it go) or stale: taken at once. Either ends in the lock taken or
    // a live owner seen, so neither spins; whatever else is in the way throws (readOwner).
    const owner = await readOwner(lock, timing.staleMs);
    if (owner === 'gone') continue;
    if (owner.stale) {
      // Only the lock judged stale: another waiter may have taken it over meanwhile.
      if ((await lstat(lock).catch(() => null))?.ino === owner.ino) {
        await rm(lock, { force: true }).catch((e: NodeJS.ErrnoException) => {
          throw new AppError('CONFIG', `${lock}: cannot remove this lock left by a process that is gone (${e.code ?? e.message}): let the user running ltv write to its folder, or remove it by hand`, { cause: e });
        });
      }
      continue;
    }
    if (Date.now() > deadline) {
      throw new AppError('TRANSIENT', `${file} is locked by ${owner.text} for more than ${timing.waitMs / 1000} s; try again, or remove ${lock} if that process is not running`, { retryable: true });
    }
    const cancelled = (): AppError => new AppError('TRANSIENT', `cancelled while waiting for ${lock} (held by ${owner.text})`, { retryable: true });
    await sleep(delay, undefined, signal ? { signal } : {}).catch(() => {
      throw cancelled();
    });
  }
}

/**
 * The lock's owner, or 'gone' when it no longer exists (ENOENT only). A lock path that is not a regular file
 * (a folder made by hand, a link) or that cannot be read is no lock a wait ever frees: taken for "gone", it
 * was tried again at once, forever, at full CPU (a publish stuck at "publishing", `ltv keys add` never
 * returning). One line naming it and what to do.
 */
async function readOwner(lock: string, staleMs: number): Promise<'gone' | { stale: boolean; text: string; ino: number }> {
  // lstat: a symbolic link leading nowhere is "gone" to stat and readFile, and O_EXCL never creates through it.
  const st = await lstat(lock).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return null;
    throw unreadableLock(lock, e);
  });
  if (st === null) return 'gone';
  if (!st.isFile()) {
    throw new AppError('CONFIG', st.isDirectory()
      ? `${lock} is a folder, not a lock file of ltv: remove it (rmdir ${lock}), then try again`
      : `${lock} is ${st.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}, not a lock file of ltv: remove it, then try again`);
  }
  const text = await readFile(lock, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return null;
    throw unreadableLock(lock, e);
  });
  if (text === null) return 'gone';
  let owner: { host?: unknown; pid?: unknown } = {};
  try {
    owner = JSON.parse(text) as typeof owner;
  } catch {
    // Being written this instant (created, not yet filled), or a leftover: the age decides.
  }
  const here = owner.host === hostname() && typeof owner.pid === 'number';
  const stale = Date.now() - st.mtimeMs > staleMs || (here && !pidAlive(owner.pid as number));
  return { stale, ino: st.ino, text: typeof owner.pid === 'number' ? `process ${owner.pid} on ${String(owner.host)}` : 'another process' };
}

function unreadableLock(lock: string, e: NodeJS.ErrnoException): AppError {
  const code = e.code ?? e.message;
  const fix = code === 'EACCES' || code === 'EPERM' ? 'let the user running ltv read and write it, or remove it if no ltv is running' : 'remove it if no ltv is running';
  return new AppError('CONFIG', `${lock}: cannot read the lock file (${code}): ${fix}`, { cause: e });
}

/** A lock that cannot be made: a full disk is worth retrying later (the worker does), anything else is the folder's. */
function lockError(lock: string, e: NodeJS.ErrnoException): AppError {
  const code = e.code ?? e.message;
  if (isDiskFull(e)) {
    return new AppError('TRANSIENT', `${lock}: no space left on the disk for the lock file (${code}); nothing was changed: free some space and try again`, { cause: e, retryable: true });
  }
  return new AppError('CONFIG', `${lock}: cannot create the lock file (${code}): give a writable folder`, { cause: e });
}
