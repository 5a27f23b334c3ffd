// ltv.png (SPEC §5): the LTV curves of the most recent cohorts and their customer-weighted average (the
// matrix's Total row, SPEC §4), embedded in the workbook and the email. Drawn as SVG here and rasterised
// by resvg compiled to WebAssembly (@resvg/resvg-wasm): one npm package with its .wasm inside, no
// per-platform binaries, nothing downloaded at install or run time. Text uses DejaVu Sans from npm, never
// system fonts, so the bytes are the same on every machine for the same report.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { initWasm, Resvg } from '@resvg/resvg-wasm';
import { SEGMENT_COLUMNS, type AccountingType, type Matrix, type MatrixRow, type TenantReport } from '../ltv/model.js';
import { isMarkedPartial } from './completeness.js';
import { currencySymbol, formatCount } from '../format/money.js';
import { localTime } from './localTime.js';
import { periodAxisTitle } from '../format/labels.js';
import { escapeHtml, htmlEntities, visibleLine } from '../format/text.js';
import { encodePalettePng } from './encodePalettePng.js';
import { TITLE_LINE, titleLines } from './chartTitle.js';

export interface ChartOptions {
  /** Size in CSS pixels; the PNG is `scale` times larger. Default 960 × 540. */
  width?: number;
  height?: number;
  /** Pixel density: 2 keeps text crisp on high-density screens and when a spreadsheet is zoomed. Default 2. */
  scale?: number;
  /** How many of the most recent cohorts to draw. Default 6. */
  cohorts?: number;
  accountingType?: AccountingType;
  /** The matrix to draw; default the first `days` cohort matrix, else the first matrix. */
  matrixId?: string;
}

const FONT_FAMILY = 'DejaVu Sans';
/** Okabe–Ito colours: distinguishable with the common colour-vision deficiencies. */
const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#999933', '#882255'];
const TOTAL_COLOUR = '#1A1A1A';
/** The forecast's projection: longer dashes than a partial curve's. */
const PROJECTION_DASH = '10 6';
/**
 * The average (Total row) is drawn while its cohorts hold at least this share of all its customers. At
 * period k it averages only the cohorts that reached k (SPEC §4), so its tail is the oldest cohort or two
 * alone: on Online Retail it climbed to £5,098 at month 12 on one cohort of 885 of 4,338 customers.
 */
export const AVERAGE_MIN_SHARE = 0.5;
/** Cohorts with fewer customers are drawn thin and dotted: one customer's renewal moves their curve. */
export const SMALL_COHORT = 30;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The charts' pixel density unless told otherwise (ChartOptions.scale). */
export const CHART_SCALE = 2;

export async function renderChart(report: TenantReport, opts: ChartOptions = {}): Promise<Buffer> {
  return svgToPng(chartSvg(report, opts), opts.scale ?? CHART_SCALE);
}

/**
 * The size in pixels of the PNG svgToPng makes of an SVG of ours at `scale`, from its root element's
 * width and height (whole CSS pixels in every chart ltv draws: resvg scales them and rounds up). Known
 * before the chart is drawn, so a workbook can be laid out meanwhile (addStreamingPicture.ts, LatePng).
 */
export function svgPixelSize(svg: string, scale: number): { width: number; height: number } {
  const root = /^<svg\b[^>]*>/.exec(svg)?.[0] ?? '';
  const size = (name: string): number => {
    const v = Number(new RegExp(`\\s${name}="([0-9.]+)"`).exec(root)?.[1]);
    if (!(v > 0)) throw new Error(`svgPixelSize: the SVG's root element has no ${name}`);
    return Math.ceil(v * scale);
  };
  return { width: size('width'), height: size('height') };
}

/** Renders an SVG of ours to PNG with the bundled DejaVu fonts, at `scale` device pixels per CSS pixel. */
export async function svgToPng(svg: string, scale: number): Promise<Buffer> {
  const fonts = await loadRenderer();
  const resvg = new Resvg(svg, {
    font: { fontBuffers: fonts, defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY },
    fitTo: { mode: 'zoom', value: scale },
    background: '#FFFFFF',
  });
  try {
    const image = resvg.render();
    try {
      return encodePalettePng(image.pixels, image.width, image.height);
    } finally {
      image.free();
    }
  } finally {
    resvg.free();
  }
}

