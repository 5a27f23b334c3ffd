-- file 0: {{keep}}
"file_idx", "line", "line_known", "tenant_id", "customer_id", "event_time", "amount", currency_code AS currency, "r10", "transaction_id", "commission", "proceeds", "refund_of", "is_sandbox", "store", "country"
-- file 0: {{line}}
src.ltv__line
-- file 0: {{line_known}}
FALSE
-- file 0: {{parse_error}}
coalesce(NULL, src.ltv__reason)
-- file 0: {{columns}}
src."ltv__customer_id" AS "customer_id",
    ltv_utc_if_naive(src."ltv__event_time") AS "event_time",
    src."ltv__amount" AS "amount",
    src."ltv__transaction_id" AS "transaction_id",
    src."ltv__currency" AS "currency",
    NULL AS "tenant_id",
    src."ltv__commission_percentage" AS "commission_percentage",
    NULL AS "tax_percentage",
    src."ltv__proceeds" AS "proceeds",
    NULL AS "net_revenue",
    NULL AS "renewal_number",
    NULL AS "refunded_at",
    src."ltv__refund_of" AS "refund_of",
    src."ltv__is_sandbox" AS "is_sandbox",
    NULL AS "is_trial",
    NULL AS "updated_at",
    NULL AS "product_id",
    NULL AS "duration",
    src."ltv__store" AS "store",
    src."ltv__country" AS "country",
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
src."ltv__event_time__column" AS "event_time__column", src."ltv__event_time__text" AS "event_time__text", 'refunded_at' AS "refunded_at__column", CAST(NULL AS VARCHAR) AS "refunded_at__text", 'updated_at' AS "updated_at__column", CAST(NULL AS VARCHAR) AS "updated_at__text"
-- file 0: {{reader}}
(WITH r AS (
  SELECT *,
    regexp_full_match(coalesce(ltv__in_created, ''), '\d{9,11}') AS ltv__api_shape,
    coalesce(lower(ltv__in_status) IN ('paid', 'succeeded', 'refunded', 'partially refunded', 'partially_refunded', 'disputed'), TRUE)
      AND (ltv__in_captured IS NULL OR coalesce(ltv_bool(ltv__in_captured), TRUE)) AS ltv__paid,
    upper(ltv__in_converted_currency) = $currency AND ltv__in_converted_amount IS NOT NULL AS ltv__converted
  FROM (SELECT src.*, row_number() OVER () + 1 AS ltv__line, nullif(ltv_trim(src."id"), '') AS "ltv__in_id", nullif(ltv_trim(src."Created date (UTC)"), '') AS "ltv__in_created", nullif(ltv_trim(src."Amount"), '') AS "ltv__in_amount", nullif(ltv_trim(src."Amount Refunded"), '') AS "ltv__in_amount_refunded", CAST(NULL AS VARCHAR) AS "ltv__in_refunded_at", nullif(ltv_trim(src."Currency"), '') AS "ltv__in_currency", nullif(ltv_trim(src."Converted Amount"), '') AS "ltv__in_converted_amount", nullif(ltv_trim(src."Converted Amount Refunded"), '') AS "ltv__in_converted_amount_refunded", nullif(ltv_trim(src."Converted Currency"), '') AS "ltv__in_converted_currency", nullif(ltv_trim(src."Fee"), '') AS "ltv__in_fee", nullif(ltv_trim(src."Status"), '') AS "ltv__in_status", nullif(ltv_trim(src."Captured"), '') AS "ltv__in_captured", nullif(ltv_trim(src."Customer ID"), '') AS "ltv__in_customer", nullif(ltv_trim(src."Customer Email"), '') AS "ltv__in_email", nullif(ltv_trim(src."Card Fingerprint"), '') AS "ltv__in_fingerprint", nullif(ltv_trim(src."Mode"), '') AS "ltv__in_mode", nullif(ltv_trim(src."Card Issue Country"), '') AS "ltv__in_country", nullif(ltv_trim(src."Description"), '') AS "ltv__in_description", CAST(NULL AS VARCHAR) AS "ltv__in_disputed_amount", CAST(NULL AS VARCHAR) AS "ltv__in_dispute_status", CAST(NULL AS VARCHAR) AS "ltv__in_dispute_date" FROM read_csv($path, columns = {'id': 'VARCHAR', 'Description': 'VARCHAR', 'Seller Message': 'VARCHAR', 'Created date (UTC)': 'VARCHAR', 'Amount': 'VARCHAR', 'Amount Refunded': 'VARCHAR', 'Currency': 'VARCHAR', 'Converted Amount': 'VARCHAR', 'Converted Amount Refunded': 'VARCHAR', 'Fee': 'VARCHAR', 'Tax': 'VARCHAR', 'Converted Currency': 'VARCHAR', 'Status': 'VARCHAR', 'Statement Descriptor': 'VARCHAR', 'Customer ID': 'VARCHAR', 'Customer Description': 'VARCHAR', 'Customer Email': 'VARCHAR', 'Captured': 'VARCHAR', 'Card ID': 'VARCHAR', 'Card Last4': 'VARCHAR', 'Card Brand': 'VARCHAR', 'Card Funding': 'VARCHAR', 'Card Exp Month': 'VARCHAR', 'Card Exp Year': 'VARCHAR', 'Card Name': 'VARCHAR', 'Card Issue Country': 'VARCHAR', 'Card Fingerprint': 'VARCHAR', 'Invoice ID': 'VARCHAR', 'Transfer': 'VARCHAR', 'Mode': 'VARCHAR'}, header = true, delim = $delim, auto_detect = false, strict_mode = true, null_padding = false, quote = '"', escape = '"', compression = 'none', new_line = '\n', max_line_size = 1048576) AS src )
),
amounts AS (
  SELECT *,
    CASE WHEN ltv__api_shape THEN ltv_minor_unit(CASE WHEN ltv__converted THEN ltv__in_converted_currency ELSE ltv__in_currency END)
         ELSE CAST(1 AS DECIMAL(4, 3)) END AS ltv__unit,
    CASE WHEN ltv__converted THEN ltv__in_converted_amount ELSE ltv__in_amount END AS ltv__gross,
    coalesce(ltv_stripe_taken_back(ltv__in_amount_refunded, ltv__converted, ltv__in_amount, ltv__in_converted_amount),
      CASE WHEN ltv__converted AND ltv__in_amount_refunded IS NULL THEN ltv__in_converted_amount_refunded END,
      CASE WHEN lower(ltv__in_status) = 'refunded' THEN CASE WHEN ltv__converted THEN ltv__in_converted_amount ELSE ltv__in_amount END END) AS ltv__refunded,
    CASE WHEN lower(ltv_trim(ltv__in_dispute_status)) = 'lost' THEN coalesce(
      ltv_stripe_taken_back(ltv__in_disputed_amount, ltv__converted, ltv__in_amount, ltv__in_converted_amount),
      CASE WHEN ltv__converted THEN ltv__in_converted_amount ELSE ltv__in_amount END) END AS ltv__disputed,
    CASE WHEN ltv__api_shape THEN list_filter([
      {'name': 'Amount', 'cell': ltv__in_amount, 'currency': ltv__in_currency},
      {'name': 'Amount Refunded', 'cell': ltv__in_amount_refunded, 'currency': ltv__in_currency},
      {'name': 'Converted Amount', 'cell': ltv__in_converted_amount, 'currency': ltv__in_converted_currency},
      {'name': 'Converted Amount Refunded', 'cell': ltv__in_converted_amount_refunded, 'currency': ltv__in_converted_currency},
      {'name': 'Disputed Amount', 'cell': ltv__in_disputed_amount, 'currency': ltv__in_currency}],
      c -> contains(c.cell, '.') AND ltv_dec4(c.cell) IS NOT NULL)[1] END AS ltv__decimal_cell
  FROM (
    SELECT * REPLACE (
      ltv_no_thousands(ltv__in_amount) AS ltv__in_amount,
      ltv_no_thousands(ltv__in_amount_refunded) AS ltv__in_amount_refunded,
      ltv_no_thousands(ltv__in_converted_amount) AS ltv__in_converted_amount,
      ltv_no_thousands(ltv__in_converted_amount_refunded) AS ltv__in_converted_amount_refunded,
      ltv_no_thousands(ltv__in_fee) AS ltv__in_fee,
      ltv_no_thousands(ltv__in_disputed_amount) AS ltv__in_disputed_amount)
    FROM r
  )
),
parts AS (
  SELECT *,
    unnest(list_concat(list_concat(['payment'],
      CASE WHEN ltv__paid AND ltv_refund_part(ltv__refunded) THEN ['refund'] ELSE CAST([] AS VARCHAR[]) END),
      CASE WHEN ltv__paid AND ltv_refund_part(ltv__disputed) THEN ['dispute'] ELSE CAST([] AS VARCHAR[]) END)) AS ltv__part
  FROM amounts
)
SELECT *,
  coalesce(ltv__in_customer, lower(ltv__in_email), ltv__in_fingerprint) AS ltv__customer_id,
  CASE ltv__part WHEN 'payment' THEN ltv__in_id ELSE ltv__in_id || '/' || ltv__part END AS ltv__transaction_id,
  CASE
    WHEN regexp_full_match(ltv__t, '\d{9,11}') THEN strftime(make_timestamp(CAST(ltv__t AS BIGINT) * 1000000), '%Y-%m-%dT%H:%M:%S') || 'Z'
    ELSE ltv__t
  END AS ltv__event_time,
  ltv__t AS ltv__event_time__text,
  CASE
    WHEN ltv_dec4(ltv__gross) IS NULL THEN ltv__gross
    WHEN NOT ltv__paid THEN '0'
    WHEN ltv__part = 'payment' THEN CAST(ltv_dec4(ltv__gross) * ltv__unit AS VARCHAR)
    WHEN ltv__part = 'refund' THEN coalesce(CAST(-ltv_dec4(ltv__refunded) * ltv__unit AS VARCHAR), ltv__refunded)
    ELSE coalesce(CAST(-ltv_dec4(ltv__disputed) * ltv__unit AS VARCHAR), ltv__disputed)
  END AS ltv__amount,
  CASE WHEN ltv__converted THEN ltv__in_converted_currency ELSE ltv__in_currency END AS ltv__currency,
  CASE WHEN NOT ltv__paid THEN NULL
    WHEN ltv__in_fee IS NOT NULL AND ltv_dec4(ltv__in_fee) IS NULL THEN ltv__in_fee
    WHEN ltv__part = 'payment' AND ltv__converted AND NOT ltv__api_shape THEN CAST(ltv_dec4(ltv__gross) - ltv_dec4(ltv__in_fee) AS VARCHAR)
  END AS ltv__proceeds,
  CASE WHEN ltv__part = 'payment' AND ltv__paid AND NOT ltv__converted AND NOT ltv__api_shape
         AND ltv_dec4(ltv__in_converted_amount) > 0 AND ltv_dec4(ltv__in_fee) >= 0
    THEN ltv_units4_text(ltv_div_round_exact(ltv_units4(ltv_dec4(ltv__in_fee)) * 1000000, ltv_units4(ltv_dec4(ltv__in_converted_amount))))
  END AS ltv__commission_percentage,
  CASE WHEN ltv__part <> 'payment' THEN ltv__in_id END AS ltv__refund_of,
  CASE WHEN lower(ltv_trim(ltv__in_mode)) = 'test' OR (ltv_text(ltv__in_mode) IS NOT NULL AND NOT ltv_bool(ltv__in_mode)) THEN 'true' ELSE 'false' END AS ltv__is_sandbox,
  ltv__in_country AS ltv__country,
  'stripe' AS ltv__store,
  CASE WHEN NOT ltv__paid THEN NULL
    WHEN ltv__converted AND ltv_dec4(ltv__in_amount) IS NULL THEN 'Amount' || ' "' || left(coalesce(ltv__in_amount, ''), 60)
      || '" is no number on a paid charge (its refunds and disputes are converted at ' || 'Converted Amount' || ' ÷ '
      || 'Amount' || '); check the column, or export the payments again'
    WHEN ltv_dec4(ltv__in_amount) < 0 OR ltv__converted AND ltv_dec4(ltv__in_converted_amount) < 0
      THEN CASE WHEN ltv_dec4(ltv__in_amount) < 0 THEN 'Amount' || ' "' || left(ltv__in_amount, 60)
          ELSE 'Converted Amount' || ' "' || left(ltv__in_converted_amount, 60) END
        || '" is negative on a charge of status "' || left(coalesce(ltv__in_status, ''), 60) || '": Stripe writes no charge below 0 (money given back is its '
        || 'Amount Refunded' || '); check the column'
    WHEN ltv_dec4(ltv__in_amount_refunded) < 0 THEN 'Amount Refunded' || ' "' || left(ltv__in_amount_refunded, 60)
      || '" is negative: Stripe writes what a charge gave back as 0 or more; check the column'
    WHEN ltv_dec4(ltv__in_disputed_amount) < 0 THEN 'Disputed Amount' || ' "' || left(ltv__in_disputed_amount, 60)
      || '" is negative: Stripe writes what a dispute takes as 0 or more; check the column'
    WHEN ltv__decimal_cell IS NOT NULL THEN ltv__decimal_cell.name || ' "' || left(ltv__decimal_cell.cell, 60) || '" on a row whose '
      || 'Created date (UTC)' || ' is Unix seconds: Stripe''s API writes integer minor units ('
      || ltv_minor_example(ltv__decimal_cell.cell, ltv__decimal_cell.currency) || '); export from the Dashboard (major units) or write the integer'
  END AS ltv__reason
FROM (SELECT *, CASE ltv__part WHEN 'refund' THEN coalesce(ltv__in_refunded_at, ltv__in_created)
  WHEN 'dispute' THEN coalesce(ltv__in_dispute_date, ltv__in_created) ELSE ltv__in_created END AS ltv__t,
  CASE WHEN ltv__part = 'refund' AND ltv__in_refunded_at IS NOT NULL THEN 'Refunded date (UTC)'
    WHEN ltv__part = 'dispute' AND ltv__in_dispute_date IS NOT NULL THEN 'Dispute Date (UTC)'
    ELSE 'Created date (UTC)' END AS ltv__event_time__column FROM parts)
)
-- file 0: {{where}}

