// What the forecast reads from a run's warehouse (SPEC §9): per customer, the summary of its movements up
// to T and up to the backtest's cutoff C, in one statement (17_forecast_customers.sql by local day for
// BG/NBD, 18_forecast_subscribers.sql per customer for sBG), and per monthly cohort what it had realized
// by T, by month of life (19_forecast_realized.sql, from facts_all). Read by column into typed arrays: one
// row per customer.
import type { DuckDBMaterializedResult } from '@duckdb/node-api';
import { DuckDBTypeId, listValue } from '../warehouse/duckdb.js';
import type { ForecastSettings } from '../config/jobSchema.js';
import { formatBytes } from '../format/money.js';
import type { ForecastModel, Matrix } from '../ltv/model.js';
import { loadSql } from '../warehouse/loadSql.js';
import { vectorNumbers } from '../warehouse/vectorNumbers.js';
import type { Warehouse } from '../warehouse/openWarehouse.js';
import { DAY_MS, msDay } from './addMonthsMs.js';
import { chooseModel } from './chooseModel.js';
import { DIMENSIONS } from '../warehouse/tables.js';

/** Where an attribute tuple (DIMENSIONS' order) holds the duration. */
const DURATION = DIMENSIONS.indexOf('duration');

/** A count per customer (DuckDB's INTEGER columns, never NULL): 4 bytes a customer, not 8. */
export type Counts = Int32Array;

