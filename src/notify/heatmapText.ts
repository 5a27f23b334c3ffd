// The heatmap for the plain-text part: fixed-width columns that line up in any mail client's monospace
// view, and few enough of them (months 0–6 by default) to stay under ~100 characters a line.
import { isMarkedPartial } from '../report/completeness.js';
import { formatAmount, formatCount } from '../format/money.js';
import { rowLabel, shortPeriodLabel } from './heatmapHtml.js';
import { cellAt, type HeatmapView } from './heatmapView.js';

export function heatmapText(view: HeatmapView, maxPeriods = 7): string {
  const periods = view.periods.slice(0, maxPeriods);
  const rows = [...(view.total ? [view.total] : []), ...view.rows];
  const labelWidth = Math.min(24, Math.max(8, ...rows.map((r) => rowLabel(view, r).length)));
  const cellText = rows.map((r) =>
    periods.map((p) => {
      const c = cellAt(r, p);
      return c ? `${formatAmount(c.revenue, view.decimals)}${isMarkedPartial(r, c) ? '*' : ' '}` : '';
    }),
  );
  const width = Math.max(6, ...cellText.flat().map((t) => t.length), ...periods.map((p) => shortPeriodLabel(view, p).length + 1));
  const header =
    `${(view.rows[0]?.type === 'segment' ? 'Segment' : 'Cohort').padEnd(labelWidth)}  ${'Customers'.padStart(9)}` +
    periods.map((p) => ` ${`${shortPeriodLabel(view, p)} `.padStart(width)}`).join('');
  const lines = rows.map((r, i) => {
    const label = rowLabel(view, r);
    const shown = label.length > labelWidth ? `${label.slice(0, labelWidth - 1)}…` : label;
    return `${shown.padEnd(labelWidth)}  ${formatCount(r.customers).padStart(9)}` + cellText[i]!.map((t) => ` ${t.padStart(width)}`).join('');
  });
  return [header, ...lines].map((l) => l.trimEnd()).join('\n');
}
