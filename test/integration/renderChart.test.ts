import { describe, expect, it } from 'vitest';
import { CHART_SCALE, chartMatrix, chartSvg, loadRenderer, niceTicks, recentCohorts, renderChart, svgPixelSize, svgToPng } from '../../src/report/renderChart.js';
import { dailyReport } from '../helpers/dailyReport.js';
import { cells, sampleReport } from '../helpers/sampleReport.js';
import type { TenantReport } from '../../src/ltv/model.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width and height from the IHDR chunk, which a valid PNG has right after its signature. */
function ihdr(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  expect(png.toString('latin1', 12, 16)).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe('renderChart', () => {
  it('renders a PNG of 960 × 540 CSS pixels at density 2 by default', async () => {
    expect(ihdr(await renderChart(sampleReport()))).toEqual({ width: 1920, height: 1080 });
  });

  it('honours size and scale', async () => {
    expect(ihdr(await renderChart(sampleReport(), { width: 640, height: 360, scale: 1 }))).toEqual({ width: 640, height: 360 });
  });

  it('is byte-identical for the same report, and differs when the numbers do', async () => {
    const a = await renderChart(sampleReport());
    const b = await renderChart(sampleReport());
    expect(a.equals(b)).toBe(true);
    const changed = sampleReport();
    const cell = changed.matrices[0]?.rows[0]?.cells[2];
    if (cell) cell.revenue = 30;
    expect((await renderChart(changed)).equals(a)).toBe(false);
  });

  it('draws the first days cohort matrix: the 6 most recent cohorts and the average', () => {
    const report = sampleReport();
    const svg = chartSvg(report);
    expect(chartMatrix(report)?.id).toBe('days-month-cohort');
    for (const label of ['Mar 2026 (320)', 'Feb 2026 (300)', 'Oct 2025 (240)', 'All cohorts, average (1,630)']) {
      expect(svg).toContain(label);
    }
    expect(svg).toContain('Bäckerei Müller · Zürich');
    expect(svg).toContain('as of 2026-03-16 16:00 (Europe/Zurich)');
    expect(svg).toContain('Months since first payment');
    expect(svg).toContain('LTV per customer (EUR)');
    expect(svg).toContain('>€20<');
  });

  it('spreads the cohorts of a long daily matrix back from the newest', () => {
    // 60 cohorts, every 10th from the newest (2026-03-16) back.
    const svg = chartSvg(dailyReport(60));
    for (const day of ['2026-03-16', '2026-03-06', '2026-02-24', '2026-01-25']) expect(svg).toContain(`${day} (`);
    expect(svg).not.toContain('2026-03-15 (');
    expect(svg).not.toContain('2026-01-15 (');
  });

  it('prefers a days matrix over a renewals one that comes first', () => {
    const report = sampleReport();
    report.matrices = [report.matrices[2]!, report.matrices[1]!];
    expect(chartMatrix(report)?.id).toBe('days-week-cohort');
  });

  it('escapes markup in names and renders a report with no matrices', async () => {
    const report = sampleReport();
    report.tenant = 'A<B & "C"';
    expect(chartSvg(report)).toContain('A&lt;B &amp; &quot;C&quot;');
    report.matrices = [];
    expect(chartSvg(report)).toContain('No cohorts yet');
    expect(ihdr(await renderChart(report, { scale: 1 }))).toEqual({ width: 960, height: 540 });
  });

  it('shows a tenant\'s tab, CR and LF as pictures on one line, as report.html and the email do (it drew them as spaces)', () => {
    const report = sampleReport();
    report.tenant = 'ten\r\nBcc:\tx';
    const svg = chartSvg(report);
    expect(svg).toContain('per customer — ten\u240d\u240aBcc:\u2409x');
    expect(svg).not.toMatch(/ten[\r\n]/);
  });

  it('picks round tick values that cover the range', () => {
    expect(niceTicks(0, 22.4, 6)).toEqual([0, 5, 10, 15, 20, 25]);
    expect(niceTicks(-1.25, 22.4, 6)).toEqual([-5, 0, 5, 10, 15, 20, 25]);
    expect(niceTicks(0, 729, 10)).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800]);
  });
});

