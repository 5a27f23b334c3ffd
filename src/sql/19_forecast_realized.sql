-- SPEC §9 forecasts: what each monthly cohort of each forecast tenant had realized by T, by month of life k
-- (SPEC §4 `days` periods, unit month: facts_all's k_month, the matrices' own period index, movements before
-- t0 in period 0). Read from facts_all (15_facts_all.sql: the movements already summed by cohort day and
-- period), not from the movements again. No params; reads forecast_tenants (16_forecast_tenants.sql).
-- Output: tenant_no INTEGER, cohort VARCHAR (the cohort month's first day, YYYY-MM-DD), k INTEGER, revenue,
--   proceeds, net_revenue DOUBLE (sums in report-currency units, not cumulative; summed exactly in HUGEINT
--   units, then DOUBLE: a DOUBLE sum depends on the order DuckDB's threads add in).
SELECT
  f.tenant_no,
  strftime(date_trunc('month', fa.cohort_day), '%Y-%m-%d') AS cohort,
  fa.k_month AS k,
  CAST(sum(fa.revenue) AS DOUBLE) / 1e14 AS revenue,
  CAST(sum(fa.proceeds) AS DOUBLE) / 1e20 AS proceeds,
  CAST(sum(fa.net_revenue) AS DOUBLE) / 1e26 AS net_revenue
FROM facts_all fa
JOIN forecast_tenants f USING (tenant_id)
GROUP BY ALL
ORDER BY f.tenant_no, cohort, k
