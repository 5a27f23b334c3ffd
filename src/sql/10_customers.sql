-- SPEC §2 first payment, cohort, attributes. Params: $as_of (ISO 8601 text). Reads payments (08), whose
-- rows are exactly the payments at or before T.
-- Output: table customers_all(tenant_id, customer_id, t0 TIMESTAMPTZ, t0_local TIMESTAMP, cohort_day DATE,
--   age_class INTEGER, attr_id BIGINT, <dimensions>): the earliest payment; ties: smallest transaction_id (then the
--   earlier row). Its dimension values are the customer's attributes. A hash aggregate finds the first
--   payment's row (arg_min of a row id, not a sort, and no wide struct through the aggregate); its
--   attributes are then read from checked by that row id. age_class (0, 30 or 90) says whether the
--   customer is at least 30 or 90 whole local days old at T (the Zenovay summary's averages, 15_summary).
--   attr_id numbers the distinct attribute tuples, so the large aggregation of 11_facts_all.sql groups by
--   one integer instead of eighteen text columns.
CREATE OR REPLACE TEMP TABLE customers_all AS
WITH first AS (
  SELECT tenant_id, customer_id, arg_min(src_row, (event_time, transaction_id, src_row)) AS src_row, min(event_time) AS t0
  FROM payments
  GROUP BY tenant_id, customer_id
),
aged AS (
  SELECT *, CAST(t0 AS TIMESTAMP) AS t0_local,
    date_diff('day', CAST(CAST(t0 AS TIMESTAMP) AS DATE), CAST(CAST(CAST($as_of AS TIMESTAMPTZ) AS TIMESTAMP) AS DATE))
      - CASE WHEN CAST(CAST(CAST($as_of AS TIMESTAMPTZ) AS TIMESTAMP) AS TIME) < CAST(CAST(t0 AS TIMESTAMP) AS TIME) THEN 1 ELSE 0 END AS age_days
  FROM first
),
base AS (
  SELECT
    f.tenant_id, f.customer_id, f.t0, f.t0_local, CAST(f.t0_local AS DATE) AS cohort_day,
    CASE WHEN age_days >= 90 THEN 90 WHEN age_days >= 30 THEN 30 ELSE 0 END AS age_class,
    c.product_id, c.duration, c.store, c.country, c.paywall, c.paywalls_group, c.audience, c.placement, c.offer_category, c.offer_type, c.offer_id, c.attribution_source, c.attribution_status, c.attribution_channel, c.attribution_campaign, c.attribution_adgroup, c.attribution_adset, c.attribution_creative
  FROM aged f
  JOIN checked c ON c.row_id = f.src_row
),
attrs AS (
  SELECT *, row_number() OVER () AS attr_id
  FROM (SELECT DISTINCT product_id, duration, store, country, paywall, paywalls_group, audience, placement, offer_category, offer_type, offer_id, attribution_source, attribution_status, attribution_channel, attribution_campaign, attribution_adgroup, attribution_adset, attribution_creative FROM base)
)
SELECT b.*, a.attr_id
FROM base b
JOIN attrs a ON b.product_id IS NOT DISTINCT FROM a.product_id
  AND b.duration IS NOT DISTINCT FROM a.duration
  AND b.store IS NOT DISTINCT FROM a.store
  AND b.country IS NOT DISTINCT FROM a.country
  AND b.paywall IS NOT DISTINCT FROM a.paywall
  AND b.paywalls_group IS NOT DISTINCT FROM a.paywalls_group
  AND b.audience IS NOT DISTINCT FROM a.audience
  AND b.placement IS NOT DISTINCT FROM a.placement
  AND b.offer_category IS NOT DISTINCT FROM a.offer_category
  AND b.offer_type IS NOT DISTINCT FROM a.offer_type
  AND b.offer_id IS NOT DISTINCT FROM a.offer_id
  AND b.attribution_source IS NOT DISTINCT FROM a.attribution_source
  AND b.attribution_status IS NOT DISTINCT FROM a.attribution_status
  AND b.attribution_channel IS NOT DISTINCT FROM a.attribution_channel
  AND b.attribution_campaign IS NOT DISTINCT FROM a.attribution_campaign
  AND b.attribution_adgroup IS NOT DISTINCT FROM a.attribution_adgroup
  AND b.attribution_adset IS NOT DISTINCT FROM a.attribution_adset
  AND b.attribution_creative IS NOT DISTINCT FROM a.attribution_creative
