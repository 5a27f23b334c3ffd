// SPEC §3 bad rows, exact lines: ltv's own record splitter for text inputs (CSV/TSV, JSON Lines,
// whitespace-separated), so that every record keeps its physical line and a broken record never takes a
// valid neighbour with it. DuckDB's CSV reader with ignore_errors/store_rejects could not promise that: it
// rejected a valid quoted row near an unterminated quote, refused files with mixed line endings, and
// counted lines from its own record numbers (one too few after an empty line or a quoted line break).
//
// Two ways a file reaches DuckDB:
// - `checkPlainCsv` proves, with native scans only (memchr-speed indexOf, isUtf8) and a look at the start of
//   each line, that a plain CSV file has nothing that could make DuckDB's reading differ from ours: one record
//   per physical line, one kind of line ending, no blank line, no repeated header (in any case or spacing,
//   or in another layout: refused),
//   quotes only as whole, closed fields, valid UTF-8, no NUL byte. DuckDB then reads the file itself,
//   strictly (a wrong field count fails the read, and the file is read again the second way): the common
//   case costs no more than before.
// - `splitToClean` otherwise (and for every compressed file, JSON Lines and whitespace-separated text):
//   a streaming RFC 4180 splitter writes a clean file of `line, reason, fields…` records that DuckDB reads
//   with fixed options. A record it cannot split takes exactly one physical line (the one it starts on)
//   into quarantine with its reason; splitting resumes on the next line. Except a record past
//   MAX_RECORD_BYTES that is one (its quoted values hold line breaks, it closes into the header's number
//   of fields: longRecordEnd reads ahead to know): each of its lines is a bad row (the inside of its quotes
//   is never read as records, nor lost from the counts), and splitting resumes after it. So is a shorter
//   record whose quoted value holds a whole line of the header's number of fields (strayQuote): a quote
//   opened by mistake, the rows inside it otherwise one value.
import { isAscii, isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { AppError } from '../config/AppError.js';

const LF = 10;
const CR = 13;
const QUOTE = 34;
const SPACE = 32;
const TAB = 9;
const VT = 11;
const FF = 12;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
/** Longest record (or line) read; a longer one is quarantined. DuckDB's max_line_size is set above it. */
export const MAX_RECORD_BYTES = 1 << 20;
/** Separator of the clean lines file: a control character that valid JSON and text exports never hold raw. */
export const LINES_SEPARATOR = '\u0001';
/** A first line that opens a JSON object (`{"` or `{}`): JSON Lines, whatever the name or a job says. */
export const JSON_OBJECT_START = /^\uFEFF?[ \t]*\{\s*["}]/;

export interface SplitStats {
  /** Data records handed on (valid or carrying a reason), header excluded. */
  records: number;
  /** Empty lines, or of white space (Unicode's) and delimiters only: no data, counted (isBlank). */
  blank_lines: number;
  /** Lines repeating the header (concatenated exports), its names in any case and spacing: skipped, counted. */
  repeated_header_lines: number;
}

export interface CsvHeader {
  /** Column names as DuckDB will know them (empty names become column<i>, duplicates get a suffix). */
  names: string[];
  /** Lower-cased names the header holds more than once (ambiguous if mapped). */
  duplicated: Set<string>;
  delimiter: string;
  /** Each name as names match (spacedKey), in order: a record holding these repeats the header (repeatsHeader). */
  keys: string[];
}

/** Where the bytes come from: a gzip stream is inflated (and its checksum verified) on the way. */
export interface TextSource {
  path: string;
  gzip: boolean;
  /** A cancelled run stops reading at the next chunk. */
  signal?: AbortSignal | undefined;
  /**
   * The format an input's own field gives (`inputs[0].format` "csv"), when it gives one: content that
   * contradicts it is that field's mistake, and the message says which value to set (a name is no help).
   */
  format?: { field: string; value: string } | undefined;
}

function stream(src: TextSource): Readable {
  const raw = createReadStream(src.path, { highWaterMark: 1 << 20 });
  if (!src.gzip) return raw;
  const z = createGunzip({ chunkSize: 1 << 20 });
  raw.on('error', (e) => z.destroy(e));
  return raw.pipe(z);
}

/** A damaged compressed file is refused with one line naming it (never read up to the damage, silently). */
export function readError(src: Pick<TextSource, 'path' | 'gzip'>, e: unknown): AppError {
  const err = e as NodeJS.ErrnoException;
  if (src.gzip && (err.code?.startsWith('Z_') || /unexpected end|incorrect header|invalid|check/i.test(err.message))) {
    return new AppError(
      'INPUT',
      `${src.path}: damaged gzip data (${err.message}): the file is truncated or corrupt; nothing of it was read — export or copy it again`,
      { cause: e },
    );
  }
  return new AppError('INPUT', `${src.path}: cannot be read (${err.code ?? err.message})`, { cause: e });
}

async function* chunks(src: TextSource): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of stream(src)) {
      src.signal?.throwIfAborted();
      yield chunk as Buffer;
    }
  } catch (e) {
    if (src.signal?.aborted) throw new AppError('TRANSIENT', 'INTERRUPT: the run was cancelled', { retryable: true });
    throw readError(src, e);
  }
}

// ---------------------------------------------------------------------------------------------------------
// The header

/** Sniffs the delimiter from the header line: the most frequent of , tab ; | outside quotes (',' if none). */
export function sniffDelimiter(headerLine: string): string {
  const counts = new Map<string, number>([[',', 0], ['\t', 0], [';', 0], ['|', 0]]);
  let quoted = false;
  for (const ch of headerLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  let best = ',';
  for (const [d, n] of counts) if (n > counts.get(best)!) best = d;
  return best;
}

/** The header record's field values (RFC 4180 quoting), or null when it is not one well-formed line. */
function parseHeaderFields(line: Buffer, delim: number): string[] | null {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === QUOTE) {
      let value = '';
      let from = ++i;
      for (;;) {
        const q = line.indexOf(QUOTE, i);
        if (q < 0) return null;
        if (line[q + 1] === QUOTE) {
          value += line.toString('utf8', from, q + 1);
          i = from = q + 2;
          continue;
        }
        value += line.toString('utf8', from, q);
        i = q + 1;
        break;
      }
      fields.push(value);
      if (i >= line.length) return fields;
      if (line[i] !== delim) return null;
      i++;
    } else {
      let end = line.indexOf(delim, i);
      if (end < 0) end = line.length;
      const value = line.toString('utf8', i, end);
      if (value.includes('"')) return null;
      fields.push(value);
      if (end >= line.length) return fields;
      i = end + 1;
    }
  }
}

function headerOf(src: TextSource, line: Buffer, delimiter: string | undefined): CsvHeader {
  // UTF-16 is refused before (checkStart): a NUL here is no text.
  if (line.includes(0)) throw new AppError('INPUT', `${src.path}: line 1 (the header) holds a NUL byte: the file is binary or damaged, not CSV text`);
  if (!isUtf8(line)) {
    // Read anyway, its names would hold U+FFFD and match no name of the job's ("pa�s" for "país").
    throw new AppError('INPUT', `${src.path}: line 1 (the header) is not valid UTF-8 text (Latin-1 or Windows-1252?): save the export as UTF-8`);
  }
  if (isBlank(line, 0, line.length, -1)) {
    throw new AppError('INPUT', `${src.path}: line 1 (the header) is empty: the first line must name the columns (customer_id,event_time,amount, …); remove the empty lines before the header (a file of empty lines only holds no export: export it again)`);
  }
  const text = line.toString('utf8');
  // JSON Lines read as CSV because the job says so (its name would have told: resolveInputs.ts detectFormat).
  if (src.format && JSON_OBJECT_START.test(text)) {
    throw new AppError('INPUT', `${src.path}: line 1 is a JSON object, as in JSON Lines, but ${src.format.field} says "${src.format.value}": set it to "jsonl"`);
  }
  const delim = delimiter ?? sniffDelimiter(text);
  const fields = parseHeaderFields(line, delim.charCodeAt(0));
  if (!fields) throw new AppError('INPUT', `${src.path}: line 1 (the header) is not a well-formed CSV record: fix its quotes`);
  const seen = new Map<string, number>();
  const duplicated = new Set<string>();
  const names = fields.map((raw, i) => {
    const name = raw.trim() === '' ? `column${i + 1}` : raw.trim();
    const lower = name.toLowerCase();
    const n = (seen.get(lower) ?? 0) + 1;
    seen.set(lower, n);
    if (n === 1) return name;
    duplicated.add(lower);
    return `${name}__${n}`;
  });
  return { names, duplicated, delimiter: delim, keys: fields.map(spacedKey) };
}

/**
 * A column name as names match (readInputs.ts mapColumn, README "CSV"): case and runs of white space (line
 * breaks included) ignored.
 */
export function spacedKey(name: string): string {
  return name.toLowerCase().replace(/\s+/g, ' ').trim();
}

