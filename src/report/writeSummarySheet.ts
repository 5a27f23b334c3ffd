// The Summary sheet, the one a finance lead opens first (SPEC §5 xlsx): headline LTVs and totals on
// the left, the LTV chart beside them, and a guide to the other sheets.
import type ExcelJS from 'exceljs';
import type { TenantReport } from '../ltv/model.js';
import type { ReportShape } from './reportShape.js';
import { addStreamingPicture, pictureSize, type Picture } from './addStreamingPicture.js';
import { excelMoneyFormat } from './excelMoneyFormat.js';
import { EXCEL_MAX_ROW_HEIGHT, addFactRow, addHeadingRow, addTitleRow, titleTenant } from './factRows.js';
import { localTime } from './localTime.js';
import { formatCount, formatCountOf } from '../format/money.js';
import { NO_CUSTOMERS } from '../format/labels.js';
import { cellText } from '../format/text.js';
import { BASE_FONT } from './baseFont.js';

/** The chart's place (zero-based D3) and displayed width: right of the headline figures, so the first
 * screen of a 1366-pixel laptop shows both. */
export const CHART_ANCHOR = { col: 3, row: 2, width: 720 } as const;

export interface SheetGuide {
  name: string;
  description: string;
}

export function writeSummarySheet(
  workbook: ExcelJS.stream.xlsx.WorkbookWriter,
  name: string,
  report: TenantReport,
  guide: SheetGuide[],
  shape: ReportShape,
  chartPng?: Picture,
): void {
  const sheet = workbook.addWorksheet(name, {
    views: [{ state: 'normal', showGridLines: false }],
    pageSetup: { paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0 },
  });
  // Text that may be long (the title, the tenant, warnings) wraps in rows of a set height: LibreOffice does
  // not grow row heights for wrapped text it did not write itself. Nothing else wraps.
  sheet.columns = [{ width: 38 }, { width: 36 }, { width: 2 }];
  const money = excelMoneyFormat(report.currency);
  const { summary } = report;
  const asOf = `${localTime(report.as_of, report.timezone)} (${report.timezone})`;

  addTitleRow(sheet, `LTV report: ${titleTenant(report.tenant)}`);
  const sub = sheet.addRow([cellText(`As of ${asOf}, money in ${report.currency}`)]);
  sub.font = { ...BASE_FONT, color: { argb: 'FF595959' } };
  sub.commit();
  // Warnings before the figures they put in doubt (a stale as-of time, src/ltv/runWarnings.ts).
  for (const w of report.warnings ?? []) {
    const row = sheet.addRow([cellText(`Warning: ${w.message}`)]);
    row.font = { ...BASE_FONT, bold: true, color: { argb: 'FF9C0006' } };
    row.getCell(1).fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFFE4E1' } };
    row.getCell(1).alignment = { wrapText: true, vertical: 'top' };
    sheet.mergeCells(row.number, 1, row.number, 2);
    row.height = Math.min(EXCEL_MAX_ROW_HEIGHT, 15 * Math.ceil((w.message.length + 9) / 68));
    row.commit();
  }
  sheet.addRow([]).commit();

  addHeadingRow(sheet, 'Headline');
  // A tenant without customers has no customer of any age: said so, not "no customer is 30 days old".
  const notYet = (days: number): string => (summary.customers === 0 ? `none: ${NO_CUSTOMERS}` : `not yet: no customer is ${days} days old`);
  addFactRow(sheet, 'Average LTV, first 30 days', summary.average_ltv_30d ?? notYet(30), { numFmt: money, bold: true });
  addFactRow(sheet, 'Average LTV, first 90 days', summary.average_ltv_90d ?? notYet(90), { numFmt: money, bold: true });
  addFactRow(sheet, 'Paying customers', summary.customers, { numFmt: '#,##0' });
  addFactRow(sheet, 'Cohorts', summary.cohorts, { numFmt: '#,##0' });
  addFactRow(sheet, 'Revenue (paid, after refunds)', summary.revenue, { numFmt: money });
  if (shape.feesKnown) {
    addFactRow(sheet, 'Proceeds (after store commission)', summary.proceeds, { numFmt: money });
    addFactRow(sheet, 'Net revenue (after commission, taxes)', summary.net_revenue, { numFmt: money });
  } else {
    addFactRow(sheet, 'Proceeds, net revenue', 'no commission or tax data: equal to revenue');
  }
  sheet.addRow([]).commit();

  addHeadingRow(sheet, 'Run');
  const tenantChars = Array.from(report.tenant).length;
  addFactRow(sheet, 'Tenant', titleTenant(report.tenant) === report.tenant ? report.tenant
    : `${titleTenant(report.tenant)} (${formatCount(tenantChars)} characters: the About sheet shows it whole)`, { wrapWidth: 36 });
  addFactRow(sheet, 'As of', asOf);
  addFactRow(sheet, 'Time zone', report.timezone);
  addFactRow(sheet, 'Currency', report.currency);
  addFactRow(sheet, 'Run', report.run_id);
  sheet.addRow([]).commit();

  addHeadingRow(sheet, 'In this workbook');
  for (const g of guide) addFactRow(sheet, g.name, g.description);
  if (shape.omitted.length > 0) {
    addFactRow(sheet, 'Not shown as sheets', `${formatCountOf(shape.omitted.length, 'matrix', 'matrices')} without meaning for this data (see About)`);
  }
  sheet.addRow([]).commit();
  for (const line of [
    "Average LTV, first N days: the revenue of each customer's first N days, averaged over",
    'the customers whose first payment is at least N days before the as-of time.',
    'All definitions: see the About sheet.',
  ]) {
    const note = sheet.addRow([line]);
    note.font = { ...BASE_FONT, italic: true, color: { argb: 'FF595959' } };
    note.commit();
  }

  if (chartPng) {
    const { width, height } = pictureSize(chartPng);
    addStreamingPicture(workbook, sheet, chartPng, {
      ...CHART_ANCHOR,
      height: Math.round((CHART_ANCHOR.width * height) / width),
      description: `LTV curves of the most recent cohorts of ${report.tenant}, as of ${asOf}`,
    });
  }
  sheet.commit();
}

