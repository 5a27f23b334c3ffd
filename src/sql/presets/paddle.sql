-- SPEC §3 preset `paddle` (src/ingest/presets/paddle.ts): Paddle Billing's transactions report, and its
-- adjustments report (a row with an `action`). Params: $currency (unused: Paddle writes each row's
-- currency_code). Identifiers: {{rows}} the file's rows with ltv__line and ltv__in_<input>, {{name_<input>}}
-- the header name of an input (wrapRowPreset.ts).
-- Rules (README "Sources"):
-- - a transaction is a payment when its status is completed or paid (money collected); draft, ready,
--   billed (an issued invoice not yet paid), past_due and canceled carry amount 0; any other status (a typo
--   could hide a payment) is a bad row quoting it, as is an adjustment status other than pending_approval,
--   approved, rejected and reversed;
-- - amounts: the grand total (totals.grand_total, else total); written without a decimal point they are the
--   currency's lowest denomination, as in Paddle's API ("1000" = 10.00 USD; JPY has none), with one they are
--   major units (ltv_minor_amount); proceeds = total − fee (Paddle's fee), net revenue = earnings (what
--   Paddle pays out: total − tax − fee), else total − fee − tax; an empty fee, tax or earnings is none, one
--   that is no number (read exactly, ltv_dec4) makes the transaction a bad row, naming the value. Fee, tax
--   and earnings are Paddle's on `total`: when a credit paid part of it (grand_total < total), proceeds and
--   net revenue are scaled by grand_total ÷ total (exactly, to 10⁻⁴), so net never exceeds the revenue;
-- - time: billed_at (when the transaction was billed or completed), else created_at; updated_at decides
--   between two versions of one transaction (reports filter by updated date, so they overlap);
-- - adjustments (Paddle's actions: credit, credit_reverse, refund, chargeback, chargeback_reverse,
--   chargeback_warning, chargeback_warning_reverse): an approved refund or chargeback is a refund of −total that
--   refers to its transaction_id, at the adjustment's created_at (a linked refund counts at its payment's time,
--   SPEC §4); credit, credit_reverse, chargeback_warning and chargeback_warning_reverse (a warning withdrawn)
--   move none of the seller's revenue and carry 0, as pending or rejected adjustments do;
-- - an approved chargeback_reverse (the chargeback was reversed: the funds came back to the seller) cancels the
--   chargebacks of its transaction in the same file, up to its total (reversed ones first, then in the file's
--   order): one reversed in full takes nothing back (amount 0, refers to nothing), one in part takes back the
--   rest; the reversal itself carries 0 and refers to nothing. A chargeback counts here whether approved or
--   reversed (the status Paddle gives it once a reversal is created); a reversed one that no reversal in the
--   file cancels carries 0 (its funds came back). A reversal that reverses more than the file's chargebacks of that
--   transaction (its chargeback is in another file, or none) is a bad row naming its action and total, and
--   cancels nothing: read alone, it could not tell what came back, and dropped, the chargeback would keep the
--   payment without a trace;
-- - an approved adjustment whose action is none of those six (one Paddle does not document) is a bad row naming
--   the action column and its value, not read as 0: it may move money;
-- - a completed or paid transaction whose total is below 0 is no payment Paddle writes (money given back is an
--   adjustment): a bad row (ltv__reason) naming the column and its value, not a refund of no transaction; so
--   is one whose grand_total is above its total, whose fee is below 0 or whose earnings are above its total
--   (each reason quotes the file's cells, in the file's units);
-- - the customer is customer_id, else the email; the product is the first price id.
-- Output: the rows with ltv__<canonical column> text columns (RowPreset.outputs).
WITH r AS (
  SELECT *,
    ltv__in_action IS NOT NULL AS ltv__adjustment,
    ltv_minor_amount(ltv__in_total, ltv__in_currency) AS ltv__total,
    coalesce(ltv_minor_amount(ltv__in_full_total, ltv__in_currency), ltv_minor_amount(ltv__in_total, ltv__in_currency)) AS ltv__base,
    ltv_minor_amount(ltv__in_fee, ltv__in_currency) AS ltv__fee,
    ltv_minor_amount(ltv__in_tax, ltv__in_currency) AS ltv__tax,
    ltv_minor_amount(ltv__in_earnings, ltv__in_currency) AS ltv__earnings,
    lower(ltv__in_action) AS ltv__action,
    -- The status column is required (paddle.ts); an empty cell is no status: '' is none of Paddle's, so the
    -- row is a bad row quoting it (it was read as approved, and an empty transaction status as paid).
    coalesce(lower(ltv__in_status), '') AS ltv__status
  FROM {{rows}}
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
-- Per transaction of this file: what its reversals give back, what its chargebacks take, and what the
-- chargebacks before each one take (reversed ones first: Paddle marks the chargeback a reversal is for).
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
    -- Reversals beyond the file's chargebacks are bad rows and cancel nothing.
    ltv__reversed > ltv__charged_back AS ltv__over_reversed,
    CASE WHEN ltv__reversed > ltv__charged_back THEN 0 ELSE ltv__reversed END AS ltv__reversal_used
  FROM c
),
-- What an adjustment takes back (NULL for a transaction): a refund its total; a chargeback its total less
-- what the reversals cancel of it; 0 for a reversed chargeback that no reversal here cancels.
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
  CASE WHEN NOT ltv__adjustment AND ltv__in_billed_at IS NOT NULL THEN {{name_billed_at}} ELSE {{name_created_at}} END AS ltv__event_time__column,
  CASE WHEN ltv__adjustment THEN ltv__in_created_at ELSE coalesce(ltv__in_billed_at, ltv__in_created_at) END AS ltv__event_time__text,
  ltv__in_updated_at AS ltv__updated_at,
  {{name_updated_at}} AS ltv__updated_at__column, ltv__in_updated_at AS ltv__updated_at__text,
  CASE
    WHEN ltv__total IS NULL THEN ltv__in_total
    WHEN NOT ltv__counts THEN '0'
    WHEN ltv__adjustment THEN CASE WHEN ltv__taken > 0 THEN CAST(-ltv__taken AS VARCHAR) ELSE '0' END
    ELSE CAST(ltv__total AS VARCHAR)
  END AS ltv__amount,
  ltv__in_currency AS ltv__currency,
  -- A fee, earnings or tax that is there but no number is passed on as it is: the check quarantines the row
  -- with the value (proceeds or net would otherwise be the total, overstated without a trace).
  CASE WHEN NOT ltv__counts OR ltv__adjustment THEN NULL
    WHEN ltv__in_fee IS NOT NULL AND ltv__fee IS NULL THEN ltv__in_fee
    ELSE ltv_scaled4(ltv__base - ltv__fee, ltv__total, ltv__base) END AS ltv__proceeds,
  CASE WHEN NOT ltv__counts OR ltv__adjustment THEN NULL
    WHEN ltv__in_earnings IS NOT NULL AND ltv__earnings IS NULL THEN ltv__in_earnings
    WHEN ltv__in_tax IS NOT NULL AND ltv__tax IS NULL THEN ltv__in_tax
    WHEN ltv__earnings IS NOT NULL THEN ltv_scaled4(ltv__earnings, ltv__total, ltv__base)
    WHEN ltv__fee IS NOT NULL AND ltv__tax IS NOT NULL THEN ltv_scaled4(ltv__base - ltv__fee - ltv__tax, ltv__total, ltv__base) END AS ltv__net_revenue,
  -- Only an adjustment that takes money back refers to its transaction (a credit, a pending one or a reversed
  -- chargeback carries 0).
  CASE WHEN ltv__adjustment AND ltv__counts AND ltv__taken > 0 THEN ltv__in_transaction_ref END AS ltv__refund_of,
  nullif(ltv_trim(split_part(ltv__in_price_ids, ',', 1)), '') AS ltv__product_id,
  'paddle' AS ltv__store,
  CASE
    -- A status Paddle does not write (a typo, another column's value) may be money: set aside, not read as 0.
    WHEN NOT ltv__adjustment AND ltv__status NOT IN ('draft', 'ready', 'billed', 'paid', 'completed', 'canceled', 'past_due')
      THEN {{name_status}} || ' "' || left(coalesce(ltv__in_status, ''), 60) || '" is none of Paddle''s transaction statuses (draft, ready, billed, paid, completed, '
        || 'canceled, past_due): set aside, not read as 0 (it may be a payment); check the column'
    WHEN ltv__adjustment AND ltv__status NOT IN ('pending_approval', 'approved', 'rejected', 'reversed')
      THEN {{name_status}} || ' "' || left(coalesce(ltv__in_status, ''), 60) || '" is none of Paddle''s adjustment statuses (pending_approval, approved, rejected, '
        || 'reversed): set aside, not read as 0 (it may take money back); check the column'
    WHEN ltv__adjustment AND ltv__status = 'approved'
      AND ltv__action NOT IN ('credit', 'credit_reverse', 'refund', 'chargeback', 'chargeback_reverse', 'chargeback_warning', 'chargeback_warning_reverse')
      THEN {{name_action}} || ' "' || left(ltv__in_action, 60) || '" is none of Paddle''s adjustment actions (credit, credit_reverse, refund, chargeback, '
        || 'chargeback_reverse, chargeback_warning, chargeback_warning_reverse): set aside, not read as 0 (it may move money); check the column'
    WHEN ltv__reversal AND ltv__over_reversed THEN {{name_action}} || ' "' || left(ltv__in_action, 60) || '" of ' || {{name_transaction_ref}} || ' "'
      || left(coalesce(ltv__in_transaction_ref, ''), 60) || '" gives back ' || {{name_total}} || ' "' || left(ltv__in_total, 60)
      || '", more than the chargebacks of that transaction in this file take back: not read; give the chargeback and its reversal in one adjustments report'
    WHEN NOT ltv__counts OR ltv__adjustment THEN NULL
    WHEN ltv__total < 0 THEN {{name_total}} || ' "' || left(ltv__in_total, 60)
      || '" is negative on a transaction of status "' || coalesce(ltv__in_status, '') || '": Paddle writes no payment below 0 (money given back is an adjustment, a refund or chargeback)'
    -- The file's own cells are quoted (the check's reasons would quote the converted amounts: "50.0000"
    -- for 5000 cents). A grand total above the total would scale proceeds and net revenue up.
    WHEN ltv__total > ltv__base THEN {{name_total}} || ' "' || left(ltv__in_total, 60) || '" is more than '
      || {{name_full_total}} || ' "' || left(ltv__in_full_total, 60) || '": Paddle''s grand total is the total less the credits that paid part of it; check the columns are this transaction''s'
    WHEN ltv__fee < 0 THEN {{name_fee}} || ' "' || left(ltv__in_fee, 60) || '" is negative: Paddle''s fee on a transaction is 0 or more; check the column'
    WHEN ltv__earnings > ltv__base THEN {{name_earnings}} || ' "' || left(ltv__in_earnings, 60) || '" is more than '
      || {{name_full_total}} || ' "' || left(ltv__in_full_total, 60) || '": earnings are what Paddle pays out of the total after tax and its fee; check the columns are this transaction''s'
  END AS ltv__reason
FROM b