/**
 * Whether a record [from, end) of a CSV file names the header's columns again, as names match: a
 * concatenated export whose header another tool wrote (`Customer_ID` under `customer_id`, a name padded or
 * quoted). Only a record that may start with the first name (`first`, its key's bytes) is parsed.
 */
function repeatsHeader(b: Buffer, from: number, end: number, delim: number, keys: readonly string[], first: Buffer): boolean {
  if (!mayStartWith(b, from, end, first, delim)) return false;
  const fields = parseHeaderFields(b.subarray(from, end), delim);
  return fields !== null && fields.length === keys.length && fields.every((f, i) => spacedKey(f) === keys[i]);
}

/** The header's names as names match (empty ones aside), and the lowered first bytes they may start with. */
interface HeaderNames {
  keys: ReadonlySet<string>;
  starts: Uint8Array;
  /** Byte lengths a field naming one of them may have as written plainly: each name's, and quoted (+2). */
  lengths: ReadonlySet<number>;
}

function headerNames(keys: readonly string[]): HeaderNames {
  const starts = new Uint8Array(256);
  const lengths = new Set<number>();
  for (const key of keys) {
    if (key === '') continue;
    const bytes = Buffer.from(key);
    starts[bytes[0]!] = 1;
    lengths.add(bytes.length).add(bytes.length + 2);
  }
  return { keys: new Set(keys.filter((k) => k !== '')), starts, lengths };
}

/**
 * Whether a record [from, end) that does not repeat the header (repeatsHeader) names only its columns, as
 * names match, in another order or another number of them: a header of another export's layout, whose rows
 * would be read by this header's positions. Only a record whose first field is one of the names is parsed.
 */
function otherLayout(b: Buffer, from: number, end: number, delim: number, keys: readonly string[], names: HeaderNames): boolean {
  let i = from;
  while (i < end && (isSpace(b[i], delim) || b[i] === QUOTE)) i++;
  const c = b[i];
  if (c === undefined || i >= end || (c < 0x80 && names.starts[c >= 65 && c <= 90 ? c + 32 : c] !== 1)) return false;
  const at = b.indexOf(delim, from);
  if (!names.keys.has(spacedKey(b.toString('utf8', from, at < 0 || at > end ? end : at).replaceAll('"', '')))) return false;
  const fields = parseHeaderFields(b.subarray(from, end), delim)?.map(spacedKey);
  // Two names at least: a line holding one name alone (`amount`) is a bad row of one field, not a layout.
  if (!fields || fields.length < 2 || !fields.every((f) => names.keys.has(f))) return false;
  return fields.length !== keys.length || fields.some((f, k) => f !== keys[k]);
}

/**
 * ASCII white space within a field, line breaks included (a quoted name may hold one), a tab that is the
 * delimiter not; the rest of Unicode's white space is beyond ASCII.
 */
function isSpace(c: number | undefined, delim: number): boolean {
  return c !== delim && (c === SPACE || (c !== undefined && c >= TAB && c <= CR));
}

/**
 * Whether text [from, end) may start with a name as names match (`key`: the UTF-8 bytes of its spacedKey):
 * the name, its case aside, as a whole field, white space and quotes around it. Wider than
 * spacedKey's equality, never narrower, comparing bytes: where a byte beyond ASCII meets the name (Unicode's
 * white space, a letter whose lower case is the name's: `İ`, the Kelvin sign) the first field is read as
 * text instead (firstFieldReads); a name holding a quote (doubled in a quoted field) is a maybe; an empty
 * name is met by the delimiter. Used on every line of a plain file (checkPlainCsv) and before a record is
 * parsed (repeatsHeader).
 */
function mayStartWith(b: Buffer, from: number, end: number, key: Buffer, delim: number): boolean {
  if (key.includes(QUOTE)) return true;
  let i = from;
  while (i < end && (isSpace(b[i], delim) || b[i] === QUOTE)) i++;
  for (let j = 0; j < key.length; j++) {
    if (i >= end) return false;
    const c = b[i]!;
    if (c >= 0x80) return firstFieldReads(b, from, end, key, delim);
    if (key[j] === SPACE) {
      // A run of white space in the name: any run of it.
      if (!isSpace(c, delim)) return false;
      while (i < end && isSpace(b[i], delim)) i++;
      continue;
    }
    if ((c >= 65 && c <= 90 ? c + 32 : c) !== key[j]) return false;
    i++;
  }
  // Then the field ends: white space, a closing quote, the delimiter or the end (`email@…` under `email` is no name).
  while (i < end && (isSpace(b[i], delim) || b[i] === QUOTE)) i++;
  return i >= end || b[i] === delim || b[i]! >= 0x80;
}

/**
 * mayStartWith for text beyond ASCII: whether the first field of [from, end), its quotes dropped, reads as
 * `key`. A name holding the delimiter (a quoted field's) is a maybe. `delim` -1: the whole line.
 */
function firstFieldReads(b: Buffer, from: number, end: number, key: Buffer, delim: number): boolean {
  if (delim >= 0 && key.includes(delim)) return true;
  const at = delim < 0 ? -1 : b.indexOf(delim, from);
  return spacedKey(b.toString('utf8', from, at < 0 || at > end ? end : at).replaceAll('"', '')) === key.toString('utf8');
}

/** Refuses what is not a text file ltv can read, naming what it is. */
function checkStart(src: TextSource, head: Buffer): void {
  const what = contentKind(head);
  if (!what) return;
  if (what.kind === PARQUET_KIND && src.format) throw new AppError('INPUT', `${src.path}: is ${PARQUET_KIND}, but ${src.format.field} says "${src.format.value}": set it to "parquet"`);
  throw new AppError('INPUT', `${src.path}: is ${what.kind}: ${what.todo}`);
}

const PARQUET_KIND = 'a Parquet file';

/** What a file that is no UTF-8 text is (`kind`, after "is"), and what to do to give it as text. */
export interface ContentKind {
  kind: string;
  todo: string;
}

/**
 * What a file is by its first bytes (up to 64 KiB: a zip's entry names), when it is no UTF-8 text ltv
 * reads: one home for text inputs (checkStart) and a file read as Parquet (readInputs.ts checkParquetMagic).
 */
export function contentKind(head: Buffer): ContentKind | null {
  const is = (...bytes: number[]): boolean => bytes.every((b, i) => head[i] === b);
  const sheet = 'save the sheet as CSV UTF-8 and give that file';
  const kind = (k: string, todo: string): ContentKind => ({ kind: k, todo });
  return is(0xff, 0xfe) || is(0xfe, 0xff) ? kind('UTF-16 text', 'save it as UTF-8')
    : isUtf16WithoutBom(head) ? kind('UTF-16 text (without a byte order mark)', 'save it as UTF-8')
    : is(0x28, 0xb5, 0x2f, 0xfd) ? kind('zstd-compressed', 'decompress it (or gzip it)')
    : is(0x50, 0x4b, 0x03, 0x04) ? zipKind(head, sheet)
    : is(0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1) ? kind('an Excel 97-2003 workbook (.xls) or another OLE2 document', sheet)
    : is(0x42, 0x5a, 0x68) ? kind('bzip2-compressed', 'decompress it (or gzip it)')
    : is(0xfd, 0x37, 0x7a, 0x58, 0x5a) ? kind('xz-compressed', 'decompress it (or gzip it)')
    : is(0x50, 0x41, 0x52, 0x31) ? kind(PARQUET_KIND, 'name it .parquet or set "format": "parquet"')
    : null;
}

/**
 * UTF-16 without a byte order mark: every other byte of ASCII text is 0, in its first line (up to the LF
 * that is one byte of its line break) as in the rest. Read as UTF-8, a CSV header named "c\0u\0s\0…" and
 * a JSON Lines file was objects spread over lines ("{ " c u s t o m …").
 */
function isUtf16WithoutBom(head: Buffer): boolean {
  const lf = head.indexOf(LF);
  const line = head.subarray(0, Math.min(lf < 0 ? head.length : lf, 4096));
  const zeros = (odd: number): boolean => line.every((b, i) => i % 2 !== odd || b === 0);
  return line.includes(0) && line.some((b) => b !== 0) && (zeros(1) || zeros(0));
}

/**
 * What a zip file is, from its entries' names (each entry's local header holds its name; Excel writes
 * [Content_Types].xml first, then _rels/, docProps/, xl/…): a spreadsheet renamed .csv is the usual one.
 */
function zipKind(head: Buffer, sheet: string): ContentKind {
  const nameLength = head.length >= 30 ? head.readUInt16LE(26) : 0;
  const first = head.length >= 30 + nameLength ? head.toString('latin1', 30, 30 + nameLength) : '';
  const names = head.subarray(0, 1 << 16);
  if (first.startsWith('xl/') || names.includes('xl/workbook.xml') || names.includes('xl/_rels/')) return { kind: 'an Excel workbook (.xlsx)', todo: sheet };
  if (first === 'mimetype' && head.includes('opendocument.spreadsheet')) return { kind: 'an OpenDocument spreadsheet (.ods)', todo: sheet };
  if (first === '[Content_Types].xml' || first.startsWith('_rels/') || first.startsWith('docProps/')) {
    return { kind: 'an Office document (.xlsx, .docx …)', todo: `if it is a workbook, ${sheet}` };
  }
  return { kind: 'a zip archive', todo: 'unzip it and give the file inside' };
}

