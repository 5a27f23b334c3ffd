// SPEC §7 runs and recovery: run locks owned by each attempt, scratch files of dead processes, one-line
// errors for a job file that is not JSON or has a bad cron, and for an unknown flag. Real Redis, real files,
// real processes.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { loadJob } from '../../src/config/loadJob.js';
import { acquireRunLock } from '../../src/queue/runLock.js';
import { removeStaleScratch } from '../../src/warehouse/removeStaleScratch.js';
import { BIN, captureLogger, privateRedis, ROOT, waitFor } from '../helpers/queueHarness.js';

describe('run locks', () => {
  it('are owned by each attempt: a stale attempt neither shares nor releases a new run\'s lock, and notices at once', async () => {
    const redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
    const key = `ltv-test-${randomUUID()}:run-lock:job:tenant`;
    const { log, lines } = captureLogger();
    try {
      const first = (await acquireRunLock(redis, key, 600, log))!;
      expect(first).not.toBeNull();
      // The same job and tenant again (e.g. the same BullMQ id after Redis lost its data): refused.
      expect(await acquireRunLock(redis, key, 600, log)).toBeNull();
      // Redis loses its data: the old attempt is told within one renewal (a tenth of the lock), with one log line.
      await redis.del(key);
      const second = (await acquireRunLock(redis, key, 600, log))!;
      expect(second.token).not.toBe(first.token);
      await waitFor('the stale attempt to see its lock gone', () => first.lost.aborted, 5_000);
      expect(String((first.lost.reason as Error).message)).toMatch(/^run lock lost: it expired or redis lost its data/);
      // Its release does not remove the new owner's lock.
      await first.release();
      expect(await redis.get(key)).toBe(second.token);
      expect(second.lost.aborted).toBe(false);
      await second.release();
      expect(await redis.get(key)).toBeNull();
      const lost = lines.filter((l) => String(l.msg).startsWith('run lock lost'));
      expect(lost).toHaveLength(1);
    } finally {
      await redis.quit();
    }
  });

  it('stop the run when redis stays away for longer than the lock lasts (one warning, no stack per renewal)', async () => {
    // The connection dropped for good: every renewal fails.
    const redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
    const key = `ltv-test-${randomUUID()}:run-lock:job:tenant`;
    const { log, lines } = captureLogger();
    try {
      const lock = (await acquireRunLock(redis, key, 500, log))!;
      redis.disconnect();
      await waitFor('the lock to be given up', () => lock.lost.aborted, 5_000);
      // How long Redis has been away (since the connection closed), and that the lock's own time is out.
      expect(String((lock.lost.reason as Error).message)).toMatch(/^run lock lost: redis unreachable for 0\.\d s, and 0\.\d s since the lock was last renewed: it lasts 0\.5 s, so it may have expired$/);
      expect(lines.filter((l) => String(l.msg).startsWith('cannot renew the run lock'))).toHaveLength(1);
      expect(lines.every((l) => !('err' in l))).toBe(true);
      await lock.release();
    } finally {
      redis.disconnect();
    }
  });
});

