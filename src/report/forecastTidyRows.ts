// The forecast's predicted cells (SPEC §9) in the tidy form of ltv.csv and the Data sheet: after every
// realized cell, with state `predicted` and their interval in `lower`/`upper`, so a reader filtering on
// `state` never mixes them up with realized values.
import type { TenantReport } from '../ltv/model.js';
import { cellTidyRows, type TidyRow } from './tidyRows.js';

export function* forecastTidyRows(report: TenantReport): Generator<TidyRow> {
  const f = report.forecast;
  if (!f) return;
  const m = { matrix: f.matrix, period_type: 'days', period_unit: 'month', segmentation: 'cohort' };
  for (const row of f.rows) {
    for (const cell of row.cells) {
      // Nothing of a predicted cell is final.
      yield* cellTidyRows(report.tenant, m, row, cell, (t) => ({ state: 'predicted', complete_customers: 0, lower: cell.lower[t], upper: cell.upper[t] }));
    }
  }
}
