// `ltv run` as a user runs it: the real launcher in a child process, plain progress lines off a terminal,
// a one-line error and exit 1 for a mistake (never a stack trace), the published run on disk.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { access, chmod, mkdir, readdir, readFile, readlink, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import { csv, makeFixture } from '../helpers/runFixture.js';
import { startHeld } from '../helpers/heldStart.js';

const BIN = fileURLToPath(new URL('../../src/cli/bin.mjs', import.meta.url));

function ltv(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/**
 * `ltv run` as a user that may not read a file of mode 000: root reads every file, so as root (CI) it runs
 * as `nobody`, with the fixture's folders opened to it; else as this user, who may not read it either.
 */
function ltvUnprivileged(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, ...asNobody, env: { ...process.env, NO_COLOR: '1', HOME: cwd } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** The example job run by `ltv run` in a child process, its reports under `dir`/out; `shown` waits for stdout to match. */
function runExample(dir: string): { child: ChildProcess; stderr(): string; shown(re: RegExp): Promise<void>; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const child = spawn(process.execPath, [BIN, 'run', fileURLToPath(new URL('../../jobs/example.json', import.meta.url)), '--out', join(dir, 'out'), '--no-email'],
    { cwd: dir, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiting: { re: RegExp; done(): void }[] = [];
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    for (const w of waiting.filter((x) => x.re.test(stdout))) w.done();
  });
  return {
    child,
    stderr: () => stderr,
    shown: (re) => (re.test(stdout) ? Promise.resolve() : new Promise((done) => waiting.push({ re, done }))),
    exited: new Promise((r) => child.on('exit', (code, signal) => r({ code, signal }))),
  };
}

// Every test is its own processes and directories: they run concurrently, and so assert with their own `expect`.
describe.concurrent('ltv run (command line)', () => {
  it('publishes a run from --input flags and reports it', async ({ expect }) => {
    const fx = await makeFixture({
      'e.csv': csv('CustomerID,When,Paid', [['a', '20260110', '10'], ['b', '20260111', '30'], ['a', '20260212', '5']]),
    });
    try {
      const r = await ltv(['run', '--input', 'e.csv', '--map', 'customer_id=CustomerID,event_time=When,amount=Paid',
        '--tenant', 'shop', '--as-of', '2026-03-01T00:00:00Z', '--out', 'out'], fx.dir);
      expect(r.stdout).toMatch(/ingest: reading inputs/); // progress on stdout, stderr only for errors and warnings
      expect(r.stdout).toMatch(/compute: computing LTV \(3 rows\)/);
      expect(r.code).toBe(0);
      // (10 + 30 + 5) / 2 customers = 22.50 revenue; both paid by Jan 11: 30-day LTV (10 + 30) / 2 = 20.00.
      expect(r.stdout).toMatch(/^shop: run 20260301T000000Z published to .*out\/shop\/runs\/20260301T000000Z$/m);
      expect(r.stdout).toMatch(/2 customers in 1 monthly cohort, revenue 45\.00 USD, LTV 30d 20\.00, 90d n\/a/);
      expect(await readlink(join(fx.dir, 'out', 'shop', 'latest'))).toBe('runs/20260301T000000Z');
    } finally {
      await fx.cleanup();
    }
  });

  it('a file where a tenant\'s runs folder goes: one line saying what is in the way and what to do', async ({ expect }) => {
    const fx = await makeFixture({ 'e.csv': csv('customer_id,event_time,amount', [['a', '2026-01-10', '10']]), 'out/lf/runs': 'x\n' });
    try {
      await writeFile(join(fx.dir, 'job.json'), JSON.stringify({ inputs: [{ path: 'e.csv' }], tenant: 'lf', reports_dir: 'out', as_of: '2026-02-11T00:00:00Z', forecast: { model: 'off' } }));
      // A symbolic link to a folder that does not exist, as the tenant's folder or as its runs folder (that
      // one was an internal error from the staging directory's mkdir).
      await symlink('/nonexistent-ltv-test', join(fx.dir, 'out', 'dl'));
      await mkdir(join(fx.dir, 'out', 'rl'));
      await symlink('/nonexistent-ltv-test/x', join(fx.dir, 'out', 'rl', 'runs'));
      const flags = (tenant: string) => ['run', '--input', 'e.csv', '--tenant', tenant, '--as-of', '2026-02-11T00:00:00Z', '--out', 'out', '--forecast', 'off'];
      // Every run at once: none writes anything.
      const [r, viaEnv, viaJob, dl, rl] = await Promise.all([
        ltv(flags('lf'), fx.dir),
        ltv(['run', '--input', 'e.csv', '--tenant', 'lf', '--as-of', '2026-02-11T00:00:00Z', '--forecast', 'off'], fx.dir, { LTV_REPORTS_DIR: join(fx.dir, 'out') }),
        ltv(['run', 'job.json'], fx.dir),
        ltv(flags('dl'), fx.dir),
        ltv(flags('rl'), fx.dir),
      ]);
      // It said "cannot create …/runs: ENOTDIR" and nothing else.
      expect([r.code, r.stderr]).toEqual([1, `ltv: cannot create ${join(fx.dir, 'out', 'lf', 'runs')} (ENOTDIR: a part of that path is a file, not a folder): move the file away, or give another --out\n`]);
      // Said after where the path came from: LTV_REPORTS_DIR (the worker's, over the job's reports_dir), or the
      // job file's reports_dir (it said "give another --out" whatever the source: the worker has no --out).
      expect([viaEnv.code, viaEnv.stderr]).toEqual([1, `ltv: cannot create ${join(fx.dir, 'out', 'lf', 'runs')} (ENOTDIR: a part of that path is a file, not a folder): move the file away, or set LTV_REPORTS_DIR to another directory (it overrides the job's "reports_dir")\n`]);
      expect([viaJob.code, viaJob.stderr]).toEqual([1, `ltv: cannot create ${join(fx.dir, 'out', 'lf', 'runs')} (ENOTDIR: a part of that path is a file, not a folder): move the file away, or give another "reports_dir" in job.json (or, with ltv run, --out)\n`]);
      for (const [tenant, d] of [['dl', dl], ['rl', rl]] as const) {
        expect([d.code, d.stderr]).toEqual([1, `ltv: cannot create ${join(fx.dir, 'out', tenant, 'runs')} (ENOENT: a part of that path is a symbolic link to a folder that does not exist): make that folder, remove the link, or give another --out\n`]);
      }
    } finally {
      await fx.cleanup();
    }
  }, 180_000);

  it('writes nothing through a symbolic link that leads out of the reports folder; links inside it, and a linked reports folder, work', async ({ expect }) => {
    const fx = await makeFixture({ 'e.csv': csv('customer_id,event_time,amount', [['a', '2026-01-10', '10']]) });
    try {
      const args = (tenant: string, out = 'out') => ['run', '--input', 'e.csv', '--tenant', tenant, '--as-of', '2026-01-11T00:00:00Z', '--out', out, '--forecast', 'off'];
      await mkdir(join(fx.dir, 'elsewhere', 'runs'), { recursive: true });
      await mkdir(join(fx.dir, 'out', 'rl'), { recursive: true });
      await mkdir(join(fx.dir, 'out', 'nl'), { recursive: true });
      // The tenant's folder, its runs folder, its notify folder: each a link to a folder outside.
      await symlink(join(fx.dir, 'elsewhere'), join(fx.dir, 'out', 'tl'));
      await symlink('../../elsewhere/runs', join(fx.dir, 'out', 'rl', 'runs'));
      await symlink(join(fx.dir, 'elsewhere'), join(fx.dir, 'out', 'nl', 'notify'));
      // .failed/, where a run over the bad-row limit keeps its quarantine.
      await writeFile(join(fx.dir, 'bad.csv'), csv('customer_id,event_time,amount', [['a', '2026-01-10', 'x']]));
      await symlink(join(fx.dir, 'elsewhere'), join(fx.dir, 'out', '.failed'));
      // A link to another folder inside the reports folder is followed; so is a reports folder that is a link.
      await mkdir(join(fx.dir, 'out', 'vol'));
      await symlink('vol', join(fx.dir, 'out', 'il'));
      await symlink('out', join(fx.dir, 'outlink'));
      // Every run at once: each its own tenant (the suite's time is mostly processes started one after another).
      const refusal = (link: string, target: string) => [1, `ltv: ${join(fx.dir, 'out', link)} leads out of the reports directory ${join(fx.dir, 'out')} (a symbolic link to ${join(fx.dir, target)}): ltv writes only inside it; replace the link with a folder, or give another --out\n`];
      const [tl, rl, nl, failed, inside, linked] = await Promise.all([
        ltv(args('tl'), fx.dir), ltv(args('rl'), fx.dir), ltv(args('nl'), fx.dir),
        ltv(['run', '--input', 'bad.csv', '--as-of', '2026-01-11T00:00:00Z', '--out', 'out', '--forecast', 'off'], fx.dir),
        ltv(args('il'), fx.dir), ltv(args('ok', 'outlink'), fx.dir),
      ]);
      expect([tl.code, tl.stderr]).toEqual(refusal('tl', 'elsewhere'));
      expect([rl.code, rl.stderr]).toEqual(refusal('rl/runs', 'elsewhere/runs'));
      expect([nl.code, nl.stderr]).toEqual(refusal('nl/notify', 'elsewhere'));
      expect([failed.code, failed.stderr]).toEqual(refusal('.failed', 'elsewhere'));
      expect(await readdir(join(fx.dir, 'elsewhere', 'runs'))).toEqual([]);
      expect((await readdir(join(fx.dir, 'elsewhere'))).sort()).toEqual(['runs']);
      expect([inside.code, inside.stderr]).toEqual([0, '']);
      expect(await readlink(join(fx.dir, 'out', 'vol', 'latest'))).toBe('runs/20260111T000000Z');
      expect([linked.code, linked.stderr]).toEqual([0, '']);
      expect(await readlink(join(fx.dir, 'out', 'ok', 'latest'))).toBe('runs/20260111T000000Z');
    } finally {
      await fx.cleanup();
    }
  }, 180_000);

  it('prints a tenant id holding CR, LF, a bidi override, a C1 control or U+2028 on one line, made visible', async ({ expect }) => {
    // Tenant ids from the data: "cr\rover" (a raw CR let "over: run …" overwrite the start of the line),
    // "line\nbreak" (its warning split over two lines), "ok\u009bx" (U+009B, CSI to a terminal, was printed raw).
    const rows = [['cr\rover', 'a', '2026-01-10T10:00:00Z', '10'], ['line\nbreak', 'b', '2026-01-11T10:00:00Z', '5'], ['\u202eSU', 'c', '2026-01-12T10:00:00Z', '7'],
      ['ok\u009bx', 'd', '2026-01-12T10:00:00Z', '8'], ['ls\u2028x', 'e', '2026-01-12T10:00:00Z', '9']];
    const fx = await makeFixture({ 'e.csv': `tenant_id,customer_id,event_time,amount\n${rows.map((r) => r.map((v) => `"${v}"`).join(',')).join('\n')}\n` });
    try {
      const r = await ltv(['run', '--input', 'e.csv', '--as-of', '2026-03-01T00:00:00Z', '--out', 'out'], fx.dir);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).not.toMatch(/\r/);
      expect(r.stdout).toMatch(/^cr\u240dover: run 20260301T000000Z published to /m);
      expect(r.stdout).toMatch(/^line\u240abreak: run 20260301T000000Z published to /m);
      expect(r.stdout).toMatch(/^\[U\+202E\]SU: run 20260301T000000Z published to /m);
      expect(r.stdout).toMatch(/^ok\[U\+009B\]x: run 20260301T000000Z published to /m);
      expect(r.stdout).toMatch(/^ls\[U\+2028\]x: run 20260301T000000Z published to /m);
      expect(r.stdout + r.stderr).not.toMatch(/[\u0080-\u009f\u2028\u2029]/);
      // Every warning (the data ends weeks before the as-of time) is one line that starts with "warning:".
      const warnings = r.stderr.split('\n').filter((l) => l !== '');
      expect(warnings.length).toBeGreaterThan(0);
      for (const w of warnings) expect(w).toMatch(/^warning: /);
    } finally {
      await fx.cleanup();
    }
  });

  it('an input or rates file the user may not read is one line saying so and what to do (it said the reports directory could not be written)', async ({ expect }) => {
    const rows = csv('customer_id,event_time,amount', [['a', '2026-01-10', '10']]);
    const fx = await makeFixture({ 'x.csv': rows, 'ok.csv': rows, 'rates.csv': 'date,currency,rate\n2026-01-01,EUR,1.1\n', 'sub/a.csv': rows });
    try {
      await chmod(fx.dir, 0o755);
      await mkdir(join(fx.dir, 'out'), { mode: 0o777 });
      await chmod(join(fx.dir, 'out'), 0o777);
      await chmod(join(fx.dir, 'x.csv'), 0o000);
      await chmod(join(fx.dir, 'rates.csv'), 0o000);
      await chmod(join(fx.dir, 'sub'), 0o000);
      const common = ['--tenant', 't', '--as-of', '2026-03-01T00:00:00Z', '--out', 'out', '--forecast', 'off'];
      const input = await ltvUnprivileged(['run', '--input', 'x.csv', ...common], fx.dir);
      expect(input.stderr).toBe(`ltv: --input: cannot read ${join(fx.dir, 'x.csv')}: permission denied (EACCES): let the user running ltv read it and its folders\n`);
      expect(input.code).toBe(1);
      const rates = await ltvUnprivileged(['run', '--input', 'ok.csv', '--rates', 'rates.csv', ...common], fx.dir);
      expect(rates.stderr).toBe(`ltv: --rates: cannot read ${join(fx.dir, 'rates.csv')}: permission denied (EACCES): let the user running ltv read it and its folders\n`);
      expect(rates.code).toBe(1);
      // A glob in a folder that cannot be listed: it said "no file matches".
      const glob = await ltvUnprivileged(['run', '--input', 'sub/*.csv', ...common], fx.dir);
      expect(glob.stderr).toBe(`ltv: --input: cannot read "sub/*.csv": its folder ${join(fx.dir, 'sub')}: permission denied (EACCES): let the user running ltv read it and its folders\n`);
      expect(glob.code).toBe(1);
      expect(await readdir(join(fx.dir, 'out'))).toEqual([]);
    } finally {
      await chmod(join(fx.dir, 'sub'), 0o755);
      await fx.cleanup();
    }
  });

  it('a tenant folder whose publish lock is a folder fails in one line naming it, and leaves no staging directory (the publish spun until killed)', async ({ expect }) => {
    const fx = await makeFixture({ 'e.csv': csv('customer_id,event_time,amount', [['a', '2026-01-10', '10']]) });
    try {
      const lock = join(fx.dir, 'out', 't', '.publish.lock');
      await mkdir(lock, { recursive: true });
      // Killed if it spins again: a test timing out leaves its child running.
      const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
        execFile(process.execPath, [BIN, 'run', '--input', 'e.csv', '--tenant', 't', '--as-of', '2026-03-01T00:00:00Z', '--out', 'out', '--forecast', 'off'],
          { cwd: fx.dir, timeout: 50_000, killSignal: 'SIGKILL', env: { ...process.env, NO_COLOR: '1' } },
          (err, _stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }));
      });
      expect(r.stderr).toBe(`ltv: ${lock} is a folder, not a lock file of ltv: remove it (rmdir ${lock}), then try again\n`);
      expect(r.code).toBe(1);
      expect(await readdir(join(fx.dir, 'out', 't', 'runs'))).toEqual([]);
    } finally {
      await fx.cleanup();
    }
  });

  it('a runs/ folder the user may not write to is named, not the staging directory inside it that was never made', async ({ expect }) => {
    const fx = await makeFixture({ 'e.csv': csv('customer_id,event_time,amount', [['a', '2026-01-10', '10']]) });
    const runs = join(fx.dir, 'out', 't', 'runs');
    try {
      await chmod(fx.dir, 0o755);
      await mkdir(runs, { recursive: true });
      await chmod(join(fx.dir, 'out'), 0o777);
      await chmod(join(fx.dir, 'out', 't'), 0o777);
      await chmod(runs, 0o555);
      const r = await ltvUnprivileged(['run', '--input', 'e.csv', '--tenant', 't', '--as-of', '2026-03-16T15:00:00Z', '--out', 'out', '--forecast', 'off'], fx.dir);
      expect(r.stderr).toBe(`ltv: cannot write ${runs} (EACCES); nothing was published: make it writable, or give another --out\n`);
      expect(r.code).toBe(1);
    } finally {
      await chmod(runs, 0o755).catch(() => undefined);
      await fx.cleanup();
    }
  });

  it('a run published whose cleanup then fails (an older run it may not enter) exits 0 with a warning naming the path, and sends no failure notice', async ({ expect }) => {
    const fx = await makeFixture({ 'e.csv': csv('customer_id,event_time,amount', [['a', '2026-01-10', '10']]) });
    const old = join(fx.dir, 'out', 't', 'runs', '20260301T000000Z');
    try {
      await chmod(fx.dir, 0o755);
      await mkdir(join(fx.dir, 'out'), { mode: 0o777 });
      await chmod(join(fx.dir, 'out'), 0o777);
      // The job emails its ops: a failure notice would be written to out/.failed/notices (a dry run).
      await writeFile(join(fx.dir, 'job.json'), JSON.stringify({
        tenant: 't', inputs: [{ path: 'e.csv' }], reports_dir: 'out', forecast: { model: 'off' }, email: { to: ['finance@example.com'], ops: ['ops@example.com'] },
      }));
      const first = await ltvUnprivileged(['run', 'job.json', '--as-of', '2026-03-01T00:00:00Z', '--email-dry-run'], fx.dir);
      expect([first.code, first.stderr]).toEqual([0, expect.any(String)]);
      await chmod(old, 0o000);
      const r = await ltvUnprivileged(['run', 'job.json', '--as-of', '2026-03-02T00:00:00Z', '--email-dry-run'], fx.dir);
      // It said "cannot write …/.owner (EACCES); nothing was published", exit 1, and sent a failure notice.
      expect(r.stdout).toMatch(/^t: run 20260302T000000Z published to /m);
      expect(r.stderr.split('\n').filter((l) => l.includes(old))).toEqual([
        `warning: t: run 20260302T000000Z is published, but cleaning up after it failed: cannot remove ${join(old, '.owner')} (EACCES): let the user running ltv write to it and its folder, or remove it by hand`,
      ]);
      expect(r.code).toBe(0);
      expect(await readlink(join(fx.dir, 'out', 't', 'latest'))).toBe('runs/20260302T000000Z');
      expect(await readdir(join(fx.dir, 'out'))).toEqual(['t']);
    } finally {
      await chmod(old, 0o755).catch(() => undefined);
      await fx.cleanup();
    }
  });

  it('names the job file as it was given in a message about its fields, wherever it lives', async ({ expect }) => {
    const fx = await makeFixture({
      'conf/shop.json': JSON.stringify({ tenant: 'shop', inputs: [{ path: '../exports' }] }),
      'exports/e.csv': csv('customer_id,event_time,amount', [['a', '2026-01-10T10:00:00Z', '10']]),
    });
    try {
      const r = await ltv(['run', 'conf/shop.json', '--out', 'out'], fx.dir);
      expect(r.code).toBe(1);
      // It said jobs/shop.json, a file that does not exist.
      expect(r.stderr).toBe(`ltv: conf/shop.json: inputs[0].path: ${join(fx.dir, 'exports')} is a directory (give a file, or a glob such as dir/*.csv)\n`);
    } finally {
      await fx.cleanup();
    }
  });

  it('says where to map a missing column by where the input is: the job file\'s inputs[i].map (its --map is refused), or --map for --input', async ({ expect }) => {
    const fx = await makeFixture({
      'conf/shop.json': JSON.stringify({ tenant: 'shop', inputs: [{ path: '../e.csv' }, { path: '../f.csv' }] }),
      'e.csv': csv('customer_id,event_time,amount', [['a', '2026-01-10T10:00:00Z', '10']]),
      'f.csv': csv('customer,when,amt', [['b', '2026-01-11T10:00:00Z', '20']]),
    });
    try {
      const job = await ltv(['run', 'conf/shop.json', '--out', 'out', '--forecast', 'off'], fx.dir);
      expect(job.stderr).toBe(`ltv: ${join(fx.dir, 'f.csv')}: no column for the required "customer_id" (the file has: customer, when, amt); map one in conf/shop.json: "inputs[1].map": {"customer_id": "<column>"}\n`);
      expect(job.code).toBe(1);
      const flags = await ltv(['run', '--input', 'f.csv', '--out', 'out', '--forecast', 'off'], fx.dir);
      expect(flags.stderr).toBe(`ltv: ${join(fx.dir, 'f.csv')}: no column for the required "customer_id" (the file has: customer, when, amt); map one with --map customer_id=<column>\n`);
      expect(flags.code).toBe(1);
    } finally {
      await fx.cleanup();
    }
  });

  it('counts the refunds of a customer whose only rows are refunds in its summary line: read, not quarantined, in no cohort', async ({ expect }) => {
    // z has two refunds and no payment: the count is of refunds, 2, not of customers (it was labelled
    // "customers with refunds but no payment 2").
    const fx = await makeFixture({
      'e.csv': csv('customer_id,event_time,amount', [['a', '2026-01-10T10:00:00Z', '10'], ['b', '2026-01-11T10:00:00Z', '30'], ['z', '2026-01-12T10:00:00Z', '-5'], ['z', '2026-01-12T11:00:00Z', '-2']]),
    });
    try {
      const r = await ltv(['run', '--input', 'e.csv', '--as-of', '2026-01-13T00:00:00Z', '--out', 'out', '--forecast', 'off'], fx.dir);
      expect(r.code, r.stderr).toBe(0);
      // 10 + 30 over a and b; z's refunds of 5 and 2 take nothing from them.
      expect(r.stdout).toMatch(/2 customers in 1 monthly cohort, revenue 40\.00 USD/);
      expect(r.stdout).toMatch(/^rows read 4, quarantined 0, duplicates 0, sandbox 0, after as-of 0, transactions 2, refund rows 2, zero amount 0, refunds of customers without a payment 2 \(in no cohort\)$/m);
    } finally {
      await fx.cleanup();
    }
  });

  it('prints every bucket of the rows read in its summary line, rows of amount 0 too, so that it adds up', async ({ expect }) => {
    const fx = await makeFixture({
      'e.csv': csv('customer_id,event_time,amount,transaction_id,is_sandbox', [
        ['a', '2026-01-10T10:00:00Z', '10', 't1', 'false'], // transaction
        ['a', '2026-01-10T10:00:00Z', '10', 't1', 'false'], // duplicate
        ['b', '2026-01-11T10:00:00Z', '0', 't2', 'false'], // amount 0
        ['c', '2026-01-11T10:00:00Z', '-0', 't3', 'false'], // amount 0
        ['d', '2026-01-11T10:00:00Z', '5', 't4', 'true'], // sandbox
        ['e', '2026-02-01T10:00:00Z', '5', 't5', 'false'], // after the as-of time
        ['f', 'x', '5', 't6', 'false'], // quarantined
        ['z', '2026-01-12T10:00:00Z', '-5', 't7', 'false'], // refund row of a customer who never paid
        ['CUSTOMER_ID', 'EVENT_TIME', 'AMOUNT', 'TRANSACTION_ID', 'IS_SANDBOX'], // the header again: no row
      ]),
    });
    try {
      const r = await ltv(['run', '--input', 'e.csv', '--as-of', '2026-01-13T00:00:00Z', '--out', 'out', '--forecast', 'off', '--max-bad-row-share', '0.2'], fx.dir);
      expect(r.code, r.stderr).toBe(0);
      // 8 = 1 + 1 + 1 + 1 + 1 + 1 + 2. Before, "rows read 8, quarantined 1, duplicates 1, sandbox 1, after as-of 1": 4 rows unaccounted for.
      expect(r.stdout).toMatch(/^rows read 8, quarantined 1, duplicates 1, sandbox 1, after as-of 1, transactions 1, refund rows 1, zero amount 2, refunds of customers without a payment 1 \(in no cohort\)$/m);
    } finally {
      await fx.cleanup();
    }
  });

  it.for([
    [['run'], /^ltv: give a job file \(ltv run jobs\/example\.json\) or at least one --input <path>\n$/],
    [['run', '--input', 'nope.csv'], /^ltv: --input: no file matches "nope\.csv" \(looked in .*\)\n$/],
    [['run', '--input', 'e.csv', '--as-of', 'yesterday'], /^ltv: --as-of: "yesterday" is not an ISO 8601 time \(e\.g\. 2026-03-16T15:00:00Z\)\n$/],
    [['run', 'missing-job.json'], /^ltv: missing-job\.json: no such job file: give the path of a job's \.json file, e\.g\. jobs\/example\.json\n$/],
    // A name's C1 control (CSI) and line separator are shown, not printed raw.
    [['run', 'a\u009b\u2028b.json'], /^ltv: a\[U\+009B\]\[U\+2028\]b\.json: no such job file: /],
    // Node's recursive mkdir never returns under /proc (it hung a run at full CPU): refused before reading.
    [['run', '--input', 'e.csv', '--out', '/proc/ltv-nope'], /^ltv: cannot write the reports directory \/proc\/ltv-nope \(ENOENT\): give a writable --out/],
    [['run', '--input', 'e.csv', '--out', 'e.csv/out'], /^ltv: cannot write the reports directory .*\/e\.csv\/out \(ENOTDIR: a part of that path is a file, not a folder\): move the file away, or give another --out\n$/],
  ] as [string[], RegExp][])('answers a mistake with one line and exit 1: %j', async ([args, message], { expect }) => {
    const fx = await makeFixture({ 'e.csv': csv('customer_id,event_time,amount', [['a', '2026-01-10', '10']]) });
    try {
      const r = await ltv(args, fx.dir);
      expect(r.code).toBe(1);
      // Progress lines may precede it; the error is the last line, and there is no stack trace.
      expect(r.stderr.split('\n').filter(Boolean).pop()! + '\n').toMatch(message);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    } finally {
      await fx.cleanup();
    }
  });

  it('--forecast sets this run\'s forecast model over the job\'s (auto by default), and a model it does not know is one line', async ({ expect }) => {
    const fx = await makeFixture({
      'e.csv': csv('customer_id,event_time,amount', [['a', '2026-01-10T10:00:00Z', '10'], ['b', '2026-01-11T10:00:00Z', '30'], ['a', '2026-02-12T10:00:00Z', '5']]),
    });
    const run = (out: string, extra: string[]) => ltv(['run', '--input', 'e.csv', '--as-of', '2026-03-01T00:00:00Z', '--out', out, ...extra], fx.dir);
    const published = (out: string) => join(fx.dir, out, 'default', 'latest');
    try {
      // Four independent runs (each its own output directory): started together rather than one after another.
      const [onRun, defaultRun, offRun, bad] = await Promise.all([run('on', ['--forecast', 'auto']), run('default', []), run('off', ['--forecast', 'off']), run('bad', ['--forecast', 'weekly'])]);
      expect(onRun.code).toBe(0);
      const on = JSON.parse(await readFile(join(published('on'), 'ltv.json'), 'utf8')) as { forecast?: { chosen_by: string; reason: string } };
      // Two customers: no model can be fitted, and the report says so rather than leaving it out.
      expect(on.forecast?.chosen_by).toBe('auto');
      expect(on.forecast?.reason).toMatch(/^no forecast: /);
      await access(join(published('on'), 'data', 'forecast.json'));

      // Without the flag: the default, auto.
      expect(defaultRun.code).toBe(0);
      const byDefault = JSON.parse(await readFile(join(published('default'), 'ltv.json'), 'utf8')) as { forecast?: { chosen_by: string; reason: string } };
      expect(byDefault.forecast).toEqual(on.forecast);

      expect(offRun.code).toBe(0);
      const off = JSON.parse(await readFile(join(published('off'), 'ltv.json'), 'utf8')) as { forecast?: unknown };
      expect(off.forecast).toBeUndefined();
      await expect(access(join(published('off'), 'data', 'forecast.json'))).rejects.toThrow(/ENOENT/);

      expect(bad.code).toBe(1);
      expect(bad.stderr).toBe('ltv: --forecast: "weekly" is not a forecast model; use auto, sbg, bgnbd, off\n');
    } finally {
      await fx.cleanup();
    }
  });

  it('--max-bad-row-share sets the bad-row limit of a run from --input, which the limit\'s message names', async ({ expect }) => {
    // 1 bad row of 4 (25 %): above the default 1 %, within 0.5.
    const fx = await makeFixture({
      'e.csv': csv('customer_id,event_time,amount', [['a', '2026-01-10T10:00:00Z', '10'], ['b', '2026-01-11T10:00:00Z', '30'], ['c', 'yesterday', '5'], ['a', '2026-02-12T10:00:00Z', '5']]),
    });
    const run = (out: string, extra: string[]) => ltv(['run', '--input', 'e.csv', '--as-of', '2026-03-01T00:00:00Z', '--out', out, '--forecast', 'off', ...extra], fx.dir);
    try {
      const [strict, raised, text, job] = await Promise.all([run('strict', []), run('raised', ['--max-bad-row-share', '0.5']), run('text', ['--max-bad-row-share', 'half']),
        ltv(['run', 'job.json', '--max-bad-row-share', '0.5'], fx.dir)]);
      expect(strict.code).toBe(1);
      expect(strict.stderr).toMatch(/^ltv: 1 of 4 rows \(25\.00 %\) is bad, above the 1\.00 % limit: nothing was published; see \S+ for each row's file, line and reason \(or raise max_bad_row_share: --max-bad-row-share with --input, else in the job file\); its reason: event_time is not an ISO 8601 time; an input's "time_format" \(--time-format\) reads another layout\n$/);
      expect(raised.code).toBe(0);
      // a 10 + 5, b 30: 45 over 2 customers.
      expect(raised.stdout).toMatch(/2 customers in 1 monthly cohort, revenue 45\.00 USD/);
      expect(raised.stdout).toMatch(/rows read 4, quarantined 1,/);
      expect(text.code).toBe(1);
      expect(text.stderr).toBe('ltv: --max-bad-row-share: "half" is not a number: give a share from 0 to 1, e.g. 0.05 for 5 %\n');
      // A job file sets its own limit: the flag beside it is refused, naming the field.
      expect(job.stderr).toBe('ltv: --max-bad-row-share applies to a run from --input only, and a job file sets it itself: put "max_bad_row_share" in job.json (or run with --input instead of the job file)\n');
    } finally {
      await fx.cleanup();
    }
  });

  it('an input whose every row is bad is not told to raise the bad-row limit, which cannot help', async ({ expect }) => {
    const fx = await makeFixture({ 'e.csv': csv('customer_id,event_time,amount', [['x', 'notatime', '5'], ['y', '2025-01-01T00:00:00Z', 'abc']]) });
    const run = (out: string, extra: string[]) => ltv(['run', '--input', 'e.csv', '--as-of', '2026-03-01T00:00:00Z', '--out', out, '--forecast', 'off', ...extra], fx.dir);
    try {
      const [strict, raised] = await Promise.all([run('strict', []), run('raised', ['--max-bad-row-share', '1'])]);
      // It said "2 of 2 rows (100.00 %) are bad, above the 1.00 % limit: … (or raise max_bad_row_share: …)"; raised to 1, the run still failed.
      const line = (out: string) => 'ltv: all 2 rows are bad: nothing was published (a report of no rows would replace the last good one); ' +
        `see ${join(fx.dir, out, '.failed', 'adhoc-20260301T000000Z', 'quarantine.csv')} for each row's file, line and reason; ` +
        'each for another reason, e.g. amount is not a decimal number (digits, a dot, at most 4 decimals; no separators or exponent)\n';
      expect([strict.code, strict.stderr]).toEqual([1, line('strict')]);
      expect([raised.code, raised.stderr]).toEqual([1, line('raised')]);
    } finally {
      await fx.cleanup();
    }
  });

  it('checks LTV_FORECAST_HEAP_MB before reading anything when the run forecasts, and ignores it when it does not', async ({ expect }) => {
    const fx = await makeFixture({ 'e.csv': csv('customer_id,event_time,amount', [['a', '2026-01-10T10:00:00Z', '10']]) });
    const run = (out: string, extra: string[]) => ltv(['run', '--input', 'e.csv', '--as-of', '2026-03-01T00:00:00Z', '--out', out, ...extra], fx.dir, { LTV_FORECAST_HEAP_MB: 'lots' });
    try {
      const [bad, off] = await Promise.all([run('bad', []), run('off', ['--forecast', 'off'])]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toBe('ltv: environment: LTV_FORECAST_HEAP_MB: must be a whole number in decimal digits, not "lots"\n');
      // Refused at the start: no stage began, nothing was published.
      expect(bad.stdout).not.toMatch(/ingest/);
      await expect(access(join(fx.dir, 'bad'))).rejects.toThrow(/ENOENT/);
      // A run without forecasts does not read the variable.
      expect(off.code).toBe(0);
      await access(join(fx.dir, 'off', 'default', 'latest', 'ltv.json'));
    } finally {
      await fx.cleanup();
    }
  });

  it('says in a warning line that a run published without its forecast, when the forecast failed (only the log said so)', async ({ expect }) => {
    // Customers buying twice (BG/NBD), and a forecast thread whose heap (1 MiB) cannot hold it: it dies.
    const rows = Array.from({ length: 60 }, (_, i) => [[`c${i}`, '2026-01-10T10:00:00Z', '10'], [`c${i}`, '2026-02-10T10:00:00Z', '12']]).flat();
    const fx = await makeFixture({ 'e.csv': csv('customer_id,event_time,amount', rows) });
    try {
      const r = await ltv(['run', '--input', 'e.csv', '--as-of', '2026-02-11T00:00:00Z', '--out', 'out'], fx.dir, { LTV_FORECAST_HEAP_MB: '1' });
      expect(r.code, r.stderr).toBe(0);
      const forecast = JSON.parse(await readFile(join(fx.dir, 'out', 'default', 'latest', 'data', 'forecast.json'), 'utf8')) as { model: string | null; reason: string };
      expect(forecast.model).toBeNull();
      const why = forecast.reason.replace(/^no forecast: the BG\/NBD forecast failed: /, '');
      expect(r.stderr).toBe(`warning: default: no forecast: it failed (${why}); the run is published without it, and its data/forecast.json says why\n`);
    } finally {
      await fx.cleanup();
    }
  });

  it('SIGTERM once the run is published ends the process with exit 0 and no interrupted line: the run is not cut short', async ({ expect }) => {
    const fx = await makeFixture({});
    try {
      const run = runExample(fx.dir);
      await run.shown(/published to/);
      // While its summary lines are printed and its threads end (it was Node's default: 143, no line).
      run.child.kill('SIGTERM');
      expect(await run.exited).toEqual({ code: 0, signal: null });
      expect(run.stderr()).not.toMatch(/interrupted/);
      expect(await readlink(join(fx.dir, 'out', 'demo-app', 'latest'))).toMatch(/^runs\/20260316T150000Z/);
    } finally {
      await fx.cleanup();
    }
  });

  // After "publish: publishing": a signal either stops the run before any tenant's run is switched (130/143,
  // nothing published) or comes too late for that and is said in one line of a published run (exit 0). It
  // was neither: exit 0, the run published, and no word of the signal.
  it.for([0, 250])('a SIGINT %i ms into the publish stage stops it cleanly or says the run is published anyway, in one line', { timeout: 240_000 }, async (delay, { expect }) => {
    const fx = await makeFixture({});
    try {
      const run = runExample(fx.dir);
      await run.shown(/publish: publishing/);
      await new Promise((r) => setTimeout(r, delay));
      run.child.kill('SIGINT');
      const { code } = await run.exited;
      const latest = await readlink(join(fx.dir, 'out', 'demo-app', 'latest')).catch(() => null);
      if (code === 130) {
        expect(run.stderr()).toBe('ltv: interrupted (SIGINT): nothing was published; the last published run is unchanged\n');
        expect(latest).toBeNull();
        expect(await readdir(join(fx.dir, 'out', 'demo-app', 'runs')).catch(() => [])).toEqual([]);
      } else {
        expect(code).toBe(0);
        expect(run.stderr()).toBe('ltv: interrupted (SIGINT) while publishing: too late to stop without half a report; the run is published\n');
        expect(latest).toMatch(/^runs\/20260316T150000Z/);
      }
    } finally {
      await fx.cleanup();
    }
  });

  // A tenant's publish lock held by this (live) process, touched as its owner does (untouched for 30 s it
  // is taken over). The run seals its staging directories, then waits at that tenant's switch.
  async function holdPublishLock(tenantDir: string): Promise<() => Promise<void>> {
    await mkdir(tenantDir, { recursive: true });
    const lock = join(tenantDir, '.publish.lock');
    await writeFile(lock, JSON.stringify({ host: hostname(), pid: process.pid }));
    const touch = setInterval(() => void utimes(lock, new Date(), new Date()).catch(() => undefined), 1000);
    return async () => {
      clearInterval(touch);
      await rm(lock);
    };
  }

  it('a SIGINT while a one-tenant run waits for its publish lock stops it there: nothing published, exit 130', { timeout: 240_000 }, async ({ expect }) => {
    const fx = await makeFixture({});
    const tenantDir = join(fx.dir, 'out', 'demo-app');
    try {
      const release = await holdPublishLock(tenantDir);
      const run = runExample(fx.dir);
      // The sealed run's manifest, written last before the switch; its fsyncs then take a while under load.
      const sealed = async (): Promise<boolean> => {
        const staging = (await readdir(join(tenantDir, 'runs')).catch(() => [])).filter((n) => n.startsWith('.staging-'));
        return (await Promise.all(staging.map((n) => access(join(tenantDir, 'runs', n, 'manifest.json')).then(() => true, () => false)))).includes(true);
      };
      while (!(await sealed())) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 3000));
      run.child.kill('SIGINT');
      expect((await run.exited).code).toBe(130);
      await release();
      expect(run.stderr()).toBe('ltv: interrupted (SIGINT): nothing was published; the last published run is unchanged\n');
      expect(await readlink(join(tenantDir, 'latest')).catch(() => null)).toBeNull();
      expect(await readdir(join(tenantDir, 'runs'))).toEqual([]);
    } finally {
      await fx.cleanup();
    }
  });

  it('a SIGINT once a run of several tenants has switched one live finishes the publish, says so in one line and exits 0', { timeout: 240_000 }, async ({ expect }) => {
    // Tenant a publishes; b's publish lock is held: the signal comes with a live and b waiting to switch.
    const rows = ['a,c1,2026-01-05T10:00:00Z,10', 'a,c2,2026-01-06T10:00:00Z,20', 'b,c3,2026-01-05T10:00:00Z,30'];
    const fx = await makeFixture({ 'e.csv': `tenant_id,customer_id,event_time,amount\n${rows.join('\n')}\n` });
    try {
      const release = await holdPublishLock(join(fx.dir, 'out', 'b'));
      const child = spawn(process.execPath, [BIN, 'run', '--input', 'e.csv', '--as-of', '2026-01-07T00:00:00Z', '--forecast', 'off', '--out', join(fx.dir, 'out'), '--no-email'],
        { cwd: fx.dir, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdout.resume();
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      while (await readlink(join(fx.dir, 'out', 'a', 'latest')).catch(() => null) === null) await new Promise((r) => setTimeout(r, 50));
      child.kill('SIGINT');
      // Longer than the 10 s a stop is given elsewhere: that timer ended the run here, with a live and b not.
      await new Promise((r) => setTimeout(r, 11_000));
      await release();
      expect(await exited).toBe(0);
      expect(stderr).toBe('ltv: interrupted (SIGINT) while publishing: too late to stop without half a report; the run is published\n');
      for (const t of ['a', 'b']) expect(await readlink(join(fx.dir, 'out', t, 'latest'))).toBe('runs/20260107T000000Z');
    } finally {
      await fx.cleanup();
    }
  });

  it('a Ctrl-C while the command is still loading says so in one line and exits 130 (it was killed by the signal, without a word)', async ({ expect }) => {
    // Node's default ended the process there: exit by signal, no line.
    const fx = await makeFixture({ 'e.csv': csv('customer_id,event_time,amount', [['a', '2026-01-10T10:00:00Z', '10']]) });
    try {
      const held = await startHeld(fx.dir, 'resolving', ['run', '--input', 'e.csv', '--as-of', '2026-02-01T00:00:00Z', '--out', 'out', '--forecast', 'off']);
      held.kill('SIGINT');
      expect(await held.exited).toEqual({ code: 130, signal: null });
      expect(held.stderr()).toBe('ltv: interrupted (SIGINT) before the command started: nothing was done\n');
      await expect(access(join(fx.dir, 'out'))).rejects.toThrow(/ENOENT/);
    } finally {
      await fx.cleanup();
    }
  });

  it('a Ctrl-C that comes while the command\'s code is being evaluated stops the run (it was lost: the run published and exited 0)', async ({ expect }) => {
    // The launcher stopped listening as the command began, and libuv dropped the signal not yet dispatched.
    const fx = await makeFixture({ 'e.csv': csv('customer_id,event_time,amount', [['a', '2026-01-10T10:00:00Z', '10']]) });
    try {
      const held = await startHeld(fx.dir, 'evaluating', ['run', '--input', 'e.csv', '--as-of', '2026-01-11T00:00:00Z', '--out', 'out', '--forecast', 'off']);
      held.kill('SIGINT');
      expect(await held.exited).toEqual({ code: 130, signal: null });
      expect(held.stderr()).toBe('ltv: interrupted (SIGINT): nothing was published; the last published run is unchanged\n');
      await expect(access(join(fx.dir, 'out', 'default', 'latest'))).rejects.toThrow(/ENOENT/);
    } finally {
      await fx.cleanup();
    }
  });

  it.for(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)('%s during the run stops it with one line and exit 130/143/129, and leaves no staging directory and no scratch database', async (sig, { expect }) => {
    const fx = await makeFixture({});
    const tmp = join(fx.dir, 'tmp');
    await mkdir(tmp);
    try {
      // The example job (6,000 rows; its compute stage lasts a second or more), its reports under the fixture.
      const child = spawn(process.execPath, [BIN, 'run', fileURLToPath(new URL('../../jobs/example.json', import.meta.url)), '--out', join(fx.dir, 'out'), '--no-email'],
        { cwd: fx.dir, env: { ...process.env, NO_COLOR: '1', TMPDIR: tmp }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      await new Promise<void>((r) => child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (/compute: computing/.test(stdout)) r();
      }));
      // The scratch database exists by now (ingest wrote it).
      expect((await readdir(tmp)).filter((n) => n.startsWith('ltv-run-')).length).toBeGreaterThan(0);
      child.kill(sig);
      expect(await exited).toBe({ SIGINT: 130, SIGTERM: 143, SIGHUP: 129 }[sig]);
      expect(stderr).toBe(`ltv: interrupted (${sig}): nothing was published; the last published run is unchanged\n`);
      expect(await readdir(tmp).then((n) => n.filter((x) => x.startsWith('ltv-run-')))).toEqual([]);
      expect(await readdir(join(fx.dir, 'out', 'demo-app', 'runs')).catch(() => [])).toEqual([]);
      await expect(access(join(fx.dir, 'out', 'demo-app', 'latest'))).rejects.toThrow(/ENOENT/);
    } finally {
      await fx.cleanup();
    }
  });
});
