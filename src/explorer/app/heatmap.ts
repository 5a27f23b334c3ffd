// The cohort heatmap: a table (rows × periods) coloured on viridis, partial cells hatched and predicted
// cells outlined, each cell's value as text. Large matrices (day units: hundreds of thousands of cells)
// are cut to MAX_CELLS, periods first, and say so: the full matrix is in the downloads.
import type { AccountingType } from '../../ltv/model.js';
import { append, clear, h } from './dom.js';
import { formatCell, formatCount, periodLabel } from './format.js';
import { viridis, viridisGradient } from './palette.js';
import type { ViewMatrix } from './view.js';

const MAX_CELLS = 40_000;
const MAX_ROWS = 1_000;

export function renderHeatmap(host: HTMLElement, m: ViewMatrix, acc: AccountingType): void {
  clear(host);
  const rows = m.rows[acc];
  let maxPeriod = -1;
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of rows) {
    for (const c of r.cells) {
      if (c.period > maxPeriod) maxPeriod = c.period;
      if (r.type !== 'total') {
        if (c.value < lo) lo = c.value;
        if (c.value > hi) hi = c.value;
      }
    }
  }
  if (lo === Infinity) {
    lo = 0;
    hi = 0;
  }
  const shownRows = rows.slice(0, MAX_ROWS);
  const periods = Math.min(maxPeriod + 1, Math.max(1, Math.floor(MAX_CELLS / Math.max(1, shownRows.length))));
  const span = hi - lo || 1;

  const head = h('tr', {}, h('th', { scope: 'col', class: 'rowhead' }, m.segmentation === 'cohort' ? 'Cohort' : 'Row'), h('th', { scope: 'col', class: 'num' }, 'Customers'));
  for (let k = 0; k < periods; k++) head.appendChild(h('th', { scope: 'col', class: 'num' }, periodLabel(m.period_type, m.period_unit, k)));
  const body = h('tbody');
  for (const r of shownRows) {
    const tr = h('tr', { class: r.type, 'data-title': r.title }, h('th', { scope: 'row', class: 'rowhead' }, r.title), h('td', { class: 'num customers' }, formatCount(r.customers)));
    const byPeriod = new Map(r.cells.map((c) => [c.period, c]));
    for (let k = 0; k < periods; k++) {
      const c = byPeriod.get(k);
      if (!c) {
        tr.appendChild(h('td', { class: 'empty' }));
        continue;
      }
      const td = h('td', { class: `num cell ${c.mark}`, 'data-period': k, 'data-value': c.value, 'data-mark': c.mark }, formatCell(c.value));
      const note = c.mark === 'partial' ? ' (partial: the period is not over for every cohort)' : c.mark === 'predicted' ? ` (predicted${c.lower !== undefined && c.upper !== undefined ? `, ${formatCell(c.lower)}–${formatCell(c.upper)}` : ''})` : '';
      td.title = `${r.title}, ${periodLabel(m.period_type, m.period_unit, k)}: ${formatCell(c.value)} ${m.currency}${note}`;
      if (r.type !== 'total') {
        const col = viridis((c.value - lo) / span);
        // CSSOM, not a style attribute: allowed under a CSP without 'unsafe-inline'.
        td.style.setProperty('background-color', col.bg);
        td.style.setProperty('color', col.fg);
      }
      tr.appendChild(td);
    }
    body.appendChild(tr);
  }
  const cut = shownRows.length < rows.length || periods < maxPeriod + 1;
  const bar = h('span', { class: 'scale-bar' });
  bar.style.setProperty('background-image', viridisGradient());
  append(host,
    h('div', { class: 'legend' },
      h('span', { class: 'scale' }, h('span', {}, formatCell(lo)), bar, h('span', {}, formatCell(hi)), ` ${m.currency} per customer`),
      h('span', { class: 'key partial' }, 'partial'),
      h('span', { class: 'key predicted' }, 'predicted'),
    ),
    cut ? h('p', { class: 'note', role: 'note' }, `Showing ${shownRows.length} of ${rows.length} rows and ${periods} of ${maxPeriod + 1} periods; the downloads hold every cell.`) : null,
    h('div', { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': 'Cohort heatmap' },
      h('table', { class: 'heatmap' }, h('caption', { class: 'visually-hidden' }, `LTV per customer in ${m.currency}, by ${m.segmentation === 'cohort' ? `${m.period_unit} cohort` : m.segmentation} and period`), h('thead', {}, head), body)),
  );
  if (rows.length === 0) host.append(h('p', { class: 'note' }, 'No customer matches.'));
}
