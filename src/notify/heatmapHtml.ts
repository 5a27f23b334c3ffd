// The cohort heatmap as an HTML table with inline styles only: Gmail and Outlook drop <style> sheets and
// classes, so every cell carries its own colour, computed here on the workbook's white-to-green scale
// (the Total row, their average, stays plain and bold, as in the workbook). Partial cells (SPEC §4
// censoring; on Total, under 90 % of its customers complete, as in the workbook) are italic dark grey
// with an asterisk, readable without colour. Rows are labelled as in the workbook: "Total", "2025-03-01".
import { isMarkedPartial, MOSTLY_COMPLETE } from '../report/completeness.js';
import { HEATMAP_COLOURS } from '../report/writeMatrixSheet.js';
import type { MatrixRow } from '../ltv/model.js';
import { escapeHtml } from '../format/text.js';
import { formatAmount, formatCount } from '../format/money.js';
import { cellAt, type HeatmapView } from './heatmapView.js';

const FONT = 'font-family:Arial,Helvetica,sans-serif;';
const BORDER = 'border:1px solid #e3e6ea;';
const PAD = 'padding:4px 5px;';

/** "M3" for month 3, "R2" for renewal 2: 13 columns must fit an inbox. */
export function shortPeriodLabel(view: Pick<HeatmapView, 'matrix'>, period: number): string {
  const m = view.matrix;
  return `${m.period_type === 'renewals' ? 'R' : m.period_unit.charAt(0).toUpperCase()}${period}`;
}

/** The legend of the partial mark, shared by the HTML and text parts. */
export const PARTIAL_NOTE =
  `<i>Italic*</i> = partial, still growing: the cohort has not lived through the whole period yet (Total: under ${MOSTLY_COMPLETE * 100} % of its customers have).`;

/** As the workbook and ltv.csv title rows (issue 16): "Total", the cohort date, the segment value. */
export function rowLabel(_view: Pick<HeatmapView, 'matrix'>, row: MatrixRow): string {
  return row.title;
}

/** The cell colour for a value on the view's scale, as #rrggbb. */
export function heatColour(view: Pick<HeatmapView, 'min' | 'max'>, value: number): string {
  // ARGB "FF63BE7B" → [0x63, 0xBE, 0x7B]
  const [low, high] = HEATMAP_COLOURS.map((argb) => [2, 4, 6].map((i) => parseInt(argb.slice(i, i + 2), 16)));
  const t = view.max > view.min ? Math.min(1, Math.max(0, (value - view.min) / (view.max - view.min))) : 0.5;
  return `#${low!.map((l, i) => Math.round(l + (high![i]! - l) * t).toString(16).padStart(2, '0')).join('')}`;
}

export function heatmapHtml(view: HeatmapView): string {
  const head = [
    `<th align="left" style="${FONT}${BORDER}${PAD}background:#f3f4f6;color:#333333;font-size:12px;">${view.rows[0]?.type === 'segment' ? 'Segment' : 'Cohort'}</th>`,
    `<th align="right" style="${FONT}${BORDER}${PAD}background:#f3f4f6;color:#333333;font-size:12px;">Customers</th>`,
    ...view.periods.map((p) => `<th align="right" style="${FONT}${BORDER}${PAD}background:#f3f4f6;color:#333333;font-size:12px;">${shortPeriodLabel(view, p)}</th>`),
  ].join('');
  const body = [...(view.total ? [view.total] : []), ...view.rows].map((row) => {
    const isTotal = row.type === 'total';
    const weight = isTotal ? 'font-weight:bold;' : '';
    // The Total row is set apart from the cohorts by a rule, as in the workbook.
    const sep = isTotal ? 'border-bottom:2px solid #8c8c8c;' : '';
    const cells = view.periods.map((p) => {
      const cell = cellAt(row, p);
      if (!cell) return `<td style="${BORDER}${PAD}background:#ffffff;${sep}"></td>`;
      const bg = isTotal ? '#ffffff' : heatColour(view, cell.revenue);
      const partial = isMarkedPartial(row, cell);
      const text = `${formatAmount(cell.revenue, view.decimals)}${partial ? '*' : ''}`;
      // #333333: 5.5:1 on the darkest green (#666666 was 2.6:1, issue 16).
      const look = partial ? 'font-style:italic;color:#333333;' : 'color:#1a1a1a;';
      return `<td align="right" bgcolor="${bg}" style="${FONT}${BORDER}${PAD}background:${bg};font-size:12px;white-space:nowrap;${look}${weight}${sep}">${text}</td>`;
    });
    return (
      `<tr>` +
      `<td align="left" style="${FONT}${BORDER}${PAD}font-size:12px;white-space:nowrap;color:#1a1a1a;${weight}${sep}">${escapeHtml(rowLabel(view, row))}</td>` +
      `<td align="right" style="${FONT}${BORDER}${PAD}font-size:12px;color:#555555;${weight}${sep}">${formatCount(row.customers)}</td>` +
      cells.join('') +
      `</tr>`
    );
  });
  return (
    `<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;${FONT}">` +
    `<tr>${head}</tr>${body.join('')}</table>`
  );
}
