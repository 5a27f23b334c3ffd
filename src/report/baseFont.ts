import type ExcelJS from 'exceljs';

/**
 * exceljs writes a styled cell's font with only the properties given; without a name, LibreOffice and
 * Numbers fall back to a serif face. Every font we set starts from the workbook's default font.
 */
export const BASE_FONT: Partial<ExcelJS.Font> = { name: 'Calibri', family: 2, size: 11 };
