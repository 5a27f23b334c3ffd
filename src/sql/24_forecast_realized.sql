-- SPEC §9 forecasts: what each monthly cohort (of customers whose first payment is at or before the cutoff
-- C) had realized by C, by month of life k (SPEC §4 `days` periods, unit month: k = the whole local months
-- from t0 to the movement, movements before t0 in period 0). Params: $tenant, $cutoff (ISO 8601 text). Reads
-- customers_all, movements.
-- Output: cohort VARCHAR (the cohort month's first day, YYYY-MM-DD), k INTEGER, revenue, proceeds, net_revenue DOUBLE
--   (sums in report-currency units, not cumulative; summed exactly in HUGEINT units, then DOUBLE: a DOUBLE sum
--   depends on the order DuckDB's threads add in).
SELECT
  strftime(date_trunc('month', c.cohort_day), '%Y-%m-%d') AS cohort,
  greatest(ltv_months_until(c.t0_local, ltv_local(mv.t)), 0)::INTEGER AS k,
  CAST(sum(mv.revenue) AS DOUBLE) / 1e14 AS revenue,
  CAST(sum(mv.proceeds) AS DOUBLE) / 1e20 AS proceeds,
  CAST(sum(mv.net_revenue) AS DOUBLE) / 1e26 AS net_revenue
FROM movements mv
JOIN customers_all c USING (tenant_id, customer_id)
WHERE mv.tenant_id = CAST($tenant AS VARCHAR) AND mv.t <= CAST($cutoff AS TIMESTAMPTZ)
  AND c.t0 <= CAST($cutoff AS TIMESTAMPTZ)
GROUP BY ALL
ORDER BY cohort, k
