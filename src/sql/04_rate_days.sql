-- SPEC §3 currency, looked up by position instead of per-row ASOF: one row per currency and day, from the
-- currency's first rate to the last rate date of the file, holding the latest rate on or before that day.
-- A later day takes the last day's rate (every currency's days run to it), that same latest rate. The check
-- statement reads them as one list per currency (readInputs.ts rateLookup, ltv_rate).
-- Reads rates. Output: table rate_days(currency, day, r10 = rate in 10⁻¹⁰ units).
CREATE OR REPLACE TABLE rate_days AS
SELECT d.currency, d.day, CAST(r.rate * 10000000000 AS BIGINT) AS r10
FROM (
  SELECT currency, CAST(unnest(generate_series(min(date), (SELECT max(date) FROM rates), INTERVAL 1 DAY)) AS DATE) AS day
  FROM rates GROUP BY currency
) d
ASOF JOIN rates r ON r.currency = d.currency AND d.day >= r.date
