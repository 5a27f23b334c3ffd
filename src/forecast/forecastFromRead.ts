// SPEC §9: predicted cumulative LTV of the monthly cohorts (`days-month-cohort`) up to the horizon, with a
// seeded bootstrap interval and a backtest, for one tenant of a run (its statements take the tenant as a bound
// parameter). src/forecast/README.md describes the models and thresholds.
//
// A cohort's predicted value at month m = (what its customers realized in months ≤ m up to the cutoff +
// each customer's expected revenue from the cutoff to the end of its month m) ÷ its customers. The interval
// refits the model on customers resampled with replacement (within each fit group or cohort) and predicts
// the actual customers with each replicate's parameters: it is the parameters' uncertainty, not the
// scatter of individual customers' futures.
//
// The model's arithmetic alone, from what forecastData.ts read: no warehouse, so the forecast thread
// (forecastThreadMain.ts) loads neither DuckDB's client nor its native addon (forecastTenant.ts reads and
// calls this in process).
import type { ForecastSettings } from '../config/jobSchema.js';
import type {
  Backtest, BacktestCohort, Forecast, ForecastFit, ForecastModel, ForecastRow, MoneyTriple, PredictedCell,
} from '../ltv/model.js';
import { addMonthsMs, dayMs, monthAdder } from './addMonthsMs.js';
import { prepareBgNbd } from './bgNbdModel.js';
import { forecastBase, withoutForecast } from './failedForecast.js';
import type { CohortRow, CustomerTable, ForecastData, ForecastRead, RealizedByMonth } from './forecastData.js';
import type { Fitted, FittedState, FutureQuery, PreparedModel } from './PreparedModel.js';
import { prepareSbg } from './sbgModel.js';
import { replicateRandom } from './seededRandom.js';
import { NO_FORECAST, whyNot, whyNotOf } from './cohortNotes.js';
import type { ServingState } from './servingFile.js';

/** The bootstrap's cost rule: at most this many customer-fits (BG/NBD) or group fits (sBG) in all. */
const BOOTSTRAP_BUDGET = { bgnbd: 500_000, sbg: 2_000 } as const;
/** Fewer replicates than this give no interval worth the name. */
const MIN_REPLICATES = 10;

const NO_MEMBERS = new Int32Array(0);


/**
 * Each cohort's customers (their row numbers, in order), by title in order of first appearance. Counted,
 * then placed, with the table's columns in locals: pushing onto a list per cohort through the table object
 * (a structured clone's, on the forecast thread) took 0.18 s on CDNOW ×15's 352,530 customers.
 */
function membersByCohort(cu: CustomerTable): Map<string, Int32Array> {
  const { n, cohortOf, cohorts } = cu;
  const sizes = new Int32Array(cohorts.length);
  for (let i = 0; i < n; i++) sizes[cohortOf[i]!]! += 1;
  const lists = Array.from(sizes, (size) => new Int32Array(size));
  const filled = new Int32Array(cohorts.length);
  for (let i = 0; i < n; i++) {
    const c = cohortOf[i]!;
    lists[c]![filled[c]!++] = i;
  }
  return new Map(cohorts.map((title, k) => [title, lists[k]!]));
}

export interface CohortInfo extends CohortRow {
  members: Int32Array;
}

export function prepare(model: ForecastModel, data: ForecastData, eligible: ReadonlySet<string>, settings: Pick<ForecastSettings, 'min_group_customers'>, stats?: FittedState): PreparedModel & { notes?: Map<string, string>; spacingNotes?: string[] } {
  return model === 'sbg'
    ? prepareSbg(data, { eligible, minGroupCustomers: settings.min_group_customers }, stats)
    : prepareBgNbd(data, stats);
}

/** Cumulative sums of a cohort's realized money up to month m (m beyond the list: the total). */
function cumulative(list: readonly number[] | undefined, upTo: number): number {
  let s = 0;
  if (!list) return 0;
  for (let k = 0; k <= upTo && k < list.length; k++) s += list[k]!;
  return s;
}

/** Linear-interpolated quantile (type 7) of sorted values. */
function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

const round2 = (v: number): number => Math.round((v + Number.EPSILON * Math.sign(v)) * 100) / 100;

