-- data/facts.parquet (SPEC §5, README "Outputs and layout"): one tenant's facts (21_facts.sql) with their
-- attributes instead of the run's own attr_id, money as DECIMAL(38, 0) (runFiles.ts MONEY_COLUMNS: Parquet
-- has no 128-bit integer, and a DOUBLE would round the units). The endpoint reads it back (queryRun.ts).
-- Params: $tenant. Output: cohort_day, <dimensions>, age_class, k_day, k_month, renewal, revenue, proceeds,
--   net_revenue, payments.
SELECT
  f.cohort_day, a.product_id, a.duration, a.store, a.country, a.paywall, a.paywalls_group, a.audience,
  a.placement, a.offer_category, a.offer_type, a.offer_id, a.attribution_source, a.attribution_status,
  a.attribution_channel, a.attribution_campaign, a.attribution_adgroup, a.attribution_adset,
  a.attribution_creative, f.age_class, f.k_day, f.k_month, f.renewal,
  CAST(f.revenue AS DECIMAL(38, 0)) AS revenue, CAST(f.proceeds AS DECIMAL(38, 0)) AS proceeds,
  CAST(f.net_revenue AS DECIMAL(38, 0)) AS net_revenue, f.payments
FROM facts f
JOIN attr_sets a USING (attr_id)
WHERE f.tenant_id = CAST($tenant AS VARCHAR)
-- Every column: the same rows give the same file, whichever connection and thread wrote it (a run's files
-- are hard-linked to the previous run's when their bytes are equal).
ORDER BY ALL
