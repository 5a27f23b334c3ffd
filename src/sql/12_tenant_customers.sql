-- One tenant's customers, grouped by cohort day and attributes (the matrix query's `customers` input;
-- published as data/customers.parquet). Params: $tenant. Output: cohort_day, <dimensions>, n BIGINT.
CREATE OR REPLACE TEMP TABLE customers AS
SELECT
  cohort_day, product_id, duration, store, country, paywall, paywalls_group, audience, placement,
  offer_category, offer_type, offer_id, attribution_source, attribution_status, attribution_channel,
  attribution_campaign, attribution_adgroup, attribution_adset, attribution_creative,
  count(*)::BIGINT AS n
FROM customers_all
WHERE tenant_id = $tenant
GROUP BY ALL
ORDER BY cohort_day
