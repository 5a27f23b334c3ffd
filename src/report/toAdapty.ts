// SPEC §6 Adapty contract: a matrix as Adapty's `{revenue, proceeds, net_revenue}` body.
import { ACCOUNTING_TYPES, type AccountingType, type Matrix } from '../ltv/model.js';
import type { AdaptyMetric, AdaptyResponse } from './apiTypes.js';

const DESCRIPTIONS: Record<AccountingType, string> = {
  revenue: 'Cumulative revenue per paying customer (gross, refunds deducted) by period since the first payment.',
  proceeds: 'Cumulative proceeds per paying customer (after store commission, refunds deducted) by period since the first payment.',
  net_revenue: 'Cumulative net revenue per paying customer (after store commission and taxes, refunds deducted) by period since the first payment.',
};

export function toAdaptyResponse(matrix: Matrix, currency: string): AdaptyResponse {
  const metric = (type: AccountingType): AdaptyMetric => {
    const data = matrix.rows.map((row) => {
      const last = row.cells[row.cells.length - 1];
      return {
        title: row.title,
        type: row.type,
        value: last ? last[type] : 0,
        cohort_size: row.customers,
        values: row.cells.map((c) => ({ period: c.period, value: c[type] })),
      };
    });
    const total = data.find((d) => d.type === 'total');
    return { title: 'LTV', unit: currency, description: DESCRIPTIONS[type], value: total ? total.value : 0, data };
  };
  return Object.fromEntries(ACCOUNTING_TYPES.map((t) => [t, metric(t)])) as unknown as AdaptyResponse;
}
