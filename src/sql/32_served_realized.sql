-- SPEC §9 `prediction_months` on a filtered request (src/serve/servedForecast.ts): what each monthly cohort's
-- kept customers realized by T, by month of life k, as 19_forecast_realized.sql reads it for the run's own
-- forecast (the same sums of the same facts: a filter that keeps everyone gives the run's numbers), here
-- from a published run's facts (queryRun.ts loads them) kept as 23_matrix.sql keeps them, and by the
-- answer's row where its rows group customers otherwise than by monthly cohort.
-- Params: $date_from/$date_to the first payments' local dates kept (inclusive), or NULL for every date;
--   $kept BOOLEAN[] (31_attr_kept.sql's answer) or NULL when there are no attribute filters; $rows_by NULL
--   (rows are the monthly cohorts), a unit ('day', 'week', 'month', 'quarter', 'year': rows are cohorts by
--   it, titled by their first day) or a dimension column (rows are its values, 'unknown' where absent:
--   23_matrix.sql's attr_long).
-- Output: row_key VARCHAR ('' when $rows_by is NULL), cohort VARCHAR (the cohort month's first day,
--   YYYY-MM-DD), k INTEGER, revenue, proceeds, net_revenue DOUBLE (sums in report-currency units, not
--   cumulative; summed exactly in HUGEINT units).
WITH kept AS (
  -- The kept facts with their row's key and monthly cohort.
  SELECT
    CASE
      WHEN CAST($rows_by AS VARCHAR) IS NULL THEN ''
      -- date_trunc's unit is checked even where the branch is not taken (DuckDB folds the constant): a
      -- dimension's name is never handed to it.
      WHEN CAST($rows_by AS VARCHAR) IN ('day', 'week', 'month', 'quarter', 'year') THEN strftime(ltv_unit_start(
        CASE WHEN CAST($rows_by AS VARCHAR) IN ('day', 'week', 'month', 'quarter', 'year') THEN CAST($rows_by AS VARCHAR) ELSE 'day' END, f.cohort_day), '%Y-%m-%d')
      ELSE coalesce(CASE CAST($rows_by AS VARCHAR)
        WHEN 'product_id' THEN a.product_id WHEN 'duration' THEN a.duration WHEN 'store' THEN a.store
        WHEN 'country' THEN a.country WHEN 'paywall' THEN a.paywall WHEN 'paywalls_group' THEN a.paywalls_group
        WHEN 'audience' THEN a.audience WHEN 'placement' THEN a.placement END, 'unknown')
    END AS row_key,
    strftime(date_trunc('month', f.cohort_day), '%Y-%m-%d') AS cohort, f.k_month, f.revenue, f.proceeds, f.net_revenue
  FROM facts f
  JOIN attr_sets a USING (attr_id)
  WHERE (CAST($date_from AS DATE) IS NULL OR f.cohort_day BETWEEN CAST($date_from AS DATE) AND CAST($date_to AS DATE))
    AND (CAST($kept AS BOOLEAN[]) IS NULL OR list_extract(CAST($kept AS BOOLEAN[]), f.attr_id))
)
SELECT row_key, cohort, k_month AS k,
  CAST(sum(revenue) AS DOUBLE) / 1e14 AS revenue, CAST(sum(proceeds) AS DOUBLE) / 1e20 AS proceeds,
  CAST(sum(net_revenue) AS DOUBLE) / 1e26 AS net_revenue
FROM kept
GROUP BY ALL
ORDER BY ALL
