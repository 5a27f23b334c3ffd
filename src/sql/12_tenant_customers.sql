-- One tenant's customers, counted by cohort day and attributes (the matrix query's `customers` input;
-- published as data/customers.parquet). Reads customers_all (10_customers.sql), attr_sets
-- (10_first_payments.sql) and table current_tenant(t) (computeTenant.ts setCurrentTenant).
-- Output: cohort_day, <dimensions>, attr_id, n BIGINT.
CREATE OR REPLACE TEMP TABLE customers AS
SELECT
  c.cohort_day, a.product_id, a.duration, a.store, a.country, a.paywall, a.paywalls_group, a.audience,
  a.placement, a.offer_category, a.offer_type, a.offer_id, a.attribution_source, a.attribution_status,
  a.attribution_channel, a.attribution_campaign, a.attribution_adgroup, a.attribution_adset,
  a.attribution_creative, c.attr_id, c.n
FROM (
  SELECT cohort_day, attr_id, count(*)::BIGINT AS n
  FROM customers_all
  WHERE tenant_id = (SELECT t FROM current_tenant)
  GROUP BY ALL
) c
JOIN attr_sets a USING (attr_id)
ORDER BY c.cohort_day
