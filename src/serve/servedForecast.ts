// SPEC §9 `prediction_months` on any filtered Adapty request: the forecast of the customers the filters
// keep, computed from the run's published data like any filtered request (issue 17). The run published its
// forecast's customers at T and the parameters of its main fit and of every bootstrap replicate
// (data/forecast_inputs.bin.gz, src/forecast/servingFile.ts); here the same model is prepared on those
// customers, and each monthly cohort's kept customers are projected with those parameters, then assembled
// into rows as the run assembles its own (predictedRows): no refit, so a subset is predicted with the
// parameters fitted on the whole tenant, and a filter that keeps everyone answers as the run's forecast.
//
// Which cohorts a subset predicts (the honest defaults, SPEC §9, applied to the kept customers): only a
// cohort the run predicted as a whole (its note says why not, otherwise), with at least
// `min_cohort_customers` kept customers and a month of life not yet complete for them before the horizon;
// its predicted months are those after the kept customers' last complete one (complete for the subset may
// come sooner than for the whole cohort: its newest customer may be older). The interval is, as the run's,
// the parameters' uncertainty only: a small subset's own scatter is not in it.
import { readFile } from 'node:fs/promises';
import { HttpError } from './HttpError.js';
import type { Forecast } from '../ltv/model.js';
import { publishedFile } from '../ltv/publishedFile.js';
import { queryForecastBasis, type QueryOptions } from '../ltv/queryRun.js';
import { RUN_FILES, runKey } from '../ltv/runFiles.js';
import type { LtvFilters } from '../ltv/model.js';
import { NO_FORECAST, whyNot, whyNotOf } from '../forecast/cohortNotes.js';
import { cohortQueries, predictedRows, prepare, rowFit, type CohortInfo } from '../forecast/forecastFromRead.js';
import type { Fitted, PreparedModel } from '../forecast/PreparedModel.js';
import { decodeServing, type ServingState } from '../forecast/servingFile.js';
import type { ResolvedRun } from './RunStore.js';

interface Served {
  state: ServingState;
  prepared: PreparedModel;
  /** The main fit's state, then the replicates'. */
  fitted: Fitted[];
}

/** Runs whose forecast inputs are loaded and prepared (a few: a 1 M-row run's take about 50 MB). */
const MAX_LOADED = 4;
const loaded = new Map<string, Promise<Served>>();

async function load(run: ResolvedRun): Promise<Served> {
  const path = await publishedFile(run.dir, RUN_FILES.forecastInputs, run.manifest);
  const state = decodeServing(await readFile(path));
  const prepared = prepare(state.model, { cutoffMs: state.cutoffMs, customers: state.customers, realized: new Map() }, new Set(state.eligible), state.settings);
  return { state, prepared, fitted: state.states.map((s) => prepared.restoreState(s)) };
}

function served(run: ResolvedRun): Promise<Served> {
  const key = runKey(run);
  let entry = loaded.get(key);
  if (entry) {
    loaded.delete(key);
  } else {
    entry = load(run);
    entry.catch(() => loaded.delete(key));
  }
  loaded.set(key, entry);
  while (loaded.size > MAX_LOADED) loaded.delete(loaded.keys().next().value!);
  return entry;
}

const dayMsOf = (iso: string): number => Date.parse(`${iso}T00:00:00Z`);

/**
 * The forecast of the customers `filters` keep, as a Forecast's rows (the Total first, then each monthly
 * cohort of the filtered matrix): what addPredictions reads. `forecast` is the run's own (data/forecast.json),
 * with a model; a run that predicted no cohort published no inputs, and no subset of it is predicted.
 */
