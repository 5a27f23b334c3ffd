// The workbook thread (writeXlsxOffThread.ts): writes ltv.xlsx from the report the run's thread sends,
// with the same writer as in process (writeXlsx), so the workbook is the same wherever it is written.
import { parentPort } from 'node:worker_threads';
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

/** A failure keeps what the run's error handling reads of it: a full disk's code and path (storageError). */
export interface ThreadError {
  message: string;
  code?: string;
  path?: string;
  syscall?: string;
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
    (e: unknown) => {
      const err = e as NodeJS.ErrnoException;
      const error: ThreadError = { message: e instanceof Error ? e.message : String(e) };
      if (typeof err?.code === 'string') error.code = err.code;
      if (typeof err?.path === 'string') error.path = err.path;
      if (typeof err?.syscall === 'string') error.syscall = err.syscall;
      parentPort!.postMessage({ id: req.id, error } satisfies XlsxReply);
    },
  );
});
