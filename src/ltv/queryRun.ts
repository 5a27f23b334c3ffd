// Read-only queries over a published run (SPEC §6 filtered Adapty requests): the run's own matrix SQL
// over views of the Parquet files it published beside its snapshots, so the answer never depends on
// anything newer than the run. One in-memory DuckDB per run directory, kept for reuse (a small LRU).
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../config/AppError.js';
import { DIMENSIONS } from '../ingest/readInputs.js';
import { literalPath } from '../warehouse/literalPath.js';
import { loadSql, quoteIdent, quoteLiteral } from '../warehouse/loadSql.js';
import { installMacros } from '../warehouse/installMacros.js';
import { asOfWall } from './asOfWall.js';
import { Warehouse } from '../warehouse/openWarehouse.js';
import type { RunMatrix } from './cellRuns.js';
import { computeRunMatrix, keptTuples } from './computeMatrix.js';
import { expandRuns } from './cellRuns.js';
import { monthlyCohorts, type CohortRow, type RealizedByMonth } from '../forecast/forecastData.js';
import type { RowsBy } from '../forecast/subsetForecast.js';
import { listValue } from '../warehouse/duckdb.js';
import type { LtvFilters, MatrixSpec } from './model.js';
import { publishedFile } from './publishedFile.js';
import { manifestIdentity, RUN_FILES, runKey, type Manifest, type RunRef } from './runFiles.js';
import { MATRIX_CUSTOMERS, MATRIX_FACTS, type Column } from '../warehouse/tables.js';

interface Lane {
  wh: Warehouse;
  /** Serialises a connection's statements; the run's lanes run in parallel. */
  queue: Promise<unknown>;
  /** Queries on this lane: the one running and those waiting behind it. */
  pending: number;
}

interface OpenRun {
  main: Warehouse;
  lanes: Lane[];
  asOfLocal: string;
  /** The run's recent queries' time, ms (a moving average of those that finished); undefined before the first. */
  meanMs: number | undefined;
  /** Each attribute tuple's attr_id, by the tuple's JSON (DIMENSIONS' order): read once, when first asked. */
  tupleIds?: Promise<Map<string, number>>;
  /** The run's as-of time (manifest.as_of), and on the local wall clock (ForecastBasis.cutoffMs), once asked. */
  asOf: string;
  cutoffMs?: Promise<number>;
}

/** Parallel queries per run: one per core is what DuckDB can use anyway. */
const LANES = Math.max(2, Math.min(4, availableParallelism()));

/** Queries that may wait for a run's lanes besides the running ones (`ltv serve`: LTV_SERVE_MAX_QUEUED_QUERIES). */
export const DEFAULT_MAX_QUEUED_QUERIES = 64;

/** Weight of the newest query in the run's moving average of query times. */
const MEAN_WEIGHT = 0.2;

/**
 * How often a query nobody waits for is interrupted again until it ends: DuckDB drops an interrupt that
 * arrives while none of its statements runs (Warehouse.interruptStatement).
 */
const INTERRUPT_AGAIN_MS = 25;

/** What a caller of queryRunMatrix waits for, and how long (SPEC §6: filtered requests under load). */
export interface QueryOptions {
  /**
   * Aborted when nobody waits for the answer any more (the request's deadline passed, its client left): the
   * call rejects at once with the signal's reason, and once every caller of the same question has left, the
   * query is skipped if it still waits for its lane, its statement interrupted if it runs.
   */
  signal?: AbortSignal;
  /** When the answer is due (epoch ms): a query that would wait for its lane past it is refused (503) at once. */
  deadline?: number;
  /** Queries that may wait for the run's lanes besides the running ones; one more is refused (503) at once. */
  maxQueued?: number;
}

/** Queries of every open run, for the server's stats. */
const counts = { waiting: 0, running: 0 };

/** The filtered queries waiting for a lane and running now, every run's together (diagnostics, tests). */
export function queryQueueStats(): { waiting: number; running: number } {
  return { ...counts };
}

