-- SPEC §2 first payment, cohort, attributes. Params: $as_of (ISO 8601 text).
-- Output: table customers_all(tenant_id, customer_id, t0 TIMESTAMPTZ, t0_local TIMESTAMP, cohort_day DATE,
--   <dimensions>): the earliest payment (amount > 0, not sandbox) at or before T; ties: smallest
--   transaction_id (then the earlier row). Its dimension values are the customer's attributes. A hash
--   aggregate finds the first payment's row (arg_min of a row id, not a sort, and no wide struct
--   through the aggregate); its attributes are then read from checked by that row id.
CREATE OR REPLACE TEMP TABLE customers_all AS
WITH first AS (
  SELECT tenant_id, customer_id, arg_min(src_row, (event_time, transaction_id, src_row)) AS src_row, min(event_time) AS t0
  FROM deduped
  WHERE NOT is_sandbox AND event_time <= CAST($as_of AS TIMESTAMPTZ) AND amount > 0
  GROUP BY tenant_id, customer_id
)
SELECT
  f.tenant_id, f.customer_id, f.t0, CAST(f.t0 AS TIMESTAMP) AS t0_local, CAST(CAST(f.t0 AS TIMESTAMP) AS DATE) AS cohort_day,
  c.product_id, c.duration, c.store, c.country, c.paywall, c.paywalls_group, c.audience, c.placement, c.offer_category, c.offer_type, c.offer_id, c.attribution_source, c.attribution_status, c.attribution_channel, c.attribution_campaign, c.attribution_adgroup, c.attribution_adset, c.attribution_creative
FROM first f
JOIN checked c ON c.row_id = f.src_row
