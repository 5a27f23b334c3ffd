// SPEC §9 through the whole pipeline: the forecast in ltv.json and ltv.csv, checked against the models'
// closed forms computed here from what the fixtures were generated with (not from the run's SQL).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, describe, expect, it } from 'vitest';
import { fitBgNbd } from '../../src/forecast/fitBgNbd.js';
import { fitSbg } from '../../src/forecast/fitSbg.js';
import type { TenantReport } from '../../src/ltv/model.js';
import { PREDICTED_FILL } from '../../src/report/writeForecastSheet.js';
import { parseCsv } from '../helpers/parseCsv.js';
import { httpRequest, type RawResponse } from '../helpers/httpRequest.js';
import { csv, makeFixture, readLatest, runJob, type Fixture } from '../helpers/runFixture.js';
import { startServer } from '../helpers/startServer.js';
import { addMonths, COHORTS, DAY, LIVES, subs, T, type Sub } from '../helpers/subscriptionFixture.js';

const KEY = 'ltv_forecast_test_key_0001';

/** The CDNOW sample's lines as canonical rows: customer, day, amount. */
async function cdnowSampleRows(): Promise<string[][]> {
  const sample = await readFile(new URL('../fixtures/cdnow/CDNOW_sample.txt', import.meta.url), 'utf8');
  return sample.trim().split('\n').map((l) => l.trim().split(/\s+/)).map(([, id, d, , v]) => [id!, `${d!.slice(0, 4)}-${d!.slice(4, 6)}-${d!.slice(6)}`, v!]);
}

// SPEC §4: a row of amount 0 never starts a cohort. By hand from the sample: customers, by local day,
// of positive purchases only up to `endDay`; x = days − 1, t_x and T in weeks from the first day to the last and to `endDay`.
function cdnowSummary(rows: string[][], endDay: string): { days: Map<string, Map<string, number>>; x: number[]; tx: number[]; Tw: number[] } {
  const days = new Map<string, Map<string, number>>();
  for (const [id, d, v] of rows) {
    if (!(Number(v) > 0) || d! > endDay) continue;
    const m = days.get(id!) ?? new Map<string, number>();
    days.set(id!, m);
    m.set(d!, (m.get(d!) ?? 0) + Number(v));
  }
  const end = Date.parse(`${endDay}T00:00:00Z`);
  const x: number[] = [];
  const tx: number[] = [];
  const Tw: number[] = [];
  for (const m of days.values()) {
    const sorted = [...m.keys()].sort();
    const first = Date.parse(`${sorted[0]}T00:00:00Z`);
    x.push(sorted.length - 1);
    tx.push((Date.parse(`${sorted.at(-1)}T00:00:00Z`) - first) / (7 * DAY));
    Tw.push((end - first) / (7 * DAY));
  }
  return { days, x, tx, Tw };
}

const fitOf = ({ x, tx, Tw }: ReturnType<typeof cdnowSummary>) =>
  fitBgNbd({ x: Float64Array.from(x), tx: Float64Array.from(tx), T: Float64Array.from(Tw), n: new Float64Array(x.length).fill(1) });

