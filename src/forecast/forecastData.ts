// What the forecast reads from a run's warehouse (SPEC §9): per customer, the summary of its movements up
// to T and up to the backtest's cutoff C, in one statement (23_forecast_customers.sql by local day for
// BG/NBD, 24_forecast_subscribers.sql per customer for sBG), and per monthly cohort what it had realized
// by T, by month of life (25_forecast_realized.sql, from facts_all). Read by column into typed arrays: one
// row per customer.
import type { ForecastSettings } from '../config/jobSchema.js';
import type { Matrix } from '../ltv/model.js';
import { loadSql } from '../warehouse/loadSql.js';
import type { Warehouse } from '../warehouse/openWarehouse.js';
import { DAY_MS, msDay } from './addMonthsMs.js';
import { chooseModel } from './chooseModel.js';

export interface CustomerTable {
  n: number;
  /** The local day of the first payment, at midnight (naive ms). */
  cohortDayMs: Float64Array;
  /** The monthly cohort (its first day) the customer belongs to in `days-month-cohort`. */
  cohort: string[];
  t0Ms: Float64Array;
  duration: (string | null)[];
  purchaseDays: Float64Array;
  lastDayMs: Float64Array;
  firstDayRevenue: Float64Array;
  repeatRevenue: Float64Array;
  /** This and the next four only sBG reads: empty when read for BG/NBD (as purchaseDays and lastDayMs for sBG). */
  payments: Float64Array;
  maxRenewal: Float64Array;
  lastPaymentMs: Float64Array;
  renewalRevenue: Float64Array;
  renewalPayments: Float64Array;
  revenue: Float64Array;
}

/** A monthly cohort's realized money by month of life k (not cumulative). */
export interface RealizedByMonth {
  revenue: number[];
  proceeds: number[];
  net_revenue: number[];
}

export interface ForecastData {
  /** The cutoff's local wall-clock time in naive milliseconds. */
  cutoffMs: number;
  customers: CustomerTable;
  /** By monthly cohort (read at T only; empty at the backtest's cutoff). */
  realized: Map<string, RealizedByMonth>;
}

type Columns = Record<string, unknown[]>;

const num = (v: unknown): number => (v === null || v === undefined ? Number.NaN : Number(v));

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * A DOUBLE or INTEGER vector's values as they lie in DuckDB's memory, NULL as NaN; undefined when the
 * vector is not laid out as expected (then read value by value). getItem tests every value's validity bit
 * with BigInt arithmetic: a third of the forecast's read time, more where a column has NULLs (sBG's day
 * columns, every value at C of a customer who had not started by then). The fields are the client's own
 * (@duckdb/node-api, pinned in package.json: items, and validity.data, a BigUint64Array of validity bits,
 * least significant first, or null when every value is valid); anything else, in another version, falls
 * back to getItem.
 */
function doubles(vector: unknown, rows: number): Float64Array | Int32Array | undefined {
  const { items, validity } = vector as { items?: unknown; validity?: { data?: unknown; offset?: unknown } };
  if (!(items instanceof Float64Array || items instanceof Int32Array) || items.length !== rows) return undefined;
  const bits = validity?.data;
  if (bits === null) return items;
  if (!LITTLE_ENDIAN || !(bits instanceof BigUint64Array) || validity?.offset !== 0 || bits.length * 64 < rows) return undefined;
  // The same bits as 32-bit words, the low word first (on a little-endian machine).
  const words = new Uint32Array(bits.buffer, bits.byteOffset, bits.length * 2);
  const out = Float64Array.from(items);
  for (let j = 0; j < rows; j++) if (!((words[j >>> 5]! >>> (j & 31)) & 1)) out[j] = Number.NaN;
  return out;
}

/**
 * The `wanted` columns of a result, numbers read chunk by chunk straight from DuckDB's vectors into
 * Float64Arrays (NULL → NaN); the others are not read. The driver's column conversion (`Warehouse.columns`)
 * visits every value through a generic converter: for a forecast's ~24 columns × 250,000 customers it cost
 * most of the forecast's time.
 */
async function readColumns(wh: Warehouse, sql: string, params: Record<string, string>, wanted: ReadonlySet<string>): Promise<{ n: number; numbers: Map<string, Float64Array> }> {
  const result = await wh.connection.run(sql, params);
  const n = Number(result.rowCount);
  const numbers = new Map<string, Float64Array>();
  const read: [number, Float64Array][] = [];
  for (let c = 0; c < result.columnCount; c++) {
    const name = result.columnName(c);
    if (!wanted.has(name)) continue;
    const nums = new Float64Array(n);
    numbers.set(name, nums);
    read.push([c, nums]);
  }
  let row = 0;
  for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
    const rows = chunk.rowCount;
    for (const [c, nums] of read) {
      const vector = chunk.getColumnVector(c);
      const bulk = doubles(vector, rows);
      if (bulk) nums.set(bulk, row);
      else for (let j = 0; j < rows; j++) nums[row + j] = num(vector.getItem(j));
    }
    row += rows;
  }
  return { n, numbers };
}