const MAX_OPEN_RUNS = 8;
const open = new Map<string, Promise<OpenRun>>();

async function openRun(run: RunRef): Promise<OpenRun> {
  const runDir = run.dir;
  let manifest: Manifest;
  try {
    const text = await readFile(join(runDir, RUN_FILES.manifest));
    // Another run published under the same id since the caller resolved this one: not the run asked for
    // (its data files are checked against this manifest, so what is loaded is the run of this identity).
    if (manifestIdentity(text) !== run.identity) throw new Error('the run directory holds another run now');
    manifest = JSON.parse(text.toString('utf8')) as Manifest;
  } catch (e) {
    // A client sees a NOT_FOUND's message (src/serve/HttpError.ts): no path in it.
    throw new AppError('NOT_FOUND', 'Run not found', { cause: new Error(`no published run at ${runDir}`, { cause: e }) });
  }
  const files = await runDataFiles(runDir, manifest);
  const wh = await Warehouse.open({ timezone: manifest.timezone, memoryLimit: '1GB' });
  try {
    await installMacros(wh, manifest.timezone);
    await loadRunTables(wh, files);
    const asOfLocal = await asOfWall(wh, manifest.as_of);
    const lanes: Lane[] = [];
    for (let i = 0; i < LANES; i++) {
      const lane = i === 0 ? wh : await wh.fork();
      // A lane runs one statement at a time (queue) and the matrix statement's text repeats per shape of
      // request: prepared once per lane, only rebound afterwards.
      lane.reuseStatements();
      lanes.push({ wh: lane, queue: Promise.resolve(), pending: 0 });
    }
    return { main: wh, lanes, asOfLocal, meanMs: undefined, asOf: manifest.as_of };
  } catch (e) {
    wh.close();
    throw e;
  }
}

/** A published run's two Parquet files, each checked to be the run's own as its manifest lists it (publishedFile.ts). */
export async function runDataFiles(runDir: string, manifest: Manifest): Promise<{ facts: string; customers: string }> {
  return { facts: await publishedFile(runDir, RUN_FILES.facts, manifest), customers: await publishedFile(runDir, RUN_FILES.customers, manifest) };
}

/**
 * The matrix statement's relations (tables.ts MATRIX_FACTS, MATRIX_CUSTOMERS, and attr_sets) over a
 * published run's Parquet files (runDataFiles), loaded once into memory (columnar, compressed): every later
 * query scans RAM, not Parquet. The statement also reads attr_sets: the run's distinct attribute tuples,
 * numbered here (the files carry the attributes themselves); facts and customers get each row's number.
 */
export async function loadRunTables(wh: Warehouse, files: { facts: string; customers: string }): Promise<void> {
  const factsFile = `read_parquet(${quoteLiteral(literalPath(files.facts))})`;
  const customersFile = `read_parquet(${quoteLiteral(literalPath(files.customers))})`;
  const dims = DIMENSIONS.map(quoteIdent);
  const same = dims.map((d) => `x.${d} IS NOT DISTINCT FROM a.${d}`).join(' AND ');
  await wh.run(`CREATE TABLE attr_sets AS SELECT *, row_number() OVER () AS attr_id
    FROM (SELECT ${dims.join(', ')} FROM ${customersFile} UNION SELECT ${dims.join(', ')} FROM ${factsFile})`);
  // The declared columns, in their order. A published run is one tenant's: tenant_id, by which the
  // statement groups a run's tenants, is one constant here; money back to HUGEINT units (runFiles.ts).
  const select = (columns: readonly Column[]): string => columns.map(([c, t]) =>
    c === 'tenant_id' ? `CAST('' AS VARCHAR) AS tenant_id` : c === 'attr_id' ? 'a.attr_id' : `CAST(x.${quoteIdent(c)} AS ${t}) AS ${quoteIdent(c)}`).join(', ');
  await wh.run(`CREATE TABLE ${MATRIX_FACTS.name} AS SELECT ${select(MATRIX_FACTS.columns)} FROM ${factsFile} x JOIN attr_sets a ON ${same}`);
  await wh.run(`CREATE TABLE ${MATRIX_CUSTOMERS.name} AS SELECT ${select(MATRIX_CUSTOMERS.columns)} FROM ${customersFile} x JOIN attr_sets a ON ${same}`);
}

