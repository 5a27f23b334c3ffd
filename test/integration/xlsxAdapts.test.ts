// Issue 16: the workbook adapts to the data, marks completeness so that it informs, and prints.
// Everything is read back from the written xlsx.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TenantReport } from '../../src/ltv/model.js';
import { writeXlsx } from '../../src/report/writeXlsx.js';
import { sampleReport } from '../helpers/sampleReport.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ltv-xlsx16-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function roundTrip(report: TenantReport): Promise<ExcelJS.Workbook> {
  const path = join(dir, 'ltv.xlsx');
  await writeXlsx(report, path, { quarantineFile: 'quarantine.csv' });
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(path);
  return wb;
}

function facts(ws: ExcelJS.Worksheet): Map<string, unknown> {
  const out = new Map<string, unknown>();
  ws.eachRow((row) => out.set(String(row.getCell(1).value), row.getCell(2).value));
  return out;
}

/** A shop's export: no renewal numbers, durations, countries, commission or tax (as Online Retail). */
function shopReport(): TenantReport {
  const report = sampleReport();
  report.inputs = [{ path: 'online_retail.csv', format: 'csv', rows: 541909, quarantined: 0,
    columns: { customer_id: 'CustomerID', event_time: 'InvoiceDate', amount: 'TotalPrice', transaction_id: 'InvoiceNo' } }];
  const country = report.matrices.find((m) => m.id === 'days-month-country')!;
  // Without a country column every customer's segment is "unknown".
  country.rows = [country.rows[0]!, { ...country.rows[5]!, customers: 1630 }];
  report.warnings = [{ code: 'stale_as_of', message: 'the newest transaction (2011-12-09) is 15 years before the as-of time (2026-12-02), more than one week: …' }];
  report.newest_transaction_at = '2011-12-09T12:50:00.000Z';
  return report;
}

describe('the workbook adapts to the data (issue 16)', () => {
  it('leaves out the renewals and unknown-only segment sheets, says why, and does not label revenue as proceeds', async () => {
    const wb = await roundTrip(shopReport());
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Summary', 'Monthly cohorts', 'Weekly cohorts', 'Data', 'About']);

    const summary = wb.getWorksheet('Summary')!;
    const s = facts(summary);
    expect(s.has('Proceeds (after store commission)')).toBe(false);
    expect(s.has('Net revenue (after commission, taxes)')).toBe(false);
    expect(s.get('Proceeds, net revenue')).toBe('no commission or tax data: equal to revenue');
    expect(s.get('Not shown as sheets')).toBe('2 matrices without meaning for this data (see About)');
    // The warning stands above the figures, in the row after the subtitle.
    expect(summary.getCell('A3').value).toBe('Warning: the newest transaction (2011-12-09) is 15 years before the as-of time (2026-12-02), more than one week: …');

    const about = facts(wb.getWorksheet('About')!);
    expect(about.get('Stale as-of time')).toContain('15 years before the as-of time');
    expect(about.get('Newest transaction (UTC)')).toBe('2011-12-09T12:50:00.000Z');
    expect(String(about.get('Not shown: Monthly cohorts · renewals'))).toMatch(/^the inputs have no renewal_number or duration column.*matrix renewals-month-cohort\)\.$/);
    expect(about.get('Not shown: By country')).toBe('no input records country: every customer is "unknown". Its cells are in the Data sheet and ltv.csv (matrix days-month-country).');
    expect(about.get('  columns read')).toBe('customer_id ← CustomerID, event_time ← InvoiceDate, amount ← TotalPrice, transaction_id ← InvoiceNo');
    expect(String(about.get('Revenue'))).toContain('equal revenue');
    expect(about.has('Revenue, proceeds, net revenue')).toBe(false);
  });

  it('keeps every sheet when the inputs have the columns (a subscription export)', async () => {
    const report = sampleReport();
    report.inputs = [{ path: 'x.csv', format: 'csv', rows: 10, quarantined: 0,
      columns: { customer_id: 'customer_id', event_time: 'event_time', amount: 'amount', duration: 'duration', country: 'country', commission_percentage: 'commission_percentage' } }];
    const wb = await roundTrip(report);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Summary', 'Monthly cohorts', 'Weekly cohorts', 'Monthly cohorts · renewals', 'By country', 'Data', 'About']);
    expect(facts(wb.getWorksheet('Summary')!).get('Proceeds (after store commission)')).toBe(21843.19);
    expect(facts(wb.getWorksheet('About')!).get('  columns read')).toBe('customer_id, event_time, amount, duration, country, commission_percentage');
  });
});

