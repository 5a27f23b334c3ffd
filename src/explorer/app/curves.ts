// The LTV curves (uPlot, bundled): the Total row and the largest rows, value by period, each in its colour
// and with its own marker shape (not told apart by colour alone); where the view has predictions (SPEC §9),
// each drawn row's projection dashed in its colour with hollow markers, and the Total's interval as a
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

/**
 * Each drawn row's marker, in the order of the rows (the Total first): the curves were told apart by colour
 * alone. Filled on realized points, hollow on predicted ones; the line's dash still means predicted.
 */
const SHAPES = ['circle', 'square', 'triangle', 'diamond', 'triangle-down', 'cross', 'plus'] as const;
type Shape = (typeof SHAPES)[number];
/** Shapes drawn as strokes only (nothing to fill). */
const OPEN_SHAPES: ReadonlySet<Shape> = new Set(['cross', 'plus']);

/** A marker of radius r centred on (x, y), as an SVG path (the chart's canvas draws it as a Path2D, the key as an SVG). */
function shapePath(shape: Shape, x: number, y: number, r: number): string {
  const q = r * 0.85;
  switch (shape) {
    case 'circle': return `M${x - r} ${y}a${r} ${r} 0 1 0 ${2 * r} 0a${r} ${r} 0 1 0 ${-2 * r} 0Z`;
    case 'square': return `M${x - q} ${y - q}h${2 * q}v${2 * q}h${-2 * q}Z`;
    case 'triangle': return `M${x} ${y - r}L${x + r} ${y + q}L${x - r} ${y + q}Z`;
    case 'diamond': return `M${x} ${y - r}L${x + r} ${y}L${x} ${y + r}L${x - r} ${y}Z`;
    case 'triangle-down': return `M${x} ${y + r}L${x + r} ${y - q}L${x - r} ${y - q}Z`;
    case 'cross': return `M${x - q} ${y - q}L${x + q} ${y + q}M${x + q} ${y - q}L${x - q} ${y + q}`;
    case 'plus': return `M${x - r} ${y}H${x + r}M${x} ${y - r}V${y + r}`;
  }
}

/** The key's sample of a row: a solid line through its marker. */
function keySample(shape: Shape, colour: string): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 28 14');
  svg.setAttribute('aria-hidden', 'true');
  const line = document.createElementNS(ns, 'path');
  line.setAttribute('d', 'M0 7H28');
  line.setAttribute('stroke', colour);
  line.setAttribute('stroke-width', '2');
  const mark = document.createElementNS(ns, 'path');
  mark.setAttribute('d', shapePath(shape, 14, 7, 5));
  mark.setAttribute('stroke', colour);
  mark.setAttribute('stroke-width', '1.5');
  mark.setAttribute('fill', OPEN_SHAPES.has(shape) ? 'none' : colour);
  svg.append(line, mark);
  return svg;
}
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
  const shape = (i: number): Shape => SHAPES[i % SHAPES.length] as Shape;
  /** The series drawn with markers: their index in the data, the row's shape and colour, hollow when predicted. */
  const marked: { at: number; shape: Shape; colour: string; hollow: boolean; row: number }[] = [];
  for (const [i, r] of series.entries()) {
    marked.push({ at: data.length, shape: shape(i), colour: colour(r, i), hollow: false, row: i });
    data.push(line(r.cells, (c) => c.value));
    seriesOpts.push({ label: label(r), stroke: colour(r, i), width: r.type === 'total' ? 3 : 1.5, spanGaps: false, value, points: { show: false } });
  }
  // Projections after the realized curves, so the realized ones keep the first colours of the key.
  const bands: uPlot.Band[] = [];
  for (const [i, r] of series.entries()) {
    if (r.predicted.length === 0) continue;
    marked.push({ at: data.length, shape: shape(i), colour: colour(r, i), hollow: true, row: i });
    data.push(line(r.predicted, (c) => c.value));
    // Kept out of the key (class `projection`): the key lists each row once, the note below says dashed is predicted.
    seriesOpts.push({ label: `${label(r)} (predicted)`, class: 'projection', stroke: colour(r, i), width: r.type === 'total' ? 2.5 : 1.5, dash: [8, 5], spanGaps: false, value, points: { show: false } });
    if (r.type !== 'total') continue;
    // The interval: two unlabelled edges and the band between them (uPlot fills from the first to the second).
    data.push(line(r.predicted, (c) => c.upper), line(r.predicted, (c) => c.lower));
    const up = seriesOpts.length;
    for (const edge of ['high', 'low']) seriesOpts.push({ label: `Total interval (${edge})`, class: 'band-edge', stroke: BAND_EDGE, width: 1, spanGaps: false, value, points: { show: false } });
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
    hooks: {
      // uPlot's own round points are off (they read as every row's circle marker). The markers, a dozen per curve at most (a curve by day has hundreds of points), each row's shifted
      // so that curves running together do not hide each other's.
      draw: [(u) => {
        const ctx = u.ctx;
        const px = uPlot.pxRatio;
        const step = Math.max(1, Math.ceil(xs.length / 12));
        ctx.save();
        ctx.lineWidth = 1.5 * px;
        // Whole outlines: the canvas kept the last projection's dash.
        ctx.setLineDash([]);
        for (const m of marked) {
          const ys = u.data[m.at] as (number | null)[];
          ctx.strokeStyle = m.colour;
          ctx.fillStyle = m.hollow ? '#fff' : m.colour;
          for (let k = m.row % step; k < xs.length; k += step) {
            const y = ys[k];
            if (y === null || y === undefined) continue;
            const path = new Path2D(shapePath(m.shape, u.valToPos(k, 'x', true), u.valToPos(y, 'y', true), 4.5 * px));
            if (!OPEN_SHAPES.has(m.shape)) ctx.fill(path);
            ctx.stroke(path);
          }
        }
        ctx.restore();
        host.dataset.markers = series.map((_r, i) => shape(i)).join(' ');
      }],
    },
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
    // The key's sample: the row's marker on its line, matching the chart.
    const i = series.indexOf(r);
    const marker = entries[at]!.parentElement?.querySelector<HTMLElement>('.u-marker');
    if (marker) {
      marker.classList.add('shape');
      marker.dataset.shape = shape(i);
      marker.replaceChildren(keySample(shape(i), colour(r, i)));
    }
    next = at + 1;
  }
  const fitKey = (): void => {
    for (const l of named) l.textContent = l.dataset.whole ?? '';
    fitInMiddle(named);
  };
  fitKey();
  if (bands.length > 0 || series.some((r) => r.predicted.length > 0)) {
    host.append(h('p', { class: 'note chart-key' }, `Dashed, hollow markers: predicted${bands.length ? '; shaded: the Total’s interval' : ''}. Solid, filled markers: realized (the last periods of a curve may be partial). Each row has its own marker.`));
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
