// Stripe: the Payments export of the Dashboard (Payments → Export; "unified_payments.csv"), one row per
// charge. Documentation: https://docs.stripe.com/payments/payments-export (how to export and choose
// columns), https://support.stripe.com/questions/exporting-a-report-of-all-transactions (the payments
// export holds every charge, failed ones too, and refunds differently from the balance reports),
// https://docs.stripe.com/api/charges/object (status, captured, amount_refunded) and
// https://docs.stripe.com/currencies#zero-decimal (minor units). The rules are in src/sql/presets/stripe.sql.
import type { RowPreset } from './RowPreset.js';

export const STRIPE_PRESET: RowPreset = {
  name: 'stripe',
  documentation: [
    'https://docs.stripe.com/payments/payments-export',
    'https://support.stripe.com/questions/exporting-a-report-of-all-transactions',
    'https://docs.stripe.com/api/charges/object',
    'https://docs.stripe.com/currencies#zero-decimal',
    'https://docs.stripe.com/disputes/how-disputes-work',
  ],
  inputs: {
    id: ['id', 'Charge ID', 'charge_id'],
    created: ['Created date (UTC)', 'Created (UTC)', 'Created', 'created'],
    amount: ['Amount', 'amount'],
    amount_refunded: ['Amount Refunded', 'amount_refunded'],
    refunded_at: ['Refunded date (UTC)', 'Refunded (UTC)', 'Refunded date', 'refunded_at'],
    currency: ['Currency', 'currency'],
    converted_amount: ['Converted Amount', 'converted_amount'],
    converted_amount_refunded: ['Converted Amount Refunded', 'converted_amount_refunded'],
    converted_currency: ['Converted Currency', 'converted_currency'],
    fee: ['Fee', 'fee'],
    status: ['Status', 'status'],
    captured: ['Captured', 'captured'],
    customer: ['Customer ID', 'customer', 'customer_id'],
    email: ['Customer Email', 'receipt_email', 'email'],
    fingerprint: ['Card Fingerprint', 'card_fingerprint'],
    mode: ['Mode', 'livemode'],
    country: ['Card Issue Country', 'Card Country', 'Card Address Country', 'card_country'],
    description: ['Description', 'description'],
    disputed_amount: ['Disputed Amount'],
    dispute_status: ['Dispute Status'],
    dispute_date: ['Dispute Date (UTC)', 'Dispute Date'],
  },
  // Status or Captured: the export holds failed charges too, and only these columns tell them apart (a file
  // without either would count a declined card as revenue).
  required: [['created'], ['amount'], ['status', 'captured']],
  // stripe.sql's ltv__customer_id, ltv__transaction_id and ltv__refund_of.
  ids: { customer_id: ['customer', 'email', 'fingerprint'], transaction_id: ['id'], refund_of: ['id'] },
  splitsRefunds: true,
  outputs: [
    'customer_id', 'transaction_id', 'event_time', 'amount', 'currency', 'proceeds', 'commission_percentage',
    'refund_of', 'is_sandbox', 'country', 'store',
  ],
  reasons: true,
  // "Created date (UTC)", "Refunded date (UTC)", "Dispute Date (UTC)".
  utc: ['event_time'],
};
