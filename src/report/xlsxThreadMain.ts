// The workbook thread (writeXlsxOffThread.ts): writes ltv.xlsx from the report the run's thread sends,
// with the same writer as in process (writeXlsx), so the workbook is the same wherever it is written.
// A chart still being drawn comes as its size alone and its bytes in a second message (lateCharts.ts):
// the sheets are written meanwhile, and the workbook waits for the bytes only when it is zipped up.
import { parentPort } from 'node:worker_threads';
import { threadError, type ThreadError } from '../config/startModuleThread.js';
import type { TenantReport } from '../ltv/model.js';
import { excelWriter } from './excelWriter.js';
import { writePostedRequest, type LateCharts, type PngSize } from './lateCharts.js';
import type { XlsxOptions } from './writeXlsx.js';

/** XlsxOptions as posted: a Buffer arrives as a Uint8Array (structured clone); a late chart as its size. */
export interface XlsxRequest {
  id: number;
  report: TenantReport;
  path: string;
  options: Omit<XlsxOptions, 'chartPng' | 'forecastPng'> & { chartPng?: Uint8Array | PngSize; forecastPng?: Uint8Array | PngSize };
}

/** The second message of a request with late charts: their bytes, or why there are none. */
export type XlsxLater = ({ id: number } & LateCharts) | { id: number; laterError: string };

export type XlsxReply = { id: number } | { id: number; error: ThreadError };

/** What each request being written waits for, by id, until its second message comes. */
const waiting = new Map<number, (m: XlsxLater) => void>();

void excelWriter().catch(() => undefined);
parentPort!.on('message', (m: XlsxRequest | XlsxLater) => {
  if (!('report' in m)) {
    waiting.get(m.id)?.(m);
    waiting.delete(m.id);
    return;
  }
  let later: Promise<LateCharts> | undefined;
  const second = (): Promise<LateCharts> => (later ??= new Promise<XlsxLater>((resolve) => waiting.set(m.id, resolve)).then((l) => {
    if ('laterError' in l) throw new Error(l.laterError);
    return l;
  }));
  writePostedRequest(m, second).then(
    () => parentPort!.postMessage({ id: m.id } satisfies XlsxReply),
    (e: unknown) => parentPort!.postMessage({ id: m.id, error: threadError(e) } satisfies XlsxReply),
  ).finally(() => waiting.delete(m.id));
});
