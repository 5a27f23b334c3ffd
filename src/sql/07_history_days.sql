-- SPEC §5 snapshots (README "Outputs and layout"): each tenant's history of daily cohorts, read right after
-- ingest so a history whose day-by-day Adapty body passes the limit is refused before the expensive
-- stages (src/report/adaptyBodyLimit.ts). Valid payments up to T, before deduplication (a duplicate's time
-- can only make the history look longer). Params: $as_of (T, ISO 8601), $as_of_local (T's wall clock,
-- 07_as_of_wall.sql). Output: per tenant with a payment, tenant_id, first_day VARCHAR (its first payment's
-- local date) and days BIGINT (first_day to T's local date, both counted).
SELECT tenant_id, CAST(first_day AS VARCHAR) AS first_day,
  (date_diff('day', first_day, CAST(CAST($as_of_local AS TIMESTAMP) AS DATE)) + 1)::BIGINT AS days
FROM (
  SELECT tenant_id, CAST(ltv_local(min(event_time)) AS DATE) AS first_day
  FROM checked
  WHERE reason IS NULL AND amount > 0 AND NOT is_sandbox AND event_time <= CAST($as_of AS TIMESTAMPTZ)
  GROUP BY tenant_id
)