/** The cohorts' customers, each with the ends of its months of life `periods[ci]` (m ↦ anchor + m + 1 months). */
export function cohortQueries(cohorts: readonly { members: Int32Array }[], periods: readonly number[][]): FutureQuery[] {
  return cohorts.map((c, ci) => {
    const months = periods[ci]!;
    return {
      members: months.length ? c.members : NO_MEMBERS,
      periods: months.length,
      ends: (anchor: number) => {
        const add = monthAdder(anchor);
        return months.map((m) => add(m + 1));
      },
    };
  });
}

/** A model fitted, bootstrapped, backtested and projected over every cohort of its data and every month. */
interface ModelRun {
  prepared: ReturnType<typeof prepare>;
  /** The cohorts the model was prepared with as eligible for fit groups of their own (sBG). */
  eligible: ReadonlySet<string>;
  main: Fitted;
  replicates: number;
  /** Whether the bootstrap ran: it is left out while no cohort is expected to be predicted. */
  drawn: boolean;
  budget: number;
  /** Usable replicates (and those at the model's limit), in order. */
  fitted: Fitted[];
  failed: number;
  atLimit: number;
  /** By data cohort (`index`), months 0 … H−1: the central future and each replicate's. */
  projected: { index: Map<string, number>; central: Float64Array[]; draws: Float64Array[][] } | undefined;
}

/**
 * The model on a tenant's data, with the cohorts `eligible` for their own fit groups (sBG; BG/NBD fits
 * one pooled model and ignores them): the main fit, the seeded bootstrap, and the projection of every
 * cohort of the data over every month up to the horizon (each report cohort later takes its predicted
 * months; a month's sum does not depend on which other months are asked for). Without `draw`, no
 * bootstrap: its replicates serve only the intervals of predicted cells, and a tenant whose cohorts are
 * all too small or too young has none (a run of 200 small shops drew 20,000 replicates for no cell).
 */
function runModel(read: ForecastRead, settings: ForecastSettings, eligible: ReadonlySet<string>, members: Map<string, Int32Array>, cancelled: () => void, draw: boolean): ModelRun {
  const { choice, atT: data } = read;
  cancelled();
  const prepared = prepare(choice.model, data, eligible, settings);
  const main = prepared.fit(null, null);
  // Bootstrap (SPEC §9): seeded, stratified, warm-started refits; fewer replicates when fits are costly.
  const budget = BOOTSTRAP_BUDGET[prepared.model];
  const affordable = Math.max(MIN_REPLICATES, Math.floor(budget / Math.max(1, prepared.replicateCost)));
  const replicates = settings.replicates === 0 || !draw ? 0 : Math.min(settings.replicates, affordable);
  const run: ModelRun = { prepared, eligible, main, replicates, drawn: draw, budget, fitted: [], failed: 0, atLimit: 0, projected: undefined };
  if (!main.usable) return run;
  for (let b = 0; b < replicates; b++) {
    cancelled();
    const f = prepared.fit(replicateRandom(settings.seed, b), main);
    // A replicate the data pushed to a limit of the model is a draw like any other: leaving it out would
    // narrow the interval to the draws that did not go there.
    if (f.usable || f.limit) run.fitted.push(f);
    else run.failed++;
    if (!f.usable && f.limit) run.atLimit++;
  }
  const titles = [...members.keys()];
  const months = Array.from({ length: settings.horizon_months }, (_, m) => m);
  const projection = prepared.project(cohortQueries(titles.map((title) => ({ members: members.get(title)! })), titles.map(() => months)));
  run.projected = { index: new Map(titles.map((title, k) => [title, k])), central: projection.of(main), draws: [] };
  for (const f of run.fitted) {
    cancelled();
    run.projected.draws.push(projection.of(f));
  }
  return run;
}

/** Whether monthly cohort `title` has lived its month H − 1 by T: its end + H months ≤ T (no predicted cell). */
const realizedToHorizon = (title: string, H: number, cutoffMs: number): boolean => addMonthsMs(dayMs(title), 1 + H) <= cutoffMs;

/**
 * The cohorts the report will find eligible for a forecast, as the forecast's own data shows them: enough
 * customers, and a first month of life complete for the newest (its first payment + 1 month ≤ T). The
 * report's cohorts decide; this lets sBG fit its groups before they come, and fit again if they differ.
 */
