// ltv.csv (SPEC §5): the tidy rows of tidyRows.ts as RFC 4180 text, UTF-8 without a byte-order mark,
// CRLF line ends (RFC 4180 §2). Money is a plain number with a dot and exactly 2 decimals; text is
// neutralised against formula injection. Written as a stream: a two-year daily matrix is ~1.6 M lines.
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { TenantReport } from '../ltv/model.js';
import { neutraliseText } from './neutraliseText.js';
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
      csvText(row.tenant),
      csvText(row.matrix),
      csvText(row.period_type),
      csvText(row.period_unit),
      csvText(row.segmentation),
      csvText(row.row_type),
      csvText(row.row_title),
      csvText(row.cohort_date),
      csvText(row.segment),
      String(row.cohort_size),
      String(row.period),
      csvText(row.accounting_type),
      // Values arrive rounded to 2 decimals, so toFixed only pads ("12.3" → "12.30"), never rounds.
      row.value.toFixed(2),
      String(row.customers),
      csvText(row.state),
      String(row.complete_customers),
      row.lower === null ? '' : row.lower.toFixed(2),
      row.upper === null ? '' : row.upper.toFixed(2),
    ].join(',') + EOL
  );
}

/** RFC 4180 §2.6–2.7: quote a field holding a comma, quote or line break, doubling inner quotes. */
function csvText(text: string): string {
  const safe = neutraliseText(text);
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
