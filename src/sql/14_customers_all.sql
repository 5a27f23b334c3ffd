-- SPEC §2 cohort of each customer. Params: $as_of (ISO 8601), $as_of_local (T on the wall clock as the
-- boundaries are compared with it, 07_as_of_wall.sql). Reads first_payments and attr_sets
-- (13_first_payments.sql). Identifiers: {{same_attributes}} first_payments' stored dimensions equal to
-- attr_sets' (NULL is an attribute value like any other here), or TRUE when there are none.
-- Output: table customers_all(tenant_id, customer_id, t0 TIMESTAMPTZ, t0_local TIMESTAMP, cohort_day DATE,
--   age_class INTEGER, attr_id BIGINT): the attributes are attr_sets' row attr_id. age_class (0, 30 or 90)
--   says whether t0 + 30 (90) days ≤ T, as instants (SPEC §4) (the Zenovay summary's
--   averages, 24_summary.sql).
CREATE OR REPLACE TEMP TABLE customers_all AS
WITH f AS (
  SELECT *, ltv_local(t0) AS t0_local,
    -- t0 + n days ≤ T as instants: the wall-clock count, less one when day n does not exist on the wall
    -- clock and its instant (moved forward by the gap) is still after T.
    ltv_k_days(ltv_local(t0), CAST($as_of_local AS TIMESTAMP), CAST($as_of AS TIMESTAMPTZ)) AS age_days
  FROM first_payments
)
SELECT
  f.tenant_id, f.customer_id, f.t0, f.t0_local, CAST(f.t0_local AS DATE) AS cohort_day,
  CASE WHEN f.age_days >= 90 THEN 90 WHEN f.age_days >= 30 THEN 30 ELSE 0 END AS age_class,
  a.attr_id
FROM f
JOIN attr_sets a ON {{same_attributes}}