const CUSTOMER_NUMBERS = ['cohort_day_ms', 't0_ms', 'attr_id', 'purchase_days', 'last_day_ms', 'first_day_revenue', 'repeat_revenue', 'payments', 'max_renewal', 'last_payment_ms', 'renewal_revenue', 'renewal_payments', 'revenue'] as const;
/**
 * The columns one model never reads (the statements give them as constants): not held, an empty array in
 * their place. A forecast's data lives while the matrices are computed (forecastThread.ts): at 3 million
 * customers each column is 24 MB, at T and at C.
 */
const UNREAD: Record<'bgnbd' | 'sbg', ReadonlySet<string>> = {
  bgnbd: new Set(['payments', 'max_renewal', 'last_payment_ms', 'renewal_revenue', 'renewal_payments']),
  sbg: new Set(['purchase_days', 'last_day_ms']),
};
const NONE = new Float64Array(0);

/** T on the local wall clock, and the first payment of the tenant's customers up to T (null: none). */
export async function readHistory(wh: Warehouse, tenant: string, cutoffIso: string): Promise<{ cutoffMs: number; firstMs: number | null }> {
  const [row] = await wh.all<{ ms: number; first: number | null }>(
    `SELECT CAST(epoch_ms(ltv_local(CAST($cutoff AS TIMESTAMPTZ))) AS DOUBLE) AS ms,
       (SELECT CAST(min(epoch_ms(t0_local)) AS DOUBLE) FROM customers_all
        WHERE tenant_id = CAST($tenant AS VARCHAR) AND t0 <= CAST($cutoff AS TIMESTAMPTZ)) AS first`,
    { tenant, cutoff: cutoffIso },
  );
  return { cutoffMs: Number(row?.ms ?? 0), firstMs: row?.first === null || row?.first === undefined ? null : Number(row.first) };
}

/**
 * The data at T (`cutoffIso`, the run's as-of: the realized sums are the run's facts_all) and at the
 * backtest's cutoff C (`backtestIso` ≤ T), read in one pass over the movements. At C only the customers are read (the backtest compares them with what they realized by T).
 * `byDay`: purchases counted by local day (BG/NBD); without it one summary per customer (sBG, which reads
 * no day counts: firstDayRevenue is then every payment's revenue, repeatRevenue 0).
 */
export async function readForecastData(wh: Warehouse, tenant: string, cutoffIso: string, backtestIso: string, byDay: boolean): Promise<{ atT: ForecastData; atC: ForecastData }> {
  const [{ ms, msC } = { ms: 0, msC: 0 }] = await wh.all<{ ms: number; msC: number }>(
    'SELECT CAST(epoch_ms(ltv_local(CAST($cutoff AS TIMESTAMPTZ))) AS DOUBLE) AS ms, CAST(epoch_ms(ltv_local(CAST($backtest AS TIMESTAMPTZ))) AS DOUBLE) AS "msC"',
    { cutoff: cutoffIso, backtest: backtestIso },
  );
  const unread = UNREAD[byDay ? 'bgnbd' : 'sbg'];
  const c = await readColumns(wh, loadSql(byDay ? '23_forecast_customers' : '24_forecast_subscribers'), { tenant, cutoff: cutoffIso, backtest: backtestIso },
    new Set(['started_c', ...CUSTOMER_NUMBERS.filter((name) => !unread.has(name)).flatMap((name) => [name, `${name}_c`])]));
  const n = c.n;
  const cohortDay = c.numbers.get('cohort_day_ms')!;
  const titles = new Map<number, string>();
  const cohort = Array.from(cohortDay, (d) => {
    let m = titles.get(d);
    if (m === undefined) titles.set(d, (m = `${msDay(d).slice(0, 8)}01`));
    return m;
  });
  const attrs = await wh.all<{ id: number; duration: string | null }>('SELECT CAST(attr_id AS DOUBLE) AS id, duration FROM attr_sets');
  const durationOf = new Map(attrs.map((a) => [Number(a.id), a.duration ?? null]));
  const attrId = c.numbers.get('attr_id')!;
  const duration = Array.from(attrId, (id) => durationOf.get(id) ?? null);
  const started = c.numbers.get('started_c')!;
  // At C the customers who had started by then: plain loops (Float64Array.from with a mapping function
  // goes through the iterator protocol, ~10× slower over 13 columns × 250,000 customers).
  const rowsAtC: number[] = [];
  for (let i = 0; i < n; i++) if (started[i] === 1) rowsAtC.push(i);
  const pick = (at: 'T' | 'C'): CustomerTable => {
    const all = at === 'T' || rowsAtC.length === n;
    const col = (name: (typeof CUSTOMER_NUMBERS)[number]): Float64Array => {
      if (unread.has(name)) return NONE;
      const v = c.numbers.get(at === 'T' || name === 't0_ms' || name === 'cohort_day_ms' ? name : `${name}_c`)!;
      if (all) return v;
      const out = new Float64Array(rowsAtC.length);
      for (let j = 0; j < rowsAtC.length; j++) out[j] = v[rowsAtC[j]!]!;
      return out;
    };
    const list = <T>(v: T[]): T[] => {
      if (all) return v;
      const out = new Array<T>(rowsAtC.length);
      for (let j = 0; j < rowsAtC.length; j++) out[j] = v[rowsAtC[j]!]!;
      return out;
    };
    return {
      n: all ? n : rowsAtC.length,
      cohortDayMs: col('cohort_day_ms'),
      cohort: list(cohort),
      t0Ms: col('t0_ms'),
      duration: list(duration),
      purchaseDays: col('purchase_days'),
      lastDayMs: col('last_day_ms'),
      firstDayRevenue: col('first_day_revenue'),
      repeatRevenue: col('repeat_revenue'),
      payments: col('payments'),
      maxRenewal: col('max_renewal'),
      lastPaymentMs: col('last_payment_ms'),
      renewalRevenue: col('renewal_revenue'),
      renewalPayments: col('renewal_payments'),
      revenue: col('revenue'),
    };
  };
  const r = await wh.columns<Columns>(loadSql('25_forecast_realized'), { tenant });
  const realized = new Map<string, RealizedByMonth>();
  (r.cohort ?? []).forEach((cohort, i) => {
    const k = num(r.k?.[i]);
    let row = realized.get(cohort as string);
    if (!row) realized.set(cohort as string, (row = { revenue: [], proceeds: [], net_revenue: [] }));
    for (const key of ['revenue', 'proceeds', 'net_revenue'] as const) {
      const list = row[key];
      while (list.length <= k) list.push(0);
      list[k] = (list[k] ?? 0) + num(r[key]?.[i]);
    }
  });
  return {
    atT: { cutoffMs: Number(ms), customers: pick('T'), realized },
    atC: { cutoffMs: Number(msC), customers: pick('C'), realized: new Map() },
  };
}

