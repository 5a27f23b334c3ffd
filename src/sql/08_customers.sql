-- SPEC §2 first payment, cohort, attributes. Params: $as_of (ISO 8601 text).
-- Output: table customers_all(tenant_id, customer_id, t0 TIMESTAMPTZ, t0_local TIMESTAMP, cohort_day DATE,
--   <dimensions>): the earliest payment (amount > 0, not sandbox) at or before T; ties: smallest
--   transaction_id. Its dimension values are the customer's attributes.
CREATE OR REPLACE TABLE customers_all AS
SELECT
  tenant_id, customer_id,
  event_time AS t0,
  CAST(event_time AS TIMESTAMP) AS t0_local,
  CAST(CAST(event_time AS TIMESTAMP) AS DATE) AS cohort_day,
  product_id, duration, store, country, paywall, paywalls_group, audience, placement, offer_category,
  offer_type, offer_id, attribution_source, attribution_status, attribution_channel, attribution_campaign,
  attribution_adgroup, attribution_adset, attribution_creative
FROM deduped
WHERE NOT is_sandbox AND event_time <= CAST($as_of AS TIMESTAMPTZ) AND amount > 0
QUALIFY row_number() OVER (
  PARTITION BY tenant_id, customer_id ORDER BY event_time, transaction_id NULLS LAST, file_idx, line
) = 1
