// Shopify: the Orders export of the admin (Orders → Export → CSV for Excel, Numbers, or other spreadsheet
// programs), one line per line item, the order's own fields on its first line only. Documentation:
// https://help.shopify.com/en/manual/fulfillment/managing-orders/exporting-orders (the export and its
// columns), https://shopify.dev/docs/api/admin-graphql/latest/enums/OrderDisplayFinancialStatus (what
// each financial status means). The rules are in src/sql/presets/shopify.sql.
import type { RowPreset } from './RowPreset.js';

export const SHOPIFY_PRESET: RowPreset = {
  name: 'shopify',
  documentation: [
    'https://help.shopify.com/en/manual/fulfillment/managing-orders/exporting-orders',
    'https://shopify.dev/docs/api/admin-graphql/latest/enums/OrderDisplayFinancialStatus',
  ],
  inputs: {
    name: ['Name'],
    id: ['Id'],
    email: ['Email', 'Customer Email'],
    customer: ['Customer ID', 'Customer Id'],
    phone: ['Phone', 'Billing Phone'],
    financial_status: ['Financial Status'],
    created_at: ['Created at'],
    currency: ['Currency'],
    total: ['Total'],
    taxes: ['Taxes'],
    refunded: ['Refunded Amount'],
    outstanding: ['Outstanding Balance'],
    billing_country: ['Billing Country'],
    shipping_country: ['Shipping Country'],
    sku: ['Lineitem sku'],
    item: ['Lineitem name'],
    discount_code: ['Discount Code'],
  },
  required: [['created_at'], ['total'], ['financial_status']],
  // An order whose paid amount is negative, a partially_refunded one without its refunded amount (shopify.sql).
  reasons: true,
  // shopify.sql's ltv__customer_id, ltv__transaction_id and ltv__refund_of.
  ids: { customer_id: ['email', 'customer', 'phone'], transaction_id: ['id', 'name'], refund_of: ['id', 'name'] },
  splitsRefunds: true,
  outputs: [
    'customer_id', 'transaction_id', 'event_time', 'amount', 'currency', 'net_revenue', 'refund_of',
    'country', 'product_id', 'offer_id', 'store',
  ],
};
