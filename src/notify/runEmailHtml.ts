// The HTML part of the run email. Mail clients are not browsers: Gmail strips <style> and classes,
// Outlook for Windows renders with Word (no flex, no max-width on divs, tables only). So the layout is
// nested tables of fixed width, every element styled inline, and colours given as bgcolor too.
import { forecastLine } from './forecastLine.js';
import { escapeHtml } from './escapeHtml.js';
import { formatBytes } from './formatBytes.js';
import { formatCount, formatMoney } from './formatMoney.js';
import { heatmapHtml } from './heatmapHtml.js';
import { localTime } from '../report/localTime.js';
import { periodAxisTitle } from '../report/periodLabel.js';
import type { RunEmailContent } from './RunEmailContent.js';

const WIDTH = 720;
const FONT = 'font-family:Arial,Helvetica,sans-serif;';
const MUTED = 'color:#5f6368;';

export function runEmailHtml(c: RunEmailContent): string {
  const r = c.report;
  const s = r.summary;
  const money = (v: number | null): string => (v === null ? 'n/a' : formatMoney(v, r.currency));
  const tiles: [string, string, string][] = [
    ['Average LTV at 90 days', money(s.average_ltv_90d), s.average_ltv_90d === null ? 'no customer is 90 days old yet' : 'per paying customer'],
    ['Average LTV at 30 days', money(s.average_ltv_30d), s.average_ltv_30d === null ? 'no customer is 30 days old yet' : 'per paying customer'],
    ['Paying customers', formatCount(s.customers), `in ${formatCount(s.cohorts)} monthly cohorts`],
    ['Revenue', money(s.revenue), 'after refunds'],
  ];
  const tile = ([label, value, note]: [string, string, string]): string =>
    `<td width="25%" valign="top" style="padding:0 6px;">` +
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" bgcolor="#f6f8fa" style="background:#f6f8fa;border:1px solid #e3e6ea;">` +
    `<tr><td style="${FONT}padding:10px 12px 2px;font-size:12px;${MUTED}">${label}</td></tr>` +
    `<tr><td style="${FONT}padding:0 12px;font-size:20px;font-weight:bold;color:#1a1a1a;white-space:nowrap;">${value}</td></tr>` +
    `<tr><td style="${FONT}padding:2px 12px 10px;font-size:11px;${MUTED}">${note}</td></tr>` +
    `</table></td>`;

  const section = (title: string, body: string): string =>
    `<tr><td style="${FONT}padding:20px 28px 0;">` +
    `<h2 style="${FONT}margin:0 0 8px;font-size:16px;color:#1a1a1a;">${title}</h2>${body}</td></tr>`;

  const heatmap = c.heatmap;
  const heatmapSection = heatmap
    ? section(
        `${heatmapTitle(c)}: cumulative revenue per customer (${escapeHtml(r.currency)}${heatmap.decimals === 0 ? ', rounded' : ''})`,
        `<p style="${FONT}margin:0 0 8px;font-size:12px;${MUTED}">${escapeHtml(periodAxisTitle(heatmap.matrix))}. ` +
          `Darker green = higher. <i>Italic grey*</i> = partial: the cohort has not lived through the whole period yet.</p>` +
          heatmapHtml(heatmap) +
          (heatmap.hiddenRows > 0 || heatmap.hiddenPeriods > 0
            ? `<p style="${FONT}margin:6px 0 0;font-size:12px;${MUTED}">Showing ${shownNote(c)}; the workbook has every cohort and period.</p>`
            : ''),
      )
    : '';

  const chartSection = c.chartCid
    ? section(
        'LTV curves',
        `<img src="cid:${c.chartCid}" width="${WIDTH - 56}" alt="Chart: cumulative revenue per customer of the latest cohorts and their average" ` +
          `style="display:block;width:100%;max-width:${WIDTH - 56}px;height:auto;border:0;">`,
      )
    : '';

  const fileItems = c.files.map((f) => {
    const name = `<b>${escapeHtml(f.name)}</b> (${formatBytes(f.bytes)})`;
    if (f.attached) return `<li style="margin:0 0 4px;">${name}: attached</li>`;
    const why = `too large to attach (the limit is ${formatBytes(c.maxAttachmentBytes)})`;
    return f.url
      ? `<li style="margin:0 0 4px;">${name}: ${why}; <a href="${escapeHtml(f.url)}" style="color:#0b57d0;">download it from the report server</a></li>`
      : `<li style="margin:0 0 4px;">${name}: ${why}; on the report server at <code style="font-size:12px;">${escapeHtml(f.path)}</code></li>`;
  });
  const filesSection = fileItems.length
    ? section('The full report', `<ul style="${FONT}margin:0;padding:0 0 0 18px;font-size:14px;color:#1a1a1a;">${fileItems.join('')}</ul>` +
        `<p style="${FONT}margin:8px 0 0;font-size:12px;${MUTED}">The workbook has the summary, a heatmap per cohort matrix, a sheet per segmentation, every cell as data, and the definitions.</p>`)
    : '';

  const title = escapeHtml(c.subject);
  return (
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${title}</title></head>` +
    `<body style="margin:0;padding:0;background:#eef0f3;">` +
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" bgcolor="#eef0f3" style="background:#eef0f3;"><tr><td align="center" style="padding:24px 8px;">` +
    `<table role="presentation" width="${WIDTH}" cellpadding="0" cellspacing="0" border="0" bgcolor="#ffffff" style="width:${WIDTH}px;max-width:100%;background:#ffffff;border:1px solid #dfe3e8;">` +
    `<tr><td style="${FONT}padding:24px 28px 0;">` +
    `<div style="${FONT}font-size:13px;${MUTED}">LTV report · job ${escapeHtml(c.job)}</div>` +
    `<h1 style="${FONT}margin:4px 0 2px;font-size:24px;color:#1a1a1a;">${escapeHtml(r.tenant)}</h1>` +
    `<div style="${FONT}font-size:13px;${MUTED}">As of ${escapeHtml(c.asOfLocal)} (${escapeHtml(r.timezone)}) · amounts in ${escapeHtml(r.currency)}</div>` +
    `</td></tr>` +
    `<tr><td style="padding:16px 22px 0;"><table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"><tr>${tiles.map(tile).join('')}</tr></table></td></tr>` +
    `<tr><td style="${FONT}padding:10px 28px 0;font-size:13px;color:#1a1a1a;">` +
    `Proceeds (after store commission) ${money(s.proceeds)} · net revenue (after commission and taxes) ${money(s.net_revenue)}</td></tr>` +
    (forecastLine(r) ? `<tr><td style="${FONT}padding:10px 28px 0;font-size:13px;color:#1a1a1a;">${escapeHtml(forecastLine(r)!)}</td></tr>` : '') +
    `<tr><td style="${FONT}padding:4px 28px 0;font-size:12px;${MUTED}">${escapeHtml(inputLine(r))}</td></tr>` +
    heatmapSection +
    chartSection +
    filesSection +
    `<tr><td style="${FONT}padding:24px 28px 24px;font-size:11px;line-height:1.5;${MUTED}">` +
    `<hr style="border:0;border-top:1px solid #e3e6ea;margin:0 0 12px;">` +
    `LTV here is the cumulative revenue per paying customer since their first payment, refunds deducted, averaged over every customer of the cohort. ` +
    `A cohort is the customers whose first payment fell in the same month. ` +
    `Run ${escapeHtml(r.run_id)}, generated ${escapeHtml(localTime(r.generated_at, r.timezone))} (${escapeHtml(r.timezone)}) by ltv; this message is sent once per run.` +
    `</td></tr>` +
    `</table></td></tr></table></body></html>`
  );
}