/** The matrix the chart draws: SPEC §5 "LTV curve" reads best on calendar periods of cohorts. */
export function chartMatrix(report: TenantReport, matrixId?: string): Matrix | undefined {
  const { matrices } = report;
  if (matrixId !== undefined) return matrices.find((m) => m.id === matrixId);
  return matrices.find((m) => m.period_type === 'days' && m.rows.some((r) => r.type === 'cohort')) ?? matrices[0];
}

interface Series {
  label: string;
  colour: string;
  width: number;
  row: MatrixRow;
  /** The cells drawn: the average's stop where it stops standing for AVERAGE_MIN_SHARE of its customers. */
  cells: MatrixRow['cells'];
  /** Thin and dotted: a cohort under SMALL_COHORT customers. */
  small: boolean;
}

/** The chart as SVG text (exported for the email, which may inline it where PNG is not wanted). */
export function chartSvg(report: TenantReport, opts: ChartOptions = {}): string {
  const width = opts.width ?? 960;
  const height = opts.height ?? 540;
  const accountingType = opts.accountingType ?? 'revenue';
  const matrix = chartMatrix(report, opts.matrixId);
  const symbol = currencySymbol(report.currency);
  const bySegment = matrix !== undefined && matrix.segmentation in SEGMENT_COLUMNS;

  const series: Series[] = [];
  if (matrix) {
    const others = matrix.rows.filter((r) => r.type !== 'total' && r.cells.length > 0);
    const n = opts.cohorts ?? 6;
    const picked = others[0]?.type === 'cohort' ? recentCohorts(others, n) : others.slice(0, n);
    picked.forEach((row, i) => {
      const small = row.customers < SMALL_COHORT;
      series.push({
        label: `${row.type === 'cohort' ? cohortLabel(row.title, matrix) : shorten(visibleLine(row.title), 22)} (${formatCount(row.customers)})`,
        colour: PALETTE[i % PALETTE.length] ?? TOTAL_COLOUR,
        width: small ? 1.5 : 2,
        row,
        cells: row.cells,
        small,
      });
    });
    const total = matrix.rows.find((r) => r.type === 'total');
    if (total && total.cells.length > 0) {
      const cells: MatrixRow['cells'] = [];
      for (const c of total.cells) {
        if (c.customers < AVERAGE_MIN_SHARE * total.customers) break;
        cells.push(c);
      }
      series.push({
        label: `${bySegment ? 'All customers' : 'All cohorts, average'} (${formatCount(total.customers)})`,
        colour: TOTAL_COLOUR,
        width: 4.5,
        row: total,
        cells,
        small: false,
      });
    }
  }

  // Shown on one line, its controls as pictures, as report.html, the explorer and the email show it: the
  // renderer drew a tab or line break as a space (`ten\r\nBcc: x` read "ten Bcc: x", `pro\tplan` "pro plan").
  const title = `Cumulative ${ACCOUNTING_WORDS[accountingType]} per customer — ${visibleLine(report.tenant)}`;
  const subtitle = [
    `as of ${localTime(report.as_of, report.timezone)} (${report.timezone})`,
    !matrix ? '' : bySegment ? `by ${matrix.segmentation.replaceAll('_', ' ')}` : `cohorts by ${matrix.cohort_unit}`,
    report.currency,
  ]
    .filter((s) => s !== '')
    .join('  ·  ');

  const legendWidth = 250;
  // A long tenant id takes more lines (three at most), and the rest of the chart moves down by them.
  const titled = titleLines(title, width - 48, 20, 3);
  const below = (titled.length - 1) * TITLE_LINE;
  const plot = { left: 84, top: 86 + below, right: width - legendWidth - 24, bottom: height - 64 };
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT_FAMILY}">`,
    `<rect width="${width}" height="${height}" fill="#FFFFFF"/>`,
    ...titled.map((l, i) => text(24, 36 + i * TITLE_LINE, l, { size: 20, weight: 'bold', fill: '#1A1A1A' })),
    text(24, 60 + below, subtitle, { size: 13, fill: '#595959' }),
  );

  // SPEC §9: the forecast's projected average (its Total row) with its interval, when the chart draws the
  // forecast's matrix: dashed, over a shaded band, from its first predicted month to the horizon.
  const projection = matrix?.id === report.forecast?.matrix
    ? (report.forecast?.rows.find((r) => r.type === 'total')?.cells ?? [])
    : [];
  const points = [...series.flatMap((s) => s.cells), ...projection];
  if (!matrix || points.length === 0) {
    out.push(text((plot.left + plot.right) / 2, (plot.top + plot.bottom) / 2, 'No cohorts yet', { size: 16, fill: '#595959', anchor: 'middle' }));
    out.push('</svg>');
    return out.join('\n');
  }

  const maxPeriod = points.reduce((m, c) => Math.max(m, c.period), 1);
  const values = [...points.map((c) => c[accountingType]), ...projection.flatMap((c) => [c.lower[accountingType], c.upper[accountingType]])];
  const yTicks = niceTicks(values.reduce((m, v) => Math.min(m, v), 0), values.reduce((m, v) => Math.max(m, v), 0), 6);
  const yMin = yTicks[0] ?? 0;
  const yMax = yTicks[yTicks.length - 1] ?? 1;
  const x = (period: number): number => plot.left + (period / maxPeriod) * (plot.right - plot.left);
  const y = (value: number): number => plot.bottom - ((value - yMin) / (yMax - yMin || 1)) * (plot.bottom - plot.top);
  const labels = tickLabels(yTicks, symbol);

  // Grid and y axis: money in the report currency.
  yTicks.forEach((t, i) => {
    out.push(line(plot.left, y(t), plot.right, y(t), t === 0 ? '#8C8C8C' : '#E3E3E3', 1));
    out.push(text(plot.left - 8, y(t) + 4, labels[i]!, { size: 12, fill: '#404040', anchor: 'end' }));
  });
  for (const p of niceTicks(0, maxPeriod, 10).filter((p) => Number.isInteger(p) && p <= maxPeriod)) {
    out.push(line(x(p), plot.bottom, x(p), plot.bottom + 5, '#8C8C8C', 1));
    out.push(text(x(p), plot.bottom + 20, String(p), { size: 12, fill: '#404040', anchor: 'middle' }));
  }
  out.push(line(plot.left, plot.top, plot.left, plot.bottom, '#8C8C8C', 1));
  out.push(text((plot.left + plot.right) / 2, height - 18, periodAxisTitle(matrix), { size: 13, fill: '#262626', anchor: 'middle' }));
  out.push(
    text(0, 0, `LTV per customer (${report.currency})`, {
      size: 13,
      fill: '#262626',
      anchor: 'middle',
      transform: `translate(22 ${fmt((plot.top + plot.bottom) / 2)}) rotate(-90)`,
    }),
  );

  // Curves: solid while complete, dashed from the last complete period on (SPEC §4 censoring: partial
  // periods will still grow). The average is dashed where under 90 % of its customers are complete
  // (completeness.ts), not merely because its newest cohort is partial. A small cohort is dotted
  // throughout. Markers only while they stay readable. data-* attributes name what each line is (tests
  // and screen readers of the SVG read them; the PNG ignores them).
  const markers = maxPeriod <= 36;
  for (const s of series) {
    const cells = s.cells;
    const role = s.row.type === 'total' ? 'average' : 'cohort';
    const firstPartial = cells.findIndex((c) => isMarkedPartial(s.row, c));
    const solid = firstPartial === -1 ? cells : cells.slice(0, firstPartial);
    const dashed = firstPartial === -1 ? [] : cells.slice(Math.max(0, firstPartial - 1));
    const pts = (cs: typeof cells): string => cs.map((c) => `${fmt(x(c.period))},${fmt(y(c[accountingType]))}`).join(' ');
    const tag = (part: string): string => `data-series="${role}" data-row="${escapeHtml(s.row.title)}" data-part="${part}"`;
    const style = `fill="none" stroke="${s.colour}" stroke-width="${s.width}" stroke-linejoin="round" stroke-linecap="round"`;
    if (s.small) {
      if (cells.length > 1) out.push(`<polyline ${tag('small')} points="${pts(cells)}" ${style} stroke-dasharray="1 4"/>`);
    } else {
      if (solid.length > 1) out.push(`<polyline ${tag('complete')} points="${pts(solid)}" ${style}/>`);
      if (dashed.length > 1) out.push(`<polyline ${tag('partial')} points="${pts(dashed)}" ${style} stroke-dasharray="${s.width * 2} ${s.width * 2}"/>`);
    }
    if (markers || cells.length === 1) {
      for (const c of cells) {
        const fill = isMarkedPartial(s.row, c) ? '#FFFFFF' : s.colour;
        out.push(`<circle cx="${fmt(x(c.period))}" cy="${fmt(y(c[accountingType]))}" r="${s.width + 1}" fill="${fill}" stroke="${s.colour}" stroke-width="1.5"/>`);
      }
    }
  }

  if (projection.length > 0) {
    const at = (c: (typeof projection)[number], v: number): string => `${fmt(x(c.period))},${fmt(y(v))}`;
    const band = [...projection.map((c) => at(c, c.upper[accountingType])), ...[...projection].reverse().map((c) => at(c, c.lower[accountingType]))];
    out.push(`<polygon data-series="projection" data-part="band" points="${band.join(' ')}" fill="${TOTAL_COLOUR}" fill-opacity="0.12" stroke="none"/>`);
    out.push(`<polyline data-series="projection" data-part="predicted" points="${projection.map((c) => at(c, c[accountingType])).join(' ')}" fill="none" stroke="${TOTAL_COLOUR}" stroke-width="3" stroke-linejoin="round" stroke-dasharray="${PROJECTION_DASH}"/>`);
  }

  const lx = width - legendWidth;
  let ly = plot.top + 4;
  // Legend: the average first, as it is the line to read; then the newest cohort, or the largest segment.
  const average = series.filter((s) => s.row.type === 'total');
  const others = series.filter((s) => s.row.type !== 'total');
  for (const s of [...average, ...(bySegment ? others : others.reverse())]) {
    out.push(line(lx, ly - 4, lx + 26, ly - 4, s.colour, s.width, s.small ? '1 4' : undefined));
    out.push(text(lx + 34, ly, s.label, { size: 12, fill: '#262626', weight: s.row.type === 'total' ? 'bold' : 'normal' }));
    ly += 22;
    // Where the average stops, and why: the reader must not take its end for the whole base's.
    const cut = s.row.type === 'total' && s.cells.length < s.row.cells.length;
    if (cut) {
      const last = s.cells[s.cells.length - 1];
      const upTo = last === undefined ? 'not drawn' : `drawn to ${periodWord(matrix)} ${last.period}`;
      out.push(text(lx + 34, ly, `${upTo}: later periods hold`, { size: 11, fill: '#595959' }));
      out.push(text(lx + 34, ly + 15, `under ${AVERAGE_MIN_SHARE * 100} % of the customers`, { size: 11, fill: '#595959' }));
      ly += 34;
    }
  }
  if (projection.length > 0) {
    const f = report.forecast!;
    // No replicates (the job's `replicates: 0`): no band to name (its bounds are the central value).
    const drawn = f.bootstrap.replicates > 0;
    if (drawn) out.push(`<rect x="${fmt(lx)}" y="${fmt(ly - 11)}" width="26" height="14" fill="${TOTAL_COLOUR}" fill-opacity="0.12"/>`);
    out.push(line(lx, ly - 4, lx + 26, ly - 4, TOTAL_COLOUR, 3, PROJECTION_DASH));
    out.push(text(lx + 34, ly, `Projected average (${f.model === 'sbg' ? 'sBG' : 'BG/NBD'})`, { size: 12, fill: '#262626', weight: 'bold' }));
    // The band is the fitted parameters' interval only (src/report/forecastTrust.ts): said here too, as the
    // workbook, report.html and the explorer say it (realized values fell outside it far more often than 20 %).
    out.push(text(lx + 34, ly + 15, drawn ? `band: ${Math.round(f.interval * 100)} % interval of the fitted` : 'no interval (replicates 0)', { size: 11, fill: '#595959' }));
    if (drawn) out.push(text(lx + 34, ly + 30, 'parameters, not of model error', { size: 11, fill: '#595959' }));
    ly += drawn ? 52 : 37;
  }
  ly += 8;
  out.push(line(lx, ly - 4, lx + 26, ly - 4, '#595959', 2, '4 4'));
  out.push(text(lx + 34, ly, 'partial: still growing', { size: 12, fill: '#595959' }));
  if (series.some((s) => s.small)) {
    ly += 22;
    out.push(line(lx, ly - 4, lx + 26, ly - 4, '#595959', 2, '1 4'));
    out.push(text(lx + 34, ly, `under ${SMALL_COHORT} customers`, { size: 12, fill: '#595959' }));
  }
  out.push(text(lx, ly + 22, '(n) = customers', { size: 12, fill: '#595959' }));
  out.push('</svg>');
  return out.join('\n');
}

