-- SPEC §4 Zenovay summary for one tenant. Params: $tenant, $as_of_local (T on the wall clock, text).
-- average_ltv_Nd = over customers with t0 + N days ≤ T: their revenue with t < t0 + N days ÷ their number
-- (linked refunds at their payment's time). Whole local days between t0 and T (wall clock, as §4 adds
-- units). Also the headline totals. One pass over the movements. Output: one row.
WITH c AS (
  SELECT customer_id, cohort_day,
    date_diff('day', CAST(t0_local AS DATE), CAST(CAST($as_of_local AS TIMESTAMP) AS DATE))
      - CASE WHEN CAST(CAST($as_of_local AS TIMESTAMP) AS TIME) < CAST(t0_local AS TIME) THEN 1 ELSE 0 END AS age_days
  FROM customers_all WHERE tenant_id = $tenant
),
sums AS (
  SELECT
    coalesce(sum(m.revenue), 0) AS revenue,
    coalesce(sum(m.proceeds), 0) AS proceeds,
    coalesce(sum(m.net_revenue), 0) AS net_revenue,
    coalesce(sum(m.revenue) FILTER (WHERE c.age_days >= 30 AND m.k_day < 30), 0) AS revenue_30,
    coalesce(sum(m.revenue) FILTER (WHERE c.age_days >= 90 AND m.k_day < 90), 0) AS revenue_90
  FROM customer_movements m
  JOIN c USING (customer_id)
  WHERE m.tenant_id = $tenant
),
counts AS (
  SELECT count(*) AS customers, count(DISTINCT cohort_day) AS cohort_days,
         count(*) FILTER (WHERE age_days >= 30) AS n30, count(*) FILTER (WHERE age_days >= 90) AS n90,
         strftime(min(cohort_day), '%Y-%m-%d') AS first_day, strftime(max(cohort_day), '%Y-%m-%d') AS last_day
  FROM c
)
SELECT
  customers::BIGINT AS customers, cohort_days::BIGINT AS cohort_days,
  ltv_money(ltv_cents(revenue, 1, ltv_cent_revenue())) AS revenue,
  ltv_money(ltv_cents(proceeds, 1, ltv_cent_proceeds())) AS proceeds,
  ltv_money(ltv_cents(net_revenue, 1, ltv_cent_net())) AS net_revenue,
  n30::BIGINT AS n30,
  CASE WHEN n30 > 0 THEN ltv_money(ltv_cents(revenue_30, n30, ltv_cent_revenue())) END AS average_ltv_30d,
  CASE WHEN n90 > 0 THEN ltv_money(ltv_cents(revenue_90, n90, ltv_cent_revenue())) END AS average_ltv_90d,
  first_day, last_day
FROM sums, counts
