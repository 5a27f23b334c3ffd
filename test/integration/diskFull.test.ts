// A full disk while a run writes (SPEC §7: a failed run never damages the last good report): a real
// 2 MiB tmpfs holds the reports, filled up; the run fails with one line, leaves nothing, and the last run stays.
import { execFile, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { copyFile, mkdir, readdir, readlink, rm, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/config/AppError.js';
import { loadJob } from '../../src/config/loadJob.js';
import { runPipeline, storageError } from '../../src/pipeline.js';
import { withFileLock } from '../../src/publish/withFileLock.js';
import { Warehouse } from '../../src/warehouse/openWarehouse.js';
import { csv, makeFixture, runJob, silentLogger, type Fixture } from '../helpers/runFixture.js';

const T = '2026-02-15T00:00:00Z';

/** A fixture with a real tmpfs of `size` mounted at `<fixture>/small` (the tests run as root on CI: .ci/run installs packages). */
async function withTmpfs(size: string, fn: (fx: Fixture, mnt: string) => Promise<void>): Promise<void> {
  const fx = await makeFixture({});
  const mnt = join(fx.dir, 'small');
  await mkdir(mnt);
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mnt]);
  try {
    await fn(fx, mnt);
  } finally {
    execFileSync('umount', [mnt]);
    await fx.cleanup();
  }
}

