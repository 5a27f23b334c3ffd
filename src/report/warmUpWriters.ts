// Called when a run's compute stage starts: what the render stage needs and takes long to load (the chart
// thread with its wasm and fonts, the workbook thread with exceljs) is loaded while DuckDB computes the matrices and this thread
// waits, instead of before DuckDB has any work (loading the workbook writer blocks this thread for ~0.1 s), during
// ingest (whose statements keep both cores busy) or when the first chart or workbook is written. A failure
// is left to the writer itself to report.
import { warmUpChartThread } from './svgToPngOffThread.js';
import { warmUpXlsxThread } from './writeXlsxOffThread.js';

export function warmUpWriters(): void {
  warmUpChartThread();
  warmUpXlsxThread();
}
