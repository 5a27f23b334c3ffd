-- SPEC §9 forecasts: what each monthly cohort had realized by T, by month of life k (SPEC §4 `days`
-- periods, unit month: facts_all's k_month, the matrices' own period index, movements before t0 in period
-- 0). Read from facts_all (15_facts_all.sql: the movements already summed by cohort day and period), not
-- from the movements again. Params: $tenant.
-- Output: cohort VARCHAR (the cohort month's first day, YYYY-MM-DD), k INTEGER, revenue, proceeds, net_revenue DOUBLE
--   (sums in report-currency units, not cumulative; summed exactly in HUGEINT units, then DOUBLE: a DOUBLE sum
--   depends on the order DuckDB's threads add in).
SELECT
  strftime(date_trunc('month', cohort_day), '%Y-%m-%d') AS cohort,
  k_month AS k,
  CAST(sum(revenue) AS DOUBLE) / 1e14 AS revenue,
  CAST(sum(proceeds) AS DOUBLE) / 1e20 AS proceeds,
  CAST(sum(net_revenue) AS DOUBLE) / 1e26 AS net_revenue
FROM facts_all
WHERE tenant_id = CAST($tenant AS VARCHAR)
GROUP BY ALL
ORDER BY cohort, k
