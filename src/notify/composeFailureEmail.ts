// The failure notice: short, plain, and about what to do. The previous report stays served (SPEC §3, §5:
// a failed run publishes nothing), which is the first thing an operator wants to know.
import type { SendMailOptions } from 'nodemailer';
import { localTime } from '../report/localTime.js';
import { escapeHtml, htmlEntities, visibleLine } from '../format/text.js';
import { formatSubject } from './formatSubject.js';

export interface RunFailure {
  job: string;
  tenant: string;
  /** ISO 8601 UTC */
  asOf: string;
  timezone: string;
  /** AppError code (CONFIG, INPUT, DATA, PUBLISH, TRANSIENT, INTERNAL, …). */
  code: string;
  /** The one-line message a user can act on. */
  message: string;
  retryable: boolean;
}

const ADVICE: Record<string, string> = {
  CONFIG: 'Fix the job file, flag or environment variable named above.',
  INPUT: 'Fix or replace the input file named above.',
  // Not only bad rows: a history too long for its snapshots, money too large, a run past its max_run_time.
  DATA: 'Do what the error above says: it names what to change (for bad rows, the quarantine file listing each one; the export, or the job\'s max_bad_row_share, min_event_time or max_run_time).',
  PUBLISH: 'Check that the reports directory exists, is writable and has free space.',
  TRANSIENT: 'This kind of failure is usually temporary; the worker retries it.',
  STALLED: 'Find out why the worker stops (its memory, a container limit, someone killing it); the run is not tried again until it is added again.',
};

export function composeFailureEmail(f: RunFailure, ops: readonly string[], opts: { from: string; messageId: string }): SendMailOptions {
  const asOfLocal = `${localTime(f.asOf, f.timezone)} (${f.timezone})`;
  const subject = formatSubject('LTV run failed: job {job}, tenant {tenant}, as of {date}', {
    job: f.job, tenant: f.tenant, date: asOfLocal.slice(0, 10), ltv: '', currency: '', horizon: '',
  });
  const advice = ADVICE[f.code] ?? 'If it happens again, send this message and the worker log around its time to whoever runs ltv.';
  const rows: [string, string][] = [
    ['Job', f.job],
    ['Tenant', f.tenant],
    ['As of', asOfLocal],
    ['Error', `${f.code}: ${f.message}`],
  ];
  const text =
    `An LTV run failed. Nothing was published: the previous report stays served.\n\n` +
    // A row is one line whatever its value holds (a tenant id with CR LF put "Bcc: …" on a line of its own).
    rows.map(([k, v]) => `${`${k}:`.padEnd(8)} ${visibleLine(v)}`).join('\n') +
    `\n\nWhat to do: ${advice}\n\n--\nSent once per failure by ltv.\n`;
  const font = 'font-family:Arial,Helvetica,sans-serif;';
  const html =
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${htmlEntities(subject)}</title></head>` +
    `<body style="margin:0;padding:16px;background:#ffffff;">` +
    `<p style="${font}font-size:14px;color:#1a1a1a;margin:0 0 12px;">An LTV run <b>failed</b>. Nothing was published: the previous report stays served.</p>` +
    `<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;">` +
    rows.map(([k, v]) =>
      `<tr><td valign="top" style="${font}font-size:14px;color:#5f6368;padding:3px 16px 3px 0;">${k}</td>` +
      `<td style="${font}font-size:14px;color:#1a1a1a;padding:3px 0;${k === 'Error' ? 'font-family:Consolas,Menlo,monospace;' : ''}">${escapeHtml(v)}</td></tr>`,
    ).join('') +
    `</table>` +
    `<p style="${font}font-size:14px;color:#1a1a1a;margin:12px 0 0;"><b>What to do:</b> ${escapeHtml(advice)}</p>` +
    `<p style="${font}font-size:11px;color:#5f6368;margin:16px 0 0;">Sent once per failure by ltv.</p></body></html>`;
  return {
    from: opts.from,
    to: [...ops],
    subject,
    messageId: opts.messageId,
    headers: { 'Auto-Submitted': 'auto-generated', 'X-LTV-Job': f.job },
    text,
    html,
  };
}