// ---------------------------------------------------------------------------------------------------------
// The fast check of plain CSV files

/** The header line as read: its fields, how it ends, and where line 2 starts. */
export interface HeaderLine {
  header: CsvHeader;
  terminator: 'lf' | 'crlf' | 'cr' | 'none';
  next: number;
  /** Physical lines the header takes: more than 1 when a quoted name holds a line break ("Amount\n(USD)"). */
  lines: number;
}

/**
 * Whether DuckDB may read this uncompressed CSV file itself with line = row position + 2 (see the file
 * comment). Native scans only: a few indexOf calls per MiB, and per line and per quoted line.
 */
export async function checkPlainCsv(src: TextSource, head: HeaderLine): Promise<boolean> {
  // A header over several lines: the splitter numbers the lines after it (DuckDB's row positions would not).
  if (src.gzip || head.terminator === 'cr' || head.lines > 1) return false;
  const crlf = head.terminator === 'crlf';
  const delim = head.header.delimiter.charCodeAt(0);
  const first = Buffer.from(head.header.keys[0] ?? '');
  const layout = headerNames(head.header.keys);
  let skip = head.next;
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of chunks(src)) {
    let buf: Buffer = chunk;
    if (skip > 0) {
      const n = Math.min(skip, buf.length);
      skip -= n;
      buf = buf.subarray(n);
      if (buf.length === 0) continue;
    }
    if (carry.length) buf = Buffer.concat([carry, buf]);
    // Whole lines only: the partial last line waits for the next chunk.
    const last = buf.lastIndexOf(LF);
    if (last < 0) {
      carry = Buffer.from(buf);
      if (carry.length > MAX_RECORD_BYTES) return false;
      continue;
    }
    carry = Buffer.from(buf.subarray(last + 1));
    if (!linesArePlain(buf.subarray(0, last + 1), first, crlf, delim, head.header, layout)) return false;
  }
  return carry.length === 0 || linesArePlain(carry, first, crlf, delim, head.header, layout);
}

/**
 * Lines (each ending in LF, except the file's last one) that DuckDB reads exactly as the splitter would.
 * `first`: the header's first name as names match (its spacedKey's bytes).
 */
function linesArePlain(body: Buffer, first: Buffer, crlf: boolean, delim: number, header: CsvHeader, layout: HeaderNames): boolean {
  const fields = header.names.length;
  if (body.includes(0) || !isUtf8(body)) return false;
  // Blank lines (isBlank: white space, delimiters, or both): the splitter counts them.
  if (body[0] === LF || (crlf && body[0] === CR && body[1] === LF)) return false;
  if (body.includes(crlf ? '\n\r\n' : '\n\n')) return false;
  if (blankLine(body, delim, fields)) return false;
  if (body.includes(BOM)) return false;
  // One kind of line ending: with LF, no CR at all; with CRLF, every LF after a CR and every CR before an LF.
  if (!crlf) {
    if (body.includes(CR)) return false;
  } else if (!crlfOnly(body)) return false;
  // Repeated header lines, written as the header is or in another case or spacing: any line that may
  // start with its first name is left to the splitter, which decides (repeatsHeader).
  // The header in another layout (`Event_Time,customer_id,…`): a line whose first field may be one of the
  // header's names (its first byte, case aside, one of theirs and its length one of theirs, quoted or not) is
  // looked at (otherLayout); a data line rarely is, and costs a native search for its first delimiter.
  for (let p = 0; p < body.length; ) {
    const lf = body.indexOf(LF, p);
    const end = lf < 0 ? body.length : lf;
    if (mayStartWith(body, p, end, first, delim)) return false;
    const c = body[p]!;
    if (p < end && layout.starts[c >= 65 && c <= 90 ? c + 32 : c === QUOTE ? body[p + 1]! | 0x20 : c] === 1) {
      const d = body.indexOf(delim, p);
      const to = crlf && body[end - 1] === CR ? end - 1 : end;
      if (layout.lengths.has((d < 0 || d > to ? to : d) - p) && otherLayout(body, p, to, delim, header.keys, layout)) return false;
    }
    p = end + 1;
  }
  // Quotes: each line holding one must be a single well-formed record (a quoted field may not span lines)
  // of the header's count of fields.
  for (let q = body.indexOf(QUOTE); q >= 0; ) {
    const from = body.lastIndexOf(LF, q) + 1;
    let to = body.indexOf(LF, q);
    if (to < 0) to = body.length;
    const lineEnd = crlf && to > from && body[to - 1] === CR ? to - 1 : to;
    if (quotedLineFields(body, from, lineEnd, delim) !== fields) return false;
    q = body.indexOf(QUOTE, to);
  }
  // More fields than the header: DuckDB's strict reader refuses a line with more values, but drops empty
  // fields past the header's count without a word (`c2,…,20,` read as 3 fields of 3), where the splitter
  // quarantines the wrong count. Such a line ends in the delimiter: only when some line does is the chunk
  // searched, by one native regular expression, for a line of the header's count of delimiters or more
  // (lines with quotes were counted above).
  if (body.includes(crlf ? Buffer.from([delim, CR, LF]) : Buffer.from([delim, LF])) || body[body.length - 1] === delim) {
    if (tooManyFields(fields, delim).test(body.toString('latin1'))) return false;
  }
  // A line longer than MAX_RECORD_BYTES: DuckDB's max_line_size refuses it and the splitter takes over.
  return true;
}

/** Whether the line of `body` holding byte `at` is blank (isBlank; a CRLF line's CR is white space). */
function blankLineAt(body: Buffer, at: number, delim: number): boolean {
  const lf = body.indexOf(LF, at);
  return isBlank(body, at === 0 ? 0 : body.lastIndexOf(LF, at - 1) + 1, lf < 0 ? body.length : lf, delim);
}

/** blankLine's searches for one delimiter and count of fields. */
interface BlankNeedles {
  /** Lines starting with ASCII white space, one delimiter and it, or the header's count of delimiters. */
  ascii: Buffer[];
  /** Per first byte of white space beyond ASCII (wideSpaceAt): lines starting with it, alone or after one delimiter. */
  wide: { lead: number; needles: Buffer[] }[];
  /** Lines starting with two delimiters. */
  twoDelims: Buffer;
}

const blankNeedles = new Map<string, BlankNeedles>();

function needlesFor(delim: number, fields: number): BlankNeedles {
  const key = `${delim} ${fields}`;
  let needles = blankNeedles.get(key);
  if (!needles) {
    const of = (...bytes: number[]): Buffer => Buffer.from(bytes);
    needles = {
      ascii: [of(LF, SPACE), of(LF, TAB), of(LF, delim, SPACE), of(LF, delim, TAB), of(LF, ...new Array<number>(Math.max(1, fields - 1)).fill(delim))],
      wide: [0xc2, 0xe1, 0xe2, 0xe3].map((lead) => ({ lead, needles: [of(LF, lead), of(LF, delim, lead)] })),
      twoDelims: of(LF, delim, delim),
    };
    blankNeedles.set(key, needles);
  }
  return needles;
}

/**
 * Whether a line of `body` is blank for the splitter (isBlank: white space, Unicode's, and delimiters). It
 * starts with white space or a delimiter, so the lines looked at are those a native search finds starting
 * with white space or one delimiter and white space (ASCII; beyond ASCII, by its first byte, only where
 * the chunk holds that byte), with the header's count of delimiters, or with two (`,, ,` under four
 * names); and those holding a vertical tab or form feed. Exports whose every line starts with a delimiter
 * (an empty first column, as the bench's tenant_id) cost no more: a regular expression over the chunk's
 * text did, ~3 % of a 1 M-row run. Searching each wide space's bytes anywhere in the chunk more than
 * doubled the check on text with curly quotes (`’` shares U+2000's first two bytes); gating the
 * two-delimiter search on `, ` anywhere stopped at every delimiter.
 */
function blankLine(body: Buffer, delim: number, fields: number): boolean {
  if (blankLineAt(body, 0, delim)) return true;
  const needles = needlesFor(delim, fields);
  const starts = (needle: Buffer): boolean => {
    for (let p = body.indexOf(needle); p >= 0; p = body.indexOf(needle, p + 1)) if (blankLineAt(body, p + 1, delim)) return true;
    return false;
  };
  if (needles.ascii.some(starts)) return true;
  // A vertical tab or form feed anywhere: each line holding one is looked at once.
  for (const c of [VT, FF]) {
    for (let p = body.indexOf(c); p >= 0; p = body.indexOf(c, p + 1)) {
      if (blankLineAt(body, p, delim)) return true;
      p = body.indexOf(LF, p);
      if (p < 0) break;
    }
  }
  const wide = !isAscii(body);
  if (wide && needles.wide.some((w) => body.includes(w.lead) && w.needles.some(starts))) return true;
  // Two delimiters, then white space before the last: the header's count of delimiters above misses it.
  return fields > 3 && starts(needles.twoDelims);
}

