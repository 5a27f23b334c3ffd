-- SPEC §9 `prediction_months` on a filtered request (src/serve/servedForecast.ts): what each monthly cohort's
-- kept customers realized by T, by month of life k, as 19_forecast_realized.sql reads it for the run's own
-- forecast (the same sums of the same facts: a filter that keeps everyone gives the run's numbers), here
-- from a published run's facts (queryRun.ts loads them) kept as 23_matrix.sql keeps them.
-- Params: $date_from/$date_to the first payments' local dates kept (inclusive), or NULL for every date;
--   $kept BOOLEAN[] (31_attr_kept.sql's answer) or NULL when there are no attribute filters.
-- Output: cohort VARCHAR (the cohort month's first day, YYYY-MM-DD), k INTEGER, revenue, proceeds,
--   net_revenue DOUBLE (sums in report-currency units, not cumulative; summed exactly in HUGEINT units).
SELECT
  strftime(date_trunc('month', cohort_day), '%Y-%m-%d') AS cohort,
  k_month AS k,
  CAST(sum(revenue) AS DOUBLE) / 1e14 AS revenue,
  CAST(sum(proceeds) AS DOUBLE) / 1e20 AS proceeds,
  CAST(sum(net_revenue) AS DOUBLE) / 1e26 AS net_revenue
FROM facts
WHERE (CAST($date_from AS DATE) IS NULL OR cohort_day BETWEEN CAST($date_from AS DATE) AND CAST($date_to AS DATE))
  AND (CAST($kept AS BOOLEAN[]) IS NULL OR list_extract(CAST($kept AS BOOLEAN[]), attr_id))
GROUP BY ALL
ORDER BY cohort, k
