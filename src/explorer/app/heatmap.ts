// The cohort heatmap: a table (rows × periods) coloured on viridis, each cell's value as text. Partial
// cells carry a corner mark, predicted cells (SPEC §9) a dashed outline, stripes and a "≈" before the
// value, and both say what they are in text (for screen readers, not by colour alone). A predicted cell
// takes the place of a partial one (the prediction is of the whole period; the realized value so far is
// in its text). Large matrices (day units: hundreds of thousands of cells) are cut to MAX_CELLS, periods
// first, and say so, with where the whole matrix is when the caller knows (the run's downloads hold the
// job's matrices only).
import type { AccountingType } from '../../ltv/model.js';
import { visibleLine } from '../../format/text.js';
import { append, clear, h } from './dom.js';
import { fitInMiddle } from './fit.js';
import { formatCell, formatCount, periodLabel } from './format.js';
import { viridis, viridisGradient } from './palette.js';
import { shownCells, type ShownCell, type ViewMatrix, type ViewRow } from './view.js';

const MAX_CELLS = 40_000;
const MAX_ROWS = 1_000;

function cellText(s: ShownCell, currency: string, row: ViewRow, period: string): string {
  const c = s.shown;
  if (c.mark === 'predicted') {
    const band = c.lower !== undefined && c.upper !== undefined ? `, interval ${formatCell(c.lower)} to ${formatCell(c.upper)}` : '';
    // The realized value of a Total or segment row at a period that younger cohorts have not reached
    // averages the customers who have, not the row's every customer whom the prediction is of: said whose
    // it is (it lay above the whole interval, and the row seemed to fall).
    const n = s.realized?.customers;
    const whose = n !== undefined && n < row.customers ? ` by the ${formatCount(n)} of ${formatCount(row.customers)} customers who reached ${period}:` : '';
    const so_far = s.realized ? `; realized so far${whose} ${formatCell(s.realized.value)} (partial)` : '';
    return `predicted${band}${so_far}`;
  }
  const pred = s.predicted ? `; predicted ${formatCell(s.predicted.value)} ${currency}` : '';
  return c.mark === 'partial' ? `partial: the period is not over for every cohort${pred}` : `complete${pred}`;
}

export function renderHeatmap(host: HTMLElement, m: ViewMatrix, acc: AccountingType, whole: string | null): void {
  clear(host);
  const rows = m.rows[acc];
  const cellsOf = rows.slice(0, MAX_ROWS).map(shownCells);
  let maxPeriod = -1;
  let lo = Infinity;
  let hi = -Infinity;
  let predicted = 0;
  cellsOf.forEach((cells, i) => {
    for (const s of cells) {
      if (s.period > maxPeriod) maxPeriod = s.period;
      if (s.shown.mark === 'predicted') predicted++;
      if (rows[i]?.type !== 'total') {
        if (s.shown.value < lo) lo = s.shown.value;
        if (s.shown.value > hi) hi = s.shown.value;
      }
    }
  });
  for (const r of rows.slice(MAX_ROWS)) for (const c of r.cells) maxPeriod = Math.max(maxPeriod, c.period);
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
  shownRows.forEach((r, i) => {
    const tr = h('tr', { class: r.type, 'data-title': r.title }, h('th', { scope: 'row', class: 'rowhead' }, r.title), h('td', { class: 'num customers' }, formatCount(r.customers)));
    const byPeriod = new Map((cellsOf[i] ?? []).map((s) => [s.period, s]));
    const last = Math.min(periods - 1, cellsOf[i]?.at(-1)?.period ?? -1);
    for (let k = 0; k < periods; k++) {
      const s = byPeriod.get(k);
      if (k > last) {
        // The periods not shown yet: one cell (a triangular matrix of 11,000 cells is half empty).
        tr.appendChild(h('td', { class: 'empty', colspan: periods - k }));
        break;
      }
      if (!s) {
        tr.appendChild(h('td', { class: 'empty' }));
        continue;
      }
      const c = s.shown;
      const td = h('td', {
        class: `num cell ${c.mark}`, 'data-period': k, 'data-value': c.value, 'data-mark': c.mark,
        'data-realized': s.realized?.value, 'data-predicted': s.predicted?.value,
      },
      c.mark === 'predicted' ? `≈${formatCell(c.value)}` : formatCell(c.value),
      // Said in words where a cell is not simply complete (the caption says cells are complete unless
      // marked): a text per cell of a large matrix costs seconds of layout.
      c.mark === 'complete' ? null : h('span', { class: 'visually-hidden' }, ` (${cellText(s, m.currency, r, periodLabel(m.period_type, m.period_unit, k))})`));
      td.title = visibleLine(`${r.title}, ${periodLabel(m.period_type, m.period_unit, k)}: ${formatCell(c.value)} ${m.currency}, ${cellText(s, m.currency, r, periodLabel(m.period_type, m.period_unit, k))}`);
      if (r.type !== 'total') {
        const col = viridis((c.value - lo) / span);
        // CSSOM, not a style attribute: allowed under a CSP without 'unsafe-inline'.
        td.style.setProperty('background-color', col.bg);
        td.style.setProperty('color', col.fg);
      }
      tr.appendChild(td);
    }
    body.appendChild(tr);
  });
  const cut = shownRows.length < rows.length || periods < maxPeriod + 1;
  const bar = h('span', { class: 'scale-bar' });
  bar.style.setProperty('background-image', viridisGradient());
  append(host,
    h('div', { class: 'legend' },
      h('span', { class: 'scale' }, h('span', {}, formatCell(lo)), bar, h('span', {}, formatCell(hi)), ` ${m.currency} per customer`),
      h('span', { class: 'key partial' }, 'partial (period not over)'),
      predicted > 0 ? h('span', { class: 'key predicted', 'data-predicted-cells': predicted }, '≈ predicted') : null,
    ),
    m.forecastNote ? h('p', { class: 'note forecast-note', role: 'note' }, m.forecastNote) : null,
    cut ? h('p', { class: 'note cut-note', role: 'note' }, `Showing ${shownRows.length} of ${rows.length} rows and ${periods} of ${maxPeriod + 1} periods${whole ? `; ${whole}` : ''}.`) : null,
    h('div', { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': 'Cohort heatmap' },
      h('table', { class: 'heatmap' }, h('caption', { class: 'visually-hidden' }, `LTV per customer in ${m.currency}, by ${m.segmentation === 'cohort' ? `${m.period_unit} cohort` : m.segmentation} and period; cells are complete unless marked partial${predicted > 0 ? ' or predicted' : ''}`), h('thead', {}, head), body)),
  );
  // A long row name is cut in its middle to the width of its header (store ids that differ at their ends
  // stay apart), and shown whole while its header has the keyboard's focus (a title shows on hover only).
  for (const th of fitInMiddle([...body.querySelectorAll<HTMLElement>('th.rowhead')])) {
    const cut = th.textContent ?? '';
    const whole = th.getAttribute('title') ?? '';
    th.tabIndex = 0;
    th.classList.add('cut');
    th.addEventListener('focus', () => {
      th.textContent = whole;
      th.classList.add('whole');
    });
    th.addEventListener('blur', () => {
      th.textContent = cut;
      th.classList.remove('whole');
    });
  }
  // report.html's matrix of no customer has no row; the server's answer keeps its Total row (SPEC §6,
  // cohort_size 0): both say it.
  if (rows.every((r) => r.customers === 0)) host.append(h('p', { class: 'note' }, 'No customer matches.'));
}
