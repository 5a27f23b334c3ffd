-- One tenant's movements summed by cohort day, attributes and period indexes (the matrix query's `facts`
-- input; published as data/facts.parquet). Params: $tenant.
-- Output: cohort_day, <dimensions>, k_day, k_month, renewal, revenue, proceeds, net_revenue (exact sums),
--   payments BIGINT (how many payments: renewals-type censoring looks only at payments).
CREATE OR REPLACE TEMP TABLE facts AS
SELECT
  c.cohort_day, c.product_id, c.duration, c.store, c.country, c.paywall, c.paywalls_group, c.audience,
  c.placement, c.offer_category, c.offer_type, c.offer_id, c.attribution_source, c.attribution_status,
  c.attribution_channel, c.attribution_campaign, c.attribution_adgroup, c.attribution_adset,
  c.attribution_creative,
  m.k_day, m.k_month, m.renewal,
  sum(m.revenue) AS revenue, sum(m.proceeds) AS proceeds, sum(m.net_revenue) AS net_revenue,
  count(*) FILTER (WHERE m.is_payment)::BIGINT AS payments
FROM customer_movements m
JOIN customers_all c USING (tenant_id, customer_id)
WHERE m.tenant_id = $tenant
GROUP BY ALL
ORDER BY c.cohort_day
