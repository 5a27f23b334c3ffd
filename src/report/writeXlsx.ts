// ltv.xlsx (SPEC §5): Summary, one heatmap sheet per cohort matrix, one per segmentation matrix, the
// Data sheet(s) and About, in that order. Written with exceljs's streaming WorkbookWriter, each sheet
// committed before the next starts, so memory stays bounded for a 730 × 730 daily matrix (see
// test/bench/xlsxBench.ts). No formulas anywhere: every text cell goes through cellText (neutralised, controls shown, cut to 32,767 characters).
// exceljs (0.15–0.3 s to load) is imported when a workbook is written, or early by warmUpWriters while
// DuckDB computes; the sheet writers import only its types.
import { createWriteStream } from 'node:fs';
import type ExcelJS from 'exceljs';
import { picturesDrawn, type Picture } from './addStreamingPicture.js';
import { excelWriter } from './excelWriter.js';
import type { Matrix, TenantReport } from '../ltv/model.js';
import { cohortAdjective, isAttributeSegmentation, MAX_SHEET_NAME, matrixSheetName } from './matrixSheetName.js';
import { reportShape } from './reportShape.js';
import { writeAboutSheet } from './writeAboutSheet.js';
import { EXCEL_MAX_ROWS, writeDataSheets } from './writeDataSheets.js';
import { writeForecastSheet } from './writeForecastSheet.js';
import { writeMatrixSheet } from './writeMatrixSheet.js';
import { writeSummarySheet, type SheetGuide } from './writeSummarySheet.js';

export interface XlsxOptions {
  /** The chart of renderChart, shown on the Summary sheet; a late one (still being drawn) is awaited only
   *  when the workbook is zipped up, after every sheet is written. */
  chartPng?: Picture;
  /** The run's quarantine file, named on the About sheet. */
  quarantineFile?: string;
  /** Rows per Data sheet, header included; Excel's limit unless a test wants to see the overflow. */
  dataRowsPerSheet?: number;
  /** The fan chart of renderForecastChart, shown on the Forecast sheet (SPEC §9); may be late too. */
  forecastPng?: Picture;
}

/**
 * archiver's default is zlib level 1. Measured on the example's workbook: level 1 618 KB, 6 518 KB
 * (+0.1–0.2 s), 9 473 KB (+0.4 s).
 */
const ZIP_LEVEL = 6;

export async function writeXlsx(report: TenantReport, path: string, opts: XlsxOptions = {}): Promise<void> {
  const { WorkbookWriter } = await excelWriter();
  // Our own file stream, whose error fails the workbook: exceljs listens for the file's errors only once it
  // commits, so a full disk in the middle stopped the zip's output for good and every wait on it (the sheets'
  // drains, the commit) hung: the run never ended, a signal could not stop it.
  const file = createWriteStream(path);
  const failed = new Promise<never>((_, reject) => file.once('error', reject));
  failed.catch(() => undefined);
  const workbook: ExcelJS.stream.xlsx.WorkbookWriter = new WorkbookWriter({
    stream: file, useStyles: true, useSharedStrings: true,
    zip: { zlib: { level: ZIP_LEVEL } },
  });
  // A file stream that fails closes itself (autoDestroy).
  await Promise.race([writeSheets(workbook, report, opts), failed]);
}

async function writeSheets(workbook: ExcelJS.stream.xlsx.WorkbookWriter, report: TenantReport, opts: XlsxOptions): Promise<void> {
  workbook.creator = 'ltv';
  // The run's own time, not the clock: a retried run writes the same workbook.
  workbook.created = new Date(report.generated_at);
  workbook.modified = new Date(report.generated_at);

  const names = new SheetNames();
  const summaryName = names.take('Summary');
  // Only the heatmaps the data gives meaning to (reportShape.ts); the rest are named on the About sheet.
  const shape = reportShape(report);
  // Cohort matrices (rows are cohorts) before segmentations (rows are attribute values), SPEC §5.
  const byCohort = shape.shown.filter((m) => !isAttributeSegmentation(m));
  const bySegment = shape.shown.filter(isAttributeSegmentation);
  const matrixSheets = [...byCohort, ...bySegment].map((m) => ({ matrix: m, name: names.take(matrixSheetName(m)) }));
  const forecastName = report.forecast ? names.take('Forecast') : null;
  const dataName = (i: number): string => names.take(i === 0 ? 'Data' : `Data ${i + 1}`);
  // Names are fixed before writing so the Summary can list them; Data's continuation sheets, which
  // only a report over ~1 M cells has, are named as they come.
  const firstData = dataName(0);
  const aboutName = names.take('About');

  const guide: SheetGuide[] = [
    ...matrixSheets.map(({ matrix, name }) => ({ name, description: matrixDescription(matrix) })),
    ...(forecastName ? [{ name: forecastName, description: 'Predicted LTV, interval, backtest (SPEC §9)' }] : []),
    { name: firstData, description: 'Every cell, long form (as ltv.csv)' },
    { name: aboutName, description: 'Definitions, inputs, row counts' },
  ];
  writeSummarySheet(workbook, summaryName, report, guide, shape, opts.chartPng);
  for (const { matrix, name } of matrixSheets) await writeMatrixSheet(workbook, name, matrix, report);
  if (forecastName) writeForecastSheet(workbook, forecastName, report, opts.forecastPng);
  await writeDataSheets(workbook, report, (i) => (i === 0 ? firstData : dataName(i)), opts.dataRowsPerSheet ?? EXCEL_MAX_ROWS);
  writeAboutSheet(workbook, aboutName, report, shape, opts.quarantineFile);
  await picturesDrawn(workbook);
  await workbook.commit();
}

/** Short enough to sit beside the sheet name on the Summary without wrapping. */
function matrixDescription(m: Matrix): string {
  const rows = isAttributeSegmentation(m) ? m.segmentation.replaceAll('_', ' ') : `${m.cohort_unit} cohorts`;
  const cols = m.period_type === 'renewals' ? 'renewals' : `${m.period_unit}s`;
  // A segmentation's renewals depend on the cohort unit (which renewals its customers have reached): named,
  // or matrices of quarterly, monthly and yearly cohorts read alike. Days periods name it already.
  const unit = isAttributeSegmentation(m) && m.period_type === 'renewals' ? `, ${cohortAdjective(m)} cohorts` : '';
  return `LTV heatmap: ${rows} × ${cols}${unit}`;
}

/** Sheet names are unique (case-insensitively, as Excel compares them) and at most 31 characters. */
class SheetNames {
  private readonly used = new Set<string>();

  take(wanted: string): string {
    const clean = wanted.replace(/[\\/?*[\]:]/g, ' ').slice(0, MAX_SHEET_NAME);
    let name = clean;
    for (let i = 2; this.used.has(name.toLowerCase()); i++) {
      const suffix = ` (${i})`;
      name = clean.slice(0, MAX_SHEET_NAME - suffix.length) + suffix;
    }
    this.used.add(name.toLowerCase());
    return name;
  }
}