/** The y axis's labels, bottom to top: the text right-aligned at the plot's left edge (84 − 8) in both charts. */
function yLabels(svg: string): string[] {
  return [...svg.matchAll(/<text x="76(?:\.00)?" [^>]*text-anchor="end"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);
}

/** sampleReport with one monthly cohort matrix whose Total and only cohort have these cumulative values. */
function reportOf(values: number[]): TenantReport {
  const report = sampleReport();
  const m = report.matrices[0]!;
  report.matrices = [{ ...m, rows: [{ type: 'total', title: 'Total', customers: 2, cells: cells(values, 2, 0) }, { type: 'cohort', title: '2025-10-01', customers: 2, cells: cells(values, 2, 0) }] }];
  return report;
}

describe('y axis labels', () => {
  it('show every tick exactly, whatever step niceTicks picked', () => {
    // The review's case: c1 pays 9.99 on Oct 1 and Nov 1, c2 9.99 on Oct 2 (as of 2026-01-01): the October
    // cohort's 2 customers have 9.99 in month 0 and (9.99 + 9.99 + 9.99) / 2 = 14.985 → 14.99 by month 1.
    // Ticks 0 … 15 by 2.5: 2.5, 7.5 and 12.5 were labelled €3, €8 and €13.
    expect(yLabels(chartSvg(reportOf([9.99, 14.99])))).toEqual(['€0.00', '€2.50', '€5.00', '€7.50', '€10.00', '€12.50', '€15.00']);
    // Whole steps stay whole (0 … 25 by 5), steps under a euro keep their cents (0 … 1.5 by 0.25) and steps
    // under a cent are not rounded to it (0 … 0.015 by 0.0025: "€0.00" four times over at 2 decimals).
    expect(yLabels(chartSvg(reportOf([9.99, 22.4])))).toEqual(['€0', '€5', '€10', '€15', '€20', '€25']);
    expect(yLabels(chartSvg(reportOf([0.99, 1.3])))).toEqual(['€0.00', '€0.25', '€0.50', '€0.75', '€1.00', '€1.25', '€1.50']);
    expect(yLabels(chartSvg(reportOf([0.01, 0.013])))).toEqual(['€0.0000', '€0.0025', '€0.0050', '€0.0075', '€0.0100', '€0.0125', '€0.0150']);
    // Negative values (refunds above payments) and thousands: a minus sign before the symbol, separators.
    // (−1.25 … 2.4: a span of 3.65, ~0.61 a tick, so steps of 1 from ⌊−1.25⌋ = −2 past 2.4.)
    expect(yLabels(chartSvg(reportOf([-1.25, 2.4])))).toEqual(['−€2', '−€1', '€0', '€1', '€2', '€3']);
    expect(yLabels(chartSvg(reportOf([900, 2400])))).toEqual(['€0', '€500', '€1,000', '€1,500', '€2,000', '€2,500']);
  });

  it('on forecast.png too, which wrote the bare tick ("€2.5", "€15")', async () => {
    const { forecastChartSvg } = await import('../../src/report/renderForecastChart.js');
    const report = reportOf([9.99, 14.99]);
    const money = (v: number): { revenue: number; proceeds: number; net_revenue: number } => ({ revenue: v, proceeds: v, net_revenue: v });
    // Predicted 12.00 … 13.00 in months 2 … 4, the band up to 14.99: ticks 0 … 15 by 2.5, as above.
    const predicted = [12, 12.5, 13].map((v, j) => ({ period: 2 + j, state: 'predicted' as const, customers: 2, ...money(v), lower: money(v - 1), upper: money(v + 0.5 + j * 0.745) }));
    expect(Math.max(...predicted.map((c) => c.upper.revenue))).toBe(14.99);
    report.forecast = {
      model: 'sbg', chosen_by: 'auto', reason: 'test', matrix: 'days-month-cohort', horizon_months: 6, interval: 0.8,
      bootstrap: { replicates: 10, requested: 10, seed: 17 }, thresholds: { min_cohort_customers: 20, min_group_customers: 100 },
      fits: [], rows: [{ type: 'total', title: 'Total', customers: 2, fit: null, cells: predicted }], backtest: null, headline: null,
    };
    expect(yLabels(forecastChartSvg(report))).toEqual(['€0.00', '€2.50', '€5.00', '€7.50', '€10.00', '€12.50', '€15.00']);
  });
});

/** The curves of the SVG the PNG is rendered from: which row, which part, how many points, which dash. */
function curves(svg: string): { series: string; row: string; part: string; points: number; dash: string | null; width: string }[] {
  return [...svg.matchAll(/<polyline data-series="(\w+)" data-row="([^"]*)" data-part="(\w+)" points="([^"]*)"([^>]*)\/>/g)].map((m) => ({
    series: m[1]!,
    row: m[2]!,
    part: m[3]!,
    points: m[4]!.split(' ').length,
    dash: /stroke-dasharray="([^"]*)"/.exec(m[5]!)?.[1] ?? null,
    width: /stroke-width="([^"]*)"/.exec(m[5]!)![1]!,
  }));
}

