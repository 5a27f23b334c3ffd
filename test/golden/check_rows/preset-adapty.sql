-- file 0: {{keep}}
"file_idx", "line", "line_known", "tenant_id", "customer_id", "event_time", "amount", currency_code AS currency, "r10", "transaction_id", "proceeds", "net_revenue", "refund_of", "is_sandbox", "is_trial", "product_id", "store", "country", "paywall", "paywalls_group", "placement"
-- file 0: {{line}}
src.ltv__line
-- file 0: {{line_known}}
FALSE
-- file 0: {{parse_error}}
coalesce(NULL, src.ltv__reason)
-- file 0: {{columns}}
src."ltv__customer_id" AS "customer_id",
    src."ltv__event_time" AS "event_time",
    src."ltv__amount" AS "amount",
    src."ltv__transaction_id" AS "transaction_id",
    src."ltv__currency" AS "currency",
    NULL AS "tenant_id",
    NULL AS "commission_percentage",
    NULL AS "tax_percentage",
    src."ltv__proceeds" AS "proceeds",
    src."ltv__net_revenue" AS "net_revenue",
    NULL AS "renewal_number",
    NULL AS "refunded_at",
    src."ltv__refund_of" AS "refund_of",
    src."ltv__is_sandbox" AS "is_sandbox",
    src."ltv__is_trial" AS "is_trial",
    NULL AS "updated_at",
    src."vendor_product_id" AS "product_id",
    NULL AS "duration",
    src."store" AS "store",
    src."ltv__country" AS "country",
    src."paywall_name" AS "paywall",
    src."ab_test_name" AS "paywalls_group",
    NULL AS "audience",
    src."developer_id" AS "placement",
    NULL AS "offer_category",
    NULL AS "offer_type",
    NULL AS "offer_id",
    NULL AS "attribution_source",
    NULL AS "attribution_status",
    NULL AS "attribution_channel",
    NULL AS "attribution_campaign",
    NULL AS "attribution_adgroup",
    NULL AS "attribution_adset",
    NULL AS "attribution_creative"
