// SPEC §9 `prediction_months` on any filtered Adapty request: the forecast of the customers the request keeps,
// computed from the run's published data like any filtered request (issue 17). The run's data answers what
// the selection is (its monthly cohorts, what its customers realized, which attribute tuples its filters
// keep: queryForecastBasis, on the run's query lanes); the run's published forecast inputs
// (data/forecast_inputs.bin.gz) are projected for those customers with the run's fits on the endpoint's
// forecast thread (src/forecast/subsetForecast.ts, subsetThreadMain.ts: ~0.1 s of arithmetic a request on a
// million-transaction run, ~0.5 s more at its first, which the server's own thread must not spend), or in
// process where no thread can start.
import { OffThread } from '../config/startModuleThread.js';
import type { SubsetReply, SubsetThreadRequest } from '../forecast/subsetThreadMain.js';
import type { RowsBy } from '../forecast/subsetForecast.js';
import { SEGMENT_COLUMNS, type Forecast, type ForecastRow, type LtvFilters, type MatrixSpec } from '../ltv/model.js';
import type { AdaptyResponse } from '../report/apiTypes.js';
import { publishedFile } from '../ltv/publishedFile.js';
import { queryForecastBasis, type QueryOptions } from '../ltv/queryRun.js';
import { RUN_FILES, runKey } from '../ltv/runFiles.js';
import { HttpError } from './HttpError.js';
import type { ResolvedRun } from './RunStore.js';

const subsets = new OffThread<Omit<SubsetThreadRequest, 'id'>, ForecastRow[], SubsetReply>(import.meta.url, '../forecast/subsetThreadMain',
  (reply) => reply.rows,
  async (req) => (await import('../forecast/subsetForecast.js')).answerSubset(req),
  () => undefined);

/** The runs' inputs files, each checked against its manifest once (publishedFile reads and hashes it). */
const checked = new Map<string, Promise<string>>();

function checkedInputs(run: ResolvedRun): Promise<string> {
  const key = runKey(run);
  let path = checked.get(key);
  if (!path) {
    path = publishedFile(run.dir, RUN_FILES.forecastInputs, run.manifest);
    path.catch(() => checked.delete(key));
    checked.set(key, path);
    while (checked.size > 16) checked.delete(checked.keys().next().value!);
  }
  return path;
}

/**
 * How an answer's rows group customers (subsetForecast.ts RowsBy): null where they are the monthly cohorts
 * (segmentation `month`, or none with period_unit `month`); cohorts by another unit; an attribute's values.
 */
export function rowsByOf(spec: MatrixSpec): RowsBy | null {
  const { segmentation: seg, period_unit: unit } = spec;
  if (seg === 'month' || (seg === 'cohort' && unit === 'month')) return null;
  if (seg === 'cohort') return { unit };
  if (seg === 'day' || seg === 'week' || seg === 'year') return { unit: seg };
  return { dimension: SEGMENT_COLUMNS[seg] };
}

/**
 * The forecast of the customers `filters` keep, as a Forecast's rows (the Total first, then a row per row of
 * `body`, the answer they go on, being computed: its monthly cohorts, or its groups of customers, rowsByOf):
 * what addPredictions reads. What the run's data says of the selection is asked at once, beside the answer
 * (the same matrix, for an answer by monthly cohort, is then computed once). `forecast` is the run's own (data/forecast.json), with a model; a run that predicted
 * no cohort published no inputs, and no part of it is predicted.
 */
export async function servedForecast(run: ResolvedRun, forecast: Forecast, filters: LtvFilters, spec: MatrixSpec, body: Promise<AdaptyResponse>, opts: QueryOptions): Promise<Pick<Forecast, 'rows'>> {
  const rowsBy = rowsByOf(spec);
  const hasInputs = run.manifest.files?.[RUN_FILES.forecastInputs] !== undefined;
  if (!hasInputs) {
    // No cohort was predicted: nothing of the run is.
    if (!forecast.rows.some((r) => r.cells.length > 0)) return { rows: [] };
    const message = `prediction_months for filters, a date range that cuts a cohort, or rows other than monthly cohorts: this run has no ${RUN_FILES.forecastInputs} (an earlier ltv published it, or its run's log says why it was not written); run its job again, or ask by monthly cohort over the whole date range without filters`;
    throw new HttpError('VALIDATION_ERROR', message, { fields: [{ source: 'prediction_months', errors: [message] }] });
  }
  const asked = queryForecastBasis(run, filters, rowsBy, opts);
  const [basis, path, answer] = await Promise.all([asked, checkedInputs(run), body]);
  opts.signal?.throwIfAborted();
  const rows = await subsets.run({
    key: runKey(run),
    path,
    sha256: String(run.manifest.files?.[RUN_FILES.forecastInputs]?.sha256),
    expected: {
      model: String(forecast.model), horizon_months: forecast.horizon_months, interval: forecast.interval,
      min_cohort_customers: forecast.thresholds.min_cohort_customers, min_group_customers: forecast.thresholds.min_group_customers,
      cutoffMs: basis.cutoffMs, maxStates: 1 + forecast.bootstrap.replicates,
      forecastSha256: String(run.manifest.files?.[RUN_FILES.forecast]?.sha256),
    },
    request: {
      date: filters.date ?? null,
      kept: basis.kept,
      tupleIds: basis.tupleIds,
      cohorts: basis.cohorts,
      realized: basis.realized,
      runRows: forecast.rows.filter((r) => r.type === 'cohort').map((r) => ({ title: r.title, predicted: r.cells.length > 0, ...(r.note ? { note: r.note } : {}) })),
      rowsBy,
      ...(rowsBy ? { rowSizes: new Map(answer.revenue.data.filter((r) => r.type !== 'total').map((r) => [r.title, r.cohort_size])) } : {}),
    },
  });
  return { rows };
}