describe('a full disk', () => {
  it('turns the errno of a real full device into one retryable line', async () => {
    const err = await writeFile('/dev/full', 'x').catch((e: unknown) => e);
    const mapped = storageError(err, '/srv/reports', '/tmp/ltv-run-1.duckdb');
    expect(mapped?.code).toBe('TRANSIENT');
    expect(mapped?.retryable).toBe(true);
    expect(mapped?.message).toBe('no space left on the disk of the reports directory /srv/reports or the scratch space /tmp; nothing was published (the last published run stays): free some space, lower "retention" in the job, or move "duckdb.temp_directory" to a larger disk');
  });

  it('says spill files cut short by a nearly full scratch disk as that disk, retryable (it said "raise --memory-limit", which does not help)', async () => {
    // DuckDB lets its spill files take a share of the disk's free space (max_temp_directory_size): on a nearly
    // full disk that share ends them with "Out of Memory Error: failed to offload data block". Here the share is
    // set to 1 MiB on a real spilling sort under a 32 MB limit.
    const fx = await makeFixture({});
    const wh = await Warehouse.open({ timezone: 'UTC', threads: 1, memoryLimit: '32MB', tempDirectory: join(fx.dir, 'spill') });
    try {
      await wh.run("SET max_temp_directory_size = '1MiB'");
      const err = await wh.run('CREATE TABLE s AS SELECT i, md5(i::VARCHAR) AS h FROM range(3000000) t(i) ORDER BY h').catch((e: unknown) => e);
      expect(String((err as Error).message)).toMatch(/^Out of Memory Error: failed to offload data block/);
      expect(isAppError(err)).toBe(false);
      const mapped = storageError(err, '/srv/reports', join(fx.dir, 'ltv-run-1.duckdb'));
      expect([mapped?.code, mapped?.retryable, mapped?.message]).toEqual(['TRANSIENT', true,
        `no space left on the disk of the reports directory /srv/reports or the scratch space ${fx.dir}; nothing was published (the last published run stays): free some space, lower "retention" in the job, or move "duckdb.temp_directory" to a larger disk`]);
    } finally {
      wh.close();
      await fx.cleanup();
    }
  });

  it('says a refused write in the reports directory with the remedy its path came from, and one in the scratch space with temp_directory\'s', async () => {
    // A real refused write: a read-only bind of a folder (the run as root is refused nothing else).
    const fx = await makeFixture({});
    const ro = join(fx.dir, 'ro');
    await mkdir(ro);
    execFileSync('mount', ['--bind', '-o', 'ro', ro, ro]);
    try {
      execFileSync('mount', ['-o', 'remount,bind,ro', ro]);
      const err = await writeFile(join(ro, 'ltv.json'), 'x').catch((e: unknown) => e);
      expect((err as NodeJS.ErrnoException).code).toBe('EROFS');
      const env = 'set LTV_REPORTS_DIR to another directory (it overrides the job\'s "reports_dir")';
      // In the reports directory: where its path came from decides the remedy (it said "give another --out"
      // to a worker, which has no --out, whatever the source).
      expect(storageError(err, ro, '/tmp/ltv-run-1.duckdb', env)?.message).toBe(`cannot write ${join(ro, 'ltv.json')} (EROFS); nothing was published: make it writable, or ${env}`);
      // In the scratch space: the reports directory is not the one to change.
      expect(storageError(err, '/srv/reports', join(ro, 'ltv-run-1.duckdb'), env)?.message).toBe(`cannot write ${join(ro, 'ltv.json')} (EROFS); nothing was published: make it writable, or move "duckdb.temp_directory" (the system's temporary folder without it) to a writable folder`);
    } finally {
      execFileSync('umount', [ro]);
      await fx.cleanup();
    }
  });

  it('names the full disk\'s file, not the source, when a copy across file systems (scratch → reports) fails', async () => {
    // moveFile copies compute's files from the scratch space when it is another file system: Node's copy
    // error gives the source as `path` (on a disk with room) and the file it wrote as `dest`.
    await withTmpfs('1m', async (fx, mnt) => {
      const { bavail, bsize } = await statfs(mnt);
      await writeFile(join(mnt, 'filler'), Buffer.alloc(bavail * bsize)).catch(() => undefined);
      const source = join(fx.dir, 'facts.parquet');
      await writeFile(source, Buffer.alloc(256 * 1024, 1));
      const err = await copyFile(source, join(mnt, 'facts.parquet')).catch((e: unknown) => e);
      expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
      const mapped = storageError(err, mnt, join(fx.dir, 'ltv-run-1.duckdb'));
      expect(mapped?.message).toBe(`no space left on the disk of ${join(mnt, 'facts.parquet')}; nothing was published (the last published run stays): free some space, lower "retention" in the job, or move "duckdb.temp_directory" to a larger disk`);
    });
  });

  it('refuses a gzipped Parquet file that would take more than half the scratch disk\'s free space to inflate, before it fills it', async () => {
    await withTmpfs('32m', async (fx, mnt) => {
      // ~24 MB of Parquet that gzip hardly shrinks (md5 text), on a 32 MB scratch disk: past 16 MB it stops.
      const wh = await Warehouse.open({ timezone: 'UTC', threads: 1 });
      try {
        await wh.run(`COPY (SELECT 'c' || i AS customer_id, TIMESTAMPTZ '2026-01-05 10:00:00+00' AS event_time, 10 AS amount, md5(i::VARCHAR) || md5((i + 1)::VARCHAR) AS product_id
          FROM range(300000) t(i)) TO '${join(fx.dir, 'big.parquet')}' (FORMAT parquet, COMPRESSION 'uncompressed')`);
      } finally {
        wh.close();
      }
      execFileSync('gzip', ['-1', join(fx.dir, 'big.parquet')]);
      const err = await runJob(fx, { inputs: [{ path: 'big.parquet.gz' }], duckdb: { temp_directory: mnt } }, T).catch((e: unknown) => e);
      expect(isAppError(err) && err.code).toBe('INPUT');
      expect((err as Error).message).toMatch(new RegExp(`^${join(fx.dir, 'big.parquet.gz')}: inflates to more than half the free space of the scratch disk \\(3\\d\\.\\d MB free in ${mnt}/\\S+\\): give the \\.parquet file itself \\(read in place, without a copy\\), or move "duckdb\\.temp_directory" to a larger disk$`));
      // Nothing of it is left there.
      expect(execFileSync('find', [mnt, '-type', 'f'], { encoding: 'utf8' })).toBe('');
    });
  });

  it('fails a run whose reports do not fit, removing what it wrote and keeping the last run', async () => {
    await withTmpfs('2m', async (fx, mnt) => {
      const rows = (n: number): string[][] => Array.from({ length: n }, (_, i) => [`c${i}`, `2026-01-${String(1 + (i % 28)).padStart(2, '0')}T08:00:00Z`, '10']);
      await writeFile(join(fx.dir, 'e.csv'), csv('customer_id,event_time,amount', rows(20)));
      const job = { inputs: [{ path: 'e.csv' }], reports_dir: mnt, formats: ['json' as const] };
      await runJob({ ...fx, reportsDir: mnt }, job, T);
      const before = await readlink(join(mnt, 'default', 'latest'));
      // The disk filled up to 64 KiB short: less than the next run's files need.
      const { bavail, bsize } = await statfs(mnt);
      await writeFile(join(mnt, 'filler'), Buffer.alloc(Math.max(0, bavail * bsize - 65536)));
      await writeFile(join(fx.dir, 'e.csv'), csv('customer_id,event_time,amount', rows(300)));
      const err = await runJob({ ...fx, reportsDir: mnt }, job, '2026-02-16T00:00:00Z').catch((e: unknown) => e);
      expect(isAppError(err) && err.code).toBe('TRANSIENT');
      expect((err as Error).message).toMatch(/^no space left on the disk of .*nothing was published \(the last published run stays\)/);
      expect(await readlink(join(mnt, 'default', 'latest'))).toBe(before);
      expect(await readdir(join(mnt, 'default', 'runs'))).toEqual([before.split('/')[1]]);
    });
  });

  it('fails, not hangs, when the disk fills while the workbook is written (the example on 3 MiB)', async () => {
    // exceljs listened for its file's errors only when committing: the zip's output stopped at ENOSPC and the
    // run waited for it for ever (a signal could not stop it). The example's files need ~7.7 MB.
    await withTmpfs('3m', async (_fx, mnt) => {
      const example = await loadJob(fileURLToPath(new URL('../../jobs/example.json', import.meta.url)));
      const err = await runPipeline(example, { logger: silentLogger, reportsDir: mnt, email: 'off' }).catch((e: unknown) => e);
      expect(isAppError(err) && err.code).toBe('TRANSIENT');
      expect((err as Error).message).toMatch(/^no space left on the disk of the reports directory /);
      // Nothing left behind: no run, no staging directory.
      expect(await readdir(join(mnt, 'demo-app', 'runs'))).toEqual([]);
    });
  }, 60_000);

  it('a file-size limit (ulimit -f) met while a run writes: one line saying so, exit 1, nothing published, the last run kept', async () => {
    const fx = await makeFixture({ 'e.csv': csv('customer_id,event_time,amount', Array.from({ length: 40 }, (_, i) => [`c${i}`, '2026-01-05T08:00:00Z', '10'])) });
    try {
      const job = join(fx.dir, 'job.json');
      await writeFile(job, JSON.stringify({ inputs: [{ path: 'e.csv' }], reports_dir: 'reports', forecast: { model: 'off' } }));
      const bin = fileURLToPath(new URL('../../src/cli/bin.mjs', import.meta.url));
      const run = (limit: string, asOf: string) => new Promise<{ code: number; stderr: string }>((resolve) => {
        // sh's ulimit -f counts 512-byte blocks: 16 is 8 KiB, less than report.html alone.
        execFile('sh', ['-c', `ulimit -f ${limit}; exec "$0" "$@"`, process.execPath, bin, 'run', job, '--as-of', asOf, '--no-email'],
          { cwd: fx.dir, env: { ...process.env, NO_COLOR: '1' } },
          (err, _out, stderr) => resolve({ code: typeof err?.code === 'number' ? err.code : 0, stderr }));
      });
      expect((await run('unlimited', '2026-02-15T00:00:00Z')).code).toBe(0);
      const latest = join(fx.dir, 'reports', 'default', 'latest');
      const before = await readlink(latest);
      const r = await run('16', '2026-02-16T00:00:00Z');
      // It was `ltv: internal error: EFBIG: file too large, write`, exit 70.
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`ltv: a file the run wrote in the reports directory ${join(fx.dir, 'reports')} or the scratch space ${tmpdir()} grew past the largest file allowed (EFBIG: the process's file-size limit, ulimit -f, or the file system's); nothing was published (the last published run stays): raise the limit (ulimit -f unlimited), or put the reports or "duckdb.temp_directory" on a file system that allows larger files\n`);
      expect(await readlink(latest)).toBe(before);
      expect(await readdir(join(fx.dir, 'reports', 'default', 'runs'))).toEqual([before.split('/')[1]]);
    } finally {
      await fx.cleanup();
    }
  }, 60_000);

  it('fails a lock it cannot fill with one retryable line and leaves no lock behind', async () => {
    // A full disk still creates an empty file: the lock was made, its owner could not be written, and the
    // empty lock stayed, so every later publish of the tenant waited for it and gave up ("locked by another process").
    await withTmpfs('1m', async (_fx, mnt) => {
      const { bavail, bsize } = await statfs(mnt);
      await writeFile(join(mnt, 'filler'), Buffer.alloc(bavail * bsize));
      const file = join(mnt, '.publish');
      let ran = false;
      const err = await withFileLock(file, async () => (ran = true)).catch((e: unknown) => e);
      expect(ran).toBe(false);
      expect(isAppError(err) && [err.code, err.retryable]).toEqual(['TRANSIENT', true]);
      expect((err as Error).message).toBe(`${file}.lock: no space left on the disk for the lock file (ENOSPC); nothing was changed: free some space and try again`);
      expect(await readdir(mnt)).toEqual(['filler']);
      // Space freed: the next writer takes the lock at once.
      await rm(join(mnt, 'filler'));
      const started = Date.now();
      expect(await withFileLock(file, async () => 'done')).toBe('done');
      expect(Date.now() - started).toBeLessThan(1000);
    });
  });
});
