-- payments
CREATE OR REPLACE TEMP TABLE payments AS
WITH rc_trials AS (
  SELECT tenant_id, customer_id, product_id, list(renewal_number) AS numbers
  FROM deduped
  WHERE FALSE AND is_trial AND amount = 0 AND NOT is_sandbox AND event_time <= CAST($as_of AS TIMESTAMPTZ)
  GROUP BY ALL
)
SELECT
  src_row, p.tenant_id, p.customer_id, transaction_id, event_time, currency, r10, a4, CAST(NULL AS TIMESTAMP WITH TIME ZONE) AS refunded_at,
  "renewal_number" AS renewal,
  ltv_revenue(a4, r10) AS revenue,
  ltv_proceeds(a4, ltv_u4(CAST(NULL AS DECIMAL(18,4))), CAST(NULL AS DECIMAL(18,4)), r10) AS proceeds,
  CASE WHEN FALSE THEN ltv_net_portions(a4, CAST(NULL AS DECIMAL(18,4)), CAST(NULL AS DECIMAL(18,4)), r10)
    ELSE ltv_net(a4, ltv_u4(CAST(NULL AS DECIMAL(18,4))), ltv_u4(CAST(NULL AS DECIMAL(18,4))), CAST(NULL AS DECIMAL(18,4)), CAST(NULL AS DECIMAL(18,4)), r10) END AS net_revenue
FROM (
  SELECT src_row, tenant_id, customer_id, transaction_id, event_time, currency, r10, ltv_u4(amount) AS a4, "renewal_number"
  FROM deduped
  WHERE NOT is_sandbox AND event_time <= CAST($as_of AS TIMESTAMPTZ) AND amount > 0
) p

-- movements
CREATE OR REPLACE TEMP TABLE refund_movements AS
WITH refund_rows AS (
  SELECT
    r.tenant_id, r.customer_id, r.event_time, ltv_u4(r.amount) AS a4, r.currency, r.refund_of,
    ltv_revenue(ltv_u4(r.amount), r.r10) AS revenue,
    ltv_proceeds(ltv_u4(r.amount), ltv_u4(r.proceeds), r.commission, r.r10) AS proceeds,
    CASE WHEN FALSE THEN ltv_net_portions(ltv_u4(r.amount), r.commission, r.tax, r.r10)
      ELSE ltv_net(ltv_u4(r.amount), ltv_u4(r.proceeds), ltv_u4(r.net_revenue), r.commission, r.tax, r.r10) END AS net_revenue
  FROM deduped r
  WHERE NOT r.is_sandbox AND r.event_time <= CAST($as_of AS TIMESTAMPTZ) AND r.amount < 0
),
refunded_payments AS (
  SELECT p.* FROM payments p SEMI JOIN refund_rows r ON p.tenant_id = r.tenant_id AND p.transaction_id = r.refund_of
),
matched AS (
  SELECT r.*, p.customer_id AS p_customer, p.event_time AS p_time, p.renewal AS p_renewal, p.currency AS p_currency,
         p.r10 AS p_r10, p.a4 AS p_a4, p.proceeds AS p_proceeds, p.net_revenue AS p_net
  FROM refund_rows r
  LEFT JOIN refunded_payments p ON p.tenant_id = r.tenant_id AND p.transaction_id = r.refund_of
),
linked AS (
  SELECT
    tenant_id, p_customer AS customer_id, p_time AS t, p_renewal AS renewal,
    CASE WHEN currency = p_currency THEN ltv_revenue(a4, p_r10) ELSE revenue END AS revenue,
    ltv_prop(p_proceeds, a4, p_a4) AS proceeds,
    ltv_prop(p_net, a4, p_a4) AS net_revenue
  FROM matched
  WHERE p_time IS NOT NULL
),
refunded_at AS (
  SELECT tenant_id, customer_id, event_time AS t, renewal, -revenue AS revenue, -proceeds AS proceeds, -net_revenue AS net_revenue
  FROM payments
  WHERE refunded_at IS NOT NULL AND refunded_at <= CAST($as_of AS TIMESTAMPTZ)
),
unlinked AS (
  SELECT u.tenant_id, u.customer_id, u.event_time AS t, coalesce(p.renewal, 0) AS renewal,
         u.revenue, u.proceeds, u.net_revenue
  FROM (SELECT * FROM matched WHERE p_time IS NULL) u
  ASOF LEFT JOIN (
    SELECT p.tenant_id, p.customer_id, p.event_time, p.renewal
    FROM payments p SEMI JOIN matched m ON m.p_time IS NULL AND p.tenant_id = m.tenant_id AND p.customer_id = m.customer_id
  ) p ON p.tenant_id = u.tenant_id AND p.customer_id = u.customer_id AND u.event_time > p.event_time
)
SELECT *, FALSE AS is_payment, 'refund_linked' AS kind FROM linked
UNION ALL SELECT *, FALSE, 'refund_linked' FROM refunded_at
UNION ALL SELECT *, FALSE, 'refund_unlinked' FROM unlinked

-- firstPayments
CREATE OR REPLACE TEMP TABLE first_payments AS
WITH first AS (
  SELECT tenant_id, customer_id, arg_min(src_row, (event_time, transaction_id, src_row)) AS src_row, min(event_time) AS t0
  FROM payments
  
  GROUP BY tenant_id, customer_id
)
SELECT f.tenant_id, f.customer_id, f.t0, c."product_id", c."store", c."country"
FROM first f
JOIN checked c ON c.row_id = f.src_row;
CREATE OR REPLACE TEMP TABLE attr_sets AS
SELECT *, CAST(NULL AS VARCHAR) AS "duration", CAST(NULL AS VARCHAR) AS "paywall", CAST(NULL AS VARCHAR) AS "paywalls_group", CAST(NULL AS VARCHAR) AS "audience", CAST(NULL AS VARCHAR) AS "placement", CAST(NULL AS VARCHAR) AS "offer_category", CAST(NULL AS VARCHAR) AS "offer_type", CAST(NULL AS VARCHAR) AS "offer_id", CAST(NULL AS VARCHAR) AS "attribution_source", CAST(NULL AS VARCHAR) AS "attribution_status", CAST(NULL AS VARCHAR) AS "attribution_channel", CAST(NULL AS VARCHAR) AS "attribution_campaign", CAST(NULL AS VARCHAR) AS "attribution_adgroup", CAST(NULL AS VARCHAR) AS "attribution_adset", CAST(NULL AS VARCHAR) AS "attribution_creative", row_number() OVER () AS attr_id
FROM (SELECT DISTINCT "product_id", "store", "country" FROM first_payments)

-- customersAll
CREATE OR REPLACE TEMP TABLE customers_all AS
WITH f AS (
  SELECT *, ltv_local(t0) AS t0_local,
    ltv_k_days(ltv_local(t0), CAST($as_of_local AS TIMESTAMP), CAST($as_of AS TIMESTAMPTZ)) AS age_days
  FROM first_payments
)
SELECT
  f.tenant_id, f.customer_id, f.t0, f.t0_local, CAST(f.t0_local AS DATE) AS cohort_day,
  CASE WHEN f.age_days >= 90 THEN 90 WHEN f.age_days >= 30 THEN 30 ELSE 0 END AS age_class,
  a.attr_id
FROM f
JOIN attr_sets a ON f."product_id" IS NOT DISTINCT FROM a."product_id" AND f."store" IS NOT DISTINCT FROM a."store" AND f."country" IS NOT DISTINCT FROM a."country"
