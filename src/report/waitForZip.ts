// exceljs's streaming writer has no backpressure: a committed row is handed to the zip at once and
// buffered in memory until archiver and zlib get a turn on the event loop. A loop that writes a
// 730 × 730 matrix without ever yielding holds the whole workbook in memory. Writers call this every
// few thousand rows: it waits while the zip entry of the sheet has more queued than it wants
// (its 'drain'), and otherwise yields once so compression and the file write can run.
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type ExcelJS from 'exceljs';

/**
 * exceljs 4.4.0: a WorksheetWriter's `stream` is a StreamBuf whose `pipes` are the zip entry's input,
 * a PassThrough of readable-stream 2, which predates `writableNeedDrain`: its `_writableState` is read.
 */
type EntryInput = Writable & { _writableState?: { needDrain?: boolean } };
interface SheetStream {
  stream: { pipes?: EntryInput[] };
}

export async function waitForZip(sheet: ExcelJS.Worksheet): Promise<void> {
  const pipes = (sheet as unknown as SheetStream).stream.pipes ?? [];
  const full = pipes.filter((p) => p._writableState?.needDrain === true);
  if (full.length > 0) await Promise.all(full.map((p) => once(p, 'drain')));
  else await new Promise((resolve) => setImmediate(resolve));
}

/** Rows between two waits: small enough to bound memory, large enough not to slow the loop. */
export const ROWS_PER_WAIT = 2000;
