// Predicted cells in the explorer (SPEC §9, §10), in Debian's chromium: on the example job's run
// (forecasts on), the served page asks the server's own Adapty route for `prediction_months` and its
// heatmap's predicted cells equal the route's `predicted_values` for the same request, for every row and
// accounting type; a predicted cell takes the place of a partial one and keeps the realized value in its
// text; the curves draw the projection and the Total's band; a selection without predictions says why, and
// is never asked with `prediction_months` (a sweep of every period type, unit and segmentation logs no
// console error and gets no 400).
// report.html shows the run's ltv.json predicted cells.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PERIOD_TYPES, PERIOD_UNITS, SEGMENTATIONS, type TenantReport } from '../../src/ltv/model.js';
import { launchBrowser } from '../helpers/browser.js';
import { change as changeOn, redrawn } from '../helpers/explorerPage.js';
import { fileURLToPath } from 'node:url';
import { loadJob } from '../../src/config/loadJob.js';
import { runPipeline } from '../../src/pipeline.js';
import { EXAMPLE_TENANT, publishExampleRun } from '../helpers/explorerRuns.js';
import { httpRequest } from '../helpers/httpRequest.js';
import { makeFixture, silentLogger, type Fixture } from '../helpers/runFixture.js';
import { startServer, type TestServer } from '../helpers/startServer.js';

const KEY = 'ltv_explorer_predictions_key_01';
type Acc = 'revenue' | 'proceeds' | 'net_revenue';
interface Row {
  title: string;
  type: string;
  values: { period: number; value: number }[];
  predicted_values?: { period: number; value: number; lower: number; upper: number }[];
}
type Body = Record<Acc, { data: Row[] }>;
interface Cell {
  period: number;
  mark: string;
  value: number;
  realized: number | null;
  predicted: number | null;
  text: string;
}

let fx: Fixture;
let s: TestServer;
let browser: Browser;
let page: Page;
let report: TenantReport;
/** The run's first payments (manifest): the page's default date range. */
let dates: [string, string];
const requests: string[] = [];
/** The page's console errors and its answers of status 400 (ordinary use causes none). */
const consoleErrors: string[] = [];
const badRequests: string[] = [];

