import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ACCOUNTING_TYPES, PERIOD_UNITS, SEGMENT_COLUMNS, type AttributeSegmentation, type Matrix, type TenantReport } from '../../src/ltv/model.js';
import { matrixSheetName } from '../../src/report/matrixSheetName.js';
import { renderChart } from '../../src/report/renderChart.js';
import { writeCsv } from '../../src/report/writeCsv.js';
import { writeXlsx, type XlsxOptions } from '../../src/report/writeXlsx.js';
import { dailyReport } from '../helpers/dailyReport.js';
import { parseCsv } from '../helpers/parseCsv.js';
import { INJECTION_SEGMENT, leadingColumnsReport, sampleReport } from '../helpers/sampleReport.js';

const EUR = '"€"#,##0.00';
const HEADER_ROW = 5;
const SHEETS = ['Summary', 'Monthly cohorts', 'Weekly cohorts', 'Monthly cohorts · renewals', 'By country', 'Data', 'About'];

/** What exceljs reads back but its typings omit. */
interface ConditionalFormatting {
  ref: string;
  rules: { type: string; cfvo?: { type: string }[]; color?: { argb: string }[] }[];
}
const conditionalFormattings = (ws: ExcelJS.Worksheet): ConditionalFormatting[] =>
  (ws as unknown as { conditionalFormattings: ConditionalFormatting[] }).conditionalFormattings;

