// Paddle Billing: the transactions report (Reports → Transactions, or POST /reports type "transactions"),
// one row per transaction, and the adjustments report (refunds, credits, chargebacks) in the same job.
// Documentation: https://developer.paddle.com/build/finance/reports/transactions (the report and its
// columns, which mirror the API's transaction fields), https://developer.paddle.com/build/finance/reports/adjustments,
// https://developer.paddle.com/api-reference/transactions/overview (status, totals in the lowest
// denomination). The rules are in src/sql/presets/paddle.sql.
import type { RowPreset } from './RowPreset.js';

export const PADDLE_PRESET: RowPreset = {
  name: 'paddle',
  documentation: [
    'https://developer.paddle.com/build/finance/reports/transactions',
    'https://developer.paddle.com/build/finance/reports/adjustments',
    'https://developer.paddle.com/api-reference/transactions/overview',
  ],
  inputs: {
    id: ['id'],
    transaction_ref: ['transaction_id'],
    action: ['action'],
    status: ['status'],
    customer_id: ['customer_id'],
    email: ['customer_email', 'email'],
    billed_at: ['billed_at'],
    created_at: ['created_at'],
    updated_at: ['updated_at'],
    currency: ['currency_code', 'currency'],
    total: ['grand_total', 'details.totals.grand_total', 'totals.grand_total', 'total', 'details.totals.total', 'totals.total'],
    // The total before credits: Paddle's fee, tax and earnings are reckoned on it.
    full_total: ['total', 'details.totals.total', 'totals.total'],
    tax: ['tax', 'details.totals.tax', 'totals.tax'],
    fee: ['fee', 'details.totals.fee', 'totals.fee'],
    earnings: ['earnings', 'details.totals.earnings', 'totals.earnings'],
    price_ids: ['price_ids', 'price_id'],
  },
  required: [['status'], ['total'], ['billed_at', 'created_at']],
  // A paid transaction whose total is negative, an adjustment action Paddle does not document, a chargeback
  // reversal without its chargeback (paddle.sql).
  reasons: true,
  // paddle.sql's ltv__customer_id, ltv__transaction_id and ltv__refund_of.
  ids: { customer_id: ['customer_id', 'email'], transaction_id: ['id'], refund_of: ['transaction_ref'] },
  outputs: [
    'customer_id', 'transaction_id', 'event_time', 'updated_at', 'amount', 'currency', 'proceeds', 'net_revenue',
    'refund_of', 'product_id', 'store',
  ],
  passthrough: {
    country: ['address_country_code', 'country_code'],
  },
};