describe('run locks through a frozen redis (connected, answering nothing)', () => {
  /** A private Redis that can be frozen, the worker's kind of client (commands wait for Redis instead of failing), a lock key and a log. */
  async function withPrivateRedis(fn: (c: { server: Awaited<ReturnType<typeof privateRedis>>; redis: Redis; key: string; log: ReturnType<typeof captureLogger>['log']; lines: ReturnType<typeof captureLogger>['lines'] }) => Promise<void>): Promise<void> {
    const dir = await mkdtemp(join(tmpdir(), 'ltv-lock-'));
    const server = await privateRedis(dir);
    await server.start();
    const redis = new Redis(server.url, { maxRetriesPerRequest: null });
    const { log, lines } = captureLogger();
    try {
      await fn({ server, redis, key: `ltv-test-${randomUUID()}:run-lock:job:tenant`, log, lines });
    } finally {
      redis.disconnect();
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }

  it('are kept while their time is not out, and given up once it may be, saying how long redis has been away', () => withPrivateRedis(async ({ server, redis, key, log, lines }) => {
    const lock = (await acquireRunLock(redis, key, 3_000, log))!;
    await new Promise((r) => setTimeout(r, 500));
    // Frozen for 2 s of a 3 s lock: renewals wait unanswered, then Redis answers them; the lock is still ours.
    server.freeze();
    await new Promise((r) => setTimeout(r, 2_000));
    expect(lock.lost.aborted).toBe(false);
    server.thaw();
    await waitFor('the lock confirmed again', () => lines.some((l) => String(l.msg).startsWith('run lock kept through a redis outage')), 3_000);
    expect(lock.lost.aborted).toBe(false);
    await lock.confirm();
    // Frozen past the lock's time: given up then, not at the first unanswered renewal.
    server.freeze();
    const frozen = Date.now();
    await waitFor('the lock given up', () => lock.lost.aborted, 6_000);
    const after = Date.now() - frozen;
    expect(after).toBeGreaterThanOrEqual(2_500);
    expect(after).toBeLessThan(4_000);
    expect(String((lock.lost.reason as Error).message)).toMatch(/^run lock lost: redis unreachable for [23]\.\d s, and 3\.\d s since the lock was last renewed: it lasts 3\.0 s, so it may have expired$/);
    expect(lines.filter((l) => String(l.msg).startsWith('run lock lost'))).toHaveLength(1);
    server.thaw();
    await lock.release();
  }), 30_000);

  it('say nothing of a renewal answered after the run released its lock (it logged "run lock lost … stopping this run now" for a run that had completed)', () => withPrivateRedis(async ({ server, redis, key, log, lines }) => {
    const lock = (await acquireRunLock(redis, key, 1_000, log))!;
    // Redis frozen: a renewal (one a tenth of the lock) waits unanswered; the run ends and releases its lock
    // meanwhile, and the lock's time runs out in Redis before it answers.
    server.freeze();
    await new Promise((r) => setTimeout(r, 300));
    const released = lock.release();
    await new Promise((r) => setTimeout(r, 1_500));
    server.thaw();
    await released;
    await new Promise((r) => setTimeout(r, 500));
    expect(lines.filter((l) => Number(l.level) >= 50).map((l) => l.msg)).toEqual([]);
  }), 30_000);
});

describe('scratch files', () => {
  it('of dead processes are removed; live ones, our own and other names are kept', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ltv-scratch-'));
    try {
      // A pid that surely is dead: a process that has exited.
      const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
      const live = process.ppid;
      const names = [
        `ltv-run-${dead}-0123abcd.duckdb`, `ltv-run-${dead}-0123abcd.duckdb.wal`, `ltv-run-${dead}-0123abcd.duckdb.in`,
        `ltv-run-${live}-0123abcd.duckdb`, `ltv-run-${process.pid}-0123abcd.duckdb`, `ltv-run-${dead}-notahex.duckdb`, 'other.duckdb',
      ];
      for (const n of names) await writeFile(join(dir, n), '');
      await mkdir(join(dir, `ltv-run-${dead}-0123abcd.duckdb.tmp`));
      const removed = await removeStaleScratch(dir);
      expect(removed.sort()).toEqual([...names.slice(0, 3), `ltv-run-${dead}-0123abcd.duckdb.tmp`].sort());
      expect((await readdir(dir)).sort()).toEqual(names.slice(3).sort());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('job files and flags', () => {
  it('a job file that is not JSON, or whose cron is invalid, is one line naming file, place and field', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ltv-job-'));
    try {
      await writeFile(join(dir, 'broken.json'), '{\n  "inputs": [\n    {"path": "a.csv",}\n  ]\n}\n');
      await writeFile(join(dir, 'cron.json'), JSON.stringify({ inputs: [{ path: 'a.csv' }], schedule: { cron: '61 * * * *' }, retention: 0 }));
      const broken = await loadJob(join(dir, 'broken.json')).catch((e: Error) => e.message);
      // The stray comma on line 3 (`    {"path": "a.csv",}`): the parser stops at the } in column 22.
      expect(broken).toMatch(/broken\.json: line 3, column 22: not valid JSON \(/);
      expect(broken).not.toContain('\n');
      const cron = await loadJob(join(dir, 'cron.json')).catch((e: Error) => e.message);
      // Every issue, in one line, the file named once.
      expect(cron).toMatch(/cron\.json: retention: [^;]*; schedule\.cron: "61 \* \* \* \*" is not a cron expression \(.*expected range 0-59\)/);
      expect(cron).not.toContain('\n');
      // A byte order mark (as Windows editors write) is no part of the JSON: the job loads.
      await writeFile(join(dir, 'bom.json'), `\uFEFF${JSON.stringify({ inputs: [{ path: 'a.csv' }], tenant: 'bom' })}`);
      expect((await loadJob(join(dir, 'bom.json'))).tenant).toBe('bom');
      // Not UTF-8: refused, naming the line. Latin-1 ran with the tenant "Z\uFFFDrich" (Node's decoding replaced
      // the byte without a word); UTF-16 was "not valid JSON (Unexpected token '\u0000' …)".
      const job = `{\n  "inputs": [{"path": "a.csv"}],\n  "tenant": "Zürich"\n}\n`;
      await writeFile(join(dir, 'latin1.json'), Buffer.from(job, 'latin1'));
      await writeFile(join(dir, 'utf16le.json'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(job, 'utf16le')]));
      await writeFile(join(dir, 'utf16bom-less.json'), Buffer.from(job, 'utf16le'));
      await writeFile(join(dir, 'utf8.json'), job);
      expect(await loadJob(join(dir, 'latin1.json')).catch((e: Error) => e.message)).toBe(`${join(dir, 'latin1.json')}: line 3 is not valid UTF-8 (Latin-1 or Windows-1252?): save it as UTF-8`);
      expect(await loadJob(join(dir, 'utf16le.json')).catch((e: Error) => e.message)).toBe(`${join(dir, 'utf16le.json')}: is UTF-16 text: save it as UTF-8`);
      expect(await loadJob(join(dir, 'utf16bom-less.json')).catch((e: Error) => e.message)).toBe(`${join(dir, 'utf16bom-less.json')}: is UTF-16 text (without a byte order mark) or binary: save it as UTF-8 text`);
      expect((await loadJob(join(dir, 'utf8.json'))).tenant).toBe('Zürich');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a usage mistake is one line on stderr, exit 1, pointing at the help of the command that has the option', () => {
    const ltv = (...args: string[]) => {
      const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8' });
      return [r.status, r.stderr, r.stdout];
    };
    // It said "(run `ltv --help` for usage)", whose help lists no option of run's.
    expect(ltv('run', '--bogus')).toEqual([1, 'ltv: unknown option \'--bogus\' (run `ltv run --help` for usage)\n', '']);
    expect(ltv('keys', 'add', '--tenant', 'a', '--bogus')).toEqual([1, 'ltv: unknown option \'--bogus\' (run `ltv keys add --help` for usage)\n', '']);
    // The unknown flag first, as every other command says it (the missing --tenant hid it), then the missing --tenant.
    expect(ltv('keys', 'add', '--bogus')).toEqual([1, 'ltv: unknown option \'--bogus\' (run `ltv keys add --help` for usage)\n', '']);
    expect(ltv('keys', 'add', '--keys', 'never-written.json')).toEqual([1, 'ltv: required option \'--tenant <id>\' not specified (run `ltv keys add --help` for usage)\n', '']);
    expect(ltv('keys', 'bogus')).toEqual([1, 'ltv: unknown command \'bogus\' (run `ltv keys --help` for usage)\n', '']);
    expect(ltv('bogus')).toEqual([1, 'ltv: unknown command \'bogus\' (run `ltv --help` for usage)\n', '']);
    // `ltv help bogus` printed the whole help (19 lines) to stderr.
    expect(ltv('help', 'bogus')).toEqual([1, 'ltv: unknown command \'bogus\' (run `ltv --help` for usage)\n', '']);
    expect(ltv('help', 'keys', 'bogus')).toEqual([1, 'ltv: unknown command \'bogus\' (run `ltv keys --help` for usage)\n', '']);
    expect(ltv('keys', 'help', 'bogus')).toEqual([1, 'ltv: unknown command \'bogus\' (run `ltv keys --help` for usage)\n', '']);
    // The help of a command that exists is its --help, on stdout.
    expect(ltv('help', 'run')).toEqual([0, '', ltv('run', '--help')[2]]);
    expect(ltv('help', 'keys', 'add')).toEqual([0, '', ltv('keys', 'add', '--help')[2]]);
    expect(ltv('keys', 'help', 'add')).toEqual([0, '', ltv('keys', 'add', '--help')[2]]);
    expect(ltv('help')).toEqual([0, '', ltv('--help')[2]]);
    expect(ltv('help')[2]).toMatch(/^Usage: ltv \[options\] \[command\]\n/);
  }, 60_000);
});
