-- SPEC §4 Zenovay summary for one tenant. Params: $tenant, $as_of_local TIMESTAMP.
-- average_ltv_Nd = over customers with t0 + N days ≤ T: their revenue with t < t0 + N days ÷ their number
-- (linked refunds at their payment's time). Whole local days between t0 and T (wall clock, as §4 adds
-- units). Also the headline totals. Output: one row.
WITH c AS (
  SELECT customer_id,
    date_diff('day', CAST(t0_local AS DATE), CAST(CAST($as_of_local AS TIMESTAMP) AS DATE))
      - CASE WHEN CAST(CAST($as_of_local AS TIMESTAMP) AS TIME) < CAST(t0_local AS TIME) THEN 1 ELSE 0 END AS age_days,
    cohort_day
  FROM customers_all WHERE tenant_id = $tenant
),
m AS (
  SELECT customer_id, k_day, revenue, proceeds, net_revenue FROM customer_movements WHERE tenant_id = $tenant
)
SELECT
  (SELECT count(*) FROM c)::BIGINT AS customers,
  (SELECT count(DISTINCT cohort_day) FROM c)::BIGINT AS cohort_days,
  (SELECT ltv_money(ltv_cents(coalesce(sum(revenue), 0), 1, ltv_cent_revenue())) FROM m) AS revenue,
  (SELECT ltv_money(ltv_cents(coalesce(sum(proceeds), 0), 1, ltv_cent_proceeds())) FROM m) AS proceeds,
  (SELECT ltv_money(ltv_cents(coalesce(sum(net_revenue), 0), 1, ltv_cent_net())) FROM m) AS net_revenue,
  (SELECT count(*) FROM c WHERE age_days >= 30)::BIGINT AS n30,
  (SELECT CASE WHEN count(*) > 0 THEN ltv_money(ltv_cents(
     (SELECT coalesce(sum(m.revenue), 0) FROM m JOIN c USING (customer_id) WHERE c.age_days >= 30 AND m.k_day < 30),
     count(*), ltv_cent_revenue())) END FROM c WHERE age_days >= 30) AS average_ltv_30d,
  (SELECT CASE WHEN count(*) > 0 THEN ltv_money(ltv_cents(
     (SELECT coalesce(sum(m.revenue), 0) FROM m JOIN c USING (customer_id) WHERE c.age_days >= 90 AND m.k_day < 90),
     count(*), ltv_cent_revenue())) END FROM c WHERE age_days >= 90) AS average_ltv_90d,
  (SELECT strftime(min(cohort_day), '%Y-%m-%d') FROM c) AS first_day,
  (SELECT strftime(max(cohort_day), '%Y-%m-%d') FROM c) AS last_day
