// The workbook's Forecast sheet (SPEC §9): the fan chart (forecast.png), then the monthly cohorts' cumulative
// revenue per customer up to the horizon, realized cells of the cohorts as on the "Monthly cohorts" sheet (partial ones
// italic grey) and predicted cells styled apart (blue italic on a light blue fill), then the predicted cells'
// lower and upper bounds, the model and its fits, and the backtest.
import type ExcelJS from 'exceljs';
import type { TenantReport } from '../ltv/model.js';
import { addStreamingPicture, pictureSize, type Picture } from './addStreamingPicture.js';
import { BASE_FONT } from './baseFont.js';
import { excelMoneyFormat } from './excelMoneyFormat.js';
import { cellText } from '../format/text.js';
import { forecastTrust } from './forecastTrust.js';
import { noForecastSentence } from './noForecastReason.js';
import { PERIODS_PER_PAGE_WIDTH } from './writeMatrixSheet.js';

/** The style of a predicted cell (exported for the tests that read it back). */
export const PREDICTED_FILL = 'FFDDEBF7';
export const PREDICTED_FONT = 'FF1F4E79';

export function writeForecastSheet(workbook: ExcelJS.stream.xlsx.WorkbookWriter, name: string, report: TenantReport, chartPng?: Picture): void {
  const f = report.forecast!;
  const H = f.horizon_months;
  // A fitted model that predicts no cohort says why (each cohort's row below has no predicted cell).
  const none = f.model ? noForecastSentence(f) : null;
  // The fan chart goes above the table, in a row of its own height: at column Q (min(H + 3, 16)) it
  // covered months 14 to 23 of the first twenty rows of a 24-month horizon, and it widened the printout.
  const chart = chartPng ? chartBox(chartPng) : null;
  // The title, model, [why none], interval, backtest and legend lines, a blank row, [the chart], the header.
  const headerRow = (none ? 8 : 7) + (chart ? 1 : 0);
  const hasNotes = f.rows.some((r) => r.note);
  const sheet = workbook.addWorksheet(name, {
    views: [{ state: 'frozen', xSplit: 2, ySplit: 0 }],
    // Printed as the matrix sheets are (README "Printing"): it printed portrait, 11 pages cut after
    // Month 3, the cohort column on the first page only.
    pageSetup: {
      paperSize: 9, orientation: 'landscape', fitToPage: true,
      fitToWidth: Math.max(1, Math.ceil(H / PERIODS_PER_PAGE_WIDTH)), fitToHeight: 0,
      printTitlesRow: `${headerRow}:${headerRow}`, printTitlesColumn: 'A:B',
      margins: { left: 0.4, right: 0.4, top: 0.5, bottom: 0.5, header: 0.3, footer: 0.3 },
    },
    headerFooter: { oddFooter: `&L${name.replaceAll('&', '&&')}&RPage &P of &N` },
  });
  const money = excelMoneyFormat(report.currency);
  // The row notes ("no forecast: too few customers: 3 < 20") get a column wide enough to read.
  sheet.columns = [{ width: 14 }, { width: 11 }, ...Array.from({ length: H }, () => ({ width: 10 })), ...(hasNotes ? [{ width: 48 }] : [])];
  const text = (values: (string | number | null)[], font: Partial<ExcelJS.Font> = {}): void => {
    const r = sheet.addRow(values.map((v) => (typeof v === 'string' ? cellText(v) : v)));
    r.font = { ...BASE_FONT, ...font };
    r.commit();
  };
  text(['Forecast: predicted cumulative revenue per customer, monthly cohorts'], { bold: true, size: 14 });
  // Without a model the reason says "no forecast: …" itself (noForecastSentence capitalises it).
  text([f.model ? `Model: ${f.model === 'sbg' ? 'sBG (shifted-beta-geometric)' : 'BG/NBD + Gamma-Gamma'} (${f.chosen_by}): ${f.reason}` : noForecastSentence(f)]);
  if (none) text([none]);
  // Without replicates (the job's `replicates: 0`) there is no interval: said, and no bound blocks below
  // (they repeated the central values under "Lower bound of the 80 % interval"). The interval's and the
  // backtest's lines are report.html's and the explorer's words (forecastTrust).
  const drawn = f.bootstrap.replicates > 0;
  for (const line of forecastTrust(f)) text([line]);
  text(['Plain: realized, complete · italic grey: realized, partial · blue italic on blue: predicted'], { italic: true, color: { argb: 'FF595959' } });
  text([]);
  if (chart) {
    const r = sheet.addRow([]);
    r.height = chart.height * 0.75; // points
    r.commit();
    addStreamingPicture(workbook, sheet, chartPng!, {
      col: 0, row: r.number - 1, ...chart,
      description: `Fan chart: predicted cumulative revenue per customer of ${report.tenant} with its interval`,
    });
  }
  const header = ['Cohort', 'Customers', ...Array.from({ length: H }, (_, p) => `Month ${p}`)];
  text(header, { bold: true });
  const monthly = report.matrices.find((m) => m.id === 'days-month-cohort');
  const predictedStyle: Partial<ExcelJS.Style> = {
    numFmt: money, font: { ...BASE_FONT, italic: true, color: { argb: PREDICTED_FONT } },
    fill: { type: 'pattern', pattern: 'solid', fgColor: { argb: PREDICTED_FILL } },
  };
  const partialStyle: Partial<ExcelJS.Style> = { numFmt: money, font: { ...BASE_FONT, italic: true, color: { argb: 'FF808080' } } };
  const completeStyle: Partial<ExcelJS.Style> = { numFmt: money, font: { ...BASE_FONT } };
  for (const row of f.rows) {
    // A cohort's realized months are the matrix's. The forecast's Total is not the matrix's Total: it averages
    // the cohorts with a forecast only (its note says so), where the matrix's averages every customer. Its
    // realized months are left blank rather than filled with another population's numbers.
    const realized = row.type === 'total' ? undefined : monthly?.rows.find((r) => r.title === row.title);
    const values: (string | number | null)[] = [row.title, row.customers];
    const styles: (Partial<ExcelJS.Style> | null)[] = [null, null];
    for (let p = 0; p < H; p++) {
      const pc = row.cells.find((c) => c.period === p);
      const rc = realized?.cells.find((c) => c.period === p);
      if (pc) {
        values.push(pc.revenue);
        styles.push(predictedStyle);
      } else if (rc) {
        values.push(rc.revenue);
        styles.push(rc.state === 'complete' ? completeStyle : partialStyle);
      } else {
        values.push(null);
        styles.push(null);
      }
    }
    if (row.note) values.push(row.note);
    const r = sheet.addRow(values.map((v) => (typeof v === 'string' ? cellText(v) : v)));
    r.font = { ...BASE_FONT, ...(row.type === 'total' ? { bold: true } : {}) };
    styles.forEach((s, i) => {
      if (s) r.getCell(i + 1).style = row.type === 'total' ? { ...s, font: { ...s.font, bold: true } } : s;
    });
    r.commit();
  }
  for (const bound of drawn ? (['lower', 'upper'] as const) : []) {
    text([]);
    text([`${bound === 'lower' ? 'Lower' : 'Upper'} bound of the ${Math.round(f.interval * 100)} % interval of the fitted parameters (predicted cells)`], { bold: true });
    for (const row of f.rows) {
      if (row.cells.length === 0) continue;
      const values: (string | number | null)[] = [row.title, row.customers, ...Array.from({ length: H }, (_, p) => row.cells.find((c) => c.period === p)?.[bound].revenue ?? null)];
      const r = sheet.addRow(values.map((v) => (typeof v === 'string' ? cellText(v) : v)));
      r.font = { ...BASE_FONT };
      row.cells.forEach((c) => {
        r.getCell(3 + c.period).style = predictedStyle;
      });
      r.commit();
    }
  }
  text([]);
  text(['Fits'], { bold: true });
  text(['Group', 'Model', 'Customers', 'Converged', 'Log-likelihood', 'Parameters', 'Message'], { bold: true });
  for (const fit of f.fits) {
    text([fit.group, fit.model, fit.customers, fit.converged ? 'yes' : 'no', fit.log_likelihood, Object.entries(fit.params).map(([k, v]) => `${k} ${Number(v.toPrecision(4))}`).join(', '), fit.message]);
  }
  const bt = f.backtest;
  if (bt && bt.cohorts.length) {
    text([]);
    text(['Backtest by cohort', 'Customers', 'Predicted', 'Realized', 'Error'], { bold: true });
    // Money in the report currency and the error a fraction shown as a percentage, as the matrix sheets
    // write them (it was 1.4 meaning 1.4 %, beside General numbers).
    for (const c of bt.cohorts) {
      const r = sheet.addRow([cellText(c.title), c.customers, c.predicted, c.realized, c.error]);
      r.font = { ...BASE_FONT };
      r.getCell(2).numFmt = '#,##0';
      r.getCell(3).numFmt = money;
      r.getCell(4).numFmt = money;
      r.getCell(5).numFmt = '0.0%';
      r.commit();
    }
  }
  sheet.commit();
}

/** 720 px wide, or narrower so that its row stays within Excel's 409 points (545 px). */
function chartBox(png: Picture): { width: number; height: number } {
  const { width, height } = pictureSize(png);
  const w = Math.min(720, Math.floor((540 * width) / height));
  return { width: w, height: Math.round((w * height) / width) };
}
