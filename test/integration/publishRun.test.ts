import { createHash } from 'node:crypto';
import { cp, lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/ltv/runFiles.js';
import { abandonRun, commitRun, reserveRun } from '../../src/publish/publishRun.js';
import { addPendingWrite } from '../../src/report/pendingWrites.js';
import { csv, makeFixture, runJob } from '../helpers/runFixture.js';

const AS_OF = new Date('2026-03-16T15:00:00Z');

function manifestOf(tenant: string, runId: string): Omit<Manifest, 'files'> {
  return {
    schema_version: 1, tenant, run_id: runId, job: 'test', as_of: AS_OF.toISOString(), timezone: 'UTC', currency: 'USD',
    generated_at: AS_OF.toISOString(), idempotency_key: null, first_payment_dates: null, inputs: [], stats: {}, timings_ms: {},
  };
}

/** A write that lands `ms` later, as a background gzip does. */
async function lateWrite(path: string, text: string, ms: number): Promise<void> {
  await sleep(ms);
  await writeFile(path, text);
}

let reports: string;
beforeEach(async () => {
  reports = await mkdtemp(join(tmpdir(), 'ltv-publish-'));
});
afterEach(async () => {
  await rm(reports, { recursive: true, force: true });
});

describe('publishing waits for the writes still going on', () => {
  it('commitRun checksums a file written after it was called', async () => {
    const slot = await reserveRun(reports, 'acme', AS_OF, null);
    addPendingWrite(slot.stagingDir, lateWrite(join(slot.stagingDir, 'late.json'), '{"late":true}', 200));
    await commitRun(slot, manifestOf('acme', slot.runId), 30);
    const manifest = JSON.parse(await readFile(join(reports, 'acme', 'latest', 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.files['late.json']).toEqual({ bytes: 13, sha256: createHash('sha256').update('{"late":true}').digest('hex') });
  });

  it('a failed background write fails the publication: nothing is published', async () => {
    const slot = await reserveRun(reports, 'acme', AS_OF, null);
    addPendingWrite(slot.stagingDir, sleep(50).then(() => Promise.reject(new Error('disk full'))));
    await expect(commitRun(slot, manifestOf('acme', slot.runId), 30)).rejects.toThrow('disk full');
    await expect(stat(join(reports, 'acme', 'latest'))).rejects.toMatchObject({ code: 'ENOENT' });
    await abandonRun(slot);
    expect(await readdir(join(reports, 'acme', 'runs'))).toEqual([]);
  });

  it('abandonRun removes the staging directory only after the writes into it ended', async () => {
    // Removing a directory while a file is created in it can fail (ENOTEMPTY) or leave the file behind.
    const slot = await reserveRun(reports, 'acme', AS_OF, null);
    let ended = false;
    addPendingWrite(slot.stagingDir, lateWrite(join(slot.stagingDir, 'late.json'), 'x', 200).finally(() => (ended = true)));
    await abandonRun(slot);
    expect(ended).toBe(true);
    expect(await readdir(join(reports, 'acme', 'runs'))).toEqual([]);
  });
});

describe('runs publishing one tenant at the same time take one run-id each', () => {
  it('two reservations at once: the run-id and the next one, both published whole', async () => {
    const slots = await Promise.all([reserveRun(reports, 'acme', AS_OF, null), reserveRun(reports, 'acme', AS_OF, null)]);
    expect(slots.map((s) => s.runId).sort()).toEqual(['20260316T150000Z', '20260316T150000Z-2']);
    for (const slot of slots) await writeFile(join(slot.stagingDir, 'ltv.json'), slot.runId);
    await Promise.all(slots.map((slot) => commitRun(slot, manifestOf('acme', slot.runId), 30)));
    for (const runId of ['20260316T150000Z', '20260316T150000Z-2']) {
      expect(await readFile(join(reports, 'acme', 'runs', runId, 'ltv.json'), 'utf8')).toBe(runId);
    }
  });

  it('latest goes to the later run-id of one as-of, whichever of the two renames last (the -2 of a run that read the export first moved it back from -3)', async () => {
    const [a, b] = await Promise.all([reserveRun(reports, 'acme', AS_OF, null), reserveRun(reports, 'acme', AS_OF, null)]);
    const [first, second] = [a, b].sort((x, y) => x.runId.localeCompare(y.runId));
    // The run with the later id publishes first, the other one after it.
    await commitRun(second!, manifestOf('acme', second!.runId), 30);
    await commitRun(first!, manifestOf('acme', first!.runId), 30);
    expect(await readlink(join(reports, 'acme', 'latest'))).toBe('runs/20260316T150000Z-2');
    // A third, later still, moves it on.
    const third = await reserveRun(reports, 'acme', AS_OF, null);
    await commitRun(third, manifestOf('acme', third.runId), 30);
    expect(await readlink(join(reports, 'acme', 'latest'))).toBe('runs/20260316T150000Z-3');
  });

  it('a run-id another machine is staging is left to it; one a dead process of this machine left is taken again', async () => {
    const runs = join(reports, 'acme', 'runs');
    const staging = async (host: string, pid: number) => {
      await mkdir(join(runs, '.staging-20260316T150000Z'), { recursive: true });
      await writeFile(join(runs, '.staging-20260316T150000Z', '.owner'), JSON.stringify({ job: 'test', host, pid, locked: false }));
    };
    await staging('another-host', 1);
    expect((await reserveRun(reports, 'acme', AS_OF, null, { job: 'test', locked: false })).runId).toBe('20260316T150000Z-2');
    await rm(join(runs, '.staging-20260316T150000Z-2'), { recursive: true });
    // A pid no process has (above the kernel's pid_max).
    await staging(hostname(), 2 ** 22 + 1);
    expect((await reserveRun(reports, 'acme', AS_OF, null, { job: 'test', locked: false })).runId).toBe('20260316T150000Z');
  });

  it('the owner file stays while the run is committed, so an attempt killed then is known to be dead; it is not published', async () => {
    const owner = { job: 'test', locked: true };
    const slot = await reserveRun(reports, 'acme', AS_OF, null, owner);
    await writeFile(join(slot.stagingDir, 'ltv.json'), '{}');
    // The commit fails at its last writes (the manifest cannot be written where a directory is): what an
    // attempt killed there leaves.
    await mkdir(join(slot.stagingDir, 'manifest.json'));
    await expect(commitRun(slot, manifestOf('acme', slot.runId), 30)).rejects.toMatchObject({ code: 'EISDIR' });
    expect(JSON.parse(await readFile(join(slot.stagingDir, '.owner'), 'utf8'))).toEqual({ job: 'test', host: hostname(), pid: process.pid, locked: true });
    await rm(join(slot.stagingDir, 'manifest.json'), { recursive: true });
    await commitRun(slot, manifestOf('acme', slot.runId), 30);
    const published = join(reports, 'acme', 'runs', slot.runId);
    expect((await readdir(published)).sort()).toEqual(['ltv.json', 'manifest.json']);
    const manifest = JSON.parse(await readFile(join(published, 'manifest.json'), 'utf8')) as Manifest;
    expect(Object.keys(manifest.files)).toEqual(['ltv.json']);
  });

  it('two runs of one job into one reports folder at once both publish (the second under the next run-id)', async () => {
    const fx = await makeFixture({ 'pay.csv': csv('customer_id,event_time,amount', [['c1', '2026-01-05T10:00:00Z', '9.99'], ['c2', '2026-02-01T10:00:00Z', '19.99']]) });
    const job = { tenant: 'acme', inputs: [{ path: 'pay.csv' }], forecast: { model: 'off' as const } };
    const results = await Promise.all([runJob(fx, job, '2026-03-16T15:00:00Z'), runJob(fx, job, '2026-03-16T15:00:00Z')]);
    expect(results.map((r) => r.tenants[0]!.runId).sort()).toEqual(['20260316T150000Z', '20260316T150000Z-2']);
    expect(results.map((r) => r.tenants[0]!.summary.revenue)).toEqual([29.98, 29.98]);
    expect((await readdir(join(fx.reportsDir, 'acme', 'runs'))).sort()).toEqual(['20260316T150000Z', '20260316T150000Z-2']);
    await fx.cleanup();
  });
});

describe('a run shares the files it has in common with the previous run', () => {
  it('hard-links every file identical to the previous published run, and only those', async () => {
    const fx = await makeFixture({
      'e.csv': csv('customer_id,event_time,amount,transaction_id', [
        ['a', '2026-01-10T10:00:00Z', '10', 't1'],
        ['b', '2026-02-20T10:00:00Z', '20', 't2'],
        ['a', '2026-03-01T10:00:00Z', '5', 't3'],
      ]),
    });
    try {
      const job = { inputs: [{ path: 'e.csv' }] };
      // The same data and as-of twice: the second run is published as <run-id>-2 beside the first.
      const first = await runJob(fx, job, '2026-04-15T00:00:00Z');
      const second = await runJob(fx, job, '2026-04-15T00:00:00Z');
      const [a, b] = [first.tenants[0]!.dir, second.tenants[0]!.dir];
      expect(b).toBe(`${a}-2`);
      const ma = JSON.parse(await readFile(join(a, 'manifest.json'), 'utf8')) as Manifest;
      const mb = JSON.parse(await readFile(join(b, 'manifest.json'), 'utf8')) as Manifest;
      expect(Object.keys(mb.files)).toEqual(Object.keys(ma.files));
      const shared: string[] = [];
      for (const [rel, file] of Object.entries(mb.files)) {
        const [sa, sb] = [await stat(join(a, rel)), await stat(join(b, rel))];
        // Each published file still holds what the manifest says, linked or not.
        const bytes = await readFile(join(b, rel));
        expect({ bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') }).toEqual(file);
        if (sa.ino === sb.ino) shared.push(rel);
        expect(sa.ino === sb.ino, rel).toBe(ma.files[rel]!.sha256 === file.sha256);
      }
      // The files that carry the run's own time (generated_at, the workbook's dates) differ; the numbers do
      // not. (DuckDB's Parquet files may differ in row order between runs: they are shared when equal.)
      expect(shared).toEqual(expect.arrayContaining(['ltv.csv', 'quarantine.csv', 'ltv.png', 'api/zenovay/90d-monthly.json.gz']));
      expect(shared).not.toContain('ltv.json');
      // Removing the first run (retention) leaves the second whole.
      await rm(a, { recursive: true });
      expect((await readFile(join(b, 'ltv.csv'))).length).toBe(mb.files['ltv.csv']!.bytes);

      // `latest` pointed outside the tenant (an operator, an attacker): the next run shares nothing with
      // that directory (its files were hard links into it, so editing it changed a published run).
      const outside = join(fx.dir, 'outside');
      await cp(b, outside, { recursive: true });
      const latest = join(fx.reportsDir, 'default', 'latest');
      await rm(latest);
      await symlink('../../outside', latest);
      const third = await runJob(fx, job, '2026-04-15T00:00:00Z');
      const c = third.tenants[0]!.dir;
      for (const rel of Object.keys(mb.files)) expect((await stat(join(c, rel))).ino, rel).not.toBe((await stat(join(outside, rel))).ino);
      expect(await readlink(latest)).toBe(`runs/${c.split('/').pop()}`);
    } finally {
      await fx.cleanup();
    }
  });

  it('reuses only regular files inside the previous run: a file or folder made a symbolic link to a copy elsewhere is written anew', async () => {
    const fx = await makeFixture({
      'e.csv': csv('customer_id,event_time,amount,transaction_id', [
        ['a', '2026-01-10T10:00:00Z', '10', 't1'],
        ['b', '2026-02-20T10:00:00Z', '20', 't2'],
      ]),
    });
    try {
      const job = { inputs: [{ path: 'e.csv' }] };
      const first = await runJob(fx, job, '2026-04-15T00:00:00Z');
      const a = first.tenants[0]!.dir;
      // What a dedup tool (`rdfind -makesymlinks`) makes of the run `latest` points to: a file, and a folder,
      // each a symbolic link to an identical copy outside the reports directory.
      const store = join(fx.dir, 'store');
      await mkdir(store);
      await cp(join(a, 'quarantine.csv'), join(store, 'q.csv'));
      await rm(join(a, 'quarantine.csv'));
      await symlink(join(store, 'q.csv'), join(a, 'quarantine.csv'));
      await cp(join(a, 'api'), join(store, 'api'), { recursive: true });
      await rm(join(a, 'api'), { recursive: true });
      await symlink(join(store, 'api'), join(a, 'api'));
      const second = await runJob(fx, job, '2026-04-15T00:00:00Z');
      const b = second.tenants[0]!.dir;
      expect(b).toBe(`${a}-2`);
      const mb = JSON.parse(await readFile(join(b, 'manifest.json'), 'utf8')) as Manifest;
      const snapshot = 'api/zenovay/all-weekly.json.gz';
      expect(Object.keys(mb.files)).toEqual(expect.arrayContaining(['quarantine.csv', 'ltv.csv', snapshot]));
      for (const rel of ['quarantine.csv', snapshot]) {
        const st = await lstat(join(b, rel));
        expect(st.isFile(), rel).toBe(true);
        expect(st.ino, rel).not.toBe((await stat(join(store, rel === snapshot ? snapshot : 'q.csv'))).ino);
        const bytes = await readFile(join(b, rel));
        expect({ bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') }).toEqual(mb.files[rel]);
      }
      // A regular file of the run is still shared.
      expect((await stat(join(b, 'ltv.csv'))).ino).toBe((await stat(join(a, 'ltv.csv'))).ino);
    } finally {
      await fx.cleanup();
    }
  });
});

describe('retention', () => {
  it('keeps the newest runs by as-of and repeat number, and never counts or removes what an operator put in runs/', async () => {
    const runs = join(reports, 'acme', 'runs');
    await mkdir(join(runs, '2019-archive'), { recursive: true });
    await writeFile(join(runs, '2019-archive', 'important.txt'), 'keep');
    await mkdir(join(runs, 'notes'));
    await writeFile(join(runs, 'README.txt'), 'hand-written');
    // Runs of earlier days: an id with milliseconds (older versions), the 1st to the 10th run at one as-of.
    const older = ['20260101T000000.123Z', '20260301T000000Z', ...Array.from({ length: 9 }, (_, i) => `20260301T000000Z-${i + 2}`)];
    for (const id of older) await mkdir(join(runs, id));
    const slot = await reserveRun(reports, 'acme', new Date('2026-03-02T00:00:00Z'), null);
    await commitRun(slot, manifestOf('acme', slot.runId), 3);
    // Kept: the run just published and the two newest before it, -10 and -9 (a string sort puts -10 before -2).
    expect((await readdir(runs)).sort()).toEqual(['2019-archive', '20260301T000000Z-10', '20260301T000000Z-9', '20260302T000000Z', 'README.txt', 'notes']);
    expect(await readFile(join(runs, '2019-archive', 'important.txt'), 'utf8')).toBe('keep');
  });

  it('removes a run by renaming it out of the run names first, and what a process killed while removing one left', async () => {
    const runs = join(reports, 'acme', 'runs');
    // A run half removed by a killed process, under its hidden name: never listed as a run, gone at the next publish.
    await mkdir(join(runs, '.removing-20260301T000000Z-0a1b2c3d', 'api'), { recursive: true });
    await writeFile(join(runs, '.removing-20260301T000000Z-0a1b2c3d', 'manifest.json'), '{}');
    const first = await reserveRun(reports, 'acme', new Date('2026-03-02T00:00:00Z'), null);
    await commitRun(first, manifestOf('acme', first.runId), 1);
    expect((await readdir(runs)).sort()).toEqual(['20260302T000000Z']);
    const next = await reserveRun(reports, 'acme', new Date('2026-03-03T00:00:00Z'), null);
    await commitRun(next, manifestOf('acme', next.runId), 1);
    expect((await readdir(runs)).sort()).toEqual(['20260303T000000Z']);
  });

  it('a leftover it cannot remove is a warning naming it, after the run is published and latest moved; the rest is still removed', async () => {
    const runs = join(reports, 'acme', 'runs');
    for (const id of ['20260228T000000Z', '20260301T000000Z']) await mkdir(join(runs, id), { recursive: true });
    // A folder where a killed publish leaves its owner file: Node's rm refuses it as a file (EISDIR), as it
    // refuses the file of a run the user may not enter (EACCES, which root does not meet).
    await mkdir(join(runs, '20260301T000000Z', '.owner', 'x'), { recursive: true });
    const slot = await reserveRun(reports, 'acme', new Date('2026-03-02T00:00:00Z'), null);
    const done = await commitRun(slot, manifestOf('acme', slot.runId), 2);
    expect(done).toEqual({
      latest: '20260302T000000Z',
      cleanup: [`cannot remove ${join(runs, '20260301T000000Z', '.owner')} (EISDIR): remove it by hand`],
    });
    expect(await readlink(join(reports, 'acme', 'latest'))).toBe('runs/20260302T000000Z');
    expect((await readdir(runs)).sort()).toEqual(['20260301T000000Z', '20260302T000000Z']);
  });
});

describe('one publish of a tenant at a time', () => {
  it('renames, switches latest and applies retention only while holding the tenant\'s publish lock', async () => {
    const first = await reserveRun(reports, 'acme', new Date('2026-03-15T00:00:00Z'), null);
    await commitRun(first, manifestOf('acme', first.runId), 1);
    // Another process is publishing the tenant (its lock: this machine, a live pid).
    const lock = join(reports, 'acme', '.publish.lock');
    await writeFile(lock, JSON.stringify({ host: hostname(), pid: process.pid }));
    const next = await reserveRun(reports, 'acme', new Date('2026-03-16T00:00:00Z'), null);
    let done = false;
    const committing = commitRun(next, manifestOf('acme', next.runId), 1).then((r) => ((done = true), r));
    await sleep(400);
    // Waiting: not yet in runs/, latest and the older run untouched.
    expect(done).toBe(false);
    expect((await readdir(join(reports, 'acme', 'runs'))).filter((n) => !n.startsWith('.'))).toEqual(['20260315T000000Z']);
    expect(await readlink(join(reports, 'acme', 'latest'))).toBe('runs/20260315T000000Z');
    await rm(lock);
    expect(await committing).toEqual({ latest: '20260316T000000Z', cleanup: [] });
    expect(await readdir(join(reports, 'acme', 'runs'))).toEqual(['20260316T000000Z']);
    expect(await readdir(join(reports, 'acme'))).not.toContain('.publish.lock');
  });
});

describe('repeat numbers', () => {
  it('are never taken again: after retention removed the first runs of an as-of, the next run is the newest, and stays', async () => {
    const runs = join(reports, 'acme', 'runs');
    const asOf = new Date('2026-03-16T15:00:00Z');
    const published: string[] = [];
    for (let i = 0; i < 5; i++) {
      const slot = await reserveRun(reports, 'acme', asOf, null);
      await commitRun(slot, manifestOf('acme', slot.runId), 2);
      published.push(slot.runId);
    }
    // The fourth run was `20260316T150000Z` again (its first run removed by retention), ranked below -3,
    // and the fifth's retention removed it and kept -3.
    expect(published).toEqual(['20260316T150000Z', '20260316T150000Z-2', '20260316T150000Z-3', '20260316T150000Z-4', '20260316T150000Z-5']);
    expect((await readdir(runs)).sort()).toEqual(['20260316T150000Z-4', '20260316T150000Z-5']);
    expect(await readlink(join(reports, 'acme', 'latest'))).toBe('runs/20260316T150000Z-5');
  });
});

describe('latest never goes back in time', () => {
  it('publishes a backfill beside the later run and keeps latest there; a rerun at the same as-of moves it', async () => {
    const fx = await makeFixture({ 'e.csv': csv('customer_id,event_time,amount', [['a', '2026-01-10T10:00:00Z', '10']]) });
    try {
      const job = { inputs: [{ path: 'e.csv' }], retention: 1 };
      const latest = (): Promise<string> => readlink(join(fx.reportsDir, 'default', 'latest'));
      await runJob(fx, job, '2026-03-01T00:00:00Z');
      // An older as-of (a backfill, or a retried older slot finishing late): published, latest stays, and
      // retention (1) keeps the run it just published as well as latest's.
      const backfill = await runJob(fx, job, '2026-02-01T00:00:00Z');
      expect(backfill.tenants[0]).toMatchObject({ runId: '20260201T000000Z', latestStays: '20260301T000000Z' });
      expect(await latest()).toBe('runs/20260301T000000Z');
      expect((await readdir(join(fx.reportsDir, 'default', 'runs'))).sort()).toEqual(['20260201T000000Z', '20260301T000000Z']);
      // A rerun at latest's as-of is a correction: latest moves to it; retention then drops the backfill.
      const rerun = await runJob(fx, job, '2026-03-01T00:00:00Z');
      expect(rerun.tenants[0]!.latestStays).toBeUndefined();
      expect(await latest()).toBe('runs/20260301T000000Z-2');
      expect((await readdir(join(fx.reportsDir, 'default', 'runs'))).sort()).toEqual(['20260301T000000Z-2']);
    } finally {
      await fx.cleanup();
    }
  });

  it('compares as-of times to the millisecond: a run earlier within the same second (its run-id a -2) leaves latest', async () => {
    const fx = await makeFixture({ 'e.csv': csv('customer_id,event_time,amount', [['a', '2024-12-10T10:00:00Z', '10']]) });
    try {
      const job = { inputs: [{ path: 'e.csv' }], timezone: 'Europe/Berlin', formats: ['json' as const], forecast: { model: 'off' as const } };
      const latest = (): Promise<string> => readlink(join(fx.reportsDir, 'default', 'latest'));
      const asOfOf = async (): Promise<string> => (JSON.parse(await readFile(join(fx.reportsDir, 'default', 'latest', 'manifest.json'), 'utf8')) as Manifest).as_of;
      await runJob(fx, job, '2025-01-01T00:00:00.5Z');
      // Run-ids keep whole seconds: the earlier as-of takes the -2, and latest stays on the later one.
      const earlier = await runJob(fx, job, '2025-01-01T00:00:00.000Z');
      expect(earlier.tenants[0]).toMatchObject({ runId: '20250101T000000Z-2', latestStays: '20250101T000000Z' });
      expect([await latest(), await asOfOf()]).toEqual(['runs/20250101T000000Z', '2025-01-01T00:00:00.500Z']);
      // A later one within the second (the -3) moves it; a rerun at that as-of (the -4) is a correction and moves it too.
      expect((await runJob(fx, job, '2025-01-01T00:00:00.750Z')).tenants[0]!.latestStays).toBeUndefined();
      expect([await latest(), await asOfOf()]).toEqual(['runs/20250101T000000Z-3', '2025-01-01T00:00:00.750Z']);
      expect((await runJob(fx, job, '2025-01-01T00:00:00.750Z')).tenants[0]!.latestStays).toBeUndefined();
      expect(await latest()).toBe('runs/20250101T000000Z-4');
    } finally {
      await fx.cleanup();
    }
  });
});

describe('what a publish killed in its last steps leaves', () => {
  it('keeps the owner file until the rename: a staging directory left at that instant is known as an attempt\'s, and its run-id is not lost', async () => {
    const slot = await reserveRun(reports, 'acme', AS_OF, 'key-1', { job: 'test', locked: true });
    await writeFile(join(slot.stagingDir, 'ltv.json'), '{}');
    // The rename fails (a directory is in the way, as an older writer could leave one): the attempt stops at
    // the rename, as one killed there does. Its staging directory still says whose it is.
    await mkdir(join(slot.finalDir, 'x'), { recursive: true });
    await expect(commitRun(slot, manifestOf('acme', slot.runId), 30)).rejects.toThrow(/was published by another run/);
    expect(JSON.parse(await readFile(join(slot.stagingDir, '.owner'), 'utf8'))).toMatchObject({ job: 'test', host: hostname(), pid: process.pid, locked: true });
    await abandonRun(slot);
    // Published, the run holds no owner file.
    await rm(slot.finalDir, { recursive: true });
    const again = await reserveRun(reports, 'acme', AS_OF, 'key-1', { job: 'test', locked: true });
    expect(again.runId).toBe('20260316T150000Z');
    await writeFile(join(again.stagingDir, 'ltv.json'), '{}');
    await commitRun(again, manifestOf('acme', again.runId), 30);
    expect(await readdir(again.finalDir)).toEqual(['ltv.json', 'manifest.json']);
  });

  it('removes a published run\'s stray owner file and a `latest` link older than a minute at the tenant\'s next publish', async () => {
    const first = await reserveRun(reports, 'acme', AS_OF, null);
    await commitRun(first, manifestOf('acme', first.runId), 30);
    const tenantDir = join(reports, 'acme');
    // Killed after the rename (owner file still in the run) and before `latest` was switched (its new link).
    await writeFile(join(first.finalDir, '.owner'), JSON.stringify({ job: 'test', host: hostname(), pid: 1, locked: false }));
    const { lutimes, symlink } = await import('node:fs/promises');
    await symlink('runs/20260316T150000Z', join(tenantDir, '.latest-0badc0de'));
    const old = new Date(Date.now() - 120_000);
    await lutimes(join(tenantDir, '.latest-0badc0de'), old, old);
    // One just made: another publish of the tenant between its two steps. Kept.
    await symlink('runs/20260316T150000Z', join(tenantDir, '.latest-0000beef'));
    const second = await reserveRun(reports, 'acme', new Date('2026-03-17T15:00:00Z'), null);
    await commitRun(second, manifestOf('acme', second.runId), 30);
    expect(await readdir(first.finalDir)).toEqual(['manifest.json']);
    expect((await readdir(tenantDir)).sort()).toEqual(['.latest-0000beef', 'latest', 'runs']);
  });
});
