// The Docker image as far as it can be had without Docker: the files the Dockerfile puts in /app (the build
// in dist/, package.json, production node_modules, and the src/cli files it copies) in a folder of their own,
// started as its ENTRYPOINT starts them, `node src/cli/bin.mjs <command>`, and probed by its HEALTHCHECK,
// `node src/cli/healthcheck.mjs <pid>` (in the image, PID 1). Its HEALTHCHECK asked LTV_METRICS_PORT's
// /readyz whatever the command, where serve never listens: `docker run <image> serve …` was never healthy.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { useHarness, type Harness } from '../helpers/queueHarness.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const app = mkdtempSync(join(tmpdir(), 'ltv-image-'));

/** The src/cli files the Dockerfile copies into the image. */
function copiedLauncherFiles(): string[] {
  const line = /^COPY --from=build (\/app\/src\/cli\/\S+(?: \/app\/src\/cli\/\S+)*) \.\/src\/cli\/$/m.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  expect(line, 'a COPY of src/cli files in the Dockerfile').not.toBeNull();
  return line![1]!.split(' ').map((p) => p.replace('/app/', ''));
}

beforeAll(() => {
  cpSync(join(ROOT, 'dist'), join(app, 'dist'), { recursive: true });
  copyFileSync(join(ROOT, 'package.json'), join(app, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(app, 'node_modules'));
  mkdirSync(join(app, 'src', 'cli'), { recursive: true });
  // Newer than the build, as COPY may leave them: the launcher must run dist/ all the same (the image has no tsx
  // to fall back to, and no TypeScript).
  const later = new Date(Date.now() + 60_000);
  for (const f of copiedLauncherFiles()) {
    copyFileSync(join(ROOT, f), join(app, f));
    utimesSync(join(app, f), later, later);
  }
  mkdirSync(join(app, 'reports'));
});
afterAll(() => rmSync(app, { recursive: true, force: true }));

const freePort = (): Promise<number> => new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address() as { port: number };
    s.close(() => resolve(port));
  });
});

/** Starts `node src/cli/bin.mjs …` in the image's folder, as its ENTRYPOINT does. */
function start(args: string[], env: Record<string, string>): { child: ChildProcess; out: () => string; exited: Promise<unknown> } {
  const child = spawn(process.execPath, ['src/cli/bin.mjs', ...args], { cwd: app, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return { child, out: () => out, exited: new Promise((resolve) => child.once('exit', resolve)) };
}

/** The image's HEALTHCHECK, run against `pid` as it runs against PID 1. */
function healthcheck(pid: number): { status: number | null; stdout: string } {
  const r = spawnSync(process.execPath, ['src/cli/healthcheck.mjs', String(pid)], { cwd: app, encoding: 'utf8', timeout: 10_000, env: { PATH: process.env.PATH } });
  return { status: r.status, stdout: r.stdout };
}

async function healthyWithin(pid: number, ms: number): Promise<{ status: number | null; stdout: string }> {
  const until = Date.now() + ms;
  for (;;) {
    const r = healthcheck(pid);
    if (r.status === 0 || Date.now() > until) return r;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function stop(p: { child: ChildProcess; exited: Promise<unknown> }): Promise<void> {
  p.child.kill('SIGTERM');
  await p.exited;
}

describe('the image layout', () => {
  it('runs the build in dist/ through src/cli/bin.mjs, though its launcher files are newer', () => {
    const r = spawnSync(process.execPath, ['src/cli/bin.mjs', '--version'], { cwd: app, encoding: 'utf8' });
    expect([r.status, r.stdout, r.stderr]).toEqual([0, `${VERSION}\n`, '']);
  });

  it('serve: healthy on its own port (PORT, or --port), not LTV_METRICS_PORT; unhealthy, saying why, when its /readyz is not ready', async () => {
    const port = await freePort();
    // As `docker run -e PORT=… <image> serve …`: the image's LTV_METRICS_PORT set, nothing listening there.
    const serve = start(['serve', '--reports', join(app, 'reports'), '--keys', join(app, 'keys.json'), '--host', '0.0.0.0'], { PORT: String(port), LTV_METRICS_PORT: String(await freePort()), LTV_ADMIN_KEY_SHA256: '' });
    try {
      expect(await healthyWithin(serve.child.pid!, 20_000), serve.out()).toEqual({ status: 0, stdout: '' });
    } finally {
      await stop(serve);
    }
    const flagged = await freePort();
    const byFlag = start(['serve', `--port=${flagged}`, '--reports', join(app, 'reports'), '--keys', join(app, 'keys.json')], { PORT: '', LTV_ADMIN_KEY_SHA256: '' });
    try {
      expect(await healthyWithin(byFlag.child.pid!, 20_000), byFlag.out()).toEqual({ status: 0, stdout: '' });
      rmSync(join(app, 'reports'), { recursive: true });
      // Its /readyz says the reports are gone: the reason is what `docker inspect` shows.
      expect(healthcheck(byFlag.child.pid!)).toEqual({ status: 1, stdout: expect.stringMatching(new RegExp(`^unhealthy: http://127\\.0\\.0\\.1:${flagged}/readyz answered 503: \\{.*reports`)) });
    } finally {
      mkdirSync(join(app, 'reports'), { recursive: true });
      await stop(byFlag);
    }
  }, 60_000);

  it('a command that ends by itself is healthy with nothing to probe; a worker without LTV_METRICS_PORT is not, saying why', async () => {
    // Stand-ins whose command line reads as the image's: only their arguments and environment are read.
    const asIf = (args: string[], env: Record<string, string>) => spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)', 'src/cli/bin.mjs', ...args], { cwd: app, env: { ...process.env, ...env }, stdio: 'ignore' });
    const run = asIf(['run', 'jobs/example.json'], {});
    const worker = asIf(['worker'], { LTV_METRICS_PORT: '' });
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(healthcheck(run.pid!)).toEqual({ status: 0, stdout: 'nothing to probe: ltv run ends by itself\n' });
      expect(healthcheck(worker.pid!)).toEqual({ status: 1, stdout: 'unhealthy: the worker has no LTV_METRICS_PORT, so no /readyz to ask: set it (the image sets 9464), or run the container with --no-healthcheck\n' });
    } finally {
      run.kill('SIGKILL');
      worker.kill('SIGKILL');
    }
  });
});

describe('the image layout, worker', () => {
  const harness = useHarness();
  let h: Harness;
  beforeEach(() => {
    h = harness();
  });

  it('is healthy on LTV_METRICS_PORT once Redis answers', async () => {
    const port = await freePort();
    const worker = start(['worker'], { ...h.vars, LTV_METRICS_PORT: String(port), LTV_METRICS_HOST: '127.0.0.1' });
    try {
      expect(await healthyWithin(worker.child.pid!, 20_000), worker.out()).toEqual({ status: 0, stdout: '' });
    } finally {
      await stop(worker);
    }
  }, 60_000);
});
