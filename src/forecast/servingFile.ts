// SPEC §9 `prediction_months` on filtered requests: what a run publishes so that the endpoint can predict
// any subset of a tenant's customers (data/forecast_inputs.bin.gz). The endpoint prepares the same model on
// the same customers (the table the run's model read at T, in its order), restores the main fit's and
// every bootstrap replicate's parameters, and projects the subset's customers with them
// (servedForecast.ts): no refit, and a filter that keeps every customer answers exactly as the run's
// forecast does.
//
// The file: gzip of a little-endian columnar table. Bytes 0–7 "LTVFCI1\n", then the header's length (uint32)
// and the header (UTF-8 JSON: ServingHeader), padded with spaces to a multiple of 8, then each column's
// values in the header's order (float64 or int32, 8-byte aligned), byte-shuffled (the values' first bytes,
// then their second bytes, …: times and sums of money share their high bytes, which deflate then finds),
// the last day and the last payment as their difference from the first payment (exact: whole
// milliseconds), and without the money columns the endpoint's projection does not read (UNREAD_AT_SERVE).
// CDNOW ×15's 352,530 customers: 0.8 MB, where every column, plain, took 3.7 MB. Written once
// per run and tenant, read once per run by a server that is asked.
import { promisify } from 'node:util';
import { gunzipSync, gzip, gzipSync } from 'node:zlib';
import type { ForecastSettings } from '../config/jobSchema.js';
import type { ForecastModel } from '../ltv/model.js';
import { DIMENSIONS } from '../warehouse/tables.js';
import type { CustomerTable } from './forecastData.js';
import type { FittedState } from './PreparedModel.js';

/** What the run's model was prepared and fitted with (forecastWithServing). */
export interface ServingState {
  model: ForecastModel;
  /** T on the local wall clock (naive ms), the cutoff the customers were read at. */
  cutoffMs: number;
  settings: Pick<ForecastSettings, 'horizon_months' | 'interval' | 'min_cohort_customers' | 'min_group_customers'>;
  /** The cohorts eligible for fit groups of their own when the model was prepared (sBG). */
  eligible: string[];
  /** The main fit's state first, then each replicate's that the interval used, in order. */
  states: FittedState[];
  /** What the preparation computed from the customers' money (PreparedModel.populationStats). */
  stats: FittedState;
  /**
   * The sha256 of the run's data/forecast.json (of the forecast these fits made, as written): the endpoint
   * reads these inputs only with the forecast they belong to.
   */
  forecastSha256?: string;
  customers: CustomerTable;
}

type ColumnName = 'cohortDayMs' | 'cohortOf' | 't0Ms' | 'durationOf' | 'purchaseDays' | 'lastDayMs' | 'firstDayRevenue'
  | 'repeatRevenue' | 'payments' | 'maxRenewal' | 'lastPaymentMs' | 'renewalRevenue' | 'renewalPayments' | 'revenue' | 'attrOf';

const COLUMNS: readonly ColumnName[] = [
  'cohortDayMs', 'cohortOf', 't0Ms', 'durationOf', 'purchaseDays', 'lastDayMs', 'firstDayRevenue', 'repeatRevenue',
  'payments', 'maxRenewal', 'lastPaymentMs', 'renewalRevenue', 'renewalPayments', 'revenue', 'attrOf',
];

interface ServingHeader extends Omit<ServingState, 'customers'> {
  n: number;
  cohorts: string[];
  durations: (string | null)[];
  /** The attribute tuples' column names (DIMENSIONS when written) and the tuples, by attrOf. */
  dimensions: string[];
  attrs: (string | null)[][];
  columns: { name: ColumnName; type: 'f64' | 'i32'; length: number; minus?: 't0Ms' }[];
}

/**
 * Columns a model's projection never reads once its population statistics are given (PreparedModel
 * populationStats): stored empty. Money, which compresses worst (the 1 M-row bench's sBG inputs: 5.1 MB
 * with them).
 */
