-- SPEC §2/§4: the payments that exist at T (amount > 0, not sandbox, event_time ≤ T) in the report
-- currency. Params: $as_of (ISO 8601 text). {{renewal}}: the renewal number — the given one, or (when some
-- are missing) derived per (customer, product) from the order of payments; chosen in buildFacts.ts.
-- Output: table payments(src_row, tenant_id, customer_id, transaction_id, event_time, currency, r10, a4,
--   refunded_at, renewal, revenue, proceeds, net_revenue): money in integer units (00_macros.sql).
CREATE OR REPLACE TEMP TABLE payments AS
SELECT
  src_row, tenant_id, customer_id, transaction_id, event_time, currency, r10, ltv_u4(amount) AS a4, refunded_at,
  {{renewal}} AS renewal,
  ltv_revenue(ltv_u4(amount), r10) AS revenue,
  -- proceeds = amount × (1 − c/100); net = proceeds × (1 − t/100); either may be given directly.
  ltv_proceeds(ltv_u4(amount), ltv_u4(proceeds), commission, r10) AS proceeds,
  ltv_net(ltv_u4(amount), ltv_u4(proceeds), ltv_u4(net_revenue), commission, tax, r10) AS net_revenue
FROM deduped
WHERE NOT is_sandbox AND event_time <= CAST($as_of AS TIMESTAMPTZ) AND amount > 0
