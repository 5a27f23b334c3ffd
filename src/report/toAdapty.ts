// SPEC §6 Adapty contract: a matrix as Adapty's `{revenue, proceeds, net_revenue}` body.
import type { CellRun, RunMatrix } from '../ltv/cellRuns.js';
import { ACCOUNTING_TYPES, type AccountingType, type Matrix } from '../ltv/model.js';
import { AppError } from '../config/AppError.js';
import { ADAPTY_BODY_LIMIT, adaptyBodyFloorOf, sizeText } from './adaptyBodyLimit.js';
import type { AdaptyMetric, AdaptyResponse } from './apiTypes.js';

const DESCRIPTIONS: Record<AccountingType, string> = {
  revenue: 'Cumulative revenue per paying customer (gross, refunds deducted) by period since the first payment.',
  proceeds: 'Cumulative proceeds per paying customer (after store commission, refunds deducted) by period since the first payment.',
  net_revenue: 'Cumulative net revenue per paying customer (after store commission and taxes, refunds deducted) by period since the first payment.',
};


export function toAdaptyResponse(matrix: Matrix, currency: string): AdaptyResponse {
  const metric = (type: AccountingType): AdaptyMetric => {
    const data: AdaptyMetric['data'] = matrix.rows.map((row) => {
      const last = row.cells[row.cells.length - 1];
      return {
        title: row.title,
        type: row.type,
        value: last ? last[type] : null,
        cohort_size: row.customers,
        values: row.cells.map((c) => ({ period: c.period, value: c[type] })),
      };
    });
    // SPEC §6: with no matching customer the Total row is still there (no periods, a null value).
    if (!data.some((d) => d.type === 'total')) data.unshift({ title: 'Total', type: 'total', value: null, cohort_size: 0, values: [] });
    const total = data.find((d) => d.type === 'total');
    return { title: 'LTV', unit: currency, description: DESCRIPTIONS[type], value: total ? total.value : null, data };
  };
  return Object.fromEntries(ACCOUNTING_TYPES.map((t) => [t, metric(t)])) as unknown as AdaptyResponse;
}

/** A JSON number as JSON.stringify writes it (non-finite numbers are null there). */
function jsonNumber(n: number): string {
  return Number.isFinite(n) ? String(n) : 'null';
}

/** The one-line error of a body past ADAPTY_BODY_LIMIT (a DATA error: the same data fails again). */
function bodyTooLarge(bytes: number): AppError {
  return new AppError('DATA',
    `an Adapty body of ${sizeText(bytes)} or more is above the ${sizeText(ADAPTY_BODY_LIMIT)} limit on one body (README "Outputs and layout"), `
    + 'its values longer than the least bytes the check after ingest counts: leave out more of the early years (a later min_event_time in the job file than that check gives), '
    + 'or, for a segmentation by an attribute, read it from a column of fewer values');
}

/** A growing byte buffer: a large body is written once, not concatenated from a million strings. */
class ByteWriter {
  buf: Buffer;
  pos = 0;

  constructor(capacity: number) {
    this.buf = Buffer.allocUnsafe(Math.min(Math.max(capacity, 1 << 12), ADAPTY_BODY_LIMIT));
  }

