// The About sheet (SPEC §5 xlsx): the definitions of SPEC §4 in plain words, the run's parameters, its
// inputs and row counts, and where the quarantined rows are. Kept in step with SPEC §4: when a
// definition changes there, its sentence changes here.
import { basename } from 'node:path';
import type ExcelJS from 'exceljs';
import type { TenantReport } from '../ltv/model.js';
import { formatCount, formatGroupedCountOf } from '../format/money.js';
import { addFactRow, addHeadingRow, addTitleRow, titleTenant } from './factRows.js';
import { localTime } from './localTime.js';
import { matrixSheetName } from './matrixSheetName.js';
import type { ReportShape } from './reportShape.js';
import { noForecastReason } from './noForecastReason.js';
import { forecastModelLabel } from '../format/labels.js';

export function writeAboutSheet(
  workbook: ExcelJS.stream.xlsx.WorkbookWriter,
  name: string,
  report: TenantReport,
  shape: ReportShape,
  quarantineFile?: string,
): void {
  const sheet = workbook.addWorksheet(name, {
    views: [{ state: 'normal', showGridLines: false }],
    pageSetup: { paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0 },
  });
  const wrapWidth = 100;
  sheet.columns = [{ width: 34 }, { width: wrapWidth }];
  const { stats } = report;

  addTitleRow(sheet, `About this report: ${titleTenant(report.tenant)}`);
  sheet.addRow([]).commit();

  if (report.warnings?.length) {
    addHeadingRow(sheet, 'Warnings');
    for (const w of report.warnings) addFactRow(sheet, w.code === 'stale_as_of' ? 'Stale as-of time' : w.code, w.message, { wrapWidth, bold: true });
    sheet.addRow([]).commit();
  }

  addHeadingRow(sheet, 'What the numbers mean');
  for (const [term, meaning] of definitions(report.currency, shape.feesKnown)) addFactRow(sheet, term, meaning, { wrapWidth });
  sheet.addRow([]).commit();

  addHeadingRow(sheet, 'This run');
  addFactRow(sheet, 'Tenant', report.tenant, { wrapWidth });
  addFactRow(sheet, 'Run', report.run_id);
  addFactRow(sheet, 'As of (UTC)', report.as_of);
  addFactRow(sheet, 'As of (report time zone)', `${localTime(report.as_of, report.timezone)} (${report.timezone})`);
  addFactRow(sheet, 'Time zone', report.timezone);
  addFactRow(sheet, 'Currency', report.currency);
  // Which rates produced the converted amounts (absent from a report written before they were recorded).
  const { rates } = report;
  if (rates === null) {
    addFactRow(sheet, 'Exchange rates', `none: the job gives no rates file, so rows in a currency other than ${report.currency} are quarantined`, { wrapWidth });
  } else if (rates !== undefined) {
    const span = rates.first_date === null ? 'no rate' : `${rates.currencies.join(', ')}, ${rates.first_date} to ${rates.last_date ?? rates.first_date}`;
    addFactRow(sheet, 'Exchange rates', `${rates.path} (${formatGroupedCountOf(rates.lines, 'line')}: ${span})`, { wrapWidth });
    addFactRow(sheet, 'Exchange rates sha256', rates.sha256);
  }
  addFactRow(sheet, 'Generated at (UTC)', report.generated_at);
  addFactRow(sheet, 'Duration (seconds)', Math.round(report.duration_ms / 100) / 10, { numFmt: '0.0' });
  addFactRow(sheet, 'Matrices', report.matrices.map((m) => m.id).join(', '), { wrapWidth });
  // SPEC §9: a run without a forecast says why here too (a run whose job turned them off said nothing).
  addFactRow(sheet, 'Forecast', report.forecast
    ? report.forecast.model ? `${forecastModelLabel(report.forecast.model)}, ${report.forecast.horizon_months} months: see the Forecast sheet` : `${noForecastReason(report.forecast) ?? 'no model'}: see the Forecast sheet`
    : 'off: the job\'s forecast.model is "off", so no cell is predicted', { wrapWidth });
  if (report.newest_transaction_at !== undefined) {
    addFactRow(sheet, 'Newest transaction (UTC)', report.newest_transaction_at ?? 'none');
  }
  // Each label once: matrices that differ only where the tab name does not look (renewals of weekly cohorts
  // with another period_unit) are told apart by their id.
  const labels = new Set<string>();
  for (const { matrix, reason } of shape.omitted) {
    const name = `Not shown: ${matrixSheetName(matrix)}`;
    const label = labels.has(name) ? `${name} (${matrix.id})` : name;
    labels.add(label);
    addFactRow(sheet, label, `${reason}. Its cells are in the Data sheet and ltv.csv (matrix ${matrix.id}).`, { wrapWidth });
  }
  sheet.addRow([]).commit();

  addHeadingRow(sheet, 'Inputs');
  for (const input of report.inputs) {
    addFactRow(sheet, input.path, `${input.format}: ${formatCount(input.rows)} rows read, ${formatCount(input.quarantined)} quarantined`);
    // The column mapping used (canonical ← the file's column), so a wrong guess is visible.
    if (input.columns) {
      const mapping = Object.entries(input.columns).map(([canonical, source]) => (canonical === source ? canonical : `${canonical} ← ${source}`));
      addFactRow(sheet, '  columns read', mapping.join(', '), { wrapWidth });
    }
  }
  sheet.addRow([]).commit();

  addHeadingRow(sheet, 'Row counts');
  const count = { numFmt: '#,##0' };
  addFactRow(sheet, 'Rows read', stats.rows_read, count);
  addFactRow(sheet, 'Rows quarantined (bad rows)', stats.rows_quarantined, count);
  addFactRow(sheet, 'Duplicate rows merged', stats.duplicates, count);
  addFactRow(sheet, 'Sandbox rows left out', stats.sandbox_rows, count);
  addFactRow(sheet, 'Rows after the as-of time left out', stats.after_as_of_rows, count);
  addFactRow(sheet, 'Transactions counted', stats.transactions, count);
  addFactRow(sheet, 'Refund rows counted', stats.refund_rows, count);
  addFactRow(sheet, 'Rows of amount 0 (no money)', stats.zero_amount_rows, count);
  addFactRow(
    sheet,
    'How they add up',
    'Every row read is counted once above: rows read = quarantined + duplicates + sandbox + after the as-of time + transactions + refund rows + rows of amount 0 (free trials, failed or voided payments, an order\'s other line items: read and counted, adding no money). Blank lines and lines repeating the header are no rows.',
    { wrapWidth },
  );
  // Refunds, not rows: a payment refunded by its own refunded_at is a refund of a known payment without a row.
  addFactRow(sheet, 'Refunds of a known payment', stats.refunds_linked, count);
  addFactRow(sheet, 'Refunds naming no payment', stats.refunds_unlinked, count);
  // Refunds (rows, or a payment's own refunded_at) of customers without a payment up to T: read, not
  // quarantined, in no cohort and so in no number. ltv run's summary line and ltv.json said so; this sheet did not.
  addFactRow(sheet, 'Refunds of customers without a payment (in no cohort)', stats.movements_without_customer, count);
  addFactRow(sheet, 'Customer ids (paying or not)', stats.customer_ids, count);
  sheet.addRow([]).commit();

  addHeadingRow(sheet, 'Quarantine');
  const file = quarantineFile === undefined ? "the run's quarantine file" : basename(quarantineFile);
  addFactRow(
    sheet,
    'Quarantined rows',
    stats.rows_quarantined === 0
      ? 'None: no row was set aside.'
      : `${formatCount(stats.rows_quarantined)} rows could not be used and were set aside (unreadable rows, and refunds the refund rules refused), each with its file, line number and reason, in ${file} (published next to this workbook). They are not in any number of this report.`,
    { wrapWidth },
  );
  if (quarantineFile !== undefined) addFactRow(sheet, 'Quarantine file', basename(quarantineFile));
  sheet.commit();
}

