// The plain-text part: what a text-only client, a screen reader or a notification preview shows. It
// reads on its own: the figures, a narrow heatmap, and where the full report is.
import { forecastLine } from './forecastLine.js';
import { ltvMissingReason, periodAxisTitle } from '../format/labels.js';
import { MOSTLY_COMPLETE } from '../report/completeness.js';
import { formatBytes, formatCount, formatGroupedCountOf, formatMoney } from '../format/money.js';
import { formatChange } from './formatChange.js';
import { heatmapText } from './heatmapText.js';
import type { RunEmailContent } from './RunEmailContent.js';
import { heatmapTitle, shownNote } from './runEmailHtml.js';
import { inputFileLines, inputLine } from './inputLines.js';
import { localTime } from '../report/localTime.js';
import { visibleLine, visibleText } from '../format/text.js';

const TEXT_PERIODS = 7;

export function runEmailText(c: RunEmailContent): string {
  const r = c.report;
  const s = r.summary;
  const money = (v: number | null, missing: string): string => (v === null ? missing : formatMoney(v, r.currency));
  const before = c.previous?.summary;
  const change = (now: number | null, then: number | null | undefined, currency: string | null): string => {
    const text = before ? formatChange(now, then ?? null, currency) : null;
    return text ? `  [${text}]` : '';
  };
  // The first line names the tenant and the job, on one line whatever they hold (visibleLine): a tenant id
  // with CR LF put "Bcc: …" on a line of its own.
  const title = visibleLine(`LTV report for ${r.tenant} (job ${c.job})`);
  const lines = [
    `As of ${c.asOfLocal} (${r.timezone}), amounts in ${r.currency}`,
    ...(r.warnings ?? []).map((w) => `\nWARNING: ${w.message}`),
    '',
    `Average LTV at 90 days:  ${money(s.average_ltv_90d, `n/a (${ltvMissingReason(s, 90)})`)}${change(s.average_ltv_90d, before?.average_ltv_90d, r.currency)}`,
    `Average LTV at 30 days:  ${money(s.average_ltv_30d, `n/a (${ltvMissingReason(s, 30)})`)}${change(s.average_ltv_30d, before?.average_ltv_30d, r.currency)}`,
    `Paying customers:        ${formatCount(s.customers)} in ${formatGroupedCountOf(s.cohorts, 'monthly cohort')}${change(s.customers, before?.customers, null)}`,
    `Revenue:                 ${money(s.revenue, '')} (after refunds)${change(s.revenue, before?.revenue, r.currency)}`,
    ...(c.feesKnown
      ? [`Proceeds:                ${money(s.proceeds, '')} (after store commission)`, `Net revenue:             ${money(s.net_revenue, '')} (after commission and taxes)`]
      : ['Proceeds, net revenue:   equal to revenue (no commission or tax data in the inputs)']),
    ...(c.previous ? ['', `[…]: change since the previous run, as of ${c.previous.asOfLocal} (run ${c.previous.run_id}).`] : []),
    forecastLine(r),
    '',
    inputLine(r),
    ...inputFileLines(r).map((l) => `  ${l}`),
  ];
  const h = c.heatmap;
  if (h) {
    const shown = h.periods.slice(0, TEXT_PERIODS);
    const cut = h.hiddenRows > 0 || h.periods.length + h.hiddenPeriods > shown.length;
    lines.push(
      '',
      `${heatmapTitle(c)}: cumulative revenue per customer (${r.currency}${h.decimals === 0 ? ', rounded' : ''})`,
      `${periodAxisTitle(h.matrix)}; * = partial, still growing (the cohort has not lived through the whole period yet; Total: under ${MOSTLY_COMPLETE * 100} % of its customers have)`,
      '',
      heatmapText(h, TEXT_PERIODS),
    );
    if (cut) lines.push('', `(Showing ${shownNote({ heatmap: { ...h, periods: shown, hiddenPeriods: h.hiddenPeriods + h.periods.length - shown.length } })}; the workbook has every cell.)`);
  }
  if (c.files.length) {
    lines.push('', 'The full report:');
    for (const f of c.files) {
      const head = `- ${f.name} (${formatBytes(f.bytes)})`;
      if (f.attached) lines.push(`${head}: attached`);
      else lines.push(`${head}: too large to attach (limit ${formatBytes(c.maxAttachmentBytes)}); ${f.url ? `download: ${f.url}` : `on the report server at ${f.path}`}`);
    }
  }
  lines.push(
    '',
    '--',
    'LTV = cumulative revenue per paying customer since the first payment, refunds deducted, over every customer of the cohort.',
    `Run ${r.run_id}, generated ${localTime(r.generated_at, r.timezone)} (${r.timezone}) by ltv; this message is sent once per run.`,
  );
  // Text from the data (the tenant id, file names, warnings) shown as the HTML part and the other files show
  // it, once: an ESC or a bidi override would otherwise act in a terminal mail reader or reorder the line.
  return `${title}\n${visibleText(lines.join('\n'))}\n`;
}
