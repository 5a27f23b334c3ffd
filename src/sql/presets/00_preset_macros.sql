-- Macros of the row presets (src/ingest/presets/), eight statements run as one. No parameters. Numbers are
-- read with ltv_dec4 (02_macros.sql), as the check reads them: exactly, or not at all (never rounded).
-- ltv_minor_unit(currency): the major units in one minor unit, as exact DECIMAL: Stripe's API amounts and
-- Paddle's totals count minor units (cents). Zero-decimal and three-decimal currencies as Stripe lists them
-- (docs.stripe.com/currencies#zero-decimal, #three-decimal); every other currency has two decimals.
CREATE OR REPLACE MACRO ltv_minor_unit(currency) AS CASE
  WHEN upper(ltv_trim(currency)) IN ('BIF', 'CLP', 'DJF', 'GNF', 'JPY', 'KMF', 'KRW', 'MGA', 'PYG', 'RWF', 'UGX', 'VND', 'VUV', 'XAF', 'XOF', 'XPF')
    THEN CAST(1 AS DECIMAL(4, 3))
  WHEN upper(ltv_trim(currency)) IN ('BHD', 'JOD', 'KWD', 'OMR', 'TND') THEN CAST(0.001 AS DECIMAL(4, 3))
  ELSE CAST(0.01 AS DECIMAL(4, 3))
END;
-- ltv_minor_amount(x, currency): Paddle's totals as text: lowest denomination (its API's "1000" = 10.00 USD)
-- when written without a decimal point, major units when written with one; NULL when x is no number.
CREATE OR REPLACE MACRO ltv_minor_amount(x, currency) AS CASE
  WHEN ltv_dec4(x) IS NULL THEN NULL
  WHEN contains(x, '.') THEN ltv_dec4(x)
  ELSE ltv_dec4(x) * ltv_minor_unit(currency)
END;
-- ltv_no_thousands(x): "1,234.56" (thousands separators, as a spreadsheet may save an amount) as 1234.56;
-- any other text as it is (the check quarantines what is no number).
CREATE OR REPLACE MACRO ltv_no_thousands(x) AS
  CASE WHEN regexp_full_match(x, '-?\d{1,3}(,\d{3})+(\.\d+)?') THEN replace(x, ',', '') ELSE x END;
-- ltv_refund_part(x): whether a refunded-amount text makes a refund row: a positive number, or text that
-- is there but no number (the refund row then carries it, and the check quarantines it with its line:
-- skipped, the refund vanished and the payment counted in full).
CREATE OR REPLACE MACRO ltv_refund_part(x) AS
  nullif(ltv_trim(x), '') IS NOT NULL AND coalesce(ltv_dec4(x) > 0, TRUE);
-- ltv_units4(d): a DECIMAL as an exact count of 10⁻⁴ units (HUGEINT), for exact products and quotients.
CREATE OR REPLACE MACRO ltv_units4(d) AS CAST(d * 10000 AS HUGEINT);
-- ltv_units4_text(u): a count of 10⁻⁴ units as decimal text with 4 decimals (-34688 → "-3.4688"), exact for
-- any count (one too large to read is then quarantined by the check as more than 14 digits).
CREATE OR REPLACE MACRO ltv_units4_text(u) AS
  CASE WHEN u < 0 THEN '-' ELSE '' END || CAST(abs(u) // 10000 AS VARCHAR) || '.' || lpad(CAST(abs(u) % 10000 AS VARCHAR), 4, '0');
-- ltv_minor_example(x, currency): how an amount x of currency reads as a count of its minor units, for a
-- reason's example: "2000 for 20.00 USD", "5500 for 5.5 KWD"; "100 for 1 USD" when x is no whole count of
-- them (20.005 USD). Exact (10⁻⁴ units, no division of decimals). NULL when x is no number.
CREATE OR REPLACE MACRO ltv_minor_example(x, currency) AS CASE
  WHEN ltv_dec4(x) IS NULL THEN NULL
  WHEN ltv_units4(ltv_dec4(x)) % ltv_units4(ltv_minor_unit(currency)) = 0
    THEN CAST(ltv_units4(ltv_dec4(x)) // ltv_units4(ltv_minor_unit(currency)) AS VARCHAR) || ' for ' || ltv_trim(x)
  ELSE CAST(10000 // ltv_units4(ltv_minor_unit(currency)) AS VARCHAR) || ' for 1'
END || coalesce(' ' || upper(ltv_trim(currency)), '');
-- ltv_scaled4(x, part, whole): x × part ÷ whole, exactly, rounded half away from zero to 10⁻⁴ (as text with 4
-- decimals; NULL when any is NULL or whole is 0): Paddle's fee and earnings, on its total, brought to the
-- part of it a credit did not pay.
CREATE OR REPLACE MACRO ltv_scaled4(x, part, whole) AS CASE WHEN ltv_units4(whole) <> 0 THEN ltv_units4_text(
  sign(ltv_units4(x) * ltv_units4(part) * sign(ltv_units4(whole)))
  * ((2 * abs(ltv_units4(x) * ltv_units4(part)) + abs(ltv_units4(whole))) // (2 * abs(ltv_units4(whole))))) END;
-- ltv_stripe_taken_back(taken, converted, amount, converted_amount): a Stripe charge's refunded or disputed
-- amount (text, in the charge's currency) in the currency its rows are in: as it is when the charge is not
-- converted; else at the charge's own rate, taken × converted_amount ÷ amount, exactly to 10⁻⁴ (a full refund
-- nets to exactly zero, SPEC §3). Text that is no number is passed on as it is (its row is quarantined with
-- the value); NULL when taken is NULL; taken as it is when it is 0.
CREATE OR REPLACE MACRO ltv_stripe_taken_back(taken, converted, amount, converted_amount) AS CASE
  WHEN taken IS NULL THEN NULL
  WHEN NOT converted THEN taken
  WHEN ltv_dec4(taken) IS NULL THEN taken
  -- Nothing taken back makes no refund row (ltv_refund_part), whatever converted_amount holds: its text
  -- passed on made a refund row of a refund that does not exist, quarantined beside the charge's own.
  WHEN ltv_dec4(taken) = 0 THEN taken
  WHEN ltv_dec4(converted_amount) IS NULL THEN converted_amount
  WHEN ltv_dec4(amount) > 0 THEN ltv_scaled4(ltv_dec4(taken), ltv_dec4(converted_amount), ltv_dec4(amount))
END;