function expectedEligible(data: ForecastData, members: Map<string, Int32Array>, settings: ForecastSettings): Set<string> {
  const out = new Set<string>();
  const t0 = data.customers.t0Ms;
  for (const [title, l] of members) {
    // Realized to the horizon: eligible whatever its size, as the report will find it.
    if (realizedToHorizon(title, settings.horizon_months, data.cutoffMs)) {
      out.add(title);
      continue;
    }
    if (l.length < settings.min_cohort_customers) continue;
    let newest = Number.NEGATIVE_INFINITY;
    for (const i of l) if (t0[i]! > newest) newest = t0[i]!;
    if (addMonthsMs(newest, 1) <= data.cutoffMs) out.add(title);
  }
  return out;
}

const sameSet = (a: ReadonlySet<string>, b: ReadonlySet<string>): boolean => a.size === b.size && [...a].every((x) => b.has(x));

/**
 * The forecast from what readForecast read: fits, bootstrap, projections and backtest, no warehouse. The
 * report's monthly cohorts come as a promise, and the model runs before it needs them, so the matrices
 * can be computed meanwhile: it projects every cohort of its data over every month up to the horizon, and
 * each report cohort then takes its predicted months. BG/NBD fits one pooled model; sBG fits a group per
 * eligible cohort, which it takes from its data (expectedEligible) and, in the rare case the report's
 * cohorts say otherwise, fits again with theirs. `cancelled` throws when the run was cancelled (looked
 * at between fits).
 */
/**
 * The fits a cohort's customers are projected with, in the order its customers first use them, "; "
 * between: a cohort split by duration has one per duration (or the pooled one for a duration whose own did
 * not converge). Its first customer's alone named one of them, and a reader recomputing the other
 * duration's cells from it got them wrong.
 */
export function rowFit(groupOf: (i: number) => string, members: ArrayLike<number>): string {
  const seen = new Set<string>();
  for (let k = 0; k < members.length; k++) seen.add(groupOf(members[k]!));
  return seen.size ? [...seen].join('; ') : groupOf(0);
}

export async function forecastFromRead(read: ForecastRead, settings: ForecastSettings, cohortRows: Promise<readonly CohortRow[]>, cancelled: () => void): Promise<Forecast> {
  return (await forecastWithServing(read, settings, cohortRows, cancelled)).forecast;
}

/**
 * forecastFromRead's forecast, and what the endpoint needs to answer `prediction_months` for any subset of
 * its customers (servingFile.ts): the customers at T as the model read them, and the main fit's and every
 * replicate's parameters. Null when no cohort is predicted (a subset of a cohort is predicted only where
 * the whole cohort is).
 */
