// A matrix row as runs of equal cells: how 23_matrix.sql returns it (each value is computed once, at the
// period where it changes, and holds until the next change). A day-unit matrix has about twelve times
// more cells than runs, so the endpoint writes its Adapty body straight from the runs; the run's writers
// get the cells (expandRuns).
import type { Cell, CellState, Matrix, MatrixRow } from './model.js';

/** The cells of periods `from`..`to` (inclusive) all hold these values. */
export interface CellRun {
  from: number;
  to: number;
  customers: number;
  state: CellState;
  complete_customers: number;
  revenue: number;
  proceeds: number;
  net_revenue: number;
}

export interface RunRow extends Omit<MatrixRow, 'cells'> {
  runs: CellRun[];
}

export interface RunMatrix extends Omit<Matrix, 'rows'> {
  rows: RunRow[];
}

export function expandRow(row: RunRow): MatrixRow {
  const cells: Cell[] = [];
  for (const r of row.runs) {
    for (let period = r.from; period <= r.to; period++) {
      cells.push({
        period, customers: r.customers, state: r.state, complete_customers: r.complete_customers,
        revenue: r.revenue, proceeds: r.proceeds, net_revenue: r.net_revenue,
      });
    }
  }
  return { type: row.type, title: row.title, customers: row.customers, cells };
}

/** The same matrix cell by cell. */
export function expandRuns(m: RunMatrix): Matrix {
  const { rows, ...spec } = m;
  return { ...spec, rows: rows.map(expandRow) };
}

/** Several matrices cell by cell; matrices that share their rows (computeRunMatrices) still share them. */
export function expandMatrices<K>(runs: ReadonlyMap<K, RunMatrix>): Map<K, Matrix> {
  const expanded = new Map<RunRow[], MatrixRow[]>();
  const out = new Map<K, Matrix>();
  for (const [key, m] of runs) {
    let rows = expanded.get(m.rows);
    if (!rows) expanded.set(m.rows, (rows = m.rows.map(expandRow)));
    out.set(key, { ...m, rows });
  }
  return out;
}

type CellValues = Pick<Cell, 'customers' | 'state' | 'complete_customers' | 'revenue' | 'proceeds' | 'net_revenue'>;

function sameValues(a: CellRun, c: CellValues): boolean {
  return a.customers === c.customers && a.state === c.state && a.complete_customers === completeCustomers(c) && Object.is(a.revenue, c.revenue) &&
    Object.is(a.proceeds, c.proceeds) && Object.is(a.net_revenue, c.net_revenue);
}

/**
 * Runs with neighbouring equal ones joined and empty ones dropped: what runsOf(expandRuns(m)) gives a row,
 * without making its cells (the SQL may end a run where nothing visible changes).
 */
export function joinRuns(runs: readonly CellRun[]): CellRun[] {
  const out: CellRun[] = [];
  let last: CellRun | undefined;
  for (const r of runs) {
    if (r.to < r.from) continue;
    if (last && last.to + 1 === r.from && sameValues(last, r)) {
      last.to = r.to;
    } else {
      last = { ...r, complete_customers: completeCustomers(r) };
      out.push(last);
    }
  }
  return out;
}

/** Runs of a cell-by-cell matrix: neighbouring periods with equal cells joined. */
export function runsOf(m: Matrix): RunMatrix {
  const { rows, ...spec } = m;
  return {
    ...spec,
    rows: rows.map((row) => {
      const runs: CellRun[] = [];
      let last: CellRun | undefined;
      for (const c of row.cells) {
        if (last && last.to + 1 === c.period && sameValues(last, c)) {
          last.to = c.period;
        } else {
          last = {
            from: c.period, to: c.period, customers: c.customers, state: c.state, complete_customers: completeCustomers(c),
            revenue: c.revenue, proceeds: c.proceeds, net_revenue: c.net_revenue,
          };
          runs.push(last);
        }
      }
      return { type: row.type, title: row.title, customers: row.customers, runs };
    }),
  };
}

/** A cell's complete customers; a report written before they were recorded has them from its state. */
export function completeCustomers(c: Pick<Cell, 'complete_customers' | 'state' | 'customers'>): number {
  return c.complete_customers ?? (c.state === 'complete' ? c.customers : 0);
}
