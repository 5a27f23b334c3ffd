// What the page draws: one matrix of one request, per accounting type, rows with their cells and each
// cell's mark (complete, partial, predicted). Built from an Adapty response (the served page, SPEC §6)
// or from the data inlined in report.html (static page).
import type { AccountingType, PeriodType, PeriodUnit, Segmentation } from '../../ltv/model.js';

export type CellMark = 'complete' | 'partial' | 'predicted';

export interface ViewCell {
  period: number;
  value: number;
  mark: CellMark;
  /** Interval of a predicted cell (SPEC §9), when given. */
  lower?: number;
  upper?: number;
}

export interface ViewRow {
  type: 'total' | 'cohort' | 'segment';
  title: string;
  customers: number;
  /** Value at the row's last realized period; null when the row has no cell. */
  value: number | null;
  cells: ViewCell[];
}

export interface ViewMatrix {
  period_type: PeriodType;
  period_unit: PeriodUnit;
  segmentation: Segmentation;
  currency: string;
  /** Rows per accounting type, in the same order for each. */
  rows: Record<AccountingType, ViewRow[]>;
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
    values: { period: number; value: number; state?: string }[];
    predicted_values?: { period: number; value: number; lower?: number; upper?: number }[];
  }[];
}

export function viewFromAdapty(body: AdaptyBody, spec: Pick<ViewMatrix, 'period_type' | 'period_unit' | 'segmentation'>): ViewMatrix {
  const rowsOf = (m: AdaptyMetricBody): ViewRow[] =>
    m.data.map((r) => {
      const cells: ViewCell[] = r.values.map((v) => ({ period: v.period, value: v.value, mark: v.state === 'predicted' ? 'predicted' : 'complete' }));
      const realized = new Set(cells.map((c) => c.period));
      for (const p of r.predicted_values ?? []) {
        if (realized.has(p.period)) continue;
        cells.push({ period: p.period, value: p.value, mark: 'predicted', ...(p.lower !== undefined ? { lower: p.lower } : {}), ...(p.upper !== undefined ? { upper: p.upper } : {}) });
      }
      return { type: r.type, title: r.title, customers: r.cohort_size, value: r.value, cells };
    });
  return {
    ...spec,
    currency: body.revenue.unit,
    rows: { revenue: rowsOf(body.revenue), proceeds: rowsOf(body.proceeds), net_revenue: rowsOf(body.net_revenue) },
  };
}

/**
 * The compact form report.html inlines (writeReportHtml.ts): per matrix, rows of
 * [type, title, customers, runs], each run [from, to, state, revenue, proceeds, net_revenue] holding for
 * periods from..to (state 0 complete, 1 partial, 2 predicted).
 */
export type InlineRun = [number, number, 0 | 1 | 2, number, number, number];
export type InlineRow = ['total' | 'cohort' | 'segment', string, number, InlineRun[]];

const MARKS: readonly CellMark[] = ['complete', 'partial', 'predicted'];

export function viewFromInline(rows: InlineRow[], spec: Pick<ViewMatrix, 'period_type' | 'period_unit' | 'segmentation'>, currency: string): ViewMatrix {
  const out: ViewMatrix['rows'] = { revenue: [], proceeds: [], net_revenue: [] };
  const accs = ['revenue', 'proceeds', 'net_revenue'] as const;
  for (const [type, title, customers, runs] of rows) {
    accs.forEach((acc, a) => {
      const cells: ViewCell[] = [];
      for (const run of runs) {
        for (let p = run[0]; p <= run[1]; p++) cells.push({ period: p, value: run[3 + a] as number, mark: MARKS[run[2]] ?? 'complete' });
      }
      const realized = cells.filter((c) => c.mark !== 'predicted');
      out[acc].push({ type, title, customers, value: realized.length ? (realized[realized.length - 1] as ViewCell).value : null, cells });
    });
  }
  return { ...spec, currency, rows: out };
}
