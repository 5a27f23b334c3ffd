// One matrix as a heatmap sheet (SPEC §5 xlsx): rows are the Total row then the cohorts (or segments),
// columns are periods, cells the cumulative revenue per customer. Proceeds and net revenue are in the
// Data sheet: three side-by-side heatmaps would triple a sheet a finance lead reads for one number.
// Rows are committed as they are written, so a 730 × 730 daily matrix stays in bounded memory.
import type ExcelJS from 'exceljs';
import { SEGMENT_COLUMNS, type Matrix, type TenantReport } from '../ltv/model.js';
import { columnLetter } from './columnLetter.js';
import { currencySymbol } from '../format/money.js';
import { excelMoneyFormat } from './excelMoneyFormat.js';
import { cellText } from '../format/text.js';
import { periodAxisTitle, periodLabel } from '../format/labels.js';
import { ROWS_PER_WAIT, waitForZip } from './waitForZip.js';
import { BASE_FONT } from './baseFont.js';
import { EXCEL_MAX_ROW_HEIGHT, titleTenant } from './factRows.js';
import { MOSTLY_COMPLETE, isMarkedPartial, rowCompleteShare } from './completeness.js';
import { EXCEL_DATE_FORMAT, excelDateSerial } from './excelDate.js';

/** Layout shared with the tests: where the header row and the first (Total) row are. */
export const MATRIX_HEADER_ROW = 5;
/** Columns: the row title, its customers, how much of it is complete, then the periods. */
export const MATRIX_COMPLETE_COL = 3;
export const MATRIX_FIRST_PERIOD_COL = 4;
/**
 * Periods printed side by side on one page width (landscape): more would print too small to read. A
 * wider sheet prints ceil(periods / this) pages wide, each repeating the title columns (print titles).
 */
export const PERIODS_PER_PAGE_WIDTH = 30;
/** Excel's last column (XFD): a sheet holds the periods up to it; ltv.csv and the Data sheet hold them all. */
export const EXCEL_MAX_COLUMNS = 16_384;

/** The heatmap's colours: white (lowest) to green (highest), Excel's own "green - white" scale. */
export const HEATMAP_COLOURS = ['FFFFFFFF', 'FF63BE7B'] as const;
/**
 * Partial cells (SPEC §4 censoring): italic, dark grey and a trailing "*" (the email's mark). #333333 on
 * the scale's darkest green (#63BE7B) has a contrast of 5.5:1 (WCAG AA); the lighter grey used before
 * (#666666) had 2.6:1. The "*" keeps the mark on a black-and-white printout.
 */
const PARTIAL_FONT: Partial<ExcelJS.Font> = { ...BASE_FONT, italic: true, color: { argb: 'FF333333' } };
const NOTE_FONT: Partial<ExcelJS.Font> = { ...BASE_FONT, italic: true, color: { argb: 'FF404040' } };

