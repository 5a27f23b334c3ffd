-- SPEC §3 preset `adapty` (src/ingest/presets/adapty.ts): Adapty's event export to S3/GCS, one row per
-- event. Params: $currency (the report currency). Identifiers: {{rows}} the file's rows with ltv__line and
-- ltv__in_<input> (wrapRowPreset.ts).
-- Rules (README "Sources"):
-- - payments are the events that charge: subscription_started, subscription_renewed, trial_converted,
--   non_subscription_purchase; refunds are subscription_refunded and non_subscription_purchase_refunded,
--   whose amounts count negative (whatever their sign in the file) and refer to the refunded transaction
--   (transaction_id); subscription_initial_purchase is subscription_started's name in Adapty's earlier
--   documentation (older archives hold it); trial_started is a trial (amount 0); every other documented event
--   (cancellations, expiries, billing issues, access level updates, …, with the earlier names) carries amount
--   0 and no transaction id, so it never competes with the payment of the same transaction in deduplication;
--   an event type none of these lists holds is read likewise when it carries no revenue, and quarantined when
--   it does (ltv__reason): it may be a payment under a name ltv does not know, never zeroed silently;
-- - money: revenue/proceeds/net_revenue in USD when the report currency is USD, else the local ones in
--   `currency`; a payment or refund event without revenue is quarantined (amount is missing), and one whose
--   local revenue has no currency (no such column, or an empty cell) too: it is no money of a known currency;
-- - the customer is Adapty's profile_id (else customer_user_id); environment Sandbox is sandbox; the
--   country is store_country, else profile_country; a refund's id is its profile_event_id, else
--   `<transaction>/refund`.
-- Output: the rows with ltv__<canonical column> text columns (RowPreset.outputs).
WITH r AS (
  SELECT *,
    CASE
      WHEN lower(ltv__in_event_type) IN ('subscription_started', 'subscription_initial_purchase', 'subscription_renewed', 'trial_converted', 'non_subscription_purchase') THEN 'payment'
      WHEN lower(ltv__in_event_type) IN ('subscription_refunded', 'non_subscription_purchase_refunded') THEN 'refund'
      WHEN lower(ltv__in_event_type) = 'trial_started' THEN 'trial'
      WHEN lower(ltv__in_event_type) IN (
        'subscription_renewal_cancelled', 'subscription_renewal_reactivated', 'subscription_expired', 'subscription_cancelled',
        'subscription_paused', 'subscription_deferred', 'trial_renewal_cancelled', 'trial_renewal_reactivated', 'trial_expired',
        'trial_cancelled', 'billing_issue_detected', 'billing_issue_resolved', 'entered_grace_period', 'access_level_updated',
        'auto_renew_off', 'auto_renew_on', 'auto_renew_off_subscription', 'auto_renew_on_subscription', 'ab_test_variation_assigned'
      ) THEN 'other'
      ELSE 'unknown'
    END AS ltv__kind,
    $currency = 'USD' AND ltv__in_revenue_usd IS NOT NULL AS ltv__usd
  FROM {{rows}}
),
m AS (
  SELECT *,
    CASE WHEN ltv__usd THEN ltv__in_revenue_usd ELSE ltv__in_revenue_local END AS ltv__rev,
    CASE WHEN ltv__usd THEN ltv__in_proceeds_usd ELSE ltv__in_proceeds_local END AS ltv__proc,
    CASE WHEN ltv__usd THEN ltv__in_net_revenue_usd ELSE ltv__in_net_revenue_local END AS ltv__net
  FROM r
)
SELECT *,
  coalesce(ltv__in_profile_id, ltv__in_customer_user_id) AS ltv__customer_id,
  CASE ltv__kind WHEN 'payment' THEN ltv__in_transaction_id
    WHEN 'refund' THEN coalesce(ltv__in_profile_event_id, ltv__in_transaction_id || '/refund') END AS ltv__transaction_id,
  ltv__in_event_datetime AS ltv__event_time,
  {{name_event_datetime}} AS ltv__event_time__column, ltv__in_event_datetime AS ltv__event_time__text,
  CASE ltv__kind WHEN 'payment' THEN ltv__rev
    WHEN 'refund' THEN coalesce(CAST(-abs(ltv_dec4(ltv__rev)) AS VARCHAR), ltv__rev)
    ELSE '0' END AS ltv__amount,
  CASE WHEN ltv__usd THEN 'USD' ELSE ltv__in_currency END AS ltv__currency,
  CASE ltv__kind WHEN 'payment' THEN ltv__proc
    WHEN 'refund' THEN coalesce(CAST(-abs(ltv_dec4(ltv__proc)) AS VARCHAR), ltv__proc) END AS ltv__proceeds,
  CASE ltv__kind WHEN 'payment' THEN ltv__net
    WHEN 'refund' THEN coalesce(CAST(-abs(ltv_dec4(ltv__net)) AS VARCHAR), ltv__net) END AS ltv__net_revenue,
  CASE WHEN ltv__kind = 'refund' THEN ltv__in_transaction_id END AS ltv__refund_of,
  CASE WHEN lower(ltv__in_environment) = 'sandbox' THEN 'true' ELSE 'false' END AS ltv__is_sandbox,
  CASE WHEN ltv__kind = 'trial' THEN 'true' ELSE 'false' END AS ltv__is_trial,
  coalesce(ltv__in_store_country, ltv__in_profile_country) AS ltv__country,
  CASE WHEN ltv__kind = 'unknown' AND coalesce(ltv_dec4(ltv__rev) <> 0, ltv__rev IS NOT NULL) THEN
    'event_type "' || coalesce(ltv__in_event_type, '') || '" is none of Adapty''s documented events, and it carries revenue ' || ltv__rev
    || ': set aside, not read as 0 (it may be a payment under a newer name); if it is none, leave such rows out of the export'
  -- Local money without its currency (Adapty's earlier table had no currency column; a cell may be empty):
  -- it was read as the report currency (¥1,500 as 1,500 EUR).
  WHEN NOT ltv__usd AND ltv__kind IN ('payment', 'refund') AND nullif(trim(ltv__in_currency), '') IS NULL
      AND coalesce(ltv_dec4(ltv__rev) <> 0, ltv__rev IS NOT NULL) THEN
    'revenue_local ' || ltv__rev || ' has no currency (the file has no currency column, or this row''s is empty)'
    || CASE WHEN $currency = 'USD' THEN ' and revenue_usd is empty' ELSE '' END
    || ': its money cannot be converted; export the currency column'
    || CASE WHEN $currency = 'USD' THEN ', or revenue_usd' ELSE ', or report in USD (--currency USD, "currency" in the job file) to read revenue_usd' END
  END AS ltv__reason
FROM m
