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
-- A DECIMAL of scale ≤ 8 as an integer count of 10⁻⁸ (exact; widened first so the product fits).
CREATE OR REPLACE MACRO ltv_units(x) AS CAST(CAST(x AS DECIMAL(38, 8)) * 100000000 AS HUGEINT);
-- SPEC §4: round num/den (den > 0) half away from zero to an integer, exactly, in HUGEINT.
CREATE OR REPLACE MACRO ltv_round_div(num, den) AS CASE
  WHEN num >= 0 THEN (num * 2 + den) // (den * 2)
  ELSE -((-num * 2 + den) // (den * 2))
END;
-- SPEC §4: money per customer, exact: sum (DECIMAL, scale 8) / n rounded half away from zero to cents.
CREATE OR REPLACE MACRO ltv_per_customer(total, n) AS
  (ltv_round_div(ltv_units(total), CAST(n AS HUGEINT) * 1000000)::DECIMAL(38, 0) * 0.01::DECIMAL(3, 2));
-- Rounds a DECIMAL to cents half away from zero (DuckDB's DECIMAL cast rounds that way).
CREATE OR REPLACE MACRO ltv_cents(x) AS CAST(x AS DECIMAL(38, 2));
-- Neutralises text for csv/xlsx (SPEC §5, OWASP): cells starting with = + - @ tab CR LF get a leading '.
CREATE OR REPLACE MACRO ltv_safe_text(x) AS CASE WHEN regexp_matches(x, '^[=+\-@\t\r\n]') THEN '''' || x ELSE x END;
-- SPEC §4 linked refunds: part × (refund ÷ payment), exactly, at scale 8 (HUGEINT holds the product).
CREATE OR REPLACE MACRO ltv_scale(part, refund, payment) AS
  CAST(ltv_round_div(ltv_units(part) * ltv_units(refund), ltv_units(payment))::DECIMAL(38, 0) * 0.00000001::DECIMAL(9, 8) AS DECIMAL(18, 8));
-- Floor division (DuckDB's // truncates toward zero).
CREATE OR REPLACE MACRO ltv_floordiv(a, b) AS CASE WHEN a >= 0 THEN a // b ELSE -((-a + b - 1) // b) END;
-- SPEC §4: the largest n with s + n months ≤ t (local wall clock; one addition, month ends clamped).
CREATE OR REPLACE MACRO ltv_months_until(s, t) AS
  ((year(t) - year(s)) * 12 + month(t) - month(s))
  - CASE WHEN CAST(s AS TIMESTAMP) + to_months((year(t) - year(s)) * 12 + month(t) - month(s)) > t THEN 1 ELSE 0 END;
-- Money arithmetic at a fixed scale: each step is rounded to 8 decimals so DECIMAL scales never pile up
-- past DuckDB's 38 digits (a cent is 10^6 times coarser than the rounding).
CREATE OR REPLACE MACRO ltv_pct_off(x, pct) AS CAST(x * (1 - coalesce(pct, 0) * 0.01) AS DECIMAL(18, 8));
CREATE OR REPLACE MACRO ltv_convert(x, rate) AS CAST(x * rate AS DECIMAL(18, 8));