describe('forecast in a run', () => {
  const fixtures: Fixture[] = [];
  afterAll(async () => {
    for (const f of fixtures) await f.cleanup();
  });

  async function subscriptionRun(horizon = 12, price: (s: Sub) => string = () => '10.00'): Promise<{ report: TenantReport; dir: string; fx: Fixture }> {
    let n = 0;
    const rows = subs.flatMap((s, i) => s.payments.map((t, j) => [`c${i}`, new Date(t).toISOString(), price(s), `t${n++}`, j, 'm', 'Monthly']));
    const fx = await makeFixture({ 'tx.csv': csv('customer_id,event_time,amount,transaction_id,renewal_number,product_id,duration', rows) });
    fixtures.push(fx);
    await runJob(fx, { inputs: [{ path: 'tx.csv' }], formats: ['json', 'csv', 'xlsx'], forecast: { model: 'auto', replicates: 20, horizon_months: horizon } }, new Date(T).toISOString());
    return { ...(await readLatest(fx)), fx };
  }

  it('sBG: picks sBG by the data, fits the pooled churn counts, predicts S(j)/S(r) × value', async () => {
    const { report, dir, fx } = await subscriptionRun();
    const f = report.forecast!;
    expect(f.model).toBe('sbg');
    expect(f.chosen_by).toBe('auto');
    expect(f.reason).toMatch(/renewal numbers or durations/);
    // Churn counts by hand: a customer churned after its last renewal r when renewal r+1 fell due more than
    // a quarter month (7.6 days) before T; otherwise it is still subscribed at r.
    const grace = 0.25 * 30.4375 * DAY;
    const churned: number[] = [];
    const alive: number[] = [];
    const state = subs.map((s) => {
      const r = s.payments.length - 1;
      const gone = addMonths(s.payments[r]!, 1) + grace < T;
      const list = gone ? churned : alive;
      while (list.length <= r) list.push(0);
      list[r]! += 1;
      return { r, gone };
    });
    const expected = fitSbg({ churned, alive });
    const pooled = f.fits.find((x) => x.group === 'pooled')!;
    expect(pooled.converged).toBe(true);
    expect(pooled.params.alpha).toBeCloseTo(expected.alpha, 4);
    expect(pooled.params.beta).toBeCloseTo(expected.beta, 4);
    // 40 customers < min_group_customers (100): every cohort uses the pooled fit, and says so.
    const jan = f.rows.find((r) => r.title === '2026-01-01')!;
    expect(jan.fit).toBe('pooled');
    expect(jan.note).toMatch(/pooled fit: 40 renewing customers < 100/);
    // Jan's last complete month at T: Feb 1 + (k+1) months ≤ Jul 1 ⇔ k ≤ 4; predicted from month 5 to 11.
    expect(jan.cells.map((c) => c.period)).toEqual([5, 6, 7, 8, 9, 10, 11]);
    const { alpha, beta } = pooled.params as { alpha: number; beta: number };
    for (const [ci, cohort] of COHORTS.entries()) {
      const row = f.rows.find((r) => r.title === cohort)!;
      for (const cell of row.cells) {
        let total = 0;
        subs.slice(ci * 40, ci * 40 + 40).forEach((s, k) => {
          const end = addMonths(s.t0, cell.period + 1);
          total += 10 * s.payments.filter((t) => t < end).length;
          const { r, gone } = state[ci * 40 + k]!;
          if (gone) return;
          // S(j)/S(r) by the product recursion, for renewals j > r falling due before the end of the month
          // (one due at the end lies in the next month, as the payments counted above with t < end).
          let ratio = 1;
          for (let j = r + 1; addMonths(s.payments[r]!, j - r) < end; j++) {
            ratio *= (beta + j - 1) / (alpha + beta + j - 1);
            total += 10 * ratio;
          }
        });
        expect(cell.revenue, `${cohort} month ${cell.period}`).toBeCloseTo(total / 40, 2);
        expect(cell.state).toBe('predicted');
        expect(cell.lower.revenue).toBeLessThanOrEqual(cell.revenue);
        expect(cell.upper.revenue).toBeGreaterThanOrEqual(cell.revenue);
      }
    }
    expect(f.bootstrap).toMatchObject({ replicates: 20, requested: 20, seed: 17 });
    // ltv.csv: the same predicted cells, state predicted, with their interval.
    const lines = parseCsv(await readFile(join(dir, 'ltv.csv'), 'utf8'));
    const header = lines[0]!;
    const predicted = lines.slice(1).map((l) => Object.fromEntries(header.map((h, i) => [h, l[i]]))).filter((l) => l.state === 'predicted');
    expect(predicted.length).toBe(f.rows.reduce((s, r) => s + r.cells.length, 0) * 3);
    const first = predicted.find((l) => l.row_title === '2026-01-01' && l.period === '5' && l.accounting_type === 'revenue')!;
    expect(Number(first.value)).toBe(jan.cells[0]!.revenue);
    expect(Number(first.lower)).toBe(jan.cells[0]!.lower.revenue);
    expect(Number(first.upper)).toBe(jan.cells[0]!.upper.revenue);
    // The workbook's Forecast sheet: predicted cells styled apart from realized ones; the fan chart beside it.
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(join(dir, 'ltv.xlsx'));
    const ws = wb.getWorksheet('Forecast')!;
    let janRow: ExcelJS.Row | undefined;
    ws.eachRow((r) => {
      if (!janRow && r.getCell(1).value === '2026-01-01') janRow = r;
    });
    const month = (p: number): ExcelJS.Cell => janRow!.getCell(3 + p);
    expect(month(5).value).toBe(jan.cells[0]!.revenue);
    expect((month(5).fill as ExcelJS.FillPattern).fgColor?.argb).toBe(PREDICTED_FILL);
    expect(month(5).font.italic).toBe(true);
    // Month 4 is realized and complete: the matrix's own value, unstyled.
    const realizedJan = report.matrices.find((m) => m.id === 'days-month-cohort')!.rows.find((r) => r.title === '2026-01-01')!;
    expect(month(4).value).toBe(realizedJan.cells[4]!.revenue);
    expect((month(4).fill as ExcelJS.FillPattern | undefined)?.fgColor?.argb).not.toBe(PREDICTED_FILL);
    expect(month(4).font.italic).toBeFalsy();
    // The Total row: its predicted months only. Its realized months would be the matrix's Total, an average
    // over every customer, where the forecast's Total averages the cohorts with a forecast (it showed those).
    let totalRow: ExcelJS.Row | undefined;
    ws.eachRow((r) => {
      if (!totalRow && r.getCell(1).value === 'Total') totalRow = r;
    });
    const fTotal = f.rows.find((r) => r.type === 'total')!;
    const firstPredicted = Math.min(...fTotal.cells.map((c) => c.period));
    expect(firstPredicted).toBeGreaterThan(0);
    for (let p = 0; p < firstPredicted; p++) expect(totalRow!.getCell(3 + p).value).toBeNull();
    expect(totalRow!.getCell(3 + firstPredicted).value).toBe(fTotal.cells.find((c) => c.period === firstPredicted)!.revenue);
    expect(ws.getImages()).toHaveLength(1);
    // The Data sheet: a predicted row's own cells styled as on the Forecast sheet (only its state column
    // told them apart), a realized row's not; the same rows as ltv.csv.
    const data = wb.getWorksheet('Data')!;
    const col = (name: string): number => header.indexOf(name) + 1;
    let predictedRows = 0;
    data.eachRow((r, n) => {
      if (n === 1) return;
      const isPredicted = r.getCell(col('state')).value === 'predicted';
      if (isPredicted) predictedRows++;
      for (const name of ['period', 'value', 'state']) {
        const c = r.getCell(col(name));
        expect((c.fill as ExcelJS.FillPattern | undefined)?.fgColor?.argb, `row ${n} ${name}`).toBe(isPredicted ? PREDICTED_FILL : undefined);
        expect(Boolean(c.font?.italic), `row ${n} ${name}`).toBe(isPredicted);
      }
    });
    expect(predictedRows).toBe(predicted.length);
    expect((await readFile(join(dir, 'forecast.png'))).subarray(1, 4).toString('latin1')).toBe('PNG');
    // The same run computed again gives the same numbers (seeded bootstrap).
    const again = (await subscriptionRun()).report.forecast!;
    expect(again.rows).toEqual(f.rows);
    expect(again.backtest).toEqual(f.backtest);

    // Adapty's opt-in prediction_months (SPEC §9), from the published run.
    const server = await startServer({ reportsDir: fx.reportsDir, keys: [{ key: KEY, tenants: ['default'] }] });
    try {
      const post = (body: unknown): Promise<RawResponse> =>
        httpRequest(server.port, '/api/v1/client-api/metrics/ltv/', { method: 'POST', headers: { authorization: `Api-Key ${KEY}` }, body: JSON.stringify(body) });
      const plain = await post({ filters: { date: ['2026-01-01', '2026-12-31'] }, period_type: 'days' });
      expect(plain.text).not.toContain('predicted_values');
      const r = await post({ filters: { date: ['2026-01-01', '2026-12-31'] }, period_type: 'days', prediction_months: 9 });
      expect(r.status).toBe(200);
      type Row = { title: string; cohort_size: number; values: { period: number; value: number }[]; predicted_values: { period: number; value: number; lower: number; upper: number }[] };
      const data = (r.json() as { revenue: { data: Row[] }; net_revenue: { data: Row[] } });
      const pick = (title: string) => data.revenue.data.find((x) => x.title === title)!;
      // Jan: its predicted cells with period < 9 (5..8), as in ltv.json.
      expect(pick('2026-01-01').predicted_values).toEqual(jan.cells.filter((c) => c.period < 9).map((c) => ({ period: c.period, value: c.revenue, lower: c.lower.revenue, upper: c.upper.revenue })));
      const total = f.rows.find((x) => x.type === 'total')!;
      expect(pick('Total').predicted_values).toEqual(total.cells.filter((c) => c.period < 9).map((c) => ({ period: c.period, value: c.revenue, lower: c.lower.revenue, upper: c.upper.revenue })));
      expect(data.net_revenue.data[1]!.predicted_values[0]!.value).toBe(jan.cells[0]!.net_revenue);
      // A narrower range: Total = customer-weighted over Jan and Feb (40 each), realized where complete.
      const two = await post({ filters: { date: ['2026-01-01', '2026-02-28'] }, period_type: 'days', prediction_months: 9 });
      const rows = (two.json() as { revenue: { data: Row[] } }).revenue.data;
      const [t, j, fe] = [rows[0]!, rows.find((x) => x.title === '2026-01-01')!, rows.find((x) => x.title === '2026-02-01')!];
      // Feb is predicted from month 4, Jan from month 5: at month 4, Jan's realized (complete) value.
      const janAt4 = j.values.find((v) => v.period === 4)!.value;
      const feb4 = fe.predicted_values.find((v) => v.period === 4)!;
      expect(t.predicted_values[0]).toEqual({ period: 4, value: Math.round(((janAt4 + feb4.value) / 2) * 100) / 100, lower: Math.round(((janAt4 + feb4.lower) / 2) * 100) / 100, upper: Math.round(((janAt4 + feb4.upper) / 2) * 100) / 100 });
      // Periods of whole quarters or years over monthly cohorts: period p's value is the cell of its last
      // month of life, (p + 1)·3 − 1 or (p + 1)·12 − 1. Jan is predicted at months 5..11: quarters 1, 2, 3, year 0.
      const janAt = (m: number) => { const c = jan.cells.find((x) => x.period === m)!; return { value: c.revenue, lower: c.lower.revenue, upper: c.upper.revenue }; };
      const quarters = await post({ filters: { date: ['2026-01-01', '2026-12-31'] }, period_type: 'days', period_unit: 'quarter', segmentation: 'month', prediction_months: 12 });
      expect(quarters.status).toBe(200);
      const qJan = (quarters.json() as { revenue: { data: Row[] } }).revenue.data.find((x) => x.title === '2026-01-01')!;
      expect(qJan.predicted_values).toEqual([1, 2, 3].map((p) => ({ period: p, ...janAt(p * 3 + 2) })));
      const years = await post({ filters: { date: ['2026-01-01', '2026-12-31'] }, period_type: 'days', period_unit: 'year', segmentation: 'month', prediction_months: 12 });
      const yRows = (years.json() as { revenue: { data: Row[] } }).revenue.data;
      expect(yRows.find((x) => x.title === '2026-01-01')!.predicted_values).toEqual([{ period: 0, ...janAt(11) }]);
      expect(yRows.find((x) => x.title === 'Total')!.predicted_values).toEqual(total.cells.filter((c) => c.period === 11).map((c) => ({ period: 0, value: c.revenue, lower: c.lower.revenue, upper: c.upper.revenue })));
      // prediction_months 11 leaves out month 11, so no year ends before it.
      const short = await post({ filters: { date: ['2026-01-01', '2026-12-31'] }, period_type: 'days', period_unit: 'year', segmentation: 'month', prediction_months: 11 });
      expect((short.json() as { revenue: { data: Row[] } }).revenue.data.find((x) => x.title === '2026-01-01')!.predicted_values).toEqual([]);
      // Periods the forecast does not predict (renewals, Adapty's default; days and weeks): the answer as without
      // prediction_months, every row with its predicted_values empty, and a header saying why (it was a 400,
      // so a default body asking for predictions got no answer at all). csv is refused: it has no place for them.
      const unpredicted: [Record<string, unknown>, RegExp][] = [
        [{}, /^prediction_months is answered for period_type "days" only: the forecast predicts months of life, not renewals$/],
        [{ period_type: 'renewals', period_unit: 'quarter' }, /^prediction_months is answered for period_type "days" only/],
        [{ period_type: 'days', period_unit: 'week', segmentation: 'month' }, /^prediction_months is answered for period_unit "month", "quarter" or "year", not "week"/],
        [{ period_type: 'days', period_unit: 'day' }, /not "day": a forecast month of life does not divide into days$/],
      ];
      type Answer = Record<string, { data: Record<string, unknown>[] }>;
      for (const [body, note] of unpredicted) {
        const asked = { filters: { date: ['2026-01-01', '2026-12-31'] }, ...body };
        const [res, plain] = await Promise.all([post({ ...asked, prediction_months: 9 }), post(asked)]);
        expect([res.status, plain.status], JSON.stringify(body)).toEqual([200, 200]);
        expect(res.headers['x-ltv-prediction-note']).toMatch(note);
        const expected = plain.json() as Answer;
        for (const type of Object.keys(expected)) for (const row of expected[type]!.data) row.predicted_values = [];
        expect(res.json()).toEqual(expected);
      }
      const csvAsked = await post({ filters: { date: ['2026-01-01', '2026-12-31'] }, format: 'csv', prediction_months: 9 });
      expect(csvAsked.status).toBe(400);
    } finally {
      await server.stop();
    }
  }, 180_000);

  it('prediction_months over a narrower range: a fully realized cohort counts in the Total at its complete value, as in the run\'s own Total', async () => {
    // Horizon 5 (months 0..4): Jan's months up to 4 are complete at T (no forecast: fully realized), Feb is
    // predicted at month 4. The run's Total at month 4 averages both (40 customers each); so must a request
    // for Jan..Feb. It averaged Feb's alone, over a row whose cohort_size counted Jan too. Jan's customers
    // pay 25.00 a month, the others 10.00, so that the two differ.
    const { report, fx } = await subscriptionRun(5, (s) => (s.t0 < Date.parse('2026-02-01T00:00:00Z') ? '25.00' : '10.00'));
    const f = report.forecast!;
    const janRow = f.rows.find((r) => r.title === '2026-01-01')!;
    expect(janRow.cells).toEqual([]);
    expect(janRow.note).toMatch(/fully realized/);
    const server = await startServer({ reportsDir: fx.reportsDir, keys: [{ key: KEY, tenants: ['default'] }] });
    try {
      type Row = { title: string; cohort_size: number; values: { period: number; value: number }[]; predicted_values: { period: number; value: number; lower: number; upper: number }[] };
      const r = await httpRequest(server.port, '/api/v1/client-api/metrics/ltv/', {
        method: 'POST', headers: { authorization: `Api-Key ${KEY}` },
        body: JSON.stringify({ filters: { date: ['2026-01-01', '2026-02-28'] }, period_type: 'days', prediction_months: 5 }),
      });
      expect(r.status).toBe(200);
      const rows = (r.json() as { revenue: { data: Row[] } }).revenue.data;
      const [t, j, fe] = [rows[0]!, rows.find((x) => x.title === '2026-01-01')!, rows.find((x) => x.title === '2026-02-01')!];
      expect([t.cohort_size, j.cohort_size, fe.cohort_size]).toEqual([80, 40, 40]);
      expect(j.predicted_values).toEqual([]);
      const janAt4 = j.values.find((v) => v.period === 4)!.value;
      const feb4 = fe.predicted_values.find((v) => v.period === 4)!;
      expect(janAt4).toBeGreaterThan(feb4.upper);
      const avg = (a: number, b: number): number => Math.round(((a + b) / 2) * 100) / 100;
      expect(t.predicted_values).toEqual([{ period: 4, value: avg(janAt4, feb4.value), lower: avg(janAt4, feb4.lower), upper: avg(janAt4, feb4.upper) }]);
    } finally {
      await server.stop();
    }
  }, 180_000);

  it('sBG: a renewal is worth its duration\'s payment net of the tenant\'s refunds, a duration never renewed yet its first payment', async () => {
    // Jan 2026: the 40 monthly customers above (10.00, lives [0, 1, 2, 3, ∞][k % 5]) and 20 annual ones who
    // paid 120.00 on Jan 1 (renewal 0, the next due Jan 2027: none renewed yet). Refunds, linked: 10.00 of
    // the first payment of monthly customers 0, 5, 10, 15 and 60.00 of annual customer 0's. src/forecast/README.md:
    // v = the duration's mean renewal payment (else its mean first payment) × the tenant's refund ratio.
    const t0 = Date.parse('2026-01-01T10:00:00Z');
    const rows: (string | number)[][] = [];
    const state: { last: number; r: number; months: number; value: number; alive: boolean }[] = [];
    let paid = 0;
    for (let k = 0; k < 40; k++) {
      const lives = LIVES[k % 5]!;
      let r = -1;
      for (let j = 0; j <= lives && addMonths(t0, j) <= T; j++) {
        rows.push([`m${k}`, new Date(addMonths(t0, j)).toISOString(), '10.00', `m${k}-${j}`, j, '', 'Monthly']);
        paid += 10;
        r = j;
      }
      const last = addMonths(t0, r);
      state.push({ last, r, months: 1, value: 10, alive: !(addMonths(last, 1) + 0.25 * 30.4375 * DAY < T) });
    }
    for (let k = 0; k < 20; k++) {
      rows.push([`a${k}`, new Date(t0).toISOString(), '120.00', `a${k}-0`, 0, '', 'Annual']);
      paid += 120;
      state.push({ last: t0, r: 0, months: 12, value: 120, alive: true });
    }
    for (const k of [0, 5, 10, 15]) rows.push([`m${k}`, '2026-01-05T10:00:00Z', '-10.00', `rm${k}`, '', `m${k}-0`, '']);
    rows.push(['a0', '2026-01-05T10:00:00Z', '-60.00', 'ra0', '', 'a0-0', '']);
    const refunded = 4 * 10 + 60;
    // 128 monthly payments (1,280.00) and 2,400.00 annual ones: 3,680.00 paid, 3,580.00 kept.
    expect(paid).toBe(3680);
    const ratio = (paid - refunded) / paid;
    const fx = await makeFixture({ 'tx.csv': csv('customer_id,event_time,amount,transaction_id,renewal_number,refund_of,duration', rows) });
    fixtures.push(fx);
    await runJob(fx, { inputs: [{ path: 'tx.csv' }], formats: ['json', 'xlsx'], forecast: { model: 'sbg', replicates: 0, horizon_months: 24 } }, new Date(T).toISOString());
    const latest = await readLatest(fx);
    const f = latest.report.forecast!;
    // No replicates, no interval: said so, not an "80 %" interval as wide as nothing (the Forecast sheet
    // repeated the central values under "Lower bound of the 80 % interval").
    const noInterval = 'no interval: the job sets replicates 0, so lower and upper are the central value';
    expect(f.bootstrap).toEqual({ replicates: 0, requested: 0, seed: 17, note: noInterval });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(join(latest.dir, 'ltv.xlsx'));
    const first: string[] = [];
    wb.getWorksheet('Forecast')!.eachRow((row) => first.push(String(row.getCell(1).value ?? '')));
    expect(first).toContain(`Interval: none (${noInterval}).`);
    expect(first.filter((t) => /bound of the/.test(t))).toEqual([]);
    // Nor do the charts name a band, nor the explorer's brief an interval.
    const texts = (svg: string): string[] => [...svg.matchAll(/<text [^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);
    const { chartSvg } = await import('../../src/report/renderChart.js');
    const { forecastChartSvg } = await import('../../src/report/renderForecastChart.js');
    const { forecastBrief } = await import('../../src/explorer/explorerApi.js');
    const report = latest.report as unknown as Parameters<typeof chartSvg>[0];
    expect(texts(chartSvg(report))).toContain('no interval (replicates 0)');
    expect(texts(chartSvg(report)).join(' ')).not.toMatch(/% interval/);
    expect(texts(forecastChartSvg(report)).join(' ')).toMatch(/· dashed = predicted · no interval \(replicates 0\) · /);
    expect(forecastBrief(f).interval).toBeNull();
    const { alpha, beta } = f.fits.find((x) => x.group === 'pooled')!.params as { alpha: number; beta: number };
    const jan = f.rows.find((r) => r.title === '2026-01-01')!;
    expect(jan.customers).toBe(60);
    expect(jan.cells.map((c) => c.period)).toEqual(Array.from({ length: 19 }, (_, k) => 5 + k));
    for (const cell of jan.cells) {
      // Everything was paid (and refunded) by month 5; after T, renewals falling due before the month's
      // end (one due at the end, t0 + period + 1 months, lies in the next month).
      const end = addMonths(t0, cell.period + 1);
      let total = paid - refunded;
      for (const s of state.filter((x) => x.alive)) {
        let survival = 1;
        for (let k = 1; addMonths(s.last, k * s.months) < end; k++) {
          survival *= (beta + s.r + k - 1) / (alpha + beta + s.r + k - 1);
          total += s.value * ratio * survival;
        }
      }
      expect(cell.revenue, `month ${cell.period}`).toBeCloseTo(total / 60, 2);
    }
  }, 120_000);

  it('backtest (sBG): a renewal due exactly at T counts in the prediction, as its payment at T counts in the realized', async () => {
    // Date-only monthly subscriptions starting Jan, Feb, Mar 2025, 40 customers each: a fifth stop after 1,
    // 2, 3, 4 payments and a fifth never does; T = 2025-09-01 00:00, C = 2025-07-03. The pooled fit is
    // geometric, θ = 0.25 (alpha, beta → ∞). January by hand: realized at T 8·(1+2+3+4+9)·10/40 = 38; by C
    // 8·17·10/40 = 34, and the 8 who never stop (r = 6) renew Aug 1 (S 0.75) and Sep 1 = T (0.5625):
    // 34 + 8·10·1.3125/40 = 36.625. Before, the renewal due at T was left out: 35.50 against 38.
    // February likewise 32 + 2.625 = 34.625 against 36; March's 3-payment stoppers (last Jun 1) are still
    // within their grace at C and renew Jul 1, Aug 1 and Sep 1 with the never-stoppers: 30 + 2.625 + 3.46875.
    const L = [0, 1, 2, 3, 99];
    const rows: (string | number)[][] = [];
    for (const c of [1, 2, 3]) {
      for (let k = 0; k < 40; k++) {
        for (let j = 0; j <= L[k % 5]! && c + j <= 9; j++) rows.push([`m${c}-${k}`, `2025-0${c + j}-01`, '10.00', j, 'Monthly']);
      }
    }
    const fx = await makeFixture({ 'tx.csv': csv('customer_id,event_time,amount,renewal_number,duration', rows) });
    fixtures.push(fx);
    await runJob(fx, { inputs: [{ path: 'tx.csv' }], formats: ['json'], forecast: { model: 'sbg', replicates: 0, min_group_customers: 1000 } }, '2025-09-01T00:00:00Z');
    const bt = (await readLatest(fx)).report.forecast!.backtest!;
    expect(bt.cutoff).toBe('2025-07-03T00:00:00.000Z');
    // Each from the pooled refit (no group reaches 1,000 customers), and says so as a forecast row does.
    expect(bt.cohorts.map((c) => [c.title, c.customers, c.fit, c.predicted, c.realized])).toEqual([
      ['2025-01-01', 40, 'pooled', 36.63, 38], ['2025-02-01', 40, 'pooled', 34.63, 36], ['2025-03-01', 40, 'pooled', 36.09, 34],
    ]);
  }, 120_000);

  it('backtest: says why it has no error when every payment was refunded', async () => {
    // The subscriptions above, each payment refunded (linked) four days later: every cohort realized 0 by
    // T, and (predicted − realized)/realized is undefined for all three, so MAPE and bias are null; the
    // note says why instead of leaving a bare null.
    let n = 0;
    const rows = subs.flatMap((s, i) => s.payments.flatMap((t, j) => {
      const id = `t${n++}`;
      return [[`c${i}`, new Date(t).toISOString(), '10.00', id, j, '', 'Monthly'], [`c${i}`, new Date(t + 4 * DAY).toISOString(), '-10.00', `r${id}`, '', id, '']];
    }).filter((r) => Date.parse(String(r[1])) <= T));
    const fx = await makeFixture({ 'tx.csv': csv('customer_id,event_time,amount,transaction_id,renewal_number,refund_of,duration', rows) });
    fixtures.push(fx);
    await runJob(fx, { inputs: [{ path: 'tx.csv' }], formats: ['json'], forecast: { model: 'sbg', replicates: 0, horizon_months: 12 } }, new Date(T).toISOString());
    const bt = (await readLatest(fx)).report.forecast!.backtest!;
    expect(bt.cohorts).toEqual(COHORTS.map((title) => ({ title, customers: 40, fit: 'pooled', predicted: 0, realized: 0, error: null })));
    expect(bt.mape).toBeNull();
    expect(bt.bias).toBeNull();
    expect(bt.note).toBe('3 of 3 cohort(s) realized no revenue by the as-of time, so no relative error');
  }, 120_000);

  it('backtest: a refund made after the cutoff is not in the data up to it, even when it takes back a payment made before', async () => {
    // The subscriptions above, and January's first customer's first payment (Jan 1) refunded in full on Jun 20,
    // after C (T − the newest quarter of the history, mid-May): at C that refund did not exist yet, so the
    // refit at C sees the same data as without it, and predicts the same for every cohort; only what January
    // realized by T is 10.00 / 40 = 0.25 lower. (Counted at its payment's time, Jan 1 ≤ C, it was in.)
    const rowsOf = (refund: boolean): (string | number)[][] => {
      let n = 0;
      const rows: (string | number)[][] = subs.flatMap((x, i) => x.payments.map((t, j) => [`c${i}`, new Date(t).toISOString(), '10.00', `t${n++}`, j, '', 'Monthly']));
      if (refund) rows.push(['c0', '2026-06-20T00:00:00.000Z', '-10.00', 'r0', '', 't0', '']);
      return rows;
    };
    const backtestOf = async (refund: boolean) => {
      const fx = await makeFixture({ 'tx.csv': csv('customer_id,event_time,amount,transaction_id,renewal_number,refund_of,duration', rowsOf(refund)) });
      fixtures.push(fx);
      await runJob(fx, { inputs: [{ path: 'tx.csv' }], formats: ['json'], forecast: { model: 'sbg', replicates: 0, horizon_months: 12 } }, new Date(T).toISOString());
      return (await readLatest(fx)).report.forecast!.backtest!;
    };
    const [without, withRefund] = [await backtestOf(false), await backtestOf(true)];
    expect(Date.parse(withRefund.cutoff)).toBeLessThan(Date.parse('2026-06-20T00:00:00Z'));
    expect(withRefund.fits).toEqual(without.fits);
    expect(withRefund.cohorts.map((c) => c.predicted)).toEqual(without.cohorts.map((c) => c.predicted));
    expect(withRefund.cohorts.map((c) => c.realized)).toEqual(without.cohorts.map((c, i) => (i === 0 ? Math.round((c.realized - 0.25) * 100) / 100 : c.realized)));
  }, 120_000);

  it('backtest: a cohort whose refunds exceed its payments has a negative error where the prediction is too low', async () => {
    // The subscriptions above, and each customer refunded 200.00 (refers to nothing: counted the day after its
    // first payment): every cohort's revenue is negative. The refund ratio is then 0, so a renewal is worth
    // nothing and the backtest predicts at T what each cohort had by C: it misses the renewals paid between
    // C and T, a prediction too low, so a negative error: (predicted − realized)/|realized|.
    let n = 0;
    const rows = subs.flatMap((s, i) => [
      ...s.payments.map((t, j) => [`c${i}`, new Date(t).toISOString(), '10.00', `t${n++}`, j, 'Monthly']),
      [`c${i}`, new Date(s.t0 + DAY).toISOString(), '-200.00', `r${i}`, '', ''],
    ]);
    const fx = await makeFixture({ 'tx.csv': csv('customer_id,event_time,amount,transaction_id,renewal_number,duration', rows) });
    fixtures.push(fx);
    await runJob(fx, { inputs: [{ path: 'tx.csv' }], formats: ['json'], forecast: { model: 'sbg', replicates: 0, horizon_months: 12 } }, new Date(T).toISOString());
    const bt = (await readLatest(fx)).report.forecast!.backtest!;
    const C = Date.parse(bt.cutoff);
    const paidBy = (ci: number, t: number): number => subs.slice(ci * 40, ci * 40 + 40).reduce((s, x) => s + 10 * x.payments.filter((p) => p <= t).length, 0);
    expect(bt.cohorts.map((c) => c.title)).toEqual(COHORTS);
    let weighted = 0;
    COHORTS.forEach((_, ci) => {
      const predicted = (paidBy(ci, C) - 40 * 200) / 40;
      const realized = (paidBy(ci, T) - 40 * 200) / 40;
      expect(realized).toBeLessThan(0);
      expect(predicted).toBeLessThan(realized);
      const c = bt.cohorts[ci]!;
      expect(c.predicted).toBeCloseTo(predicted, 2);
      expect(c.realized).toBeCloseTo(realized, 2);
      expect(c.error).toBeCloseTo((predicted - realized) / Math.abs(realized), 9);
      expect(c.error).toBeLessThan(0);
      weighted += c.error!;
    });
    expect(bt.bias).toBeCloseTo(weighted / 3, 9);
    expect(bt.mape).toBeCloseTo(-weighted / 3, 9);
  }, 120_000);

  it('a shop where everybody bought once: no forecast, and the Forecast sheet says why once, in one line', async () => {
    // 3 monthly cohorts × 30 customers, one purchase each: BG/NBD has no repeat purchase to fit.
    const rows = COHORTS.flatMap((c, ci) => Array.from({ length: 30 }, (_, k) => [`b${ci}-${k}`, `${c.slice(0, 8)}${String(1 + (k % 28)).padStart(2, '0')}T12:00:00Z`, '25.00']));
    const fx = await makeFixture({ 'tx.csv': csv('customer_id,event_time,amount', rows) });
    fixtures.push(fx);
    await runJob(fx, { inputs: [{ path: 'tx.csv' }], formats: ['json', 'xlsx'], forecast: { replicates: 0 } }, new Date(T).toISOString());
    const { report, dir } = await readLatest(fx);
    const reason = 'no forecast: the BG/NBD fit did not converge: no customer has bought twice: purchase rates cannot be estimated';
    expect(report.forecast!.model).toBeNull();
    expect(report.forecast!.reason).toBe(reason);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(join(dir, 'ltv.xlsx'));
    const ws = wb.getWorksheet('Forecast')!;
    expect(ws.getRow(2).getCell(1).value).toBe('No forecast: the BG/NBD fit did not converge: no customer has bought twice: purchase rates cannot be estimated');
    expect(ws.getRow(4).getCell(1).value).toBe('Backtest: none.');
  }, 120_000);

  it('a tenant with no customer (only payments of 0): no forecast, saying so rather than that a fit did not converge', async () => {
    const rows = Array.from({ length: 5 }, (_, k) => [`z${k}`, `2026-01-${String(10 + k)}T10:00:00Z`, '0']);
    const fx = await makeFixture({ 'tx.csv': csv('customer_id,event_time,amount', rows) });
    fixtures.push(fx);
    await runJob(fx, { inputs: [{ path: 'tx.csv' }], formats: ['json'], forecast: { model: 'auto', replicates: 0 } }, new Date(T).toISOString());
    const f = (await readLatest(fx)).report.forecast!;
    expect(f.model).toBeNull();
    expect(f.reason).toBe('no forecast: the tenant has no customer yet (no payment above 0 up to the as-of time)');
    expect(f.rows.filter((r) => r.type === 'cohort')).toEqual([]);
  }, 120_000);

  it('BG/NBD: the CDNOW 1/10 sample through the pipeline fits what its positive purchases say, close to the published fit', async () => {
    // CDNOW_sample.txt → canonical csv; T = 1997-09-30 00:00 (the calibration's end, as in the paper's T).
    const rows = await cdnowSampleRows();
    const fx = await makeFixture({ 'cdnow.csv': csv('customer_id,event_time,amount', rows) });
    fixtures.push(fx);
    await runJob(fx, { inputs: [{ path: 'cdnow.csv' }], formats: ['json'], forecast: { model: 'auto', replicates: 3 } }, '1997-09-30T00:00:00Z');
    const f = (await readLatest(fx)).report.forecast!;
    expect(f.model).toBe('bgnbd');
    expect(f.reason).toMatch(/repeat purchases/);
    const summary = (endDay: string) => cdnowSummary(rows, endDay);
    const { days, x } = summary('1997-09-30');
    const byHand = fitOf(summary('1997-09-30'));
    const bg = f.fits.find((v) => v.model === 'bgnbd')!;
    expect(bg.customers).toBe(days.size);
    expect(bg.converged).toBe(true);
    for (const k of ['r', 'alpha', 'a', 'b'] as const) expect(bg.params[k]).toBeCloseTo(byHand[k], 4);
    // A handful of the paper's 2,357 customers only ever paid 0 (no cohort here), so the fit is close to the
    // published r 0.243, α 4.414, a 0.793, b 2.426 but not identical (test/unit/forecastModels.test.ts has the exact one).
    expect(2357 - days.size).toBeLessThan(10);
    expect(bg.params.r).toBeCloseTo(0.243, 1);
    expect(bg.params.a).toBeCloseTo(0.793, 1);
    const gg = f.fits.find((v) => v.model === 'gamma-gamma')!;
    expect(gg.converged).toBe(true);
    expect(gg.customers).toBe(x.filter((v) => v > 0).length);
    expect(f.bootstrap.replicates).toBe(3);
    // The backtest publishes its refit: the same fit of the customers who had started by C, their histories to C.
    const bt = f.backtest!;
    expect(bt.cutoff).toMatch(/^1997-\d\d-\d\dT00:00:00\.000Z$/);
    const atC = summary(bt.cutoff.slice(0, 10));
    const refit = fitOf(atC);
    const btBg = bt.fits.find((v) => v.model === 'bgnbd')!;
    expect([btBg.converged, btBg.customers]).toEqual([true, atC.days.size]);
    for (const k of ['r', 'alpha', 'a', 'b'] as const) expect(btBg.params[k]).toBeCloseTo(refit[k], 4);
    expect(btBg.params.r).not.toBeCloseTo(bg.params.r!, 3);
    expect(bt.fits.find((v) => v.model === 'gamma-gamma')!.customers).toBe(atC.x.filter((v) => v > 0).length);
  }, 120_000);

  it('auto chooses per tenant by the data: a web shop with empty renewal_number and duration columns is BG/NBD, a subscription tenant beside it sBG', async () => {
    // A warehouse export's empty columns said "subscriptions" for every tenant of the run (sBG fitted CDNOW).
    const shop = (await cdnowSampleRows()).map(([id, d, v]) => ['shop', id!, d!, v!, '', '']);
    // Subscriptions of 1997: 3 monthly cohorts × 40 customers, customer k renewing L = [0, 1, 2, 3, ∞][k % 5] times.
    const T97 = Date.parse('1997-09-30T00:00:00Z');
    const subs = ['1997-03-01', '1997-04-01', '1997-05-01'].flatMap((c) => Array.from({ length: 40 }, (_, k) => {
      const out: string[][] = [];
      for (let j = 0; j <= LIVES[k % 5]! && addMonths(Date.parse(`${c}T10:00:00Z`), j) <= T97; j++) {
        out.push(['subs', `s${c}-${k}`, new Date(addMonths(Date.parse(`${c}T10:00:00Z`), j)).toISOString(), '10.00', String(j), 'Monthly']);
      }
      return out;
    }).flat());
    const fx = await makeFixture({ 'mixed.csv': csv('tenant_id,customer_id,event_time,amount,renewal_number,duration', [...shop, ...subs]) });
    fixtures.push(fx);
    await runJob(fx, { inputs: [{ path: 'mixed.csv' }], formats: ['json'], forecast: { model: 'auto', replicates: 0 } }, '1997-09-30T00:00:00Z');
    const f = (await readLatest(fx, 'shop')).report.forecast!;
    expect([f.model, f.chosen_by]).toEqual(['bgnbd', 'auto']);
    expect(f.reason).toBe("the tenant's payments carry neither renewal numbers nor durations: repeat purchases, so BG/NBD (purchases) × Gamma-Gamma (their value)");
    const byHand = fitOf(cdnowSummary(shop.map((r) => r.slice(1, 4)), '1997-09-30'));
    const bg = f.fits.find((v) => v.model === 'bgnbd')!;
    for (const k of ['r', 'alpha', 'a', 'b'] as const) expect(bg.params[k]).toBeCloseTo(byHand[k], 4);
    const g = (await readLatest(fx, 'subs')).report.forecast!;
    expect([g.model, g.chosen_by]).toEqual(['sbg', 'auto']);
    expect(g.reason).toMatch(/^the tenant's payments carry renewal numbers or durations: subscriptions, so sBG/);
  }, 120_000);

  it('BG/NBD: the same CDNOW run gives the same forecast to the last digit, however DuckDB\'s threads add up', async () => {
    // SPEC §9 "the same run gives the same numbers". Money summed as DOUBLE came out in whatever order the
    // threads added it (about one CDNOW run in 7 on four idle threads had other Gamma-Gamma parameters and
    // backtest errors in their last digits); summed exactly, every run agrees. One thread against four:
    // one thread adds the rows in a single sequence, four add partial sums over their own share of the rows
    // and then combine them, so a DOUBLE sum differs between the two in every run, not one in 7 (checked
    // with the DOUBLE sums put back: both one-thread runs differed from all ten multi-threaded ones),
    // and two runs do what six runs on four threads did by chance. Four threads even on fewer cores: what
    // matters is how the rows are split between them. No replicates: the main fits and the backtest carry it.
    const fx = await makeFixture({});
    fixtures.push(fx);
    const job = (threads: number) => ({
      inputs: [{ path: new URL('../fixtures/datasets/CDNOW_master.txt', import.meta.url).pathname, map: { amount: 'dollar_value', event_time: 'date' } }],
      formats: ['json' as const], duckdb: { threads }, forecast: { model: 'auto' as const, replicates: 0, holdout_days: 273 },
    });
    const runs: string[] = [];
    for (const threads of [1, 4]) {
      await runJob(fx, job(threads), '1998-07-01T00:00:00Z');
      const f = (await readLatest(fx)).report.forecast!;
      expect(f.model).toBe('bgnbd');
      expect(f.fits.find((x) => x.model === 'gamma-gamma')!.converged).toBe(true);
      runs.push(JSON.stringify(f));
    }
    expect(runs[1], 'four threads').toBe(runs[0]);
  }, 240_000);
});
