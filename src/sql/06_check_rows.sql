-- SPEC §3 mapping and validation, one pass per input file: the file's rows, mapped onto the canonical
-- columns as text, are typed; `reason` names the first rule a row breaks (NULL = valid). No raw copy is
-- kept. Params: $file_idx, $currency (report currency), $iso_4217 (the ISO 4217 codes in current use, the
-- report currency's list: jobSchema.ts), $tenant (the job's tenant for rows without tenant_id),
-- $tenant_id_max (the longest tenant id the endpoint and keys take: src/config/tenantId.ts TENANT_ID_MAX),
-- $min_event_time, $as_of (T: a row after it needs no rate), $rates_given (whether the run has a rates file), $time_format (the input's, NULL when its
-- times are ISO 8601: for the reasons of event_time, refunded_at and updated_at only), $map_hint (the
-- remedy of a missing value's reason: map the column, or nothing with a preset), the rate lists' ($rate_currency_<i>,
-- $rate_first_<i>, $rate_r10_<i>) and the reader's own ($path, …).
-- The table is created empty beforehand from its declaration (src/warehouse/tables.ts CHECKED_ROWS); each
-- file's rows are appended in reading order. Identifiers (readInputs.ts, one reader variant each, kept as
-- golden files in test/golden/check_rows/): {{keep}} the output columns some input has (the view `checked` adds the
-- others as constants: a 10-column export does not store 30 columns of NULLs); {{line}} the physical line
-- where the reader knows it, else NULL (the row's position in checked_rows gives it); {{line_known}} whether
-- {{line}} is the physical line (`s.line IS NOT NULL`) or a position still to be corrected for rows DuckDB
-- rejected (FALSE: a row preset that turns one row into two numbers its rows itself); {{parse_error}}; {{columns}} one text expression per canonical column
-- (source names from the file header, quoted); {{time_sources}} for each time column (event_time,
-- refunded_at, updated_at) <c>__column, the name its reasons give it (the file's column a preset read it
-- from, per row: a Stripe refund's time is its Refunded date), and <c>__text, the text they quote (the
-- file's cell before a preset rewrote it; NULL: the column's own text); {{reader}}; {{where}} skips header/blank lines;
-- {{currency_code}} the currency's number: 0 the report currency, i + 1 the rates file's i-th, NULL any
-- other; {{rate}} the r10 expression of that number (readInputs.ts). The statement has no join: checked_rows' rowids are the reading order.
-- Output: table checked_rows(file_idx, line, line_known, tenant_id, customer_id, event_time TIMESTAMPTZ,
--   amount DECIMAL(18,4), currency SMALLINT (its number: later statements only compare currencies; a row
--   whose currency has no number has no rate and is quarantined), r10 (rate in 10⁻¹⁰ units), reason, and of
--   transaction_id, commission, tax,
--   proceeds, net_revenue, renewal_number, refunded_at, refund_of, is_sandbox, is_trial, updated_at,
--   dimensions… those in {{keep}}).
INSERT INTO checked_rows BY NAME
WITH s AS (
  SELECT CAST($file_idx AS INTEGER) AS file_idx, {{line}} AS line, {{parse_error}} AS parse_error, {{columns}},
    {{time_sources}}
  FROM {{reader}} AS src
  {{where}}
),
typed AS (
  SELECT
    s.file_idx,
    CAST(s.line AS BIGINT) AS line,
    {{line_known}} AS line_known,
    parse_error,
    coalesce(ltv_text(tenant_id), $tenant) AS tenant_id,
    ltv_text(customer_id) AS customer_id,
    ltv_text(transaction_id) AS transaction_id,
    event_time AS raw_event_time,
    event_time__column, coalesce(event_time__text, event_time) AS file_event_time,
    ltv_ts(event_time) AS event_time,
    amount AS raw_amount,
    ltv_dec4(amount) AS amount,
    currency AS raw_currency,
    coalesce(upper(ltv_text(currency)), $currency) AS currency,
    commission_percentage AS raw_commission,
    ltv_dec4(commission_percentage) AS commission,
    tax_percentage AS raw_tax,
    ltv_dec4(tax_percentage) AS tax,
    proceeds AS raw_proceeds,
    ltv_dec4(proceeds) AS proceeds,
    net_revenue AS raw_net_revenue,
    ltv_dec4(net_revenue) AS net_revenue,
    renewal_number AS raw_renewal_number,
    ltv_int(renewal_number) AS renewal_number,
    refunded_at AS raw_refunded_at,
    refunded_at__column, coalesce(refunded_at__text, refunded_at) AS file_refunded_at,
    ltv_ts(refunded_at) AS refunded_at,
    ltv_text(refund_of) AS refund_of,
    is_sandbox AS raw_is_sandbox,
    ltv_bool(is_sandbox) AS is_sandbox,
    is_trial AS raw_is_trial,
    ltv_bool(is_trial) AS is_trial,
    updated_at AS raw_updated_at,
    updated_at__column, coalesce(updated_at__text, updated_at) AS file_updated_at,
    ltv_ts(updated_at) AS updated_at,
    ltv_text(product_id) AS product_id, ltv_text(duration) AS duration, ltv_text(store) AS store,
    upper(ltv_text(country)) AS country, ltv_text(paywall) AS paywall, ltv_text(paywalls_group) AS paywalls_group,
    ltv_text(audience) AS audience, ltv_text(placement) AS placement, ltv_text(offer_category) AS offer_category,
    ltv_text(offer_type) AS offer_type, ltv_text(offer_id) AS offer_id,
    ltv_text(attribution_source) AS attribution_source, ltv_text(attribution_status) AS attribution_status,
    ltv_text(attribution_channel) AS attribution_channel, ltv_text(attribution_campaign) AS attribution_campaign,
    ltv_text(attribution_adgroup) AS attribution_adgroup, ltv_text(attribution_adset) AS attribution_adset,
    ltv_text(attribution_creative) AS attribution_creative
  FROM s
),
with_code AS (
  SELECT t.*, {{currency_code}} AS currency_code
  FROM typed t
),
with_rate AS (
  -- SPEC §3: the latest rate on or before the transaction's local date (session time zone = report zone).
  -- {{rate}} looks it up by the currency's number in bound per-currency lists of daily rates
  -- (04_rate_days.sql, readInputs.ts): no join, because the rowids of checked_rows must follow the file (a
  -- join does not keep DuckDB's reading order, and a row's line, duplicate ranking and ties all come from
  -- that order). Rows in the report currency compute no local date (a time zone conversion).
  -- A row that carries no money (a failed charge, a voided order, a cancellation event: amount 0, no
  -- proceeds or net) in a currency without a rate converts at 1: nothing to convert, and it was quarantined
  -- for a rate it does not need (README: such rows are read with amount 0, never quarantined). A code that
  -- is no ISO 4217 code is still a bad row.
  SELECT c.*, coalesce({{rate}}, CASE WHEN c.amount = 0 AND coalesce(c.proceeds, 0) = 0 AND coalesce(c.net_revenue, 0) = 0
    AND list_contains(CAST($iso_4217 AS VARCHAR[]), c.currency) THEN CAST(10000000000 AS BIGINT) END) AS r10
  FROM with_code c
)
SELECT
  {{keep}},
  -- Each rule tests the typed value first: the text is looked at again only for the few rows it failed
  -- (a valid row passes every WHEN, so their order decides what is computed for every row). A non-NULL
  -- r10 means a currency that is the report's or one of the rates file's, both checked as [A-Z]{3}.
  CASE
    WHEN parse_error IS NOT NULL THEN parse_error
    -- A tenant id longer than the endpoint and keys take (tenantId.ts isValidTenantId; it is never empty here:
    -- an empty one is the job's) was published but could never be served. Counted as JavaScript counts
    -- (UTF-16 units: a character beyond U+FFFF is two); strlen, bytes, is never less, so most rows stop there.
    WHEN strlen(tenant_id) > CAST($tenant_id_max AS BIGINT)
      AND length(tenant_id) + length(regexp_replace(tenant_id, '[^\x{10000}-\x{10ffff}]', '', 'g')) > CAST($tenant_id_max AS BIGINT)
      THEN 'tenant_id is longer than ' || format('{:,}', CAST($tenant_id_max AS BIGINT)) || ' characters, the most the endpoint serves and a key can name: shorten it (or leave it empty for the job''s tenant)'
    WHEN customer_id IS NULL THEN 'customer_id is missing: give the row its customer' || $map_hint
    WHEN event_time IS NULL AND ltv_text(raw_event_time) IS NULL THEN 'event_time is missing: give the row its time' || $map_hint
    WHEN event_time IS NULL OR NOT isfinite(event_time) THEN CASE
      WHEN CAST($time_format AS VARCHAR) IS NULL THEN ltv_time_reason(event_time__column, file_event_time)
      ELSE event_time__column || ' "' || left(file_event_time, 60) || '" matches neither the time_format ' || CAST($time_format AS VARCHAR) || ' (or is no real date in it) nor ISO 8601' END
    WHEN event_time < CAST($min_event_time AS TIMESTAMPTZ) THEN CASE
      -- Text the time_format did not read stays as the file wrote it (maybeTimeFormat): quoted as such. Its
      -- reading has the shape strftime gives it: 2026-01-05T00:00:00.000000, an offset after it with %z.
      WHEN CAST($time_format AS VARCHAR) IS NULL OR NOT regexp_full_match(raw_event_time, '\d{4,}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}([+-]\d{4})?') THEN event_time__column || ' "' || left(file_event_time, 60) || '" is before min_event_time ' || $min_event_time || ': a placeholder or damaged date? correct the row, or set an earlier min_event_time in the job'
      -- The text here is already the time_format's reading (readInputs.ts maybeTimeFormat): say it is, rather
      -- than quote as the file's a value it does not hold ("0026-01-05T00:00:00.000000" for 05/01/26).
      -- The shape alone cannot tell the format's reading from a file's own text written so: both are said.
      ELSE event_time__column || ' read as ' || left(raw_event_time, 60) || ' (with the time_format ' || CAST($time_format AS VARCHAR) || ', or as ISO 8601 text it does not match) is before min_event_time ' || $min_event_time
        || ': a two-digit year read with %Y (use %y), a placeholder or a damaged date? correct the row or the time_format, or set an earlier min_event_time in the job' END
    WHEN amount IS NULL AND ltv_text(raw_amount) IS NULL THEN 'amount is missing: give the row its amount' || $map_hint
    WHEN amount IS NULL AND ltv_over_14_digits(raw_amount) THEN 'amount has more than 14 digits before the decimal point, more than ltv reads exactly (minor units such as cents read as units?): "' || left(raw_amount, 60) || '"'
    WHEN amount IS NULL THEN 'amount is not a decimal number (digits, a dot, at most 4 decimals; no separators or exponent): "' || left(raw_amount, 60) || '"'
    -- A code neither the report's nor the rates file's that is no ISO 4217 code in current use (the list the
    -- report currency is checked against): a typo or another column, not a currency to set the report in.
    -- Quoted as the file writes it ("US Dollar" was quoted upper-cased, text the user could not search for).
    WHEN r10 IS NULL AND currency_code IS NULL AND NOT list_contains(CAST($iso_4217 AS VARCHAR[]), currency) THEN 'currency "' || left(raw_currency, 60) || '" is not an ISO 4217 code in current use (e.g. USD, EUR, GBP)'
      || ': correct it in the file, or map the column that holds the currency (--map currency=<column>, or map in the job file); a withdrawn code is read when the rates file gives its rate'
    -- A rate converts money the run counts: a row after T (SPEC §2: it does not exist for the run) or a sandbox
    -- row needs none; counted as such (after_as_of_rows, sandbox_rows), not set aside for want of a rate that a
    -- backfill over a newer export could not have.
    WHEN r10 IS NULL AND NOT (event_time > CAST($as_of AS TIMESTAMPTZ) OR coalesce(is_sandbox, FALSE)) THEN 'no exchange rate for ' || currency || ' on or before ' || CAST(CAST(event_time AS DATE) AS VARCHAR) || CASE WHEN CAST($rates_given AS BOOLEAN)
      THEN ': add one to the rates file'
      ELSE ': the run has no rates file; give one (--rates <file>, or the job field rates: a CSV of date,currency,rate), or set the report currency to ' || currency END
    WHEN (commission IS NULL OR commission < 0 OR commission > 100) AND ltv_text(raw_commission) IS NOT NULL THEN 'commission_percentage is not a number from 0 to 100: "' || left(raw_commission, 60) || '"'
    WHEN (tax IS NULL OR tax < 0 OR tax > 100) AND ltv_text(raw_tax) IS NOT NULL THEN 'tax_percentage is not a number from 0 to 100: "' || left(raw_tax, 60) || '"'
    WHEN proceeds IS NULL AND ltv_over_14_digits(raw_proceeds) THEN 'proceeds has more than 14 digits before the decimal point, more than ltv reads exactly: "' || left(raw_proceeds, 60) || '"'
    WHEN proceeds IS NULL AND ltv_text(raw_proceeds) IS NOT NULL THEN 'proceeds is not a decimal number (digits, a dot, at most 4 decimals): "' || left(raw_proceeds, 60) || '"'
    WHEN net_revenue IS NULL AND ltv_over_14_digits(raw_net_revenue) THEN 'net_revenue has more than 14 digits before the decimal point, more than ltv reads exactly: "' || left(raw_net_revenue, 60) || '"'
    WHEN net_revenue IS NULL AND ltv_text(raw_net_revenue) IS NOT NULL THEN 'net_revenue is not a decimal number (digits, a dot, at most 4 decimals): "' || left(raw_net_revenue, 60) || '"'
    -- Proceeds and net revenue are what is left of a payment's amount (SPEC §1): more than it is another
    -- column (the price before a discount, another currency) mapped to them. Not less than 0: a payment's fixed
    -- fee can exceed a small amount (Stripe: 0.50 − 0.30 − 2.9 %), and a refund's fees are not the amount's.
    WHEN amount >= 0 AND proceeds > amount THEN 'proceeds "' || left(raw_proceeds, 60) || '" is more than the amount "' || left(raw_amount, 60) || '": proceeds are what is left of the amount after the store''s commission; map the right column, or give both in the same currency'
    WHEN amount >= 0 AND net_revenue > amount THEN 'net_revenue "' || left(raw_net_revenue, 60) || '" is more than the amount "' || left(raw_amount, 60) || '": net revenue is what is left of the amount after commission and taxes; map the right column, or give both in the same currency'
    -- A renewal a day for 27 years is 9,999: a larger number is another column's (an order or transaction
    -- number), and made a matrix of as many periods (100,000 crashed the workbook; 10⁹ ran out of memory).
    WHEN renewal_number > 9999 OR (renewal_number IS NULL AND regexp_full_match(ltv_trim(raw_renewal_number), '\+?0*[1-9]\d{9,}')) THEN 'renewal_number "' || left(raw_renewal_number, 60) || '" is above 9999, the most ltv reads (a renewal a day for 27 years): is it another column, an order or transaction number? Map the renewal count, or leave renewal_number out (ltv then counts the renewals)'
    WHEN (renewal_number IS NULL OR renewal_number < 0) AND ltv_text(raw_renewal_number) IS NOT NULL THEN 'renewal_number is not a whole number ≥ 0: "' || left(raw_renewal_number, 60) || '"'
    WHEN (refunded_at IS NULL AND ltv_text(raw_refunded_at) IS NOT NULL) OR NOT isfinite(refunded_at) THEN CASE
      WHEN CAST($time_format AS VARCHAR) IS NULL THEN ltv_time_reason(refunded_at__column, file_refunded_at)
      ELSE refunded_at__column || ' "' || left(file_refunded_at, 60) || '" matches neither the time_format ' || CAST($time_format AS VARCHAR) || ' (or is no real date in it) nor ISO 8601' END
    WHEN refunded_at IS NOT NULL AND amount > 0 AND refunded_at < event_time THEN 'refunded_at is before event_time: a payment cannot be refunded before it is made; correct one of the two times'
    -- SPEC §2: a refund's amount is negative; a refund exported as a positive number would count as a payment.
    WHEN refund_of IS NOT NULL AND amount >= 0 THEN 'refund_of is set but amount "' || left(raw_amount, 60) || '" is not negative: a refund row takes money back (give its amount as negative); a payment has no refund_of'
    WHEN is_sandbox IS NULL THEN 'is_sandbox is not a boolean: "' || left(raw_is_sandbox, 60) || '"'
    WHEN is_trial IS NULL THEN 'is_trial is not a boolean: "' || left(raw_is_trial, 60) || '"'
    WHEN (updated_at IS NULL AND ltv_text(raw_updated_at) IS NOT NULL) OR NOT isfinite(updated_at) THEN CASE
      WHEN CAST($time_format AS VARCHAR) IS NULL THEN ltv_time_reason(updated_at__column, file_updated_at)
      ELSE updated_at__column || ' "' || left(file_updated_at, 60) || '" matches neither the time_format ' || CAST($time_format AS VARCHAR) || ' (or is no real date in it) nor ISO 8601' END
  END AS reason
FROM with_rate
