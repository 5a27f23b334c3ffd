// The HTML part of the run email. Mail clients are not browsers: Gmail strips classes, Outlook for
// Windows renders with Word (no max-width on divs, no inline-block: tables only). So the layout is
// "hybrid": fluid blocks capped by max-width that phones narrow and wrap, every element styled inline,
// colours given as bgcolor too, with fixed-width tables for Outlook inside conditional comments. On a
// 400 px screen the figure cards stack two by two, the heatmap scrolls inside its own box and the chart
// scales; the page itself never scrolls sideways (test/integration/emailBrowser.test.ts).
import { forecastLine } from './forecastLine.js';
import { escapeHtml, htmlEntities, visibleLine } from '../format/text.js';
import { formatBytes, formatCount, formatGroupedCountOf, formatMoney } from '../format/money.js';
import { formatChange } from './formatChange.js';
import { inputFileLines, inputLine } from './inputLines.js';
import { heatmapHtml, PARTIAL_NOTE } from './heatmapHtml.js';
import { localTime } from '../report/localTime.js';
import { ltvMissingReason, periodAxisTitle } from '../format/labels.js';
import type { RunEmailContent } from './RunEmailContent.js';

/**
 * A one-line text from data (a tenant id, a job or file name) for the HTML part: line breaks and tabs shown
 * as the text part and the report's files show them (visibleLine). escapeHtml kept them, and HTML shows a
 * line break as a space: a tenant "evil\r\nBcc: …" read as one named with spaces.
 */
const line = (text: string): string => htmlEntities(visibleLine(text));

const WIDTH = 720;
/** Four cards in a row on a desktop inbox (720 − 2 × 10 px gutter = 700 / 4), two on a phone, one below 360 px. */
const CARD = 175;
const FONT = 'font-family:Arial,Helvetica,sans-serif;';
const MUTED = 'color:#5f6368;';
/** Side padding: enough to frame the text on a desktop, little enough to leave a phone its width. */
const SIDE = 16;

interface Tile {
  label: string;
  value: string;
  note: string;
  change: string | null;
}

