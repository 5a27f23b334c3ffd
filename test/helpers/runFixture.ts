// Runs the real pipeline over files written to a fresh temp directory and reads the published run back.
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { pino } from 'pino';
import { jobFromFlags } from '../../src/config/loadJob.js';
import type { JobInput } from '../../src/config/jobSchema.js';
import type { Matrix, TenantReport } from '../../src/ltv/model.js';
import { runPipeline, type RunResult } from '../../src/pipeline.js';
import type { AdaptyResponse, ZenovayResponse } from '../../src/report/apiTypes.js';

export const silentLogger = pino({ level: 'silent' });

export interface Fixture {
  dir: string;
  reportsDir: string;
  cleanup(): Promise<void>;
}

export async function makeFixture(files: Record<string, string | Buffer>): Promise<Fixture> {
  const dir = await mkdtemp(join(tmpdir(), 'ltv-test-'));
  for (const [name, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), content);
  }
  const reportsDir = join(dir, 'reports');
  return { dir, reportsDir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export async function runJob(fx: Fixture, job: JobInput, asOf: string): Promise<RunResult> {
  return runPipeline(jobFromFlags(job, fx.dir), { logger: silentLogger, asOf: new Date(asOf), reportsDir: fx.reportsDir });
}

export async function readLatest(fx: Fixture, tenant = 'default'): Promise<{ report: TenantReport; dir: string }> {
  const dir = join(fx.reportsDir, tenant, 'latest');
  return { report: JSON.parse(await readFile(join(dir, 'ltv.json'), 'utf8')) as TenantReport, dir };
}

/** The body of a published snapshot `<path>` (stored as `<path>.gz`, SPEC §5), as text. */
export async function readSnapshot(path: string): Promise<string> {
  return gunzipSync(await readFile(`${path}.gz`)).toString('utf8');
}

export async function readZenovay(fx: Fixture, file: string, tenant = 'default'): Promise<ZenovayResponse> {
  return JSON.parse(await readSnapshot(join(fx.reportsDir, tenant, 'latest', 'api', 'zenovay', file))) as ZenovayResponse;
}

export async function readAdapty(fx: Fixture, file: string, tenant = 'default'): Promise<AdaptyResponse> {
  return JSON.parse(await readSnapshot(join(fx.reportsDir, tenant, 'latest', 'api', 'adapty', file))) as AdaptyResponse;
}

/** A matrix as { rowTitle: [value at period 0, 1, …] } for one accounting type. */
export function grid(m: Matrix, type: 'revenue' | 'proceeds' | 'net_revenue' = 'revenue'): Record<string, number[]> {
  return Object.fromEntries(m.rows.map((r) => [r.title, r.cells.map((c) => c[type])]));
}

/** The same as `grid`, from an Adapty body. */
export function adaptyGrid(body: AdaptyResponse, type: 'revenue' | 'proceeds' | 'net_revenue' = 'revenue'): Record<string, number[]> {
  return Object.fromEntries(body[type].data.map((r) => [r.title, r.values.map((v) => v.value)]));
}

export function csv(header: string, rows: (string | number)[][]): string {
  return `${header}\n${rows.map((r) => r.join(',')).join('\n')}\n`;
}
