-- Macros of the row presets (src/ingest/presets/), two statements run as one. No parameters.
-- ltv_minor_unit(currency): the major units in one minor unit, as exact DECIMAL: Stripe's API amounts and
-- Paddle's totals count minor units (cents). Zero-decimal and three-decimal currencies as Stripe lists them
-- (docs.stripe.com/currencies#zero-decimal, #three-decimal); every other currency has two decimals.
CREATE OR REPLACE MACRO ltv_minor_unit(currency) AS CASE
  WHEN upper(trim(currency)) IN ('BIF', 'CLP', 'DJF', 'GNF', 'JPY', 'KMF', 'KRW', 'MGA', 'PYG', 'RWF', 'UGX', 'VND', 'VUV', 'XAF', 'XOF', 'XPF')
    THEN CAST(1 AS DECIMAL(4, 3))
  WHEN upper(trim(currency)) IN ('BHD', 'JOD', 'KWD', 'OMR', 'TND') THEN CAST(0.001 AS DECIMAL(4, 3))
  ELSE CAST(0.01 AS DECIMAL(4, 3))
END;
-- ltv_minor_amount(x, currency): Paddle's totals as text: lowest denomination (its API's "1000" = 10.00 USD)
-- when written without a decimal point, major units when written with one; NULL when x is no number.
CREATE OR REPLACE MACRO ltv_minor_amount(x, currency) AS CASE
  WHEN try_cast(x AS DECIMAL(18, 4)) IS NULL THEN NULL
  WHEN contains(x, '.') THEN CAST(x AS DECIMAL(18, 4))
  ELSE CAST(x AS DECIMAL(18, 4)) * ltv_minor_unit(currency)
END;
