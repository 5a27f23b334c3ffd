// The Data sheet (SPEC §5 xlsx): the same tidy rows as ltv.csv, typed (numbers are numbers, money in
// the report currency's format), with a frozen header and an autofilter. A sheet holds at most
// 1,048,576 rows, so a very large report continues on "Data 2", "Data 3", … with the same header.
// The data rows, most of the workbook, are written as sheet XML text (dataRowXml below), not through
// exceljs's row objects: a cell's `r` address is written only where a cell does not follow the one before
// it (ECMA-376 Part 1 §18.3.1.4: `r` is optional; Excel, LibreOffice, openpyxl and exceljs's in-memory
// reader place such a cell in the next column; exceljs's streaming reader cannot read the sheet, README
// "Outputs and layout"). The addresses were 4 of the example Data sheet's 12 MB of XML and, being all
// different, most of its compressed size (xlsx 1.76 → 0.6 MB), and the text is made in a fraction of
// exceljs's time.
import type ExcelJS from 'exceljs';
import { excelWriter } from './excelWriter.js';
import type { TenantReport } from '../ltv/model.js';
import { columnLetter } from './columnLetter.js';
import { excelMoneyFormat } from './excelMoneyFormat.js';
import { cellText } from '../format/text.js';
import { TIDY_COLUMNS, TIDY_HEAD_COLUMNS, TIDY_NUMBER_COLUMNS, sameHead, tidyRows, type TidyRow } from './tidyRows.js';
import { EXCEL_DATE_FORMAT, excelDateSerial } from './excelDate.js';
import { ROWS_PER_WAIT, waitForZip } from './waitForZip.js';
import { BASE_FONT } from './baseFont.js';
import { PREDICTED_FILL, PREDICTED_FONT } from './writeForecastSheet.js';

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
  // cohort_date is a date cell (a serial number with a date format), so the autofilter filters it by date.
  const date: Partial<ExcelJS.Style> = { numFmt: EXCEL_DATE_FORMAT };
  const styles = TIDY_COLUMNS.map((c) => (c === 'value' || c === 'lower' || c === 'upper' ? money : c === 'cohort_date' ? date : plain));
  // SPEC §9: a predicted cell is styled apart in the workbook, here as on the Forecast sheet (blue italic on
  // light blue): a predicted row's own columns (period, accounting type, value, state, interval), not the
  // matrix row's columns it shares with the realized rows before it.
  const predictedFont: Partial<ExcelJS.Font> = { ...BASE_FONT, italic: true, color: { argb: PREDICTED_FONT } };
  const predictedFill: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: PREDICTED_FILL } };
  const predictedPlain: Partial<ExcelJS.Style> = { font: predictedFont, fill: predictedFill };
  const predictedMoney: Partial<ExcelJS.Style> = { ...money, font: predictedFont, fill: predictedFill };
  const predictedDate: Partial<ExcelJS.Style> = { ...date, font: predictedFont, fill: predictedFill };
  const predicted = TIDY_COLUMNS.map((c) => (c === 'value' || c === 'lower' || c === 'upper' ? predictedMoney : c === 'cohort_date' ? predictedDate : predictedPlain));
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
      pageSetup: { paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0, printArea: `A$1:${lastCol}$1` },
      headerFooter: { oddFooter: '&LThe Data sheet prints its header only: filter it and print the selection, or use ltv.csv.' },
    });
    s.columns = TIDY_COLUMNS.map((c) => ({ width: c === 'tenant' ? Math.min(40, Math.max(WIDTHS.tenant, [...report.tenant].length + 2)) : WIDTHS[c] }));
    const header = s.addRow([...TIDY_COLUMNS]);
    header.font = { ...BASE_FONT, bold: true };
    header.commit();
    rows = 1;
    return s;
  };

  const { ValueType } = await excelWriter();
  const xml = new DataRowXml(workbook, styles, predicted, ValueType);
  sheet = open();
  let pending: string[] = [];
  const flush = (): void => {
    if (pending.length) (sheet as unknown as SheetStream).stream.write(pending.join(''));
    pending = [];
  };
  for (const tidy of tidyRows(report)) {
    if (rows >= rowsPerSheet) {
      flush();
      finish();
      sheet = open();
    }
    pending.push(xml.row(++rows, tidy));
    if (rows % ROWS_PER_WAIT === 0) {
      flush();
      await waitForZip(sheet);
    }
  }
  flush();
  finish();
  return names;
}

