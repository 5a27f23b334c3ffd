-- SPEC §3 duplicates: rows with the same (tenant_id, transaction_id) are one transaction; the winner is the
-- latest updated_at, then the later input file, then the later line. Every version counts, whatever its time.
-- Output: table deduped (checked's valid rows, one per transaction).
CREATE OR REPLACE TABLE deduped AS
SELECT * EXCLUDE (reason) FROM checked WHERE reason IS NULL AND transaction_id IS NULL
UNION ALL
SELECT * EXCLUDE (reason) FROM checked WHERE reason IS NULL AND transaction_id IS NOT NULL
QUALIFY row_number() OVER (
  PARTITION BY tenant_id, transaction_id
  ORDER BY updated_at DESC NULLS LAST, file_idx DESC, line DESC
) = 1
