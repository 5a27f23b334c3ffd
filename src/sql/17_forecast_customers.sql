-- SPEC §9 forecasts, BG/NBD (repeat purchases): one row per customer of each forecast tenant whose first
-- payment is at or before T, summarised from its movements up to T and, in the columns ending in _c, up to
-- its tenant's backtest cutoff C (customers who started after C have started_c 0; a refund is in by C when it
-- was made by then, `moved_at`, not when it counts): one pass over the movements for every tenant and both
-- times. An sBG forecast reads 18_forecast_subscribers.sql instead
-- (its own columns, one group per customer). Each statement gives only the columns its model reads: the
-- result stays in DuckDB's memory, counted against its limit, while the matrices are computed, and is read
-- into typed arrays held through them (src/forecast/forecastData.ts).
-- Params: $cutoff (T), ISO 8601 text. Reads forecast_tenants (16_forecast_tenants.sql: which tenants, and
-- each one's C), customers_all (14_customers_all.sql), movements (12_movements_view.sql).
-- Purchases are counted by local day (several payments on one day are one transaction, as in Fader,
-- Hardie & Lee's CDNOW summary). Times are local wall-clock milliseconds since 1970 (a naive TIMESTAMP's
-- epoch): month arithmetic happens on the local calendar, as SPEC §4 periods do.
-- Money is summed exactly in the movements' HUGEINT units (02_macros.sql) and turned into DOUBLE once, per
-- customer: DOUBLE sums depend on the order DuckDB's threads add them in, which made the same run give
-- different fits (SPEC §9: the same run gives the same numbers).
-- Cost (a million payments): grouping by customer and day is most of it, so it groups by the customer's
-- row number in customers_all (k), not its text id, and carries no money: a customer's distinct days (d,
-- then dk) apart from its sums (mk, by customer alone). The first day is the cohort day (t0 is the first
-- payment), so its revenue is a filtered sum, not an arg_min over days. The refunds, few, are summed apart
-- by customer (r). CDNOW ×15 (1,043,685 payments, 352,530 customers; 7 runs each on the run's own tables):
-- 1.38 CPU-s (median) when every day carried its two sums, 1.19 CPU-s so; the same output to the bit.
-- Output: tenant_no INTEGER (forecast_tenants'), cohort_day_ms DOUBLE (the local cohort day's midnight), t0_ms DOUBLE, attr_id DOUBLE (attr_sets'
--   row: the duration is read from there, not once per customer), started_c INTEGER (1: yes), and at T (at C):
--   purchase_days INTEGER (distinct local days with a payment), last_day_ms DOUBLE (the last such day's
--   local midnight), first_day_revenue DOUBLE, repeat_revenue DOUBLE (payments after the first day),
--   revenue DOUBLE (every movement, refunds included, in report-currency units).
WITH c AS (
  SELECT ca.rowid AS k, f.tenant_no, ca.tenant_id, ca.customer_id, ca.t0_local, ca.cohort_day, ca.attr_id, f.backtest,
    CAST(ca.t0 <= f.backtest AS INTEGER) AS started_c
  FROM customers_all ca
  JOIN forecast_tenants f USING (tenant_id)
  WHERE ca.t0 <= CAST($cutoff AS TIMESTAMPTZ)
),
m AS (
  SELECT c.k, c.cohort_day, CAST(ltv_local(mv.t) AS DATE) AS day, mv.t <= c.backtest AS pre, mv.revenue
  FROM movements mv
  JOIN c USING (tenant_id, customer_id)
  WHERE mv.t <= CAST($cutoff AS TIMESTAMPTZ) AND mv.is_payment
),
-- Each customer's local days with a payment, and whether one of them was before C (C may fall within a day).
d AS (
  SELECT k, day, bool_or(pre) AS pre
  FROM m
  GROUP BY ALL
),
dk AS (
  SELECT k,
    count(*)::INTEGER AS purchase_days, count(*) FILTER (WHERE pre)::INTEGER AS purchase_days_c,
    max(day) AS last_day, max(day) FILTER (WHERE pre) AS last_day_c
  FROM d
  GROUP BY k
),
-- Each customer's payments: on its first day (the cohort day; before C, the first day's part before C,
-- as the first day with a payment before C is the cohort day when the customer started by C), and in all.
mk AS (
  SELECT k,
    sum(revenue) FILTER (WHERE day = cohort_day) AS first_day_revenue,
    sum(revenue) FILTER (WHERE pre AND day = cohort_day) AS first_day_revenue_c,
    sum(revenue) AS pay_revenue, sum(revenue) FILTER (WHERE pre) AS pay_revenue_c
  FROM m
  GROUP BY k
),
r AS (
  SELECT mv.tenant_id, mv.customer_id, sum(mv.revenue) AS refunds, sum(mv.revenue) FILTER (WHERE mv.moved_at <= f.backtest) AS refunds_c
  FROM movements mv
  JOIN forecast_tenants f USING (tenant_id)
  WHERE mv.t <= CAST($cutoff AS TIMESTAMPTZ) AND NOT mv.is_payment
  GROUP BY ALL
),
p AS (
  SELECT * FROM dk JOIN mk USING (k)
)
SELECT
  c.tenant_no,
  CAST(epoch_ms(CAST(c.cohort_day AS TIMESTAMP)) AS DOUBLE) AS cohort_day_ms, CAST(epoch_ms(c.t0_local) AS DOUBLE) AS t0_ms,
  CAST(c.attr_id AS DOUBLE) AS attr_id, c.started_c,
  coalesce(p.purchase_days, 0) AS purchase_days, coalesce(p.purchase_days_c, 0) AS purchase_days_c,
  CAST(epoch_ms(CAST(p.last_day AS TIMESTAMP)) AS DOUBLE) AS last_day_ms,
  CAST(epoch_ms(CAST(p.last_day_c AS TIMESTAMP)) AS DOUBLE) AS last_day_ms_c,
  coalesce(CAST(p.first_day_revenue AS DOUBLE) / 1e14, 0) AS first_day_revenue,
  coalesce(CAST(p.first_day_revenue_c AS DOUBLE) / 1e14, 0) AS first_day_revenue_c,
  coalesce(CAST(p.pay_revenue - p.first_day_revenue AS DOUBLE) / 1e14, 0) AS repeat_revenue,
  coalesce(CAST(p.pay_revenue_c - p.first_day_revenue_c AS DOUBLE) / 1e14, 0) AS repeat_revenue_c,
  coalesce(CAST(coalesce(p.pay_revenue, 0) + coalesce(r.refunds, 0) AS DOUBLE) / 1e14, 0) AS revenue,
  coalesce(CAST(coalesce(p.pay_revenue_c, 0) + coalesce(r.refunds_c, 0) AS DOUBLE) / 1e14, 0) AS revenue_c
FROM c
LEFT JOIN p USING (k)
LEFT JOIN r USING (tenant_id, customer_id)
-- By tenant, then cohort day, first payment and customer (the bootstrap's draws index this order): t0_ms
-- alone orders the days too, the cohort day being t0's local date.
ORDER BY c.tenant_no, t0_ms, c.customer_id
