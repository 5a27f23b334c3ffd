-- SPEC §2/§4: the payments that exist at T (amount > 0, not sandbox, event_time ≤ T) in the report
-- currency. Params: $as_of (ISO 8601 text). {{renewal}}: the renewal number — the given one, or (when some
-- are missing) derived per (customer, product) from the order of payments; chosen in buildFacts.ts.
-- Output: table payments(tenant_id, customer_id, transaction_id, event_time, currency, rate, amount,
--   refunded_at, renewal, revenue, proceeds, net_revenue).
CREATE OR REPLACE TABLE payments AS
SELECT
  tenant_id, customer_id, transaction_id, event_time, currency, rate, amount, refunded_at,
  {{renewal}} AS renewal,
  ltv_revenue(amount, rate) AS revenue,
  -- proceeds = amount × (1 − c/100); net = proceeds × (1 − t/100); either may be given directly.
  ltv_proceeds(amount, proceeds, commission, rate) AS proceeds,
  ltv_net(amount, proceeds, net_revenue, commission, tax, rate) AS net_revenue
FROM deduped
WHERE NOT is_sandbox AND event_time <= CAST($as_of AS TIMESTAMPTZ) AND amount > 0