/** The run opened for queries (kept in a small LRU; opened once however many ask at the same time). */
function openedRun(run: RunRef): Promise<OpenRun> {
  const key = runKey(run);
  let entry = open.get(key);
  if (!entry) {
    entry = openRun(run);
    open.set(key, entry);
    entry.catch(() => open.delete(key));
    while (open.size > MAX_OPEN_RUNS) {
      const [oldest] = open.keys();
      if (oldest === undefined) break;
      const old = open.get(oldest);
      open.delete(oldest);
      void old?.then((r) => closeRun(r)).catch(() => undefined);
    }
  } else {
    // Refresh its place in the LRU.
    open.delete(key);
    open.set(key, entry);
  }
  return entry;
}

/**
 * Opens a published run for queries ahead of its first one (the explorer does it at sign-in: opening a
 * run of 1 M transactions takes about a second). Same contract as queryRunMatrix's `run`.
 */
export async function prepareRunQueries(run: RunRef): Promise<void> {
  await openedRun(run);
}

/**
 * One matrix of a published run, filtered, as runs of equal cells (cellRuns.ts). `run.dir` must be a
 * resolved run directory (the caller resolves `latest` and checks it lies inside the reports directory).
 * Rejects with an AppError of status 503 (retryAfterSeconds set) when the run's queue is too long (`opts`).
 */
export function queryRunMatrix(run: RunRef, spec: MatrixSpec, filters: LtvFilters, opts: QueryOptions = {}): Promise<RunMatrix> {
  if (opts.signal?.aborted) return Promise.reject(opts.signal.reason as Error);
  // The same question asked twice at once (the explorer asks Adapty's route for a segmentation's values
  // and its own states route for their states) is computed once.
  const key = JSON.stringify([runKey(run), spec, filters]);
  let shared = inFlight.get(key);
  if (!shared) {
    const abandoned = new AbortController();
    const entry: SharedQuery = { abandoned, waiters: 0, result: computeOn(run, spec, filters, { ...opts, signal: abandoned.signal }) };
    inFlight.set(key, entry);
    entry.result.finally(() => {
      if (inFlight.get(key) === entry) inFlight.delete(key);
    }).catch(() => undefined);
    shared = entry;
  }
  return waitFor(shared, key, opts.signal);
}

/** A query under way and how many callers still wait for it. */
interface SharedQuery {
  result: Promise<RunMatrix>;
  /** Aborted when the last caller has left: the query is skipped or interrupted. */
  abandoned: AbortController;
  waiters: number;
}

const inFlight = new Map<string, SharedQuery>();

/** The query's result for one caller, who may leave (its signal) before it is there. */
function waitFor(shared: SharedQuery, key: string, signal: AbortSignal | undefined): Promise<RunMatrix> {
  shared.waiters++;
  if (!signal) return shared.result;
  return new Promise((resolve, reject) => {
    const leave = (): void => {
      reject(signal.reason as Error);
      if (--shared.waiters > 0) return;
      // Nobody waits any more: not joined by a later caller, and stopped.
      if (inFlight.get(key) === shared) inFlight.delete(key);
      shared.abandoned.abort(signal.reason);
    };
    signal.addEventListener('abort', leave, { once: true });
    shared.result.then(
      (m) => {
        signal.removeEventListener('abort', leave);
        resolve(m);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', leave);
        reject(e as Error);
      },
    );
  });
}

function computeOn(ref: RunRef, spec: MatrixSpec, filters: LtvFilters, opts: QueryOptions): Promise<RunMatrix> {
  return onLane(ref, opts, (wh, run) => computeRunMatrix(wh, spec, run.asOfLocal, filters));
}