describe('completeness marks (issue 16)', () => {
  it('marks a Total cell partial only while under 90 % of its customers are complete, and shows each row’s complete share', async () => {
    const report = sampleReport();
    const total = report.matrices[0]!.rows[0]!;
    // customers 1630, 1310, 1020, 760, 520, 240. 1630/1630 = 100 %, 1200/1310 = 91.6 % (final),
    // 900/1020 = 88.2 % (partial), 0 (partial).
    [1630, 1200, 900, 0, 0, 0].forEach((n, k) => (total.cells[k]!.complete_customers = n));
    const wb = await roundTrip(report);
    const ws = wb.getWorksheet('Monthly cohorts')!;
    const italic = [4, 5, 6, 7, 8, 9].map((col) => Boolean(ws.getRow(6).getCell(col).font?.italic));
    expect(italic).toEqual([false, false, true, true, true, true]);
    // Complete (column C): Total (1630 + 1200 + 900) / (1630 + 1310 + 1020 + 760 + 520 + 240) = 3730 / 5480
    // = 68.07 % → 0.68; the Oct 2025 cohort: 4 of 6 periods complete → 0.66 (floored); Mar 2026: 0.
    expect(ws.getCell('C5').value).toBe('Complete');
    expect([6, 7, 12].map((r) => ws.getRow(r).getCell(3).value)).toEqual([0.68, 0.66, 0]);
    expect(ws.getCell('C6').numFmt).toBe('0%');
    // Partial cells: dark grey (5.5:1 on the darkest green), not the old #666666.
    expect(ws.getCell('I7').font?.color?.argb).toBe('FF333333');
  });
});

describe('print setup (issue 16)', () => {
  it('fits every sheet to the page width, repeats the titles of matrix sheets, and keeps the Data sheet off paper', async () => {
    const wb = await roundTrip(sampleReport());
    for (const ws of wb.worksheets) {
      expect(ws.pageSetup, ws.name).toMatchObject({ orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0 });
    }
    const matrixSheet = wb.getWorksheet('Monthly cohorts')!;
    expect(matrixSheet.pageSetup).toMatchObject({ printTitlesRow: '5:5', printTitlesColumn: 'A:C' });
    expect(matrixSheet.headerFooter.oddFooter).toBe('&LMonthly cohorts&RPage &P of &N');
    // Title lines wrap inside the page (merged over the printed columns: A..I, the last period column).
    const merges = (matrixSheet.model as unknown as { merges: string[] }).merges;
    expect(merges).toEqual(expect.arrayContaining(['A1:I1', 'A2:I2', 'A3:I3']));
    expect(matrixSheet.getCell('A3').alignment).toMatchObject({ wrapText: true });
    // The Data sheet prints its header row only: its 18 columns (complete_customers, lower, upper last).
    expect(wb.getWorksheet('Data')!.pageSetup.printArea).toBe('A1:R1');
  });
});

