-- SPEC §5 snapshots (README "Outputs and layout"): each tenant's daily cohorts at T, read once the customers
-- are known (14_customers_all.sql) and before any matrix is computed, so a history whose day-by-day Adapty
-- body passes the limit is refused before the expensive stages (src/report/adaptyBodyLimit.ts): that body
-- has a row per cohort day with a period per day from it to T, and a Total row with a period per day from
-- the first. Params: $as_of (T, ISO 8601), $as_of_local (T's wall clock, 07_as_of_wall.sql).
-- Output: per tenant with a customer, tenant_id, first_day VARCHAR (its first cohort day), days BIGINT
-- (first_day to T's local date, both counted), cohorts BIGINT (days with a cohort), cells BIGINT (the
-- periods of its cohort rows and of its Total row, each counted once per accounting type).
SELECT tenant_id, CAST(min(cohort_day) AS VARCHAR) AS first_day,
  (date_diff('day', min(cohort_day), t_day) + 1)::BIGINT AS days,
  count(*)::BIGINT AS cohorts,
  (sum(date_diff('day', cohort_day, t_day) + 1) + date_diff('day', min(cohort_day), t_day) + 1)::BIGINT AS cells
FROM (
  SELECT DISTINCT tenant_id, cohort_day, CAST(CAST($as_of_local AS TIMESTAMP) AS DATE) AS t_day
  FROM customers_all
  WHERE t0 <= CAST($as_of AS TIMESTAMPTZ)
)
GROUP BY tenant_id, t_day
