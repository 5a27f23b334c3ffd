-- SPEC §2, §3, §4 refunds. The money movements that exist at T, in the report currency, each at the time
-- and renewal number it counts at. Params: $as_of (ISO 8601 text).
-- Output: table movements(tenant_id, customer_id, t TIMESTAMPTZ, renewal INTEGER, revenue, proceeds,
--   net_revenue DECIMAL(18,8), is_payment BOOLEAN, kind VARCHAR) and, for customers, table payments.
CREATE OR REPLACE TABLE movements AS
WITH live AS (
  -- Sandbox rows are excluded; transactions after T do not exist for this run.
  SELECT * FROM deduped WHERE NOT is_sandbox AND event_time <= CAST($as_of AS TIMESTAMPTZ)
),
pay AS (
  SELECT
    tenant_id, customer_id, transaction_id, event_time, currency, rate, amount,
    -- Renewal numbers: given, else derived per (customer, product) from the order of payments.
    coalesce(renewal_number, (row_number() OVER (
      PARTITION BY tenant_id, customer_id, product_id ORDER BY event_time, transaction_id, file_idx, line) - 1)::INTEGER) AS renewal,
    refunded_at,
    ltv_convert(amount, rate) AS revenue,
    -- proceeds = amount × (1 − c/100); net = proceeds × (1 − t/100); either may be given directly.
    ltv_convert(coalesce(proceeds, ltv_pct_off(amount, commission)), rate) AS proceeds,
    ltv_convert(coalesce(net_revenue, ltv_pct_off(coalesce(proceeds, ltv_pct_off(amount, commission)), tax)), rate) AS net_revenue
  FROM live
  WHERE amount > 0
),
refund_rows AS (
  SELECT
    r.tenant_id, r.customer_id, r.event_time, r.amount, r.currency, r.rate, r.refund_of,
    ltv_convert(r.amount, r.rate) AS revenue,
    ltv_convert(coalesce(r.proceeds, ltv_pct_off(r.amount, r.commission)), r.rate) AS proceeds,
    ltv_convert(coalesce(r.net_revenue, ltv_pct_off(coalesce(r.proceeds, ltv_pct_off(r.amount, r.commission)), r.tax)), r.rate) AS net_revenue
  FROM live r
  WHERE r.amount < 0
),
linked AS (
  -- A refund that refers to a payment counts at that payment's time and renewal number ("clawback"),
  -- converts at that payment's rate, and takes back proceeds and net in the amount's proportion.
  SELECT
    p.tenant_id, p.customer_id, p.event_time AS t, p.renewal,
    CASE WHEN r.currency = p.currency THEN ltv_convert(r.amount, p.rate) ELSE r.revenue END AS revenue,
    ltv_scale(p.proceeds, r.amount, p.amount) AS proceeds,
    ltv_scale(p.net_revenue, r.amount, p.amount) AS net_revenue
  FROM refund_rows r
  JOIN pay p ON p.tenant_id = r.tenant_id AND p.transaction_id = r.refund_of
),
refunded_at AS (
  -- refunded_at on a payment: as if a refund row of −amount at that time referred to it.
  SELECT tenant_id, customer_id, event_time AS t, renewal, -revenue AS revenue, -proceeds AS proceeds, -net_revenue AS net_revenue
  FROM pay
  WHERE refunded_at IS NOT NULL AND refunded_at <= CAST($as_of AS TIMESTAMPTZ)
),
unlinked AS (
  SELECT r.*
  FROM refund_rows r
  WHERE r.refund_of IS NULL
     OR NOT EXISTS (SELECT 1 FROM pay p WHERE p.tenant_id = r.tenant_id AND p.transaction_id = r.refund_of)
),
unlinked_rn AS (
  -- A refund that refers to nothing counts at its own time, with the renewal number of the customer's
  -- latest payment before it (0 when there is none).
  SELECT u.tenant_id, u.customer_id, u.event_time AS t, coalesce(p.renewal, 0) AS renewal,
         u.revenue, u.proceeds, u.net_revenue
  FROM unlinked u
  ASOF LEFT JOIN pay p ON p.tenant_id = u.tenant_id AND p.customer_id = u.customer_id AND u.event_time > p.event_time
)
SELECT tenant_id, customer_id, event_time AS t, renewal, revenue, proceeds, net_revenue, TRUE AS is_payment, 'payment' AS kind FROM pay
UNION ALL SELECT *, FALSE, 'refund_linked' FROM linked
UNION ALL SELECT *, FALSE, 'refund_linked' FROM refunded_at
UNION ALL SELECT *, FALSE, 'refund_unlinked' FROM unlinked_rn
