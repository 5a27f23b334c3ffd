// `npm run preview [ltv.json …]`: renders what users get — the workbook (LibreOffice → PDF → PNG pages),
// the chart and the email (Debian's Chromium at 400 and 800 px) — so a person can look at it. With no
// argument it runs the example job and the README's two public data sets (../shared/datasets, with the
// README's commands) into a scratch reports directory; with ltv.json files it renders those reports.
// Output: /tmp/ltv-preview/<name>/ (LTV_PREVIEW_OUT to change). Not part of the tests or CI; needs
// Debian's libreoffice-calc, poppler-utils and chromium.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { pino } from 'pino';
import { jobFromFlags, loadJob } from '../../src/config/loadJob.js';
import type { Job, JobInput } from '../../src/config/jobSchema.js';
import type { TenantReport } from '../../src/ltv/model.js';
import { composeRunEmail } from '../../src/notify/composeRunEmail.js';
import { runPipeline } from '../../src/pipeline.js';
import { renderChart } from '../../src/report/renderChart.js';
import { writeXlsx } from '../../src/report/writeXlsx.js';
import { launchBrowser } from '../helpers/browser.js';
import { needTools } from './needTools.js';

needTools(['chromium', 'soffice', 'pdftoppm']);

const out = resolve(process.env.LTV_PREVIEW_OUT ?? '/tmp/ltv-preview');
const datasets = resolve('../shared/datasets');
const logger = pino({ level: 'warn' }, pino.destination(2));

interface Target {
  name: string;
  report: TenantReport;
  /** The published run directory (chart and workbook inside), when the preview ran the pipeline. */
  runDir: string | null;
  job: Job | null;
}

/** The README's data-set commands, as job inputs. */
const README_RUNS: { name: string; asOf: string; job: JobInput }[] = [
  {
    name: 'cdnow',
    asOf: '1998-07-01T00:00:00Z',
    job: { tenant: 'cdnow', inputs: [{ path: join(datasets, 'CDNOW_master.txt'), map: { amount: 'dollar_value', event_time: 'date' } }] },
  },
  {
    name: 'online-retail',
    asOf: '2011-12-10T00:00:00Z',
    job: {
      tenant: 'online-retail', currency: 'GBP', timezone: 'Europe/London',
      inputs: [{ path: join(datasets, 'online_retail.csv'), map: { customer_id: 'CustomerID', event_time: 'InvoiceDate', amount: 'TotalPrice', transaction_id: 'InvoiceNo' } }],
    },
  },
];

async function targets(): Promise<Target[]> {
  const args = process.argv.slice(2);
  if (args.length > 0) {
    return Promise.all(args.map(async (p) => {
      const report = JSON.parse(await readFile(p, 'utf8')) as TenantReport;
      // Named by tenant: a published path ends in <tenant>/latest/ltv.json.
      return { name: report.tenant.replace(/[^A-Za-z0-9._-]+/g, '_'), report, runDir: null, job: null };
    }));
  }
  const reportsDir = join(out, 'reports');
  const runs: { name: string; job: Job; asOf?: Date }[] = [{ name: 'example', job: await loadJob('jobs/example.json') }];
  for (const r of README_RUNS) {
    const path = r.job.inputs[0]?.path;
    if (path !== undefined && existsSync(path)) runs.push({ name: r.name, job: jobFromFlags(r.job, process.cwd()), asOf: new Date(r.asOf) });
    else process.stderr.write(`preview: ${path} is missing; ${r.name} left out\n`);
  }
  const list: Target[] = [];
  for (const r of runs) {
    const t0 = Date.now();
    const result = await runPipeline(r.job, { logger, reportsDir, email: 'off', ...(r.asOf ? { asOf: r.asOf } : {}) });
    const t = result.tenants[0]!;
    process.stdout.write(`${r.name}: run ${t.runId} in ${((Date.now() - t0) / 1000).toFixed(1)} s${result.warnings.map((w) => `\n  warning: ${w.message}`).join('')}\n`);
    list.push({ name: r.name, report: JSON.parse(await readFile(join(t.dir, 'ltv.json'), 'utf8')) as TenantReport, runDir: t.dir, job: r.job });
  }
  return list;
}

async function render(t: Target, browser: Awaited<ReturnType<typeof launchBrowser>>): Promise<string[]> {
  const dir = join(out, t.name);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  // The chart and workbook of the run, or written now for a given ltv.json.
  const chart = t.runDir ? await readFile(join(t.runDir, 'ltv.png')) : await renderChart(t.report);
  await writeFile(join(dir, 'ltv.png'), chart);
  const xlsx = join(dir, 'ltv.xlsx');
  if (t.runDir) await writeFile(xlsx, await readFile(join(t.runDir, 'ltv.xlsx')));
  else await writeXlsx(t.report, xlsx, { chartPng: chart, quarantineFile: 'quarantine.csv' });
  // A private LibreOffice profile: a desktop session's profile (or its lock) must not interfere.
  execFileSync('soffice', [`-env:UserInstallation=file://${dir}/.lo-profile`, '--headless', '--convert-to', 'pdf', '--outdir', dir, xlsx], { stdio: 'ignore' });
  execFileSync('pdftoppm', ['-png', '-r', '60', join(dir, 'ltv.pdf'), join(dir, 'page')]);
  const files = readdirSync(dir).filter((f) => f.startsWith('page')).sort().map((f) => join(dir, f));

  // The email as a recipient's client shows it, the inline chart as a data URL.
  const job = t.job ?? jobFromFlags({ tenant: t.report.tenant, inputs: [{ path: 'x.csv' }] }, process.cwd());
  const withEmail = { ...job, email: { to: ['preview@example.com'], cc: [], ops: [], subject: 'LTV report {tenant} {date}: {ltv} {currency} at {horizon}', attach_csv: false, max_attachment_bytes: 10 * 1024 * 1024 } } as Job;
  const runDir = t.runDir ?? dir;
  const message = await composeRunEmail(t.report, withEmail, runDir, { from: 'reports@example.com', messageId: '<preview@example.com>' });
  const html = (message.html as string).replace(/src="cid:[^"]+"/, `src="data:image/png;base64,${chart.toString('base64')}"`);
  await writeFile(join(dir, 'email.html'), html);
  for (const width of [400, 800]) {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    await page.setContent(html, { waitUntil: 'load' });
    const path = join(dir, `email-${width}.png`);
    await page.screenshot({ path, fullPage: true });
    await page.close();
    files.push(path);
  }
  return [join(dir, 'ltv.png'), ...files];
}

await mkdir(out, { recursive: true });
const list = await targets();
const browser = await launchBrowser();
try {
  for (const t of list) {
    const files = await render(t, browser);
    const pages = files.filter((f) => basename(f).startsWith('page')).length;
    process.stdout.write(`${t.name}: ${pages} printed page${pages === 1 ? '' : 's'}; ${files.length} images in ${join(out, t.name)}\n`);
  }
} finally {
  await browser.close();
}