export async function forecastWithServing(read: ForecastRead, settings: ForecastSettings, cohortRows: Promise<readonly CohortRow[]>, cancelled: () => void): Promise<{ forecast: Forecast; serving: ServingState | null }> {
  const { choice, atT: data } = read;
  const H = settings.horizon_months;
  const base = forecastBase(settings, choice);

  // Cohorts: every cohort row of the realized matrix, with its members among the forecast's customers.
  const members = membersByCohort(data.customers);
  // sBG fits a group per expected cohort; BG/NBD one pooled model. Either draws its bootstrap now only if
  // some cohort is expected to be predicted (and again below if the report's cohorts say otherwise).
  const expected = expectedEligible(data, members, settings);
  const groups = choice.model === 'sbg' ? expected : new Set<string>();
  // A cohort realized to the horizon (its month H − 1 complete: cohort end + H months ≤ T) has no
  // predicted cell: a short horizon needs no replicate.
  const toPredict = [...expected].some((title) => !realizedToHorizon(title, H, data.cutoffMs));
  let model = runModel(read, settings, groups, members, cancelled, toPredict);
  // The backtest has its own cohorts (eligible at C) and starts from the forecast's fit (BG/NBD; sBG's
  // groups at C are other groups): once, whatever the report's cohorts say.
  const at = { cutoff: new Date(read.cutoffMs), holdout: read.holdout };
  const backtestOf = (main: Fitted): ((titles: ReadonlySet<string>) => Backtest) => {
    cancelled();
    return read.backtestPossible
      ? backtest(settings, at, choice.model, data, read.atC, main)
      : () => emptyBacktest(at, choice.model, `too little history for a backtest: ${Math.floor(read.historyDays)} days observed, holdout ${read.holdout}`);
  };
  let backtested = model.main.usable ? backtestOf(model.main) : undefined;

  const cohorts: CohortInfo[] = (await cohortRows).map((r) => ({ ...r, members: members.get(r.title) ?? NO_MEMBERS }));
  // SPEC §9 honest defaults: too few customers, or not one complete month of life yet.
  const why = new Map<string, string>();
  // A cohort realized to the horizon is said so first, whatever its size: it needs no forecast, and the
  // Total averages it with the predicted ones (src/forecast/README.md), as the endpoint's Totals do
  // (subsetForecast.ts). Said "too few customers" first, a cohort of 19 was left out of the run's Total
  // alone, and a filter keeping every customer answered another Total than the run's.
  for (const c of cohorts) {
    if (c.lastComplete >= H - 1) why.set(c.title, whyNot('realized', `every month up to the horizon (${H}) is complete`));
    else if (c.customers < settings.min_cohort_customers) why.set(c.title, whyNot('tooFew', `${c.customers} < ${settings.min_cohort_customers}`));
    else if (c.lastComplete < 0) why.set(c.title, whyNot('tooYoung', 'its first month of life is not complete yet'));
  }
  const eligible = new Set(cohorts.filter((c) => !why.has(c.title) || whyNotOf(why.get(c.title)) === 'realized').map((c) => c.title));
  const predicted = cohorts.filter((c) => !why.has(c.title));
  if (choice.model === 'sbg' && !sameSet(eligible, groups)) {
    model = runModel(read, settings, eligible, members, cancelled, predicted.length > 0);
    if (!backtested && model.main.usable) backtested = backtestOf(model.main);
  } else if (!model.drawn && predicted.length > 0) {
    // The same fit, with its bootstrap this time (seeded: the draws are those an eager bootstrap makes).
    model = runModel(read, settings, groups, members, cancelled, true);
  }
  cancelled();
  const { prepared, main, replicates, budget, failed, atLimit, projected } = model;
  base.fits = main.fits;
  // A tenant without a customer (only payments of 0, or none up to T): not a fit that failed.
  if (cohorts.length === 0) return { forecast: withoutForecast(base, 'no forecast: the tenant has no customer yet (no payment above 0 up to the as-of time)', cohorts), serving: null };
  if (!main.usable || !projected || !backtested) return { forecast: withoutForecast(base, `no forecast: ${main.message}`, cohorts), serving: null };
  if (prepared.spacingNotes?.length) base.reason += `; ${prepared.spacingNotes.join('; ')}`;

  const periods = cohorts.map((c) => (predicted.includes(c) ? Array.from({ length: H - 1 - c.lastComplete }, (_, k) => c.lastComplete + 1 + k) : []));
  base.bootstrap.replicates = replicates;
  if (settings.replicates === 0) {
    // The job asked for none: lower and upper are the central value, which the note says (the email and
    // the Forecast sheet name no interval then).
    base.bootstrap.note = 'no interval: the job sets replicates 0, so lower and upper are the central value';
  } else if (!model.drawn) {
    base.bootstrap.note = 'none drawn: no cohort has a forecast, so there is no interval to draw';
  } else if (replicates < settings.replicates) {
    base.bootstrap.note = `${replicates} of ${settings.replicates} replicates: one replicate costs ${prepared.replicateCost.toLocaleString('en-US')} ${prepared.model === 'sbg' ? 'group fits' : 'customer-fits'}, the budget is ${budget.toLocaleString('en-US')}`;
  }
  // Each report cohort's predicted months, from its data cohort's (none: no customer to project, 0).
  const pick = (byTitle: Float64Array[]): Float64Array[] => cohorts.map((c, ci) => {
    const k = projected.index.get(c.title);
    const all = k === undefined ? undefined : byTitle[k]!;
    return Float64Array.from(periods[ci]!, (m) => (all ? all[m]! : 0));
  });
  const central = pick(projected.central);
  const draws = projected.draws.map(pick);
  const notes = [
    ...(base.bootstrap.note ? [base.bootstrap.note] : []),
    ...(atLimit ? [`${atLimit} replicate(s) went to the edge of the parameter space (the model's limit: nobody drops out, or one purchase rate for all) and count as that limit`] : []),
    ...(failed ? [`${failed} replicate(s) did not converge and are left out`] : []),
  ];
  if (notes.length) base.bootstrap.note = notes.join('; ');

  const { rows, totalCells } = predictedRows({
    settings, cohorts, why, eligible, predicted: new Set(predicted), periods, central, draws, realized: data.realized,
    noteOf: (title) => main.noteOf?.(title) ?? prepared.notes?.get(title),
    fitOf: (c) => rowFit(main.groupOf, c.members),
  });
  base.rows = rows;
  // The headline: 12 months (period 11) when that is still predicted, else the horizon's last month.
  base.headline = totalCells.find((c) => c.period === 11) ?? totalCells.find((c) => c.period === H - 1) ?? null;
  base.backtest = backtested(new Set(cohorts.map((c) => c.title)));
  const serving: ServingState | null = predicted.length === 0 ? null : {
    model: prepared.model,
    cutoffMs: data.cutoffMs,
    settings: { horizon_months: H, interval: settings.interval, min_cohort_customers: settings.min_cohort_customers, min_group_customers: settings.min_group_customers },
    eligible: [...model.eligible],
    states: [main, ...model.fitted].map((f) => prepared.saveState(f)),
    stats: prepared.populationStats,
    customers: data.customers,
  };
  return { forecast: base, serving };
}

