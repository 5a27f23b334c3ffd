// What the page draws: one matrix of one request, per accounting type, rows with their realized cells
// (each marked complete or partial) and, beside them, their predicted cells (SPEC §9: never mixed up with
// realized ones). Built from an Adapty response (the served page, SPEC §6) or from the data inlined in
// report.html (static page).
import type { AccountingType, PeriodType, PeriodUnit, Segmentation } from '../../ltv/model.js';
import type { ForecastBrief } from '../explorerApi.js';

export type CellMark = 'complete' | 'partial' | 'predicted';

export interface ViewCell {
  period: number;
  value: number;
  mark: CellMark;
  /** Of a realized cell: the customers behind it (whose cohorts reach the period), when the page knows them. */
  customers?: number;
  /** Interval of a predicted cell (SPEC §9). */
  lower?: number;
  upper?: number;
}

export interface ViewRow {
  type: 'total' | 'cohort' | 'segment';
  title: string;
  customers: number;
  /** Value at the row's last realized period; null when the row has no cell. */
  value: number | null;
  /** Realized cells, marked complete or partial. */
  cells: ViewCell[];
  /** Predicted cells (mark `predicted`, with their interval); [] without predictions. */
  predicted: ViewCell[];
}

export interface ViewMatrix {
  period_type: PeriodType;
  period_unit: PeriodUnit;
  segmentation: Segmentation;
  currency: string;
  /** Rows per accounting type, in the same order for each. */
  rows: Record<AccountingType, ViewRow[]>;
  /** What the page says about predictions for this view (where they come from, or why there are none); null: nothing to say. */
  forecastNote: string | null;
}

/** Adapty's body (seeds/000), plus `predicted_values` rows once forecasts are asked for (SPEC §9). */
export interface AdaptyBody {
  revenue: AdaptyMetricBody;
  proceeds: AdaptyMetricBody;
  net_revenue: AdaptyMetricBody;
}
interface AdaptyMetricBody {
  unit: string;
  value: number | null;
  data: {
    title: string;
    type: 'total' | 'cohort' | 'segment';
    value: number | null;
    cohort_size: number;
    values: { period: number; value: number }[];
    predicted_values?: { period: number; value: number; lower: number; upper: number }[];
  }[];
}

type Spec = Pick<ViewMatrix, 'period_type' | 'period_unit' | 'segmentation'>;

/** Cells start complete; the caller marks the partial ones (cellState.ts). */
export function viewFromAdapty(body: AdaptyBody, spec: Spec, forecastNote: string | null): ViewMatrix {
  const rowsOf = (m: AdaptyMetricBody): ViewRow[] =>
    m.data.map((r) => ({
      type: r.type,
      title: r.title,
      customers: r.cohort_size,
      value: r.value,
      cells: r.values.map((v) => ({ period: v.period, value: v.value, mark: 'complete' })),
      predicted: (r.predicted_values ?? []).map((p) => ({ period: p.period, value: p.value, mark: 'predicted', lower: p.lower, upper: p.upper })),
    }));
  return {
    ...spec,
    currency: body.revenue.unit,
    rows: { revenue: rowsOf(body.revenue), proceeds: rowsOf(body.proceeds), net_revenue: rowsOf(body.net_revenue) },
    forecastNote,
  };
}

/**
 * The compact form report.html inlines (writeReportHtml.ts): per matrix, rows of
 * [type, title, customers, runs], each run [from, to, state, revenue, proceeds, net_revenue] holding for
 * periods from..to (state 0 complete, 1 partial).
 */
export type InlineRun = [number, number, 0 | 1, number, number, number];
export type InlineRow = ['total' | 'cohort' | 'segment', string, number, InlineRun[]];
/**
 * A predicted cell inlined (the run's ltv.json forecast): [period, revenue, proceeds, net_revenue, then
 * the lower bounds of the three, then the upper bounds].
 */
export type InlinePredicted = [number, number, number, number, number, number, number, number, number, number];

/** What matrices_gz holds. */
export interface InlinePayload {
  /**
   * By matrix id: its rows, or the id of the matrix whose rows are the same (stored once: product and
   * store_product_id, week and cohort segmentations by week, … are equal, half of the example's matrices).
   */
  matrices: Record<string, InlineRow[] | string>;
  /** The run's forecast (ltv.json): its brief and the predicted cells of its matrix's rows, by title; null without one. */
  forecast: { brief: ForecastBrief; rows: [string, InlinePredicted[]][] } | null;
}

/** A matrix's rows from the payload, following a reference to the matrix that holds them. */
export function inlineRowsOf(matrices: InlinePayload['matrices'], id: string): InlineRow[] | undefined {
  const stored = matrices[id];
  const rows = typeof stored === 'string' ? matrices[stored] : stored;
  return typeof rows === 'string' ? undefined : rows;
}

const MARKS: readonly CellMark[] = ['complete', 'partial'];
const ACCS = ['revenue', 'proceeds', 'net_revenue'] as const;

/** `predicted`: predicted cells by row title, for the matrix the forecast predicts. */
export function viewFromInline(rows: InlineRow[], spec: Spec, currency: string, predicted: ReadonlyMap<string, InlinePredicted[]> | null, forecastNote: string | null): ViewMatrix {
  const out: ViewMatrix['rows'] = { revenue: [], proceeds: [], net_revenue: [] };
  for (const [type, title, customers, runs] of rows) {
    const pred = predicted?.get(title) ?? [];
    ACCS.forEach((acc, a) => {
      const cells: ViewCell[] = [];
      for (const run of runs) {
        for (let p = run[0]; p <= run[1]; p++) cells.push({ period: p, value: run[3 + a] as number, mark: MARKS[run[2]] ?? 'complete' });
      }
      out[acc].push({
        type, title, customers, value: cells.length ? (cells[cells.length - 1] as ViewCell).value : null, cells,
        predicted: pred.map((c) => ({ period: c[0], value: c[1 + a] as number, mark: 'predicted', lower: c[4 + a] as number, upper: c[7 + a] as number })),
      });
    });
  }
  return { ...spec, currency, rows: out, forecastNote };
}

/** One period of a row as the heatmap shows it. */
export interface ShownCell {
  period: number;
  /** What the cell shows: the prediction where the period is not over (partial) or not reached yet, else the realized value. */
  shown: ViewCell;
  realized?: ViewCell;
  predicted?: ViewCell;
}

/** A row's periods, oldest first, each with its realized and predicted cell and the one shown. */
export function shownCells(row: ViewRow): ShownCell[] {
  const byPeriod = new Map<number, ShownCell>();
  for (const c of row.cells) byPeriod.set(c.period, { period: c.period, shown: c, realized: c });
  for (const p of row.predicted) {
    const s = byPeriod.get(p.period);
    if (!s) byPeriod.set(p.period, { period: p.period, shown: p, predicted: p });
    else {
      s.predicted = p;
      if (s.realized?.mark === 'partial') s.shown = p;
    }
  }
  return [...byPeriod.values()].sort((a, b) => a.period - b.period);
}
