// The workbook thread (writeXlsxOffThread.ts): writes ltv.xlsx from the report the run's thread sends,
// with the same writer as in process (writeXlsx), so the workbook is the same wherever it is written.
import { parentPort } from 'node:worker_threads';
import { threadError, type ThreadError } from '../config/startModuleThread.js';
import type { TenantReport } from '../ltv/model.js';
import { excelWriter } from './excelWriter.js';
import { writeXlsx, type XlsxOptions } from './writeXlsx.js';

/** XlsxOptions as posted: a Buffer arrives as a Uint8Array (structured clone). */
export interface XlsxRequest {
  id: number;
  report: TenantReport;
  path: string;
  options: Omit<XlsxOptions, 'chartPng' | 'forecastPng'> & { chartPng?: Uint8Array; forecastPng?: Uint8Array };
}

export type XlsxReply = { id: number } | { id: number; error: ThreadError };

const asBuffer = (u: Uint8Array | undefined): Buffer | undefined => (u ? Buffer.from(u.buffer, u.byteOffset, u.byteLength) : undefined);

void excelWriter().catch(() => undefined);
parentPort!.on('message', (req: XlsxRequest) => {
  const { chartPng, forecastPng, ...rest } = req.options;
  const chart = asBuffer(chartPng);
  const forecast = asBuffer(forecastPng);
  writeXlsx(req.report, req.path, { ...rest, ...(chart ? { chartPng: chart } : {}), ...(forecast ? { forecastPng: forecast } : {}) }).then(
    () => parentPort!.postMessage({ id: req.id } satisfies XlsxReply),
    (e: unknown) => parentPort!.postMessage({ id: req.id, error: threadError(e) } satisfies XlsxReply),
  );
});
