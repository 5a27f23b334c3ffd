// The launcher starts light (issue 13): `ltv --help`, `--version` and every command's help load only
// commander — never DuckDB, exceljs, BullMQ, ioredis, nodemailer, the chart renderer, pino or zod —
// whether src/cli/bin.mjs runs the build in dist/ or falls back to the TypeScript through tsx.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PLAN_NAMES } from '../../src/cli/keysCommand.js';
import { PLANS } from '../../src/serve/KeyStore.js';
import { startHeld } from '../helpers/heldStart.js';

const BIN = fileURLToPath(new URL('../../src/cli/bin.mjs', import.meta.url));
const TRACE = fileURLToPath(new URL('../helpers/tracePackages.mjs', import.meta.url));
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

function ltv(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', TRACE, BIN, ...args], (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** npm packages the process loaded, less the launcher's own (tsx and esbuild when there is no build). */
const packages = (stderr: string): string[] =>
  [...stderr.matchAll(/^package (.+)$/gm)].map((m) => m[1] as string).filter((p) => p !== 'tsx' && p !== 'esbuild' && !p.startsWith('@esbuild/') && p !== 'get-tsconfig' && p !== 'resolve-pkg-maps').sort();

describe('ltv starts light', () => {
  it('--version and -v print package.json\'s version and load only commander', async () => {
    for (const flag of ['--version', '-v']) {
      const r = await ltv([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`${VERSION}\n`);
      expect(packages(r.stderr)).toEqual(['commander']);
    }
  });

  // After a command, -v and --version printed the version, exited 0 and did nothing (`ltv run job.json -v` ran no
  // job): they are the program's alone, and a command refuses them as any flag it does not have.
  it('-v and --version after a command, or with one, are refused, pointing at its help', async () => {
    const cases: [string[], string][] = [
      [['run', 'base.json', '-v'], 'ltv: unknown option \'-v\' (run `ltv run --help` for usage)'],
      [['run', '--input', 'a.csv', '--version'], 'ltv: unknown option \'--version\' (run `ltv run --help` for usage)'],
      [['worker', '-v'], 'ltv: unknown option \'-v\' (run `ltv worker --help` for usage)'],
      [['serve', '--port', '18400', '-v'], 'ltv: unknown option \'-v\' (run `ltv serve --help` for usage)'],
      [['enqueue', 'x', '-v'], 'ltv: unknown option \'-v\' (run `ltv enqueue --help` for usage)'],
      [['keys', 'add', '--tenant', 'x', '--keys', 'k.json', '--version'], 'ltv: unknown option \'--version\' (run `ltv keys add --help` for usage)'],
      [['-v', 'run', 'base.json'], 'ltv: --version takes no command or argument: run `ltv --version` alone (run `ltv --help` for usage)'],
      [['--version', 'worker'], 'ltv: --version takes no command or argument: run `ltv --version` alone (run `ltv --help` for usage)'],
    ];
    const results = await Promise.all(cases.map(([args]) => ltv(args)));
    expect(results.map((r) => [r.code, r.stdout, r.stderr.split('\n').filter((l) => l && !l.startsWith('package ')).join('\n')]))
      .toEqual(cases.map(([, line]) => [1, '', line]));
  });

  it('--help and each command\'s help load only commander', async () => {
    const results = await Promise.all([['--help'], ['run', '--help'], ['serve', '--help'], ['worker', '--help'], ['enqueue', '--help'], ['keys', 'add', '--help']].map(ltv));
    for (const r of results) {
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage: ltv/);
      expect(packages(r.stderr)).toEqual(['commander']);
    }
    expect(results[0]?.stdout).toMatch(/-v, --version/);
  });

  it('worker --jobs naming no folder exits at once with one line, before loading BullMQ', async () => {
    const r = await ltv(['worker', '--jobs', '/nonexistent-ltv-jobs']);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').filter((l) => !l.startsWith('package ')).join('\n')).toBe(
      'ltv: --jobs: /nonexistent-ltv-jobs is not a directory of job files: give the folder holding your jobs/*.json\n',
    );
    expect(packages(r.stderr)).toEqual(['commander']);
  });

  // `--jobs ''` said "--jobs:  is not a directory of job files" (nothing named), and enqueue with a folder that
  // is not there said only that the job is not in it: the worker's and enqueue's words are the other flags'.
  it('worker and enqueue refuse an empty --jobs as empty, and enqueue a --jobs folder that does not exist, before loading BullMQ', async () => {
    const cases: [string[], string][] = [
      [['worker', '--jobs', ''], "ltv: --jobs: empty; give the jobs folder, or leave the flag out ($LTV_JOBS_DIR, else jobs)"],
      [['enqueue', 'example', '--jobs', ''], "ltv: --jobs: empty; give the jobs folder, or leave the flag out ($LTV_JOBS_DIR, else jobs)"],
      [['enqueue', 'example', '--jobs', '/nonexistent-ltv-jobs'], 'ltv: --jobs: /nonexistent-ltv-jobs is not a directory of job files: give the folder holding your jobs/*.json'],
    ];
    const results = await Promise.all(cases.map(([args]) => ltv(args)));
    expect(results.map((r) => [r.code, r.stdout, r.stderr.split('\n').filter((l) => l && !l.startsWith('package ')).join('\n')]))
      .toEqual(cases.map(([, line]) => [1, '', line]));
    for (const r of results) expect(packages(r.stderr)).toEqual(['commander']);
  });

  it('keys add --help lists the plans KeyStore accepts', () => {
    expect([...PLAN_NAMES]).toEqual([...PLANS]);
  });
});

describe('a stop while the worker or the server starts', () => {
  // Stopped while its code is evaluated (the signal was lost: it kept running), or once its command has begun
  // but before its handlers are on (Node's default killed it): exit 0, as a stop later does.
  it.for([['worker', 'evaluating'], ['worker', 'loading'], ['serve', 'evaluating'], ['serve', 'loading']] as const)('%s, stopped while %s, exits 0', async ([command, hold]) => {
    const dir = mkdtempSync(join(tmpdir(), 'ltv-start-'));
    try {
      const args = command === 'worker' ? ['worker', '--jobs', dir] : ['serve', '--port', '0', '--reports', dir, '--keys', join(dir, 'keys.json')];
      const held = await startHeld(dir, hold, args, { LTV_QUEUE_PREFIX: `ltv-start-${process.pid}-${command}-${hold}`, LTV_METRICS_PORT: '', LTV_ADMIN_KEY_SHA256: '' });
      held.kill('SIGTERM');
      const still = setTimeout(() => held.kill('SIGKILL'), 20_000);
      expect(await held.exited).toEqual({ code: 0, signal: null });
      clearTimeout(still);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