/** What predictedRows assembles: the cohorts with their projections (forecastFromRead's, or a subset's). */
export interface RowsInput {
  settings: Pick<ForecastSettings, 'interval' | 'horizon_months'>;
  cohorts: readonly CohortInfo[];
  /** Why a cohort has no forecast (or is realized to the horizon); absent: predicted. */
  why: ReadonlyMap<string, string>;
  /** The cohorts the Total averages: predicted ones and those realized to the horizon. */
  eligible: ReadonlySet<string>;
  predicted: ReadonlySet<CohortInfo>;
  /** Per cohort (cohorts' order), its predicted months; central[ci][j] and draws[b][ci][j] their futures. */
  periods: readonly number[][];
  central: readonly Float64Array[];
  draws: readonly Float64Array[][];
  /** What each cohort's customers realized by the cutoff, by month of life. */
  realized: ReadonlyMap<string, RealizedByMonth>;
  /** A predicted cohort's note (the fit it uses instead of its own, and why). */
  noteOf(title: string): string | undefined;
  /** The fits a predicted cohort's customers are projected with (rowFit). */
  fitOf(c: CohortInfo): string;
}

/**
 * The forecast's rows from the cohorts' projected futures: each predicted cell is (realized in months ≤ m
 * + the central future) ÷ customers, its interval the replicates' quantiles; the Total row first,
 * customer-weighted over the eligible cohorts. The run's forecast and the endpoint's filtered
 * `prediction_months` (servedForecast.ts) assemble their rows here, so one answers as the other.
 */