export async function writeMatrixSheet(
  workbook: ExcelJS.stream.xlsx.WorkbookWriter,
  name: string,
  matrix: Matrix,
  report: TenantReport,
): Promise<void> {
  // A loop, not Math.max(...cells): spreading 267 k periods overflows the call stack.
  let all = 0;
  for (const row of matrix.rows) for (const c of row.cells) all = Math.max(all, c.period + 1);
  // More periods than Excel has columns (renewal numbers in the tens of thousands) ended the run with
  // exceljs's "16385 is out of bounds", an internal error: the sheet stops at Excel's last column and says so.
  const periods = Math.min(all, EXCEL_MAX_COLUMNS - MATRIX_FIRST_PERIOD_COL + 1);
  const lastCol = MATRIX_FIRST_PERIOD_COL + Math.max(periods, 1) - 1;
  const sheet = workbook.addWorksheet(name, {
    views: [{ state: 'frozen', xSplit: MATRIX_FIRST_PERIOD_COL - 1, ySplit: MATRIX_HEADER_ROW, showGridLines: true }],
    // Print-ready (issue 16): as many pages wide as the periods need (one up to PERIODS_PER_PAGE_WIDTH),
    // as many tall as the rows need; the header row and the title columns repeat on every page.
    pageSetup: {
      paperSize: 9, // A4; Letter readers' printers scale it
      orientation: 'landscape',
      fitToPage: true,
      fitToWidth: Math.max(1, Math.ceil(periods / PERIODS_PER_PAGE_WIDTH)),
      fitToHeight: 0,
      printTitlesRow: `${MATRIX_HEADER_ROW}:${MATRIX_HEADER_ROW}`,
      printTitlesColumn: `A:${columnLetter(MATRIX_FIRST_PERIOD_COL - 1)}`,
      margins: { left: 0.4, right: 0.4, top: 0.5, bottom: 0.5, header: 0.3, footer: 0.3 },
    },
    headerFooter: { oddFooter: `&L${footerText(name)}&RPage &P of &N` },
  });

  const money = excelMoneyFormat(report.currency);
  const segmented = matrix.segmentation in SEGMENT_COLUMNS;
  const rowHeader = segmented ? capitalise(matrix.segmentation.replaceAll('_', ' ')) : 'Cohort';
  const valueWidth = moneyWidth(matrix, report.currency);
  sheet.columns = [
    { width: titleWidth(rowHeader, matrix) },
    { width: 11 },
    { width: 10 },
    ...Array.from({ length: Math.max(periods, 1) }, (_, p) => ({ width: Math.max(periodLabel(matrix, p).length, valueWidth) + 2 })),
  ];

  // The three title lines wrap inside the first page's width (merged cells), so no printout cuts them.
  const pageCols = Math.min(lastCol, MATRIX_FIRST_PERIOD_COL - 1 + PERIODS_PER_PAGE_WIDTH);
  const pageChars = (sheet.columns ?? []).slice(0, pageCols).reduce((n, c) => n + (c.width ?? 9), 0);
  const titleLine = (text: string, font: Partial<ExcelJS.Font>, lineHeight: number): void => {
    const r = sheet.addRow([cellText(text)]);
    r.font = font;
    r.getCell(1).alignment = { wrapText: true, vertical: 'top' };
    // Rows do not grow for wrapped text on opening (LibreOffice): the height is set from the length.
    r.height = Math.min(EXCEL_MAX_ROW_HEIGHT, lineHeight * Math.max(1, Math.ceil((text.length * (font.size ?? 11)) / 11 / (pageChars * 0.95))));
    if (pageCols > 1) sheet.mergeCells(r.number, 1, r.number, pageCols);
    r.commit();
  };
  // The matrix's id, as ltv.csv's `matrix` column and the Data sheet name it: two tabs that differ only by
  // "(2)" (a name cut to 31 characters) still say which is which.
  // The tenant as the other sheets' titles show it (its first 99 characters; About shows it whole): a
  // 1,024-character id made a title row of 500 points, past Excel's 409.
  titleLine(`${name}: cumulative revenue per customer in ${report.currency}, ${titleTenant(report.tenant)} (matrix ${matrix.id})`, { ...BASE_FONT, bold: true, size: 14 }, 20);
  titleLine(explanation(matrix, segmented), BASE_FONT, 15);
  titleLine(
    (periods < all ? `Columns ${periodLabel(matrix, periods)} to ${periodLabel(matrix, all - 1)} are past Excel's last column (${EXCEL_MAX_COLUMNS.toLocaleString('en-US')}): the Data sheet and ltv.csv hold them. ` : '') +
    `Italic with *: partial, still growing (a cohort that has not lived through the whole period; on ${segmented ? 'segment rows and ' : ''}Total, ` +
      `a cell with under ${MOSTLY_COMPLETE * 100} % of its customers in complete cohorts). Complete: the share of the row's cells that is final, ` +
      'weighted by customers. Blank: not reached yet. Colour: white (lowest) to green (highest) across the rows below Total.',
    NOTE_FONT,
    15,
  );
  sheet.addRow([]).commit();

  const header = sheet.addRow([rowHeader, 'Customers', 'Complete', ...Array.from({ length: periods }, (_, p) => periodLabel(matrix, p))]);
  // Styled cell by cell: a row-level style would run on across all 16,384 columns.
  header.eachCell((cell, col) => {
    cell.font = { ...BASE_FONT, bold: true };
    cell.alignment = { horizontal: col === 1 ? 'left' : 'center' };
    cell.border = { bottom: { style: 'thin', color: { argb: 'FF8C8C8C' } } };
  });
  header.commit();

  // Shared style objects: exceljs caches styles by identity (see writeDataSheets).
  const count: Partial<ExcelJS.Style> = { numFmt: '#,##0' };
  const totalTitle: Partial<ExcelJS.Style> = { font: { ...BASE_FONT, bold: true } };
  const totalCount: Partial<ExcelJS.Style> = { numFmt: '#,##0', font: { ...BASE_FONT, bold: true } };
  const plain: Partial<ExcelJS.Style> = {};
  const share: Partial<ExcelJS.Style> = { numFmt: '0%' };
  const totalShare: Partial<ExcelJS.Style> = { numFmt: '0%', font: { ...BASE_FONT, bold: true } };
  const partialMoney = `${money}"*"`;
  const complete: Partial<ExcelJS.Style> = { numFmt: money };
  const partial: Partial<ExcelJS.Style> = { numFmt: partialMoney, font: PARTIAL_FONT };
  const dateTitle: Partial<ExcelJS.Style> = { ...plain, numFmt: EXCEL_DATE_FORMAT, alignment: { horizontal: 'left' } };
  const totalComplete: Partial<ExcelJS.Style> = { numFmt: money, font: { ...BASE_FONT, bold: true } };
  const totalPartial: Partial<ExcelJS.Style> = { numFmt: partialMoney, font: { ...PARTIAL_FONT, bold: true } };
  let firstCohortRow = 0;
  let lastRow = MATRIX_HEADER_ROW;
  for (const row of matrix.rows) {
    const isTotal = row.type === 'total';
    // Floored to whole percents: a row reads 100 % only when all of it is final.
    // A cohort's title is its first day: a date cell (as the Data sheet's cohort_date), sortable and filtered as a date.
    const day = row.type === 'cohort' ? excelDateSerial(row.title) : null;
    const values: (string | number | Date)[] = [day === null ? cellText(row.title) : new Date(`${row.title}T00:00:00Z`), row.customers, Math.floor(rowCompleteShare(row) * 100) / 100];
    for (const cell of row.cells) if (cell.period < periods) values[MATRIX_FIRST_PERIOD_COL - 1 + cell.period] = cell.revenue;
    const r = sheet.addRow(values);
    lastRow = r.number;
    if (!isTotal && firstCohortRow === 0) firstCohortRow = r.number;
    r.getCell(1).style = isTotal ? totalTitle : day === null ? plain : dateTitle;
    r.getCell(2).style = isTotal ? totalCount : count;
    r.getCell(MATRIX_COMPLETE_COL).style = isTotal ? totalShare : share;
    for (const cell of row.cells) {
      if (cell.period >= periods) continue;
      const style = isMarkedPartial(row, cell) ? (isTotal ? totalPartial : partial) : isTotal ? totalComplete : complete;
      r.getCell(MATRIX_FIRST_PERIOD_COL + cell.period).style = style;
    }
    r.commit();
    // Daily matrices have ~730 cells a row: wait every few rows, not every ROWS_PER_WAIT.
    if (r.number % Math.max(1, Math.floor(ROWS_PER_WAIT / Math.max(periods, 1))) === 0) await waitForZip(sheet);
  }

  // The colour scale spans the cohort (or segment) rows only: the Total row is their average and reads
  // as the reference line above them.
  if (firstCohortRow > 0 && periods > 0) {
    sheet.addConditionalFormatting({
      ref: `${columnLetter(MATRIX_FIRST_PERIOD_COL)}${firstCohortRow}:${columnLetter(lastCol)}${lastRow}`,
      rules: [
        {
          type: 'colorScale',
          priority: 1,
          cfvo: [{ type: 'min' }, { type: 'max' }],
          color: HEATMAP_COLOURS.map((argb) => ({ argb })),
        },
      ],
    });
  }
  sheet.commit();
}

