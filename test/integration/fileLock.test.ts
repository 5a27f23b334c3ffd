// withFileLock (src/publish/withFileLock.ts) as several worker containers sharing one reports volume see it:
// each has its own hostname, so a lock of another host is judged by its age alone. Real files, real time.
import { mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { AppError } from '../../src/config/AppError.js';
import { STALE_MS, WAIT_MS, withFileLock } from '../../src/publish/withFileLock.js';

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
  it('a waiter outlives a dead owner\'s lock: one of another host, touched STALE_MS − 11 s ago, is taken over after ~11 s, not given up at 10 s', async ({ expect }) => {
    expect(WAIT_MS).toBeGreaterThan(STALE_MS);
    const file = join(dir, 'a');
    await foreignLock(file, STALE_MS - 11_000);
    const started = Date.now();
    const result = await withFileLock(file, async () => readFile(`${file}.lock`, 'utf8'));
    const waited = Date.now() - started;
    expect(JSON.parse(result)).toMatchObject({ pid: process.pid });
    expect(waited).toBeGreaterThanOrEqual(10_500);
    expect(waited).toBeLessThan(WAIT_MS);
  }, 60_000);

  it('its owner touches it while it holds it, so a long hold never looks stale', async ({ expect }) => {
    const file = join(dir, 'b');
    const touched = await withFileLock(file, async () => {
      const first = (await stat(`${file}.lock`)).mtimeMs;
      await sleep(6_500);
      return (await stat(`${file}.lock`)).mtimeMs - first;
    });
    expect(touched).toBeGreaterThanOrEqual(4_000);
  }, 60_000);

  it('a lock still held after WAIT_MS is a transient failure a worker retries, in one line naming the lock', async ({ expect }) => {
    const file = join(dir, 'c');
    const lock = await foreignLock(file, 0);
    // The other host's owner keeps touching its lock.
    const touch = setInterval(() => void utimes(lock, new Date(), new Date()).catch(() => undefined), 2_000);
    try {
      const err = await withFileLock(file, async () => 'taken').then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('TRANSIENT');
      expect((err as AppError).retryable).toBe(true);
      expect((err as AppError).message).toBe(`${file} is locked by process 1 on another-container for more than ${WAIT_MS / 1000} s; try again, or remove ${lock} if that process is not running`);
    } finally {
      clearInterval(touch);
    }
  }, 90_000);
});