-- file 0: {{time_sources}}
src."ltv__event_time__column" AS "event_time__column", src."ltv__event_time__text" AS "event_time__text", 'refunded_at' AS "refunded_at__column", CAST(NULL AS VARCHAR) AS "refunded_at__text", 'updated_at' AS "updated_at__column", CAST(NULL AS VARCHAR) AS "updated_at__text"
-- file 0: {{reader}}
(WITH r AS (
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
  FROM (SELECT src.*, row_number() OVER () + 1 AS ltv__line, nullif(ltv_trim(src."profile_id"), '') AS "ltv__in_profile_id", nullif(ltv_trim(src."customer_user_id"), '') AS "ltv__in_customer_user_id", nullif(ltv_trim(src."event_type"), '') AS "ltv__in_event_type", nullif(ltv_trim(src."event_datetime"), '') AS "ltv__in_event_datetime", nullif(ltv_trim(src."transaction_id"), '') AS "ltv__in_transaction_id", nullif(ltv_trim(src."profile_event_id"), '') AS "ltv__in_profile_event_id", nullif(ltv_trim(src."environment"), '') AS "ltv__in_environment", nullif(ltv_trim(src."revenue_usd"), '') AS "ltv__in_revenue_usd", nullif(ltv_trim(src."proceeds_usd"), '') AS "ltv__in_proceeds_usd", nullif(ltv_trim(src."net_revenue_usd"), '') AS "ltv__in_net_revenue_usd", nullif(ltv_trim(src."revenue_local"), '') AS "ltv__in_revenue_local", nullif(ltv_trim(src."proceeds_local"), '') AS "ltv__in_proceeds_local", nullif(ltv_trim(src."net_revenue_local"), '') AS "ltv__in_net_revenue_local", nullif(ltv_trim(src."currency"), '') AS "ltv__in_currency", nullif(ltv_trim(src."store_country"), '') AS "ltv__in_store_country", nullif(ltv_trim(src."profile_country"), '') AS "ltv__in_profile_country" FROM read_csv($path, columns = {'profile_id': 'VARCHAR', 'event_type': 'VARCHAR', 'event_datetime': 'VARCHAR', 'transaction_id': 'VARCHAR', 'original_transaction_id': 'VARCHAR', 'subscription_expires_at': 'VARCHAR', 'environment': 'VARCHAR', 'revenue_usd': 'VARCHAR', 'proceeds_usd': 'VARCHAR', 'net_revenue_usd': 'VARCHAR', 'revenue_local': 'VARCHAR', 'proceeds_local': 'VARCHAR', 'net_revenue_local': 'VARCHAR', 'tax_amount_usd': 'VARCHAR', 'tax_amount_local': 'VARCHAR', 'customer_user_id': 'VARCHAR', 'store': 'VARCHAR', 'vendor_product_id': 'VARCHAR', 'developer_id': 'VARCHAR', 'ab_test_name': 'VARCHAR', 'ab_test_revision': 'VARCHAR', 'paywall_name': 'VARCHAR', 'paywall_revision': 'VARCHAR', 'profile_country': 'VARCHAR', 'install_date': 'VARCHAR', 'currency': 'VARCHAR', 'store_country': 'VARCHAR', 'cancellation_reason': 'VARCHAR', 'profile_event_id': 'VARCHAR'}, header = true, delim = $delim, auto_detect = false, strict_mode = true, null_padding = false, quote = '"', escape = '"', compression = 'none', new_line = '\n', max_line_size = 1048576) AS src )
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
  'event_datetime' AS ltv__event_time__column, ltv__in_event_datetime AS ltv__event_time__text,
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
  WHEN NOT ltv__usd AND ltv__kind IN ('payment', 'refund') AND nullif(trim(ltv__in_currency), '') IS NULL
      AND coalesce(ltv_dec4(ltv__rev) <> 0, ltv__rev IS NOT NULL) THEN
    'revenue_local ' || ltv__rev || ' has no currency (the file has no currency column, or this row''s is empty)'
    || CASE WHEN $currency = 'USD' THEN ' and revenue_usd is empty' ELSE '' END
    || ': its money cannot be converted; export the currency column'
    || CASE WHEN $currency = 'USD' THEN ', or revenue_usd' ELSE ', or report in USD (--currency USD, "currency" in the job file) to read revenue_usd' END
  END AS ltv__reason
FROM m
)
-- file 0: {{where}}

-- file 0: {{rate}}
CASE c.currency_code WHEN 0 THEN CAST(10000000000 AS BIGINT) WHEN 1 THEN ltv_rate(CAST($rate_r10_0 AS BIGINT[]), CAST($rate_first_0 AS DATE), CAST(ltv_local(c.event_time) AS DATE)) WHEN 2 THEN ltv_rate(CAST($rate_r10_1 AS BIGINT[]), CAST($rate_first_1 AS DATE), CAST(ltv_local(c.event_time) AS DATE)) WHEN 3 THEN ltv_rate(CAST($rate_r10_2 AS BIGINT[]), CAST($rate_first_2 AS DATE), CAST(ltv_local(c.event_time) AS DATE)) WHEN 4 THEN ltv_rate(CAST($rate_r10_3 AS BIGINT[]), CAST($rate_first_3 AS DATE), CAST(ltv_local(c.event_time) AS DATE)) END
-- file 0: {{currency_code}}
CAST(CASE WHEN t.currency = $currency THEN 0 WHEN t.currency = $rate_currency_0 THEN 1 WHEN t.currency = $rate_currency_1 THEN 2 WHEN t.currency = $rate_currency_2 THEN 3 WHEN t.currency = $rate_currency_3 THEN 4 END AS SMALLINT)