export async function servedForecast(run: ResolvedRun, forecast: Forecast, filters: LtvFilters, opts: QueryOptions): Promise<Pick<Forecast, 'rows'>> {
  const basis = await queryForecastBasis(run, filters, opts);
  const runRows = new Map(forecast.rows.map((r) => [r.title, r]));
  const hasInputs = run.manifest.files?.[RUN_FILES.forecastInputs] !== undefined;
  if (!hasInputs) {
    if (forecast.rows.some((r) => r.cells.length > 0)) {
      const message = `prediction_months with filters other than the whole date range: this run was published by an earlier ltv, without ${RUN_FILES.forecastInputs}; run its job again, or ask with the whole date range alone`;
      throw new HttpError('VALIDATION_ERROR', message, { fields: [{ source: 'prediction_months', errors: [message] }] });
    }
    // No cohort was predicted: each row says why, as the run's rows do.
    return { rows: basis.cohorts.map((c) => ({ type: 'cohort', title: c.title, customers: c.customers, fit: null, cells: [], note: runRows.get(c.title)?.note ?? `${NO_FORECAST}the run predicted no cohort` })) };
  }
  const { state, prepared, fitted } = await served(run);
  opts.signal?.throwIfAborted();
  const cu = state.customers;
  const { min_cohort_customers: minCustomers, horizon_months: H } = state.settings;
  // The kept customers: first payment's local date in the range, attribute tuple kept.
  const from = filters.date ? dayMsOf(filters.date[0]) : Number.NEGATIVE_INFINITY;
  const to = filters.date ? dayMsOf(filters.date[1]) : Number.POSITIVE_INFINITY;
  const tupleKept = cu.attrs!.map((t) => basis.keeps(t));
  const lists = cu.cohorts.map(() => [] as number[]);
  for (let i = 0; i < cu.n; i++) {
    const day = cu.cohortDayMs[i]!;
    if (day >= from && day <= to && tupleKept[cu.attrOf![i]!]) lists[cu.cohortOf[i]!]!.push(i);
  }
  const members = new Map(cu.cohorts.map((title, k) => [title, Int32Array.from(lists[k]!)]));
  const cohorts: CohortInfo[] = basis.cohorts.map((c) => {
    const m = members.get(c.title) ?? new Int32Array(0);
    // The file's customers are the run's, counted as the matrix counts them: a difference is a defect, not
    // an answer to give.
    if (m.length !== c.customers) throw new Error(`the forecast inputs hold ${m.length} kept customers of cohort ${c.title}, the run's data ${c.customers}`);
    return { ...c, members: m };
  });
  const why = new Map<string, string>();
  for (const c of cohorts) {
    const whole = runRows.get(c.title);
    if (!whole || whole.cells.length === 0) {
      // Not predicted as a whole cohort: its reason (fully realized still counts in the Total).
      const note = whole?.note?.startsWith(NO_FORECAST) ? whole.note.slice(NO_FORECAST.length) : 'the run has no forecast of this cohort';
      why.set(c.title, whyNotOf(note) === 'realized' || c.lastComplete >= H - 1 ? whyNot('realized', `every month up to the horizon (${H}) is complete`) : note);
    } else if (c.customers < minCustomers) why.set(c.title, whyNot('tooFew', `${c.customers} < ${minCustomers}`));
    else if (c.lastComplete >= H - 1) why.set(c.title, whyNot('realized', `every month up to the horizon (${H}) is complete`));
  }
  const eligible = new Set(cohorts.filter((c) => !why.has(c.title) || whyNotOf(why.get(c.title)) === 'realized').map((c) => c.title));
  const predicted = cohorts.filter((c) => !why.has(c.title));
  const periods = cohorts.map((c) => (why.has(c.title) ? [] : Array.from({ length: H - 1 - c.lastComplete }, (_, k) => c.lastComplete + 1 + k)));
  const projection = prepared.project(cohortQueries(cohorts, periods));
  const [main, ...replicates] = fitted;
  const { rows } = predictedRows({
    settings: state.settings, cohorts, why, eligible, predicted: new Set(predicted), periods,
    central: projection.of(main!), draws: replicates.map((f) => projection.of(f)), realized: basis.realized,
    // A predicted cohort's note: the run's (the fit it uses instead of its own, and why).
    noteOf: (title) => runRows.get(title)?.note,
    fitOf: (c) => rowFit(main!.groupOf, c.members),
  });
  return { rows };
}
