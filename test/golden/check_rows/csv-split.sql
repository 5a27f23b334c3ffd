-- file 0: {{keep}}
"file_idx", "line", "line_known", "tenant_id", "customer_id", "event_time", "amount", currency_code AS currency, "r10", "transaction_id", "product_id"
-- file 0: {{line}}
src.__ltv_line
-- file 0: {{line_known}}
s.line IS NOT NULL
-- file 0: {{parse_error}}
src.__ltv_reason
-- file 0: {{columns}}
src."customer_id" AS "customer_id",
    src."event_time" AS "event_time",
    src."amount" AS "amount",
    src."transaction_id" AS "transaction_id",
    src."currency" AS "currency",
    NULL AS "tenant_id",
    NULL AS "commission_percentage",
    NULL AS "tax_percentage",
    NULL AS "proceeds",
    NULL AS "net_revenue",
    NULL AS "renewal_number",
    NULL AS "refunded_at",
    NULL AS "refund_of",
    NULL AS "is_sandbox",
    NULL AS "is_trial",
    NULL AS "updated_at",
    src."product_id" AS "product_id",
    NULL AS "duration",
    NULL AS "store",
    NULL AS "country",
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
'event_time' AS "event_time__column", CAST(NULL AS VARCHAR) AS "event_time__text", 'refunded_at' AS "refunded_at__column", CAST(NULL AS VARCHAR) AS "refunded_at__text", 'updated_at' AS "updated_at__column", CAST(NULL AS VARCHAR) AS "updated_at__text"
-- file 0: {{reader}}
read_csv($path, columns = {'__ltv_line': 'BIGINT', '__ltv_reason': 'VARCHAR', 'customer_id': 'VARCHAR', 'event_time': 'VARCHAR', 'amount': 'VARCHAR', 'currency': 'VARCHAR', 'transaction_id': 'VARCHAR', 'product_id': 'VARCHAR'}, header = false, delim = $delim, auto_detect = false, strict_mode = true, null_padding = false, quote = '"', escape = '"', compression = 'none', new_line = '\n', max_line_size = 1052672)
-- file 0: {{where}}

-- file 0: {{rate}}
CASE c.currency_code WHEN 0 THEN CAST(10000000000 AS BIGINT) WHEN 1 THEN ltv_rate(CAST($rate_r10_0 AS BIGINT[]), CAST($rate_first_0 AS DATE), CAST(ltv_local(c.event_time) AS DATE)) WHEN 2 THEN ltv_rate(CAST($rate_r10_1 AS BIGINT[]), CAST($rate_first_1 AS DATE), CAST(ltv_local(c.event_time) AS DATE)) WHEN 3 THEN ltv_rate(CAST($rate_r10_2 AS BIGINT[]), CAST($rate_first_2 AS DATE), CAST(ltv_local(c.event_time) AS DATE)) WHEN 4 THEN ltv_rate(CAST($rate_r10_3 AS BIGINT[]), CAST($rate_first_3 AS DATE), CAST(ltv_local(c.event_time) AS DATE)) END
-- file 0: {{currency_code}}
CAST(CASE WHEN t.currency = $currency THEN 0 WHEN t.currency = $rate_currency_0 THEN 1 WHEN t.currency = $rate_currency_1 THEN 2 WHEN t.currency = $rate_currency_2 THEN 3 WHEN t.currency = $rate_currency_3 THEN 4 END AS SMALLINT)