export function predictedRows(input: RowsInput): { rows: ForecastRow[]; totalCells: PredictedCell[] } {
  const { settings, cohorts, why, eligible, predicted, periods, central, draws } = input;
  const H = settings.horizon_months;
  const lowQ = (1 - settings.interval) / 2;
  const ratios = (title: string): { proceeds: number; net_revenue: number } => {
    const r = input.realized.get(title);
    const rev = cumulative(r?.revenue, Infinity);
    return rev > 0
      ? { proceeds: cumulative(r?.proceeds, Infinity) / rev, net_revenue: cumulative(r?.net_revenue, Infinity) / rev }
      : { proceeds: 1, net_revenue: 1 };
  };
  const triple = (realized: MoneyTriple, fut: number, n: number, ratio: { proceeds: number; net_revenue: number }): MoneyTriple => ({
    revenue: round2((realized.revenue + fut) / n),
    proceeds: round2((realized.proceeds + fut * ratio.proceeds) / n),
    net_revenue: round2((realized.net_revenue + fut * ratio.net_revenue) / n),
  });
  // The interval of a cell whose future revenue lies in [lo, hi]: proceeds and net scale that future by the
  // cohort's ratio, which is negative where fees or taxes exceed the charges, and then the revenue's low
  // replicate is the high proceeds; each type's bounds are ordered on their own (the value lies between).
  const bounds = (realized: MoneyTriple, lo: number, hi: number, n: number, ratio: { proceeds: number; net_revenue: number }): { lower: MoneyTriple; upper: MoneyTriple } => {
    const a = triple(realized, lo, n, ratio);
    const b = triple(realized, hi, n, ratio);
    return {
      lower: { revenue: a.revenue, proceeds: Math.min(a.proceeds, b.proceeds), net_revenue: Math.min(a.net_revenue, b.net_revenue) },
      upper: { revenue: b.revenue, proceeds: Math.max(a.proceeds, b.proceeds), net_revenue: Math.max(a.net_revenue, b.net_revenue) },
    };
  };
  // Per cohort and period: realized sums, central future, replicate futures (for the Total row too).
  const rows: ForecastRow[] = [];
  const totalAt = new Map<number, { n: number; realized: MoneyTriple; fut: number; futProceeds: number; futNet: number; reps: Float64Array }>();
  cohorts.forEach((c, ci) => {
    const note = why.get(c.title) ?? input.noteOf(c.title);
    if (!predicted.has(c)) {
      rows.push({ type: 'cohort', title: c.title, customers: c.customers, fit: null, cells: [], ...(note ? { note: `${NO_FORECAST}${note}` } : {}) });
      return;
    }
    const r = input.realized.get(c.title);
    const ratio = ratios(c.title);
    const n = c.customers;
    const cells: PredictedCell[] = periods[ci]!.map((m, j) => {
      const realized = { revenue: cumulative(r?.revenue, m), proceeds: cumulative(r?.proceeds, m), net_revenue: cumulative(r?.net_revenue, m) };
      const fut = central[ci]![j]!;
      const reps = Float64Array.from(draws, (d) => d[ci]![j]!).sort();
      const lo = reps.length ? quantile(reps, lowQ) : fut;
      const hi = reps.length ? quantile(reps, 1 - lowQ) : fut;
      return {
        period: m, state: 'predicted', customers: n, ...triple(realized, fut, n, ratio),
        ...bounds(realized, Math.min(lo, fut), Math.max(hi, fut), n, ratio),
      };
    });
    rows.push({ type: 'cohort', title: c.title, customers: n, fit: input.fitOf(c), cells, ...(note ? { note } : {}) });
  });
  // Total: customer-weighted over the eligible cohorts, each at its realized (complete) or predicted value.
  const reps = draws.length;
  for (let m = 0; m < H; m++) {
    let any = false;
    const t = { n: 0, realized: { revenue: 0, proceeds: 0, net_revenue: 0 }, fut: 0, futProceeds: 0, futNet: 0, reps: new Float64Array(reps) };
    cohorts.forEach((c, ci) => {
      if (!eligible.has(c.title)) return;
      const r = input.realized.get(c.title);
      t.n += c.customers;
      t.realized.revenue += cumulative(r?.revenue, m);
      t.realized.proceeds += cumulative(r?.proceeds, m);
      t.realized.net_revenue += cumulative(r?.net_revenue, m);
      const j = periods[ci]!.indexOf(m);
      if (j < 0) return;
      any = true;
      const ratio = ratios(c.title);
      t.fut += central[ci]![j]!;
      t.futProceeds += central[ci]![j]! * ratio.proceeds;
      t.futNet += central[ci]![j]! * ratio.net_revenue;
      for (let b = 0; b < reps; b++) t.reps[b] = t.reps[b]! + draws[b]![ci]![j]!;
    });
    if (any) totalAt.set(m, t);
  }
  const totalCells: PredictedCell[] = [...totalAt].map(([m, t]) => {
    const ratio = { proceeds: t.fut > 0 ? t.futProceeds / t.fut : 1, net_revenue: t.fut > 0 ? t.futNet / t.fut : 1 };
    const sorted = t.reps.sort();
    const lo = reps ? quantile(sorted, lowQ) : t.fut;
    const hi = reps ? quantile(sorted, 1 - lowQ) : t.fut;
    return {
      period: m, state: 'predicted', customers: t.n, ...triple(t.realized, t.fut, t.n, ratio),
      ...bounds(t.realized, Math.min(lo, t.fut), Math.max(hi, t.fut), t.n, ratio),
    };
  });
  const covered = cohorts.filter((c) => eligible.has(c.title));
  rows.unshift({
    type: 'total', title: 'Total', customers: covered.reduce((s, c) => s + c.customers, 0), fit: null, cells: totalCells,
    note: `customer-weighted over the ${covered.length} cohort(s) with a forecast or fully realized horizon, each at its complete value where realized and predicted where not`,
  });
  return { rows, totalCells };
}

