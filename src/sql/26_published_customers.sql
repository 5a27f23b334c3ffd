-- data/customers.parquet (SPEC §5): one tenant's customers by cohort day and attributes (20_customers.sql),
-- with the attributes instead of the run's own attr_id. The endpoint reads it back (queryRun.ts,
-- 30_attribute_values.sql). Params: $tenant. Output: cohort_day, <dimensions>, n BIGINT; by cohort day.
SELECT
  c.cohort_day, a.product_id, a.duration, a.store, a.country, a.paywall, a.paywalls_group, a.audience,
  a.placement, a.offer_category, a.offer_type, a.offer_id, a.attribution_source, a.attribution_status,
  a.attribution_channel, a.attribution_campaign, a.attribution_adgroup, a.attribution_adset,
  a.attribution_creative, c.n
FROM customers c
JOIN attr_sets a USING (attr_id)
WHERE c.tenant_id = CAST($tenant AS VARCHAR)
-- Every column: the same rows give the same file, whichever connection and thread wrote it (a run's files
-- are hard-linked to the previous run's when their bytes are equal).
ORDER BY ALL
