// SPEC §9 `prediction_months` on a filtered request (issue 17): the forecast of the customers the request
// keeps, from what the run published for it (servingFile.ts): the same model prepared on the same customers,
// the main fit's and every replicate's parameters restored (no refit), each monthly cohort's kept customers
// projected with them, and the rows assembled as the run assembles its own (predictedRows). So a subset is
// predicted with the parameters fitted on the whole tenant, and a filter that keeps everyone answers as the
// run's forecast does. Arithmetic alone, no warehouse and no server: the endpoint runs it on a thread of
// its own (subsetThreadMain.ts, src/serve/servedForecast.ts), or in process where none can start.
//
// Which cohorts a selection predicts (the honest defaults, SPEC §9, applied to the kept customers): a
// cohort the run predicted as a whole (else its note says why not), with at least `min_cohort_customers`
// kept customers and a month of life not complete before the horizon; its predicted months are those after
// the cohort's last complete one as the matrix censors it (SPEC §4: by the cohort's end, the same for any
// part of it), as for the run's own rows. The interval is, as the run's, the parameters' uncertainty only:
// a small subset's own scatter is not in it.
import { createHash } from 'node:crypto';
import { lstat, readFile } from 'node:fs/promises';
import type { ForecastRow } from '../ltv/model.js';
import { NO_FORECAST, whyNot, whyNotOf } from './cohortNotes.js';
import type { CohortRow, RealizedByMonth } from './forecastData.js';
import { cohortQueries, predictedRows, prepare, rowFit, type CohortInfo } from './forecastFromRead.js';
import type { Fitted, PreparedModel } from './PreparedModel.js';
import { decodeServing, type ServingState } from './servingFile.js';
import { DIMENSIONS } from '../warehouse/tables.js';

/** A run's published forecast inputs, prepared: what every selection of the run is projected with. */
export interface Served {
  state: ServingState;
  prepared: PreparedModel;
  /** The main fit's state, then the replicates'. */
  fitted: Fitted[];
}

/** The run's data/forecast_inputs.bin.gz bytes, decoded and prepared. */
export function loadServed(bytes: Buffer): Served {
  const state = decodeServing(bytes);
  const prepared = prepare(state.model, { cutoffMs: state.cutoffMs, customers: state.customers, realized: new Map() }, new Set(state.eligible), state.settings, state.stats);
  return { state, prepared, fitted: state.states.map((s) => prepared.restoreState(s)) };
}

/** Runs whose inputs are loaded and prepared (on the thread that asks): the customers' columns and the prepared model of each. */
const MAX_LOADED = 2;
const loaded = new Map<string, Promise<Served>>();

/**
 * A run's inputs (`key`: its identity, runFiles.ts runKey), loaded once; the runs asked for last are kept.
 * Each load checks the file again (not a symlink, the sha256 its run's manifest lists): a run dropped from
 * here and asked for again is read again, and a file changed since the endpoint first checked it must not
 * be used (src/serve/README.md "Safety").
 */
export function servedOf(key: string, path: string, sha256: string): Promise<Served> {
  let entry = loaded.get(key);
  if (entry) loaded.delete(key);
  else {
    entry = readChecked(path, sha256).then(loadServed);
    entry.catch(() => loaded.delete(key));
  }
  loaded.set(key, entry);
  while (loaded.size > MAX_LOADED) loaded.delete(loaded.keys().next().value!);
  return entry;
}

async function readChecked(path: string, sha256: string): Promise<Buffer> {
  if ((await lstat(path)).isSymbolicLink()) throw new Error(`${path}: a symlink, not the run's own file: not read`);
  const bytes = await readFile(path);
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== sha256) throw new Error(`${path}: sha256 ${sha} differs from the manifest's ${sha256}: not read`);
  return bytes;
}

/** What the run says its forecast inputs must be (its data/forecast.json, its as-of time). */
export interface ServingExpected {
  model: string;
  horizon_months: number;
  interval: number;
  min_cohort_customers: number;
  min_group_customers: number;
  /** T on the local wall clock (naive ms). */
  cutoffMs: number;
  /** The main fit and at most this many replicates. */
  maxStates: number;
  /** The sha256 its manifest lists for data/forecast.json. */
  forecastSha256: string;
}

/**
 * The inputs are the run's own forecast's (a file whose hash the manifest lists may still be another run's,
 * or made by hand): the same model, settings, T and forecast, or one line saying what differs.
 */
