// The stale-report notice of SPEC §11 (job `alert_after`) and its all-clear: short and plain, like the
// failure notice. What an operator needs: which job, since when nothing was published, what is served now.
import type { SendMailOptions } from 'nodemailer';
import { localTime } from '../report/localTime.js';
import { escapeHtml, htmlEntities, visibleText } from '../format/text.js';

export interface StaleReport {
  kind: 'stale' | 'recovered';
  job: string;
  timezone: string;
  /** The job's alert_after as written ("36h"). */
  alertAfter: string;
  /** stale: ISO time of the last publication; null when the job never published. */
  lastPublished: string | null;
  /** ISO time since which the job counts as unpublished (the last publication, or when the worker first saw the job). */
  since: string;
  /** recovered: ISO time of the publication that ended the episode. */
  publishedAgain?: string;
}

export function composeStaleEmail(r: StaleReport, ops: readonly string[], opts: { from: string; messageId: string }): SendMailOptions {
  const at = (iso: string): string => `${localTime(iso, r.timezone)} (${r.timezone})`;
  const oneLine = (s: string): string => visibleText(s).replace(/[\u0000-\u001f\u007f]+/g, ' ');
  const subject = oneLine(r.kind === 'stale'
    ? `LTV report stale: job ${r.job}, nothing published for over ${r.alertAfter}`
    : `LTV report recovered: job ${r.job} published again`);
  const rows: [string, string][] = r.kind === 'stale'
    ? [
        ['Job', r.job],
        ['Last published', r.lastPublished ? at(r.lastPublished) : `never (counted from ${at(r.since)}, when a worker first saw the job)`],
        ['Alert after', r.alertAfter],
      ]
    : [
        ['Job', r.job],
        ['Unpublished since', at(r.since)],
        ['Published again', r.publishedAgain ? at(r.publishedAgain) : 'yes'],
      ];
  const lead = r.kind === 'stale'
    ? `No run of job ${r.job} was published for over ${r.alertAfter}. The report served is the last published one.`
    : `Job ${r.job} published a run again; the stale-report alert is over.`;
  const advice = r.kind === 'stale'
    ? 'Look for failed runs of this job (bull-board, `ltv enqueue --wait`, the worker log) and whether its inputs arrive.'
    : 'Nothing to do.';
  const text = `${lead}\n\n${rows.map(([k, v]) => `${`${k}:`.padEnd(16)} ${v}`).join('\n')}\n\nWhat to do: ${advice}\n\n--\nSent once per episode by ltv.\n`;
  const font = 'font-family:Arial,Helvetica,sans-serif;';
  const html =
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${htmlEntities(subject)}</title></head>` +
    `<body style="margin:0;padding:16px;background:#ffffff;">` +
    `<p style="${font}font-size:14px;color:#1a1a1a;margin:0 0 12px;">${escapeHtml(lead)}</p>` +
    `<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;">` +
    rows.map(([k, v]) => `<tr><td valign="top" style="${font}font-size:14px;color:#5f6368;padding:3px 16px 3px 0;">${escapeHtml(k)}</td><td style="${font}font-size:14px;color:#1a1a1a;padding:3px 0;">${escapeHtml(v)}</td></tr>`).join('') +
    `</table><p style="${font}font-size:14px;color:#1a1a1a;margin:12px 0 0;"><b>What to do:</b> ${escapeHtml(advice)}</p>` +
    `<p style="${font}font-size:11px;color:#5f6368;margin:16px 0 0;">Sent once per episode by ltv.</p></body></html>`;
  return {
    from: opts.from,
    to: [...ops],
    subject,
    messageId: opts.messageId,
    headers: { 'Auto-Submitted': 'auto-generated', 'X-LTV-Job': oneLine(r.job), 'X-LTV-Alert': r.kind },
    text,
    html,
  };
}