/** The route's answer; `none`: why it predicts nothing for these periods (x-ltv-prediction-note), if it says so. */
async function api(body: object): Promise<{ status: number; none: string | undefined; json: Body & { errors?: { source: string; errors: string[] }[] } }> {
  const r = await httpRequest(s.port, '/api/v1/client-api/metrics/ltv/', {
    method: 'POST',
    headers: { authorization: `Api-Key ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const note = r.headers['x-ltv-prediction-note'];
  return { status: r.status, none: typeof note === 'string' ? note : undefined, json: r.json() as Body & { errors?: { source: string; errors: string[] }[] } };
}

async function cells(p: Page): Promise<Record<string, Cell[]>> {
  return p.$$eval('table.heatmap tbody tr', (trs) => Object.fromEntries(trs.map((tr) => [
    tr.querySelector('th')?.textContent ?? '',
    [...tr.querySelectorAll<HTMLElement>('td.cell')].map((td) => ({
      period: Number(td.dataset.period),
      mark: td.dataset.mark ?? '',
      value: Number(td.dataset.value),
      realized: td.dataset.realized === undefined ? null : Number(td.dataset.realized),
      predicted: td.dataset.predicted === undefined ? null : Number(td.dataset.predicted),
      text: td.textContent ?? '',
    })),
  ])));
}

/** Checks the drawn cells against an Adapty body with predicted_values, row by row. */
function expectCellsMatch(drawn: Record<string, Cell[]>, body: Body, acc: Acc): number {
  let predictedShown = 0;
  for (const row of body[acc].data) {
    const got = drawn[row.title] ?? [];
    const byPeriod = new Map(got.map((c) => [c.period, c]));
    const realized = new Map(row.values.map((v) => [v.period, v.value]));
    const predicted = new Map((row.predicted_values ?? []).map((v) => [v.period, v]));
    // Every period of the row, realized or predicted, has its cell, and no other.
    expect([...byPeriod.keys()].sort((a, b) => a - b), row.title).toEqual([...new Set([...realized.keys(), ...predicted.keys()])].sort((a, b) => a - b));
    for (const c of got) {
      expect(c.realized, `${row.title} ${c.period} realized`).toBe(realized.get(c.period) ?? null);
      expect(c.predicted, `${row.title} ${c.period} predicted`).toBe(predicted.get(c.period)?.value ?? null);
      if (c.mark === 'predicted') {
        predictedShown++;
        // A predicted cell shows the prediction, never a realized value, and says so in words.
        expect(c.value).toBe(predicted.get(c.period)?.value);
        expect(c.text).toMatch(/^≈/);
        expect(c.text).toContain('predicted');
        // It stands where the period is not over (a partial realized cell) or not reached yet.
        expect(c.realized === null || c.text.includes('realized so far')).toBe(true);
      } else {
        expect(c.value).toBe(realized.get(c.period));
        // A partial cell says so in words; a complete one is the table's default (its caption says so).
        expect(c.text.includes('(partial')).toBe(c.mark === 'partial');
      }
    }
  }
  return predictedShown;
}

beforeAll(async () => {
  fx = await makeFixture({});
  await publishExampleRun(fx);
  report = JSON.parse(await readFile(join(fx.reportsDir, EXAMPLE_TENANT, 'latest', 'ltv.json'), 'utf8')) as TenantReport;
  const manifest = JSON.parse(await readFile(join(fx.reportsDir, EXAMPLE_TENANT, 'latest', 'manifest.json'), 'utf8')) as { first_payment_dates: { min: string; max: string } };
  dates = [manifest.first_payment_dates.min, manifest.first_payment_dates.max];
  s = await startServer({ reportsDir: fx.reportsDir, keys: [{ key: KEY, tenants: [EXAMPLE_TENANT] }] });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('response', (r) => {
    if (r.status() === 400) badRequests.push(`${r.url()} ${r.request().postData() ?? ''}`);
  });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await s?.stop();
  await fx?.cleanup();
});

const change = (selector: string, value: string): Promise<void> => changeOn(page, selector, value);

describe('predicted cells on the served page', () => {
  it('equal the API\'s predicted_values for the same request, in every accounting type', async () => {
    const f = report.forecast;
    expect(f?.model).toBe('sbg');
    await page.goto(`http://127.0.0.1:${s.port}/`);
    await page.fill('#api-key', KEY);
    await page.click('button[type=submit]');
    await page.waitForSelector('.report[data-loaded] table.heatmap');
    // The page asked with the forecast's horizon.
    const request = { filters: { date: dates }, period_type: 'days', period_unit: 'month', prediction_months: f!.horizon_months };
    const { status, json } = await api(request);
    expect(status).toBe(200);
    const predictedRows = json.revenue.data.filter((r) => (r.predicted_values?.length ?? 0) > 0);
    expect(predictedRows.length).toBeGreaterThan(10);
    let shown = expectCellsMatch(await cells(page), json, 'revenue');
    expect(shown).toBeGreaterThan(50);
    expect(await page.getAttribute('.key.predicted', 'data-predicted-cells')).toBe(String(shown));
    for (const acc of ['proceeds', 'net_revenue'] as const) {
      await page.selectOption('#ctl-accounting', acc);
      shown = expectCellsMatch(await cells(page), json, acc);
      expect(shown).toBeGreaterThan(50);
    }
    await page.selectOption('#ctl-accounting', 'revenue');
    // Where the predictions come from, in words, with what the interval leaves out and the backtest's error
    // (the exact sentences on real data: forecastTrust.test.ts).
    const note = await page.textContent('.forecast-note');
    expect(note).toContain('sBG');
    expect(note).toContain(`Interval: ${Math.round(f!.interval * 100)} % of the fitted parameters (seeded bootstrap over customers, ${f!.bootstrap.replicates} replicates`);
    expect(note).toContain(`MAPE ${(f!.backtest!.mape! * 100).toFixed(1)} %`);
  });

  it('says whose the realized-so-far value of a Total or segment cell is when fewer customers reached the period than the prediction is of', async () => {
    type Drawn = { row: string; type: string; period: number; text: string };
    const predictedWithRealized = (): Promise<Drawn[]> => page.$$eval('table.heatmap tbody tr', (trs) => trs.flatMap((tr) =>
      [...tr.querySelectorAll<HTMLElement>('td.cell[data-mark=predicted][data-realized]')].map((td) => ({
        row: (tr as HTMLElement).dataset.title ?? '', type: tr.className, period: Number(td.dataset.period), text: td.querySelector('.visually-hidden')?.textContent ?? '',
      }))));
    type Json = { id: string; rows: { type: string; title: string; customers: number; cells: { period: number; customers: number; revenue: number }[] }[] };
    const matrix = (id: string): Json => (report as unknown as { matrices: Json[] }).matrices.find((x) => x.id === id)!;
    const n = (x: number): string => x.toLocaleString('en-US');
    const expectWhose = (drawn: Drawn[], m: Json): number => {
      let said = 0;
      for (const d of drawn) {
        const row = m.rows.find((r) => r.title === d.row)!;
        const cell = row.cells.find((c) => c.period === d.period)!;
        // ltv.json: the cell's customers are those whose cohorts reach the period.
        if (cell.customers < row.customers) {
          said++;
          expect(d.text, `${d.row} M${d.period}`).toContain(`; realized so far by the ${n(cell.customers)} of ${n(row.customers)} customers who reached M${d.period}: ${cell.revenue.toFixed(2)} (partial)`);
        } else {
          expect(d.text, `${d.row} M${d.period}`).toContain(`; realized so far ${cell.revenue.toFixed(2)} (partial)`);
        }
      }
      return said;
    };
    // By month cohort: the Total's realized M-k averages the cohorts old enough to reach k, its prediction all of them.
    const byCohort = await predictedWithRealized();
    expect(byCohort.some((d) => d.type === 'total')).toBe(true);
    expect(expectWhose(byCohort.filter((d) => d.type === 'total'), matrix('days-month-cohort'))).toBeGreaterThan(0);
    // A cohort's row is all its customers at every period: no one else's value.
    const cohorts = byCohort.filter((d) => d.type === 'cohort');
    expect(cohorts.length).toBeGreaterThan(0);
    for (const d of cohorts) expect(d.text).toMatch(/; realized so far \d+\.\d\d \(partial\)\)$/);
    // By country: the segments' and the Total's cell customers come with the run's states.
    await change('#ctl-segmentation', 'country');
    const byCountry = await predictedWithRealized();
    expect(byCountry.filter((d) => d.type === 'segment').length).toBeGreaterThan(0);
    expect(expectWhose(byCountry, matrix('days-month-country'))).toBeGreaterThan(0);
    await change('#ctl-segmentation', 'cohort');
  });

  it('draws the projection dashed beside the realized curves, and the Total\'s band', async () => {
    const labels = await page.$$eval('.chart .u-legend .u-series', (trs) => trs.map((tr) => ({ text: tr.textContent ?? '', shown: getComputedStyle(tr).display !== 'none' })));
    const shown = labels.filter((l) => l.shown).map((l) => l.text);
    expect(shown[0]).toBe('Total');
    // Each drawn row has its projection, and the Total its band's two edges: series of the chart, kept
    // out of its key (which lists each row once).
    const hidden = labels.filter((l) => !l.shown).map((l) => l.text);
    expect([...hidden].sort()).toEqual([...shown.map((t) => `${t} (predicted)`), 'Total interval (high)', 'Total interval (low)'].sort());
    expect(await page.textContent('.chart-key')).toContain('Dashed, hollow markers: predicted; shaded: the Total’s interval');
    // Not told apart by colour alone: each drawn row has its own marker shape, its key sample the same
    // shape on a solid line (dashed stays the projections' alone), and the chart drew those shapes.
    const shapes = await page.$$eval('.chart .u-legend .u-series', (trs) => trs.filter((tr) => getComputedStyle(tr).display !== 'none')
      .map((tr) => tr.querySelector<HTMLElement>('.u-marker')?.dataset.shape ?? ''));
    expect(shapes.length).toBe(shown.length);
    expect(shapes.every((x) => x !== '')).toBe(true);
    expect(new Set(shapes).size).toBe(shapes.length);
    expect(await page.getAttribute('.chart', 'data-markers')).toBe(shapes.join(' '));
    expect(await page.$$eval('.chart .u-legend .u-marker.shape svg', (svgs) => svgs.map((svg) => [svg.children.length, svg.firstElementChild?.getAttribute('stroke-dasharray') ?? 'solid']))).toEqual(shapes.map(() => [2, 'solid']));
  });

  it('says so when a selection has no predictions, and shows none', async () => {
    for (const [selector, value, body] of [
      ['#ctl-segmentation', 'country', { segmentation: 'country', period_type: 'days', period_unit: 'month' }],
      ['#ctl-period_type', 'renewals', { segmentation: 'country', period_type: 'renewals', period_unit: 'month' }],
    ] as const) {
      await change(selector, value);
      const request = { filters: { date: dates }, ...body };
      const asked = await api({ ...request, prediction_months: report.forecast!.horizon_months });
      const drawn = await cells(page);
      if (asked.status === 400) {
        // The server predicts nothing for this combination: the page says why, in the server's words.
        const why = asked.json.errors?.find((e) => e.source === 'prediction_months')?.errors[0] ?? '';
        expect(why).not.toBe('');
        expect(await page.textContent('.forecast-note')).toBe(`No predictions for this selection: ${why}.`);
        expect(Object.values(drawn).flat().filter((c) => c.mark === 'predicted' || c.predicted !== null)).toEqual([]);
        const plain = await api(request);
        expect(Object.fromEntries(Object.entries(drawn).map(([t, cs]) => [t, cs.map((c) => c.value)]))).toEqual(Object.fromEntries(plain.json.revenue.data.map((r) => [r.title, r.values.map((v) => v.value)])));
      } else {
        // Once the server predicts it (issue 17 generalises the forecast), the page shows its cells.
        expect(asked.status).toBe(200);
        expectCellsMatch(drawn, asked.json, 'revenue');
      }
    }
  });

  it('asks without prediction_months for a combination the server does not predict, any date range, and says the same', async () => {
    // Days × week: the server predicts nothing for it (a month of life does not divide into weeks): every
    // row's predicted_values empty, and its header says why.
    await change('#ctl-period_unit', 'week');
    await change('#ctl-period_type', 'days');
    const sent: string[] = [];
    const onRequest = (r: { url(): string; postData(): string | null }): void => {
      if (r.url().endsWith('/api/v1/client-api/metrics/ltv/')) sent.push(r.postData() ?? '');
    };
    page.on('request', onRequest);
    try {
      const seg = await page.inputValue('#ctl-segmentation');
      const unpredicted = await api({ filters: { date: dates }, period_type: 'days', period_unit: 'week', ...(seg === 'cohort' ? {} : { segmentation: seg }), prediction_months: report.forecast!.horizon_months });
      expect(unpredicted.status).toBe(200);
      expect(unpredicted.json.revenue.data.every((r) => r.predicted_values?.length === 0)).toBe(true);
      const why = unpredicted.none ?? '';
      expect(why).toMatch(/^prediction_months is answered for period_unit "month", "quarter" or "year", not "week"/);
      const asked = (): (number | null)[] => sent.map((b) => (JSON.parse(b) as { prediction_months?: number }).prediction_months ?? null);
      expect(await page.textContent('.forecast-note')).toBe(`No predictions for this selection: ${why}.`);
      // Another date range of the same combination: the server's reason does not depend on it.
      await redrawn(page, () => page.fill('#ctl-from', '2025-01-15'));
      expect(asked()).toEqual([null]);
      expect(await page.textContent('.forecast-note')).toBe(`No predictions for this selection: ${why}.`);
      // Months: predictions asked for again.
      await change('#ctl-period_unit', 'month');
      expect(asked()).toEqual([null, report.forecast!.horizon_months]);
    } finally {
      page.off('request', onRequest);
    }
  });

  it('predicts the part of a cohort the date range keeps, and says which part is too small to predict', async () => {
    // From 2025-01-15 (the view the test before leaves): January 2025's cohort is cut (its 1st … 14th left
    // out) and keeps 38 of its customers: predicted from them (issue 17: the forecast of the customers a
    // request keeps), as the route answers the same request.
    if (await page.inputValue('#ctl-segmentation') !== 'cohort') await change('#ctl-segmentation', 'cohort');
    if (await page.inputValue('#ctl-from') !== '2025-01-15') await redrawn(page, () => page.fill('#ctl-from', '2025-01-15'));
    const horizon = report.forecast!.horizon_months;
    const whole = (await api({ filters: { date: dates }, period_type: 'days', period_unit: 'month', prediction_months: horizon })).json;
    const cut = (await api({ filters: { date: ['2025-01-15', dates[1]] }, period_type: 'days', period_unit: 'month', prediction_months: horizon })).json;
    const rowOf = (b: Body, title: string): Row & { cohort_size?: number } => b.revenue.data.find((r) => r.title === title)!;
    // The whole range: the run's own Total (its young cohorts, too young for a forecast, are not in it).
    const runTotal = report.forecast!.rows.find((r) => r.type === 'total')!;
    expect(runTotal.customers).toBeLessThan((rowOf(whole, 'Total') as { cohort_size: number }).cohort_size);
    expect(rowOf(whole, 'Total').predicted_values).toEqual(runTotal.cells.map((c) => ({ period: c.period, value: c.revenue, lower: c.lower.revenue, upper: c.upper.revenue })));
    expect((rowOf(cut, '2025-01-01') as { cohort_size: number }).cohort_size).toBe(38);
    expect(rowOf(cut, '2025-01-01').predicted_values!.length).toBeGreaterThan(0);
    expect(rowOf(cut, '2025-01-01').predicted_values).not.toEqual(rowOf(whole, '2025-01-01').predicted_values);
    expect(rowOf(cut, '2025-02-01').predicted_values).toEqual(rowOf(whole, '2025-02-01').predicted_values);
    expect(expectCellsMatch(await cells(page), cut, 'revenue')).toBeGreaterThan(0);
    expect(await page.textContent('.forecast-note')).not.toContain('No prediction for');
    // From 2025-01-25 January keeps 19 customers, fewer than min_cohort_customers (20): none, and the note says so.
    await redrawn(page, () => page.fill('#ctl-from', '2025-01-25'));
    const drawn = await cells(page);
    expect(drawn['2025-01-01']?.filter((c) => c.predicted !== null)).toEqual([]);
    expect(drawn['2025-02-01']?.some((c) => c.mark === 'predicted')).toBe(true);
    const note = (await page.textContent('.forecast-note')) ?? '';
    expect(note).toContain('sBG');
    expect(note.endsWith(' No prediction for 2025-01-01 (19): the selection keeps fewer than 20 of its customers.')).toBe(true);
    expect(note).not.toContain('\n');
    await redrawn(page, () => page.fill('#ctl-from', dates[0]));
    expect(await page.textContent('.forecast-note')).not.toContain('No prediction for');
  });

  it('counts the rows of a grouped view that have no prediction, in one line, rather than naming hundreds', async () => {
    // Day cohorts by month: each day's customers are a part of its month's cohort, most under 20.
    if (await page.inputValue('#ctl-from') !== dates[0]) await redrawn(page, () => page.fill('#ctl-from', dates[0]));
    await change('#ctl-segmentation', 'day');
    const body = (await api({ filters: { date: dates }, period_type: 'days', period_unit: 'month', segmentation: 'day', prediction_months: report.forecast!.horizon_months })).json;
    const rows = body.revenue.data.filter((r) => r.type !== 'total');
    const none = rows.filter((r) => (r.predicted_values?.length ?? 0) === 0).length;
    expect(none).toBeGreaterThan(100);
    const note = (await page.textContent('.forecast-note')) ?? '';
    expect(note.endsWith(` ${none} of ${rows.length} rows have no prediction: fewer than 20 of their customers are in monthly cohorts the forecast predicts or has realized to its horizon.`)).toBe(true);
    expect(note).not.toContain('No prediction for');
    await change('#ctl-segmentation', 'cohort');
  });

  it('says which matrices the run\'s downloads hold when the heatmap shows part of a matrix', async () => {
    // Day cohorts by day: 625 cohorts and the Total, 730 periods; 40,000 cells at most: 63 periods.
    if (await page.inputValue('#ctl-from') !== dates[0]) await redrawn(page, () => page.fill('#ctl-from', dates[0]));
    await change('#ctl-period_unit', 'day');
    const note = await page.$$eval('.heatmap-host p.note', (ps) => ps.map((p) => p.textContent ?? '').find((t) => t.startsWith('Showing ')));
    expect(note).toBe('Showing 626 of 626 rows and 63 of 730 periods; ltv.xlsx, ltv.csv and ltv.json hold other matrices (days-month-cohort, days-week-cohort, renewals-month-cohort, days-month-country, days-month-product, days-month-store), not this one.');
    await change('#ctl-period_unit', 'month');
  });

  it('asks with prediction_months exactly where the server predicts, across every view: no console error, no 400', async () => {
    // Ordinary use, one control at a time (each change one request), over every period type, unit and
    // segmentation. The page must send prediction_months exactly where the server answers it (asked here
    // directly, beside the page: where it predicts nothing its header says why) and draw the predicted cells
    // there; nowhere else a request with prediction_months, a 400 or a console error.
    const H = report.forecast!.horizon_months;
    const sent: { prediction_months?: number }[] = [];
    const onRequest = (r: { url(): string; postData(): string | null }): void => {
      if (r.url().endsWith('/api/v1/client-api/metrics/ltv/')) sent.push(JSON.parse(r.postData() ?? '{}') as { prediction_months?: number });
    };
    if (await page.inputValue('#ctl-from') !== dates[0]) await redrawn(page, () => page.fill('#ctl-from', dates[0]));
    page.on('request', onRequest);
    const predictedViews: string[] = [];
    /** Where the requests of the view shown begin in `sent`. */
    let first = 0;
    const choose = async (selector: string, value: string): Promise<void> => {
      if (await page.inputValue(selector) === value) return;
      first = sent.length;
      await change(selector, value);
    };
    try {
      for (const type of PERIOD_TYPES) {
        await choose('#ctl-period_type', type);
        for (const unit of PERIOD_UNITS) {
          await choose('#ctl-period_unit', unit);
          for (const seg of SEGMENTATIONS) {
            await choose('#ctl-segmentation', seg);
            const view = `${type}-${unit}-${seg}`;
            const asked = await api({ filters: { date: dates }, period_type: type, period_unit: unit, ...(seg === 'cohort' ? {} : { segmentation: seg }), prediction_months: H });
            expect(asked.status, view).toBe(200);
            // One request per view, with prediction_months exactly where the server predicts.
            expect(sent.slice(first).map((b) => b.prediction_months), view).toEqual([asked.none === undefined ? H : undefined]);
            if (asked.none === undefined) {
              predictedViews.push(view);
              expect(expectCellsMatch(await cells(page), asked.json, 'revenue'), view).toBeGreaterThan(0);
            } else {
              expect(asked.json.revenue.data.every((r) => r.predicted_values?.length === 0), view).toBe(true);
              expect(await page.textContent('.forecast-note'), view).toBe(`No predictions for this selection: ${asked.none}.`);
              expect(await page.$$eval('td.cell[data-predicted]', (tds) => tds.length), view).toBe(0);
            }
          }
        }
      }
    } finally {
      page.off('request', onRequest);
    }
    // SPEC §9: days, periods of whole months (month, quarter, year), every kind of row (issue 17: a row that
    // is not a monthly cohort predicts as the Total of its customers).
    expect(predictedViews).toEqual(['month', 'quarter', 'year'].flatMap((unit) => SEGMENTATIONS.map((seg) => `days-${unit}-${seg}`)));
    expect(badRequests).toEqual([]);
    expect(consoleErrors).toEqual([]);
  }, 600_000);

  it('asked nothing of another origin', () => {
    const origin = `http://127.0.0.1:${s.port}/`;
    expect(requests.filter((u) => !u.startsWith(origin) && !u.startsWith('blob:') && !u.startsWith('data:'))).toEqual([]);
  });
});