/** exceljs 4.4.0: a committed WorksheetWriter row goes to `stream`, the sheet's XML (see waitForZip.ts). */
interface SheetStream {
  stream: { write(text: string): void };
}

/** exceljs 4.4.0's WorkbookWriter: its shared strings and its styles, as its own cells use them. */
interface WorkbookInternals {
  sharedStrings: { add(text: string): number };
  styles: { addStyleModel(style: Partial<ExcelJS.Style>, type: ExcelJS.ValueType): number };
}

/**
 * A data row as sheet XML, as exceljs would write it (text as shared strings, the column's style, no cell
 * for an empty field) but without the addresses a reader can infer. The shared strings are escaped
 * when exceljs writes them; numbers are JavaScript's shortest form, as exceljs writes them.
 */
class DataRowXml {
  private readonly strings: WorkbookInternals['sharedStrings'];
  /** ` s="n"` per column, empty for the default style; of a predicted row's cells. */
  private readonly styleAttrs: string[];
  private readonly predictedAttrs: string[];
  private readonly letters = TIDY_COLUMNS.map((_, i) => columnLetter(i + 1));

  constructor(workbook: ExcelJS.stream.xlsx.WorkbookWriter, styles: Partial<ExcelJS.Style>[], predicted: Partial<ExcelJS.Style>[], valueType: typeof ExcelJS.ValueType) {
    const internals = workbook as unknown as WorkbookInternals;
    this.strings = internals.sharedStrings;
    const attrs = (of: Partial<ExcelJS.Style>[]): string[] => TIDY_COLUMNS.map((c, i) => {
      const id = internals.styles.addStyleModel(of[i]!, c === 'cohort_date' ? valueType.Date : TIDY_NUMBER_COLUMNS.has(c) ? valueType.Number : valueType.String);
      return id ? ` s="${id}"` : '';
    });
    this.styleAttrs = attrs(styles);
    this.predictedAttrs = attrs(predicted);
  }

  /** The head columns (TIDY_HEAD_COLUMNS) of the rows of one matrix row, made once for all of them. */
  private head: { of: TidyRow; parts: string[]; strings: string[]; previous: number } | undefined;

  row(n: number, tidy: TidyRow): string {
    let head = this.head;
    if (head === undefined || !sameHead(tidy, head.of)) {
      // Made with a mark where the row number goes (cellText leaves no control character in a text).
      const strings: string[] = [];
      const { xml, previous } = this.cells(ROW_MARK, tidy, 0, TIDY_HEAD_COLUMNS, -1, strings);
      this.head = head = { of: tidy, parts: xml.split(ROW_MARK), strings, previous };
    } else {
      // The same shared strings again, so their count of references is what writing each cell gives.
      for (const text of head.strings) this.strings.add(text);
    }
    const number = String(n);
    const own = this.cells(number, tidy, TIDY_HEAD_COLUMNS, TIDY_COLUMNS.length, head.previous, undefined, tidy.state === 'predicted' ? this.predictedAttrs : this.styleAttrs);
    return `<row r="${number}">${head.parts.join(number)}${own.xml}</row>`;
  }

  /**
   * Columns from … to − 1 of row `n` as cells; `previous` is the column of the cell before them (−1: none),
   * `strings` gets each shared string added.
   */
  private cells(n: string, tidy: TidyRow, from: number, to: number, previous: number, strings?: string[], styleAttrs = this.styleAttrs): { xml: string; previous: number } {
    let xml = '';
    for (let i = from; i < to; i++) {
      const v = tidy[TIDY_COLUMNS[i]!];
      // An empty field (cohort_date on a segment row, …) is no cell, not an empty string.
      if (v === null || v === '') continue;
      const at = i === previous + 1 && previous >= 0 ? '' : ` r="${this.letters[i]}${n}"`;
      previous = i;
      const serial = i === COHORT_DATE ? excelDateSerial(v as string) : null;
      if (typeof v === 'number' || serial !== null) {
        xml += `<c${at}${styleAttrs[i]}><v>${serial ?? v}</v></c>`;
      } else {
        const text = cellText(v);
        strings?.push(text);
        xml += `<c${at}${styleAttrs[i]} t="s"><v>${this.strings.add(text)}</v></c>`;
      }
    }
    return { xml, previous };
  }
}

const COHORT_DATE = TIDY_COLUMNS.indexOf('cohort_date');

/** Where a head's cells carry the row number (cellText makes every control character visible). */
const ROW_MARK = '\u0001';
