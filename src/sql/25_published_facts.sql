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
-- Sorted (the same rows give the same file, whichever connection and thread wrote it: a run's files are
-- hard-linked to the previous run's when their bytes are equal) in the order of every output column, as
-- ORDER BY ALL would, but by integers: a fact is one per (cohort_day, attr_id, age_class, k_day, k_month,
-- renewal) (15_facts_all.sql groups by them), attr_sets holds each attribute tuple once and numbers the
-- tuples in the order of these columns (13_first_payments.sql; a sharded run's merge likewise), so attr_id
-- stands for the eighteen text columns, and the money columns after them never decide. The same bytes as
-- ORDER BY ALL; 1 M-row bench, 730,619 facts, the COPY alone, 5 alternated pairs: 0.67–0.89 → 0.51–0.63 s.
ORDER BY f.cohort_day, f.attr_id, f.age_class, f.k_day, f.k_month, f.renewal
