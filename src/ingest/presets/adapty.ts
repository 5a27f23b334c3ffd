// Adapty: the event export to storage (Integrations → Amazon S3 / Google Cloud Storage: one CSV a day, one
// row per subscription event). Documentation: https://adapty.io/docs/s3-exports and
// https://adapty.io/docs/google-cloud-storage (the table structure: profile_id, event_type, event_datetime,
// transaction_id, environment, revenue/proceeds/net revenue in USD and local currency, …) and
// https://adapty.io/docs/events (the event types). The rules are in src/sql/presets/adapty.sql.
import type { RowPreset } from './RowPreset.js';

export const ADAPTY_PRESET: RowPreset = {
  name: 'adapty',
  documentation: ['https://adapty.io/docs/s3-exports', 'https://adapty.io/docs/google-cloud-storage', 'https://adapty.io/docs/events'],
  inputs: {
    profile_id: ['profile_id'],
    customer_user_id: ['customer_user_id'],
    event_type: ['event_type'],
    event_datetime: ['event_datetime'],
    transaction_id: ['transaction_id'],
    profile_event_id: ['profile_event_id', 'event_id'],
    environment: ['environment'],
    revenue_usd: ['revenue_usd', 'price_usd'],
    proceeds_usd: ['proceeds_usd'],
    net_revenue_usd: ['net_revenue_usd'],
    revenue_local: ['revenue_local', 'price_local'],
    proceeds_local: ['proceeds_local'],
    net_revenue_local: ['net_revenue_local'],
    currency: ['currency'],
    store_country: ['store_country'],
    profile_country: ['profile_country'],
  },
  required: [['event_type'], ['event_datetime'], ['revenue_usd', 'revenue_local']],
  // adapty.sql's ltv__customer_id, ltv__transaction_id and ltv__refund_of.
  ids: { customer_id: ['profile_id', 'customer_user_id'], transaction_id: ['transaction_id', 'profile_event_id'], refund_of: ['transaction_id'] },
  outputs: [
    'customer_id', 'transaction_id', 'event_time', 'amount', 'currency', 'proceeds', 'net_revenue', 'refund_of',
    'is_sandbox', 'is_trial', 'country',
  ],
  reasons: true,
  passthrough: {
    product_id: ['vendor_product_id', 'store_product_id', 'product_id'],
    store: ['store'],
    paywall: ['paywall_name'],
    paywalls_group: ['ab_test_name'],
    audience: ['cohort_name'],
    placement: ['developer_id', 'placement_id'],
    offer_id: ['promotional_offer_id', 'offer_id'],
    offer_type: ['offer_type'],
    attribution_source: ['attribution_source'],
    attribution_status: ['attribution_status'],
    attribution_channel: ['attribution_channel'],
    attribution_campaign: ['attribution_campaign'],
    attribution_adgroup: ['attribution_ad_group', 'attribution_adgroup'],
    attribution_adset: ['attribution_ad_set', 'attribution_adset'],
    attribution_creative: ['attribution_creative'],
  },
};