let dir: string;
let chartPng: Buffer;
beforeAll(async () => {
  chartPng = await renderChart(sampleReport());
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ltv-xlsx-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function roundTrip(report: TenantReport, opts: XlsxOptions = {}): Promise<ExcelJS.Workbook> {
  const path = join(dir, 'ltv.xlsx');
  await writeXlsx(report, path, opts);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(path);
  return wb;
}

function sheet(wb: ExcelJS.Workbook, name: string): ExcelJS.Worksheet {
  const ws = wb.getWorksheet(name);
  if (!ws) throw new Error(`no sheet ${name}; have ${wb.worksheets.map((w) => w.name).join(', ')}`);
  return ws;
}

function matrix(report: TenantReport, id: string): Matrix {
  const m = report.matrices.find((x) => x.id === id);
  if (!m) throw new Error(`no matrix ${id}`);
  return m;
}

describe('writeXlsx', () => {
  it('writes the sheets in order: Summary, cohort matrices, segmentations, Data, About', async () => {
    const wb = await roundTrip(sampleReport(), { chartPng });
    expect(wb.worksheets.map((w) => w.name)).toEqual(SHEETS);
  });

  it('shows each cohort matrix cell for cell, with the currency format, partial cells marked', async () => {
    const report = sampleReport();
    const wb = await roundTrip(report, { chartPng });
    for (const [name, id] of [
      ['Monthly cohorts', 'days-month-cohort'],
      ['Weekly cohorts', 'days-week-cohort'],
      ['Monthly cohorts · renewals', 'renewals-month-cohort'],
      ['By country', 'days-month-country'],
    ] as const) {
      const ws = sheet(wb, name);
      const m = matrix(report, id);
      const periods = Math.max(...m.rows.map((r) => r.cells.length));
      const header = ws.getRow(HEADER_ROW);
      expect(header.getCell(1).value).toBe(id === 'days-month-country' ? 'Country' : 'Cohort');
      expect(header.getCell(2).value).toBe('Customers');
      expect(header.getCell(3).value).toBe('Complete');
      for (let p = 0; p < periods; p++) {
        expect(header.getCell(4 + p).value).toBe(m.period_type === 'renewals' ? `Renewal ${p}` : `${m.period_unit === 'week' ? 'Week' : 'Month'} ${p}`);
      }
      m.rows.forEach((row, i) => {
        const r = ws.getRow(HEADER_ROW + 1 + i);
        // A cohort is a date cell (its first day), a segment or the Total its text.
        if (row.type === 'cohort') {
          expect(r.getCell(1).value).toEqual(new Date(`${row.title}T00:00:00Z`));
          expect(r.getCell(1).numFmt).toBe('yyyy-mm-dd');
        } else {
          expect(r.getCell(1).value).toBe(row.title === INJECTION_SEGMENT ? `'${row.title}` : row.title);
        }
        expect(r.getCell(2).value).toBe(row.customers);
        for (let p = 0; p < periods + 1; p++) {
          const cell = row.cells.find((c) => c.period === p);
          const x = r.getCell(4 + p);
          if (!cell) {
            expect(x.value, `${name} ${row.title} period ${p} is not shown`).toBeNull();
            continue;
          }
          expect(x.value).toBe(cell.revenue);
          // Cohort cells by their state; Total and segment cells while under 90 % of their customers are
          // in complete cells (the monthly Total: 1070/1630 = 66 %, …, 0/240, all marked).
          const marked = row.type === 'cohort' ? cell.state === 'partial' : cell.complete_customers! / cell.customers < 0.9;
          expect(x.numFmt).toBe(marked ? `${EUR}"*"` : EUR);
          expect(Boolean(x.font?.italic), `${name} ${row.title} period ${p} ${cell.state}`).toBe(marked);
        }
        expect(Boolean(r.getCell(1).font?.bold)).toBe(row.type === 'total');
      });
    }
  });

  it('freezes the header row and the cohort column, and colours the cohort rows as a heatmap', async () => {
    const wb = await roundTrip(sampleReport(), { chartPng });
    const ws = sheet(wb, 'Monthly cohorts');
    expect(ws.views[0]).toMatchObject({ state: 'frozen', xSplit: 3, ySplit: HEADER_ROW, topLeftCell: 'D6' });
    // Total on row 6, cohorts on rows 7–12, periods 0–5 in columns D–I.
    expect(conditionalFormattings(ws)).toEqual([
      {
        ref: 'D7:I12',
        rules: [
          expect.objectContaining({
            type: 'colorScale',
            cfvo: [{ type: 'min' }, { type: 'max' }],
            color: [{ argb: 'FFFFFFFF' }, { argb: 'FF63BE7B' }],
          }),
        ],
      },
    ]);
    expect(conditionalFormattings(sheet(wb, 'By country'))[0]?.ref).toBe('D7:F11');
    expect(sheet(wb, 'Data').views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
  });

  it('puts the headline figures and the chart on the Summary', async () => {
    const report = sampleReport();
    const wb = await roundTrip(report, { chartPng });
    const ws = sheet(wb, 'Summary');
    const facts = new Map<string, ExcelJS.Cell>();
    ws.eachRow((row) => facts.set(String(row.getCell(1).value), row.getCell(2)));
    expect(ws.getCell('A1').value).toBe('LTV report: Bäckerei Müller · Zürich');
    expect(facts.get('Average LTV, first 30 days')?.value).toBe(9.91);
    expect(facts.get('Average LTV, first 30 days')?.numFmt).toBe(EUR);
    expect(facts.get('Average LTV, first 90 days')?.value).toBe('not yet: no customer is 90 days old');
    expect(facts.get('Paying customers')?.value).toBe(1630);
    expect(facts.get('Cohorts')?.value).toBe(6);
    expect(facts.get('Revenue (paid, after refunds)')?.value).toBe(31204.55);
    expect(facts.get('Net revenue (after commission, taxes)')?.value).toBe(17474.55);
    expect(facts.get('As of')?.value).toBe('2026-03-16 16:00 (Europe/Zurich)');
    expect(facts.get('Time zone')?.value).toBe('Europe/Zurich');
    expect(facts.get('Currency')?.value).toBe('EUR');
    expect(facts.get('By country')?.value).toBe('LTV heatmap: country × months');

    const images = ws.getImages();
    expect(images).toHaveLength(1);
    const image = images[0]!;
    expect(image.range.tl.nativeCol).toBe(3);
    expect(image.range.tl.nativeRow).toBe(2);
    const medium = wb.getImage(Number(image.imageId));
    expect(medium.extension).toBe('png');
    expect(Buffer.from(medium.buffer as ArrayBuffer).equals(chartPng)).toBe(true);
  });

  it('has no image without a chart', async () => {
    const wb = await roundTrip(sampleReport());
    expect(sheet(wb, 'Summary').getImages()).toHaveLength(0);
  });

  it('writes the Data sheet as the long form, typed, with an autofilter', async () => {
    const report = sampleReport();
    expectDataRows(sheet(await roundTrip(report), 'Data'), report);
  });

  it('writes each Data row whole where consecutive rows differ in one leading column only (made once per matrix row)', async () => {
    const report = leadingColumnsReport();
    expectDataRows(sheet(await roundTrip(report), 'Data'), report);
  });

  // README "Outputs and layout": the Data sheet's cells carry no address where it follows from the cell before
  // (ECMA-376 makes `r` optional). Every address made the example's workbook 0.42 → 1.20 MB and its writing
  // ~60 % slower, so the README names the readers that infer it and the one that does not: exceljs's
  // streaming reader. When a release of it reads the sheet, this fails: say so in the README.
  it('writes a Data sheet the in-memory reader reads as ltv.csv, and which exceljs\'s streaming reader cannot read (as the README says)', async () => {
    const report = sampleReport();
    const path = join(dir, 'ltv.xlsx');
    await writeXlsx(report, path);
    await writeCsv(report, join(dir, 'ltv.csv'));
    const csv = parseCsv(await readFile(join(dir, 'ltv.csv'), 'utf8'));
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(path);
    const read: string[][] = [];
    sheet(wb, 'Data').eachRow({ includeEmpty: true }, (row, r) => {
      // As ltv.csv writes them: a date cell as its day, an absent cell as an empty field, a number as the
      // csv's text of the same number (money has its 2 decimals there: 9.50).
      read.push(Array.from({ length: csv[0]!.length }, (_, c) => {
        const v = row.getCell(c + 1).value;
        const field = csv[r - 1]?.[c];
        if (typeof v === 'number') return field !== undefined && field !== '' && Number(field) === v ? field : String(v);
        return v instanceof Date ? v.toISOString().slice(0, 10) : v === undefined || v === null ? '' : String(v);
      }));
    });
    expect(read.length).toBe(csv.length);
    expect(read).toEqual(csv);

    const streamed: Record<string, number | string> = {};
    for await (const ws of new ExcelJS.stream.xlsx.WorkbookReader(path, { worksheets: 'emit' })) {
      const name = (ws as unknown as { name: string }).name;
      let rows = 0;
      try {
        for await (const _ of ws) rows++;
        streamed[name] = rows;
      } catch (e) {
        streamed[name] = (e as Error).message;
      }
    }
    expect(streamed.Summary).toBeGreaterThan(0);
    expect(streamed.About).toBeGreaterThan(0);
    expect(streamed.Data).toBe("Cannot read properties of undefined (reading 'length')");
  });

  it('wraps a long tenant id on the Summary and About sheets, which print at the page\'s width (a 1,024-character one printed them at a few points)', async () => {
    const report = sampleReport();
    // The longest tenant id a job may give: 1,024 characters.
    report.tenant = `${'T'.repeat(1000)}é<&>"${'x'.repeat(19)}`;
    expect(report.tenant).toHaveLength(1024);
    const wb = await roundTrip(report, { chartPng });
    // Titles show its first 99 characters and an ellipsis; About's Tenant row shows it whole.
    const cut = `${'T'.repeat(99)}…`;
    const summary = sheet(wb, 'Summary');
    const about = sheet(wb, 'About');
    const valueOf = (ws: ExcelJS.Worksheet, label: string): ExcelJS.Cell => {
      let found: ExcelJS.Cell | undefined;
      ws.eachRow((row) => {
        if (row.getCell(1).value === label) found ??= row.getCell(2);
      });
      if (!found) throw new Error(`no row ${label} on ${ws.name}`);
      return found;
    };
    // Title heights: lines of 16-point text (21 points each) in the width of A:B at 95 %, 16/11 of a column
    // character a character, and one more when it wraps (it breaks at the space before the id).
    // Summary: 12 + 100 characters × 16/11 = 163 in 74 × 0.95 = 70.3: 3 lines + 1.
    // About: 19 + 100 characters × 16/11 = 173 in 134 × 0.95 = 127.3: 2 lines + 1.
    for (const [ws, title, height] of [[summary, `LTV report: ${cut}`, 4 * 21], [about, `About this report: ${cut}`, 3 * 21]] as const) {
      const a1 = ws.getCell('A1');
      expect(a1.value).toBe(title);
      expect(a1.alignment).toMatchObject({ wrapText: true, vertical: 'top' });
      expect(ws.getCell('B1').master.address).toBe('A1');
      expect(ws.getRow(1).height).toBe(height);
      expect(ws.pageSetup).toMatchObject({ orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0 });
      // No row taller than Excel's 409 points.
      ws.eachRow((row) => expect(row.height ?? 0).toBeLessThanOrEqual(409));
    }
    // Summary: 100 + 51 characters in column B (36 wide, 90 % of it): 5 lines of 15 points.
    const summaryTenant = valueOf(summary, 'Tenant');
    expect(summaryTenant.value).toBe(`${cut} (1,024 characters: the About sheet shows it whole)`);
    expect(summaryTenant.alignment).toMatchObject({ wrapText: true });
    expect(summary.getRow(Number(summaryTenant.row)).height).toBe(5 * 15);
    // About: 1,024 characters in column B (100 wide, 90 % of it): 12 lines of 15 points.
    const aboutTenant = valueOf(about, 'Tenant');
    expect(aboutTenant.value).toBe(report.tenant);
    expect(aboutTenant.alignment).toMatchObject({ wrapText: true });
    expect(about.getRow(Number(aboutTenant.row)).height).toBe(12 * 15);
    // Every sheet, the matrix sheets too: their titles name the tenant as the others do (a 1,024-character
    // id made a matrix sheet's title row 500 points tall, past Excel's 409), and no row is taller.
    const matrixSheet = sheet(wb, 'Monthly cohorts');
    expect(matrixSheet.getCell('A1').value).toBe(`Monthly cohorts: cumulative revenue per customer in EUR, ${cut} (matrix days-month-cohort)`);
    for (const ws of wb.worksheets) ws.eachRow((row) => expect(row.height ?? 0, `${ws.name} row ${row.number}`).toBeLessThanOrEqual(409));
  });

  it('keeps a warning\'s row on the Summary sheet within Excel\'s 409 points, however long the warning', async () => {
    const report = sampleReport();
    report.warnings = [{ code: 'stale_as_of', message: 'w'.repeat(4000) }];
    const wb = await roundTrip(report, { chartPng });
    const summary = sheet(wb, 'Summary');
    let warningRow: ExcelJS.Row | undefined;
    summary.eachRow((row) => {
      if (String(row.getCell(1).value).startsWith('Warning: ')) warningRow ??= row;
    });
    expect(warningRow?.height).toBe(409);
  });

  it('stops a matrix sheet at Excel\'s last column, saying so, where a matrix has more periods (17,000 renewals: "16385 is out of bounds", exit 70)', async () => {
    const report = sampleReport();
    const renewals = matrix(report, 'renewals-month-cohort');
    const total = renewals.rows.find((r) => r.type === 'total')!;
    const last = total.cells.at(-1)!;
    total.cells = Array.from({ length: 17_000 }, (_, k) => ({ ...last, period: k, revenue: k }));
    const wb = await roundTrip(report);
    const ws = sheet(wb, 'Monthly cohorts · renewals');
    // Periods 0 … 16,380 in columns D … XFD (16,384); 16,381 … 16,999 only in the Data sheet and ltv.csv.
    const header = ws.getRow(HEADER_ROW);
    expect(header.cellCount).toBe(16_384);
    expect(ws.getRow(HEADER_ROW + 1).getCell(16_384).value).toBe(16_380);
    expect(String(ws.getCell('A3').value)).toMatch(/^Columns \S.* to \S.* are past Excel's last column \(16,384\): the Data sheet and ltv\.csv hold them\. Italic with \*/);
    const data = wb.worksheets.filter((w) => w.name.startsWith('Data'));
    expect(data.reduce((n, w) => n + w.actualRowCount - 1, 0)).toBeGreaterThan(17_000 * 3);
  });

  it('continues the Data sheet on "Data 2", "Data 3" past the row limit', async () => {
    const report = sampleReport();
    const cells = report.matrices.reduce((n, m) => n + m.rows.reduce((k, r) => k + r.cells.length, 0), 0);
    // 198 data rows, 79 per sheet (80 with the header): 79 + 79 + 40.
    const wb = await roundTrip(report, { dataRowsPerSheet: 80 });
    const data = wb.worksheets.filter((w) => w.name.startsWith('Data'));
    expect(data.map((w) => w.name)).toEqual(['Data', 'Data 2', 'Data 3']);
    expect(wb.worksheets.at(-1)?.name).toBe('About');
    for (const ws of data) {
      expect(ws.getCell('A1').value).toBe('tenant');
      expect(ws.autoFilter).toBe(`A1:R${ws.actualRowCount}`);
    }
    expect(data.reduce((n, ws) => n + ws.actualRowCount - 1, 0)).toBe(cells * 3);
    expect(data.map((ws) => ws.actualRowCount)).toEqual([80, 80, 41]);
  });

  it('explains the numbers and the run on the About sheet', async () => {
    const wb = await roundTrip(sampleReport(), { quarantineFile: '/srv/reports/acme/runs/x/quarantine.csv' });
    const ws = sheet(wb, 'About');
    const facts = new Map<string, unknown>();
    ws.eachRow((row) => facts.set(String(row.getCell(1).value), row.getCell(2).value));
    for (const term of ['LTV per customer', 'Cohort', 'Complete and partial', 'Total and segment rows', 'Refunds', 'Revenue, proceeds, net revenue']) {
      expect(String(facts.get(term)).length, term).toBeGreaterThan(40);
    }
    expect(facts.get('As of (UTC)')).toBe('2026-03-16T15:00:00.000Z');
    expect(facts.get('Rows read')).toBe(24370);
    expect(facts.get('Rows quarantined (bad rows)')).toBe(15);
    expect(facts.get('Duplicate rows merged')).toBe(41);
    expect(facts.get('exports/transactions-2025.csv')).toBe('csv: 18,250 rows read, 12 quarantined');
    expect(facts.get('Quarantine file')).toBe('quarantine.csv');
    expect(String(facts.get('Quarantined rows'))).toContain('15 rows could not be used and were set aside (unreadable rows, and refunds the refund rules refused)');
    expect(facts.get('Matrices')).toBe('days-month-cohort, days-week-cohort, renewals-month-cohort, days-month-country');
    // A run whose job turns forecasts off says so (it said nothing about forecasts anywhere).
    expect(facts.get('Forecast')).toBe('off: the job\'s forecast.model is "off", so no cell is predicted');
  });

  it('writes no formula anywhere and neutralises formula-like text', async () => {
    const report = sampleReport();
    report.tenant = '=cmd|"/c calc"!A1';
    report.inputs[0]!.path = '@exports.csv';
    const wb = await roundTrip(report, { chartPng });
    let cells = 0;
    for (const ws of wb.worksheets) {
      ws.eachRow((row) =>
        row.eachCell((cell) => {
          cells++;
          expect(cell.type, `${ws.name}!${cell.address}`).not.toBe(ExcelJS.ValueType.Formula);
          expect(cell.formula, `${ws.name}!${cell.address}`).toBeUndefined();
          if (typeof cell.value === 'string') expect(cell.value, `${ws.name}!${cell.address}`).not.toMatch(/^[=+\-@\t\r\n]/);
        }),
      );
    }
    expect(cells).toBeGreaterThan(500);
    expect(sheet(wb, 'By country').getCell('A10').value).toBe(`'${INJECTION_SEGMENT}`);
    expect(sheet(wb, 'Summary').getCell('A1').value).toBe(`LTV report: ${report.tenant}`);
    const about = new Map<string, unknown>();
    sheet(wb, 'About').eachRow((row) => about.set(String(row.getCell(1).value), row.getCell(2).value));
    expect(about.get('Tenant')).toBe(`'${report.tenant}`);
    expect(about.has("'@exports.csv")).toBe(true);
    // A negative amount stays a number.
    expect(sheet(wb, 'Monthly cohorts').getCell('D12').value).toBe(-1.25);
  });

  it('keeps sheet names unique and within 31 characters', async () => {
    const report = sampleReport();
    const country = matrix(report, 'days-month-country');
    report.matrices.push(
      { ...country },
      { ...country, id: 'days-quarter-store_product_id', period_unit: 'quarter', cohort_unit: 'quarter', segmentation: 'store_product_id' },
      { ...country, id: 'renewals-quarter-paywalls_group', period_type: 'renewals', period_unit: 'quarter', cohort_unit: 'quarter', segmentation: 'paywalls_group' },
      { ...country, id: 'renewals-month-paywall', period_type: 'renewals', period_unit: 'month', segmentation: 'paywall' },
      { ...country, id: 'renewals-year-paywall', period_type: 'renewals', period_unit: 'year', cohort_unit: 'year', segmentation: 'paywall' },
    );
    // Renewals of quarterly cohorts listed before those of monthly ones: the quarterly tab was "By paywall ·
    // renewals" (its unit did not fit) and the monthly one "By paywall · renewals (2)".
    const monthly = report.matrices.findIndex((m) => m.id === 'renewals-month-paywall');
    report.matrices.splice(monthly, 0, { ...country, id: 'renewals-quarter-paywall', period_type: 'renewals', period_unit: 'quarter', cohort_unit: 'quarter', segmentation: 'paywall' });
    const wb = await roundTrip(report);
    const names = wb.worksheets.map((w) => w.name);
    expect(names).toContain('By country (2)');
    expect(names).toContain('By store product id · quarters');
    // Renewals of each cohort unit: the unit in every tab, in the longest form that fits 31 characters
    // ("By paywall · renewals (quarter)" is 31; "By paywalls group · renewals (quarter)" would be 38).
    const tabs = { 'renewals-quarter-paywalls_group': 'By paywalls group · rnw (qtr)', 'renewals-quarter-paywall': 'By paywall · renewals (quarter)',
      'renewals-month-paywall': 'By paywall · renewals (month)', 'renewals-year-paywall': 'By paywall · renewals (year)' };
    for (const [id, name] of Object.entries(tabs)) {
      expect(String(wb.getWorksheet(name)?.getCell('A1').value), name).toMatch(new RegExp(`\\(matrix ${id}\\)$`));
    }
    expect(names.filter((n) => n.includes('renewals') || n.includes('rnw'))).toEqual(['Monthly cohorts · renewals', ...Object.values(tabs)]);
    // The Summary's guide names the cohort unit of a segmentation's renewals.
    const guide = new Map<string, unknown>();
    sheet(wb, 'Summary').eachRow((row) => guide.set(String(row.getCell(1).value), row.getCell(2).value));
    expect(guide.get('By paywall · renewals (quarter)')).toBe('LTV heatmap: paywall × renewals, quarterly cohorts');
    expect(guide.get('By paywall · renewals (month)')).toBe('LTV heatmap: paywall × renewals, monthly cohorts');
    expect(guide.get('By paywall · renewals (year)')).toBe('LTV heatmap: paywall × renewals, yearly cohorts');
    expect(guide.get('By paywalls group · rnw (qtr)')).toBe('LTV heatmap: paywalls group × renewals, quarterly cohorts');
    expect(guide.get('By store product id · quarters')).toBe('LTV heatmap: store product id × quarters');
    expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(names.length);
    for (const n of names) expect(n.length).toBeLessThanOrEqual(31);
  });

  it('names each matrix not shown once on the About sheet', async () => {
    // Inputs without renewal numbers or durations: every renewals matrix is left out and named on About.
    // Renewals of monthly and quarterly cohorts by paywalls group were both "By paywalls group · renewals";
    // renewals of weekly cohorts are "Weekly cohorts · renewals" whatever their period_unit.
    const report = sampleReport();
    report.inputs = [{ path: 'x.csv', format: 'csv', rows: 10, quarantined: 0, columns: { customer_id: 'customer_id', event_time: 'event_time', amount: 'amount', country: 'country' } }];
    const country = matrix(report, 'days-month-country');
    const weekly = matrix(report, 'days-week-cohort');
    report.matrices.push(
      { ...country, id: 'renewals-month-paywalls_group', period_type: 'renewals', period_unit: 'month', segmentation: 'paywalls_group' },
      { ...country, id: 'renewals-quarter-paywalls_group', period_type: 'renewals', period_unit: 'quarter', cohort_unit: 'quarter', segmentation: 'paywalls_group' },
      { ...weekly, id: 'renewals-week-week', period_type: 'renewals', period_unit: 'week', segmentation: 'week' },
      { ...weekly, id: 'renewals-month-week', period_type: 'renewals', period_unit: 'month', cohort_unit: 'week', segmentation: 'week' },
    );
    const wb = await roundTrip(report);
    const labels: string[] = [];
    sheet(wb, 'About').eachRow((row) => labels.push(String(row.getCell(1).value)));
    expect(labels.filter((l) => l.startsWith('Not shown: '))).toEqual([
      'Not shown: Monthly cohorts · renewals',
      'Not shown: By paywalls group · rnw (mo)',
      'Not shown: By paywalls group · rnw (qtr)',
      'Not shown: Weekly cohorts · renewals',
      'Not shown: Weekly cohorts · renewals (renewals-month-week)',
    ]);
  });

  it('names every segmentation\'s renewals with their cohort unit, within 31 characters, all apart', () => {
    const country = matrix(sampleReport(), 'days-month-country');
    const names = (Object.keys(SEGMENT_COLUMNS) as AttributeSegmentation[]).flatMap((segmentation) => PERIOD_UNITS.map((unit) =>
      matrixSheetName({ ...country, id: `renewals-${unit}-${segmentation}`, period_type: 'renewals', period_unit: unit, cohort_unit: unit, segmentation })));
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n.length, n).toBeLessThanOrEqual(31);
    // The longest segmentation name (16 characters) takes the shortest form, exactly 31.
    expect(names).toContain('By store product id · rnw (qtr)');
    expect(names).toContain('By audience · renewals (qtr)');
    expect(names).toContain('By placement · renewals (month)');
    expect(names).toContain('By store · renewals (quarter)');
  });

  it('writes a daily matrix wider than 26 columns', async () => {
    const report = dailyReport(40);
    const wb = await roundTrip(report);
    const ws = sheet(wb, 'Daily cohorts');
    // 40 periods in columns D … AQ; the oldest cohort (row 7) reaches the last one (partial: "*").
    expect(ws.getCell('AQ5').value).toBe('Day 39');
    expect(ws.getCell('AQ7').value).toBe(report.matrices[0]!.rows[1]!.cells[39]!.revenue);
    expect(ws.getCell('AQ7').numFmt).toBe('"$"#,##0.00"*"');
    expect(ws.getCell('AP7').numFmt).toBe('"$"#,##0.00');
    expect(conditionalFormattings(ws)[0]?.ref).toBe('D7:AQ46');
    // Print-ready: 40 periods print two pages wide (30 a page), header row and title columns repeating.
    expect(ws.pageSetup).toMatchObject({ orientation: 'landscape', fitToPage: true, fitToWidth: 2, fitToHeight: 0, printTitlesRow: '5:5', printTitlesColumn: 'A:C' });
  });
});

/** The Data sheet `ws` against the report's model, row by row and column by column. */
function expectDataRows(ws: ExcelJS.Worksheet, report: TenantReport): void {
  const expected = report.matrices.flatMap((m) =>
    m.rows.flatMap((row) => row.cells.flatMap((cell) => ACCOUNTING_TYPES.map((at) => ({ m, row, cell, at })))),
  );
  expect(ws.actualRowCount).toBe(1 + expected.length);
  expect(ws.autoFilter).toBe(`A1:R${1 + expected.length}`);
  expect((ws.getRow(1).values as unknown[]).slice(1)).toEqual([
    'tenant', 'matrix', 'period_type', 'period_unit', 'segmentation', 'row_type', 'row_title', 'cohort_date',
    'segment', 'cohort_size', 'period', 'accounting_type', 'value', 'customers', 'state', 'complete_customers', 'lower', 'upper',
  ]);
  expected.forEach(({ m, row, cell, at }, i) => {
    const r = ws.getRow(2 + i);
    const title = row.title === INJECTION_SEGMENT ? `'${row.title}` : row.title;
    expect(Array.from({ length: 16 }, (_, j) => r.getCell(j + 1).value)).toEqual([
      report.tenant, m.id, m.period_type, m.period_unit, m.segmentation, row.type, title,
      // A cohort's first day is a date cell (text before: no date filter, no date arithmetic).
      row.type === 'cohort' ? new Date(`${row.title}T00:00:00Z`) : null, row.type === 'segment' ? title : null,
      row.customers, cell.period, at, cell[at], cell.customers, cell.state, cell.complete_customers,
    ]);
    expect(r.getCell(13).numFmt).toBe(EUR);
    if (row.type === 'cohort') expect(r.getCell(8).numFmt).toBe('yyyy-mm-dd');
  });
}
