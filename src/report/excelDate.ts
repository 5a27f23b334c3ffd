// Dates in the workbook (a cohort's first day): date cells, so a reader sorts and filters them as dates,
// shown as ltv.csv and ltv.json write them (ISO 8601: a locale's 03/04 would read both ways).

export const EXCEL_DATE_FORMAT = 'yyyy-mm-dd';

/**
 * Excel's serial day of a YYYY-MM-DD date (days since 1899-12-30, the 1900 date system), or null for any
 * other text. Days before 1900-03-01 stay text: Excel counts a 29 February 1900 that never was.
 */
export function excelDateSerial(text: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const back = new Date(ms);
  if (back.getUTCMonth() + 1 !== Number(m[2]) || back.getUTCDate() !== Number(m[3])) return null;
  const serial = (ms - Date.UTC(1899, 11, 30)) / 86_400_000;
  return serial >= 61 ? serial : null;
}
