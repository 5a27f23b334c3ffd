-- SPEC §2/§4: the payments that exist at T (amount > 0, not sandbox, event_time ≤ T) in the report
-- currency. Params: $as_of (ISO 8601 text). Identifiers (buildFacts.ts):
--   {{carried}} the optional columns some input has, each with a leading comma (renewal_number, proceeds,
--   net_revenue, commission, tax, refunded_at); {{c_<column>}} that column, or a typed NULL when no input
--   has it — a constant is not carried through the window's sort; {{rn}} `, row_number() OVER (…) AS rn`
--   when some payment lacks a renewal number, else empty; {{renewal}} the renewal number: the given one,
--   or derived per (customer, product) from the order of payments (rn − 1); {{rc}} whether a row comes
--   from a RevenueCat file (`file_idx IN (…)`, or FALSE), {{rc_carried}} the columns its rules read
--   (`, file_idx, product_id` or empty), {{rc_trials}} empty, or the join to rc_trials when some RevenueCat
--   file has free trials (presets.ts): RevenueCat rows take net revenue as price × (1 − commission − tax)
--   and count renewals without the free trial before them in their subscription.
-- Output: table payments(src_row, tenant_id, customer_id, transaction_id, event_time, currency, r10, a4,
--   refunded_at, renewal, revenue, proceeds, net_revenue): money in integer units (02_macros.sql).
CREATE OR REPLACE TEMP TABLE payments AS
WITH rc_rows AS (
  -- RevenueCat's free trials (numbered like paid periods there) and payments of a customer's product, in time
  -- order. RevenueCat numbers each subscription from 1 (a trial is its 1): a number not above the one before
  -- starts another subscription of the product. `trial`: a free trial, or a trial's conversion (the preset
  -- marks a paid row with is_trial_conversion as is_trial: presets.ts), which says the subscription had one
  -- even when its trial's row is not in the files.
  SELECT src_row, tenant_id, customer_id, product_id, is_trial AND amount = 0 AS free, coalesce(is_trial, FALSE) AS trial,
    renewal_number <= lag(renewal_number) OVER (PARTITION BY tenant_id, customer_id, product_id ORDER BY event_time, src_row) AS restart,
    event_time
  FROM deduped
  WHERE {{rc}} AND NOT is_sandbox AND event_time <= CAST($as_of AS TIMESTAMPTZ) AND renewal_number IS NOT NULL
    AND (amount > 0 OR (is_trial AND amount = 0))
),
rc_subscriptions AS (
  SELECT *, count(*) FILTER (WHERE restart) OVER (PARTITION BY tenant_id, customer_id, product_id ORDER BY event_time, src_row ROWS UNBOUNDED PRECEDING) AS subscription
  FROM rc_rows
),
rc_trials AS (
  -- Per payment: 1 when its subscription had a free trial by then (one at most: RevenueCat's renewal 1).
  SELECT src_row, trials FROM (
    SELECT src_row, free,
      CAST(bool_or(trial) OVER (PARTITION BY tenant_id, customer_id, product_id, subscription ORDER BY event_time, src_row ROWS UNBOUNDED PRECEDING) AS INTEGER) AS trials
    FROM rc_subscriptions
  ) WHERE NOT free
)
SELECT
  src_row, p.tenant_id, p.customer_id, transaction_id, event_time, currency, r10, a4, {{c_refunded_at}} AS refunded_at,
  {{renewal}} AS renewal,
  ltv_revenue(a4, r10) AS revenue,
  -- proceeds = amount × (1 − c/100); net = proceeds × (1 − t/100); either may be given directly.
  ltv_proceeds(a4, ltv_u4({{c_proceeds}}), {{c_commission}}, r10) AS proceeds,
  CASE WHEN {{rc}} THEN ltv_net_portions(a4, {{c_commission}}, {{c_tax}}, r10)
    ELSE ltv_net(a4, ltv_u4({{c_proceeds}}), ltv_u4({{c_net_revenue}}), {{c_commission}}, {{c_tax}}, r10) END AS net_revenue
FROM (
  SELECT src_row, tenant_id, customer_id, transaction_id, event_time, currency, r10, ltv_u4(amount) AS a4{{carried}}{{rn}}{{rc_carried}}
  FROM deduped
  WHERE NOT is_sandbox AND event_time <= CAST($as_of AS TIMESTAMPTZ) AND amount > 0
) p{{rc_trials}}
