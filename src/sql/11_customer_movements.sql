-- SPEC §4 periods, `days` type: a movement at local time t of a customer with first payment t0 lies in
-- period k when t0 + k·unit ≤ t < t0 + (k+1)·unit, unit added in local wall-clock time (DST-exact, month
-- ends clamped). k_day serves units day and week (k_week = k_day // 7, since t0 + 7k days = t0 + k weeks);
-- k_month serves month, quarter, year (t0 + n months is monotone in n, so k_quarter = k_month // 3).
-- Movements before t0 (an unlinked refund) count in every period: clamped to 0.
-- Output: table customer_movements(tenant_id, customer_id, cohort_day, k_day, k_month, renewal, revenue,
--   proceeds, net_revenue, is_payment, kind).
CREATE OR REPLACE TEMP TABLE customer_movements AS
WITH m AS (
  SELECT m.*, CAST(m.t AS TIMESTAMP) AS tl, c.t0_local, c.cohort_day
  FROM movements m
  JOIN customers_all c USING (tenant_id, customer_id)
),
d AS (
  SELECT *,
    date_diff('day', CAST(t0_local AS DATE), CAST(tl AS DATE))
      - CASE WHEN CAST(tl AS TIME) < CAST(t0_local AS TIME) THEN 1 ELSE 0 END AS days,
    (year(tl) - year(t0_local)) * 12 + month(tl) - month(t0_local) AS mdiff
  FROM m
)
SELECT
  tenant_id, customer_id, cohort_day,
  greatest(days, 0)::INTEGER AS k_day,
  greatest(mdiff - CASE WHEN t0_local + to_months(mdiff) > tl THEN 1 ELSE 0 END, 0)::INTEGER AS k_month,
  renewal, revenue, proceeds, net_revenue, is_payment, kind
FROM d
