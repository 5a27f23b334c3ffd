// ltv.xlsx written on a thread of its own (issue 13: on 200 small shops in one input the render stage was
// bound by the run's one thread, of which the workbooks, exceljs building and zipping their XML, were
// ~a quarter, while the chart thread left the other core half idle). The render stage hands a tenant's
// workbook to this thread with its charts and goes on to the next tenant's snapshots, json, csv and
// report.html; the write is a pending write of the run's staging directory (pendingWrites.ts), so
// publishing waits for it and an abandoned run waits for it before it removes the directory. Same writer,
// same workbook (xlsxThreadMain.ts calls writeXlsx). One thread per process, started with the chart thread
// while DuckDB computes (OffThread, src/config/startModuleThread.ts); where the thread cannot start or
// dies, the workbooks are written in process as before.
import { OffThread } from '../config/startModuleThread.js';
import type { TenantReport } from '../ltv/model.js';
import { excelWriter } from './excelWriter.js';
import { lateCharts, postedRequest, writePostedRequest, type LateCharts } from './lateCharts.js';
import type { XlsxOptions } from './writeXlsx.js';
import type { XlsxReply, XlsxRequest } from './xlsxThreadMain.js';

type Posted = Omit<XlsxRequest, 'id'>;

/** A request done here (no thread runs): its charts turned back as the thread turns them. */
function inProcess(req: Posted, later: Promise<LateCharts> | undefined): Promise<void> {
  return writePostedRequest(req, () => later ?? Promise.reject(new Error('a late chart without its second message')));
}

const workbooks = new OffThread<Posted, void, XlsxReply, LateCharts>(import.meta.url, 'xlsxThreadMain',
  () => undefined,
  inProcess,
  () => void excelWriter().catch(() => undefined));

/** Starts the workbook thread (it loads exceljs meanwhile) if it is not running; exceljs here otherwise. */
export function warmUpXlsxThread(): void {
  workbooks.warmUp();
}

/**
 * writeXlsx on the workbook thread: the same workbook, written while this thread does other work. Its
 * charts may be late (LatePng, still being drawn): the thread gets their sizes now and their bytes once
 * drawn, and writes the sheets meanwhile.
 */
export function writeXlsxOffThread(report: TenantReport, path: string, options: XlsxOptions = {}): Promise<void> {
  return workbooks.run(postedRequest(report, path, options), lateCharts(options));
}

/** Whether the workbook thread is running (workbooks are written in process otherwise). */
export function xlsxThreadRunning(): boolean {
  return workbooks.running();
}
