// A "label | value" line of the Summary and About sheets. Text is neutralised (SPEC §5): tenant names,
// file paths and segment values come from user data.
import type ExcelJS from 'exceljs';
import { BASE_FONT } from './baseFont.js';
import { cellText } from '../format/text.js';

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
    row.height = 15 * Math.ceil(value.length / (opts.wrapWidth * 0.9));
  }
  row.commit();
  return row;
}

/** A section heading line. */
export function addHeadingRow(sheet: ExcelJS.Worksheet, text: string, size = 12): void {
  const row = sheet.addRow([cellText(text)]);
  row.font = { ...BASE_FONT, bold: true, size };
  row.commit();
}
