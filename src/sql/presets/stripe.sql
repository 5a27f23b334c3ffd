-- SPEC §3 preset `stripe` (src/ingest/presets/stripe.ts): the Dashboard's Payments export, one row per
-- charge. Params: $currency (the report currency). Identifiers: {{rows}} the file's rows, each with
-- ltv__line and the inputs ltv__in_<input> (wrapRowPreset.ts).
-- Rules (the vendor's meaning, README "Sources"):
-- - a payment is a charge whose status is paid/succeeded (or refunded, partially refunded, disputed: it
--   was paid first) and that was captured; failed, pending, canceled or uncaptured charges carry amount 0
--   (read and counted, no money, no cohort);
-- - Amount Refunded > 0 on a payment (Status Refunded without it: the whole amount) becomes a second row:
--   a refund of −refunded that refers to the charge
--   (transaction id `<charge>/refund`), at the refund time when the export has one, else at the charge's time
--   (a linked refund counts at its payment's time anyway, SPEC §4); a lost dispute (Dispute Status lost)
--   likewise takes back its Disputed Amount (`<charge>/dispute`, at the Dispute Date), the whole charge when
--   the export has no amount;
-- - amounts: the Dashboard export writes major units (10.00 USD, 1000 JPY); a row whose created time is Unix
--   seconds is the API/Sigma shape, whose amounts count the currency's minor unit (1000 = 10.00 USD, JPY
--   has none: ltv_minor_unit);
-- - Converted Amount / Converted Currency (the settlement currency) are used when that is the report
--   currency: no exchange rate needed; a refund or lost dispute then converts at its charge's own rate,
--   taken × Converted Amount ÷ Amount (SPEC §3: a full refund nets to exactly zero; Stripe's Converted
--   Amount Refunded is at the refund day's rate, used only when the export lacks Amount Refunded); Fee is in the settlement currency, so it gives proceeds there
--   (Converted Amount − Fee), and otherwise the commission as a share of the converted amount (an export
--   without Converted Amount does not say which currency Fee is in: it is not used);
-- - numbers are read as the check reads them (ltv_dec4: exactly, or not at all): a paid charge whose Fee is
--   there but no number passes that text on as the proceeds of its rows (payment and refund), so the check
--   quarantines them with the value (an empty Fee is no fee); a converted refund or commission share is
--   computed in exact integers (10⁻⁴ units) and rounded half away from zero to the 4 decimals the check
--   reads (SPEC §4: no binary floating point along the way);
-- - a paid charge whose Amount is no number while Converted Amount is used (its refund could not be
--   converted), or whose Amount, Converted Amount, Amount Refunded or Disputed Amount is negative (Stripe
--   writes none), or, in the API shape, has a decimal point (the API writes integer minor units), is a bad row
--   (ltv__reason) quoting the cells, its refund and dispute rows with it;
-- - times are UTC ("Created date (UTC)"): a time without an offset, in any shape the check reads or in the
--   input's time_format, is read as UTC, not in the report zone (stripe.ts `utc`, after this statement);
-- - the customer is Customer ID, else Customer Email, else the card's fingerprint (guest charges).
-- Output: the rows with ltv__<canonical column> text columns (RowPreset.outputs).
WITH r AS (
  SELECT *,
    regexp_full_match(coalesce(ltv__in_created, ''), '\d{9,11}') AS ltv__api_shape,
    coalesce(lower(ltv__in_status) IN ('paid', 'succeeded', 'refunded', 'partially refunded', 'partially_refunded', 'disputed'), TRUE)
      -- ltv_bool(NULL) is FALSE: an export without the Captured column means captured.
      AND (ltv__in_captured IS NULL OR coalesce(ltv_bool(ltv__in_captured), TRUE)) AS ltv__paid,
    upper(ltv__in_converted_currency) = $currency AND ltv__in_converted_amount IS NOT NULL AS ltv__converted
  FROM {{rows}}
),
amounts AS (
  SELECT *,
    CASE WHEN ltv__api_shape THEN ltv_minor_unit(CASE WHEN ltv__converted THEN ltv__in_converted_currency ELSE ltv__in_currency END)
         ELSE CAST(1 AS DECIMAL(4, 3)) END AS ltv__unit,
    CASE WHEN ltv__converted THEN ltv__in_converted_amount ELSE ltv__in_amount END AS ltv__gross,
    -- Status Refunded is a full refund: without an amount refunded (a column left out of the export) the
    -- whole charge is taken back, not counted as paid.
    coalesce(ltv_stripe_taken_back(ltv__in_amount_refunded, ltv__converted, ltv__in_amount, ltv__in_converted_amount),
      -- No amount refunded in the charge's currency, only the converted one: as Stripe wrote it.
      CASE WHEN ltv__converted AND ltv__in_amount_refunded IS NULL THEN ltv__in_converted_amount_refunded END,
      CASE WHEN lower(ltv__in_status) = 'refunded' THEN CASE WHEN ltv__converted THEN ltv__in_converted_amount ELSE ltv__in_amount END END) AS ltv__refunded,
    -- A dispute the merchant lost takes its amount back as a refund does (Stripe withdraws it from the
    -- balance); one without a Disputed Amount, the whole charge. Won, open or warning disputes take nothing.
    CASE WHEN lower(ltv_trim(ltv__in_dispute_status)) = 'lost' THEN coalesce(
      ltv_stripe_taken_back(ltv__in_disputed_amount, ltv__converted, ltv__in_amount, ltv__in_converted_amount),
      CASE WHEN ltv__converted THEN ltv__in_converted_amount ELSE ltv__in_amount END) END AS ltv__disputed,
    -- The API writes every amount as an integer count of minor units: a decimal point on a row of its shape
    -- is a major-unit amount beside a Unix time, divided as cents it was read 100× too small. The first such
    -- cell, with the currency it is in (NULL: none, or not the API shape).
    CASE WHEN ltv__api_shape THEN list_filter([
      {'name': {{name_amount}}, 'cell': ltv__in_amount, 'currency': ltv__in_currency},
      {'name': {{name_amount_refunded}}, 'cell': ltv__in_amount_refunded, 'currency': ltv__in_currency},
      {'name': {{name_converted_amount}}, 'cell': ltv__in_converted_amount, 'currency': ltv__in_converted_currency},
      {'name': {{name_converted_amount_refunded}}, 'cell': ltv__in_converted_amount_refunded, 'currency': ltv__in_converted_currency},
      {'name': {{name_disputed_amount}}, 'cell': ltv__in_disputed_amount, 'currency': ltv__in_currency}],
      c -> contains(c.cell, '.') AND ltv_dec4(c.cell) IS NOT NULL)[1] END AS ltv__decimal_cell
  FROM (
    -- "1,234.56": thousands separators, as a spreadsheet may save them, are dropped from every amount (a
    -- converted refund or a fee so written was read as no number: the refund vanished, the fee was 0).
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
    -- Text that is no number stays as it is: the check quarantines it with its reason.
    WHEN ltv_dec4(ltv__gross) IS NULL THEN ltv__gross
    WHEN NOT ltv__paid THEN '0'
    WHEN ltv__part = 'payment' THEN CAST(ltv_dec4(ltv__gross) * ltv__unit AS VARCHAR)
    WHEN ltv__part = 'refund' THEN coalesce(CAST(-ltv_dec4(ltv__refunded) * ltv__unit AS VARCHAR), ltv__refunded)
    ELSE coalesce(CAST(-ltv_dec4(ltv__disputed) * ltv__unit AS VARCHAR), ltv__disputed)
  END AS ltv__amount,
  CASE WHEN ltv__converted THEN ltv__in_converted_currency ELSE ltv__in_currency END AS ltv__currency,
  CASE WHEN NOT ltv__paid THEN NULL
    -- A Fee that is no number ("abc", "0,50"): the charge is a bad row, not one without a fee; its refund
    -- row too (alone it would count as an unlinked refund of a payment that was quarantined).
    WHEN ltv__in_fee IS NOT NULL AND ltv_dec4(ltv__in_fee) IS NULL THEN ltv__in_fee
    WHEN ltv__part = 'payment' AND ltv__converted AND NOT ltv__api_shape THEN CAST(ltv_dec4(ltv__gross) - ltv_dec4(ltv__in_fee) AS VARCHAR)
  END AS ltv__proceeds,
  -- 100 × fee ÷ converted amount in 10⁻⁴ percent: 10⁶·F/C of the two as 10⁻⁴ units, exactly.
  CASE WHEN ltv__part = 'payment' AND ltv__paid AND NOT ltv__converted AND NOT ltv__api_shape
         AND ltv_dec4(ltv__in_converted_amount) > 0 AND ltv_dec4(ltv__in_fee) >= 0
    THEN ltv_units4_text(ltv_div_round_exact(ltv_units4(ltv_dec4(ltv__in_fee)) * 1000000, ltv_units4(ltv_dec4(ltv__in_converted_amount))))
  END AS ltv__commission_percentage,
  CASE WHEN ltv__part <> 'payment' THEN ltv__in_id END AS ltv__refund_of,
  -- `Mode` Test, or `livemode` false as a file writes it or a database sends it (PostgreSQL f, MariaDB 0:
  -- ltv_bool's words; an empty cell is live, as before).
  CASE WHEN lower(ltv_trim(ltv__in_mode)) = 'test' OR (ltv_text(ltv__in_mode) IS NOT NULL AND NOT ltv_bool(ltv__in_mode)) THEN 'true' ELSE 'false' END AS ltv__is_sandbox,
  ltv__in_country AS ltv__country,
  'stripe' AS ltv__store,
  -- What no paid charge of Stripe's export can be: the charge's rows (payment, refund, dispute) are bad rows
  -- quoting the cells. The amounts are read after thousands separators are dropped (ltv__in_*).
  CASE WHEN NOT ltv__paid THEN NULL
    -- Its Amount converts a refund or dispute into the settlement currency: without it the refund vanished
    -- while the payment counted in full (Converted Amount).
    WHEN ltv__converted AND ltv_dec4(ltv__in_amount) IS NULL THEN {{name_amount}} || ' "' || left(coalesce(ltv__in_amount, ''), 60)
      || '" is no number on a paid charge (its refunds and disputes are converted at ' || {{name_converted_amount}} || ' ÷ '
      || {{name_amount}} || '); check the column, or export the payments again'
    WHEN ltv_dec4(ltv__in_amount) < 0 OR ltv__converted AND ltv_dec4(ltv__in_converted_amount) < 0
      THEN CASE WHEN ltv_dec4(ltv__in_amount) < 0 THEN {{name_amount}} || ' "' || left(ltv__in_amount, 60)
          ELSE {{name_converted_amount}} || ' "' || left(ltv__in_converted_amount, 60) END
        || '" is negative on a charge of status "' || left(coalesce(ltv__in_status, ''), 60) || '": Stripe writes no charge below 0 (money given back is its '
        || {{name_amount_refunded}} || '); check the column'
    WHEN ltv_dec4(ltv__in_amount_refunded) < 0 THEN {{name_amount_refunded}} || ' "' || left(ltv__in_amount_refunded, 60)
      || '" is negative: Stripe writes what a charge gave back as 0 or more; check the column'
    WHEN ltv_dec4(ltv__in_disputed_amount) < 0 THEN {{name_disputed_amount}} || ' "' || left(ltv__in_disputed_amount, 60)
      || '" is negative: Stripe writes what a dispute takes as 0 or more; check the column'
    WHEN ltv__decimal_cell IS NOT NULL THEN ltv__decimal_cell.name || ' "' || left(ltv__decimal_cell.cell, 60) || '" on a row whose '
      || {{name_created}} || ' is Unix seconds: Stripe''s API writes integer minor units ('
      || ltv_minor_example(ltv__decimal_cell.cell, ltv__decimal_cell.currency) || '); export from the Dashboard (major units) or write the integer'
  END AS ltv__reason
FROM (SELECT *, CASE ltv__part WHEN 'refund' THEN coalesce(ltv__in_refunded_at, ltv__in_created)
  WHEN 'dispute' THEN coalesce(ltv__in_dispute_date, ltv__in_created) ELSE ltv__in_created END AS ltv__t,
  -- The column of that time, for its reasons (RowPreset.outputs): a refund's bad Refunded date is named so.
  CASE WHEN ltv__part = 'refund' AND ltv__in_refunded_at IS NOT NULL THEN {{name_refunded_at}}
    WHEN ltv__part = 'dispute' AND ltv__in_dispute_date IS NOT NULL THEN {{name_dispute_date}}
    ELSE {{name_created}} END AS ltv__event_time__column FROM parts)
