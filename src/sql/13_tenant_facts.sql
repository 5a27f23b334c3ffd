-- One tenant's movements summed by cohort day, attributes and period indexes (the matrix query's `facts`
-- input; published as data/facts.parquet). Params: $tenant.
-- Output: cohort_day, <dimensions>, k_day, k_month, renewal, revenue, proceeds, net_revenue (exact sums),
--   payments BIGINT (how many payments: renewals-type censoring looks only at payments).
CREATE OR REPLACE TABLE facts AS
SELECT
  cohort_day, product_id, duration, store, country, paywall, paywalls_group, audience, placement, offer_category, offer_type, offer_id, attribution_source, attribution_status, attribution_channel, attribution_campaign, attribution_adgroup, attribution_adset, attribution_creative,
  k_day, k_month, renewal,
  sum(revenue) AS revenue, sum(proceeds) AS proceeds, sum(net_revenue) AS net_revenue,
  count(*) FILTER (WHERE is_payment)::BIGINT AS payments
FROM customer_movements
WHERE tenant_id = $tenant
GROUP BY ALL
ORDER BY cohort_day
