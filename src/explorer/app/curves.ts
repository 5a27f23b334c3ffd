// The LTV curves (uPlot, bundled): the Total row and the largest rows, value by period; where the view has
// predictions (SPEC §9), each drawn row's projection dashed in its colour, and the Total's interval as a
// shaded band.
import { visibleLine } from '../../format/text.js';
import uPlot from 'uplot';
import type { AccountingType } from '../../ltv/model.js';
import { clear, h } from './dom.js';
import { fitInMiddle } from './fit.js';
import { formatCell, periodLabel } from './format.js';
import { BAND_EDGE, BAND_FILL, CURVE_COLOURS, TOTAL_COLOUR } from './palette.js';
import type { ViewCell, ViewMatrix, ViewRow } from './view.js';

const MAX_CURVES = CURVE_COLOURS.length;
let plot: uPlot | null = null;
let observer: ResizeObserver | null = null;

/** Takes the curves down (the chart and its resize observer). */
export function clearCurves(host: HTMLElement): void {
  plot?.destroy();
  plot = null;
  observer?.disconnect();
  clear(host);
}

export function renderCurves(host: HTMLElement, m: ViewMatrix, acc: AccountingType): void {
  clearCurves(host);
  const rows = m.rows[acc];
  const total = rows.find((r) => r.type === 'total');
  const others = rows.filter((r) => r.type !== 'total' && r.cells.length + r.predicted.length > 0);
  // The largest rows: the curves a reader compares first.
  const picked: ViewRow[] = [...others].sort((a, b) => b.customers - a.customers).slice(0, MAX_CURVES);
  const series = total && total.cells.length + total.predicted.length > 0 ? [total, ...picked] : picked;
  if (series.length === 0) {
    host.append(h('p', { class: 'note' }, 'No curve to draw.'));
    return;
  }
  let maxPeriod = 0;
  for (const r of series) for (const c of [...r.cells, ...r.predicted]) maxPeriod = Math.max(maxPeriod, c.period);
  const xs = Array.from({ length: maxPeriod + 1 }, (_, k) => k);
  const data: (number | null)[][] = [xs];
  const line = (cells: readonly ViewCell[], pick: (c: ViewCell) => number | undefined): (number | null)[] => {
    const ys: (number | null)[] = xs.map(() => null);
    for (const c of cells) ys[c.period] = pick(c) ?? null;
    return ys;
  };
  const colour = (r: ViewRow, i: number): string => (r.type === 'total' ? TOTAL_COLOUR : (CURVE_COLOURS[(total ? i - 1 : i) % CURVE_COLOURS.length] as string));
  const label = (r: ViewRow): string => (r.type === 'total' ? 'Total' : visibleLine(r.title));
  const value = (_u: uPlot, v: number | null): string => (v === null ? '—' : formatCell(v));
  const seriesOpts: uPlot.Series[] = [{ label: 'Period' }];
  for (const [i, r] of series.entries()) {
    data.push(line(r.cells, (c) => c.value));
    seriesOpts.push({ label: label(r), stroke: colour(r, i), width: r.type === 'total' ? 3 : 1.5, spanGaps: false, value });
  }
  // Projections after the realized curves, so the realized ones keep the first colours of the key.
  const bands: uPlot.Band[] = [];
  for (const [i, r] of series.entries()) {
    if (r.predicted.length === 0) continue;
    data.push(line(r.predicted, (c) => c.value));
    // Kept out of the key (class `projection`): the key lists each row once, the note below says dashed is predicted.
    seriesOpts.push({ label: `${label(r)} (predicted)`, class: 'projection', stroke: colour(r, i), width: r.type === 'total' ? 2.5 : 1.5, dash: [8, 5], spanGaps: false, value });
    if (r.type !== 'total') continue;
    // The interval: two unlabelled edges and the band between them (uPlot fills from the first to the second).
    data.push(line(r.predicted, (c) => c.upper), line(r.predicted, (c) => c.lower));
    const up = seriesOpts.length;
    for (const edge of ['high', 'low']) seriesOpts.push({ label: `Total interval (${edge})`, class: 'band-edge', stroke: BAND_EDGE, width: 1, spanGaps: false, value });
    bands.push({ series: [up, up + 1], fill: BAND_FILL });
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
    series: seriesOpts,
    bands,
  };
  plot = new uPlot(opts, data as uPlot.AlignedData, host);
  // A picture to assistive technology, named, with where its numbers are; its key lists the rows drawn, each
  // name whole in its title (cut in the middle when long). The key is no switch: a row hidden by a click
  // (mouse only) left its dashed projection drawn.
  host.querySelector('canvas')?.setAttribute('role', 'img');
  host.querySelector('canvas')?.setAttribute('aria-label', `LTV curves of ${series.map((r) => (r.type === 'total' ? 'Total' : visibleLine(r.title))).join(', ')}; the heatmap below holds every value`);
  // The key's entries in the order of the series, the projections' and bands' (hidden) after them: each
  // drawn row's entry is the one of its own label, in turn (two names may cut to the same text).
  // Each name is cut in its middle to the width its entry has (fitInMiddle: whole in its title), again
  // when the chart is resized.
  const entries = [...host.querySelectorAll<HTMLElement>('.u-legend .u-series .u-label')];
  const named: HTMLElement[] = [];
  let next = 0;
  for (const r of series) {
    const at = entries.findIndex((l, i) => i >= next && l.textContent === label(r));
    if (at < 0) continue;
    if (r.type !== 'total') {
      entries[at]!.dataset.whole = label(r);
      named.push(entries[at]!);
    }
    next = at + 1;
  }
  const fitKey = (): void => {
    for (const l of named) l.textContent = l.dataset.whole ?? '';
    fitInMiddle(named);
  };
  fitKey();
  if (bands.length > 0 || series.some((r) => r.predicted.length > 0)) {
    host.append(h('p', { class: 'note chart-key' }, `Dashed: predicted${bands.length ? '; shaded: the Total’s interval' : ''}. Solid: realized (the last periods of a curve may be partial).`));
  }
  observer = new ResizeObserver(() => {
    const w = Math.max(280, host.clientWidth);
    if (plot && Math.abs(plot.width - w) > 4) {
      plot.setSize({ width: w, height: Math.round(Math.min(420, Math.max(220, w * 0.4))) });
      fitKey();
    }
  });
  observer.observe(host);
}