export function checkServed(served: Served, expected: ServingExpected): void {
  const { state } = served;
  const s = state.settings;
  const differs = [
    state.model !== expected.model && 'model',
    s.horizon_months !== expected.horizon_months && 'horizon',
    s.interval !== expected.interval && 'interval',
    s.min_cohort_customers !== expected.min_cohort_customers && 'min_cohort_customers',
    s.min_group_customers !== expected.min_group_customers && 'min_group_customers',
    state.cutoffMs !== expected.cutoffMs && 'as-of time',
    state.states.length > expected.maxStates && 'replicates',
    state.forecastSha256 !== expected.forecastSha256 && 'forecast (data/forecast.json)',
  ].filter((x): x is string => typeof x === 'string');
  if (differs.length) throw new Error(`the forecast inputs are not this run's forecast's: their ${differs.join(', ')} differ`);
}

/** What a selection is, as the run's published data answers it (src/ltv/queryRun.ts queryForecastBasis). */
export interface SubsetRequest {
  /** The first payments' local dates kept (inclusive), YYYY-MM-DD; null: every date. */
  date: readonly [string, string] | null;
  /** Whether the attribute filters keep the run's attribute tuple of attr_id i + 1; null: no attribute filter. */
  kept: readonly boolean[] | null;
  /** The run's attribute tuples' attr_id, by the tuple's JSON (DIMENSIONS' order). */
  tupleIds: ReadonlyMap<string, number>;
  /** The monthly cohorts of the selection's `days-month-cohort` matrix. */
  cohorts: readonly CohortRow[];
  /**
   * What the selection's customers realized by T, by month of life: by `${row key}\0${cohort}` (the row key
   * '' when rowsBy is null).
   */
  realized: ReadonlyMap<string, RealizedByMonth>;
  /** The run's own forecast rows: whether each cohort was predicted as a whole, and its note. */
  runRows: readonly { title: string; predicted: boolean; note?: string }[];
  /**
   * How the answer's rows group the customers: null, its rows are the monthly cohorts; else cohorts by a
   * unit (`unit`: the first day of the customer's first payment's day, ISO week, month, quarter or year) or
   * an attribute's values (`dimension`, one of DIMENSIONS; 'unknown' where it has none).
   */
  rowsBy: RowsBy | null;
  /** With rowsBy: the answer's rows (the Total aside) and their customers, which each group must have. */
  rowSizes?: ReadonlyMap<string, number>;
}

export type RowsBy = { unit: 'day' | 'week' | 'month' | 'quarter' | 'year' } | { dimension: string };

const dayMsOf = (iso: string): number => Date.parse(`${iso}T00:00:00Z`);

/** The first day (YYYY-MM-DD) of the unit holding a day (midnight, naive ms): as DuckDB's date_trunc (ISO weeks). */
export function unitStart(unit: 'day' | 'week' | 'month' | 'quarter' | 'year', dayMs: number): string {
  const d = new Date(dayMs);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  const start = unit === 'day' ? dayMs
    : unit === 'week' ? dayMs - ((d.getUTCDay() + 6) % 7) * 86_400_000
      : Date.UTC(y, unit === 'month' ? m : unit === 'quarter' ? m - (m % 3) : 0, 1);
  return new Date(start).toISOString().slice(0, 10);
}

/**
 * The forecast rows (the Total first) of the customers `req` keeps: the monthly cohorts' rows, or (rowsBy)
 * one row per group of customers the answer's rows make, each the customer-weighted average over its
 * monthly cohort parts whose whole cohort the run predicted or realized to the horizon, as a Total is (its
 * cells are that Total's). A part of few customers counts in the averages; a row shown (a cohort's, or an
 * average's by the customers it covers) is predicted for min_cohort_customers customers or more.
 */