  room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    // Doubling went past Node's Buffer limit (a 7.8 GB body: RangeError, an internal error retried).
    if (this.pos + n > ADAPTY_BODY_LIMIT) throw bodyTooLarge(this.pos + n);
    const next = Buffer.allocUnsafe(Math.min(Math.max(this.buf.length * 2, this.pos + n), ADAPTY_BODY_LIMIT));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  text(s: string): void {
    this.room(Buffer.byteLength(s, 'utf8'));
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  /** A short ASCII string, copied one character at a time: for a few bytes, faster than `write` (after room()). */
  ascii(s: string): void {
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < s.length; i++) buf[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** ASCII bytes made earlier (valueBytes), copied one at a time (after room()). */
  bytes(b: Uint8Array): void {
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < b.length; i++) buf[p++] = b[i]!;
    this.pos = p;
  }

  /** A non-negative safe integer in decimal, as String(k) writes it (after room()). */
  digits(k: number): void {
    const buf = this.buf;
    let end = this.pos + (k === 0 ? 1 : Math.floor(Math.log10(k)) + 1);
    this.pos = end;
    do {
      buf[--end] = 48 + (k % 10);
      k = Math.floor(k / 10);
    } while (k > 0);
  }
}

const PERIOD = '{"period":';
const NEXT_PERIOD = ',{"period":';
const NEXT_PERIOD_BYTES = Buffer.from(NEXT_PERIOD, 'latin1');
/** Room for a period number written by ByteWriter.digits (below 10^12). */
const PERIOD_DIGITS = 12;

/**
 * The decimal digits of the periods 0 … size − 1, packed: period k's are bytes at[k] up to at[k + 1] of
 * `bytes`. A day-unit matrix writes each of a few thousand period numbers hundreds of times; copying its
 * digits costs less than computing them (periods of DIGIT_TABLE and above are computed). Made at first use
 * as large as the periods asked for (a power of two, at least 1,024): all of 0–99,999 took ~0.06 s of a
 * run that writes periods below 1,000.
 */
const DIGIT_TABLE = 100_000;
let digits: { bytes: Uint8Array; at: Uint32Array; size: number } | undefined;
function digitTable(upTo: number): { bytes: Uint8Array; at: Uint32Array } {
  if (!digits || digits.size <= upTo) {
    let size = 1024;
    while (size <= upTo) size *= 2;
    size = Math.min(size, DIGIT_TABLE);
    const at = new Uint32Array(size + 1);
    const text: string[] = [];
    for (let k = 0; k < size; k++) {
      const d = String(k);
      text.push(d);
      at[k + 1] = at[k]! + d.length;
    }
    digits = { bytes: Buffer.from(text.join(''), 'latin1'), at, size };
  }
  return digits;
}

/**
 * One run's cells of one accounting type, after its first: `,{"period":k` then `value` (the run's
 * `,"value":…}`, ASCII), for k = from … to, all below DIGIT_TABLE (after room()). A function of its own,
 * with no call in its loop: most of a day-unit body's bytes are written here (the example's 37 MB of
 * bodies in about half the time of a method call per piece).
 */
function writeCells(out: ByteWriter, from: number, to: number, value: Uint8Array): void {
  const { bytes, at } = digitTable(to);
  const buf = out.buf;
  const prefix = NEXT_PERIOD_BYTES;
  const length = value.length;
  let p = out.pos;
  let k = from;
  while (k <= to) {
    // The cells whose periods have as many digits as k's are one length: the first is written, copied
    // over the others by doubling (memmove), and then each gets its own digits. Most of a cell's bytes
    // (its `,{"period":` and value) are copied natively, not one at a time: the bodies of a 200-tenant run's
    // tenant, written 100 times, took 1.73–1.80 CPU-s against 2.23–2.53 cell by cell (the same bytes).
    const digits = at[k + 1]! - at[k]!;
    const last = Math.min(to, DIGIT_LIMIT[digits]!);
    const count = last - k + 1;
    const size = prefix.length + digits + length;
    if (count < REPLICATE_FROM) {
      for (; k <= last; k++) {
        for (let i = 0; i < prefix.length; i++) buf[p++] = prefix[i]!;
        for (let i = at[k]!, end = at[k + 1]!; i < end; i++) buf[p++] = bytes[i]!;
        for (let i = 0; i < length; i++) buf[p++] = value[i]!;
      }
      continue;
    }
    const start = p;
    for (let i = 0; i < prefix.length; i++) buf[p++] = prefix[i]!;
    p += digits;
    for (let i = 0; i < length; i++) buf[p++] = value[i]!;
    for (let have = 1; have < count;) {
      const more = Math.min(have, count - have);
      buf.copyWithin(start + have * size, start, start + more * size);
      have += more;
    }
    for (let q = start + prefix.length; k <= last; k++, q += size) {
      for (let i = at[k]!, j = q; j < q + digits; i++, j++) buf[j] = bytes[i]!;
    }
    p = start + count * size;
  }
  out.pos = p;
}

/** The last period with as many digits as the index says (1 digit: 9, …); past DIGIT_TABLE never reached. */
const DIGIT_LIMIT = [0, 9, 99, 999, 9_999, 99_999, 999_999];
/** Runs of this many cells of one digit count or more are copied by doubling; shorter ones byte by byte. */
const REPLICATE_FROM = 4;

/**
 * `,"value":…}` for a value, as ASCII bytes, each made once: a small shop's day-unit matrices are mostly
 * short runs, and formatting every run's three values (String(n), then a copy character by character) was
 * most of their bodies' time; the values repeat (prices, their sums, 0). A direct-mapped cache indexed by
 * the value in cents: a Map keyed by doubles hashed each one as a heap number, and its lookups were ~6 % of
 * the run's thread in a run of 200 small shops. A slot holds one value; another value of the same slot
 * replaces it (values $655.36 apart, or fractions of a cent).
 */
const VALUE_SLOTS = 1 << 16;
const VALUE_KEYS = new Float64Array(VALUE_SLOTS).fill(Number.NaN);
const VALUE_BYTES: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(VALUE_SLOTS).fill(undefined);
function valueBytes(n: number): Uint8Array {
  const slot = Math.round(n * 100) & (VALUE_SLOTS - 1);
  // 0 and −0 are one key, written alike ("0"); NaN is never equal, and written each time.
  if (VALUE_KEYS[slot] === n) return VALUE_BYTES[slot]!;
  const b = Buffer.from(`,"value":${jsonNumber(n)}}`, 'latin1');
  VALUE_KEYS[slot] = n;
  VALUE_BYTES[slot] = b;
  return b;
}

/**
 * `JSON.stringify(toAdaptyResponse(expandRuns(matrix), currency))` as UTF-8 bytes, written straight from
 * the runs: a day-unit matrix has some 270,000 cells per accounting type, and an object per cell (then
 * stringified) took most of a filtered request's time. A run's value is formatted once for all its
 * periods. The tests check it byte for byte against JSON.stringify.
 */
export function adaptyJson(matrix: RunMatrix, currency: string): Buffer {
  const total = matrix.rows.find((r) => r.type === 'total');
  const lastOf = (runs: readonly CellRun[]): CellRun | undefined => runs[runs.length - 1];
  // Sized for ~30 bytes a cell (`{"period":123,"value":45.67},`): grown (copied) rarely, if ever.
  let cells = 0;
  for (const row of matrix.rows) for (const run of row.runs) cells += run.to - run.from + 1;
  // Refused before any allocation when even the least bytes a cell takes pass the limit.
  const floor = adaptyBodyFloorOf(Math.max(0, matrix.rows.length - 1), cells);
  if (floor > ADAPTY_BODY_LIMIT) throw bodyTooLarge(floor);
  const out = new ByteWriter(ACCOUNTING_TYPES.length * (cells * 30 + matrix.rows.length * 120) + 1024);
  ACCOUNTING_TYPES.forEach((type, t) => {
    const last = total ? lastOf(total.runs) : undefined;
    out.text(`${t ? ',' : '{'}"${type}":{"title":"LTV","unit":${JSON.stringify(currency)},"description":${JSON.stringify(DESCRIPTIONS[type])},"value":${last ? jsonNumber(last[type]) : 'null'},"data":[`);
    // No matching customer: the Total row all the same (SPEC §6), as toAdaptyResponse writes it.
    if (!total) out.text(`{"title":"Total","type":"total","value":null,"cohort_size":0,"values":[]}${matrix.rows.length ? ',' : ''}`);
    matrix.rows.forEach((row, r) => {
      const end = lastOf(row.runs);
      out.text(`${r ? ',' : ''}{"title":${JSON.stringify(row.title)},"type":${JSON.stringify(row.type)},"value":${end ? jsonNumber(end[type]) : 'null'},"cohort_size":${jsonNumber(row.customers)},"values":[`);
      let first = true;
      for (const run of row.runs) {
        const value = valueBytes(run[type]);
        if (!(Number.isSafeInteger(run.from) && run.from >= 0 && run.to < 1e12)) {
          // Not a period number digits() writes (Math.log10 rounds 999,999,999,999,999 up to 15): as text.
          for (let k = run.from; k <= run.to; k++, first = false) out.text(`${first ? PERIOD : NEXT_PERIOD}${jsonNumber(k)},"value":${jsonNumber(run[type])}}`);
          continue;
        }
        // Room for the whole run at once.
        out.room((run.to - run.from + 1) * (NEXT_PERIOD.length + PERIOD_DIGITS + value.length));
        let from = run.from;
        if (first) {
          out.ascii(PERIOD);
          out.digits(from);
          out.bytes(value);
          first = false;
          from++;
        }
        if (run.to < DIGIT_TABLE) {
          if (from <= run.to) writeCells(out, from, run.to, value);
          continue;
        }
        for (let k = from; k <= run.to; k++) {
          out.ascii(NEXT_PERIOD);
          out.digits(k);
          out.bytes(value);
        }
      }
      out.text(']}');
    });
    out.text(']}');
  });
  out.text('}');
  // A body kept in the cache should not hold on to much more memory than its length.
  return out.pos < out.buf.length * 0.75 ? Buffer.from(out.buf.subarray(0, out.pos)) : out.buf.subarray(0, out.pos);
}