/** Where the numbers came from, so a reader can trust them: rows read, quarantined, duplicates. */
export function inputLine(r: Pick<RunEmailContent['report'], 'stats'>): string {
  const st = r.stats;
  const parts = [`${formatCount(st.rows_read)} input rows`];
  if (st.rows_quarantined) parts.push(`${formatCount(st.rows_quarantined)} quarantined as unreadable (quarantine.csv on the report server)`);
  if (st.duplicates) parts.push(`${formatCount(st.duplicates)} duplicates merged`);
  if (st.sandbox_rows) parts.push(`${formatCount(st.sandbox_rows)} sandbox rows left out`);
  return `${parts.join(', ')}.`;
}

export function heatmapTitle(c: Pick<RunEmailContent, 'heatmap'>): string {
  const m = c.heatmap?.matrix;
  if (!m) return '';
  const unit = { day: 'Daily', week: 'Weekly', month: 'Monthly', quarter: 'Quarterly', year: 'Yearly' }[m.cohort_unit];
  if (m.segmentation !== 'cohort' && m.segmentation !== m.cohort_unit) return `By ${m.segmentation}`;
  return `${unit} cohorts${m.period_type === 'renewals' ? ' by renewal' : ''}`;
}

export function shownNote(c: Pick<RunEmailContent, 'heatmap'>): string {
  const h = c.heatmap;
  if (!h) return '';
  const noun = h.rows[0]?.type === 'segment' ? 'segments' : 'cohorts';
  const rows = h.hiddenRows > 0 ? `the ${h.rows[0]?.type === 'segment' ? 'largest' : 'newest'} ${h.rows.length} of ${h.rows.length + h.hiddenRows} ${noun}` : `all ${h.rows.length} ${noun}`;
  const last = h.periods.at(-1) ?? 0;
  const periods = h.hiddenPeriods > 0 ? `periods 0–${last} of 0–${last + h.hiddenPeriods}` : 'every period';
  return `${rows}, ${periods}`;
}
