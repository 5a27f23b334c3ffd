// How complete a cell or a row is, as the workbook, chart and email mark it (issue 16). A cohort cell is
// complete or partial (SPEC §4 censoring). A Total or segment cell mixes cohorts: the newest shown cohort
// is nearly always partial, so its `state` is `partial` almost everywhere although most of its customers
// are final. The writers mark such a cell partial only while fewer than MOSTLY_COMPLETE of its customers
// are in complete cells; ltv.csv and ltv.json keep `state` as defined and add `complete_customers`.
import { completeCustomers } from '../ltv/cellRuns.js';
import type { Cell, MatrixRow } from '../ltv/model.js';

/** A Total or segment cell reads as final once 90 % of its customers are in complete cells. */
export const MOSTLY_COMPLETE = 0.9;

/** Share of the cell's customers in complete cells (1 on a complete cohort cell, 0 on a partial one). */
export function completeShare(cell: Cell): number {
  return cell.customers > 0 ? completeCustomers(cell) / cell.customers : cell.state === 'complete' ? 1 : 0;
}

/** Whether the writers mark the cell as still growing. */
export function isMarkedPartial(row: Pick<MatrixRow, 'type'>, cell: Cell): boolean {
  return row.type === 'cohort' ? cell.state === 'partial' : completeShare(cell) < MOSTLY_COMPLETE;
}

/**
 * How much of a row is final: its cells' complete customers over their customers, summed over the shown
 * periods. A cohort row: its complete periods ÷ its shown periods.
 */
export function rowCompleteShare(row: MatrixRow): number {
  let complete = 0;
  let all = 0;
  for (const c of row.cells) {
    complete += completeCustomers(c);
    all += c.customers;
  }
  return all > 0 ? complete / all : 0;
}