describe('report.html', () => {
  it('shows the run\'s predicted cells (ltv.json) in the forecast\'s matrix, and says so elsewhere', async () => {
    const p = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await p.goto(`file://${join(fx.reportsDir, EXAMPLE_TENANT, 'latest', 'report.html')}`);
    await p.waitForSelector('.report[data-loaded] table.heatmap');
    const f = report.forecast!;
    const matrix = report.matrices.find((m) => m.id === f.matrix)!;
    // The same comparison as the served page's, against a body built from ltv.json.
    const body = Object.fromEntries((['revenue', 'proceeds', 'net_revenue'] as const).map((acc) => [acc, {
      data: matrix.rows.map((r) => ({
        title: r.title,
        type: r.type,
        values: r.cells.map((c) => ({ period: c.period, value: c[acc] })),
        predicted_values: (f.rows.find((x) => x.title === r.title)?.cells ?? []).map((c) => ({ period: c.period, value: c[acc], lower: c.lower[acc], upper: c.upper[acc] })),
      })),
    }])) as unknown as Body;
    expect(expectCellsMatch(await cells(p), body, 'revenue')).toBeGreaterThan(50);
    // Partial marks are the run's own states where no prediction stands in.
    const all = await cells(p);
    for (const r of matrix.rows) {
      const drawn = all[r.title] ?? [];
      for (const c of r.cells) {
        const d = drawn.find((x) => x.period === c.period);
        if (d?.mark !== 'predicted') expect(d?.mark, `${r.title} ${c.period}`).toBe(c.state);
      }
    }
    expect(await p.textContent('.forecast-note')).toContain('sBG');
    await p.selectOption('#ctl-period_unit', 'week');
    expect(await p.$$eval('td.cell.predicted', (tds) => tds.length)).toBe(0);
    expect(await p.textContent('.forecast-note')).toContain(`No predictions for this selection: the run's forecast predicts ${f.matrix}`);
    await p.close();
  });

  it('says why nothing is predicted when the model is fitted but no cohort qualifies, and marks no cell predicted', async () => {
    // The example's 25 monthly cohorts, each under the 5,000 customers this job asks of a cohort: sBG is
    // fitted (its pooled fit), no cohort is predicted, and the page says why instead of announcing predictions.
    const other = await makeFixture({});
    try {
      const job = await loadJob(fileURLToPath(new URL('../../jobs/example.json', import.meta.url)));
      await runPipeline({ ...job, forecast: { ...job.forecast, min_cohort_customers: 5000 } }, { logger: silentLogger, reportsDir: other.reportsDir });
      const dir = join(other.reportsDir, EXAMPLE_TENANT, 'latest');
      const forecast = JSON.parse(await readFile(join(dir, 'data', 'forecast.json'), 'utf8')) as NonNullable<TenantReport['forecast']>;
      expect(forecast.model).toBe('sbg');
      expect(forecast.rows.filter((r) => r.cells.length > 0)).toEqual([]);
      const p = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await p.goto(`file://${join(dir, 'report.html')}`);
      await p.waitForSelector('.report[data-loaded] table.heatmap');
      expect(await p.textContent('.forecast-note')).toBe('No predicted cell: no cohort has a forecast: 25 cohorts have fewer than 5000 customers.');
      expect(await p.$$eval('td.cell.predicted', (tds) => tds.length)).toBe(0);
      await p.close();
      // The workbook's Forecast sheet says it under the model's line.
      const { default: ExcelJS } = await import('exceljs');
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.readFile(join(dir, 'ltv.xlsx'));
      const firstCells: unknown[] = [];
      wb.getWorksheet('Forecast')!.eachRow((r) => firstCells.push(r.getCell(1).value));
      expect(firstCells[1]).toMatch(/^Model: sBG/);
      expect(firstCells[2]).toBe('No cohort has a forecast: 25 cohorts have fewer than 5000 customers');
    } finally {
      await other.cleanup();
    }
  });
});