export function runEmailHtml(c: RunEmailContent): string {
  const r = c.report;
  const s = r.summary;
  const before = c.previous?.summary;
  const money = (v: number | null): string => (v === null ? 'n/a' : formatMoney(v, r.currency));
  const tiles: Tile[] = [
    { label: 'Average LTV at 90 days', value: money(s.average_ltv_90d), note: s.average_ltv_90d === null ? ltvMissingReason(s, 90) : 'per paying customer',
      change: before ? formatChange(s.average_ltv_90d, before.average_ltv_90d, r.currency) : null },
    { label: 'Average LTV at 30 days', value: money(s.average_ltv_30d), note: s.average_ltv_30d === null ? ltvMissingReason(s, 30) : 'per paying customer',
      change: before ? formatChange(s.average_ltv_30d, before.average_ltv_30d, r.currency) : null },
    { label: 'Paying customers', value: formatCount(s.customers), note: `in ${formatGroupedCountOf(s.cohorts, 'monthly cohort')}`,
      change: before ? formatChange(s.customers, before.customers, null) : null },
    { label: 'Revenue', value: money(s.revenue), note: 'after refunds', change: before ? formatChange(s.revenue, before.revenue, r.currency) : null },
  ];
  const tile = (t: Tile): string =>
    `<!--[if mso]><td width="${CARD}" valign="top"><![endif]-->` +
    `<div style="display:inline-block;vertical-align:top;width:100%;max-width:${CARD}px;">` +
    `<div style="margin:0 6px 12px;padding:10px 12px;background:#f6f8fa;border:1px solid #e3e6ea;">` +
    `<div style="${FONT}font-size:12px;${MUTED}">${t.label}</div>` +
    `<div style="${FONT}font-size:20px;font-weight:bold;color:#1a1a1a;white-space:nowrap;">${t.value}</div>` +
    `<div style="${FONT}font-size:11px;${MUTED}">${t.note}</div>` +
    (t.change ? `<div style="${FONT}font-size:11px;color:#3c4043;margin-top:2px;">${escapeHtml(t.change)}</div>` : '') +
    `</div></div><!--[if mso]></td><![endif]-->`;
  const tilesBlock =
    `<div style="font-size:0;padding:4px ${SIDE - 6}px 0;">` +
    `<!--[if mso]><table role="presentation" width="${WIDTH - 2 * (SIDE - 6)}" cellpadding="0" cellspacing="0" border="0"><tr><![endif]-->` +
    tiles.map(tile).join('') +
    `<!--[if mso]></tr></table><![endif]--></div>`;
  const changeNote = c.previous
    ? `<div style="${FONT}padding:0 ${SIDE}px;font-size:12px;${MUTED}">Changes since the previous run, as of ${escapeHtml(c.previous.asOfLocal)} (run ${escapeHtml(c.previous.run_id)}).</div>`
    : '';

  const block = (body: string, top = 20): string => `<div style="${FONT}padding:${top}px ${SIDE}px 0;">${body}</div>`;
  const section = (title: string, body: string): string =>
    block(`<h2 style="${FONT}margin:0 0 8px;font-size:16px;color:#1a1a1a;">${title}</h2>${body}`);

  const warnings = (r.warnings ?? []).map((w) =>
    block(`<div style="${FONT}padding:10px 12px;background:#fde7e9;border:1px solid #f3b5bb;color:#8a1c24;font-size:13px;line-height:1.4;"><b>Warning:</b> ${escapeHtml(w.message)}</div>`, 12),
  );

  const heatmap = c.heatmap;
  const heatmapSection = heatmap
    ? section(
        `${heatmapTitle(c)}: cumulative revenue per customer (${escapeHtml(r.currency)}${heatmap.decimals === 0 ? ', rounded' : ''})`,
        `<p style="${FONT}margin:0 0 8px;font-size:12px;${MUTED}">${escapeHtml(periodAxisTitle(heatmap.matrix))}. ` +
          `Darker green = higher. ${PARTIAL_NOTE}</p>` +
          // Its own scroll box: a wide table scrolls here instead of widening the message.
          `<div style="overflow-x:auto;-webkit-overflow-scrolling:touch;max-width:100%;">${heatmapHtml(heatmap)}</div>` +
          (heatmap.hiddenRows > 0 || heatmap.hiddenPeriods > 0
            ? `<p style="${FONT}margin:6px 0 0;font-size:12px;${MUTED}">Showing ${shownNote(c)}; the workbook has every cohort and period.</p>`
            : ''),
      )
    : '';

  const imageWidth = WIDTH - 2 * SIDE;
  const chartSection = c.chartCid
    ? section(
        'LTV curves',
        `<img src="cid:${c.chartCid}" width="${imageWidth}" alt="Chart: cumulative revenue per customer of the latest cohorts and their average" ` +
          `style="display:block;width:100%;max-width:${imageWidth}px;height:auto;border:0;">`,
      )
    : '';

  const fileItems = c.files.map((f) => {
    const name = `<b>${escapeHtml(f.name)}</b> (${formatBytes(f.bytes)})`;
    if (f.attached) return `<li style="margin:0 0 4px;">${name}: attached</li>`;
    const why = `too large to attach (the limit is ${formatBytes(c.maxAttachmentBytes)})`;
    return f.url
      ? `<li style="margin:0 0 4px;">${name}: ${why}; <a href="${escapeHtml(f.url)}" style="color:#0b57d0;word-break:break-all;">download it from the report server</a></li>`
      : `<li style="margin:0 0 4px;">${name}: ${why}; on the report server at <code style="font-size:12px;word-break:break-all;">${escapeHtml(f.path)}</code></li>`;
  });
  const filesSection = fileItems.length
    ? section('The full report', `<ul style="${FONT}margin:0;padding:0 0 0 18px;font-size:14px;color:#1a1a1a;">${fileItems.join('')}</ul>` +
        `<p style="${FONT}margin:8px 0 0;font-size:12px;${MUTED}">The workbook has the summary, a heatmap per cohort matrix, a sheet per segmentation, every cell as data, and the definitions.</p>`)
    : '';

  const fees = c.feesKnown
    ? `Proceeds (after store commission) ${money(s.proceeds)} · net revenue (after commission and taxes) ${money(s.net_revenue)}`
    : 'No commission or tax data in the inputs: proceeds and net revenue equal revenue.';

  // The subject is shown already (formatSubject).
  const title = htmlEntities(c.subject);
  return (
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${title}</title></head>` +
    `<body style="margin:0;padding:0;background:#eef0f3;">` +
    `<div style="background:#eef0f3;padding:16px 8px;">` +
    `<!--[if mso]><table role="presentation" width="${WIDTH}" align="center" cellpadding="0" cellspacing="0" border="0"><tr><td><![endif]-->` +
    `<div style="max-width:${WIDTH}px;margin:0 auto;background:#ffffff;border:1px solid #dfe3e8;overflow-wrap:break-word;">` +
    block(
      `<div style="${FONT}font-size:13px;${MUTED}">LTV report · job ${line(c.job)}</div>` +
        `<h1 style="${FONT}margin:4px 0 2px;font-size:24px;color:#1a1a1a;">${line(r.tenant)}</h1>` +
        `<div style="${FONT}font-size:13px;${MUTED}">As of ${escapeHtml(c.asOfLocal)} (${escapeHtml(r.timezone)}) · amounts in ${escapeHtml(r.currency)}</div>`,
    ) +
    warnings.join('') +
    tilesBlock +
    changeNote +
    block(`<div style="font-size:13px;color:#1a1a1a;">${escapeHtml(forecastLine(r))}</div>`, 8) +
    block(`<div style="font-size:13px;color:#1a1a1a;">${fees}</div><div style="font-size:12px;${MUTED}margin-top:4px;">${[inputLine(r), ...inputFileLines(r)].map(line).join('<br>')}</div>`, 8) +
    heatmapSection +
    chartSection +
    filesSection +
    block(
      `<hr style="border:0;border-top:1px solid #e3e6ea;margin:0 0 12px;">` +
        `<div style="${FONT}font-size:11px;line-height:1.5;${MUTED}padding-bottom:20px;">` +
        `LTV here is the cumulative revenue per paying customer since their first payment, refunds deducted, averaged over every customer of the cohort. ` +
        `A cohort is the customers whose first payment fell in the same month; Total is all of them. ` +
        `Run ${escapeHtml(r.run_id)}, generated ${escapeHtml(localTime(r.generated_at, r.timezone))} (${escapeHtml(r.timezone)}) by ltv; this message is sent once per run.</div>`,
      24,
    ) +
    `</div><!--[if mso]></td></tr></table><![endif]--></div></body></html>`
  );
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
  const noun = h.rows[0]?.type === 'segment' ? 'segment' : 'cohort';
  const rows = h.hiddenRows > 0
    ? `the ${h.rows[0]?.type === 'segment' ? 'largest' : 'newest'} ${formatCount(h.rows.length)} of ${formatGroupedCountOf(h.rows.length + h.hiddenRows, noun)}`
    : `${h.rows.length === 1 ? 'the' : 'all'} ${formatGroupedCountOf(h.rows.length, noun)}`;
  const last = h.periods.at(-1) ?? 0;
  const periods = h.hiddenPeriods > 0 ? `periods 0–${last} of 0–${last + h.hiddenPeriods}` : 'every period';
  return `${rows}, ${periods}`;
}