describe('an honest average line (issue 16)', () => {
  it('draws the average only while its cohorts hold at least half of the customers, and says so', () => {
    const report = sampleReport();
    const total = report.matrices[0]!.rows[0]!;
    // Mostly complete everywhere, so only the share decides: customers 1630, 1310, 1020, 760, … of 1630:
    // 100 %, 80 %, 62.6 %, then 46.6 % < 50 % → periods 0–2 drawn.
    total.cells.forEach((c) => (c.complete_customers = c.customers));
    const svg = chartSvg(report);
    const average = curves(svg).filter((c) => c.series === 'average');
    expect(average).toEqual([{ series: 'average', row: 'Total', part: 'complete', points: 3, dash: null, width: '4.5' }]);
    expect(svg).toContain('drawn to month 2: later periods hold');
    expect(svg).toContain('under 50 % of the customers');
  });

  it('dashes the average where under 90 % of its customers are complete, not merely where its newest cohort is partial', () => {
    const report = sampleReport();
    const total = report.matrices[0]!.rows[0]!;
    // 1630/1630 and 1200/1310 (91.6 %) final; 900/1020 (88.2 %) partial → solid 0–1, dashed 1–2.
    [1630, 1200, 900].forEach((n, k) => (total.cells[k]!.complete_customers = n));
    const average = curves(chartSvg(report)).filter((c) => c.series === 'average');
    expect(average).toEqual([
      { series: 'average', row: 'Total', part: 'complete', points: 2, dash: null, width: '4.5' },
      { series: 'average', row: 'Total', part: 'partial', points: 2, dash: '9 9', width: '4.5' },
    ]);
    // The cohorts: Oct 2025 (6 periods, the last 2 partial) solid over 0–3 and dashed over 3–5.
    expect(curves(chartSvg(report)).filter((c) => c.row === '2025-10-01').map((c) => [c.part, c.points, c.dash])).toEqual([
      ['complete', 4, null],
      ['partial', 3, '4 4'],
    ]);
  });

  it('draws a cohort under 30 customers thin and dotted, never as a full line', () => {
    const report = sampleReport();
    const cohort = report.matrices[0]!.rows[2]!; // Nov 2025
    cohort.customers = 2;
    const svg = chartSvg(report);
    expect(curves(svg).filter((c) => c.row === '2025-11-01')).toEqual([
      { series: 'cohort', row: '2025-11-01', part: 'small', points: 5, dash: '1 4', width: '1.5' },
    ]);
    expect(svg).toContain('under 30 customers');
    expect(chartSvg(sampleReport())).not.toContain('under 30 customers');
  });
});