/**
 * `work` on the run's least busy lane when its turn comes, admitted (admit) and run (runQuery) as every
 * query of the run is: the lane's statements one at a time.
 */
async function onLane<T>(ref: RunRef, opts: QueryOptions, work: (wh: Warehouse, run: OpenRun) => Promise<T>): Promise<T> {
  const run = await openedRun(ref);
  opts.signal?.throwIfAborted();
  const lane = run.lanes.reduce((a, b) => (b.pending < a.pending ? b : a));
  admit(run, lane, opts);
  lane.pending++;
  counts.waiting++;
  const result = lane.queue.then(() => runQuery(run, lane, opts.signal, () => work(lane.wh, run))).finally(() => {
    lane.pending--;
  });
  lane.queue = result.catch(() => undefined);
  return result;
}

/**
 * Refuses a query that could not be answered in time (SPEC §6 overload: a 503 saying when to retry, at once,
 * rather than a wait past the request's deadline that keeps a connection busy for nobody): when the run's
 * queue holds `maxQueued` waiting queries, or when the queries ahead on its lane, at the run's recent pace,
 * would take it past `deadline`. A free lane always takes it: waiting cannot make it faster.
 */
function admit(run: OpenRun, lane: Lane, opts: QueryOptions): void {
  if (lane.pending === 0) return;
  const waiting = run.lanes.reduce((n, l) => n + Math.max(0, l.pending - 1), 0);
  const aheadMs = lane.pending * (run.meanMs ?? 0);
  const retryAfter = Math.min(60, Math.max(1, Math.ceil(aheadMs / 1000)));
  const busy = (why: string): AppError =>
    new AppError('TRANSIENT', `${why}: retry in ${retryAfter} s`, { status: 503, retryable: true, retryAfterSeconds: retryAfter });
  if (opts.maxQueued !== undefined && waiting >= opts.maxQueued) {
    throw busy(`The server has too many filtered queries waiting for this report (at most ${opts.maxQueued})`);
  }
  if (opts.deadline !== undefined && run.meanMs !== undefined && Date.now() + aheadMs + run.meanMs > opts.deadline) {
    const left = Math.max(0, Math.round((opts.deadline - Date.now()) / 1000));
    throw busy(`The server has too many filtered queries waiting for this report to answer this one in time (about ${Math.ceil(aheadMs / 1000)} s of them ahead, ${left} s left)`);
  }
}

/**
 * Runs a query when its lane's turn comes: skipped when nobody waits for it any more; interrupted, again
 * until it ends, when its last caller leaves while it runs. Finished queries set the run's pace.
 */
async function runQuery<T>(run: OpenRun, lane: Lane, signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
  counts.waiting--;
  if (signal?.aborted) throw signal.reason as Error;
  counts.running++;
  let again: NodeJS.Timeout | undefined;
  const interrupt = (): void => {
    lane.wh.interruptStatement();
    again ??= setInterval(() => lane.wh.interruptStatement(), INTERRUPT_AGAIN_MS);
  };
  signal?.addEventListener('abort', interrupt, { once: true });
  const started = performance.now();
  try {
    const value = await work();
    const ms = performance.now() - started;
    run.meanMs = run.meanMs === undefined ? ms : run.meanMs + MEAN_WEIGHT * (ms - run.meanMs);
    return value;
  } catch (e) {
    throw signal?.aborted ? (signal.reason as Error) : e;
  } finally {
    // Before the lane's next query starts: an interrupt must never reach it.
    signal?.removeEventListener('abort', interrupt);
    clearInterval(again);
    counts.running--;
  }
}

/**
 * What a filtered request's `prediction_months` reads of the run's data (servedForecast.ts): the monthly
 * cohorts of the filtered `days-month-cohort` matrix, what their kept customers realized by month of life
 * (32_served_realized.sql), and which attribute tuples the filters keep. On one of
 * the run's lanes, admitted as a matrix query is (QueryOptions).
 */
