// `ltv keys add` and `ltv serve` as a user runs them: the real launcher, a real port, SIGTERM.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hashKey } from '../../src/serve/KeyStore.js';
import { publishFixtureRun } from '../helpers/fixtureRun.js';
import { httpRequest } from '../helpers/httpRequest.js';

const bin = new URL('../../src/cli/bin.mjs', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'ltv-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `ltv serve` on an ephemeral port: its port once it logs "listening", and what it wrote so far. */
function startServe(reports: string, keysFile: string): { child: ChildProcess; port: Promise<number>; out: () => string; err: () => string } {
  const child = spawn(process.execPath, [bin, 'serve', '--reports', reports, '--keys', keysFile, '--port', '0', '--host', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const port = new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /"port":(\d+)[^\n]*"msg":"listening"/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
  return { child, port, out: () => out, err: () => err };
}

describe('ltv keys add / ltv serve', () => {
  it('keys add prints the key once and stores its hash; serve answers with it and stops on SIGTERM', async () => {
    const keysFile = join(dir, 'keys.json');
    const add = spawnSync(process.execPath, [bin, 'keys', 'add', '--tenant', 'acme', '--plan', 'scale', '--rpm', '7', '--keys', keysFile], { encoding: 'utf8' });
    expect(add.status).toBe(0);
    const key = add.stdout.trim();
    expect(key).toMatch(/^ltv_/);
    expect(JSON.parse(readFileSync(keysFile, 'utf8')).keys[0]).toMatchObject({ key_sha256: hashKey(key), plan: 'scale', requests_per_minute: 7 });

    const bad = spawnSync(process.execPath, [bin, 'keys', 'add', '--tenant', 'acme', '--plan', 'gold', '--keys', keysFile], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^ltv: --plan must be one of/);

    const reports = join(dir, 'reports');
    publishFixtureRun(reports, { tenant: 'acme', runId: 'r1', marker: 3 });
    const serve = startServe(reports, keysFile);
    const { child } = serve;
    const port = await serve.port;
    const r = await httpRequest(port, '/api/external/v1/revenue/acme/ltv', { headers: { authorization: `Bearer ${key}` } });
    expect(r.status).toBe(200);
    expect(r.headers['x-ratelimit-limit']).toBe('7');
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(serve.out()).not.toContain(key);
  });

  it('warns at start when no key exists, and writes its access log within a second or two, not at 4 KB', async () => {
    const reports = join(dir, 'reports-nokeys');
    publishFixtureRun(reports, { tenant: 'acme', runId: 'r1', marker: 3 });
    const keysFile = join(dir, 'none.json');
    const serve = startServe(reports, keysFile);
    const { child, out } = serve;
    const port = await serve.port;
    try {
      const r = await httpRequest(port, '/api/external/v1/revenue/acme/ltv', { headers: { authorization: 'Bearer nope' } });
      expect(r.status).toBe(401);
      // One access-log line is far below 4 KB: it appears by the timed flush, the server still running.
      const deadline = Date.now() + 10_000;
      while (!/"status":401/.test(out()) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
      expect(out()).toMatch(/"status":401/);
      expect(serve.err()).toContain(`ltv serve: warning: no API key in ${keysFile}: every request will be answered 401 until one is added with: ltv keys add --tenant <id> --keys ${keysFile}`);
    } finally {
      const exit = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      await exit;
    }
  });

  it('a keys file in a folder not made yet: the log says why the folder is not watched, without a stack trace', async () => {
    const reports = join(dir, 'reports-nofolder');
    publishFixtureRun(reports, { tenant: 'acme', runId: 'r1', marker: 3 });
    const keysFile = join(dir, 'not-yet', 'keys.json');
    const serve = startServe(reports, keysFile);
    await serve.port;
    try {
      const lines = serve.out().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines.find((l) => l.msg === 'keys: cannot watch the directory; polling only')).toMatchObject({ level: 40, dir: join(dir, 'not-yet'), error: 'ENOENT' });
      expect(serve.out()).not.toMatch(/"stack"|"err"/);
    } finally {
      const exit = new Promise((resolve) => serve.child.on('exit', resolve));
      serve.child.kill('SIGTERM');
      await exit;
    }
  });

  it('refuses at start, in one line and exit 1, what would leave it answering 401 or 404 to everyone: a port in use, a keys file that is no keys file, a reports path that is no folder', async () => {
    const reports = join(dir, 'reports-refused');
    publishFixtureRun(reports, { tenant: 'acme', runId: 'r1', marker: 3 });
    const notJson = join(dir, 'keys-broken.json');
    writeFileSync(notJson, '{"keys": [');
    const notKeys = join(dir, 'keys-other.json');
    writeFileSync(notKeys, '{"users": []}');
    const keysDir = join(dir, 'keys-dir');
    mkdirSync(keysDir);
    // A port held by another listener.
    const holder: Server = createServer();
    const taken = await new Promise<number>((resolve) => holder.listen(0, '127.0.0.1', () => resolve((holder.address() as { port: number }).port)));
    // Any free port unless the case gives one (a flag given twice is refused).
    const serve = (...args: string[]) => spawnSync(process.execPath, [bin, 'serve', '--host', '127.0.0.1', ...(args.includes('--port') ? [] : ['--port', '0']), ...args], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, LTV_ADMIN_KEY_SHA256: '' } });
    try {
      const cases: [string[], string][] = [
        [['--reports', reports, '--port', String(taken)], `ltv: --port ${taken}: 127.0.0.1:${taken} is in use (another ltv serve?): stop it, or give another --port (or PORT)\n`],
        // By line and column, as ltv keys says it (V8's "position 10" before).
        [['--reports', reports, '--keys', notJson], `ltv: --keys: ${notJson} is not valid JSON at line 1, column 11 (Unexpected end of JSON input); fix it, or give another file (ltv keys add --tenant <id> --keys <file> makes one)\n`],
        [['--reports', reports, '--keys', notKeys], `ltv: --keys: ${notKeys} is not a keys file ({"keys": [...]}); fix it, or give another file (ltv keys add --tenant <id> --keys <file> makes one)\n`],
        [['--reports', reports, '--keys', keysDir], `ltv: --keys: ${keysDir} is a directory, not a keys file; fix it, or give another file (ltv keys add --tenant <id> --keys <file> makes one)\n`],
        [['--reports', notJson], `ltv: --reports: ${notJson} is not a directory (give the folder ltv run publishes to)\n`],
        // It said only "does not exist" (a first serve, before any run): now what to do.
        [['--reports', join(dir, 'nowhere')], `ltv: --reports: ${join(dir, 'nowhere')} does not exist: publish a run there first (ltv run <job file> --out ${join(dir, 'nowhere')}), or give --reports the folder ltv run publishes to\n`],
        // Empty (it listened on a random port) and hex (0x4970 listened on 18800).
        [['--reports', reports, '--port', ''], 'ltv: --port: "" is not a port: give a whole number from 1 to 65535 (0: any free port)\n'],
        [['--reports', reports, '--port', '0x4970'], 'ltv: --port: "0x4970" is not a port: give a whole number from 1 to 65535 (0: any free port)\n'],
        [['--reports', reports, '--port', '65536'], 'ltv: --port: "65536" is not a port: give a whole number from 1 to 65535 (0: any free port)\n'],
        // Given empty (an unset shell variable): refused by name, not a server answering 401 to everyone.
        [['--reports', reports, '--keys', ''], 'ltv: --keys: empty; give the keys file (ltv keys add makes one)\n'],
        [['--reports', ''], 'ltv: --reports: empty; give the folder ltv run publishes to\n'],
        [['--reports', reports, '--jobs', ''], 'ltv: --jobs: empty; give the jobs folder\n'],
        // Without LTV_ADMIN_KEY_SHA256 (no run routes) a typo was taken without a word; ltv worker refused it.
        [['--reports', reports, '--jobs', join(dir, 'no-jobs')], `ltv: --jobs: ${join(dir, 'no-jobs')} is not a directory of job files: give the folder holding your jobs/*.json\n`],
      ];
      for (const [args, message] of cases) {
        const r = serve(...args);
        expect(r.status, r.stderr).toBe(1);
        expect(r.stderr.startsWith(message), r.stderr).toBe(true);
        // One line, nothing logged before it (no server came up).
        expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
        expect(r.stdout).toBe('');
      }
    } finally {
      holder.close();
    }
  }, 120_000);

  it('--jobs naming no folder is refused with the run routes mounted too, and so is LTV_JOBS_DIR, which only they read', () => {
    const reports = join(dir, 'reports-jobs');
    mkdirSync(reports, { recursive: true });
    const missing = join(dir, 'no-jobs');
    const admin = { LTV_ADMIN_KEY_SHA256: 'a'.repeat(64), REDIS_URL: 'redis://127.0.0.1:6379' };
    const serve = (args: string[], env: Record<string, string>) => {
      const r = spawnSync(process.execPath, [bin, 'serve', '--host', '127.0.0.1', '--port', '0', '--reports', reports, ...args], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, ...env } });
      return [r.status, r.stderr, r.stdout];
    };
    const line = (name: string) => `ltv: ${name}: ${missing} is not a directory of job files: give the folder holding your jobs/*.json\n`;
    expect(serve(['--jobs', missing], admin)).toEqual([1, line('--jobs'), '']);
    expect(serve([], { ...admin, LTV_JOBS_DIR: missing })).toEqual([1, line('LTV_JOBS_DIR'), '']);
  }, 60_000);

  it('--host given empty is refused (Node listens on every interface for ""); a bad LOG_LEVEL is a one-line environment error; LTV_REPORTS_DIR is the default --reports', async () => {
    const reports = join(dir, 'reports-env');
    mkdirSync(reports, { recursive: true });
    const run = (args: string[], env: Record<string, string> = {}) => spawnSync(process.execPath, [bin, 'serve', '--port', '0', ...args], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, ...env } });
    const host = run(['--host', '', '--reports', reports]);
    expect([host.status, host.stderr, host.stdout]).toEqual([1, 'ltv: --host: empty; give an address to listen on (127.0.0.1; 0.0.0.0 for every interface)\n', '']);
    const level = run(['--host', '127.0.0.1', '--reports', reports], { LOG_LEVEL: 'verbose' });
    expect(level.status).toBe(1);
    expect(level.stderr).toMatch(/^ltv: environment: LOG_LEVEL: [^\n]*\n$/);
    // The Docker image sets LTV_REPORTS_DIR for its worker; serve without --reports reads the same folder.
    const missing = join(dir, 'no-such-reports');
    const fromEnv = run(['--host', '127.0.0.1'], { LTV_REPORTS_DIR: missing });
    expect([fromEnv.status, fromEnv.stderr]).toEqual([1, `ltv: LTV_REPORTS_DIR: ${missing} does not exist: publish a run there first (ltv run and the worker publish to LTV_REPORTS_DIR too), or set it to the folder runs publish to\n`]);
  }, 60_000);

  it('PORT set empty is unset (the default 8080, not a random port); PORT that is no port is refused naming it', async () => {
    const reports = join(dir, 'reports-port');
    mkdirSync(reports, { recursive: true });
    // 8080 may be taken on this machine: either way the line names 8080, never a random port.
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.once('error', () => resolve()).listen(8080, '127.0.0.1', () => resolve()));
    try {
      const empty = spawnSync(process.execPath, [bin, 'serve', '--host', '127.0.0.1', '--reports', reports, '--keys', join(dir, 'none.json')], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, PORT: '' } });
      expect([empty.status, empty.stderr]).toEqual([1, 'ltv: --port 8080: 127.0.0.1:8080 is in use (another ltv serve?): stop it, or give another --port (or PORT)\n']);
      const hex = spawnSync(process.execPath, [bin, 'serve', '--host', '127.0.0.1', '--reports', reports], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, PORT: '0x4970' } });
      expect([hex.status, hex.stderr]).toEqual([1, 'ltv: PORT: "0x4970" is not a port: give a whole number from 1 to 65535 (0: any free port)\n']);
    } finally {
      holder.close();
    }
  });

  it('SIGHUP (the shell that started it closed) drains as SIGTERM does: the request in flight is answered 200, exit 0', async () => {
    const keysFile = join(dir, 'keys-hup.json');
    const add = spawnSync(process.execPath, [bin, 'keys', 'add', '--tenant', 'acme', '--keys', keysFile], { encoding: 'utf8' });
    const key = add.stdout.trim();
    const reports = join(dir, 'reports-hup');
    publishFixtureRun(reports, { tenant: 'acme', runId: 'r1', marker: 5 });
    const s = startServe(reports, keysFile);
    const port = await s.port;
    const exited = new Promise<number | null>((resolve) => s.child.once('exit', (code) => resolve(code)));
    // A request under way: its headers sent, its body not yet.
    const body = JSON.stringify({ filters: { date: ['2020-01-01', '2030-12-31'] } });
    const socket = connect(port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    let answer = '';
    socket.on('data', (c: Buffer) => (answer += c.toString()));
    const closed = new Promise((r) => socket.once('close', r));
    socket.write(`POST /api/v1/client-api/metrics/ltv/ HTTP/1.1\r\nHost: x\r\nAuthorization: Api-Key ${key}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
    await new Promise((r) => setTimeout(r, 200));
    s.child.kill('SIGHUP');
    // Node's default ended the process at once (signal SIGHUP, no exit code), the answer never sent.
    await new Promise((r) => setTimeout(r, 300));
    socket.write(body);
    await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)).revenue.data[1].value).toBe(5);
    expect(await exited).toBe(0);
    expect(s.out()).toMatch(/"signal":"SIGHUP"[^\n]*"msg":"shutting down"/);
  }, 30_000);

  it('stops on SIGTERM when the reader of its log went away (`ltv serve | head -1`: it never exited)', async () => {
    const reports = join(dir, 'reports-pipe');
    mkdirSync(reports, { recursive: true });
    const s = startServe(reports, join(dir, 'none.json'));
    const port = await s.port;
    // The reader closes its end: the server's next writes fail with EPIPE.
    s.child.stdout!.destroy();
    expect((await httpRequest(port, '/healthz')).status).toBe(200);
    const exited = new Promise<number | null>((resolve) => s.child.once('exit', (code) => resolve(code)));
    const t0 = Date.now();
    s.child.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 10_000))]);
    if (code === 'hung') s.child.kill('SIGKILL');
    expect(code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
  }, 30_000);

  it('/readyz says Redis refused the login (not "no answer within 1000 ms") when REDIS_URL\'s password is wrong', async () => {
    const reports = join(dir, 'reports-login');
    mkdirSync(reports);
    const admin = createHash('sha256').update('an-admin-key').digest('hex');
    const child = spawn(process.execPath, [bin, 'serve', '--reports', reports, '--keys', join(dir, 'none.json'), '--port', '0', '--host', '127.0.0.1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, REDIS_URL: 'redis://no-such-user:wrong@127.0.0.1:6379', LTV_ADMIN_KEY_SHA256: admin, LTV_QUEUE_PREFIX: `ltvtest-login-${process.pid}` },
    });
    try {
      let out = '';
      const port = await new Promise<number>((resolve) => child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /"port":(\d+)[^\n]*"msg":"listening"/.exec(out);
        if (m) resolve(Number(m[1]));
      }));
      const ready = await waitUntil(async () => {
        const r = await httpRequest(port, '/readyz');
        const redis = (r.json() as { checks: Record<string, string> }).checks.redis ?? '';
        return redis.includes('refused') ? { status: r.status, redis } : undefined;
      });
      expect(ready).toEqual({ status: 503, redis: 'Redis at redis://127.0.0.1:6379 refused the login (WRONGPASS invalid username-password pair or user is disabled): put the right user and password in REDIS_URL (redis://user:password@host:port; a password alone: redis://:password@host:port)' });
    } finally {
      const exit = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      await exit;
    }
  }, 30_000);
});

/** Polls `check` every 100 ms until it gives a value, for up to 10 s. */
async function waitUntil<T>(check: () => Promise<T | undefined>): Promise<T> {
  for (const deadline = Date.now() + 10_000; ;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}