const UNREAD_AT_SERVE: Record<ForecastModel, ReadonlySet<ColumnName>> = {
  sbg: new Set(['firstDayRevenue', 'renewalRevenue', 'renewalPayments', 'revenue']),
  bgnbd: new Set(['firstDayRevenue', 'revenue']),
};

/** Columns stored as their difference from the first payment (small, alike, compressible). */
const RELATIVE: ReadonlySet<ColumnName> = new Set(['lastDayMs', 'lastPaymentMs']);

/** The values' bytes, byte k of every value together (k = 0 … width − 1). */
function shuffle(bytes: Uint8Array, width: number): Uint8Array {
  const n = bytes.length / width;
  const out = new Uint8Array(bytes.length);
  for (let k = 0; k < width; k++) for (let i = 0, at = k * n; i < n; i++) out[at + i] = bytes[i * width + k]!;
  return out;
}

function unshuffle(bytes: Uint8Array, width: number): Uint8Array {
  const n = bytes.length / width;
  const out = new Uint8Array(bytes.length);
  for (let k = 0; k < width; k++) for (let i = 0, at = k * n; i < n; i++) out[i * width + k] = bytes[at + i]!;
  return out;
}

const MAGIC = 'LTVFCI1\n';

const pad8 = (n: number): number => Math.ceil(n / 8) * 8;

/** The file's bytes (gzip, level 1: written during a run, where time counts more than a few bytes). */
export function encodeServing(state: ServingState): Buffer {
  return gzipSync(servingTable(state), { level: 1 });
}

const gzipAsync = promisify(gzip);

/**
 * encodeServing with the compression on libuv's threads (a run writes its other files meanwhile: CDNOW ×15's
 * inputs take ~0.1 s to compress, which the forecast's reply waited for when its thread compressed them).
 */
export function encodeServingAsync(state: ServingState): Promise<Buffer> {
  return gzipAsync(servingTable(state), { level: 1 });
}

/** The file's bytes before compression. */
function servingTable(state: ServingState): Buffer {
  const cu = state.customers;
  if (!cu.attrOf || !cu.attrs) throw new Error('the forecast read no attribute tuples: nothing to filter by');
  const columns = COLUMNS.map((name) => {
    let v = UNREAD_AT_SERVE[state.model].has(name) ? new Float64Array(0) : cu[name]!;
    const minus = RELATIVE.has(name) && v.length === cu.n;
    if (minus) {
      const d = new Float64Array(v.length);
      for (let i = 0; i < d.length; i++) d[i] = v[i]! - cu.t0Ms[i]!;
      v = d;
    }
    return { name, type: v instanceof Int32Array ? 'i32' as const : 'f64' as const, length: v.length, v, ...(minus ? { minus: 't0Ms' as const } : {}) };
  });
  const { customers: _, ...rest } = state;
  const header: ServingHeader = {
    ...rest, n: cu.n, cohorts: cu.cohorts, durations: cu.durations, dimensions: [...DIMENSIONS], attrs: cu.attrs,
    columns: columns.map(({ v: _, ...c }) => c),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const headLength = pad8(12 + json.length);
  const parts: Buffer[] = [Buffer.alloc(headLength, 0x20)];
  parts[0]!.write(MAGIC, 0, 'latin1');
  parts[0]!.writeUInt32LE(json.length, 8);
  json.copy(parts[0]!, 12);
  for (const c of columns) {
    const bytes = Buffer.from(shuffle(new Uint8Array(c.v.buffer, c.v.byteOffset, c.v.byteLength), c.v.BYTES_PER_ELEMENT));
    parts.push(bytes);
    if (bytes.length % 8) parts.push(Buffer.alloc(8 - (bytes.length % 8)));
  }
  return Buffer.concat(parts);
}

/** The buffers of a table's typed arrays, each once (what a thread moves rather than copies). */
export function tableBuffers(cu: CustomerTable): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const v of Object.values(cu)) {
    if (ArrayBuffer.isView(v) && v.buffer instanceof ArrayBuffer && v.buffer.byteLength > 0) out.add(v.buffer);
  }
  return [...out];
}