describe('recentCohorts', () => {
  const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ type: 'cohort' as const, title: `c${i}`, customers: 1, cells: [] }));
  const titles = (n: number) => recentCohorts(rows(n), 6).map((r) => r.title);

  it('takes the newest six while there are fewer than twelve cohorts', () => {
    expect(titles(3)).toEqual(['c0', 'c1', 'c2']);
    expect(titles(11)).toEqual(['c5', 'c6', 'c7', 'c8', 'c9', 'c10']);
  });

  it('spreads six back from the newest on long matrices', () => {
    expect(titles(12)).toEqual(['c1', 'c3', 'c5', 'c7', 'c9', 'c11']);
    expect(titles(730)).toEqual(['c124', 'c245', 'c366', 'c487', 'c608', 'c729']);
  });

  it('draws the forecast\'s projected average dashed over its interval band (SPEC §9), on the forecast\'s matrix only', async () => {
    const report = sampleReport();
    const money = (v: number): { revenue: number; proceeds: number; net_revenue: number } => ({ revenue: v, proceeds: v * 0.7, net_revenue: v * 0.6 });
    // Predicted Total at months 4..11: 21.5, 22.5, … with a band of ±(0.5 + 0.25 per month ahead).
    const predicted = Array.from({ length: 8 }, (_, j) => ({
      period: 4 + j, state: 'predicted' as const, customers: 1630, ...money(21.5 + j),
      lower: money(21.5 + j - 0.5 - 0.25 * j), upper: money(21.5 + j + 0.5 + 0.25 * j),
    }));
    report.forecast = {
      model: 'sbg', chosen_by: 'auto', reason: 'test', matrix: 'days-month-cohort', horizon_months: 12, interval: 0.8,
      bootstrap: { replicates: 10, requested: 10, seed: 17 }, thresholds: { min_cohort_customers: 20, min_group_customers: 100 },
      fits: [], rows: [{ type: 'total', title: 'Total', customers: 1630, fit: null, cells: predicted }], backtest: null, headline: null,
    };
    const svg = chartSvg(report);
    const line = /<polyline data-series="projection" data-part="predicted" points="([^"]+)"[^>]*stroke-dasharray="10 6"/.exec(svg);
    const band = /<polygon data-series="projection" data-part="band" points="([^"]+)"/.exec(svg);
    expect(line).not.toBeNull();
    expect(band).not.toBeNull();
    const pts = (s: string): number[][] => s.split(' ').map((p) => p.split(',').map(Number));
    const mid = pts(line![1]!);
    const edge = pts(band![1]!);
    expect(mid).toHaveLength(8);
    expect(edge).toHaveLength(16);
    // The x axis now reaches month 11 (the plot's right edge, 960 − 250 − 24), and months are evenly spaced.
    expect(mid[7]![0]).toBeCloseTo(686, 1);
    const step = mid[1]![0]! - mid[0]![0]!;
    expect(mid[0]![0]).toBeCloseTo(84 + 4 * step, 1);
    // y: money grows upwards. Each predicted point lies between its upper (first half of the band, left to right)
    // and lower bound (second half, right to left), and their distances are the band's half-widths in scale.
    const perUnit = (mid[0]![1]! - mid[1]![1]!) / 1; // pixels per 1.00 of revenue (consecutive months differ by 1)
    mid.forEach(([x, y], j) => {
      const upper = edge[j]!;
      const lower = edge[15 - j]!;
      expect(upper[0]).toBeCloseTo(x!, 2);
      expect(lower[0]).toBeCloseTo(x!, 2);
      expect(y! - upper[1]!).toBeCloseTo((0.5 + 0.25 * j) * perUnit, 1);
      expect(lower[1]! - y!).toBeCloseTo((0.5 + 0.25 * j) * perUnit, 1);
    });
    expect(svg).toContain('Projected average (sBG)');
    // What the band covers, as the other views say it: the fitted parameters' interval, not model error.
    const texts = (markup: string): string[] => [...markup.matchAll(/<text [^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);
    expect(texts(svg)).toEqual(expect.arrayContaining(['band: 80 % interval of the fitted', 'parameters, not of model error']));
    const { forecastChartSvg } = await import('../../src/report/renderForecastChart.js');
    expect(texts(forecastChartSvg(report))).toContain(`sBG · dashed = predicted · band = 80 % interval of the fitted parameters (not of model error) · ${report.currency}`);
    // Another matrix drawn (weeks): no projection, the forecast is by month.
    expect(chartSvg(report, { matrixId: 'days-week-cohort' })).not.toContain('data-series="projection"');
    report.forecast = undefined;
    expect(chartSvg(report)).not.toContain('data-series="projection"');
  });
});