const ACCOUNTING_WORDS: Record<AccountingType, string> = {
  revenue: 'revenue',
  proceeds: 'proceeds',
  net_revenue: 'net revenue',
};

/**
 * The most recent `n` cohorts, oldest first. When there are at least twice as many, every k-th back
 * from the newest instead: the newest six of a daily matrix are a few days old and would draw six dots
 * at period 0, while a spread shows how curves of different ages compare.
 */
export function recentCohorts(cohorts: MatrixRow[], n: number): MatrixRow[] {
  const step = Math.max(1, Math.floor(cohorts.length / n));
  const picked: MatrixRow[] = [];
  for (let i = cohorts.length - 1; i >= 0 && picked.length < n; i -= step) picked.unshift(cohorts[i]!);
  return picked;
}

/** A cohort's name as a reader says it: "Oct 2025", "2025 Q4", "week of 2026-03-02". */
export function cohortLabel(cohortDate: string, matrix: Pick<Matrix, 'cohort_unit'>): string {
  const [yyyy, mm] = cohortDate.split('-');
  const month = Number(mm);
  switch (matrix.cohort_unit) {
    case 'year':
      return yyyy ?? cohortDate;
    case 'quarter':
      return `${yyyy} Q${Math.floor((month - 1) / 3) + 1}`;
    case 'month':
      return `${MONTHS[month - 1] ?? mm} ${yyyy}`;
    case 'week':
      return `week of ${cohortDate}`;
    case 'day':
      return cohortDate;
  }
}

