// The forecast's predicted cells (SPEC §9) in the tidy form of ltv.csv and the Data sheet: after every
// realized cell, with state `predicted` and their interval in `lower`/`upper`, so a reader filtering on
// `state` never mixes them up with realized values.
import { ACCOUNTING_TYPES, type TenantReport } from '../ltv/model.js';
import type { TidyRow } from './tidyRows.js';

export function* forecastTidyRows(report: TenantReport): Generator<TidyRow> {
  const f = report.forecast;
  if (!f) return;
  for (const row of f.rows) {
    for (const cell of row.cells) {
      for (const accountingType of ACCOUNTING_TYPES) {
        yield {
          tenant: report.tenant,
          matrix: f.matrix,
          period_type: 'days',
          period_unit: 'month',
          segmentation: 'cohort',
          row_type: row.type,
          row_title: row.title,
          cohort_date: row.type === 'cohort' ? row.title : '',
          segment: '',
          cohort_size: row.customers,
          period: cell.period,
          accounting_type: accountingType,
          value: cell[accountingType],
          customers: cell.customers,
          state: 'predicted',
          // Nothing of a predicted cell is final.
          complete_customers: 0,
          lower: cell.lower[accountingType],
          upper: cell.upper[accountingType],
        };
      }
    }
  }
}
