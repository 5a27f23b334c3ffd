// withFileLock (src/publish/withFileLock.ts) as several worker containers sharing one reports volume see it:
// each has its own hostname, so a lock of another host is judged by its age alone. Real files, real time.
import { mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { AppError } from '../../src/config/AppError.js';
import { LOCK_TIMING, withFileLock, type LockTiming } from '../../src/publish/withFileLock.js';

// The lock's own times ten times shorter: the same ratios, seconds instead of a minute of waiting.
const T: LockTiming = { staleMs: LOCK_TIMING.staleMs / 10, refreshMs: LOCK_TIMING.refreshMs / 10, waitMs: LOCK_TIMING.waitMs / 10 };
const STALE_MS = T.staleMs;
const WAIT_MS = T.waitMs;
const lockWith = <R>(file: string, fn: () => Promise<R>): Promise<R> => withFileLock(file, fn, T);

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
    const lock = await foreignLock(file, 0);
    // The other host's owner keeps touching its lock.
    const touch = setInterval(() => void utimes(lock, new Date(), new Date()).catch(() => undefined), 200);
    try {
      const err = await lockWith(file, async () => 'taken').then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('TRANSIENT');
      expect((err as AppError).retryable).toBe(true);
      expect((err as AppError).message).toBe(`${file} is locked by process 1 on another-container for more than ${WAIT_MS / 1000} s; try again, or remove ${lock} if that process is not running`);
    } finally {
      clearInterval(touch);
    }
  }, 90_000);
});
