// ltv.csv (SPEC §5): the tidy rows of tidyRows.ts as RFC 4180 text, UTF-8 without a byte-order mark,
// CRLF line ends (RFC 4180 §2). Money is a plain number with a dot and exactly 2 decimals; text is
// neutralised against formula injection. Written as a stream: a two-year daily matrix is ~1.6 M lines.
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { TenantReport } from '../ltv/model.js';
import { csvField } from '../format/text.js';
import { TIDY_COLUMNS, sameHead, tidyRows, type TidyRow } from './tidyRows.js';

const EOL = '\r\n';
/** Lines are batched into chunks of about this many characters: one write per line is slow. */
const CHUNK_CHARS = 64 * 1024;

export async function writeCsv(report: TenantReport, path: string): Promise<void> {
  await pipeline(Readable.from(csvChunks(report)), createWriteStream(path));
}

function* csvChunks(report: TenantReport): Generator<string> {
  let chunk = TIDY_COLUMNS.join(',') + EOL;
  // A matrix row's cells share their first ten columns: they are quoted and joined once per row, not once
  // per line (a line cost ~4 µs with every field through csvField; 1.6 M lines in a two-year daily run).
  let last: TidyRow | undefined;
  let head = '';
  for (const row of tidyRows(report)) {
    if (last === undefined || !sameHead(row, last)) head = csvHead(row);
    last = row;
    chunk += csvTail(head, row);
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk;
}

/** The columns tenant … cohort_size (TIDY_HEAD_COLUMNS), each followed by its comma. */
function csvHead(row: TidyRow): string {
  return [
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
    '',
  ].join(',');
}

/** The few words accounting_type and state take, quoted as csvField quotes them, each once. */
const WORDS = new Map<string, string>();
function word(text: string): string {
  let field = WORDS.get(text);
  if (field === undefined) WORDS.set(text, (field = csvField(text)));
  return field;
}

/** The line from `head` (csvHead's) on: period … upper and the line end. */
function csvTail(head: string, row: TidyRow): string {
  // Values arrive rounded to 2 decimals, so toFixed only pads ("12.3" → "12.30"), never rounds.
  return `${head}${row.period},${word(row.accounting_type)},${row.value.toFixed(2)},${row.customers},${word(row.state)},${row.complete_customers},${row.lower === null ? '' : row.lower.toFixed(2)},${row.upper === null ? '' : row.upper.toFixed(2)}${EOL}`;
}
