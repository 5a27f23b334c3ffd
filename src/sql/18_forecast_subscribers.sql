-- SPEC §9 forecasts, sBG (subscriptions): one row per customer of each forecast tenant whose first payment
-- is at or before T, summarised from its movements up to T and, in the columns ending in _c, up to its
-- tenant's backtest cutoff C (customers who started after C have started_c 0; a movement is in by C when
-- its money had moved by then, `moved_at`: a refund after C of a payment before C is not, as for a run as
-- of C). A BG/NBD forecast reads
-- 17_forecast_customers.sql instead; sBG counts renewals, not days, so one group per customer, and of 17's
-- columns only those sBG reads (the result is held while the matrices are computed: at 10 M rows, 2.5
-- million customers): first_day_revenue is every payment's revenue here, and there is no purchase_days,
-- last_day_ms or repeat_revenue. One aggregation, not 17's two (by day, then by customer): about a third of
-- the forecast's read time at 1 M rows.
-- Params: $cutoff (T), ISO 8601 text. Reads forecast_tenants (16_forecast_tenants.sql: which tenants, and
-- each one's C), customers_all (14_customers_all.sql), movements (12_movements_view.sql). Money is summed
-- exactly in the movements' HUGEINT units (02_macros.sql) and turned into DOUBLE once per customer
-- (17_forecast_customers.sql says why).
-- Output: tenant_no INTEGER, cohort_day_ms DOUBLE, t0_ms DOUBLE, attr_id DOUBLE, started_c INTEGER (as in
--   17_forecast_customers.sql), and at T (at C): first_day_revenue DOUBLE (every payment's revenue),
--   payments INTEGER, max_renewal INTEGER (the highest renewal number among its payments), last_payment_ms
--   DOUBLE (the latest payment's local wall clock), renewal_revenue DOUBLE and renewal_payments INTEGER
--   (payments with renewal ≥ 1), revenue DOUBLE (every movement, refunds included).
WITH c AS (
  SELECT f.tenant_no, ca.tenant_id, ca.customer_id, ca.t0_local, ca.cohort_day, ca.attr_id, CAST(ca.t0 <= f.backtest AS INTEGER) AS started_c
  FROM customers_all ca
  JOIN forecast_tenants f USING (tenant_id)
  WHERE ca.t0 <= CAST($cutoff AS TIMESTAMPTZ)
),
m AS (
  SELECT mv.tenant_id, mv.customer_id, ltv_local(mv.t) AS tl, mv.renewal, mv.is_payment, mv.moved_at <= f.backtest AS pre, mv.revenue
  FROM movements mv
  JOIN forecast_tenants f USING (tenant_id)
  WHERE mv.t <= CAST($cutoff AS TIMESTAMPTZ)
),
p AS (
  -- Each column as the output has it: every customer has its first payment among the movements, so each
  -- has a row here; a sum over no movement (before C) is 0.
  SELECT tenant_id, customer_id,
    coalesce(CAST(sum(revenue) FILTER (WHERE is_payment) AS DOUBLE) / 1e14, 0) AS first_day_revenue,
    coalesce(CAST(sum(revenue) FILTER (WHERE is_payment AND pre) AS DOUBLE) / 1e14, 0) AS first_day_revenue_c,
    count(*) FILTER (WHERE is_payment)::INTEGER AS payments, count(*) FILTER (WHERE is_payment AND pre)::INTEGER AS payments_c,
    coalesce(max(renewal) FILTER (WHERE is_payment), 0)::INTEGER AS max_renewal,
    coalesce(max(renewal) FILTER (WHERE is_payment AND pre), 0)::INTEGER AS max_renewal_c,
    -- The latest wall clock, as 23 (not the latest instant's: a fall-back hour repeats wall-clock times).
    CAST(epoch_ms(max(tl) FILTER (WHERE is_payment)) AS DOUBLE) AS last_payment_ms,
    CAST(epoch_ms(max(tl) FILTER (WHERE is_payment AND pre)) AS DOUBLE) AS last_payment_ms_c,
    coalesce(CAST(sum(revenue) FILTER (WHERE is_payment AND renewal >= 1) AS DOUBLE) / 1e14, 0) AS renewal_revenue,
    coalesce(CAST(sum(revenue) FILTER (WHERE is_payment AND renewal >= 1 AND pre) AS DOUBLE) / 1e14, 0) AS renewal_revenue_c,
    count(*) FILTER (WHERE is_payment AND renewal >= 1)::INTEGER AS renewal_payments,
    count(*) FILTER (WHERE is_payment AND renewal >= 1 AND pre)::INTEGER AS renewal_payments_c,
    coalesce(CAST(sum(revenue) AS DOUBLE) / 1e14, 0) AS revenue,
    coalesce(CAST(sum(revenue) FILTER (WHERE pre) AS DOUBLE) / 1e14, 0) AS revenue_c
  FROM m
  GROUP BY tenant_id, customer_id
)
SELECT
  c.tenant_no,
  CAST(epoch_ms(CAST(c.cohort_day AS TIMESTAMP)) AS DOUBLE) AS cohort_day_ms, CAST(epoch_ms(c.t0_local) AS DOUBLE) AS t0_ms,
  CAST(c.attr_id AS DOUBLE) AS attr_id, c.started_c, p.* EXCLUDE (tenant_id, customer_id)
FROM c
JOIN p USING (tenant_id, customer_id)
-- By tenant, then cohort day, first payment and customer (the bootstrap's draws index this order): t0_ms
-- alone orders the days too, the cohort day being t0's local date.
ORDER BY c.tenant_no, t0_ms, c.customer_id