export interface ForecastBasis {
  cohorts: CohortRow[];
  /** By `${row key}\0${cohort}` (subsetForecast.ts SubsetRequest.realized). */
  realized: Map<string, RealizedByMonth>;
  /** Whether the attribute filters keep the tuple of attr_id i + 1 (31_attr_kept.sql); null without attribute filters. */
  kept: boolean[] | null;
  /** Every attribute tuple's attr_id, by the tuple's JSON (DIMENSIONS' order). */
  tupleIds: Map<string, number>;
  /** T on the local wall clock (naive ms), as the run's forecast read it (forecastData.ts): its inputs' cutoff. */
  cutoffMs: number;
}

export async function queryForecastBasis(ref: RunRef, filters: LtvFilters, rowsBy: RowsBy | null, opts: QueryOptions = {}): Promise<ForecastBasis> {
  // The monthly matrix asked as any filtered request asks it: asked at the same time as the answer's own
  // matrix (adaptyRoute.ts), the same question (an answer by monthly cohort) is computed once.
  const monthly = queryRunMatrix(ref, { period_type: 'days', period_unit: 'month', segmentation: 'cohort' }, filters, opts);
  const rest = onLane(ref, opts, async (wh, run): Promise<Omit<ForecastBasis, 'cohorts'>> => {
    const kept = await keptTuples(wh, filters);
    const r = await wh.all<{ row_key: string; cohort: string; k: number; revenue: number; proceeds: number; net_revenue: number }>(loadSql('32_served_realized'), {
      date_from: filters.date?.[0] ?? null, date_to: filters.date?.[1] ?? null, kept: kept ? listValue(kept.length ? [...kept] : [false]) : null,
      rows_by: rowsBy === null ? null : 'unit' in rowsBy ? rowsBy.unit : rowsBy.dimension,
    });
    const realized = new Map<string, RealizedByMonth>();
    for (const row of r) {
      const id = `${row.row_key}\0${row.cohort}`;
      let byMonth = realized.get(id);
      if (!byMonth) realized.set(id, (byMonth = { revenue: [], proceeds: [], net_revenue: [] }));
      for (const key of ['revenue', 'proceeds', 'net_revenue'] as const) {
        const list = byMonth[key];
        while (list.length <= row.k) list.push(0);
        list[row.k] = list[row.k]! + Number(row[key]);
      }
    }
    run.tupleIds ??= wh.all<Record<string, string | null> & { id: number }>(`SELECT CAST(attr_id AS DOUBLE) AS id, ${DIMENSIONS.map(quoteIdent).join(', ')} FROM attr_sets`)
      .then((rows) => new Map(rows.map((t) => [JSON.stringify(DIMENSIONS.map((d) => t[d] ?? null)), Number(t.id)])));
    run.cutoffMs ??= wh.all<{ ms: number }>('SELECT CAST(epoch_ms(ltv_local(CAST($cutoff AS TIMESTAMPTZ))) AS DOUBLE) AS ms', { cutoff: run.asOf })
      .then(([row]) => Number(row?.ms));
    return { realized, kept, tupleIds: await run.tupleIds, cutoffMs: await run.cutoffMs };
  });
  const [matrix, other] = await Promise.all([monthly, rest]);
  return { cohorts: monthlyCohorts(expandRuns(matrix)), ...other };
}

async function closeRun(run: OpenRun): Promise<void> {
  await Promise.all(run.lanes.map((l) => l.queue));
  for (const lane of run.lanes) if (lane.wh !== run.main) lane.wh.close();
  run.main.close();
}

/** Closes every cached run (server shutdown, tests). */
export async function closeRunQueries(): Promise<void> {
  const runs = [...open.values()];
  open.clear();
  for (const r of runs) {
    try {
      await closeRun(await r);
    } catch {
      // a run that failed to open has nothing to close
    }
  }
}
