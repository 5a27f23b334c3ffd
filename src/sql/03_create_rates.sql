-- SPEC §3 currency. Output: table rates(currency, date, rate, line): one unit of currency = rate units of
-- the report currency, valid from date until the next one.
CREATE OR REPLACE TABLE rates (currency VARCHAR NOT NULL, date DATE NOT NULL, rate DECIMAL(18, 10) NOT NULL, line BIGINT)
