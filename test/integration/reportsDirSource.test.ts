// A reports directory that cannot be written names where its path came from (src/pipeline.ts reportsDirFix):
// the worker said "give a writable --out (or "reports_dir" in the job file)", but it has no --out and its
// LTV_REPORTS_DIR overrides the job's reports_dir. A real read-only mount (the tests run as root: mount).
import { execFile, execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, expect, test } from 'vitest';
import { enqueueRun } from '../../src/queue/enqueueRun.js';
import { BIN, CSV, useHarness, type Harness } from '../helpers/queueHarness.js';

const harness = useHarness();
let h: Harness;
beforeEach(() => {
  h = harness();
});

/** A read-only tmpfs at `<test dir>/ro`, unmounted by the returned function. */
async function readOnly(): Promise<{ mnt: string; umount: () => void }> {
  const mnt = join(h.dir, 'ro');
  await mkdir(mnt);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', mnt]);
  return { mnt, umount: () => execFileSync('umount', [mnt]) };
}

test('the worker names LTV_REPORTS_DIR, not --out, when it cannot write the reports directory', async () => {
  const { mnt, umount } = await readOnly();
  try {
    await h.writeJob('ro', { reports_dir: '/somewhere/else' });
    const w = h.worker({ LTV_REPORTS_DIR: mnt, LTV_ATTEMPTS: '1' });
    const q = h.queue();
    const events = await h.events();
    const run = await enqueueRun(q, h.jobsDir, 'ro', { source: 'cli', asOf: new Date('2026-03-01T00:00:00Z') });
    const err = await run.queued.waitUntilFinished(events, 60_000).catch((e: unknown) => e);
    expect((err as Error).message).toBe(`cannot write the reports directory ${mnt} (EROFS): it is LTV_REPORTS_DIR: make it writable, or set LTV_REPORTS_DIR to a writable directory`);
    await events.close();
    await q.close();
    await w.close(1_000);
  } finally {
    umount();
  }
}, 90_000);

test('a file where the reports directory should be: the worker and ltv run both say what is in the way and what to do', async () => {
  // The worker said "(ENOTDIR): … make it writable", which a file in the way never becomes.
  const file = join(h.dir, 'not-a-folder');
  await writeFile(file, 'x\n');
  const jobFile = await h.writeJob('nf', {});
  const w = h.worker({ LTV_REPORTS_DIR: file, LTV_ATTEMPTS: '1' });
  const q = h.queue();
  const events = await h.events();
  const run = await enqueueRun(q, h.jobsDir, 'nf', { source: 'cli', asOf: new Date('2026-03-01T00:00:00Z') });
  const err = await run.queued.waitUntilFinished(events, 60_000).catch((e: unknown) => e);
  const why = `cannot write the reports directory ${file} (ENOTDIR: a part of that path is a file, not a folder): move the file away, or `;
  expect((err as Error).message).toBe(`${why}set LTV_REPORTS_DIR to another directory (it overrides the job's "reports_dir")`);
  await events.close();
  await q.close();
  await w.close(1_000);
  const cli = await h.cli(['run', jobFile, '--as-of', '2026-03-01T00:00:00Z', '--no-email', '--out', file], { LTV_REPORTS_DIR: '' });
  expect([cli.code, cli.stderr]).toEqual([1, `ltv: ${why}give another --out\n`]);
}, 90_000);

test('ltv run names what set the directory: --out, LTV_REPORTS_DIR, or the job file\'s reports_dir', async () => {
  const { mnt, umount } = await readOnly();
  try {
    const file = await h.writeJob('ro', { reports_dir: mnt });
    const run = (args: string[], vars: Record<string, string>) => h.cli(['run', file, '--as-of', '2026-03-01T00:00:00Z', '--no-email', ...args], vars);
    const [out, env, job] = await Promise.all([
      run(['--out', mnt], { LTV_REPORTS_DIR: '' }),
      run([], { LTV_REPORTS_DIR: mnt }),
      run([], { LTV_REPORTS_DIR: '' }),
    ]);
    const line = `ltv: cannot write the reports directory ${mnt} (EROFS): `;
    expect([out.code, out.stderr]).toEqual([1, `${line}give a writable --out\n`]);
    expect([env.code, env.stderr]).toEqual([1, `${line}it is LTV_REPORTS_DIR: make it writable, or set LTV_REPORTS_DIR to a writable directory\n`]);
    expect([job.code, job.stderr]).toEqual([1, `${line}it is "reports_dir" in ${file}: make it writable, or give a writable "reports_dir" there\n`]);
  } finally {
    umount();
  }
}, 90_000);

test('ltv run --input in a folder it cannot write names --out and LTV_REPORTS_DIR, not a job file\'s "reports_dir"', async () => {
  const { mnt, umount } = await readOnly();
  try {
    const csv = join(h.dir, 'tx.csv');
    await writeFile(csv, CSV);
    // Run from the read-only folder: the default ./reports lies in it.
    const r = await new Promise<{ code: number | null; stderr: string }>((done) => {
      const p = execFile(process.execPath, [BIN, 'run', '--input', csv, '--as-of', '2026-03-01T00:00:00Z'], { cwd: mnt, env: { ...process.env, LTV_REPORTS_DIR: '' } }, (_e, _out, stderr) => done({ code: p.exitCode, stderr }));
    });
    // It said: `… as command line gives no "reports_dir": … give a writable "reports_dir" there`.
    expect([r.code, r.stderr]).toEqual([1, `ltv: cannot write the reports directory ${join(mnt, 'reports')} (EROFS): it is the default, ./reports in the current directory, as the run gives no --out: make it writable, or give a writable --out (or set LTV_REPORTS_DIR)\n`]);
  } finally {
    umount();
  }
}, 90_000);
