-- Shared scalar macros. ltv_ts: SPEC §3 event_time — ISO 8601 with offset, naive (read in the session
-- time zone = report time zone), a bare date (its local midnight), or YYYYMMDD (as in CDNOW).
CREATE OR REPLACE MACRO ltv_ts(x) AS coalesce(
  try_cast(trim(x) AS TIMESTAMPTZ),
  CASE WHEN regexp_full_match(trim(x), '\d{8}') THEN try_strptime(trim(x), '%Y%m%d')::TIMESTAMP::TIMESTAMPTZ END
);
-- Booleans as exports write them; NULL for anything else (a bad value), FALSE when absent.
CREATE OR REPLACE MACRO ltv_bool(x) AS CASE
  WHEN x IS NULL OR trim(x) = '' THEN FALSE
  WHEN lower(trim(x)) IN ('true', 't', '1', 'yes', 'y') THEN TRUE
  WHEN lower(trim(x)) IN ('false', 'f', '0', 'no', 'n') THEN FALSE
END;
CREATE OR REPLACE MACRO ltv_text(x) AS nullif(trim(x), '');
-- A DECIMAL as an integer count of 10⁻⁸ (rounded half away from zero; used on aggregates and refunds).
CREATE OR REPLACE MACRO ltv_units(x) AS CAST(CAST(x AS DECIMAL(38, 8)) * 100000000 AS HUGEINT);
-- SPEC §4: round num/den (den > 0) half away from zero to an integer, exactly, in HUGEINT.
CREATE OR REPLACE MACRO ltv_round_div(num, den) AS CASE
  WHEN num >= 0 THEN (num * 2 + den) // (den * 2)
  ELSE -((-num * 2 + den) // (den * 2))
END;
-- SPEC §4: money per customer, exact to 10⁻⁸ of the sum: sum / n rounded half away from zero to cents.
CREATE OR REPLACE MACRO ltv_per_customer(total, n) AS
  (ltv_round_div(ltv_units(total), CAST(n AS HUGEINT) * 1000000)::DECIMAL(38, 0) * 0.01::DECIMAL(3, 2));
-- Rounds a DECIMAL to cents half away from zero (DuckDB's DECIMAL cast rounds that way).
CREATE OR REPLACE MACRO ltv_cents(x) AS CAST(x AS DECIMAL(38, 2));
-- Neutralises text for csv/xlsx (SPEC §5, OWASP): cells starting with = + - @ tab CR LF get a leading '.
CREATE OR REPLACE MACRO ltv_safe_text(x) AS CASE WHEN regexp_matches(x, '^[=+\-@\t\r\n]') THEN '''' || x ELSE x END;
-- SPEC §4 linked refunds: part × (refund ÷ payment), rounded to 10⁻⁸ (HUGEINT holds the product).
-- Refund rows only, so its per-value division does not matter.
CREATE OR REPLACE MACRO ltv_scale(part, refund, payment) AS
  ltv_round_div(ltv_units(part) * ltv_units(refund), ltv_units(payment))::DECIMAL(38, 0) * 0.00000001::DECIMAL(9, 8);
-- Floor division (DuckDB's // truncates toward zero).
CREATE OR REPLACE MACRO ltv_floordiv(a, b) AS CASE WHEN a >= 0 THEN a // b ELSE -((-a + b - 1) // b) END;
-- SPEC §4: the largest n with s + n months ≤ t (local wall clock; one addition, month ends clamped).
CREATE OR REPLACE MACRO ltv_months_until(s, t) AS
  ((year(t) - year(s)) * 12 + month(t) - month(s))
  - CASE WHEN CAST(s AS TIMESTAMP) + to_months((year(t) - year(s)) * 12 + month(t) - month(s)) > t THEN 1 ELSE 0 END;
-- Money arithmetic (SPEC §4 "summed exactly"). Amounts are DECIMAL(18,4), rates DECIMAL(18,10),
-- percentage factors (1 − p/100) DECIMAL(18,6). Products are kept at their full scale — revenue 14,
-- proceeds 20, net revenue 26 decimals — and summed exactly: nothing is rounded per row (DuckDB's
-- downward rescale of a 38-digit DECIMAL costs a division per value; widening is a multiplication).
CREATE OR REPLACE MACRO ltv_factor(pct) AS CAST(1 - coalesce(pct, 0) * 0.01 AS DECIMAL(18, 6));
-- The left operand is widened first: DuckDB otherwise multiplies two 18-digit DECIMALs in 64 bits.
CREATE OR REPLACE MACRO ltv_revenue(amount, rate) AS CAST(CAST(amount AS DECIMAL(38, 4)) * rate AS DECIMAL(38, 14));
CREATE OR REPLACE MACRO ltv_proceeds(amount, given, commission, rate) AS CASE
  WHEN given IS NOT NULL THEN CAST(CAST(given AS DECIMAL(38, 4)) * rate AS DECIMAL(38, 20))
  ELSE CAST(CAST(amount AS DECIMAL(38, 4)) * ltv_factor(commission) * rate AS DECIMAL(38, 20)) END;
CREATE OR REPLACE MACRO ltv_net(amount, given_proceeds, given_net, commission, tax, rate) AS CASE
  WHEN given_net IS NOT NULL THEN CAST(CAST(given_net AS DECIMAL(38, 4)) * rate AS DECIMAL(38, 26))
  WHEN given_proceeds IS NOT NULL THEN CAST(CAST(given_proceeds AS DECIMAL(38, 4)) * ltv_factor(tax) * rate AS DECIMAL(38, 26))
  ELSE CAST(CAST(amount AS DECIMAL(38, 4)) * ltv_factor(commission) * ltv_factor(tax) * rate AS DECIMAL(38, 26)) END;
