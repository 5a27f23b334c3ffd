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
// kept customers and a month of life not yet complete for them before the horizon; its predicted months
// are those after the kept customers' last complete one (complete for a part may come sooner than for the
// whole cohort: its newest customer may be older). The interval is, as the run's, the parameters'
// uncertainty only: a small subset's own scatter is not in it.
import { readFile } from 'node:fs/promises';
import type { ForecastRow } from '../ltv/model.js';
import { NO_FORECAST, whyNot, whyNotOf } from './cohortNotes.js';
import type { CohortRow, RealizedByMonth } from './forecastData.js';
import { cohortQueries, predictedRows, prepare, rowFit, type CohortInfo } from './forecastFromRead.js';
import type { Fitted, PreparedModel } from './PreparedModel.js';
import { decodeServing, type ServingState } from './servingFile.js';

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
  const prepared = prepare(state.model, { cutoffMs: state.cutoffMs, customers: state.customers, realized: new Map() }, new Set(state.eligible), state.settings);
  return { state, prepared, fitted: state.states.map((s) => prepared.restoreState(s)) };
}

/** Runs whose inputs are loaded and prepared (on the thread that asks): a 1 M-row run's take ~100 MB. */
const MAX_LOADED = 2;
const loaded = new Map<string, Promise<Served>>();

/** A run's inputs (`key`: its identity, runFiles.ts runKey), loaded once; the runs asked for last are kept. */
export function servedOf(key: string, path: string): Promise<Served> {
  let entry = loaded.get(key);
  if (entry) loaded.delete(key);
  else {
    entry = readFile(path).then(loadServed);
    entry.catch(() => loaded.delete(key));
  }
  loaded.set(key, entry);
  while (loaded.size > MAX_LOADED) loaded.delete(loaded.keys().next().value!);
  return entry;
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
  /** What the selection's customers realized by T, by cohort and month of life. */
  realized: ReadonlyMap<string, RealizedByMonth>;
  /** The run's own forecast rows: whether each cohort was predicted as a whole, and its note. */
  runRows: readonly { title: string; predicted: boolean; note?: string }[];
}

const dayMsOf = (iso: string): number => Date.parse(`${iso}T00:00:00Z`);

/** The forecast rows (the Total first) of the customers `req` keeps. */
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
  const lists = cu.cohorts.map(() => [] as number[]);
  for (let i = 0; i < cu.n; i++) {
    const day = cu.cohortDayMs[i]!;
    if (day >= from && day <= to && tupleKept[cu.attrOf![i]!]) lists[cu.cohortOf[i]!]!.push(i);
  }
  const members = new Map(cu.cohorts.map((title, k) => [title, Int32Array.from(lists[k]!)]));
  const cohorts: CohortInfo[] = req.cohorts.map((c) => {
    const m = members.get(c.title) ?? new Int32Array(0);
    // The file's customers are the run's, counted as the matrix counts them: a difference is a defect, not
    // an answer to give.
    if (m.length !== c.customers) throw new Error(`the forecast inputs hold ${m.length} kept customers of cohort ${c.title}, the run's data ${c.customers}`);
    return { ...c, members: m };
  });
  const realizedToHorizon = whyNot('realized', `every month up to the horizon (${H}) is complete`);
  const why = new Map<string, string>();
  for (const c of cohorts) {
    const whole = runRows.get(c.title);
    if (!whole?.predicted) {
      // Not predicted as a whole cohort: its reason (fully realized still counts in the Total).
      const note = whole?.note?.startsWith(NO_FORECAST) ? whole.note.slice(NO_FORECAST.length) : 'the run has no forecast of this cohort';
      why.set(c.title, whyNotOf(note) === 'realized' || c.lastComplete >= H - 1 ? realizedToHorizon : note);
    } else if (c.customers < minCustomers) why.set(c.title, whyNot('tooFew', `${c.customers} < ${minCustomers}`));
    else if (c.lastComplete >= H - 1) why.set(c.title, realizedToHorizon);
  }
  const eligible = new Set(cohorts.filter((c) => !why.has(c.title) || whyNotOf(why.get(c.title)) === 'realized').map((c) => c.title));
  const predicted = cohorts.filter((c) => !why.has(c.title));
  const periods = cohorts.map((c) => (why.has(c.title) ? [] : Array.from({ length: H - 1 - c.lastComplete }, (_, k) => c.lastComplete + 1 + k)));
  const projection = prepared.project(cohortQueries(cohorts, periods));
  const [main, ...replicates] = fitted;
  return predictedRows({
    settings: state.settings, cohorts, why, eligible, predicted: new Set(predicted), periods,
    central: projection.of(main!), draws: replicates.map((f) => projection.of(f)), realized: req.realized,
    // A predicted cohort's note: the run's (the fit it uses instead of its own, and why).
    noteOf: (title) => runRows.get(title)?.note,
    fitOf: (c) => rowFit(main!.groupOf, c.members),
  }).rows;
}
