// ltv.xlsx written on a thread of its own (issue 13: on 200 small shops in one input the render stage was
// bound by the run's one thread, of which the workbooks, exceljs building and zipping their XML, were
// ~a quarter, while the chart thread left the other core half idle). The render stage hands a tenant's
// workbook to this thread with its charts and goes on to the next tenant's snapshots, json, csv and
// report.html; the write is a pending write of the run's staging directory (pendingWrites.ts), so
// publishing waits for it and an abandoned run waits for it before it removes the directory. Same writer,
// same workbook (xlsxThreadMain.ts calls writeXlsx). One thread per process, started with the chart thread
// while DuckDB computes; it keeps the process alive only while it has work. Where the thread cannot start
// or dies, the workbooks are written in process as before.
import { RequestThread, type Waiting } from '../config/startModuleThread.js';
import type { TenantReport } from '../ltv/model.js';
import { excelWriter } from './excelWriter.js';
import { writeXlsx, type XlsxOptions } from './writeXlsx.js';
import type { XlsxReply, XlsxRequest } from './xlsxThreadMain.js';

interface Pending extends Waiting<void> {
  report: TenantReport;
  path: string;
  options: XlsxOptions;
}

let thread: RequestThread<void, Pending> | null | undefined;

/**
 * The thread with its replies handled. One that fails to start or dies: what it had not written is written
 * in process, and so is every later workbook of this process.
 */
function startThread(): RequestThread<void, Pending> | null {
  const t: RequestThread<void, Pending> | null = RequestThread.start<void, XlsxReply, Pending>(import.meta.url, 'xlsxThreadMain',
    () => undefined,
    (_why, left) => {
      if (thread === t) thread = null;
      for (const p of left) writeXlsx(p.report, p.path, p.options).then(p.resolve, p.reject);
    });
  return t;
}

/** Starts the workbook thread (it loads exceljs meanwhile) if it is not running; exceljs here otherwise. */
export function warmUpXlsxThread(): void {
  if (thread === undefined) thread = startThread();
  if (thread === null) void excelWriter().catch(() => undefined);
}

/** writeXlsx on the workbook thread: the same workbook, written while this thread does other work. */
export function writeXlsxOffThread(report: TenantReport, path: string, options: XlsxOptions = {}): Promise<void> {
  warmUpXlsxThread();
  const t = thread;
  if (!t) return writeXlsx(report, path, options);
  return new Promise<void>((resolve, reject) => {
    const id = t.add({ resolve, reject, report, path, options });
    try {
      t.worker.postMessage({ id, report, path, options } satisfies XlsxRequest);
    } catch {
      // Something in the report a thread cannot be sent: written here.
      t.forget(id);
      writeXlsx(report, path, options).then(resolve, reject);
    }
  });
}

/** Whether the workbook thread is running (workbooks are written in process otherwise). */
export function xlsxThreadRunning(): boolean {
  return Boolean(thread);
}
