// SPEC §7 Email: the message for one published tenant run. Pure apart from reading the run's files (their
// sizes, the chart): the same run always composes the same message, Message-ID included.
import { stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { SendMailOptions } from 'nodemailer';
import { AppError } from '../config/AppError.js';
import type { Job } from '../config/jobSchema.js';
import type { TenantReport } from '../ltv/model.js';
import { RUN_FILES } from '../ltv/runFiles.js';
import { localTime } from '../report/localTime.js';
import { reportShape } from '../report/reportShape.js';
import { formatSubject } from './formatSubject.js';
import { formatAmount } from '../format/money.js';
import { headlineLtv } from './headlineLtv.js';
import { emailMatrix, heatmapView, type HeatmapLimits } from './heatmapView.js';
import { previousRun } from './previousRun.js';
import type { ReportFile, RunEmailContent } from './RunEmailContent.js';
import { runEmailHtml } from './runEmailHtml.js';
import { runEmailText } from './runEmailText.js';

export interface ComposeOptions {
  /** The From header (SMTP_FROM). */
  from: string;
  /** Deterministic per run (messageId.ts). */
  messageId: string;
  heatmap?: HeatmapLimits;
}

const CONTENT_TYPES: Record<string, string> = {
  [RUN_FILES.xlsx]: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  [RUN_FILES.csv]: 'text/csv; charset=utf-8',
};

export async function composeRunEmail(report: TenantReport, job: Job, runDir: string, opts: ComposeOptions): Promise<SendMailOptions> {
  const email = job.email;
  if (!email) throw new AppError('CONFIG', `${job.file}: email: the job has no email block`);
  const asOfLocal = localTime(report.as_of, report.timezone);
  const date = asOfLocal.slice(0, 10);
  const headline = headlineLtv(report);
  const subject = formatSubject(email.subject, {
    tenant: report.tenant,
    date,
    ltv: headline.value === null ? 'n/a' : formatAmount(headline.value),
    currency: report.currency,
    horizon: headline.horizon,
    job: job.name,
  }, { noCustomers: report.summary.customers === 0 });

  // Attachments in order of importance, while their total stays within the limit; the rest is linked.
  const wanted = [RUN_FILES.xlsx, ...(email.attach_csv ? [RUN_FILES.csv] : [])];
  const files: ReportFile[] = [];
  let budget = email.max_attachment_bytes;
  for (const name of wanted) {
    const path = join(runDir, name);
    const bytes = await fileSize(path);
    if (bytes === null) continue; // the job does not publish this format
    const attached = bytes <= budget;
    if (attached) budget -= bytes;
    files.push({ name, bytes, attached, path, url: attached ? null : reportUrl(email.link_base_url, basename(dirname(dirname(runDir))), report, name) });
  }

  const chartPath = join(runDir, RUN_FILES.chart);
  const chartCid = (await fileSize(chartPath)) === null ? null : `ltv-chart.${report.run_id}@ltv`;
  const matrix = emailMatrix(report);
  const previous = await previousRun(runDir, report);
  const content: RunEmailContent = {
    report,
    job: job.name,
    subject,
    headline,
    asOfLocal,
    heatmap: matrix ? heatmapView(matrix, opts.heatmap) : null,
    chartCid,
    files,
    maxAttachmentBytes: email.max_attachment_bytes,
    previous: previous && { ...previous, asOfLocal: localTime(previous.as_of, report.timezone) },
    feesKnown: reportShape(report).feesKnown,
  };

  // A file name a person recognises in their downloads folder: "ltv-Online_Retail_UK-2011-12-10.xlsx".
  const stem = `ltv-${report.tenant.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 60) || 'report'}-${date}`;
  return {
    from: opts.from,
    to: email.to,
    ...(email.cc.length ? { cc: email.cc } : {}),
    subject,
    messageId: opts.messageId,
    // RFC 3834: an automatic message; well-behaved auto-responders stay quiet.
    headers: { 'Auto-Submitted': 'auto-generated', 'X-LTV-Job': job.name, 'X-LTV-Run-Id': report.run_id },
    text: runEmailText(content),
    html: runEmailHtml(content),
    attachments: [
      ...(chartCid ? [{ filename: 'ltv.png', path: chartPath, cid: chartCid, contentType: 'image/png', contentDisposition: 'inline' as const }] : []),
      ...files
        .filter((f) => f.attached)
        .map((f) => ({ filename: `${stem}${f.name.slice(f.name.lastIndexOf('.'))}`, path: f.path, contentType: CONTENT_TYPES[f.name] ?? 'application/octet-stream' })),
    ],
  };
}

/**
 * Where a recipient downloads a file too large to attach. `ltv serve` answers the API snapshots only, so
 * `link_base_url` is where operators serve the reports directory statically (SPEC §5: "any static file
 * server can serve it"): `<link_base_url>/<tenant>/runs/<run-id>/ltv.xlsx`, the run's own immutable file.
 */
export function reportUrl(base: string | undefined, tenantDir: string, report: Pick<TenantReport, 'run_id'>, name: string): string | null {
  if (!base) return null;
  // `tenantDir`: the name of the directory the run was published in (publishRun.ts tenantDirOf), not one
  // worked out again from the id (a tenant published under an earlier release's name keeps that one).
  return `${base.replace(/\/+$/, '')}/${encodeURIComponent(tenantDir)}/runs/${encodeURIComponent(report.run_id)}/${name}`;
}

async function fileSize(path: string): Promise<number | null> {
  try {
    return (await stat(path)).size;
  } catch {
    return null;
  }
}