describe('the Forecast sheet on screen and on paper', () => {
  it('prints landscape on A4 one page wide with its titles repeated, and its fan chart sits above the table, not over it', async () => {
    const report = sampleReport();
    const money = (v: number): { revenue: number; proceeds: number; net_revenue: number } => ({ revenue: v, proceeds: v, net_revenue: v });
    const predicted = Array.from({ length: 18 }, (_, j) => ({
      period: 6 + j, state: 'predicted' as const, customers: 1630, ...money(20 + j), lower: money(19 + j), upper: money(21 + j),
    }));
    report.forecast = {
      model: 'sbg', chosen_by: 'auto', reason: 'test', matrix: 'days-month-cohort', horizon_months: 24, interval: 0.8,
      bootstrap: { replicates: 10, requested: 10, seed: 17 }, thresholds: { min_cohort_customers: 20, min_group_customers: 100 },
      fits: [], backtest: null, headline: null,
      rows: [
        { type: 'total', title: 'Total', customers: 1630, fit: null, cells: predicted },
        { type: 'cohort', title: '2026-03-01', customers: 12, fit: null, cells: [], note: 'no forecast: too few customers: 12 < 20' },
      ],
    };
    // A 1 × 1 PNG: shown 540 × 540 px, the tallest a row holds (Excel: 409 pt).
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
    const path = join(dir, 'ltv.xlsx');
    await writeXlsx(report, path, { forecastPng: png });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(path);
    const ws = wb.getWorksheet('Forecast')!;
    // Title, model, interval, backtest, legend, blank, the chart's row: the header is row 8 (A Cohort, B
    // Customers, C..Z Month 0..23).
    expect(ws.getCell('A8').value).toBe('Cohort');
    expect(ws.getCell('Z8').value).toBe('Month 23');
    expect(ws.pageSetup).toMatchObject({ paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0, printTitlesRow: '8:8', printTitlesColumn: 'A:B' });
    expect(ws.headerFooter.oddFooter).toBe('&LForecast&RPage &P of &N');
    // The cohort without a forecast: its note in column AA (after Month 23), which is 48 wide.
    expect(ws.getCell('AA10').value).toBe('no forecast: too few customers: 12 < 20');
    expect(ws.getColumn(27).width).toBe(48);
    // The chart is in row 7 (zero-based 6) from column A, the row as tall as the picture: 540 px = 405 pt.
    const images = ws.getImages();
    expect(images).toHaveLength(1);
    expect(images[0]!.range.tl.nativeCol).toBe(0);
    expect(images[0]!.range.tl.nativeRow).toBe(6);
    expect(ws.getRow(7).height).toBe(405);
    // Every other sheet is on A4 too.
    for (const other of wb.worksheets) expect(other.pageSetup.paperSize, other.name).toBe(9);
  });

  it('writes the backtest by cohort in the currency format and its error as a percentage', async () => {
    const report = sampleReport();
    const money = (v: number): { revenue: number; proceeds: number; net_revenue: number } => ({ revenue: v, proceeds: v, net_revenue: v });
    const predicted = [{ period: 6, state: 'predicted' as const, customers: 1630, ...money(20), lower: money(19), upper: money(21) }];
    // Predicted 14.20 vs realized 14.00: (14.20 − 14.00) / 14.00 = 0.0142857…, 1.4 %; a cohort that
    // realized 0 has no error.
    report.forecast = {
      model: 'sbg', chosen_by: 'auto', reason: 'test', matrix: 'days-month-cohort', horizon_months: 12, interval: 0.8,
      bootstrap: { replicates: 10, requested: 10, seed: 17 }, thresholds: { min_cohort_customers: 20, min_group_customers: 100 },
      fits: [], headline: null, rows: [{ type: 'total', title: 'Total', customers: 1630, fit: null, cells: predicted }],
      backtest: {
        cutoff: '2025-12-16T15:00:00.000Z', holdout_days: 90, model: 'sbg', fits: [], mape: 0.0142857, bias: 0.0142857,
        cohorts: [
          { title: '2025-10-01', customers: 1240, fit: 'pooled', predicted: 14.2, realized: 14, error: (14.2 - 14) / 14 },
          { title: '2025-11-01', customers: 30, fit: 'pooled', predicted: 0.5, realized: 0, error: null },
        ],
      },
    };
    const path = join(dir, 'ltv.xlsx');
    await writeXlsx(report, path);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(path);
    const ws = wb.getWorksheet('Forecast')!;
    let header = 0;
    ws.eachRow((row, n) => { if (row.getCell(1).value === 'Backtest by cohort') header = n; });
    expect(ws.getRow(header).values).toEqual([undefined, 'Backtest by cohort', 'Customers', 'Predicted', 'Realized', 'Error']);
    const [first, second] = [ws.getRow(header + 1), ws.getRow(header + 2)];
    expect(first.getCell(1).value).toBe('2025-10-01');
    expect(first.getCell(2).value).toBe(1240);
    expect(first.getCell(2).numFmt).toBe('#,##0');
    expect(first.getCell(3).value).toBe(14.2);
    expect(first.getCell(4).value).toBe(14);
    // The workbook's euro format (excelMoneyFormat), as on the matrix sheets.
    expect(first.getCell(3).numFmt).toBe('"€"#,##0.00');
    expect(first.getCell(4).numFmt).toBe('"€"#,##0.00');
    expect(first.getCell(5).value).toBeCloseTo(0.0142857, 6);
    expect(first.getCell(5).numFmt).toBe('0.0%');
    expect(second.getCell(5).value).toBeNull();
    expect(second.getCell(3).numFmt).toBe('"€"#,##0.00');
  });
});
