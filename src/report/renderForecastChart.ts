// SPEC §9 fan chart: the Total row's realized cumulative revenue per customer (solid), its projection to
// the horizon (dashed) inside the bootstrap interval (a shaded band), and the same for the newest
// forecast cohorts. Drawn as SVG and rasterised like ltv.png (renderChart.ts: resvg-wasm, DejaVu Sans), so
// the bytes are the same for the same report. Published as forecast.png and shown on the Forecast sheet.
import type { ForecastRow, MatrixRow, TenantReport } from '../ltv/model.js';
import { currencySymbol } from '../format/money.js';
import { escapeHtml } from '../format/text.js';
import { CHART_SCALE, niceTicks, svgToPng, tickLabels } from './renderChart.js';
import { noForecastSentence } from './noForecastReason.js';
import { TITLE_LINE, titleLines } from './chartTitle.js';
import { forecastModelLabel } from '../format/labels.js';

const W = 960;
const H = 540;
const PALETTE = ['#0072B2', '#E69F00', '#009E73'];

/** Words into lines of at most `max` characters (a longer word gets a line of its own). */
function wrap(text: string, max: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(' ')) {
    const last = lines[lines.length - 1];
    if (last !== undefined && last.length + 1 + word.length <= max) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines;
}

interface Line { label: string; colour: string; width: number; realized: MatrixRow | undefined; predicted: ForecastRow }

/** The title's lines (a long tenant id takes more, three at most). */
function titleOf(report: TenantReport): string[] {
  return titleLines(`Predicted cumulative revenue per customer — ${report.tenant}`, W - 48, 20, 3);
}