/** Segment values can be long; the legend has room for about 30 characters. */
function shorten(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join('')}…`;
}

/**
 * The y axis's labels: money with as many decimals as show every tick exactly (niceTicks steps by 2.5 ×
 * 10^n: 2.5, 7.5 and 12.5 read "$3", "$8", "$13" at 0 decimals), 2 where any has cents, as money is
 * written elsewhere, and none on whole amounts.
 */
export function tickLabels(ticks: readonly number[], symbol: string): string[] {
  const needed = ticks.reduce((d, t) => Math.max(d, /\.(\d+)$/.exec(String(t))?.[1]?.length ?? 0), 0);
  const decimals = needed === 0 ? 0 : Math.max(2, needed);
  return ticks.map((t) => money(t, symbol, decimals));
}

function money(value: number, symbol: string, decimals: number): string {
  const body = Math.abs(value).toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
  // Symbols made of letters ("CHF") read better with a space.
  const prefix = /\p{L}$/u.test(symbol) ? `${symbol} ` : symbol;
  return `${value < 0 ? '−' : ''}${prefix}${body}`;
}

/** About `count` round tick values (1, 2, 2.5, 5 × 10^n steps) spanning [min, max]. */
export function niceTicks(min: number, max: number, count: number): number[] {
  const span = max - min || Math.abs(max) || 1;
  const raw = span / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude;
  const start = Math.floor(min / step) * step;
  const ticks: number[] = [];
  for (let t = start; t < max + step * 0.999; t += step) ticks.push(Number(t.toFixed(10)));
  if (ticks.length < 2) ticks.push(Number((start + step).toFixed(10)));
  return ticks;
}

function fmt(n: number): string {
  return n.toFixed(2);
}

function line(x1: number, y1: number, x2: number, y2: number, stroke: string, width: number, dash?: string): string {
  return `<line x1="${fmt(x1)}" y1="${fmt(y1)}" x2="${fmt(x2)}" y2="${fmt(y2)}" stroke="${stroke}" stroke-width="${width}"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`;
}

/** "month", "week", "renewal": what one period of the matrix is called. */
function periodWord(matrix: Matrix): string {
  return matrix.period_type === 'renewals' ? 'renewal' : matrix.period_unit;
}

interface TextStyle {
  size: number;
  fill: string;
  weight?: 'bold' | 'normal';
  anchor?: 'start' | 'middle' | 'end';
  transform?: string;
}

function text(x: number, y: number, content: string, s: TextStyle): string {
  const attrs = [
    `x="${fmt(x)}"`,
    `y="${fmt(y)}"`,
    `font-size="${s.size}"`,
    `fill="${s.fill}"`,
    s.weight === 'bold' ? 'font-weight="bold"' : '',
    s.anchor && s.anchor !== 'start' ? `text-anchor="${s.anchor}"` : '',
    s.transform ? `transform="${s.transform}"` : '',
  ].filter((a) => a !== '');
  // Shown already: the data in a chart (the tenant in its title, a segment in a label) is made visible on one
  // line where it enters (visibleLine; the title before it is wrapped), the rest is ltv's own text.
  return `<text ${attrs.join(' ')}>${htmlEntities(content)}</text>`;
}


let renderer: Promise<Uint8Array[]> | undefined;
let warmed: Promise<void> | undefined;

/** A chart's size, a curve and a label: what the warm-up draws and encodes. */
const WARM_UP_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="960" height="540"><polyline points="40,500 300,300 900,60" fill="none" stroke="${PALETTE[0]}" stroke-width="2.5"/><text x="40" y="30" font-size="14" font-family="${FONT_FAMILY}" font-weight="bold">LTV 0 €</text></svg>`;

