-- SPEC §4 Zenovay summary of every tenant at once. No params.
-- average_ltv_Nd = over customers with t0 + N days ≤ T: their revenue with t < t0 + N days ÷ their number
-- (linked refunds at their payment's time). A customer's age in whole local days at T (wall clock, as §4
-- adds units) is kept as age_class by 14_customers_all.sql, so the sums come from facts (period k_day < N of
-- the customers of age class ≥ N). Also the headline totals. Output: one row per tenant with customers:
-- tenant_id, customers, cohort_days, revenue, proceeds, net_revenue, n30, average_ltv_30d,
-- average_ltv_90d, first_day, last_day (local dates of the first payments, YYYY-MM-DD).
WITH sums AS (
  SELECT
    tenant_id,
    coalesce(sum(revenue), 0) AS revenue,
    coalesce(sum(proceeds), 0) AS proceeds,
    coalesce(sum(net_revenue), 0) AS net_revenue,
    coalesce(sum(revenue) FILTER (WHERE age_class >= 30 AND k_day < 30), 0) AS revenue_30,
    coalesce(sum(revenue) FILTER (WHERE age_class >= 90 AND k_day < 90), 0) AS revenue_90
  FROM facts
  GROUP BY tenant_id
),
counts AS (
  SELECT tenant_id, count(*) AS customers, count(DISTINCT cohort_day) AS cohort_days,
         count(*) FILTER (WHERE age_class >= 30) AS n30, count(*) FILTER (WHERE age_class >= 90) AS n90,
         strftime(min(cohort_day), '%Y-%m-%d') AS first_day, strftime(max(cohort_day), '%Y-%m-%d') AS last_day
  FROM customers_all
  GROUP BY tenant_id
)
SELECT
  tenant_id, customers::BIGINT AS customers, cohort_days::BIGINT AS cohort_days,
  ltv_money(ltv_cents(coalesce(revenue, 0), 1, ltv_cent_revenue())) AS revenue,
  ltv_money(ltv_cents(coalesce(proceeds, 0), 1, ltv_cent_proceeds())) AS proceeds,
  ltv_money(ltv_cents(coalesce(net_revenue, 0), 1, ltv_cent_net())) AS net_revenue,
  n30::BIGINT AS n30,
  CASE WHEN n30 > 0 THEN ltv_money(ltv_cents(coalesce(revenue_30, 0), n30, ltv_cent_revenue())) END AS average_ltv_30d,
  CASE WHEN n90 > 0 THEN ltv_money(ltv_cents(coalesce(revenue_90, 0), n90, ltv_cent_revenue())) END AS average_ltv_90d,
  first_day, last_day
FROM counts
LEFT JOIN sums USING (tenant_id)
