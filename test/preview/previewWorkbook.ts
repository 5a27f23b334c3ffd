// `npm run preview [report.json] [out-dir]`: writes the workbook, chart and csv of a report, then has
// LibreOffice render the workbook to PDF and pdftoppm the pages to PNG, so a person can look at what
// users get. Not part of the tests or CI; needs Debian's libreoffice-calc and poppler-utils.
// The report is, in order: the given ltv.json, the example run's reports/*/latest/ltv.json, or the
// hand-written sample of test/helpers/sampleReport.ts.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { TenantReport } from '../../src/ltv/model.js';
import { renderChart } from '../../src/report/renderChart.js';
import { writeCsv } from '../../src/report/writeCsv.js';
import { writeXlsx } from '../../src/report/writeXlsx.js';
import { sampleReport } from '../helpers/sampleReport.js';

const [reportArg, outArg] = process.argv.slice(2);
const out = resolve(outArg ?? '/tmp/ltv-preview');

async function loadReport(): Promise<{ report: TenantReport; from: string }> {
  const candidates = reportArg ? [reportArg] : exampleRuns();
  for (const path of candidates) {
    if (existsSync(path)) return { report: JSON.parse(await readFile(path, 'utf8')) as TenantReport, from: path };
  }
  return { report: sampleReport(), from: 'test/helpers/sampleReport.ts' };
}

function exampleRuns(): string[] {
  if (!existsSync('reports')) return [];
  return readdirSync('reports', { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => join('reports', d.name, 'latest', 'ltv.json'));
}

const { report, from } = await loadReport();
await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
const png = await renderChart(report);
await writeFile(join(out, 'ltv.png'), png);
await writeCsv(report, join(out, 'ltv.csv'));
await writeXlsx(report, join(out, 'ltv.xlsx'), { chartPng: png, quarantineFile: 'quarantine.csv' });
// A private LibreOffice profile: a desktop session's profile (or its lock) must not interfere.
execFileSync(
  'soffice',
  [`-env:UserInstallation=file://${out}/.lo-profile`, '--headless', '--convert-to', 'pdf', '--outdir', out, join(out, 'ltv.xlsx')],
  { stdio: 'ignore' },
);
execFileSync('pdftoppm', ['-png', '-r', '80', join(out, 'ltv.pdf'), join(out, 'page')]);
const pages = readdirSync(out).filter((f) => f.startsWith('page')).sort();
process.stdout.write(
  `report: ${from}\nwrote ${out}/ltv.xlsx, ltv.csv, ltv.png, ltv.pdf and ${pages.length} page images:\n` +
    `${pages.map((p) => `  ${join(out, p)}`).join('\n')}\n`,
);