/**
 * Called at a run's start: compiles the wasm, reads the fonts and draws a chart-sized image while DuckDB
 * computes, so the first chart does not wait for them (~0.3 s: the fonts parsed, the wasm and the PNG
 * encoder's loops, which V8 optimises only once they have run on a few million pixels).
 * A failure here is left to the chart itself to report.
 */
export function warmUpRenderer(): void {
  warmed ??= loadRenderer()
    .then(() => svgToPng(WARM_UP_SVG, 2))
    .then(() => undefined, () => undefined);
}

/**
 * The wasm module may be initialised only once per process; fonts are read once with it.
 *
 * Compiled by V8's baseline compiler (Liftoff) alone, not tiered up to TurboFan: TurboFan's compiling of
 * resvg's hot functions on V8's background threads was a quarter of a small run's CPU (`perf`: a 2-row
 * run's V8 platform threads in WasmGraphBuilder and the register allocator), for charts drawn a handful
 * of times a run. The PNGs are the same bytes (WebAssembly's arithmetic is deterministic). A 2-row run, 3
 * alternated runs each with `node --liftoff-only`: 3.06–3.25 → 2.45–2.61 s wall, 5.1–5.6 → 3.8–4.1 s CPU;
 * 200 tenants (400 charts) not slower: 64.1 → 60.5 s. The flag is V8's and process-wide; resvg is the
 * only WebAssembly ltv loads (set before it is compiled, it changes nothing else).
 */
export function loadRenderer(): Promise<Uint8Array[]> {
  renderer ??= (async () => {
    const require = createRequire(import.meta.url);
    setFlagsFromString('--liftoff-only');
    await initWasm(await readFile(require.resolve('@resvg/resvg-wasm/index_bg.wasm')));
    return Promise.all(
      ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map(async (f) => new Uint8Array(await readFile(require.resolve(`dejavu-fonts-ttf/ttf/${f}`)))),
    );
  })().catch((e: unknown) => {
    renderer = undefined; // let the next report try again rather than fail forever
    throw e;
  });
  return renderer;
}
