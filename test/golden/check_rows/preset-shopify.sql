-- file 0: {{keep}}
"file_idx", "line", "line_known", "tenant_id", "customer_id", "event_time", "amount", currency_code AS currency, "r10", "transaction_id", "net_revenue", "refund_of", "product_id", "store", "country", "offer_id"
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
    NULL AS "proceeds",
    src."ltv__net_revenue" AS "net_revenue",
    NULL AS "renewal_number",
    NULL AS "refunded_at",
    src."ltv__refund_of" AS "refund_of",
    NULL AS "is_sandbox",
    NULL AS "is_trial",
    NULL AS "updated_at",
    src."ltv__product_id" AS "product_id",
    NULL AS "duration",
    src."ltv__store" AS "store",
    src."ltv__country" AS "country",
    NULL AS "paywall",
    NULL AS "paywalls_group",
    NULL AS "audience",
    NULL AS "placement",
    NULL AS "offer_category",
    NULL AS "offer_type",
    src."ltv__offer_id" AS "offer_id",
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
(WITH r0 AS (
  SELECT *, coalesce(ltv__in_name, ltv__in_id, 'line ' || ltv__line) AS ltv__order,
    ltv__in_financial_status IS NOT NULL OR ltv__in_total IS NOT NULL OR ltv__in_id IS NOT NULL AS ltv__starts
  FROM (SELECT src.*, row_number() OVER () + 1 AS ltv__line, nullif(ltv_trim(src."Name"), '') AS "ltv__in_name", nullif(ltv_trim(src."Id"), '') AS "ltv__in_id", nullif(ltv_trim(src."Email"), '') AS "ltv__in_email", CAST(NULL AS VARCHAR) AS "ltv__in_customer", nullif(ltv_trim(src."Phone"), '') AS "ltv__in_phone", nullif(ltv_trim(src."Financial Status"), '') AS "ltv__in_financial_status", nullif(ltv_trim(src."Created at"), '') AS "ltv__in_created_at", nullif(ltv_trim(src."Currency"), '') AS "ltv__in_currency", nullif(ltv_trim(src."Total"), '') AS "ltv__in_total", nullif(ltv_trim(src."Taxes"), '') AS "ltv__in_taxes", nullif(ltv_trim(src."Refunded Amount"), '') AS "ltv__in_refunded", nullif(ltv_trim(src."Outstanding Balance"), '') AS "ltv__in_outstanding", nullif(ltv_trim(src."Billing Country"), '') AS "ltv__in_billing_country", nullif(ltv_trim(src."Shipping Country"), '') AS "ltv__in_shipping_country", nullif(ltv_trim(src."Lineitem sku"), '') AS "ltv__in_sku", nullif(ltv_trim(src."Lineitem name"), '') AS "ltv__in_item", nullif(ltv_trim(src."Discount Code"), '') AS "ltv__in_discount_code" FROM read_csv($path, columns = {'Name': 'VARCHAR', 'Email': 'VARCHAR', 'Financial Status': 'VARCHAR', 'Paid at': 'VARCHAR', 'Fulfillment Status': 'VARCHAR', 'Fulfilled at': 'VARCHAR', 'Accepts Marketing': 'VARCHAR', 'Currency': 'VARCHAR', 'Subtotal': 'VARCHAR', 'Shipping': 'VARCHAR', 'Taxes': 'VARCHAR', 'Total': 'VARCHAR', 'Discount Code': 'VARCHAR', 'Discount Amount': 'VARCHAR', 'Shipping Method': 'VARCHAR', 'Created at': 'VARCHAR', 'Lineitem quantity': 'VARCHAR', 'Lineitem name': 'VARCHAR', 'Lineitem price': 'VARCHAR', 'Lineitem compare at price': 'VARCHAR', 'Lineitem sku': 'VARCHAR', 'Lineitem requires shipping': 'VARCHAR', 'Lineitem taxable': 'VARCHAR', 'Lineitem fulfillment status': 'VARCHAR', 'Billing Name': 'VARCHAR', 'Billing City': 'VARCHAR', 'Billing Zip': 'VARCHAR', 'Billing Country': 'VARCHAR', 'Shipping Name': 'VARCHAR', 'Shipping Country': 'VARCHAR', 'Notes': 'VARCHAR', 'Cancelled at': 'VARCHAR', 'Payment Method': 'VARCHAR', 'Refunded Amount': 'VARCHAR', 'Vendor': 'VARCHAR', 'Outstanding Balance': 'VARCHAR', 'Employee': 'VARCHAR', 'Id': 'VARCHAR', 'Tags': 'VARCHAR', 'Risk Level': 'VARCHAR', 'Source': 'VARCHAR', 'Phone': 'VARCHAR'}, header = true, delim = $delim, auto_detect = false, strict_mode = true, null_padding = false, quote = '"', escape = '"', compression = 'none', new_line = '\n', max_line_size = 1048576) AS src )
),
r AS (
  SELECT *, count(*) FILTER (WHERE ltv__starts) OVER (PARTITION BY ltv__order ORDER BY ltv__line ROWS UNBOUNDED PRECEDING) AS ltv__block
  FROM r0
),
o AS (
  SELECT *,
    ltv__line = min(ltv__line) OVER w AS ltv__first,
    first_value(ltv__in_id IGNORE NULLS) OVER w AS ltv__o_id,
    first_value(ltv__in_email IGNORE NULLS) OVER w AS ltv__o_email,
    first_value(ltv__in_phone IGNORE NULLS) OVER w AS ltv__o_phone,
    first_value(ltv__in_customer IGNORE NULLS) OVER w AS ltv__o_customer,
    replace(lower(first_value(ltv__in_financial_status IGNORE NULLS) OVER w), ' ', '_') AS ltv__o_status,
    first_value(ltv__in_financial_status IGNORE NULLS) OVER w AS ltv__o_status_text,
    first_value(ltv__in_created_at IGNORE NULLS) OVER w AS ltv__o_created,
    first_value(ltv__in_currency IGNORE NULLS) OVER w AS ltv__o_currency,
    first_value(ltv__in_total IGNORE NULLS) OVER w AS ltv__o_total,
    first_value(ltv__in_taxes IGNORE NULLS) OVER w AS ltv__o_taxes,
    first_value(ltv__in_refunded IGNORE NULLS) OVER w AS ltv__o_refunded,
    first_value(ltv__in_outstanding IGNORE NULLS) OVER w AS ltv__o_outstanding,
    first_value(coalesce(ltv__in_billing_country, ltv__in_shipping_country) IGNORE NULLS) OVER w AS ltv__o_country,
    first_value(coalesce(ltv__in_sku, ltv__in_item) IGNORE NULLS) OVER w AS ltv__o_product,
    first_value(ltv__in_discount_code IGNORE NULLS) OVER w AS ltv__o_discount
  FROM r
  WINDOW w AS (PARTITION BY ltv__order, ltv__block ORDER BY ltv__line ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
),
paid AS (
  SELECT *,
    ltv__first AND coalesce(ltv__o_status IN ('paid', 'partially_refunded', 'refunded', 'partially_paid'), FALSE) AS ltv__paid,
    CASE WHEN coalesce(ltv__o_status NOT IN ('partially_paid', 'paid', 'partially_refunded'), TRUE) OR ltv_dec4(ltv__o_total) IS NULL THEN ltv__o_total
      WHEN ltv__o_outstanding IS NOT NULL AND ltv_dec4(ltv__o_outstanding) IS NULL THEN ltv__o_outstanding
      ELSE CAST(ltv_dec4(ltv__o_total) - coalesce(ltv_dec4(ltv__o_outstanding), 0) AS VARCHAR) END AS ltv__paid_amount,
    ltv__o_taxes IS NOT NULL AND ltv_dec4(ltv__o_taxes) IS NULL AS ltv__bad_taxes,
    CASE WHEN ltv__o_status = 'refunded' AND ltv__o_refunded IS NULL THEN ltv__o_total ELSE ltv__o_refunded END AS ltv__refunded
  FROM o
),
parts AS (
  SELECT *,
    unnest(CASE WHEN ltv__paid AND ltv_refund_part(ltv__refunded) THEN ['payment', 'refund'] ELSE ['payment'] END) AS ltv__part
  FROM paid
)
SELECT *,
  coalesce(lower(ltv__o_email), ltv__o_customer, ltv__o_phone) AS ltv__customer_id,
  CASE WHEN NOT ltv__first THEN NULL WHEN ltv__part = 'payment' THEN coalesce(ltv__o_id, ltv__order) ELSE coalesce(ltv__o_id, ltv__order) || '/refund' END AS ltv__transaction_id,
  regexp_replace(ltv__o_created, '\s+([+-]\d{2}):?(\d{2})$', '\1:\2') AS ltv__event_time,
  'Created at' AS ltv__event_time__column, ltv__o_created AS ltv__event_time__text,
  CASE
    WHEN NOT ltv__paid THEN '0'
    WHEN ltv__part = 'payment' THEN ltv__paid_amount
    WHEN ltv_dec4(ltv__paid_amount) IS NULL AND ltv__paid_amount IS NOT NULL THEN ltv__paid_amount
    ELSE coalesce(CAST(-ltv_dec4(ltv__refunded) AS VARCHAR), ltv__refunded)
  END AS ltv__amount,
  ltv__o_currency AS ltv__currency,
  CASE WHEN NOT ltv__paid THEN NULL
    WHEN ltv__bad_taxes THEN ltv__o_taxes
    WHEN ltv__part = 'payment' AND ltv__o_status <> 'partially_paid' AND coalesce(ltv_dec4(ltv__o_outstanding), 0) <= 0
      THEN CAST(ltv_dec4(ltv__o_total) - ltv_dec4(ltv__o_taxes) AS VARCHAR) END AS ltv__net_revenue,
  CASE WHEN ltv__part = 'refund' THEN coalesce(ltv__o_id, ltv__order) END AS ltv__refund_of,
  ltv__o_country AS ltv__country,
  ltv__o_product AS ltv__product_id,
  ltv__o_discount AS ltv__offer_id,
  'shopify' AS ltv__store,
  CASE
    WHEN ltv__first AND coalesce(ltv__o_status NOT IN ('pending', 'authorized', 'partially_paid', 'paid', 'partially_refunded', 'refunded', 'voided', 'expired'), TRUE)
      THEN 'Financial Status' || ' "' || left(coalesce(ltv__o_status_text, ''), 60) || '" is none of Shopify''s financial statuses (pending, authorized, '
        || 'partially_paid, paid, partially_refunded, refunded, voided, expired): set aside, not read as 0 (it may be a payment); check the column'
    WHEN ltv__paid AND ltv_dec4(ltv__paid_amount) < 0 THEN CASE
    WHEN ltv_dec4(ltv__o_total) < 0 THEN 'Total' || ' "' || left(ltv__o_total, 60) || '" is negative: Shopify''s export writes no order total below 0 (what an order gives back is its Refunded Amount)'
    ELSE 'Outstanding Balance' || ' "' || left(ltv__o_outstanding, 60) || '" is more than ' || 'Total' || ' "' || left(ltv__o_total, 60)
      || '" of the order: its paid amount would be negative, which Shopify''s export never writes' END
    WHEN ltv__paid AND ltv__o_status = 'partially_refunded' AND ltv__o_refunded IS NULL THEN CASE
      WHEN TRUE THEN 'Refunded Amount' || ' "" is empty on an order whose ' || 'Financial Status' || ' is "' || left(ltv__o_status_text, 60)
        || '": part of it was refunded and the file does not say how much; fill in the amount refunded (the order''s page in the admin shows it), or export the orders again'
      ELSE 'the file has no column ' || 'Refunded Amount' || ', and this order''s ' || 'Financial Status' || ' is "' || left(ltv__o_status_text, 60)
        || '": part of it was refunded and the file does not say how much; export the orders again with that column' END
    WHEN ltv__paid AND ltv__o_status IN ('refunded', 'partially_refunded') AND ltv_dec4(ltv__o_refunded) = 0 AND ltv_dec4(ltv__o_total) > 0
      THEN 'Refunded Amount' || ' "' || left(ltv__o_refunded, 60) || '" is 0 on an order whose ' || 'Financial Status' || ' is "' || left(ltv__o_status_text, 60)
        || '" and whose ' || 'Total' || ' is "' || left(ltv__o_total, 60) || '": the file does not say how much was refunded; fill in the amount refunded (the order''s page in the admin shows it), or export the orders again'
    WHEN ltv__paid AND ltv_dec4(ltv__o_refunded) < 0 THEN 'Refunded Amount' || ' "' || left(ltv__o_refunded, 60)
      || '" is negative: Shopify writes what an order gave back as 0 or more; check the column'
  END AS ltv__reason
FROM parts
ORDER BY ltv__line, ltv__part
)
-- file 0: {{where}}

-- file 0: {{rate}}
CASE c.currency_code WHEN 0 THEN CAST(10000000000 AS BIGINT) WHEN 1 THEN ltv_rate(CAST($rate_r10_0 AS BIGINT[]), CAST($rate_first_0 AS DATE), CAST(ltv_local(c.event_time) AS DATE)) WHEN 2 THEN ltv_rate(CAST($rate_r10_1 AS BIGINT[]), CAST($rate_first_1 AS DATE), CAST(ltv_local(c.event_time) AS DATE)) WHEN 3 THEN ltv_rate(CAST($rate_r10_2 AS BIGINT[]), CAST($rate_first_2 AS DATE), CAST(ltv_local(c.event_time) AS DATE)) WHEN 4 THEN ltv_rate(CAST($rate_r10_3 AS BIGINT[]), CAST($rate_first_3 AS DATE), CAST(ltv_local(c.event_time) AS DATE)) END
-- file 0: {{currency_code}}
CAST(CASE WHEN t.currency = $currency THEN 0 WHEN t.currency = $rate_currency_0 THEN 1 WHEN t.currency = $rate_currency_1 THEN 2 WHEN t.currency = $rate_currency_2 THEN 3 WHEN t.currency = $rate_currency_3 THEN 4 END AS SMALLINT)