export function subsetRows(served: Served, req: SubsetRequest): ForecastRow[] {
  const { state, prepared, fitted } = served;
  const cu = state.customers;
  const { min_cohort_customers: minCustomers, horizon_months: H } = state.settings;
  const runRows = new Map(req.runRows.map((r) => [r.title, r]));
  // The kept customers: first payment's local date in the range, attribute tuple kept.
  const from = req.date ? dayMsOf(req.date[0]) : Number.NEGATIVE_INFINITY;
  const to = req.date ? dayMsOf(req.date[1]) : Number.POSITIVE_INFINITY;
  const kept = req.kept;
  // A tuple the run's data does not hold is not the run's: kept by no attribute filter.
  const tupleKept = cu.attrs!.map((t) => {
    if (!kept) return true;
    const id = req.tupleIds.get(JSON.stringify(t));
    return id !== undefined && kept[id - 1] === true;
  });
  const rowsBy = req.rowsBy;
  const dim = rowsBy && 'dimension' in rowsBy ? DIMENSIONS.indexOf(rowsBy.dimension as (typeof DIMENSIONS)[number]) : -1;
  if (rowsBy && 'dimension' in rowsBy && dim < 0) throw new Error(`no dimension ${rowsBy.dimension}`);
  const unitOf = new Map<number, string>();
  const keyOf = (i: number): string => {
    if (!rowsBy) return '';
    if (dim >= 0) return cu.attrs![cu.attrOf![i]!]![dim] ?? 'unknown';
    const day = cu.cohortDayMs[i]!;
    let k = unitOf.get(day);
    if (k === undefined) unitOf.set(day, (k = unitStart((rowsBy as { unit: Parameters<typeof unitStart>[0] }).unit, day)));
    return k;
  };
  // Each kept customer's part: its row's group and its monthly cohort.
  const lastOf = new Map(req.cohorts.map((c) => [c.title, c.lastComplete]));
  const byCohort = cu.cohorts.map(() => [] as number[]);
  const byPart = new Map<string, { key: string; cohort: string; list: number[] }>();
  for (let i = 0; i < cu.n; i++) {
    const day = cu.cohortDayMs[i]!;
    if (!(day >= from && day <= to && tupleKept[cu.attrOf![i]!])) continue;
    byCohort[cu.cohortOf[i]!]!.push(i);
    if (!rowsBy) continue;
    const key = keyOf(i);
    const cohort = cu.cohorts[cu.cohortOf[i]!]!;
    const id = `${key}\0${cohort}`;
    let part = byPart.get(id);
    if (!part) byPart.set(id, (part = { key, cohort, list: [] }));
    part.list.push(i);
  }
  // The file's customers are the run's, counted as the matrix counts them: a difference is a defect, not an
  // answer to give.
  const members = new Map(cu.cohorts.map((title, k) => [title, Int32Array.from(byCohort[k]!)]));
  const cohorts: CohortInfo[] = req.cohorts.map((c) => {
    const m = members.get(c.title) ?? new Int32Array(0);
    if (m.length !== c.customers) throw new Error(`the forecast inputs hold ${m.length} kept customers of cohort ${c.title}, the run's data ${c.customers}`);
    return { ...c, members: m };
  });
  // The groups: the monthly cohorts (rows, or the Total's parts), then, with rowsBy, each row's parts.
  interface Group { key: string; parts: CohortInfo[]; realized: Map<string, RealizedByMonth> }
  const realizedOf = (key: string, cohort: string): RealizedByMonth | undefined => req.realized.get(`${key}\0${cohort}`);
  const all: Group = { key: '', parts: cohorts, realized: new Map() };
  const groups: Group[] = [all];
  if (!rowsBy) {
    for (const c of cohorts) {
      const r = realizedOf('', c.title);
      if (r) all.realized.set(c.title, r);
    }
  } else {
    const byKey = new Map<string, Group>();
    for (const part of byPart.values()) {
      let g = byKey.get(part.key);
      if (!g) byKey.set(part.key, (g = { key: part.key, parts: [], realized: new Map() }));
      g.parts.push({ title: part.cohort, customers: part.list.length, lastComplete: lastOf.get(part.cohort) ?? -1, members: Int32Array.from(part.list) });
      const r = realizedOf(part.key, part.cohort);
      if (r) g.realized.set(part.cohort, r);
    }
    for (const [key, g] of byKey) {
      if (g.parts.reduce((n, p) => n + p.customers, 0) !== req.rowSizes?.get(key)) throw new Error(`the forecast inputs hold other customers for row ${key} than the run's data`);
      g.parts.sort((a, b) => (a.title < b.title ? -1 : 1));
      groups.push(g);
    }
    for (const [key, n] of req.rowSizes ?? []) if (n > 0 && !byKey.has(key)) throw new Error(`the forecast inputs hold no customer of row ${key}`);
    // The Total's parts' realized: every row's, summed by cohort.
    for (const r of [...byPart.values()]) {
      const got = realizedOf(r.key, r.cohort);
      if (!got) continue;
      const sum = all.realized.get(r.cohort) ?? { revenue: [], proceeds: [], net_revenue: [] };
      all.realized.set(r.cohort, sum);
      for (const k of ['revenue', 'proceeds', 'net_revenue'] as const) {
        got[k].forEach((v, m) => {
          while (sum[k].length <= m) sum[k].push(0);
          sum[k][m] = sum[k][m]! + v;
        });
      }
    }
  }
  const realizedToHorizon = whyNot('realized', `every month up to the horizon (${H}) is complete`);
  const plans = groups.map((g) => {
    const why = new Map<string, string>();
    for (const c of g.parts) {
      const whole = runRows.get(c.title);
      if (!whole?.predicted) {
        // Not predicted as a whole cohort: its reason (fully realized still counts in the Total).
        const note = whole?.note?.startsWith(NO_FORECAST) ? whole.note.slice(NO_FORECAST.length) : 'the run has no forecast of this cohort';
        why.set(c.title, whyNotOf(note) === 'realized' || c.lastComplete >= H - 1 ? realizedToHorizon : note);
      } else if (c.lastComplete >= H - 1) why.set(c.title, realizedToHorizon);
      // A part of few customers still counts in its row's and the Total's averages (it is the run's predicted
      // cohort); only its own row, if shown, is held to min_cohort_customers, below.
    }
    const periods = g.parts.map((c) => (why.has(c.title) ? [] : Array.from({ length: H - 1 - c.lastComplete }, (_, k) => c.lastComplete + 1 + k)));
    return { g, why, periods };
  });
  // One projection of every group's parts.
  const projection = prepared.project(cohortQueries(plans.flatMap((p) => p.g.parts), plans.flatMap((p) => p.periods)));
  const [main, ...replicates] = fitted;
  const central = projection.of(main!);
  const draws = replicates.map((f) => projection.of(f));
  let at = 0;
  const rows = plans.map(({ g, why, periods }) => {
    const n = g.parts.length;
    const slice = (a: Float64Array[]): Float64Array[] => a.slice(at, at + n);
    const out = predictedRows({
      settings: state.settings, cohorts: g.parts, why, periods,
      eligible: new Set(g.parts.filter((c) => !why.has(c.title) || whyNotOf(why.get(c.title)) === 'realized').map((c) => c.title)),
      predicted: new Set(g.parts.filter((c) => !why.has(c.title))),
      central: slice(central), draws: draws.map(slice), realized: g.realized,
      // A predicted cohort's note: the run's (the fit it uses instead of its own, and why).
      noteOf: (title) => runRows.get(title)?.note,
      fitOf: (c) => rowFit(main!.groupOf, c.members),
    }).rows;
    at += n;
    return out;
  });
  // The honest default on what is shown (SPEC §9): a row, a cohort's or an average's, is predicted for at
  // least min_cohort_customers customers (an average's: those of the cohorts it covers).
  const few = (r: ForecastRow): ForecastRow => (r.cells.length > 0 && r.customers < minCustomers
    ? { ...r, fit: null, cells: [], note: `${NO_FORECAST}${whyNot('tooFew', `${r.customers} < ${minCustomers}`)}` }
    : r);
  if (!rowsBy) return rows[0]!.map(few);
  // A row's cells are its group's Total's (held to the minimum by the customers it covers); its customers
  // the row's own (the answer's cohort_size).
  return [few(rows[0]![0]!), ...groups.slice(1).map((g, k): ForecastRow => ({
    type: 'cohort', title: g.key, customers: req.rowSizes!.get(g.key)!, fit: null, cells: few(rows[k + 1]![0]!).cells,
  }))];
}

/** What the endpoint asks of a run's inputs (subsetThreadMain.ts carries it to its thread). */
export interface SubsetAsk {
  /** The run's identity (its directory and manifest hash: runFiles.ts runKey) and its inputs' checked path. */
  key: string;
  path: string;
  /** The file's sha256 as the run's manifest lists it: checked whenever the file is read. */
  sha256: string;
  /** What the run says its inputs must be: checked before they are used. */
  expected: ServingExpected;
  request: SubsetRequest;
}

/** The rows of a selection from the run's inputs, loaded (and checked) once: on the endpoint's thread or in process. */
export async function answerSubset(ask: SubsetAsk): Promise<ForecastRow[]> {
  const served = await servedOf(ask.key, ask.path, ask.sha256);
  checkServed(served, ask.expected);
  return subsetRows(served, ask.request);
}