export interface CustomerTable {
  n: number;
  /** The local day of the first payment, at midnight (naive ms). */
  cohortDayMs: Float64Array;
  /**
   * The monthly cohort the customer belongs to in `days-month-cohort`, as an index into `cohorts`. Numbers,
   * not a title per customer: typed arrays are moved to the forecast thread, where 350,000 titles and
   * durations were cloned (0.09 s to serialize on CDNOW ×15) and took twice the memory.
   */
  cohortOf: Int32Array;
  /** The monthly cohorts' titles (their first day, YYYY-MM-01), in order of first appearance. */
  cohorts: string[];
  t0Ms: Float64Array;
  /** The customer's duration (attr_sets'), as an index into `durations`. */
  durationOf: Int32Array;
  durations: (string | null)[];
  /**
   * The customer's attribute tuple (SPEC §2: its first payment's dimension values, DIMENSIONS' order), as an
   * index into `attrs`: what a filtered request's `prediction_months` selects customers by (servingFile.ts).
   * Read at T only (absent at C, and in tables a test builds).
   */
  attrOf?: Int32Array;
  attrs?: (string | null)[][];
  /** This, the next and repeatRevenue only BG/NBD reads: empty when read for sBG. */
  purchaseDays: Counts;
  lastDayMs: Float64Array;
  /** BG/NBD: the first day's payments; sBG: every payment's (18_forecast_subscribers.sql). */
  firstDayRevenue: Float64Array;
  repeatRevenue: Float64Array;
  /** This and the next four only sBG reads: empty when read for BG/NBD. */
  payments: Counts;
  maxRenewal: Counts;
  lastPaymentMs: Float64Array;
  renewalRevenue: Float64Array;
  renewalPayments: Counts;
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

/** A tenant's forecast as planned before its reads: its history, holdout and backtest cutoff C. */
interface Plan {
  tenant: string;
  historyDays: number;
  holdout: number;
  cutoffMs: number;
  backtestPossible: boolean;
  backtestIso: string;
}

const num = (v: unknown): number => (v === null || v === undefined ? Number.NaN : Number(v));

/** A column as read: DOUBLE into a Float64Array (NULL → NaN), INTEGER into an Int32Array (never NULL). */
type Column = Float64Array | Int32Array;

/**
 * The `wanted` columns of a result, numbers read chunk by chunk straight from DuckDB's vectors into
 * typed arrays (Column); the others are not read. The driver's column conversion (`Warehouse.columns`)
 * visits every value through a generic converter: for a forecast's ~24 columns × 250,000 customers it cost
 * most of the forecast's time.
 */
async function readColumns(result: DuckDBMaterializedResult, wanted: ReadonlySet<string>): Promise<{ n: number; numbers: Map<string, Column> }> {
  const n = Number(result.rowCount);
  const numbers = new Map<string, Column>();
  const read: [number, Column, string][] = [];
  for (let c = 0; c < result.columnCount; c++) {
    const name = result.columnName(c);
    if (!wanted.has(name)) continue;
    const nums = result.columnTypeId(c) === DuckDBTypeId.INTEGER ? new Int32Array(n) : new Float64Array(n);
    numbers.set(name, nums);
    read.push([c, nums, name]);
  }
  let row = 0;
  for (let k = 0; k < result.chunkCount; k++) {
    // A materialized result is read while the connection runs the matrices' statements: now and then the
    // run's own callbacks go first.
    if (k % 16 === 15) await new Promise<void>((resolve) => setImmediate(resolve));
    const chunk = result.getChunk(k);
    const rows = chunk.rowCount;
    for (const [c, nums, name] of read) {
      const vector = chunk.getColumnVector(c);
      // getItem: a third of the forecast's read time, more where a column has NULLs (BG/NBD's last days at
      // C of a customer who had not started by then).
      const bulk = vectorNumbers(vector, rows, Number.NaN);
      if (bulk) {
        // An INTEGER column comes as Float64Array only when it holds a NULL, which an Int32Array cannot.
        if (nums instanceof Int32Array && bulk instanceof Float64Array && bulk.some(Number.isNaN)) throw new Error(`the forecast's column ${name} holds a NULL: a count is never NULL`);
        nums.set(bulk, row);
      } else {
        for (let j = 0; j < rows; j++) {
          const v = num(vector.getItem(j));
          if (nums instanceof Int32Array && Number.isNaN(v)) throw new Error(`the forecast's column ${name} holds a NULL: a count is never NULL`);
          nums[row + j] = v;
        }
      }
    }
    row += rows;
  }
  return { n, numbers };
}

const CUSTOMER_NUMBERS = ['cohort_day_ms', 't0_ms', 'attr_id', 'purchase_days', 'last_day_ms', 'first_day_revenue', 'repeat_revenue', 'payments', 'max_renewal', 'last_payment_ms', 'renewal_revenue', 'renewal_payments', 'revenue'] as const;
/**
 * The columns one model never reads, which its statement does not give: an empty array in their place. A
 * forecast's data lives while the matrices are computed (forecastThread.ts): at 2.5 million customers (10 M
 * rows) a DOUBLE column is 20 MB, at T and at C.
 */
const UNREAD: Record<'bgnbd' | 'sbg', ReadonlySet<string>> = {
  bgnbd: new Set(['payments', 'max_renewal', 'last_payment_ms', 'renewal_revenue', 'renewal_payments']),
  sbg: new Set(['purchase_days', 'last_day_ms', 'repeat_revenue']),
};
const NONE = new Float64Array(0);
const NO_COUNTS = new Int32Array(0);

/** Whose forecast, at which T, with which settings. */
export interface ForecastRequest {
  /** The tenant forecast: the run's tables hold every tenant. */
  tenant: string;
  asOf: Date;
  settings: ForecastSettings;
  /** The tenant's payments carry renewal numbers or durations (auto picks sBG). */
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

/** One tenant's forecast reads (readForecasts). */
export async function readForecast(wh: Warehouse, request: ForecastRequest): Promise<ForecastRead> {
  return (await readForecasts(wh, [request])).get(request.tenant)!;
}

/**
 * The forecast reads of a run's tenants (one request each, the same T, settings and data kind), every
 * tenant in one pass per statement: 16_forecast_tenants.sql lists them with their backtest cutoffs, then
 * one statement reads every forecast customer (17 or 18, at T and at each tenant's C) and one what each
 * monthly cohort realized (19). They need only the tables ingest built, not the matrices.
 */
export async function readForecasts(wh: Warehouse, requests: readonly ForecastRequest[]): Promise<Map<string, ForecastRead>> {
  return (await queryForecasts(wh, requests))();
}

/**
 * readForecasts in two steps: the statements (DuckDB's work; their results stay in DuckDB's memory), then,
 * from the function this returns, the customers' columns read into typed arrays (the JavaScript's: a third
 * of a 1 M-row read, on one core). A run calls that second step without awaiting it before its matrices,
 * whose statements the connection runs meanwhile (forecastThread.ts).
 */
export async function queryForecasts(wh: Warehouse, requests: readonly ForecastRequest[]): Promise<() => Promise<Map<string, ForecastRead>>> {
  const first = requests[0];
  if (!first) return async () => new Map();
  // `auto` chooses per tenant: the tenants of each model are read together (the statements differ by model).
  const byModel = new Map<ForecastModel, ForecastRequest[]>();
  for (const r of requests) {
    const model = chooseModel(r.settings, r.subscription).model;
    const group = byModel.get(model);
    if (group) group.push(r);
    else byModel.set(model, [r]);
  }
  const cutoff = first.asOf.toISOString();
  // T on the local wall clock, and each tenant's first payment up to T.
  const [{ ms } = { ms: 0 }] = await wh.all<{ ms: number }>('SELECT CAST(epoch_ms(ltv_local(CAST($cutoff AS TIMESTAMPTZ))) AS DOUBLE) AS ms', { cutoff });
  const tenants = await wh.all<{ tenant_id: string; first: number; customers: number }>(
    'SELECT tenant_id, CAST(min(epoch_ms(t0_local)) AS DOUBLE) AS first, CAST(count(*) AS DOUBLE) AS customers FROM customers_all WHERE t0 <= CAST($cutoff AS TIMESTAMPTZ) GROUP BY tenant_id',
    { cutoff },
  );
  // Every group's customers' result is held until all are read: the memory they need together is checked.
  const customersOf = new Map(tenants.map((t) => [t.tenant_id, Number(t.customers)]));
  let customers = 0;
  let need = 0;
  for (const [model, group] of byModel) {
    const n = group.reduce((sum, r) => sum + (customersOf.get(r.tenant) ?? 0), 0);
    customers += n;
    need += n * resultBytesPerCustomer(UNREAD[model]);
  }
  await checkForecastMemory(wh, customers, need);
  const known = { ms: Number(ms), firsts: new Map(tenants.map((r) => [r.tenant_id, Number(r.first)])) };
  const reads: (() => Promise<Map<string, ForecastRead>>)[] = [];
  for (const group of byModel.values()) reads.push(await queryModelForecasts(wh, group, known));
  if (reads.length === 1) return reads[0]!;
  return async () => {
    const all = new Map<string, ForecastRead>();
    for (const read of reads) for (const [tenant, r] of await read()) all.set(tenant, r);
    return all;
  };
}

/**
 * queryForecasts for tenants of one model (one statement reads them all), with what queryForecasts read for
 * every tenant: T on the local wall clock (`ms`) and each tenant's first payment (`firsts`).
 */
async function queryModelForecasts(wh: Warehouse, requests: readonly ForecastRequest[], known: { ms: number; firsts: Map<string, number> }): Promise<() => Promise<Map<string, ForecastRead>>> {
  const { asOf, settings, subscription } = requests[0]!;
  const choice = chooseModel(settings, subscription);
  const byDay = choice.model === 'bgnbd';
  const T = asOf.getTime();
  const cutoff = asOf.toISOString();
  const { ms, firsts } = known;
  const unread = UNREAD[byDay ? 'bgnbd' : 'sbg'];
  // Each tenant's backtest cutoff C = T − h, h by default the newest quarter of its history (first payment to T).
  const plans = requests.map((req): Plan => {
    const firstMs = firsts.get(req.tenant);
    const historyDays = firstMs === undefined ? 0 : (Number(ms) - firstMs) / DAY_MS;
    const holdout = settings.holdout_days ?? Math.floor(historyDays / 4);
    const cutoffMs = T - holdout * DAY_MS;
    const backtestPossible = holdout >= 1 && historyDays - holdout >= 30;
    return { tenant: req.tenant, historyDays, holdout, cutoffMs, backtestPossible, backtestIso: new Date(backtestPossible ? cutoffMs : T).toISOString() };
  });
  await wh.run(loadSql('16_forecast_tenants'));
  // Every tenant in one statement, its values bound as lists (200 tenants made 200 statements).
  await wh.run(
    `INSERT INTO forecast_tenants SELECT unnest(range(len(CAST($tenants AS VARCHAR[]))))::INTEGER,
       unnest(CAST($tenants AS VARCHAR[])), unnest(CAST($backtests AS VARCHAR[]))::TIMESTAMPTZ`,
    { tenants: listValue(plans.map((p) => p.tenant)), backtests: listValue(plans.map((p) => p.backtestIso)) },
  );
  const localC = new Map((await wh.all<{ no: number; ms: number }>(
    'SELECT tenant_no AS no, CAST(epoch_ms(ltv_local(backtest)) AS DOUBLE) AS ms FROM forecast_tenants',
  )).map((r) => [Number(r.no), Number(r.ms)]));

  const customers = await wh.connection.run(loadSql(byDay ? '17_forecast_customers' : '18_forecast_subscribers'), { cutoff });
  // Every column of attr_sets: a table a test builds may hold the duration alone (a dimension it lacks is NULL).
  const attrs = await wh.all<Record<string, string | null> & { id: number }>('SELECT CAST(attr_id AS DOUBLE) AS id, * EXCLUDE (attr_id) FROM attr_sets');
  const tupleOf = new Map(attrs.map((a) => [Number(a.id), DIMENSIONS.map((d) => a[d] ?? null)]));
  // What each tenant's monthly cohorts realized by T.
  const r = await wh.columns<Columns>(loadSql('19_forecast_realized'));
  const realizedOf = new Map<number, Map<string, RealizedByMonth>>();
  (r.cohort ?? []).forEach((cohort, i) => {
    const no = num(r.tenant_no?.[i]);
    const k = num(r.k?.[i]);
    let byCohort = realizedOf.get(no);
    if (!byCohort) realizedOf.set(no, (byCohort = new Map()));
    let row = byCohort.get(cohort as string);
    if (!row) byCohort.set(cohort as string, (row = { revenue: [], proceeds: [], net_revenue: [] }));
    for (const key of ['revenue', 'proceeds', 'net_revenue'] as const) {
      const list = row[key];
      while (list.length <= k) list.push(0);
      list[k] = (list[k] ?? 0) + num(r[key]?.[i]);
    }
  });

  const wanted = new Set(['tenant_no', 'started_c', ...CUSTOMER_NUMBERS.filter((name) => !unread.has(name)).flatMap((name) => [name, `${name}_c`])]);
  const read = { choice, plans, unread, tupleOf, ms: Number(ms), localC, realizedOf };
  return async () => byTenant(await readColumns(customers, wanted), read);
}

/**
 * What the customers' statement (17, 18) gives per customer, at most: every number its model reads at T and
 * at C, and two more, 8 bytes each.
 */
function resultBytesPerCustomer(unread: ReadonlySet<string>): number {
  return (2 * (CUSTOMER_NUMBERS.length - unread.size) + 2) * 8;
}

/** DuckDB's `memory_limit` setting as it states it ("3.7 GiB") and in bytes. */
async function memoryLimit(wh: Warehouse): Promise<{ text: string; bytes: number }> {
  const [row] = await wh.all<{ m: string }>("SELECT current_setting('memory_limit') AS m");
  const text = String(row?.m ?? '');
  const m = /^([\d.]+)\s*(bytes|KiB|MiB|GiB|TiB|PiB|KB|MB|GB|TB|PB)?$/i.exec(text.trim());
  if (!m) return { text, bytes: Infinity };
  const unit = (m[2] ?? 'bytes').toLowerCase();
  const scale: Record<string, number> = { bytes: 1, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40, pib: 2 ** 50, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, pb: 1e15 };
  return { text, bytes: Number(m[1]) * (scale[unit] ?? 1) };
}

/**
 * The customers' result stays in DuckDB's memory, which cannot spill it, until it is read, and the
 * model's typed arrays are about as large: a forecast of more customers than the memory limit holds is
 * not started, and says why (a 100 M-row run, 24.4 M customers, needs about 4.3 GB for sBG), instead of
 * failing with DuckDB's "failed to pin block" after half a minute of reading.
 */
async function checkForecastMemory(wh: Warehouse, customers: number, need: number): Promise<void> {
  const limit = await memoryLimit(wh);
  if (need <= limit.bytes) return;
  throw new Error(`its data for ${customers.toLocaleString('en-US')} customers takes about ${formatBytes(need)} of memory, more than DuckDB's memory limit (${limit.text}): raise duckdb.memory_limit (--memory-limit) to forecast them`);
}

/** What every tenant's ForecastRead shares, from queryForecasts' statements. */
interface ReadContext {
  choice: ForecastRead['choice'];
  plans: readonly Plan[];
  unread: ReadonlySet<string>;
  /** Every attribute tuple's dimension values (DIMENSIONS' order), by attr_id: its duration among them. */
  tupleOf: ReadonlyMap<number, (string | null)[]>;
  /** T on the local wall clock. */
  ms: number;
  /** Each tenant's C on the local wall clock, by tenant number. */
  localC: ReadonlyMap<number, number>;
  realizedOf: ReadonlyMap<number, Map<string, RealizedByMonth>>;
}

/**
 * The customers' columns split by tenant: the rows are by tenant number, each tenant's stretch its own
 * arrays (moved to the forecast thread apart), the whole arrays when the run has one tenant.
 */
function byTenant(c: { n: number; numbers: Map<string, Column> }, { choice, plans, unread, tupleOf, ms, localC, realizedOf }: ReadContext): Map<string, ForecastRead> {
  const out = new Map<string, ForecastRead>();
  const titles = new Map<number, string>();
  const tenantNo = c.numbers.get('tenant_no')!;
  let from = 0;
  for (const [no, p] of plans.entries()) {
    let to = from;
    while (to < c.n && tenantNo[to] === no) to++;
    const whole = from === 0 && to === c.n;
    const sliced = new Map<string, Column>();
    const column = (name: string): Column => {
      const v = c.numbers.get(name);
      if (!v) return NONE;
      if (whole) return v;
      let part = sliced.get(name);
      if (!part) sliced.set(name, (part = v.slice(from, to)));
      return part;
    };
    const atT = tenantCustomers(column, to - from, unread, tupleOf, titles);
    out.set(p.tenant, {
      choice, cutoffMs: p.cutoffMs, holdout: p.holdout, historyDays: p.historyDays, backtestPossible: p.backtestPossible,
      atT: { cutoffMs: ms, customers: atT.T, realized: realizedOf.get(no) ?? new Map() },
      atC: { cutoffMs: localC.get(no) ?? ms, customers: atT.C, realized: new Map() },
    });
    from = to;
  }
  return out;
}

/** Each row's value as an index into the list of distinct values, in order of first appearance. */
export function indexed<T>(n: number, valueAt: (i: number) => T): { of: Int32Array; values: T[] } {
  const index = new Map<T, number>();
  const values: T[] = [];
  const of = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = valueAt(i);
    let k = index.get(v);
    if (k === undefined) {
      index.set(v, (k = values.length));
      values.push(v);
    }
    of[i] = k;
  }
  return { of, values };
}

/**
 * One tenant's customers at T and at C (those who had started by then), from its columns as read: the
 * cohort (its first day's month) and the duration (from attr_sets) per customer.
 */
function tenantCustomers(column: (name: string) => Column, n: number, unread: ReadonlySet<string>, tupleOf: ReadonlyMap<number, (string | null)[]>, titles: Map<number, string>): { T: CustomerTable; C: CustomerTable } {
  const cohortDay = column('cohort_day_ms');
  const titleOf = (d: number): string => {
    let m = titles.get(d);
    if (m === undefined) titles.set(d, (m = `${msDay(d).slice(0, 8)}01`));
    return m;
  };
  const attr = column('attr_id');
  const started = column('started_c');
  // At C the customers who had started by then: plain loops (Float64Array.from with a mapping function
  // goes through the iterator protocol, ~10× slower over 13 columns × 250,000 customers).
  const rowsAtC: number[] = [];
  for (let i = 0; i < n; i++) if (started[i] === 1) rowsAtC.push(i);
  // The rows are ordered by first payment, so those started by C are nearly always the first ones: then C's
  // columns are views of the rows' first part, not copies (at 2.5 million customers ~10 columns of 20 MB).
  // Not always: the order is by local wall clock, which repeats an hour when clocks go back.
  const prefix = rowsAtC.every((i, j) => i === j);
  // Each customer's cohort and duration, numbered: T's, which C shares when every customer had started by then.
  type Keys = Pick<CustomerTable, 'cohortOf' | 'cohorts' | 'durationOf' | 'durations'>;
  const keysOf = (m: number, row: (j: number) => number): Keys => {
    const cohorts = indexed(m, (j) => titleOf(cohortDay[row(j)]!));
    const durations = indexed(m, (j) => tupleOf.get(attr[row(j)]!)?.[DURATION] ?? null);
    return { cohortOf: cohorts.of, cohorts: cohorts.values, durationOf: durations.of, durations: durations.values };
  };
  let keysAtT: Keys | undefined;
  const pick = (at: 'T' | 'C'): CustomerTable => {
    const all = at === 'T' || rowsAtC.length === n;
    const m = all ? n : rowsAtC.length;
    const read = (name: (typeof CUSTOMER_NUMBERS)[number]): Column | null => {
      if (unread.has(name)) return null;
      const v = column(at === 'T' || name === 't0_ms' || name === 'cohort_day_ms' ? name : `${name}_c`);
      if (all) return v;
      if (prefix) return v.subarray(0, m);
      const out = v instanceof Int32Array ? new Int32Array(m) : new Float64Array(m);
      for (let j = 0; j < m; j++) out[j] = v[rowsAtC[j]!]!;
      return out;
    };
    const col = (name: (typeof CUSTOMER_NUMBERS)[number]): Float64Array => {
      const v = read(name) ?? NONE;
      if (!(v instanceof Float64Array)) throw new Error(`the forecast's column ${name} is not DOUBLE`);
      return v;
    };
    const counts = (name: (typeof CUSTOMER_NUMBERS)[number]): Counts => {
      const v = read(name) ?? NO_COUNTS;
      if (!(v instanceof Int32Array)) throw new Error(`the forecast's column ${name} is not INTEGER`);
      return v;
    };
    const attrsAtT = at === 'T' ? indexed(n, (j) => attr[j]!) : undefined;
    return {
      n: m,
      cohortDayMs: col('cohort_day_ms'),
      ...(all ? (keysAtT ??= keysOf(n, (j) => j)) : keysOf(m, (j) => rowsAtC[j]!)),
      ...(attrsAtT ? { attrOf: attrsAtT.of, attrs: attrsAtT.values.map((id) => tupleOf.get(id) ?? DIMENSIONS.map(() => null)) } : {}),
      t0Ms: col('t0_ms'),
      purchaseDays: counts('purchase_days'),
      lastDayMs: col('last_day_ms'),
      firstDayRevenue: col('first_day_revenue'),
      repeatRevenue: col('repeat_revenue'),
      payments: counts('payments'),
      maxRenewal: counts('max_renewal'),
      lastPaymentMs: col('last_payment_ms'),
      renewalRevenue: col('renewal_revenue'),
      renewalPayments: counts('renewal_payments'),
      revenue: col('revenue'),
    };
  };
  return { T: pick('T'), C: pick('C') };
}
