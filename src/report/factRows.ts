// A "label | value" line of the Summary and About sheets. Text is neutralised (SPEC §5): tenant names,
// file paths and segment values come from user data.
import type ExcelJS from 'exceljs';
import { BASE_FONT } from './baseFont.js';
import { cellText, shortened } from '../format/text.js';

export type Fact = string | number | null;

export interface FactOptions {
  numFmt?: string;
  bold?: boolean;
  /**
   * Wrap a long text value in a column this many characters wide. The row gets an explicit height:
   * LibreOffice does not grow rows for wrapped text on opening a file, Excel does not always either.
   */
  wrapWidth?: number;
}

export function addFactRow(sheet: ExcelJS.Worksheet, label: string, value: Fact, opts: FactOptions = {}): ExcelJS.Row {
  const row = sheet.addRow([cellText(label), typeof value === 'string' ? cellText(value) : value]);
  row.getCell(1).font = { ...BASE_FONT, bold: opts.bold ?? false, color: { argb: 'FF404040' } };
  if (opts.numFmt !== undefined) row.getCell(2).numFmt = opts.numFmt;
  if (opts.bold) row.getCell(2).font = { ...BASE_FONT, bold: true };
  row.getCell(2).alignment = { horizontal: 'left' };
  if (opts.wrapWidth !== undefined && typeof value === 'string' && value.length > opts.wrapWidth) {
    row.getCell(1).alignment = { vertical: 'top' };
    row.getCell(2).alignment = { horizontal: 'left', vertical: 'top', wrapText: true };
    row.height = Math.min(EXCEL_MAX_ROW_HEIGHT, 15 * Math.ceil(value.length / (opts.wrapWidth * 0.9)));
  }
  row.commit();
  return row;
}

/** Excel's tallest row, in points: a taller one is not shown as written. */
/** Excel's tallest row, in points: a taller one is refused (Excel) or clipped (LibreOffice). */
export const EXCEL_MAX_ROW_HEIGHT = 409;

/** A tenant id (up to 1,024 characters) as a sheet's title shows it; the About sheet's Tenant row has it whole. */
export function titleTenant(tenant: string): string {
  return shortened(tenant, 100);
}

/**
 * A sheet's title line, in 16 points across its first two columns (merged) and wrapped, its height set from
 * its length (rows do not grow for wrapped text on opening, LibreOffice): a title past the page's width
 * made LibreOffice print the whole page at a few points (a 1,024-character tenant id).
 */
export function addTitleRow(sheet: ExcelJS.Worksheet, text: string): void {
  const size = 16;
  const row = sheet.addRow([cellText(text)]);
  row.font = { ...BASE_FONT, bold: true, size };
  row.getCell(1).alignment = { wrapText: true, vertical: 'top' };
  const width = (sheet.columns ?? []).slice(0, 2).reduce((n, c) => n + (c.width ?? 9), 0);
  const lines = Math.ceil((text.length * size) / 11 / (width * 0.95));
  // A wrapped title gets a line more: it breaks at spaces, so a long id without one starts on a line of its
  // own after "LTV report:", and bold capitals are wider than the average character.
  row.height = Math.min(EXCEL_MAX_ROW_HEIGHT, 21 * (lines > 1 ? lines + 1 : 1));
  sheet.mergeCells(row.number, 1, row.number, 2);
  row.commit();
}

/** A section heading line. */
export function addHeadingRow(sheet: ExcelJS.Worksheet, text: string, size = 12): void {
  const row = sheet.addRow([cellText(text)]);
  row.font = { ...BASE_FONT, bold: true, size };
  row.commit();
}