function emptyBacktest(at: { cutoff: Date; holdout: number }, model: ForecastModel, note: string, fits: ForecastFit[] = []): Backtest {
  return { cutoff: at.cutoff.toISOString(), holdout_days: at.holdout, model, fits, cohorts: [], mape: null, bias: null, note };
}

/**
 * SPEC §9 backtest: refit on the data up to C = T − h and predict each cohort's cumulative LTV (revenue) at
 * T, against what its customers (those who had started by C) realized by T.
 */
function backtest(settings: ForecastSettings, at: { cutoff: Date; holdout: number }, model: ForecastModel, atT: ForecastData, atC: ForecastData, forecastFit: Fitted): (reported: ReadonlySet<string>) => Backtest {
  const { cutoff, holdout } = at;
  const empty = (note: string, fits: ForecastFit[] = []) => (): Backtest => emptyBacktest(at, model, note, fits);
  const byCohort = membersByCohort(atC.customers);
  // Cohorts at C as the forecast sees them: enough customers and a complete first month by C.
  const eligible = new Set<string>();
  for (const [title, l] of byCohort) {
    if (l.length >= settings.min_cohort_customers && addMonthsMs(dayMs(title), 2) <= atC.cutoffMs) eligible.add(title);
  }
  const prepared = prepare(model, atC, eligible, settings);
  // From the forecast's fit: the data up to C are most of the data up to T, so its optimum is near.
  const fitted = prepared.fit(null, null, forecastFit);
  if (!fitted.usable) return empty(`the refit on the data up to the cutoff failed: ${fitted.message}`, fitted.fits);
  // Realized at T by the customers who had started by C (matched by first payment time).
  const realizedAtT = new Map<string, number>();
  const cu = atT.customers;
  for (let i = 0; i < cu.n; i++) {
    if (cu.t0Ms[i]! > atC.cutoffMs) continue;
    const c = cu.cohorts[cu.cohortOf[i]!]!;
    realizedAtT.set(c, (realizedAtT.get(c) ?? 0) + cu.revenue[i]!);
  }
  // Every cohort eligible at C is projected; the report's cohorts (known later) pick theirs.
  const titles = [...eligible].sort();
  const atEnd = [atT.cutoffMs];
  const futures = prepared.project(titles.map((title) => ({ members: byCohort.get(title)!, periods: 1, ends: () => atEnd, inclusive: true, absolute: true }))).of(fitted);
  return (reported) => {
    const out: BacktestCohort[] = [];
    for (const [q, title] of titles.entries()) {
      if (!reported.has(title)) continue;
      const l = byCohort.get(title)!;
      const fut = futures[q]![0]!;
      let realizedC = 0;
      for (const i of l) realizedC += atC.customers.revenue[i]!;
      const predicted = (realizedC + fut) / l.length;
      const realized = (realizedAtT.get(title) ?? 0) / l.length;
      // Relative to |realized|: a cohort whose refunds exceed its payments (realized < 0) still has a
      // positive error where the prediction is too high, or bias would read the other way round.
      out.push({ title, customers: l.length, fit: rowFit(fitted.groupOf, l), predicted: round2(predicted), realized: round2(realized), error: realized !== 0 ? (predicted - realized) / Math.abs(realized) : null });
    }
    const withError = out.filter((c) => c.error !== null);
    const weight = withError.reduce((s, c) => s + c.customers, 0);
    // A cohort that realized nothing by T has no relative error: say so, or MAPE null says nothing.
    const noError = out.length - withError.length;
    const note = out.length === 0
      ? `no cohort had ${settings.min_cohort_customers} customers and a complete first month by the cutoff`
      : noError > 0
        ? `${noError} of ${out.length} cohort(s) realized no revenue by the as-of time, so no relative error${withError.length ? ': MAPE and bias are over the others' : ''}`
        : undefined;
    return {
      cutoff: cutoff.toISOString(), holdout_days: holdout, model, fits: fitted.fits, cohorts: out,
      mape: weight ? withError.reduce((s, c) => s + c.customers * Math.abs(c.error!), 0) / weight : null,
      bias: weight ? withError.reduce((s, c) => s + c.customers * c.error!, 0) / weight : null,
      ...(note ? { note } : {}),
    };
  };
}