/** Columns every model's projection reads, never empty. */
const ALWAYS: readonly ColumnName[] = ['cohortDayMs', 'cohortOf', 't0Ms', 'durationOf', 'attrOf'];

/**
 * The header and columns hang together (a file whose hash the manifest lists may still be another kind or
 * damaged before it was listed): every column of n values or none, the indexes within their lists, the
 * settings within the job schema's ranges. Throws one line naming what is wrong.
 */
function checkTable(header: ServingHeader, table: Record<string, Float64Array | Int32Array>): void {
  const bad = (what: string): never => {
    throw new Error(`the forecast inputs file is not a valid one: ${what}`);
  };
  const { n, settings: s } = header;
  if (!Number.isInteger(n) || n < 0) bad('its customer count');
  if (!Array.isArray(header.cohorts) || !Array.isArray(header.durations) || !Array.isArray(header.attrs) || !Array.isArray(header.states) || header.states.length === 0) bad('its lists');
  if (!s || !Number.isInteger(s.horizon_months) || s.horizon_months < 1 || s.horizon_months > 120 || !(s.interval > 0 && s.interval < 1)
    || !Number.isInteger(s.min_cohort_customers) || s.min_cohort_customers < 1 || !Number.isInteger(s.min_group_customers) || s.min_group_customers < 1) bad('its settings');
  for (const c of header.columns) if (c.length !== n && c.length !== 0) bad(`column ${c.name} has ${c.length} values for ${n} customers`);
  for (const name of ALWAYS) if (table[name]?.length !== n) bad(`column ${name} is missing`);
  const within = (name: ColumnName, size: number): void => {
    const v = table[name]!;
    for (let i = 0; i < v.length; i++) if (!(v[i]! >= 0 && v[i]! < size)) bad(`column ${name} points outside its list`);
  };
  within('cohortOf', header.cohorts.length);
  within('durationOf', header.durations.length);
  within('attrOf', header.attrs.length);
}

/** A published file's state and customers (as the run's model read them); throws on a file not of this format. */
export function decodeServing(gz: Buffer): ServingState {
  const raw = gunzipSync(gz);
  if (raw.length < 12 || raw.toString('latin1', 0, 8) !== MAGIC) throw new Error('not an ltv forecast inputs file (version 1)');
  const jsonLength = raw.readUInt32LE(8);
  const header = JSON.parse(raw.toString('utf8', 12, 12 + jsonLength)) as ServingHeader;
  if (header.dimensions.join() !== DIMENSIONS.join()) throw new Error('the forecast inputs file has other dimensions than this version of ltv');
  const body = raw.buffer.slice(raw.byteOffset + pad8(12 + jsonLength), raw.byteOffset + raw.length);
  let at = 0;
  const table: Record<string, Float64Array | Int32Array> = {};
  for (const c of header.columns) {
    const width = c.type === 'i32' ? 4 : 8;
    const bytes = c.length * width;
    if (at + bytes > body.byteLength) throw new Error('the forecast inputs file is cut short');
    const plain = unshuffle(new Uint8Array(body, at, bytes), width);
    const v = c.type === 'i32' ? new Int32Array(plain.buffer) : new Float64Array(plain.buffer);
    if (c.minus) {
      const base = table[c.minus]!;
      for (let i = 0; i < v.length; i++) v[i] = v[i]! + base[i]!;
    }
    table[c.name] = v;
    at += pad8(bytes);
  }
  checkTable(header, table);
  const { n, cohorts, durations, attrs, columns: _c, dimensions: _d, ...state } = header;
  return { ...state, customers: { ...(table as unknown as Omit<CustomerTable, 'n' | 'cohorts' | 'durations' | 'attrs'>), n, cohorts, durations, attrs } };
}
