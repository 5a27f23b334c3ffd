-- SPEC §2, §3, §4 refunds. The money movements that exist at T, in the report currency, each at the time
-- and renewal number it counts at. Params: $as_of (ISO 8601 text). Identifiers: {{rc}} as in 10_payments.sql.
-- Reads payments (08). Output: table refund_movements(tenant_id, customer_id, t TIMESTAMPTZ, renewal INTEGER,
--   revenue, proceeds, net_revenue (HUGEINT units, 02_macros.sql), moved_at TIMESTAMPTZ, is_payment, kind); with the
--   payments they make the view movements (12_movements_view.sql). `t` is when the money counts (a linked
--   refund: its payment's time); `moved_at` is when it moved (the refund's own time, or refunded_at): what existed
--   at an earlier cutoff (the forecast's backtest at C, SPEC §9) is what had moved by then.
CREATE OR REPLACE TEMP TABLE refund_movements AS
WITH refund_rows AS (
  SELECT
    r.src_row, r.tenant_id, r.customer_id, r.event_time, ltv_u4(r.amount) AS a4, r.currency, r.r10, r.refund_of,
    ltv_revenue(ltv_u4(r.amount), r.r10) AS revenue,
    ltv_proceeds(ltv_u4(r.amount), ltv_u4(r.proceeds), r.commission, r.r10) AS proceeds,
    CASE WHEN {{rc}} THEN ltv_net_portions(ltv_u4(r.amount), r.commission, r.tax, r.r10)
      ELSE ltv_net(ltv_u4(r.amount), ltv_u4(r.proceeds), ltv_u4(r.net_revenue), r.commission, r.tax, r.r10) END AS net_revenue
  FROM deduped r
  WHERE NOT r.is_sandbox AND r.event_time <= CAST($as_of AS TIMESTAMPTZ) AND r.amount < 0
),
refunded_payments AS (
  -- The few payments some refund names, found with a hash table of the refunds (not of every payment).
  SELECT p.* FROM payments p SEMI JOIN refund_rows r ON p.tenant_id = r.tenant_id AND p.transaction_id = r.refund_of
),
matched AS (
  SELECT r.*, p.customer_id AS p_customer, p.event_time AS p_time, p.renewal AS p_renewal, p.currency AS p_currency,
         p.r10 AS p_r10, p.a4 AS p_a4, p.proceeds AS p_proceeds, p.net_revenue AS p_net
  FROM refund_rows r
  LEFT JOIN refunded_payments p ON p.tenant_id = r.tenant_id AND p.transaction_id = r.refund_of
),
linked AS (
  -- A refund that refers to a payment counts at that payment's time and renewal number ("clawback"),
  -- converts at that payment's rate, and takes back proceeds and net in the amount's proportion.
  -- One in another currency converts at its own rate (README "Decisions"); the proportion is then of the
  -- converted amounts, a4·r10 ÷ p_a4·p_r10. Every payment's proceeds and net are an integer times p_r10
  -- (02_macros.sql), so that part ÷ p_r10 × r10 (the payment's proceeds at the refund's rate) in the
  -- proportion a4 ÷ p_a4 is the same number, exactly, with products no larger than the same-currency ones.
  -- Several refunds of one payment take back cumulatively: the k-th takes prop(refunds 1..k) − prop(1..k−1),
  -- in the order they moved, so together they take back exactly what one refund of their sum would (three
  -- refunds of a third each net the payment's proceeds to exactly 0; each rounded alone, they left 10⁻²⁰
  -- units over, which turned a cell of exactly −0.005 into 0.00). Refunds at another rate telescope among
  -- those of that rate. A payment's only refund takes prop(its amount), as before.
  SELECT
    tenant_id, p_customer AS customer_id, p_time AS t, p_renewal AS renewal,
    CASE WHEN same THEN ltv_revenue(a4, p_r10) ELSE revenue END AS revenue,
    ltv_prop(base_proceeds, upto, p_a4) - ltv_prop(base_proceeds, upto - a4, p_a4) AS proceeds,
    ltv_prop(base_net, upto, p_a4) - ltv_prop(base_net, upto - a4, p_a4) AS net_revenue,
    event_time AS moved_at
  FROM (
    SELECT *,
      CASE WHEN same THEN p_proceeds ELSE p_proceeds // p_r10 * r10 END AS base_proceeds,
      CASE WHEN same THEN p_net ELSE p_net // p_r10 * r10 END AS base_net,
      sum(a4) OVER (PARTITION BY tenant_id, refund_of, same, CASE WHEN same THEN NULL ELSE r10 END
                    ORDER BY event_time, src_row ROWS UNBOUNDED PRECEDING) AS upto
    FROM (SELECT *, currency = p_currency AS same FROM matched WHERE p_time IS NOT NULL)
  )
),
refunded_at AS (
  -- refunded_at on a payment: as if a refund row of −amount at that time referred to it.
  SELECT tenant_id, customer_id, event_time AS t, renewal, -revenue AS revenue, -proceeds AS proceeds, -net_revenue AS net_revenue,
    refunded_at AS moved_at
  FROM payments
  WHERE refunded_at IS NOT NULL AND refunded_at <= CAST($as_of AS TIMESTAMPTZ)
),
unlinked AS (
  -- A refund that refers to nothing counts at its own time, with the renewal number of the customer's
  -- latest payment before it (0 when there is none). Payments are in the order renewal numbers are derived
  -- in (10_payments.sql: time, transaction_id, reading order), so of several payments at the latest instant
  -- the last in that order is the latest: one per instant goes into the ASOF join, which would otherwise
  -- take any of them (the renewal then followed the order of the file's lines).
  SELECT u.tenant_id, u.customer_id, u.event_time AS t, coalesce(p.renewal, 0) AS renewal,
         u.revenue, u.proceeds, u.net_revenue, u.event_time AS moved_at
  FROM (SELECT * FROM matched WHERE p_time IS NULL) u
  ASOF LEFT JOIN (
    -- Only the payments of customers with such a refund go into the ASOF join's sort.
    SELECT p.tenant_id, p.customer_id, p.event_time, p.renewal
    FROM payments p SEMI JOIN matched m ON m.p_time IS NULL AND p.tenant_id = m.tenant_id AND p.customer_id = m.customer_id
    QUALIFY row_number() OVER (PARTITION BY p.tenant_id, p.customer_id, p.event_time ORDER BY p.transaction_id DESC NULLS FIRST, p.src_row DESC) = 1
  ) p ON p.tenant_id = u.tenant_id AND p.customer_id = u.customer_id AND u.event_time > p.event_time
)
SELECT *, FALSE AS is_payment, 'refund_linked' AS kind FROM linked
UNION ALL SELECT *, FALSE, 'refund_linked' FROM refunded_at
UNION ALL SELECT *, FALSE, 'refund_unlinked' FROM unlinked
