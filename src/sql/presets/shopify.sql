-- SPEC §3 preset `shopify` (src/ingest/presets/shopify.ts): the admin's Orders export, one line per line
-- item. Params: $currency (unused: Shopify writes each order's currency). Identifiers: {{rows}} the file's
-- rows with ltv__line and ltv__in_<input>, {{name_<input>}} the header name of an input (wrapRowPreset.ts).
-- Rules (README "Sources"):
-- - an order's fields (Email, Financial Status, Created at, Currency, Total, Taxes, Refunded Amount, …) are
--   on its first line only: every line of the order (same Name, up to the next line of that Name with a
--   Financial Status, Total or Id: a copy of the order or another order of that name) gets them, so no
--   line is a bad row;
-- - the order's money is on its first line: Total − Outstanding Balance (what was collected: an edited order
--   marked paid may still owe some, as real exports show) when the financial status is paid,
--   partially_refunded or partially_paid; Total when refunded; 0 when pending, authorized, voided or expired. Its other lines carry amount 0 and no transaction id (they are read, counted, and add nothing);
-- - Refunded Amount > 0 becomes a refund of −Refunded Amount that refers to the order (transaction id
--   `<order>/refund`), at the order's time: the export has no refund time (a linked refund counts at its
--   payment's time anyway, SPEC §4). A refunded order (Shopify: refunded in full) without a Refunded Amount
--   (the column left out of the export, or its cell empty) takes its whole Total back that way, as the
--   stripe preset reads Status Refunded without Amount Refunded; a partially_refunded order without one cannot be
--   read (how much was refunded is not in the file): its paying line is a bad row (ltv__reason) naming the
--   column, never counted as paid in full; so is a refunded or partially_refunded order of a positive Total
--   whose Refunded Amount is 0 (the file contradicts itself), one whose Refunded Amount is negative, and an
--   order whose Financial Status is none Shopify writes (a typo could hide a payment: not read as 0);
-- - the transaction id is the order's Id, else its Name; the customer is the Email (lower-cased: one
--   person whether a guest or signed in), else a Customer ID column where the export has one, else the
--   Phone; times carry their offset ("2026-01-05 10:00:00 -0500"); net revenue = Total − Taxes
--   (Shopify's payment fees are not in the export: proceeds = amount);
-- - numbers are read exactly (ltv_dec4): a Total, Taxes or Outstanding Balance that is there but no number
--   is passed on as it is, so the check quarantines the order's paying line (and its refund) with the value;
--   an empty Taxes is no net revenue, an empty Outstanding Balance is 0;
-- - a paid amount below 0 (a negative Total, or an Outstanding Balance above the Total of a partially_paid
--   order) is no payment Shopify writes: the order's rows (payment and refund) are bad rows (ltv__reason)
--   naming the columns and their values, not a refund of no order.
-- Output: the rows with ltv__<canonical column> text columns (RowPreset.outputs), in the file's order.
WITH r0 AS (
  SELECT *, coalesce(ltv__in_name, ltv__in_id, 'line ' || ltv__line) AS ltv__order,
    -- A line that carries an order-level field Shopify writes on an order's first line only starts an order.
    ltv__in_financial_status IS NOT NULL OR ltv__in_total IS NOT NULL OR ltv__in_id IS NOT NULL AS ltv__starts
  FROM {{rows}}
),
-- Lines of one Name are one order from a line that starts one up to the next: a Name written again with
-- its order's fields is another copy of it (exports concatenated, or one export run twice: each copy's
-- paying line carries the order's Id, else its Name, as transaction id, and the later one wins as a
-- duplicate, SPEC §3) or, under another Id, another order (Shopify lets two orders share a name).
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
    -- Total or Outstanding Balance that is no number: passed on as it is, the check quarantines it with the
    -- value (an empty Outstanding Balance is 0).
    CASE WHEN coalesce(ltv__o_status NOT IN ('partially_paid', 'paid', 'partially_refunded'), TRUE) OR ltv_dec4(ltv__o_total) IS NULL THEN ltv__o_total
      WHEN ltv__o_outstanding IS NOT NULL AND ltv_dec4(ltv__o_outstanding) IS NULL THEN ltv__o_outstanding
      ELSE CAST(ltv_dec4(ltv__o_total) - coalesce(ltv_dec4(ltv__o_outstanding), 0) AS VARCHAR) END AS ltv__paid_amount,
    ltv__o_taxes IS NOT NULL AND ltv_dec4(ltv__o_taxes) IS NULL AS ltv__bad_taxes,
    -- What the order gave back: its Refunded Amount; refunded (in full) without one, its Total (text that is
    -- no number is passed on, as for the payment).
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
  -- "2026-01-05 10:00:00 -0500": DuckDB reads the offset when it follows the time directly, as -05:00.
  regexp_replace(ltv__o_created, '\s+([+-]\d{2}):?(\d{2})$', '\1:\2') AS ltv__event_time,
  -- Its reasons quote the cell as the file writes it (RowPreset.outputs), not the offset so rewritten.
  {{name_created_at}} AS ltv__event_time__column, ltv__o_created AS ltv__event_time__text,
  CASE
    WHEN NOT ltv__paid THEN '0'
    WHEN ltv__part = 'payment' THEN ltv__paid_amount
    -- The refund of an order whose paid amount is bad text is bad with it (alone it would count unlinked).
    WHEN ltv_dec4(ltv__paid_amount) IS NULL AND ltv__paid_amount IS NOT NULL THEN ltv__paid_amount
    ELSE coalesce(CAST(-ltv_dec4(ltv__refunded) AS VARCHAR), ltv__refunded)
  END AS ltv__amount,
  ltv__o_currency AS ltv__currency,
  -- Taxes that are no number: the order's rows (payment and refund) are bad, with the value.
  CASE WHEN NOT ltv__paid THEN NULL
    WHEN ltv__bad_taxes THEN ltv__o_taxes
    -- An order still owing some (partially paid, or an Outstanding Balance on a paid one): no net revenue of
    -- its own (the taxes are the whole Total's).
    WHEN ltv__part = 'payment' AND ltv__o_status <> 'partially_paid' AND coalesce(ltv_dec4(ltv__o_outstanding), 0) <= 0
      THEN CAST(ltv_dec4(ltv__o_total) - ltv_dec4(ltv__o_taxes) AS VARCHAR) END AS ltv__net_revenue,
  CASE WHEN ltv__part = 'refund' THEN coalesce(ltv__o_id, ltv__order) END AS ltv__refund_of,
  ltv__o_country AS ltv__country,
  ltv__o_product AS ltv__product_id,
  ltv__o_discount AS ltv__offer_id,
  'shopify' AS ltv__store,
  CASE
    -- A status Shopify does not write (a typo, another column's value) may be a payment: set aside, not read as 0.
    -- An order without one (an empty cell on every line) too: it was counted as paid.
    WHEN ltv__first AND coalesce(ltv__o_status NOT IN ('pending', 'authorized', 'partially_paid', 'paid', 'partially_refunded', 'refunded', 'voided', 'expired'), TRUE)
      THEN {{name_financial_status}} || ' "' || left(coalesce(ltv__o_status_text, ''), 60) || '" is none of Shopify''s financial statuses (pending, authorized, '
        || 'partially_paid, paid, partially_refunded, refunded, voided, expired): set aside, not read as 0 (it may be a payment); check the column'
    WHEN ltv__paid AND ltv_dec4(ltv__paid_amount) < 0 THEN CASE
    WHEN ltv_dec4(ltv__o_total) < 0 THEN {{name_total}} || ' "' || left(ltv__o_total, 60) || '" is negative: Shopify''s export writes no order total below 0 (what an order gives back is its Refunded Amount)'
    ELSE {{name_outstanding}} || ' "' || left(ltv__o_outstanding, 60) || '" is more than ' || {{name_total}} || ' "' || left(ltv__o_total, 60)
      || '" of the order: its paid amount would be negative, which Shopify''s export never writes' END
    -- Counted as paid in full, the refund would vanish without a trace.
    WHEN ltv__paid AND ltv__o_status = 'partially_refunded' AND ltv__o_refunded IS NULL THEN CASE
      WHEN {{has_refunded}} THEN {{name_refunded}} || ' "" is empty on an order whose ' || {{name_financial_status}} || ' is "' || left(ltv__o_status_text, 60)
        || '": part of it was refunded and the file does not say how much; fill in the amount refunded (the order''s page in the admin shows it), or export the orders again'
      ELSE 'the file has no column ' || {{name_refunded}} || ', and this order''s ' || {{name_financial_status}} || ' is "' || left(ltv__o_status_text, 60)
        || '": part of it was refunded and the file does not say how much; export the orders again with that column' END
    -- A Refunded Amount of 0 on a refunded or partially refunded order of a positive Total: the file contradicts
    -- itself (it was counted as paid in full, its status unread).
    WHEN ltv__paid AND ltv__o_status IN ('refunded', 'partially_refunded') AND ltv_dec4(ltv__o_refunded) = 0 AND ltv_dec4(ltv__o_total) > 0
      THEN {{name_refunded}} || ' "' || left(ltv__o_refunded, 60) || '" is 0 on an order whose ' || {{name_financial_status}} || ' is "' || left(ltv__o_status_text, 60)
        || '" and whose ' || {{name_total}} || ' is "' || left(ltv__o_total, 60) || '": the file does not say how much was refunded; fill in the amount refunded (the order''s page in the admin shows it), or export the orders again'
    WHEN ltv__paid AND ltv_dec4(ltv__o_refunded) < 0 THEN {{name_refunded}} || ' "' || left(ltv__o_refunded, 60)
      || '" is negative: Shopify writes what an order gave back as 0 or more; check the column'
  END AS ltv__reason
FROM parts
ORDER BY ltv__line, ltv__part
