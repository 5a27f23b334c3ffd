-- SPEC §3. Every input row, mapped onto the canonical columns, still as text (validation comes next).
-- Output: table staged(file_idx, line, parse_error, <canonical columns as VARCHAR>).
-- line: the physical line where the reader knows it (line-oriented formats, rows DuckDB rejected), else
-- NULL: CSV and Parquet rows get theirs from their position (rowid) when checked, at no cost while reading.
-- parse_error: a row the reader could not split (malformed CSV or JSON), quarantined with that reason.
CREATE OR REPLACE TABLE staged (
  file_idx INTEGER NOT NULL,
  line BIGINT,
  parse_error VARCHAR,
  customer_id VARCHAR, event_time VARCHAR, amount VARCHAR, transaction_id VARCHAR, currency VARCHAR,
  tenant_id VARCHAR, commission_percentage VARCHAR, tax_percentage VARCHAR, proceeds VARCHAR,
  net_revenue VARCHAR, renewal_number VARCHAR, refunded_at VARCHAR, refund_of VARCHAR, is_sandbox VARCHAR,
  is_trial VARCHAR, updated_at VARCHAR, product_id VARCHAR, duration VARCHAR, store VARCHAR, country VARCHAR,
  paywall VARCHAR, paywalls_group VARCHAR, audience VARCHAR, placement VARCHAR, offer_category VARCHAR,
  offer_type VARCHAR, offer_id VARCHAR, attribution_source VARCHAR, attribution_status VARCHAR,
  attribution_channel VARCHAR, attribution_campaign VARCHAR, attribution_adgroup VARCHAR,
  attribution_adset VARCHAR, attribution_creative VARCHAR
)