-- file 0: {{rate}}
CASE c.currency_code WHEN 0 THEN CAST(10000000000 AS BIGINT) WHEN 1 THEN ltv_rate(CAST($rate_r10_0 AS BIGINT[]), CAST($rate_first_0 AS DATE), CAST(ltv_local(c.event_time) AS DATE)) WHEN 2 THEN ltv_rate(CAST($rate_r10_1 AS BIGINT[]), CAST($rate_first_1 AS DATE), CAST(ltv_local(c.event_time) AS DATE)) WHEN 3 THEN ltv_rate(CAST($rate_r10_2 AS BIGINT[]), CAST($rate_first_2 AS DATE), CAST(ltv_local(c.event_time) AS DATE)) WHEN 4 THEN ltv_rate(CAST($rate_r10_3 AS BIGINT[]), CAST($rate_first_3 AS DATE), CAST(ltv_local(c.event_time) AS DATE)) END
-- file 0: {{currency_code}}
CAST(CASE WHEN t.currency = $currency THEN 0 WHEN t.currency = $rate_currency_0 THEN 1 WHEN t.currency = $rate_currency_1 THEN 2 WHEN t.currency = $rate_currency_2 THEN 3 WHEN t.currency = $rate_currency_3 THEN 4 END AS SMALLINT)
