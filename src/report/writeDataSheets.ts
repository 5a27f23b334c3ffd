// The Data sheet (SPEC §5 xlsx): the same tidy rows as ltv.csv, typed (numbers are numbers, money in
// the report currency's format), with a frozen header and an autofilter. A sheet holds at most
// 1,048,576 rows, so a very large report continues on "Data 2", "Data 3", … with the same header.
import type ExcelJS from 'exceljs';
import type { TenantReport } from '../ltv/model.js';
import { columnLetter } from './columnLetter.js';
import { excelMoneyFormat } from './excelMoneyFormat.js';
import { neutraliseText } from '../format/text.js';
import { TIDY_COLUMNS, TIDY_NUMBER_COLUMNS, tidyRows } from './tidyRows.js';
import { ROWS_PER_WAIT, waitForZip } from './waitForZip.js';
import { BASE_FONT } from './baseFont.js';

/** Excel's row limit, header included. */
export const EXCEL_MAX_ROWS = 1_048_576;

const WIDTHS: Record<(typeof TIDY_COLUMNS)[number], number> = {
  tenant: 16, matrix: 24, period_type: 12, period_unit: 12, segmentation: 14, row_type: 10, row_title: 22,
  cohort_date: 12, segment: 20, cohort_size: 12, period: 8, accounting_type: 16, value: 14, customers: 11, state: 10, complete_customers: 19,
  lower: 14, upper: 14,
};

/**
 * Writes the Data sheet(s) and returns their names. `sheetName(i)` names the i-th sheet (0 = "Data");
 * `rowsPerSheet` is Excel's limit except in tests.
 */
export async function writeDataSheets(
  workbook: ExcelJS.stream.xlsx.WorkbookWriter,
  report: TenantReport,
  sheetName: (index: number) => string,
  rowsPerSheet: number = EXCEL_MAX_ROWS,
): Promise<string[]> {
  const names: string[] = [];
  const lastCol = columnLetter(TIDY_COLUMNS.length);
  // One style object per column, shared by every row: exceljs caches a style by object identity, and
  // a fresh object per cell costs it a render each time (a third of the time of a 730 × 730 report).
  const plain: Partial<ExcelJS.Style> = {};
  const money: Partial<ExcelJS.Style> = { numFmt: excelMoneyFormat(report.currency) };
  const styles = TIDY_COLUMNS.map((c) => (c === 'value' || c === 'lower' || c === 'upper' ? money : plain));
  let sheet: ExcelJS.Worksheet | undefined;
  let rows = 0;

  const finish = (): void => {
    if (!sheet) return;
    sheet.autoFilter = `A1:${lastCol}${rows}`;
    sheet.commit();
  };
  const open = (): ExcelJS.Worksheet => {
    const name = sheetName(names.length);
    names.push(name);
    const s = workbook.addWorksheet(name, {
      views: [{ state: 'frozen', xSplit: 0, ySplit: 1 }],
      // Not for paper (issue 16: 298 of the example's 343 printed pages were this sheet): the print area
      // is the header row, so printing the workbook prints one page of it; a reader who wants rows on
      // paper filters them and prints the selection.
      pageSetup: { orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0, printArea: `A$1:${lastCol}$1` },
      headerFooter: { oddFooter: '&LThe Data sheet prints its header only: filter it and print the selection, or use ltv.csv.' },
    });
    s.columns = TIDY_COLUMNS.map((c) => ({ width: c === 'tenant' ? Math.min(40, Math.max(WIDTHS.tenant, [...report.tenant].length + 2)) : WIDTHS[c] }));
    const header = s.addRow([...TIDY_COLUMNS]);
    header.font = { ...BASE_FONT, bold: true };
    header.commit();
    rows = 1;
    return s;
  };

  sheet = open();
  for (const tidy of tidyRows(report)) {
    if (rows >= rowsPerSheet) {
      finish();
      sheet = open();
    }
    const r = sheet.addRow(
      TIDY_COLUMNS.map((c) => {
        const v = tidy[c];
        // An empty field (cohort_date on a segment row, …) is an empty cell, not an empty string.
        return TIDY_NUMBER_COLUMNS.has(c) ? v : v === '' ? null : neutraliseText(String(v));
      }),
    );
    r.eachCell((cell, col) => {
      cell.style = styles[col - 1] ?? plain;
    });
    r.commit();
    if (++rows % ROWS_PER_WAIT === 0) await waitForZip(sheet);
  }
  finish();
  return names;
}
