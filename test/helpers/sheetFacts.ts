// A fact sheet of a written workbook (Summary, About) read back as { column A → column B }.
import ExcelJS from 'exceljs';

export async function sheetFacts(xlsxPath: string, sheet: string): Promise<Map<string, unknown>> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(xlsxPath);
  const facts = new Map<string, unknown>();
  wb.getWorksheet(sheet)!.eachRow((row) => facts.set(String(row.getCell(1).value), row.getCell(2).value));
  return facts;
}
