// withFileLock (src/publish/withFileLock.ts) as several worker containers sharing one reports volume see it:
// each has its own hostname, so a lock of another host is judged by its age alone. Real files, real time.
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { AppError } from '../../src/config/AppError.js';
import { LOCK_TIMING, withFileLock, type LockTiming } from '../../src/publish/withFileLock.js';

// The lock's own times ten times shorter: the same ratios, seconds instead of a minute of waiting.
const T: LockTiming = { staleMs: LOCK_TIMING.staleMs / 10, refreshMs: LOCK_TIMING.refreshMs / 10, waitMs: LOCK_TIMING.waitMs / 10 };
const STALE_MS = T.staleMs;
const WAIT_MS = T.waitMs;
const lockWith = <R>(file: string, fn: () => Promise<R>, signal?: AbortSignal): Promise<R> => withFileLock(file, fn, T, signal);
const BIN = fileURLToPath(new URL('../../src/cli/bin.mjs', import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ltv-lock-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A lock left by a process of another host, last touched `ageMs` ago. */
async function foreignLock(file: string, ageMs: number): Promise<string> {
  const lock = `${file}.lock`;
  await writeFile(lock, JSON.stringify({ host: 'another-container', pid: 1 }));
  const then = new Date(Date.now() - ageMs);
  await utimes(lock, then, then);
  return lock;
}

/** A lock of another host whose owner is alive: it keeps touching it until `release`. */
async function heldLock(file: string): Promise<{ lock: string; release(): void }> {
  const lock = await foreignLock(file, 0);
  const touch = setInterval(() => void utimes(lock, new Date(), new Date()).catch(() => undefined), 200);
  return { lock, release: () => clearInterval(touch) };
}

describe.concurrent('a file lock shared by several hosts', () => {
  it('a waiter outlives a dead owner\'s lock: one of another host, touched STALE_MS − 1.1 s ago, is taken over after ~1.1 s, not given up at 1 s (the times ÷ 10)', async ({ expect }) => {
    expect(LOCK_TIMING.waitMs).toBeGreaterThan(LOCK_TIMING.staleMs);
    expect(LOCK_TIMING.staleMs).toBeGreaterThan(2 * LOCK_TIMING.refreshMs);
    const file = join(dir, 'a');
    await foreignLock(file, STALE_MS - 1_100);
    const started = Date.now();
    const result = await lockWith(file, async () => readFile(`${file}.lock`, 'utf8'));
    const waited = Date.now() - started;
    expect(JSON.parse(result)).toMatchObject({ pid: process.pid });
    expect(waited).toBeGreaterThanOrEqual(1_050);
    expect(waited).toBeLessThan(WAIT_MS);
  }, 60_000);

  it('its owner touches it while it holds it, so a long hold never looks stale', async ({ expect }) => {
    const file = join(dir, 'b');
    const touched = await lockWith(file, async () => {
      const first = (await stat(`${file}.lock`)).mtimeMs;
      await sleep(650);
      return (await stat(`${file}.lock`)).mtimeMs - first;
    });
    expect(touched).toBeGreaterThanOrEqual(400);
  }, 60_000);

  it('a lock still held after WAIT_MS is a transient failure a worker retries, in one line naming the lock', async ({ expect }) => {
    const file = join(dir, 'c');
    const { lock, release } = await heldLock(file);
    try {
      const err = await lockWith(file, async () => 'taken').then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('TRANSIENT');
      expect((err as AppError).retryable).toBe(true);
      expect((err as AppError).message).toBe(`${file} is locked by process 1 on another-container for more than ${WAIT_MS / 1000} s; try again, or remove ${lock} if that process is not running`);
    } finally {
      release();
    }
  }, 90_000);
});

// A lock path that is not a lock file ltv wrote (a folder made by hand, an unreadable file, a link) cannot be
// waited out: it spun at full CPU forever (readFile failed, taken for "the lock just went", tried again at once),
// a publish stuck at "publishing" until killed, `ltv keys add` never returning.
describe.concurrent('a lock path that is not a lock file', () => {
  it('a folder is one line naming it and what to do, at once, and nothing is run or removed', async ({ expect }) => {
    const file = join(dir, 'd');
    await mkdir(`${file}.lock`);
    let ran = false;
    const started = Date.now();
    const err = await lockWith(file, async () => (ran = true)).then(() => null, (e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(T.staleMs);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('CONFIG');
    expect((err as AppError).message).toBe(`${file}.lock is a folder, not a lock file of ltv: remove it (rmdir ${file}.lock), then try again`);
    expect(ran).toBe(false);
    expect((await stat(`${file}.lock`)).isDirectory()).toBe(true);
  }, 30_000);

  it('a symbolic link (one leading nowhere looked gone and was never there to take) is one line naming it', async ({ expect }) => {
    const file = join(dir, 'l');
    await symlink(join(dir, 'nowhere'), `${file}.lock`);
    const err = await lockWith(file, async () => 'ran').then(() => null, (e: unknown) => e);
    expect((err as AppError).message).toBe(`${file}.lock is a symbolic link, not a lock file of ltv: remove it, then try again`);
  }, 30_000);

  it('a lock file the user may not read is one line naming it (`ltv keys add` spun forever), as a user who cannot read a file of mode 000', async ({ expect }) => {
    // Root reads every file: as root (CI) the command runs as `nobody`, else as this user.
    const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const keysDir = await mkdtemp(join(tmpdir(), 'ltv-lock-keys-'));
    try {
      await chmod(keysDir, 0o777);
      const keys = join(keysDir, 'keys.json');
      await writeFile(`${keys}.lock`, JSON.stringify({ host: 'another-container', pid: 1 }), { mode: 0o000 });
      await chmod(`${keys}.lock`, 0o000);
      const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
        execFile(process.execPath, [BIN, 'keys', 'add', '--tenant', 'x', '--keys', keys], { ...asNobody, timeout: 20_000, killSignal: 'SIGKILL', env: { ...process.env, NO_COLOR: '1', HOME: keysDir } }, (e, _stdout, stderr) => {
          resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, stderr });
        });
      });
      expect(r.stderr).toBe(`ltv: ${keys}.lock: cannot read the lock file (EACCES): let the user running ltv read and write it, or remove it if no ltv is running\n`);
      expect(r.code).toBe(1);
      expect(await readdir(keysDir)).toEqual(['keys.json.lock']);
    } finally {
      await rm(keysDir, { recursive: true, force: true });
    }
  }, 30_000);

  it('a waiter stops waiting when it is cancelled (Ctrl-C, a worker shutting down), not at WAIT_MS', async ({ expect }) => {
    const file = join(dir, 'e');
    const { lock, release } = await heldLock(file);
    try {
      const stop = new AbortController();
      setTimeout(() => stop.abort(new Error('SIGINT')), 300);
      const started = Date.now();
      const err = await lockWith(file, async () => 'taken', stop.signal).then(() => null, (e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(1_000);
      expect((err as AppError).code).toBe('TRANSIENT');
      expect((err as AppError).message).toBe(`cancelled while waiting for ${lock} (held by process 1 on another-container)`);
    } finally {
      release();
    }
  }, 30_000);
});
