-- The valid rows, one per transaction (SPEC §3), with only the columns later statements read.
-- Output: table deduped.
CREATE OR REPLACE TABLE deduped AS
SELECT
  src_row, tenant_id, customer_id, transaction_id, event_time, amount, currency, rate, r10, commission, tax,
  proceeds, net_revenue, renewal_number, refunded_at, refund_of, is_sandbox,
  product_id, duration, store, country, paywall, paywalls_group, audience, placement, offer_category,
  offer_type, offer_id, attribution_source, attribution_status, attribution_channel, attribution_campaign,
  attribution_adgroup, attribution_adset, attribution_creative
FROM checked c
WHERE reason IS NULL AND NOT EXISTS (SELECT 1 FROM dup_losers d WHERE d.src_row = c.src_row)
