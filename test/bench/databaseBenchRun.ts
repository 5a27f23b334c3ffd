// One measured step of databaseBench.ts in its own process (peak RSS is its own): `export <query>` (the
// query streamed into a temporary CSV only), `csv <path>` or `database <query>` (a full default run).
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { resourceUsage } from 'node:process';
import { pino } from 'pino';
import { jobFromFlags } from '../../src/config/loadJob.js';
import { readQuery } from '../../src/ingest/readQuery.js';
import { runPipeline } from '../../src/pipeline.js';

const [mode, arg, reportsDir, asOf] = process.argv.slice(2) as [string, string, string, string];
const started = performance.now();
if (mode === 'export') {
  const job = jobFromFlags({ inputs: [{ query: arg, connection: 'env:LTV_BENCH_PG' }] }, process.cwd());
  const file = await readQuery(job.inputs[0]!, { label: 'bench', inputIndex: 0, timezone: job.timezone, dir: tmpdir(), baseDir: process.cwd(), connectTimeoutMs: 5000, queryTimeoutMs: 0 });
  await rm(file.query!.file, { force: true });
  report({});
} else {
  const input = mode === 'csv' ? { path: arg } : { query: arg, connection: 'env:LTV_BENCH_PG' };
  const job = jobFromFlags({ inputs: [input], tenant: 'bench', max_bad_row_share: 0.05 }, process.cwd());
  const result = await runPipeline(job, { logger: pino({ level: 'silent' }), asOf: new Date(asOf), reportsDir });
  report({ timings: result.timings, stats: result.stats });
}

function report(extra: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ mode, ms: Math.round(performance.now() - started), maxRssMiB: Math.round(resourceUsage().maxRSS / 1024), ...extra })}\n`);
}
