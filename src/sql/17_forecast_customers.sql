-- SPEC §9 forecasts: one row per customer of the current tenant whose first payment is at or before the
-- cutoff C, summarised from the movements up to C (C = T for the forecast, T − h for its backtest).
-- Params: $cutoff (ISO 8601 text). Reads customers_all (10_customers.sql), attr_sets (10_first_payments.sql),
-- movements (09_movements_view.sql), current_tenant(t).
-- Purchases are counted by local day (several payments on one day are one transaction, as in Fader,
-- Hardie & Lee's CDNOW summary). Times are local wall-clock milliseconds since 1970 (a naive TIMESTAMP's
-- epoch): month arithmetic happens on the local calendar, as SPEC §4 periods do.
-- Identifiers: {{dims}} the attribute columns wanted, each `a.<dimension>, ` (forecastData.ts).
-- Output: cohort_day VARCHAR (YYYY-MM-DD), t0_ms DOUBLE, <dims>,
--   purchase_days INTEGER (distinct local days with a payment), last_day_ms DOUBLE (the last such day's
--   local midnight), first_day_revenue DOUBLE, repeat_revenue DOUBLE (payments after the first day),
--   payments INTEGER, max_renewal INTEGER, last_payment_ms DOUBLE, renewal_revenue DOUBLE (payments with
--   renewal ≥ 1), renewal_payments INTEGER, revenue, proceeds, net_revenue DOUBLE (every movement up to C,
--   refunds included, in report-currency units).
WITH c AS (
  SELECT customer_id, t0_local, cohort_day, attr_id
  FROM customers_all
  WHERE tenant_id = (SELECT t FROM current_tenant) AND t0 <= CAST($cutoff AS TIMESTAMPTZ)
),
m AS (
  SELECT mv.customer_id, ltv_local(mv.t) AS tl, mv.renewal, mv.is_payment,
    CAST(mv.revenue AS DOUBLE) / 1e14 AS revenue, CAST(mv.proceeds AS DOUBLE) / 1e20 AS proceeds,
    CAST(mv.net_revenue AS DOUBLE) / 1e26 AS net_revenue
  FROM movements mv
  WHERE mv.tenant_id = (SELECT t FROM current_tenant) AND mv.t <= CAST($cutoff AS TIMESTAMPTZ)
),
per AS (
  SELECT m.customer_id,
    count(DISTINCT CAST(m.tl AS DATE)) FILTER (WHERE m.is_payment)::INTEGER AS purchase_days,
    max(CAST(m.tl AS DATE)) FILTER (WHERE m.is_payment) AS last_day,
    min(CAST(m.tl AS DATE)) FILTER (WHERE m.is_payment) AS first_day,
    count(*) FILTER (WHERE m.is_payment)::INTEGER AS payments,
    max(m.renewal) FILTER (WHERE m.is_payment)::INTEGER AS max_renewal,
    max(m.tl) FILTER (WHERE m.is_payment) AS last_payment,
    coalesce(sum(m.revenue) FILTER (WHERE m.is_payment AND m.renewal >= 1), 0) AS renewal_revenue,
    count(*) FILTER (WHERE m.is_payment AND m.renewal >= 1)::INTEGER AS renewal_payments,
    sum(m.revenue) AS revenue, sum(m.proceeds) AS proceeds, sum(m.net_revenue) AS net_revenue
  FROM m
  GROUP BY m.customer_id
),
days AS (
  SELECT m.customer_id, CAST(m.tl AS DATE) AS d, sum(m.revenue) AS revenue
  FROM m
  WHERE m.is_payment
  GROUP BY ALL
),
spend AS (
  SELECT d.customer_id,
    sum(d.revenue) FILTER (WHERE d.d = p.first_day) AS first_day_revenue,
    coalesce(sum(d.revenue) FILTER (WHERE d.d > p.first_day), 0) AS repeat_revenue
  FROM days d JOIN per p USING (customer_id)
  GROUP BY d.customer_id
)
SELECT
  strftime(c.cohort_day, '%Y-%m-%d') AS cohort_day, CAST(epoch_ms(c.t0_local) AS DOUBLE) AS t0_ms, {{dims}}
  coalesce(p.purchase_days, 0) AS purchase_days,
  CAST(epoch_ms(CAST(p.last_day AS TIMESTAMP)) AS DOUBLE) AS last_day_ms,
  coalesce(s.first_day_revenue, 0) AS first_day_revenue, coalesce(s.repeat_revenue, 0) AS repeat_revenue,
  coalesce(p.payments, 0) AS payments, coalesce(p.max_renewal, 0) AS max_renewal,
  CAST(epoch_ms(p.last_payment) AS DOUBLE) AS last_payment_ms,
  coalesce(p.renewal_revenue, 0) AS renewal_revenue, coalesce(p.renewal_payments, 0) AS renewal_payments,
  coalesce(p.revenue, 0) AS revenue, coalesce(p.proceeds, 0) AS proceeds, coalesce(p.net_revenue, 0) AS net_revenue
FROM c
JOIN attr_sets a USING (attr_id)
LEFT JOIN per p USING (customer_id)
LEFT JOIN spend s USING (customer_id)
ORDER BY c.cohort_day, t0_ms, c.customer_id
