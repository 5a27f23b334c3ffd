// The LTV curves (uPlot, bundled): the Total row and the largest rows, value by period.
import uPlot from 'uplot';
import type { AccountingType } from '../../ltv/model.js';
import { clear, h } from './dom.js';
import { formatCell, periodLabel } from './format.js';
import { CURVE_COLOURS, TOTAL_COLOUR } from './palette.js';
import type { ViewMatrix, ViewRow } from './view.js';

const MAX_CURVES = CURVE_COLOURS.length;
let plot: uPlot | null = null;
let observer: ResizeObserver | null = null;

export function renderCurves(host: HTMLElement, m: ViewMatrix, acc: AccountingType): void {
  plot?.destroy();
  plot = null;
  observer?.disconnect();
  clear(host);
  const rows = m.rows[acc];
  const total = rows.find((r) => r.type === 'total');
  const others = rows.filter((r) => r.type !== 'total' && r.cells.length > 0);
  // The largest rows: the curves a reader compares first.
  const picked: ViewRow[] = [...others].sort((a, b) => b.customers - a.customers).slice(0, MAX_CURVES);
  const series = total && total.cells.length > 0 ? [total, ...picked] : picked;
  if (series.length === 0) {
    host.append(h('p', { class: 'note' }, 'No curve to draw.'));
    return;
  }
  let maxPeriod = 0;
  for (const r of series) for (const c of r.cells) maxPeriod = Math.max(maxPeriod, c.period);
  const xs = Array.from({ length: maxPeriod + 1 }, (_, k) => k);
  const data: (number | null)[][] = [xs];
  for (const r of series) {
    const ys: (number | null)[] = xs.map(() => null);
    for (const c of r.cells) ys[c.period] = c.value;
    data.push(ys);
  }
  const width = Math.max(280, host.clientWidth || 600);
  const height = Math.round(Math.min(420, Math.max(220, width * 0.4)));
  const opts: uPlot.Options = {
    width,
    height,
    title: `LTV per customer (${m.currency})`,
    scales: { x: { time: false } },
    // A key of the curves, not a readout that says "—" until the pointer moves.
    legend: { live: false },
    axes: [
      { label: m.period_type === 'renewals' ? 'Renewal' : `Period (${m.period_unit}s)`, values: (_u, ticks) => ticks.map((t) => (Number.isInteger(t) ? periodLabel(m.period_type, m.period_unit, t) : '')) },
      { values: (_u, ticks) => ticks.map((t) => formatCell(t)), size: 70 },
    ],
    series: [
      { label: 'Period' },
      ...series.map((r, i) => ({
        label: r.type === 'total' ? 'Total' : r.title,
        stroke: r.type === 'total' ? TOTAL_COLOUR : (CURVE_COLOURS[(total ? i - 1 : i) % CURVE_COLOURS.length] as string),
        width: r.type === 'total' ? 3 : 1.5,
        spanGaps: false,
        value: (_u: uPlot, v: number | null) => (v === null ? '—' : formatCell(v)),
      })),
    ],
  };
  plot = new uPlot(opts, data as uPlot.AlignedData, host);
  observer = new ResizeObserver(() => {
    const w = Math.max(280, host.clientWidth);
    if (plot && Math.abs(plot.width - w) > 4) plot.setSize({ width: w, height: Math.round(Math.min(420, Math.max(220, w * 0.4))) });
  });
  observer.observe(host);
}
