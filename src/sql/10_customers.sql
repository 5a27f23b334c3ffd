-- SPEC §2 cohort of each customer. Params: $as_of (ISO 8601 text). Reads first_payments and attr_sets
-- (10_first_payments.sql).
-- Output: table customers_all(tenant_id, customer_id, t0 TIMESTAMPTZ, t0_local TIMESTAMP, cohort_day DATE,
--   age_class INTEGER, attr_id BIGINT): the attributes are attr_sets' row attr_id. age_class (0, 30 or 90) says whether the customer is
--   at least 30 or 90 whole local days old at T (the Zenovay summary's averages, 15_summary.sql).
CREATE OR REPLACE TEMP TABLE customers_all AS
WITH f AS (
  SELECT *, CAST(t0 AS TIMESTAMP) AS t0_local,
    ltv_days_until(CAST(t0 AS TIMESTAMP), CAST(CAST($as_of AS TIMESTAMPTZ) AS TIMESTAMP)) AS age_days
  FROM first_payments
)
SELECT
  f.tenant_id, f.customer_id, f.t0, f.t0_local, CAST(f.t0_local AS DATE) AS cohort_day,
  CASE WHEN f.age_days >= 90 THEN 90 WHEN f.age_days >= 30 THEN 30 ELSE 0 END AS age_class,
  a.attr_id
FROM f
-- NULL is an attribute value like any other here (an export without paywalls has them all NULL).
JOIN attr_sets a ON 
f.product_id IS NOT DISTINCT FROM a.product_id  AND f.duration IS NOT DISTINCT FROM a.duration  AND f.store IS NOT DISTINCT FROM a.store  AND f.country IS NOT DISTINCT FROM a.country  AND f.paywall IS NOT DISTINCT FROM a.paywall  AND f.paywalls_group IS NOT DISTINCT FROM a.paywalls_group  AND f.audience IS NOT DISTINCT FROM a.audience  AND f.placement IS NOT DISTINCT FROM a.placement  AND f.offer_category IS NOT DISTINCT FROM a.offer_category  AND f.offer_type IS NOT DISTINCT FROM a.offer_type  AND f.offer_id IS NOT DISTINCT FROM a.offer_id  AND f.attribution_source IS NOT DISTINCT FROM a.attribution_source  AND f.attribution_status IS NOT DISTINCT FROM a.attribution_status  AND f.attribution_channel IS NOT DISTINCT FROM a.attribution_channel  AND f.attribution_campaign IS NOT DISTINCT FROM a.attribution_campaign  AND f.attribution_adgroup IS NOT DISTINCT FROM a.attribution_adgroup  AND f.attribution_adset IS NOT DISTINCT FROM a.attribution_adset  AND f.attribution_creative IS NOT DISTINCT FROM a.attribution_creative
