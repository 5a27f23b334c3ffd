-- SPEC §5 snapshots (README "Outputs and layout"): each tenant's day-by-day Adapty bodies at T, sized once the
-- customers are known (14_customers_all.sql) and before any matrix is computed, so a history whose
-- day-by-day body passes the limit is refused before the expensive stages (src/report/adaptyBodyLimit.ts).
-- A day-unit body has a row per cohort day (days-day-cohort) or per attribute value (days-day-product, …),
-- each with a period per day from its first cohort day to T, and a Total row with a period per day from the
-- tenant's first. The attribute kinds are 23_matrix.sql's (product for product_id and store_product_id).
-- Params: $as_of (T, ISO 8601), $as_of_local (T's wall clock, 07_as_of_wall.sql).
-- Output: per tenant with a customer and body kind ('cohort', or the attribute kind), tenant_id, kind,
-- first_day VARCHAR (the tenant's first cohort day), days BIGINT (first_day to T's local date, both counted),
-- rows BIGINT (the body's rows but Total), cells BIGINT (the periods of those rows and of the Total row),
-- digits BIGINT (the decimal digits of those periods' numbers: period k has length(k) of them).
WITH
seen AS (
  SELECT tenant_id, cohort_day, attr_id, CAST(CAST($as_of_local AS TIMESTAMP) AS DATE) AS t_day
  FROM customers_all
  WHERE t0 <= CAST($as_of AS TIMESTAMPTZ)
),
tuple_days AS (
  -- Each attribute tuple's first cohort day (a few rows per tuple, not per customer, reach the unnest).
  SELECT tenant_id, attr_id, t_day, min(cohort_day) AS first_day FROM seen GROUP BY ALL
),
body_rows AS (
  SELECT DISTINCT tenant_id, 'cohort' AS kind, cohort_day AS first_day, t_day FROM seen
  UNION ALL
  SELECT tenant_id, kind, min(first_day) AS first_day, t_day
  FROM (
    SELECT d.tenant_id, d.t_day, d.first_day,
      unnest(['country', 'product', 'paywall', 'paywalls_group', 'audience', 'placement', 'duration', 'store']) AS kind,
      unnest([a.country, a.product_id, a.paywall, a.paywalls_group, a.audience, a.placement, a.duration, a.store]) AS seg
    FROM tuple_days d JOIN attr_sets a USING (attr_id)
  )
  GROUP BY tenant_id, kind, coalesce(seg, 'unknown'), t_day
),
sized AS (
  -- A row of n periods (0 … n − 1) has n + Σⱼ max(0, n − 10ʲ) digits in its period numbers.
  SELECT *, n + greatest(0, n - 10) + greatest(0, n - 100) + greatest(0, n - 1000) + greatest(0, n - 10000)
      + greatest(0, n - 100000) + greatest(0, n - 1000000) AS d
  FROM (SELECT *, date_diff('day', first_day, t_day) + 1 AS n FROM body_rows)
),
bodies AS (
  SELECT tenant_id, kind, t_day, count(*)::BIGINT AS rows, sum(n)::BIGINT AS cells, sum(d)::BIGINT AS digits
  FROM sized GROUP BY ALL
),
tenants AS (
  SELECT tenant_id, min(first_day) AS first_day, max(n) AS n, arg_max(d, n) AS d FROM sized WHERE kind = 'cohort' GROUP BY ALL
)
SELECT b.tenant_id, b.kind, CAST(t.first_day AS VARCHAR) AS first_day, t.n::BIGINT AS days, b.rows,
  (b.cells + t.n)::BIGINT AS cells, (b.digits + t.d)::BIGINT AS digits
FROM bodies b JOIN tenants t USING (tenant_id)
ORDER BY b.tenant_id, b.kind