/** SPEC §4 in plain words, in the order a reader needs them. */
function definitions(currency: string, feesKnown: boolean): [string, string][] {
  return [
    ['LTV per customer', 'Cumulative value per customer: everything the customers of a row paid (minus refunds) from their first payment up to the end of the period, divided by the number of customers in the row. Every customer of the row counts, whether they paid again or not.'],
    ['Cohort', 'The customers whose first payment (the earliest payment above zero, sandbox excluded; free trials do not count) falls in the same day, week (from Monday), month, quarter or year in the report time zone. The cohort date is the first day of that period.'],
    ['Period (days matrices)', "Period k is the k-th day, week, month, quarter or year of each customer's own life since the first payment: a payment 40 days after it lies in month 1. Period 0 is the first one."],
    ['Period (renewal matrices)', 'Period k holds the payments with renewal number k: 0 is the first payment of a subscription, 1 its first renewal, and so on.'],
    ['Complete and partial', 'A period is shown once the cohort has started it. It is complete when every customer of the cohort has lived through it by the as-of time; otherwise it is partial (italic grey in the matrix sheets) and will still grow. Periods not reached yet are blank, never zero.'],
    ['Total and segment rows', 'Rows that span several cohorts (Total, a country, a product) are the customer-weighted average of those cohorts, using at each period only the cohorts in which that period is shown.'],
    ['Refunds', "A refund of a known payment is taken back in that payment's period (clawback, as Adapty and RevenueCat do); a refund that names no payment counts when it happened. A value can therefore go down, even below zero."],
    feesKnown
      ? ['Revenue, proceeds, net revenue', "Revenue is what customers paid, taxes included, after refunds. Proceeds: after the store's commission. Net revenue: after commission and taxes. The matrix sheets show revenue; the Data sheet has all three."]
      : ['Revenue', 'What customers paid, taxes included, after refunds. The inputs have no commission, tax or proceeds column, so proceeds and net revenue (in the Data sheet) equal revenue.'],
    ['Average LTV, first 30 / 90 days', 'Over all customers whose first payment is at least 30 (90) days before the as-of time: the revenue of their first 30 (90) days divided by their number. Shown as "not yet" when no customer is that old.'],
    ['Money', `In ${currency}. Payments in other currencies are converted at the latest rate on or before their day; a refund at its payment's rate. Summed exactly and rounded half away from zero to 2 decimals only where written.`],
    ['As-of time', 'The cut-off of the run: transactions after it do not exist for this report.'],
  ];
}
