// ltv.csv (SPEC §5): the tidy rows of tidyRows.ts as RFC 4180 text, UTF-8 without a byte-order mark,
// CRLF line ends (RFC 4180 §2). Money is a plain number with a dot and exactly 2 decimals; text is
// neutralised against formula injection. Written as a stream: a two-year daily matrix is ~1.6 M lines.
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { TenantReport } from '../ltv/model.js';
import { csvField } from '../format/text.js';
import { TIDY_COLUMNS, tidyRows, type TidyRow } from './tidyRows.js';

const EOL = '\r\n';
/** Lines are batched into chunks of about this many characters: one write per line is slow. */
const CHUNK_CHARS = 64 * 1024;

export async function writeCsv(report: TenantReport, path: string): Promise<void> {
  await pipeline(Readable.from(csvChunks(report)), createWriteStream(path));
}

function* csvChunks(report: TenantReport): Generator<string> {
  let chunk = TIDY_COLUMNS.join(',') + EOL;
  for (const row of tidyRows(report)) {
    chunk += csvLine(row);
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk;
}

function csvLine(row: TidyRow): string {
  return (
    [
      csvField(row.tenant),
      csvField(row.matrix),
      csvField(row.period_type),
      csvField(row.period_unit),
      csvField(row.segmentation),
      csvField(row.row_type),
      csvField(row.row_title),
      csvField(row.cohort_date),
      csvField(row.segment),
      String(row.cohort_size),
      String(row.period),
      csvField(row.accounting_type),
      // Values arrive rounded to 2 decimals, so toFixed only pads ("12.3" → "12.30"), never rounds.
      row.value.toFixed(2),
      String(row.customers),
      csvField(row.state),
      String(row.complete_customers),
      row.lower === null ? '' : row.lower.toFixed(2),
      row.upper === null ? '' : row.upper.toFixed(2),
    ].join(',') + EOL
  );
}

