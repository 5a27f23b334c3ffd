-- file 0: {{keep}}
"file_idx", "line", "line_known", "tenant_id", "customer_id", "event_time", "amount", currency_code AS currency, "r10", "transaction_id", "proceeds", "net_revenue", "refund_of", "updated_at", "product_id", "store", "country"
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
    NULL AS "is_sandbox",
    NULL AS "is_trial",
    src."ltv__updated_at" AS "updated_at",
    src."ltv__product_id" AS "product_id",
    NULL AS "duration",
    src."ltv__store" AS "store",
    src."address_country_code" AS "country",
    NULL AS "paywall",
    NULL AS "paywalls_group",
    NULL AS "audience",
    NULL AS "placement",
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
src."ltv__event_time__column" AS "event_time__column", src."ltv__event_time__text" AS "event_time__text", 'refunded_at' AS "refunded_at__column", CAST(NULL AS VARCHAR) AS "refunded_at__text", src."ltv__updated_at__column" AS "updated_at__column", src."ltv__updated_at__text" AS "updated_at__text"
-- file 0: {{reader}}
(WITH r AS (
  SELECT *,
    ltv__in_action IS NOT NULL AS ltv__adjustment,
    ltv_minor_amount(ltv__in_total, ltv__in_currency) AS ltv__total,
    coalesce(ltv_minor_amount(ltv__in_full_total, ltv__in_currency), ltv_minor_amount(ltv__in_total, ltv__in_currency)) AS ltv__base,
    ltv_minor_amount(ltv__in_fee, ltv__in_currency) AS ltv__fee,
    ltv_minor_amount(ltv__in_tax, ltv__in_currency) AS ltv__tax,
    ltv_minor_amount(ltv__in_earnings, ltv__in_currency) AS ltv__earnings,
    lower(ltv__in_action) AS ltv__action,
    coalesce(lower(ltv__in_status), '') AS ltv__status
  FROM (SELECT src.*, row_number() OVER () + 1 AS ltv__line, nullif(ltv_trim(src."id"), '') AS "ltv__in_id", CAST(NULL AS VARCHAR) AS "ltv__in_transaction_ref", CAST(NULL AS VARCHAR) AS "ltv__in_action", nullif(ltv_trim(src."status"), '') AS "ltv__in_status", nullif(ltv_trim(src."customer_id"), '') AS "ltv__in_customer_id", nullif(ltv_trim(src."customer_email"), '') AS "ltv__in_email", nullif(ltv_trim(src."billed_at"), '') AS "ltv__in_billed_at", nullif(ltv_trim(src."created_at"), '') AS "ltv__in_created_at", nullif(ltv_trim(src."updated_at"), '') AS "ltv__in_updated_at", nullif(ltv_trim(src."currency_code"), '') AS "ltv__in_currency", nullif(ltv_trim(src."grand_total"), '') AS "ltv__in_total", nullif(ltv_trim(src."total"), '') AS "ltv__in_full_total", nullif(ltv_trim(src."tax"), '') AS "ltv__in_tax", nullif(ltv_trim(src."fee"), '') AS "ltv__in_fee", nullif(ltv_trim(src."earnings"), '') AS "ltv__in_earnings", nullif(ltv_trim(src."price_ids"), '') AS "ltv__in_price_ids" FROM read_csv($path, columns = {'id': 'VARCHAR', 'status': 'VARCHAR', 'invoice_number': 'VARCHAR', 'customer_id': 'VARCHAR', 'customer_email': 'VARCHAR', 'address_id': 'VARCHAR', 'address_country_code': 'VARCHAR', 'business_id': 'VARCHAR', 'business_name': 'VARCHAR', 'price_ids': 'VARCHAR', 'discount_ids': 'VARCHAR', 'subscription_id': 'VARCHAR', 'created_at': 'VARCHAR', 'updated_at': 'VARCHAR', 'billed_at': 'VARCHAR', 'origin': 'VARCHAR', 'collection_mode': 'VARCHAR', 'currency_code': 'VARCHAR', 'subtotal': 'VARCHAR', 'discount': 'VARCHAR', 'tax': 'VARCHAR', 'total': 'VARCHAR', 'grand_total': 'VARCHAR', 'fee': 'VARCHAR', 'earnings': 'VARCHAR', 'credit': 'VARCHAR', 'balance': 'VARCHAR'}, header = true, delim = $delim, auto_detect = false, strict_mode = true, null_padding = false, quote = '"', escape = '"', compression = 'none', new_line = '\n', max_line_size = 1048576) AS src )
),
k AS (
  SELECT *,
    CASE WHEN ltv__adjustment
      THEN ltv__action IN ('refund', 'chargeback') AND ltv__status = 'approved' OR ltv__action = 'chargeback' AND ltv__status = 'reversed'
      ELSE ltv__status IN ('completed', 'paid') END AS ltv__counts,
    ltv__adjustment AND ltv__action = 'chargeback' AND ltv__status IN ('approved', 'reversed') AS ltv__chargeback,
    ltv__adjustment AND ltv__action = 'chargeback_reverse' AND ltv__status = 'approved' AS ltv__reversal
  FROM r
),
c AS (
  SELECT *,
    coalesce(sum(abs(ltv__total)) FILTER (WHERE ltv__reversal) OVER t, 0) AS ltv__reversed,
    coalesce(sum(abs(ltv__total)) FILTER (WHERE ltv__chargeback) OVER t, 0) AS ltv__charged_back,
    coalesce(sum(abs(ltv__total)) FILTER (WHERE ltv__chargeback) OVER (PARTITION BY ltv__adjustment, ltv__in_transaction_ref
      ORDER BY ltv__status <> 'reversed', ltv__line ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS ltv__charged_back_before
  FROM k
  WINDOW t AS (PARTITION BY ltv__adjustment, ltv__in_transaction_ref)
),
a AS (
  SELECT *,
    ltv__reversed > ltv__charged_back AS ltv__over_reversed,
    CASE WHEN ltv__reversed > ltv__charged_back THEN 0 ELSE ltv__reversed END AS ltv__reversal_used
  FROM c
),
b AS (
  SELECT *,
    CASE WHEN NOT ltv__adjustment THEN NULL
      WHEN NOT ltv__chargeback THEN abs(ltv__total)
      WHEN ltv__status = 'reversed' AND ltv__reversal_used = 0 THEN 0
      ELSE abs(ltv__total) - least(abs(ltv__total), greatest(0, ltv__reversal_used - ltv__charged_back_before)) END AS ltv__taken
  FROM a
)
SELECT *,
  coalesce(ltv__in_customer_id, lower(ltv__in_email)) AS ltv__customer_id,
  ltv__in_id AS ltv__transaction_id,
  CASE WHEN ltv__adjustment THEN ltv__in_created_at ELSE coalesce(ltv__in_billed_at, ltv__in_created_at) END AS ltv__event_time,
  CASE WHEN NOT ltv__adjustment AND ltv__in_billed_at IS NOT NULL THEN 'billed_at' ELSE 'created_at' END AS ltv__event_time__column,
  CASE WHEN ltv__adjustment THEN ltv__in_created_at ELSE coalesce(ltv__in_billed_at, ltv__in_created_at) END AS ltv__event_time__text,
  ltv__in_updated_at AS ltv__updated_at,
  'updated_at' AS ltv__updated_at__column, ltv__in_updated_at AS ltv__updated_at__text,
  CASE
    WHEN ltv__total IS NULL THEN ltv__in_total
    WHEN NOT ltv__counts THEN '0'
    WHEN ltv__adjustment THEN CASE WHEN ltv__taken > 0 THEN CAST(-ltv__taken AS VARCHAR) ELSE '0' END
    ELSE CAST(ltv__total AS VARCHAR)
  END AS ltv__amount,
  ltv__in_currency AS ltv__currency,
  CASE WHEN NOT ltv__counts OR ltv__adjustment THEN NULL
    WHEN ltv__in_fee IS NOT NULL AND ltv__fee IS NULL THEN ltv__in_fee
    ELSE ltv_scaled4(ltv__base - ltv__fee, ltv__total, ltv__base) END AS ltv__proceeds,
  CASE WHEN NOT ltv__counts OR ltv__adjustment THEN NULL
    WHEN ltv__in_earnings IS NOT NULL AND ltv__earnings IS NULL THEN ltv__in_earnings
    WHEN ltv__in_tax IS NOT NULL AND ltv__tax IS NULL THEN ltv__in_tax
    WHEN ltv__earnings IS NOT NULL THEN ltv_scaled4(ltv__earnings, ltv__total, ltv__base)
    WHEN ltv__fee IS NOT NULL AND ltv__tax IS NOT NULL THEN ltv_scaled4(ltv__base - ltv__fee - ltv__tax, ltv__total, ltv__base) END AS ltv__net_revenue,
  CASE WHEN ltv__adjustment AND ltv__counts AND ltv__taken > 0 THEN ltv__in_transaction_ref END AS ltv__refund_of,
  nullif(ltv_trim(split_part(ltv__in_price_ids, ',', 1)), '') AS ltv__product_id,
  'paddle' AS ltv__store,
  CASE
    WHEN NOT ltv__adjustment AND ltv__status NOT IN ('draft', 'ready', 'billed', 'paid', 'completed', 'canceled', 'past_due')
      THEN 'status' || ' "' || left(coalesce(ltv__in_status, ''), 60) || '" is none of Paddle''s transaction statuses (draft, ready, billed, paid, completed, '
        || 'canceled, past_due): set aside, not read as 0 (it may be a payment); check the column'
    WHEN ltv__adjustment AND ltv__status NOT IN ('pending_approval', 'approved', 'rejected', 'reversed')
      THEN 'status' || ' "' || left(coalesce(ltv__in_status, ''), 60) || '" is none of Paddle''s adjustment statuses (pending_approval, approved, rejected, '
        || 'reversed): set aside, not read as 0 (it may take money back); check the column'
    WHEN ltv__adjustment AND ltv__status = 'approved'
      AND ltv__action NOT IN ('credit', 'credit_reverse', 'refund', 'chargeback', 'chargeback_reverse', 'chargeback_warning', 'chargeback_warning_reverse')
      THEN 'action' || ' "' || left(ltv__in_action, 60) || '" is none of Paddle''s adjustment actions (credit, credit_reverse, refund, chargeback, '
        || 'chargeback_reverse, chargeback_warning, chargeback_warning_reverse): set aside, not read as 0 (it may move money); check the column'
    WHEN ltv__reversal AND ltv__over_reversed THEN 'action' || ' "' || left(ltv__in_action, 60) || '" of ' || 'transaction_id' || ' "'
      || left(coalesce(ltv__in_transaction_ref, ''), 60) || '" gives back ' || 'grand_total' || ' "' || left(ltv__in_total, 60)
      || '", more than the chargebacks of that transaction in this file take back: not read; give the chargeback and its reversal in one adjustments report'
    WHEN NOT ltv__counts OR ltv__adjustment THEN NULL
    WHEN ltv__total < 0 THEN 'grand_total' || ' "' || left(ltv__in_total, 60)
      || '" is negative on a transaction of status "' || coalesce(ltv__in_status, '') || '": Paddle writes no payment below 0 (money given back is an adjustment, a refund or chargeback)'
    WHEN ltv__total > ltv__base THEN 'grand_total' || ' "' || left(ltv__in_total, 60) || '" is more than '
      || 'total' || ' "' || left(ltv__in_full_total, 60) || '": Paddle''s grand total is the total less the credits that paid part of it; check the columns are this transaction''s'
    WHEN ltv__fee < 0 THEN 'fee' || ' "' || left(ltv__in_fee, 60) || '" is negative: Paddle''s fee on a transaction is 0 or more; check the column'
    WHEN ltv__earnings > ltv__base THEN 'earnings' || ' "' || left(ltv__in_earnings, 60) || '" is more than '
      || 'total' || ' "' || left(ltv__in_full_total, 60) || '": earnings are what Paddle pays out of the total after tax and its fee; check the columns are this transaction''s'
  END AS ltv__reason
FROM b
)
-- file 0: {{where}}

-- file 0: {{rate}}
CASE c.currency_code WHEN 0 THEN CAST(10000000000 AS BIGINT) WHEN 1 THEN ltv_rate(CAST($rate_r10_0 AS BIGINT[]), CAST($rate_first_0 AS DATE), CAST(ltv_local(c.event_time) AS DATE)) WHEN 2 THEN ltv_rate(CAST($rate_r10_1 AS BIGINT[]), CAST($rate_first_1 AS DATE), CAST(ltv_local(c.event_time) AS DATE)) WHEN 3 THEN ltv_rate(CAST($rate_r10_2 AS BIGINT[]), CAST($rate_first_2 AS DATE), CAST(ltv_local(c.event_time) AS DATE)) WHEN 4 THEN ltv_rate(CAST($rate_r10_3 AS BIGINT[]), CAST($rate_first_3 AS DATE), CAST(ltv_local(c.event_time) AS DATE)) END
-- file 0: {{currency_code}}
CAST(CASE WHEN t.currency = $currency THEN 0 WHEN t.currency = $rate_currency_0 THEN 1 WHEN t.currency = $rate_currency_1 THEN 2 WHEN t.currency = $rate_currency_2 THEN 3 WHEN t.currency = $rate_currency_3 THEN 4 END AS SMALLINT)
