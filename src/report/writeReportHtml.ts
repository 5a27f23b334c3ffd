// report.html (SPEC §10): the explorer's report as one self-contained file in every published run: no
// server, opens from file:// or any static host. The explorer bundle and styles are inlined, allowed by
// a meta Content-Security-Policy that names their sha256 (no other script can run); the data is a JSON
// block, never markup, and every text in it is rendered as text by the bundle.
//
// What is inlined (size matters: a run is kept 30 times): every matrix the run computed (the 140 Adapty
// combinations and the job's matrices) except those by day (period unit `day`, or day cohorts), which
// reach hundreds of thousands of cells on two years of data and cannot be read as a table anyway; they
// are served by `ltv serve` (ltv.json/csv/xlsx hold only the job's `matrices`: the file says which of the
// left-out ones they hold, usually none). Each matrix is stored as runs of equal cells
// (cellRuns.ts), matrices with the same rows once (view.ts InlinePayload), and the whole set as gzip in base64 (the browser inflates it with DecompressionStream):
// a few hundred kB for a run of a million transactions. With them, the run's predicted cells (ltv.json's
// `forecast`, SPEC §9) and the brief of its forecast.
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { DOWNLOADS, forecastBrief, type Download } from '../explorer/explorerApi.js';
import { explorerText } from '../explorer/explorerAssets.js';
import type { InlinePayload, InlinePredicted, InlineRow, InlineRun } from '../explorer/app/view.js';
import { joinRuns, type RunMatrix } from '../ltv/cellRuns.js';
import type { Forecast, Matrix, TenantReport } from '../ltv/model.js';
import { escapeHtml, htmlEntities, visibleLine } from '../format/text.js';
import { listed } from '../format/listed.js';

/** Matrices left out of the file (see above). */
export function inlinedInReport(m: Pick<Matrix, 'period_unit' | 'segmentation'>): boolean {
  return m.period_unit !== 'day' && m.segmentation !== 'day';
}

const STATE_CODE = { complete: 0, partial: 1 } as const;

function inlineRows(m: RunMatrix): InlineRow[] {
  return m.rows.map((r) => [
    r.type,
    r.title,
    r.customers,
    joinRuns(r.runs).map((c): InlineRun => [c.from, c.to, STATE_CODE[c.state] ?? 0, c.revenue, c.proceeds, c.net_revenue]),
  ]);
}

/** The forecast's predicted cells, by row title, compact (view.ts InlinePredicted). */
function inlineForecast(f: Forecast | undefined): InlinePayload['forecast'] {
  if (!f) return null;
  return {
    brief: forecastBrief(f),
    rows: f.rows.filter((r) => r.cells.length > 0).map((r) => [r.title, r.cells.map((c): InlinePredicted => [
      c.period, c.revenue, c.proceeds, c.net_revenue, c.lower.revenue, c.lower.proceeds, c.lower.net_revenue, c.upper.revenue, c.upper.proceeds, c.upper.net_revenue,
    ])]),
  };
}


function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/**
 * Why matrices are left out, and where they are: of the run's downloads (`files`, those its job's formats
 * publish), which hold the job's matrices (`published`, ltv.json's) and so maybe some of the left-out ones.
 */
function omittedReason(omitted: readonly string[], published: ReadonlySet<string>, files: readonly Download[]): string {
  if (omitted.length === 0) return '';
  const held = omitted.filter((id) => published.has(id));
  const where = files.length === 0 ? 'the run publishes no ltv.json, ltv.csv or ltv.xlsx'
    : `${listed(files)} beside it ${files.length === 1 ? 'holds' : 'hold'} ${held.length ? listed(held) : 'none of them (the job publishes no matrix by day)'}`;
  return `Matrices by day are left out of this file to keep it small; ${where}; the explorer of \`ltv serve\` draws every one.`;
}

/** Where the numbers are without JavaScript: the run's downloads, which hold the job's matrices. */
function noscriptFiles(files: readonly Download[]): string {
  const held = DOWNLOADS.filter((f) => files.includes(f));
  return held.length ? `; ${listed(held)} beside it ${held.length === 1 ? 'holds' : 'hold'} the job's matrices` : '';
}

/** The page's text; exported for the tests, which open it in a browser. `files`: the run's downloads (its job's formats). */
export function reportHtml(report: Pick<TenantReport, 'tenant' | 'run_id' | 'as_of' | 'timezone' | 'currency' | 'summary' | 'forecast' | 'matrices'>, matrices: Iterable<RunMatrix>, files: readonly Download[]): string {
  const inlined: InlinePayload['matrices'] = {};
  const omitted: string[] = [];
  // The rows' text → the first matrix id holding them.
  const stored = new Map<string, string>();
  for (const m of matrices) {
    if (!inlinedInReport(m)) {
      omitted.push(m.id);
      continue;
    }
    const rows = inlineRows(m);
    const text = JSON.stringify(rows);
    const first = stored.get(text);
    if (first === undefined) stored.set(text, m.id);
    inlined[m.id] = first ?? rows;
  }
  const data = {
    tenant: report.tenant,
    run_id: report.run_id,
    as_of: report.as_of,
    timezone: report.timezone,
    currency: report.currency,
    summary: report.summary,
    omitted: {
      ids: omitted.sort(),
      reason: omittedReason(omitted, new Set(report.matrices.map((m) => m.id)), DOWNLOADS.filter((f) => files.includes(f))),
    },
    matrices_gz: gzipSync(Buffer.from(JSON.stringify({ matrices: inlined, forecast: inlineForecast(report.forecast) } satisfies InlinePayload), 'utf8'), { level: 9 }).toString('base64'),
  };
  // `<` escaped: the block cannot end early or open a comment, whatever a title holds.
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  const js = explorerText('explorer.js');
  const css = explorerText('explorer.css');
  if (/<\/script|<!--/i.test(js) || /<\/style/i.test(css)) throw new Error('explorer bundle cannot be inlined: it contains a closing tag');
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(js)}`,
    `style-src ${sha256(css)}`,
    "img-src data:",
    "base-uri 'none'",
    "form-action 'none'",
    "require-trusted-types-for 'script'",
    'trusted-types',
  ].join('; ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>LTV report: ${htmlEntities(visibleLine(report.tenant))} · ${escapeHtml(report.run_id)}</title>
<style>${css}</style>
</head>
<body>
<div id="app"><noscript>This report needs JavaScript to draw its tables${noscriptFiles(files)}.</noscript></div>
<script type="application/json" id="ltv-data">${json}</script>
<script>${js}</script>
</body>
</html>
`;
}

export async function writeReportHtml(report: TenantReport, matrices: Iterable<RunMatrix>, files: readonly Download[], path: string): Promise<void> {
  await writeFile(path, reportHtml(report, matrices, files), 'utf8');
}
