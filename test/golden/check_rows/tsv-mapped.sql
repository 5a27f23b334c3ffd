-- file 0: {{keep}}
"file_idx", "line", "line_known", "tenant_id", "customer_id", "event_time", "amount", currency_code AS currency, "r10"
-- file 0: {{line}}
NULL
-- file 0: {{line_known}}
s.line IS NOT NULL
-- file 0: {{parse_error}}
NULL
-- file 0: {{columns}}
src."user" AS "customer_id",
    coalesce(strftime(try_strptime(src."when", '%d/%m/%Y %H:%M'), '%Y-%m-%dT%H:%M:%S.%f'), src."when") AS "event_time",
    src."price" AS "amount",
    NULL AS "transaction_id",
    NULL AS "currency",
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
    NULL AS "product_id",
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
'when' AS "event_time__column", src."when" AS "event_time__text", 'refunded_at' AS "refunded_at__column", CAST(NULL AS VARCHAR) AS "refunded_at__text", 'updated_at' AS "updated_at__column", CAST(NULL AS VARCHAR) AS "updated_at__text"
-- file 0: {{reader}}
read_csv($path, columns = {'user': 'VARCHAR', 'when': 'VARCHAR', 'price': 'VARCHAR'}, header = true, delim = $delim, auto_detect = false, strict_mode = true, null_padding = false, quote = '"', escape = '"', compression = 'none', new_line = '\n', max_line_size = 1048576)
-- file 0: {{where}}

-- file 0: {{rate}}
CASE c.currency_code WHEN 0 THEN CAST(10000000000 AS BIGINT)  END
-- file 0: {{currency_code}}
CAST(CASE WHEN t.currency = $currency THEN 0  END AS SMALLINT)