const tooManyCache = new Map<string, RegExp>();

/** A line without quotes holding `fields` delimiters or more: one field more than the header's, or several. */
function tooManyFields(fields: number, delim: number): RegExp {
  const key = `${fields} ${delim}`;
  let re = tooManyCache.get(key);
  if (!re) {
    const d = `\\x${delim.toString(16).padStart(2, '0')}`;
    re = new RegExp(`(?:^|\\n)(?:[^\\n"${d}]*${d}){${fields}}[^\\n"]*(?:\\r?\\n|$)`);
    tooManyCache.set(key, re);
  }
  return re;
}

function crlfOnly(body: Buffer): boolean {
  let lfs = 0;
  for (let i = body.indexOf(LF); i >= 0; i = body.indexOf(LF, i + 1)) {
    if (body[i - 1] !== CR) return false;
    lfs++;
  }
  let crs = 0;
  for (let i = body.indexOf(CR); i >= 0; i = body.indexOf(CR, i + 1)) crs++;
  // The last line of a file may end without a line break (then it holds no CR either).
  return crs === lfs;
}

/**
 * The fields of one physical line [from, to) whose quotes all open and close whole fields on that line, or
 * -1 when they do not.
 */
function quotedLineFields(b: Buffer, from: number, to: number, delim: number): number {
  let i = from;
  for (let n = 1; ; n++) {
    if (b[i] === QUOTE) {
      i++;
      for (;;) {
        const q = b.indexOf(QUOTE, i);
        if (q < 0 || q >= to) return -1;
        if (b[q + 1] === QUOTE && q + 1 < to) { i = q + 2; continue; }
        i = q + 1;
        break;
      }
      if (i === to) return n;
      if (b[i] !== delim) return -1;
      i++;
    } else {
      // A quote inside a field that does not start with one is a plain character (5" screen), for DuckDB too.
      let end = b.indexOf(delim, i);
      if (end < 0 || end > to) end = to;
      if (end === to) return n;
      i = end + 1;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// The splitter

/** Writes clean records to a file in large blocks. */
class Out {
  private parts: Buffer[] = [];
  private size = 0;
  private constructor(private readonly fh: import('node:fs/promises').FileHandle) {}
  static async create(path: string): Promise<Out> {
    return new Out(await open(path, 'w'));
  }
  push(b: Buffer): void {
    this.parts.push(b);
    this.size += b.length;
  }
  async flush(force = false): Promise<void> {
    if (this.size === 0 || (!force && this.size < 1 << 20)) return;
    const data = Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    await this.fh.write(data);
  }
  async close(): Promise<void> {
    await this.flush(true);
    await this.fh.close();
  }
}

/**
 * Feeds the source to `consume(bytes, final)`, which returns how many bytes it used; the rest (an
 * unfinished record) is carried into the next chunk. Output is flushed after every chunk.
 */
/**
 * Feeds `consume` the text chunk by chunk: `base` is the offset in the text of the buffer's first byte. A
 * consume that needs to know where a record too long to hold ends (a quoted field with line breaks past
 * MAX_RECORD_BYTES) asks `lookahead.want` and returns the bytes it used before that record; the end is
 * found (longRecordEnd) and consume is called again with the rest.
 */
async function pump(src: TextSource, w: Out, consume: (b: Buffer, final: boolean, base: number) => number, lookahead?: Lookahead): Promise<void> {
  let carry: Buffer = Buffer.alloc(0);
  let base = 0;
  const feed = async (first: Buffer, final: boolean): Promise<Buffer> => {
    let b = first;
    for (;;) {
      const used = consume(b, final, base);
      base += used;
      b = b.subarray(used);
      if (lookahead?.want === undefined) return b;
      lookahead.found = { offset: lookahead.want, end: await longRecordEnd(src, lookahead.want, lookahead.delim) };
      lookahead.want = undefined;
    }
  };
  try {
    for await (const chunk of chunks(src)) {
      const rest = await feed(carry.length ? Buffer.concat([carry, chunk]) : chunk, false);
      carry = Buffer.from(rest);
      await w.flush();
    }
    await feed(carry, true);
  } finally {
    await w.close();
  }
}

/** A record's end asked by a splitter (`want`, its first byte's offset) and found (`found`). */
interface Lookahead {
  delim: number;
  want: number | undefined;
  found: { offset: number; end: RecordEnd | null } | undefined;
}

interface RecordEnd {
  /** Offset in the text just past the record's line end. */
  end: number;
  fields: number;
  /** Line breaks inside its quoted fields. */
  breaks: number;
}

/**
 * Where the RFC 4180 record starting at `offset` of the text ends, read afresh from there (a gzip file is
 * inflated again up to it), however long it is: its end, fields and the line breaks inside its quotes; null
 * when it is not one record (a quote never closed before the end of the text, or text after a closing
 * quote). Read only for a record past MAX_RECORD_BYTES whose first line opens a quote.
 */
async function longRecordEnd(src: TextSource, offset: number, delim: number): Promise<RecordEnd | null> {
  const file = createReadStream(src.path, { ...(src.gzip ? {} : { start: offset }), highWaterMark: 1 << 20 });
  const z = src.gzip ? createGunzip({ chunkSize: 1 << 20 }) : null;
  if (z) file.on('error', (e) => z.destroy(e));
  const raw: Readable = z ? file.pipe(z) : file;
  let skip = src.gzip ? offset : 0;
  let pos = offset;
  let fields = 1;
  let breaks = 0;
  // 0 a field's start, 1 unquoted, 2 quoted, 3 a quote inside quotes (closing, or the first of ""), 4 after
  // a closing quote, 5 a CR ending the record (an LF may follow).
  let state = 0;
  let quotedCr = false;
  try {
    for await (const chunk of raw) {
      src.signal?.throwIfAborted();
      let b = chunk as Buffer;
      if (skip > 0) {
        const n = Math.min(skip, b.length);
        skip -= n;
        b = b.subarray(n);
      }
      for (let i = 0; i < b.length; i++, pos++) {
        const c = b[i]!;
        if (state === 5) return { end: c === LF ? pos + 1 : pos, fields, breaks };
        if (state === 3) {
          if (c === QUOTE) { state = 2; continue; }
          state = 4;
        }
        if (state === 2) {
          if (quotedCr && c !== LF) breaks++;
          quotedCr = c === CR;
          if (c === QUOTE) state = 3;
          else if (c === LF) breaks++;
          continue;
        }
        if (state === 0 && c === QUOTE) { state = 2; quotedCr = false; continue; }
        if (c === delim) { fields++; state = 0; continue; }
        if (c === LF) return { end: pos + 1, fields, breaks };
        if (c === CR) { state = 5; continue; }
        if (state === 4) return null;
        state = 1;
      }
    }
  } catch (e) {
    if (src.signal?.aborted) throw new AppError('TRANSIENT', 'INTERRUPT: the run was cancelled', { retryable: true });
    throw readError(src, e);
  } finally {
    z?.destroy();
    file.destroy();
  }
  return state === 2 ? null : { end: pos, fields, breaks };
}

function csvQuote(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}

type Parsed =
  | { kind: 'need' }
  | { kind: 'ok'; contentEnd: number; end: number; fields: number; breaks: number }
  | { kind: 'bad'; reason: string };

/** Parses one RFC 4180 record starting at p. `final`: no more bytes will come. */
function parseRecord(b: Buffer, p: number, delim: number, final: boolean): Parsed {
  const n = b.length;
  let i = p;
  let fields = 1;
  let breaks = 0;
  const ending = (at: number): Parsed => {
    if (at >= n) return final ? { kind: 'ok', contentEnd: n, end: n, fields, breaks } : { kind: 'need' };
    if (b[at] === LF) return { kind: 'ok', contentEnd: at, end: at + 1, fields, breaks };
    // CR: CRLF or a lone CR (old Mac), both one line break.
    if (at + 1 >= n && !final) return { kind: 'need' };
    return { kind: 'ok', contentEnd: at, end: b[at + 1] === LF ? at + 2 : at + 1, fields, breaks };
  };
  for (;;) {
    if (i - p > MAX_RECORD_BYTES) return { kind: 'bad', reason: `record longer than ${MAX_RECORD_BYTES} bytes` };
    if (b[i] === QUOTE && i < n) {
      i++;
      for (;;) {
        if (i >= n) return final ? { kind: 'bad', reason: 'unterminated quoted field (a quote opened on this line is never closed)' } : { kind: 'need' };
        const c = b[i]!;
        if (c === QUOTE) {
          if (i + 1 >= n && !final) return { kind: 'need' };
          if (b[i + 1] === QUOTE) { i += 2; continue; }
          i++;
          break;
        }
        if (c === LF) breaks++;
        else if (c === CR) {
          if (i + 1 >= n && !final) return { kind: 'need' };
          if (b[i + 1] !== LF) breaks++;
        }
        i++;
        if (i - p > MAX_RECORD_BYTES) return { kind: 'bad', reason: `record longer than ${MAX_RECORD_BYTES} bytes` };
      }
      if (i >= n) return ending(i);
      const c = b[i];
      if (c === delim) { fields++; i++; continue; }
      if (c === LF || c === CR) return ending(i);
      return { kind: 'bad', reason: 'text after the closing quote of a field (quote the whole field and double the quotes inside)' };
    }
    // An unquoted field; a quote inside it is a plain character (5" screen), as DuckDB reads it too.
    for (;;) {
      if (i >= n) return ending(i);
      const c = b[i]!;
      if (c === delim) { fields++; i++; break; }
      if (c === LF || c === CR) return ending(i);
      i++;
      if (i - p > MAX_RECORD_BYTES) return { kind: 'bad', reason: `line longer than ${MAX_RECORD_BYTES} bytes` };
    }
  }
}

type LineEnd = (p: number, final: boolean) => { contentEnd: number; end: number } | null;

/**
 * For buffer b: the end of the physical line starting at p, [contentEnd, end), or null when it needs more
 * bytes. The next CR is remembered: most files have none, and looking for it afresh on every line would
 * scan the rest of the buffer each time.
 */
function lineEnds(b: Buffer): LineEnd {
  let cr = -2;
  return (p, final) => {
    if (cr !== -1 && cr < p) cr = b.indexOf(CR, p);
    const lf = b.indexOf(LF, p);
    const at = cr >= 0 && (lf < 0 || cr < lf) ? cr : lf;
    if (at < 0) return final ? { contentEnd: b.length, end: b.length } : null;
    if (b[at] === CR) {
      if (at + 1 >= b.length && !final) return null;
      return { contentEnd: at, end: b[at + 1] === LF ? at + 2 : at + 1 };
    }
    return { contentEnd: at, end: at + 1 };
  };
}

function hasBom(b: Buffer, p: number): boolean {
  return b[p] === 0xef && b[p + 1] === 0xbb && b[p + 2] === 0xbf;
}

/**
 * A line that holds no value: empty, white space, or (`delim` ≥ 0) delimiters only, as Excel writes a
 * formatted but empty row (`,,,,`): counted with the blank lines, not quarantined as a row missing its
 * customer (three in a 200-row file failed the run at the 1 % limit). White space is Unicode's, as a text
 * value is trimmed of it (README "Text values", ltv_trim): a line of no-break spaces or a vertical tab
 * holds no more than a line of spaces.
 */
function isBlank(b: Buffer, from: number, to: number, delim: number): boolean {
  for (let i = from; i < to; ) {
    const c = b[i]!;
    if (c === SPACE || (c >= TAB && c <= CR) || c === delim) i++;
    else if (c < 0x80) return false;
    else {
      const n = wideSpaceAt(b, i, to);
      if (n === 0) return false;
      i += n;
    }
  }
  return true;
}

/**
 * The length in bytes of the UTF-8 sequence at b[i] (before `to`) when it is Unicode's White_Space beyond
 * ASCII (ltv_ws in 02_macros.sql, EDGE_SPACE_CLASS): U+0085, U+00A0 (C2 …), U+1680 (E1 …), U+2000–U+200A,
 * U+2028, U+2029, U+202F, U+205F (E2 …), U+3000 (E3 …); else 0.
 */
function wideSpaceAt(b: Buffer, i: number, to: number): number {
  const c = b[i];
  if (c === 0xc2) return i + 1 < to && (b[i + 1] === 0x85 || b[i + 1] === 0xa0) ? 2 : 0;
  if (i + 2 >= to) return 0;
  const c1 = b[i + 1]!;
  const c2 = b[i + 2]!;
  if (c === 0xe1) return c1 === 0x9a && c2 === 0x80 ? 3 : 0;
  if (c === 0xe2) return (c1 === 0x80 && ((c2 >= 0x80 && c2 <= 0x8a) || c2 === 0xa8 || c2 === 0xa9 || c2 === 0xaf)) || (c1 === 0x81 && c2 === 0x9f) ? 3 : 0;
  if (c === 0xe3) return c1 === 0x80 && c2 === 0x80 ? 3 : 0;
  return 0;
}

/**
 * A record [from, to) of `width` fields whose quoted value holds a line that, split alone, has `width`
 * fields too (README "CSV"): a quote opened by mistake, its inside rows of their own. Only lines wholly
 * inside one quoted value count (neither the record's first line nor its last): a multi-line address or
 * note has none of the header's field count. Its result: the record's line (0 its first) where that value's
 * quote opens, the inner line, and where it closes; null for none. Read only for records with line breaks.
 */
function strayQuote(b: Buffer, from: number, to: number, delim: number, width: number): { open: number; inner: number; close: number } | null {
  let line = 0;
  let i = from;
  const lineBreak = (at: number): number => (b[at] === LF ? 1 : b[at] === CR ? (b[at + 1] === LF ? 2 : 1) : 0);
  while (i < to) {
    if (b[i] !== QUOTE) {
      // An unquoted field: up to the next delimiter (it holds no line break: the record's end is `to`).
      const d = b.indexOf(delim, i);
      if (d < 0 || d >= to) return null;
      i = d + 1;
      continue;
    }
    const open = line;
    let lineStart = -1;
    let inner: number | null = null;
    for (i++; i < to; ) {
      const c = b[i]!;
      if (c === QUOTE) {
        if (b[i + 1] === QUOTE) { i += 2; continue; }
        break;
      }
      const n = lineBreak(i);
      if (n === 0) { i++; continue; }
      // A line from one break to the next, both inside this quote: wholly inside it.
      if (lineStart >= 0 && inner === null) {
        const alone = parseRecord(b.subarray(lineStart, i), 0, delim, true);
        if (alone.kind === 'ok' && alone.fields === width) inner = line;
      }
      i += n;
      line++;
      lineStart = i;
    }
    if (inner !== null) return { open, inner, close: line };
    // Past the closing quote: the delimiter, or the record's end.
    i += 2;
  }
  return null;
}

export interface CleanFile {
  path: string;
  stats: SplitStats;
}

/** A query's result row past the longest record (readQuery.ts writes it as one CSV record): what to select instead. */
const LONG_ROW = `row longer than ${MAX_RECORD_BYTES} bytes: leave the long column out of the query, or select a part of it`;

/** What a clean record's text may not hold, else its reason. */
function contentProblem(b: Buffer, from: number, to: number, chunkUtf8: boolean, chunkNul: boolean): string | null {
  if (chunkNul && b.subarray(from, to).includes(0)) return 'contains a NUL byte (the file is damaged or binary)';
  if (!chunkUtf8 && !isUtf8(b.subarray(from, to))) return 'is not valid UTF-8 text (save the export as UTF-8)';
  return null;
}

/**
 * A query result's record (readQuery.ts csvLine, `width` fields) whose values the check statement cannot
 * read: a NUL, or a binary column's bytes that are not UTF-8 (only columns the job reads keep either). The
 * reason names the first such column (`names`, the result's header), and the record is given back with
 * those values emptied, so the quarantined row keeps its customer id as other bad rows do. Null: none.
 */
function resultProblem(b: Buffer, from: number, to: number, delim: number, names: readonly string[], chunkUtf8: boolean, chunkNul: boolean): { reason: string; record: Buffer } | null {
  if (contentProblem(b, from, to, chunkUtf8, chunkNul) === null) return null;
  const parts: Buffer[] = [];
  let reason = '';
  let i = from;
  for (let f = 0; i <= to; f++) {
    let end = i;
    if (b[i] === QUOTE) {
      // ltv wrote it: a quoted value ends at a quote not doubled.
      for (end = i + 1; end < to && !(b[end] === QUOTE && b[end + 1] !== QUOTE); end += b[end] === QUOTE ? 2 : 1);
      end++;
    } else {
      while (end < to && b[end] !== delim) end++;
    }
    const value = b.subarray(i, end);
    const nul = value.includes(0);
    const unreadable = nul || !isUtf8(value);
    // Said as `column "x" …`, as a Parquet column's NUL is (readInputs.ts).
    if (unreadable) reason ||= `column ${JSON.stringify(names[f] ?? '')} ${nul ? `holds ${NUL_CHARACTER}` : 'is bytes that are not UTF-8 text (a binary column): select it as text in the query (CONVERT(… USING utf8mb4), or HEX(…) for an id)'}`;
    if (!unreadable) parts.push(value);
    if (end < to) parts.push(b.subarray(end, end + 1));
    i = end + 1;
  }
  return { reason, record: Buffer.concat(parts) };
}

/**
 * Splits a CSV file (RFC 4180, any mix of LF/CRLF/CR) into `out`: one record per line, `line<d>reason<d>`
 * then the record's fields as they were written (valid records) or empty fields (bad ones).
 * `results`: the file is a database query's result as ltv wrote it (readQuery.ts): each record is numbered
 * as the result's row (1 = the first row after the header), not by its physical line, which a value with a
 * line break moves on; and a row that reads as the header or as blank is a row like any other.
 */
export async function splitCsvToClean(src: TextSource, header: CsvHeader, out: string, { results = false }: { results?: boolean } = {}): Promise<CleanFile> {
  const delim = header.delimiter.charCodeAt(0);
  const d = header.delimiter;
  const width = header.names.length;
  const first = Buffer.from(header.keys[0] ?? '');
  const layout = headerNames(header.keys);
  const stats: SplitStats = { records: 0, blank_lines: 0, repeated_header_lines: 0 };
  const w = await Out.create(out);
  const emptyFields = Buffer.from(d.repeat(width));
  let headerBytes: Buffer | null = null;
  let line = 1;
  /** The next record's row number (`results`). */
  let row = 1;
  let skipping = false; // inside a line too long to keep: dropped up to its end
  // A record past MAX_RECORD_BYTES whose quoted value holds line breaks is dropped whole, up to this offset
  // of the text (−1: none): resuming on its second line read the inside of its quotes as records.
  let skipTo = -1;
  const lookahead: Lookahead = { delim, want: undefined, found: undefined };
  /** A bad record, its reason and its fields (a query's row keeps those it can: resultProblem). */
  const badWith = (at: number, reason: string, fields: Buffer): void => {
    stats.records++;
    w.push(Buffer.from(`${at}${d}${csvQuote(reason)}${fields === emptyFields ? '' : d}`));
    w.push(fields);
    w.push(Buffer.from('\n'));
  };
  const bad = (at: number, reason: string): void => badWith(at, reason, emptyFields);
  /** A valid record, its fields from `from` (past a byte order mark) to `end`, numbered `at`. */
  const keep = (at: number, b: Buffer, from: number, end: number): void => {
    stats.records++;
    w.push(Buffer.from(`${at}${d}${d}`));
    w.push(b.subarray(from, end));
    w.push(Buffer.from('\n'));
  };
  /**
   * A record at p that runs past MAX_RECORD_BYTES: when its first line opens a quote, where the record
   * ends is looked up ('ask': consume stops there and is called again once it is known). A record of the
   * header's fields whose quoted values hold line breaks is set aside, a bad row per line, and split after ('skip');
   * anything else (a quote opened by mistake and never closed, or closed lines later in a record that does
   * not fit the header) leaves its first line alone bad, as before (null).
   */
  const spanning = (b: Buffer, p: number, base: number): 'ask' | 'skip' | null => {
    const quote = b.indexOf(QUOTE, p);
    const lf = b.indexOf(LF, p);
    const cr = b.indexOf(CR, p);
    const eol = Math.min(lf < 0 ? b.length : lf, cr < 0 ? b.length : cr);
    if (quote < 0 || quote > eol) return null;
    const found = lookahead.found;
    if (found?.offset !== base + p) {
      lookahead.want = base + p;
      return 'ask';
    }
    lookahead.found = undefined;
    const e = found.end;
    if (!e || e.breaks === 0 || e.fields !== width) return null;
    if (results) {
      // ltv wrote the query's result itself, quoting every value: one row, whatever its line breaks.
      bad(row++, LONG_ROW);
    } else {
      // A file's quote may have been opened by mistake (`"Gift card` … `27"` thousands of lines later), or
      // hold line breaks on purpose: neither reading can be told from the other. Each of its lines is set
      // aside as a bad row: none of them counts (its inside is never read as payments), and none vanishes
      // (a stray quote that swallowed many rows fails the run at the bad-row limit).
      const last = line + e.breaks;
      bad(line, `record longer than ${MAX_RECORD_BYTES} bytes: a quoted value opened on this line runs to line ${last}; each of its lines is set aside (a quote opened by mistake? correct this line)`);
      for (let l = line + 1; l <= last; l++) bad(l, `inside the quoted value opened on line ${line} (a record longer than ${MAX_RECORD_BYTES} bytes, lines ${line}–${last})`);
    }
    line += 1 + e.breaks;
    skipTo = e.end;
    return 'skip';
  };
  const consume = (b: Buffer, final: boolean, base: number): number => {
    const utf8 = isUtf8(b);
    const nul = b.includes(0);
    const lineEnd = lineEnds(b);
    let p = 0;
    if (headerBytes === null) {
      const start = hasBom(b, 0) ? 3 : 0;
      const end = headerRecordEnd(b, start, final);
      if (!end) return 0;
      headerBytes = Buffer.from(b.subarray(end.contentStart, end.contentEnd));
      p = end.end;
      line = 1 + end.lines;
    }
    while (p < b.length) {
      if (skipTo >= 0) {
        if (skipTo >= base + b.length) return b.length;
        p = Math.max(p, skipTo - base);
        skipTo = -1;
        continue;
      }
      if (skipping) {
        const end = lineEnd(p, final);
        if (!end) return b.length;
        skipping = false;
        p = end.end;
        line++;
        continue;
      }
      const r = parseRecord(b, p, delim, final);
      if (r.kind === 'need') {
        if (b.length - p > MAX_RECORD_BYTES) {
          const long = spanning(b, p, base);
          if (long === 'ask') return p;
          if (long === 'skip') continue;
          // Nothing ends this record within the limit: its first line alone is bad, then the next line.
          const end = lineEnd(p, false);
          bad(results ? row++ : line, results ? LONG_ROW : `record longer than ${MAX_RECORD_BYTES} bytes (or a quote opened on this line is never closed)`);
          if (!end) { skipping = true; return b.length; }
          p = end.end;
          line++;
          continue;
        }
        return p;
      }
      if (results && r.kind === 'ok') {
        // One record, one row: numbered in order, its line breaks (inside values) not counted.
        const from = hasBom(b, p) ? p + 3 : p;
        const problem = r.fields === width ? resultProblem(b, from, r.contentEnd, delim, header.names, utf8, nul) : { reason: `expected ${width} fields (as in the header), found ${r.fields}`, record: emptyFields };
        if (problem) badWith(row, problem.reason, problem.record);
        else keep(row, b, from, r.contentEnd);
        row++;
        p = r.end;
        line += 1 + r.breaks;
        continue;
      }
      if (r.kind === 'ok' && r.breaks === 0 && isBlank(b, p, r.contentEnd, delim)) {
        stats.blank_lines++;
        p = r.end;
        line++;
        continue;
      }
      if (r.kind === 'ok') {
        const from = hasBom(b, p) ? p + 3 : p;
        if ((r.contentEnd - from === headerBytes.length && b.subarray(from, r.contentEnd).equals(headerBytes))
          || (r.fields === width && repeatsHeader(b, from, r.contentEnd, delim, header.keys, first))) {
          stats.repeated_header_lines++;
          p = r.end;
          line += 1 + r.breaks;
          continue;
        }
        if (otherLayout(b, from, r.contentEnd, delim, header.keys, layout)) {
          throw new AppError('INPUT', `${src.path}: line ${line} repeats the header in another layout (${JSON.stringify(b.toString('utf8', from, Math.min(r.contentEnd, from + 200)))}, the header ${JSON.stringify(headerBytes.toString('utf8'))}): two exports of different column layouts concatenated? Split the file into one file per layout, each with its own header line, and give them as separate inputs`);
        }
        const stray = r.breaks >= 2 && r.fields === width ? strayQuote(b, p, r.contentEnd, delim, width) : null;
        if (stray) {
          // A quote opened by mistake (`"27 inch` … `monitor 32"`): the rows inside it would be one value.
          // Each of its lines is set aside, as a long record's are; splitting resumes after it.
          const last = line + r.breaks;
          const open = line + stray.open;
          const close = line + stray.close;
          const fix = 'write a quote inside a value twice ("") or remove the stray one';
          for (let l = line; l <= last; l++) {
            bad(l, l === open
              ? `a quote opened on this line closes on line ${close}, and line ${line + stray.inner} inside it has the header's ${width} fields: a quote opened by mistake? Lines ${line}–${last} are set aside; ${fix}`
              : `inside a quote opened on line ${open} that closes on line ${close} (opened by mistake? see line ${open}): ${fix}`);
          }
          p = r.end;
          line = last + 1;
          continue;
        }
        if (r.fields === width) {
          const problem = contentProblem(b, p, r.contentEnd, utf8, nul);
          // A byte order mark inside the file (concatenated exports) is no part of the first field.
          if (problem) bad(line, problem);
          else keep(line, b, from, r.contentEnd);
          p = r.end;
          line += 1 + r.breaks;
          continue;
        }
        if (r.breaks === 0) {
          bad(line, `expected ${width} fields (as in the header), found ${r.fields}`);
          p = r.end;
          line++;
          continue;
        }
        // A record spanning lines that does not fit the header: its quote opened on its first line by
        // mistake. That line alone is bad; the next one is read afresh.
      }
      if (r.kind === 'bad' && r.reason.startsWith('record longer than')) {
        const long = spanning(b, p, base);
        if (long === 'ask') return p;
        if (long === 'skip') continue;
      }
      const end = lineEnd(p, final);
      if (!end) {
        if (b.length - p > MAX_RECORD_BYTES) { bad(results ? row++ : line, results ? LONG_ROW : r.kind === 'bad' ? r.reason : `line longer than ${MAX_RECORD_BYTES} bytes`); skipping = true; return b.length; }
        return p;
      }
      // The reason is the line's own: what is wrong with it read alone (a quote it opens and never closes,
      // its field count), not what went wrong further down when its open quote ran into later lines.
      const alone = parseRecord(b.subarray(p, end.contentEnd), 0, delim, true);
      const reason = alone.kind === 'bad' ? alone.reason
        : alone.kind === 'ok' && alone.fields !== width ? `expected ${width} fields (as in the header), found ${alone.fields}`
        : r.kind === 'bad' ? r.reason : 'malformed record';
      bad(results ? row++ : line, results && /^(line|record) longer than/.test(reason) ? LONG_ROW : reason);
      p = end.end;
      line++;
    }
    return p;
  };
  await pump(src, w, consume, lookahead);
  return { path: out, stats };
}

/**
 * Splits a line-oriented file (JSON Lines, whitespace-separated text) into `out`: `line␁reason␁text` per
 * non-blank line. With `header`, line 1 is the header and lines equal to it are skipped and counted.
 */
export async function splitLinesToClean(
  src: TextSource, out: string, opts: { header: boolean; json?: boolean; /** JSON keys the job reads, lower-cased (readJsonLine). */ valueKeys?: ReadonlySet<string> },
): Promise<CleanFile & { headerLine: string | null; firstRecord: FirstRecord | null; anyObjectLine: boolean }> {
  const stats: SplitStats = { records: 0, blank_lines: 0, repeated_header_lines: 0 };
  let firstRecord: FirstRecord | null = null;
  /** JSON: whether some record is one object (`{…}`), read whole or set aside with a reason. */
  let anyObjectLine = false;
  const w = await Out.create(out);
  const sep = LINES_SEPARATOR;
  let headerLine: string | null = null;
  /** The header line as names match (spacedKey), and its bytes: a line reading the same repeats it, in any case or spacing. */
  let headerKey = '';
  let headerBytes = Buffer.alloc(0);
  let headerSeen = !opts.header;
  let line = 1;
  let skipping = false;
  let first = true;
  const consume = (b: Buffer, final: boolean): number => {
    const utf8 = isUtf8(b);
    const nul = b.includes(0);
    const lineEnd = lineEnds(b);
    let p = 0;
    if (first && b.length > 0) {
      if (b.length < 8 && !final) return 0;
      checkStart(src, b);
      if (hasBom(b, 0)) p = 3;
      first = false;
    }
    while (p < b.length) {
      const end = lineEnd(p, final);
      if (!end) {
        // Still inside a line already set aside: dropped up to its end (each buffer of it was one more bad row).
        if (skipping) return b.length;
        if (b.length - p > MAX_RECORD_BYTES) {
          stats.records++;
          w.push(Buffer.from(`${line}${sep}line longer than ${MAX_RECORD_BYTES} bytes${sep}\n`));
          skipping = true;
          return b.length;
        }
        return p;
      }
      if (skipping) {
        skipping = false;
        p = end.end;
        line++;
        continue;
      }
      const text = b.subarray(p, end.contentEnd);
      const from = p;
      p = end.end;
      const at = line++;
      if (!headerSeen) {
        headerSeen = true;
        headerLine = text.toString('utf8');
        headerKey = spacedKey(headerLine);
        headerBytes = Buffer.from(headerKey);
        continue;
      }
      if (isBlank(b, from, end.contentEnd, -1)) {
        stats.blank_lines++;
        continue;
      }
      if (headerLine !== null && mayStartWith(b, from, end.contentEnd, headerBytes, -1) && spacedKey(text.toString('utf8')) === headerKey) {
        stats.repeated_header_lines++;
        continue;
      }
      stats.records++;
      firstRecord ??= { line: at, text: text.subarray(0, 240).toString('utf8'), ...outerBrackets(text) };
      if (opts.json && !anyObjectLine) anyObjectLine = isObjectLine(text);
      if (text.length > MAX_RECORD_BYTES) {
        w.push(Buffer.from(`${at}${sep}line longer than ${MAX_RECORD_BYTES} bytes${sep}\n`));
        continue;
      }
      const problem = contentProblem(b, from, end.contentEnd, utf8, nul) ?? (text.includes(1) ? 'contains the control character U+0001' : null);
      const pieces = problem || !opts.json ? [text] : readJsonLine(text, opts.valueKeys);
      const reason = problem ?? (typeof pieces === 'string' ? pieces : null);
      if (reason) w.push(Buffer.from(`${at}${sep}${reason}${sep}\n`));
      else {
        w.push(Buffer.from(`${at}${sep}${sep}`));
        for (const piece of pieces as Buffer[]) w.push(piece);
        w.push(Buffer.from('\n'));
      }
    }
    return p;
  };
  await pump(src, w, consume);
  if (opts.header && headerLine === null) throw new AppError('INPUT', `${src.path}: is empty: it needs at least its header line`);
  return { path: out, stats, headerLine, firstRecord, anyObjectLine };
}

/** A line-oriented file's first record: its number, its first 240 bytes, and how it opens and closes. */
export interface FirstRecord {
  line: number;
  text: string;
  /** Its first byte other than a space or tab. */
  opens: string;
  /** Its last byte other than a space, tab or CR ('' when it has one such byte only). */
  closes: string;
}

/**
 * A line's first byte other than a space or tab, and its last other than a space, tab or CR (`[` and `,` for
 * a JSON array's `[{…},`); the last is '' when the line has one such byte only.
 */
function outerBrackets(text: Buffer): { opens: string; closes: string } {
  let from = 0;
  let to = text.length - 1;
  while (from <= to && (text[from] === SPACE || text[from] === TAB)) from++;
  while (to >= from && (text[to] === SPACE || text[to] === TAB || text[to] === CR)) to--;
  if (to < from) return { opens: '', closes: '' };
  return { opens: String.fromCharCode(text[from]!), closes: to > from ? String.fromCharCode(text[to]!) : '' };
}

/**
 * Whether a line is braced as one JSON object: `{` first and `}` last, spaces and tabs aside (not `  {` of
 * a pretty-printed document, whose object spans lines).
 */
function isObjectLine(text: Buffer): boolean {
  const { opens, closes } = outerBrackets(text);
  return opens === '{' && closes === '}';
}

const BACKSLASH = 92;
const MINUS = 45;

function isNumberByte(c: number): boolean {
  return (c >= 48 && c <= 57) || c === 46 || c === 43 || c === MINUS || c === 69 || c === 101; // 0-9 . + - E e
}

/**
 * A JSON line made ready for DuckDB (its pieces, written one after the other), or (a string) the reason it
 * is a bad row.
 *
 * Every number outside a string is written as a string of its own text: `{"amount": 10.50}` →
 * `{"amount": "10.50"}`. DuckDB's JSON functions parse numbers into doubles (12345678901234.5678 comes back
 * as 12345678901234.568, 10.50 as 10.5, 1e3 as 1000.0), so without this a JSON number would reach the
 * SPEC §3 decimal rules already rounded, or with its exponent hidden. With it, a number is read from the
 * text the export wrote, exactly like a CSV field or a quoted JSON string. Outside strings, valid JSON has
 * a digit or a minus only in a number; only a token of JSON's number grammar is quoted, so an invalid line
 * stays invalid.
 *
 * An object that names one key twice (`{"amount": 10, "amount": 99}`) is a bad row: DuckDB would read the
 * first, JSON.parse and most tools the last (RFC 8259 leaves it open; I-JSON, RFC 7493, forbids it).
 *
 * So is an object whose key the job reads (`valueKeys`, lower-cased) holds an object or an array
 * (`"customer_id": {"id": 5}`, `"product_id": ["a", "b"]`): read as text, its JSON would become a customer
 * id or a segment title. Other keys may hold anything (an export's nested metadata is not read), an escaped
 * NUL (`\u0000`) too: a value the job reads that holds one is a bad row naming its key (readInputs.ts).
 */
export function readJsonLine(line: Buffer, valueKeys?: ReadonlySet<string>): Buffer[] | string {
  let inString = false;
  let stringStart = 0;
  let depth = 0;
  let copied = 0;
  let keyCount = 0;
  // A key written with an escape (`"\u0061mount"` is "amount"): its keys are compared decoded from then on.
  let escaped = false;
  let keysEscaped = false;
  let parts: Buffer[] | null = null;
  // A loop over the bytes in JavaScript: an export's strings are short, and a native search per string
  // (indexOf) or a JavaScript string per key (a Set of them) cost more than the loop itself.
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (inString) {
      if (c === BACKSLASH) {
        escaped = true;
        i++;
      } else if (c === QUOTE) {
        inString = false;
        // A string of the top-level object followed by a colon is one of its keys.
        if (depth === 1) {
          let j = i + 1;
          while (j < line.length && (line[j] === SPACE || line[j] === TAB)) j++;
          if (line[j] === COLON) {
            keysEscaped ||= escaped;
            const twice = keysEscaped ? sameDecodedKeyBefore(line, stringStart, i, keyCount) : sameKeyBefore(line, stringStart, i, keyCount) ? line.toString('utf8', stringStart, i) : null;
            if (twice !== null) {
              return `has the key "${twice.slice(0, 60)}" twice (a JSON object names each key once): keep one`;
            }
            if (valueKeys) {
              j++;
              while (j < line.length && (line[j] === SPACE || line[j] === TAB)) j++;
              const open = line[j];
              if (open === OPEN_BRACE || open === OPEN_BRACKET) {
                const raw = line.toString('utf8', stringStart, i);
                const key = (escaped ? decodedKey(line, stringStart, i) : null) ?? raw;
                if (valueKeys.has(key.toLowerCase())) {
                  return `the value of "${key.slice(0, 60)}" is a JSON ${open === OPEN_BRACE ? 'object' : 'array'}, not one value (text, number or boolean): write the value itself`;
                }
              }
            }
            if (keyCount * 2 + 2 > keyRanges.length) keyRanges = growKeys(keyRanges);
            keyRanges[2 * keyCount] = stringStart;
            keyRanges[2 * keyCount + 1] = i;
            keyCount++;
          }
        }
      }
      continue;
    }
    if (c === QUOTE) {
      inString = true;
      escaped = false;
      stringStart = i + 1;
      continue;
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      // The line's object is closed: anything after it but white space is a second value (`{…} {…}`), which
      // would otherwise be misread (its keys as the first object's keys again, "has the key … twice").
      if (--depth === 0) {
        let j = i + 1;
        while (line[j] === SPACE || line[j] === TAB || line[j] === CR) j++;
        if (j < line.length) {
          return `not a valid JSON line: more follows its ${c === CLOSE_BRACE ? 'object' : 'array'} (from byte ${j + 1}, "${line.toString('utf8', j, j + 20)}"): write one object per line`;
        }
      }
    } else if (c === COMMA) {
      // DuckDB's JSON reader accepts what RFC 8259 does not: a comma before "}" or "]", NaN and Infinity.
      let j = i + 1;
      while (line[j] === SPACE || line[j] === TAB) j++;
      if (line[j] === CLOSE_BRACE || line[j] === CLOSE_BRACKET) return `not a valid JSON line: a comma before "${String.fromCharCode(line[j]!)}" (a trailing comma): remove it`;
    } else if ((c === 78 || c === 73) && (line.indexOf(NAN, i) === i || line.indexOf(INFINITY, i) === i)) {
      return `not a valid JSON line: ${c === 78 ? 'NaN' : 'Infinity'} is no JSON value: write a number, or null`;
    }
    if (c !== MINUS && (c < 48 || c > 57)) continue;
    let end = i + 1;
    while (end < line.length && isNumberByte(line[end]!)) end++;
    // Only a token of JSON's number grammar: `01`, `1.`, `-` stay as they are (and the line invalid).
    if (JSON_NUMBER.test(line.toString('latin1', i, end))) {
      (parts ??= []).push(line.subarray(copied, i), QUOTE_BYTE, line.subarray(i, end), QUOTE_BYTE);
      copied = end;
    }
    i = end - 1;
  }
  if (!parts) return [line];
  parts.push(line.subarray(copied));
  return parts;
}

/** Whether the key line[start, end) is one of the line's first `count` keys (keyRanges), byte for byte. */
function sameKeyBefore(line: Buffer, start: number, end: number, count: number): boolean {
  const length = end - start;
  for (let k = 0; k < count; k++) {
    const s = keyRanges[2 * k]!;
    if (keyRanges[2 * k + 1]! - s !== length) continue;
    let i = 0;
    while (i < length && line[s + i] === line[start + i]) i++;
    if (i === length) return true;
  }
  return false;
}

/**
 * The key at start..end as JSON decodes it, when a key before it decodes the same (`"amount"` and
 * `"\u0061mount"`), else null. Only for lines with an escaped key: each key decoded by JSON.parse.
 */
function sameDecodedKeyBefore(line: Buffer, start: number, end: number, count: number): string | null {
  const key = decodedKey(line, start, end);
  if (key === null) return null;
  for (let k = 0; k < count; k++) if (decodedKey(line, keyRanges[2 * k]!, keyRanges[2 * k + 1]!) === key) return key;
  return null;
}

/** The JSON string between the quotes at start − 1 and end, decoded; null for an invalid escape (DuckDB refuses the line). */
function decodedKey(line: Buffer, start: number, end: number): string | null {
  try {
    return JSON.parse(line.toString('utf8', start - 1, end + 1)) as string;
  } catch {
    return null;
  }
}

/** Start and end of each top-level key of the line being read (readJsonLine), reused from line to line. */
let keyRanges: Int32Array = new Int32Array(64);

function growKeys(ranges: Int32Array): Int32Array {
  const grown = new Int32Array(ranges.length * 2);
  grown.set(ranges);
  return grown;
}

/** A text value's NUL character, as a bad row's reason says it after "holds" (JSON Lines, Parquet). */
export const NUL_CHARACTER = '\\u0000, a NUL character, which no field of an export holds (and ltv.csv could not carry): remove it';
const COMMA = 44;
const NAN = Buffer.from('NaN');
const INFINITY = Buffer.from('Infinity');
const COLON = 58;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const QUOTE_BYTE = Buffer.from('"');
const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/**
 * The end of the header record starting at p: its first line break outside quotes (RFC 4180 lets a quoted
 * name hold one, as a spreadsheet's wrapped header cell does), with the physical lines it takes; null when
 * it needs more bytes. Every quote toggles, whatever the delimiter (not yet known): a well-formed header's
 * quotes come in pairs, and a header with a stray one is refused by headerOf anyway.
 */
/** Excel's delimiter hint, a first line `sep=;` (as Excel writes and reads it), before the header. */
const EXCEL_SEP = /^sep=([^"\r\n])(\r\n|\r(?!$)|\n)/i;

/**
 * Where the header record starts (after Excel's `sep=` line, whose delimiter it returns) and ends, and the
 * physical lines up to its end (the `sep=` line included); null until the buffer holds it.
 */
function headerRecordEnd(b: Buffer, p: number, final: boolean): { contentStart: number; contentEnd: number; end: number; lines: number; sep?: string } | null {
  const lineEnd = lineEnds(b);
  let lines = 1;
  let from = p;
  const first = b.subarray(p, p + 8).toString('latin1');
  if (/^sep=/i.test(first) && first.length < 8 && !final) return null;
  const hint = EXCEL_SEP.exec(first);
  if (hint) {
    from = p + hint[0].length;
    lines = 2;
  }
  const contentStart = from;
  const sep = hint?.[1];
  let quotes = 0;
  for (;;) {
    const end = lineEnd(from, final);
    if (!end) return null;
    for (let q = b.indexOf(QUOTE, from); q >= 0 && q < end.contentEnd; q = b.indexOf(QUOTE, q + 1)) quotes++;
    // Balanced up to this line break: the header ends here; at the end of the file, whatever it holds.
    if (quotes % 2 === 0 || (final && end.end >= b.length)) return { contentStart, contentEnd: end.contentEnd, end: end.end, lines, ...(sep ? { sep } : {}) };
    if (end.end >= b.length) return null;
    from = end.end;
    lines++;
  }
}

/** The header record of a (maybe gzip) CSV file (its first line, or more when a quoted name holds a line break), its delimiter sniffed unless given. */
export async function readCsvHeader(src: TextSource, delimiter: string | undefined): Promise<HeaderLine> {
  let carry: Buffer = Buffer.alloc(0);
  const make = (final: boolean): HeaderLine | null => {
    const start = hasBom(carry, 0) ? 3 : 0;
    const end = headerRecordEnd(carry, start, final);
    if (!end) return null;
    const raw = carry.subarray(end.contentStart, end.contentEnd);
    const terminator = end.end === end.contentEnd ? 'none' : end.end - end.contentEnd === 2 ? 'crlf' : carry[end.contentEnd] === CR ? 'cr' : 'lf';
    // A delimiter the input gives wins over Excel's hint, which wins over sniffing.
    return { header: headerOf(src, raw, delimiter ?? end.sep), terminator, next: end.end, lines: end.lines };
  };
  for await (const chunk of chunks(src)) {
    carry = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    if (carry.length >= 8) checkStart(src, carry);
    const head = make(false);
    if (head) return head;
    if (carry.length > MAX_RECORD_BYTES) {
      throw new AppError('INPUT', `${src.path}: line 1 (the header) is longer than ${MAX_RECORD_BYTES} bytes${
        lineEnds(carry)(hasBom(carry, 0) ? 3 : 0, false) ? ', or a quote it opens is never closed: fix its quotes' : ''}`);
    }
  }
  if (carry.length === 0) throw new AppError('INPUT', `${src.path}: is empty: a CSV file needs at least its header line`);
  checkStart(src, carry);
  return make(true)!;
}
