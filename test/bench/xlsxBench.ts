// `npx tsx test/bench/xlsxBench.ts [cohorts] [--square]`: writes ltv.xlsx, ltv.csv and ltv.png for a
// daily-cohort matrix of `cohorts` rows (default 730, two years) and prints time and peak RSS of each
// step. The triangle is what SPEC §4 censoring gives a real two-year run; --square fills every cell,
// the worst case. Peak RSS is the process's (model included), read after each step.
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderChart } from '../../src/report/renderChart.js';
import { writeCsv } from '../../src/report/writeCsv.js';
import { writeXlsx } from '../../src/report/writeXlsx.js';
import { dailyReport } from '../helpers/dailyReport.js';

const args = process.argv.slice(2);
const cohorts = Number(args.find((a) => /^\d+$/.test(a)) ?? 730);
const square = args.includes('--square');
const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
const peak = (): string => mib(process.resourceUsage().maxRSS * 1024);

async function step<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
  const t0 = performance.now();
  const result = await fn();
  process.stdout.write(`${name.padEnd(14)} ${((performance.now() - t0) / 1000).toFixed(2).padStart(7)} s   peak RSS ${peak()}\n`);
  return result;
}

const dir = await mkdtemp(join(tmpdir(), 'ltv-bench-'));
try {
  const report = await step('model', () => dailyReport(cohorts, { square }));
  const cells = report.matrices.reduce((n, m) => n + m.rows.reduce((k, r) => k + r.cells.length, 0), 0);
  process.stdout.write(`${cohorts} daily cohorts${square ? ' (square)' : ''}: ${cells.toLocaleString('en-US')} cells, ${(cells * 3).toLocaleString('en-US')} data rows\n`);
  const png = await step('chart', () => renderChart(report));
  await writeFile(join(dir, 'ltv.png'), png);
  await step('ltv.csv', () => writeCsv(report, join(dir, 'ltv.csv')));
  await step('ltv.xlsx', () => writeXlsx(report, join(dir, 'ltv.xlsx'), { chartPng: png }));
  for (const f of ['ltv.csv', 'ltv.xlsx', 'ltv.png']) process.stdout.write(`${f.padEnd(14)} ${mib((await stat(join(dir, f))).size)}\n`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