/** The chart's opening: its size, a white ground and the title. */
function head(title: string[], height: number): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="DejaVu Sans">`,
    `<rect width="${W}" height="${height}" fill="#FFFFFF"/>`,
    ...title.map((l, i) => `<text x="24" y="${36 + i * TITLE_LINE}" font-size="20" font-weight="bold" fill="#1A1A1A">${escapeHtml(l)}</text>`),
  ];
}

export function forecastChartSvg(report: TenantReport): string {
  const f = report.forecast;
  const monthly = report.matrices.find((m) => m.id === 'days-month-cohort');
  const rows = (f?.rows ?? []).filter((r) => r.cells.length > 0);
  const title = titleOf(report);
  const below = (title.length - 1) * TITLE_LINE;
  if (!f || !f.model || rows.length === 0) {
    // Nothing to plot: the title and why, as a strip as tall as its lines (DejaVu Sans at 16 px: ~9 px a
    // character on average, so 90 to a line), not a blank 960 × 540 chart. No tenant of the bench's 200
    // small shops has a forecast; a full-size blank took ~22 ms of the chart thread once warm (1920 × 1080
    // pixels drawn, copied and encoded), the strip ~7 ms. The Forecast sheet shows it at its own size.
    const lines = wrap((f ? noForecastSentence(f) : null) ?? 'Forecasts are off', 90);
    const out = head(title, 64 + below + lines.length * 22);
    lines.forEach((line, i) => out.push(`<text x="24" y="${70 + below + i * 22}" font-size="16" fill="#595959">${escapeHtml(line)}</text>`));
    out.push('</svg>');
    return out.join('\n');
  }
  const out = head(title, H);
  out.push(`<text x="24" y="${60 + below}" font-size="13" fill="#595959">${escapeHtml(`${forecastModelLabel(f.model)} · dashed = predicted · ${f.bootstrap.replicates > 0 ? `band = ${Math.round(f.interval * 100)} % interval of the fitted parameters (not of model error)` : 'no interval (replicates 0)'} · ${report.currency}`)}</text>`);
  const cohorts = rows.filter((r) => r.type === 'cohort').slice(-PALETTE.length);
  const lines: Line[] = [
    ...cohorts.map((r, i) => ({ label: `${r.title.slice(0, 7)} (${r.customers})`, colour: PALETTE[i]!, width: 2, realized: monthly?.rows.find((m) => m.title === r.title), predicted: r })),
    ...rows.filter((r) => r.type === 'total').map((r) => ({ label: `Total (${r.customers})`, colour: '#1A1A1A', width: 4, realized: undefined, predicted: r })),
  ];
  const plot = { left: 84, top: 86 + below, right: W - 230, bottom: H - 64 };
  const values = lines.flatMap((l) => [...l.predicted.cells.flatMap((c) => [c.lower.revenue, c.upper.revenue]), ...(l.realized?.cells.map((c) => c.revenue) ?? [])]);
  const ticks = niceTicks(Math.min(0, ...values), Math.max(...values), 6);
  const y0 = ticks[0] ?? 0;
  const y1 = ticks[ticks.length - 1] ?? 1;
  const xMax = Math.max(1, f.horizon_months - 1);
  const x = (p: number): number => plot.left + ((plot.right - plot.left) * p) / xMax;
  const y = (v: number): number => plot.bottom - ((plot.bottom - plot.top) * (v - y0)) / (y1 - y0 || 1);
  // Labelled as ltv.png's axis is (it wrote the bare number: "$2.5", "$-5", "$1000").
  const labels = tickLabels(ticks, currencySymbol(report.currency));
  ticks.forEach((t, i) => {
    out.push(`<line x1="${plot.left}" y1="${y(t).toFixed(1)}" x2="${plot.right}" y2="${y(t).toFixed(1)}" stroke="#E5E5E5" stroke-width="1"/>`);
    out.push(`<text x="${plot.left - 8}" y="${(y(t) + 4).toFixed(1)}" font-size="12" fill="#595959" text-anchor="end">${escapeHtml(labels[i]!)}</text>`);
  });
  for (let p = 0; p <= xMax; p += Math.max(1, Math.ceil(xMax / 12))) {
    out.push(`<text x="${x(p).toFixed(1)}" y="${plot.bottom + 20}" font-size="12" fill="#595959" text-anchor="middle">${p}</text>`);
  }
  out.push(`<text x="${(plot.left + plot.right) / 2}" y="${H - 18}" font-size="13" fill="#595959" text-anchor="middle">Month of life (0 = the month of the first payment)</text>`);
  const path = (pts: [number, number][]): string => pts.map(([p, v], i) => `${i ? 'L' : 'M'}${x(p).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  lines.forEach((l, i) => {
    const cells = l.predicted.cells;
    const first = cells[0]!;
    // The band: upper bounds left to right, lower bounds back.
    const band = [...cells.map((c) => [c.period, c.upper.revenue] as [number, number]), ...[...cells].reverse().map((c) => [c.period, c.lower.revenue] as [number, number])];
    out.push(`<path d="${path(band)} Z" fill="${l.colour}" fill-opacity="0.15" stroke="none"/>`);
    const realized = (l.realized?.cells ?? []).filter((c) => c.state === 'complete').map((c) => [c.period, c.revenue] as [number, number]);
    if (realized.length) out.push(`<path d="${path(realized)}" fill="none" stroke="${l.colour}" stroke-width="${l.width}"/>`);
    const lastReal = realized.at(-1);
    const projection = [...(lastReal && lastReal[0] === first.period - 1 ? [lastReal] : []), ...cells.map((c) => [c.period, c.revenue] as [number, number])];
    out.push(`<path d="${path(projection)}" fill="none" stroke="${l.colour}" stroke-width="${l.width}" stroke-dasharray="8 6"/>`);
    const ly = plot.top + 8 + i * 24;
    out.push(`<line x1="${plot.right + 20}" y1="${ly}" x2="${plot.right + 50}" y2="${ly}" stroke="${l.colour}" stroke-width="${l.width}" stroke-dasharray="8 6"/>`);
    out.push(`<text x="${plot.right + 58}" y="${ly + 4}" font-size="12" fill="#1A1A1A">${escapeHtml(l.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

export async function renderForecastChart(report: TenantReport): Promise<Buffer> {
  return svgToPng(forecastChartSvg(report), CHART_SCALE);
}