describe('chart titles', () => {
  // Each tenant id is one the job schema accepts (up to 128 characters): words, one long id of the widest
  // letters, and text outside Latin.
  const tenants = [
    'Bäckerei Müller und Söhne · Zürich Hauptbahnhof · Filiale Nummer sieben · Online-Shop und Abonnements GmbH & Co. KG',
    'W'.repeat(128),
    'mw'.repeat(40),
    '東京のお店'.repeat(20),
  ];

  it('are wrapped (three lines at most, then "…") so that no line runs past the chart\'s margin, as resvg draws them', async () => {
    const { forecastChartSvg } = await import('../../src/report/renderForecastChart.js');
    const { Resvg } = await import('@resvg/resvg-wasm');
    const fonts = await loadRenderer();
    for (const tenant of tenants) {
      const report = sampleReport();
      report.tenant = tenant;
      for (const [svg, prefix] of [[chartSvg(report), 'Cumulative revenue per customer — '], [forecastChartSvg(report), 'Predicted cumulative revenue per customer — ']] as const) {
        const titles = [...svg.matchAll(/<text [^>]*font-size="20"[^>]*>([^<]*)<\/text>/g)].map((m) => m[0]);
        expect(titles.length).toBeGreaterThanOrEqual(1);
        expect(titles.length).toBeLessThanOrEqual(3);
        const words = titles.map((t) => />([^<]*)</.exec(t)![1]!.replaceAll('&amp;', '&'));
        const whole = `${prefix}${tenant}`;
        // Every character of the title, in order, but for a cut end marked "…".
        const shown = words.join(' ').replace(/…$/, '');
        expect(whole.replace(/ /g, '').startsWith(shown.replace(/ /g, ''))).toBe(true);
        if (!words[words.length - 1]!.endsWith('…')) expect(shown.replace(/ /g, '')).toBe(whole.replace(/ /g, ''));
        // Drawn alone by the renderer the charts use, every title line ends inside the 24 px margin.
        for (const t of titles) {
          const r = new Resvg(`<svg xmlns="http://www.w3.org/2000/svg" width="2000" height="100" font-family="DejaVu Sans">${t}</svg>`, {
            font: { fontBuffers: fonts, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
          });
          const box = r.innerBBox();
          r.free();
          expect(box).toBeDefined();
          expect(box!.x + box!.width).toBeLessThanOrEqual(960 - 24);
        }
        // What follows sits below the title's last line: the subtitle, or (no forecast here) why not.
        const sub = /<text x="24(?:\.00)?" y="([\d.]+)" font-size="1[36]"/.exec(svg);
        expect(Number(sub![1])).toBe((svg.includes('font-size="13"') ? 60 : 70) + (titles.length - 1) * 26);
      }
    }
    // A short one stays on one line, as before.
    expect([...chartSvg(sampleReport()).matchAll(/font-size="20"/g)]).toHaveLength(1);
  });
});

describe('svgToPngOffThread', () => {
  it('says why a forecast predicts nothing, in lines that fit the chart, instead of a fan', async () => {
    const { forecastChartSvg } = await import('../../src/report/renderForecastChart.js');
    const report = sampleReport();
    const few = Array.from({ length: 25 }, (_, i) => ({ type: 'cohort' as const, title: `2024-${String((i % 12) + 1).padStart(2, '0')}-01`, customers: 3, fit: null, cells: [], note: 'no forecast: too few customers: 3 < 20' }));
    report.forecast = {
      model: 'sbg', chosen_by: 'auto', reason: "the tenant's payments carry renewal numbers or durations: subscriptions, so sBG (retention per renewal × revenue per renewal)",
      matrix: 'days-month-cohort', horizon_months: 24, interval: 0.8, bootstrap: { replicates: 0, requested: 100, seed: 17 },
      thresholds: { min_cohort_customers: 20, min_group_customers: 100 }, fits: [], backtest: null, headline: null,
      rows: [{ type: 'total', title: 'Total', customers: 0, fit: null, cells: [] }, ...few],
    };
    const texts = [...forecastChartSvg(report).matchAll(/<text [^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);
    // The title, then the reason: the cohorts counted by why, not the model's choice.
    expect(texts.slice(1).join(' ')).toBe('No cohort has a forecast: 25 cohorts have fewer than 20 customers');
    expect(forecastChartSvg(report)).not.toContain('<path');
    // Nothing to plot: a strip as tall as its text (title, one line: 64 + 22), not a blank 960 × 540 chart.
    expect(forecastChartSvg(report)).toContain('<svg xmlns="http://www.w3.org/2000/svg" width="960" height="86" viewBox="0 0 960 86"');
    expect(ihdr(await svgToPng(forecastChartSvg(report), CHART_SCALE))).toEqual({ width: 1920, height: 172 });
    // Text from data is escaped as everywhere else (format/text.ts escapeHtml).
    const hostile = forecastChartSvg({ ...report, tenant: '<img src=x onerror="a(1)">&\'' });
    expect(hostile).toContain('Predicted cumulative revenue per customer — &lt;img src=x onerror=&quot;a(1)&quot;&gt;&amp;&#39;</text>');
    expect(hostile).not.toContain('<img');
    // A longer reason is wrapped: no line wider than the chart at ~9 px a character.
    report.forecast.rows = [report.forecast.rows[0]!, ...few.map((r, i) => (i % 2 ? r : { ...r, note: 'no forecast: too little history: its first month of life is not complete yet' }))];
    report.forecast.rows.push({ type: 'cohort', title: '2026-01-01', customers: 30, fit: null, cells: [], note: 'no forecast: the sBG forecast failed: boom' });
    const lines = [...forecastChartSvg(report).matchAll(/<text [^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!).slice(1);
    expect(lines.length).toBeGreaterThan(1);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(90);
    expect(forecastChartSvg(report)).toContain(`height="${64 + 22 * lines.length}"`);
    expect(lines.join(' ')).toBe('No cohort has a forecast: 12 cohorts have fewer than 20 customers, 13 cohorts have no complete month of life yet, '
      + '1 cohort has no forecast for another reason (see forecast.json)');
  });

  it('draws on the chart thread the same bytes as in process, several charts at once', async () => {
    const { chartThreadRunning, svgToPngOffThread } = await import('../../src/report/svgToPngOffThread.js');
    const { forecastChartSvg } = await import('../../src/report/renderForecastChart.js');
    const report = sampleReport();
    const svgs = [chartSvg(report), forecastChartSvg(report), chartSvg(report, { width: 640, height: 360 })];
    const offThread = await Promise.all(svgs.map((svg) => svgToPngOffThread(svg, CHART_SCALE)));
    const inProcess = await Promise.all(svgs.map((svg) => svgToPng(svg, CHART_SCALE)));
    // Drawn on the thread, not by the in-process fallback.
    expect(chartThreadRunning()).toBe(true);
    offThread.forEach((png, i) => expect(png.equals(inProcess[i]!)).toBe(true));
    expect(ihdr(offThread[2]!)).toEqual({ width: 1280, height: 720 });
  });

  it('reports a chart the renderer refuses as the in-process renderer does', async () => {
    const { svgToPngOffThread } = await import('../../src/report/svgToPngOffThread.js');
    const inProcess = await svgToPng('not svg', 2).then(() => null, (e: unknown) => e);
    expect(inProcess).toBeInstanceOf(Error);
    await expect(svgToPngOffThread('not svg', 2)).rejects.toThrow((inProcess as Error).message);
  });

  it('knows the size of a chart\'s PNG from its SVG, before it is drawn', async () => {
    // What a workbook is laid out with while its charts are drawn (addStreamingPicture.ts, LatePng).
    const { forecastChartSvg } = await import('../../src/report/renderForecastChart.js');
    const report = sampleReport();
    const money = (v: number): { revenue: number; proceeds: number; net_revenue: number } => ({ revenue: v, proceeds: v * 0.7, net_revenue: v * 0.6 });
    const predicted = Array.from({ length: 8 }, (_, j) => ({
      period: 4 + j, state: 'predicted' as const, customers: 1630, ...money(21.5 + j), lower: money(21 + j), upper: money(22 + j),
    }));
    report.forecast = {
      model: 'sbg', chosen_by: 'auto', reason: 'test', matrix: 'days-month-cohort', horizon_months: 12, interval: 0.8,
      bootstrap: { replicates: 10, requested: 10, seed: 17 }, thresholds: { min_cohort_customers: 20, min_group_customers: 100 },
      fits: [], rows: [{ type: 'total', title: 'Total', customers: 1630, fit: null, cells: predicted }], backtest: null, headline: null,
    };
    // A forecast that predicts nothing: a strip as tall as its reason.
    const strip = sampleReport();
    strip.forecast = { ...report.forecast, model: null, rows: [{ type: 'total', title: 'Total', customers: 0, fit: null, cells: [] }] };
    const cases: [string, number][] = [
      [chartSvg(report), CHART_SCALE], [chartSvg(report, { width: 640, height: 360 }), 1.5], [forecastChartSvg(report), CHART_SCALE],
      [forecastChartSvg(strip), CHART_SCALE], [forecastChartSvg(strip), 1.25],
    ];
    const drawn = await Promise.all(cases.map(([svg, scale]) => svgToPng(svg, scale)));
    expect(ihdr(drawn[1]!)).toEqual({ width: 960, height: 540 });
    cases.forEach(([svg, scale], i) => expect(svgPixelSize(svg, scale)).toEqual(ihdr(drawn[i]!)));
    // 86 CSS pixels at 1.25 are 107.5: resvg rounds up, as svgPixelSize does.
    expect(svgPixelSize(forecastChartSvg(strip), 1.25).height).toBe(108);
    expect(() => svgPixelSize('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"></svg>', 2)).toThrow(/has no width/);
  });
});