function explanation(matrix: Matrix, segmented: boolean): string {
  const rows = segmented
    ? `Rows: the customers whose first payment had this ${matrix.segmentation.replaceAll('_', ' ')} ("unknown" = not recorded); Total = all customers.`
    : `Rows: the customers whose first payment fell in the ${matrix.cohort_unit} starting on that date; Total = the customer-weighted average of the cohorts.`;
  return `${rows} Columns: ${periodAxisTitle(matrix).toLowerCase()}. Customers = the size of the row.`;
}

/** The footer names the sheet: a loose printed page still says what it is. */
function footerText(name: string): string {
  return name.replaceAll('&', '&&');
}

function titleWidth(rowHeader: string, matrix: Matrix): number {
  const longest = matrix.rows.reduce((n, r) => Math.max(n, [...r.title].length), rowHeader.length);
  return Math.min(40, Math.max(12, longest + 2));
}

/** Characters of the widest value of the matrix, measured on its extremes only (formatting is slow). */
function moneyWidth(matrix: Matrix, currency: string): number {
  let max = 0;
  let min = 0;
  for (const row of matrix.rows) {
    for (const c of row.cells) {
      if (c.revenue > max) max = c.revenue;
      if (c.revenue < min) min = c.revenue;
    }
  }
  const digits = Math.max(max.toLocaleString('en-US', { minimumFractionDigits: 2 }).length, min.toLocaleString('en-US', { minimumFractionDigits: 2 }).length);
  return digits + currencySymbol(currency).length + 1;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