/** Whose forecast, at which T, with which settings. */
export interface ForecastRequest {
  /** The tenant forecast: the run's tables hold every tenant. */
  tenant: string;
  asOf: Date;
  settings: ForecastSettings;
  /** The inputs carry renewal numbers or durations (auto picks sBG). */
  subscription: boolean;
}

/** A monthly cohort of the realized report (`days-month-cohort`) as the forecast sees it. */
export interface CohortRow {
  title: string;
  customers: number;
  /** Last complete period of the realized matrix (−1: none). */
  lastComplete: number;
}

/** The monthly matrix's cohorts: what the forecast needs of the realized report. */
export function monthlyCohorts(monthly: Matrix): CohortRow[] {
  return monthly.rows.filter((r) => r.type === 'cohort').map((r) => ({
    title: r.title,
    customers: r.customers,
    lastComplete: r.cells.reduce((k, c) => (c.state === 'complete' ? Math.max(k, c.period) : k), -1),
  }));
}

/**
 * What a forecast reads from the warehouse (readForecast): the data at T and at the backtest's cutoff C,
 * and the choices made on it. Plain data (numbers, typed arrays, strings, Maps): it can be handed to
 * another thread (forecastThread.ts).
 */
export interface ForecastRead {
  choice: ReturnType<typeof chooseModel>;
  /** The backtest's cutoff C = T − holdout days, as epoch ms. */
  cutoffMs: number;
  holdout: number;
  historyDays: number;
  backtestPossible: boolean;
  atT: ForecastData;
  atC: ForecastData;
}

/** The forecast's reads of the warehouse (the tenant's statements; the matrices are not needed for them). */
export async function readForecast(wh: Warehouse, inputs: ForecastRequest): Promise<ForecastRead> {
  const choice = chooseModel(inputs.settings, inputs.subscription);
  // The backtest's cutoff C = T − h, h by default the newest quarter of the history (first payment to T).
  const T = inputs.asOf.getTime();
  const history = await readHistory(wh, inputs.tenant, inputs.asOf.toISOString());
  const historyDays = history.firstMs === null ? 0 : (history.cutoffMs - history.firstMs) / DAY_MS;
  const holdout = inputs.settings.holdout_days ?? Math.floor(historyDays / 4);
  const cutoffMs = T - holdout * DAY_MS;
  const backtestPossible = holdout >= 1 && historyDays - holdout >= 30;
  const { atT, atC } = await readForecastData(wh, inputs.tenant, inputs.asOf.toISOString(), new Date(backtestPossible ? cutoffMs : T).toISOString(), choice.model === 'bgnbd');
  return { choice, cutoffMs, holdout, historyDays, backtestPossible, atT, atC };
}
