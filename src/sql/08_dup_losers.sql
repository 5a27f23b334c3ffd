-- SPEC §3 duplicates: rows with the same (tenant_id, transaction_id) are one transaction; the winner is the
-- latest updated_at, then the later input file, then the later line. Every version counts, whatever its
-- time. Only ids that occur more than once are ranked (a hash aggregate finds them), not every row.
-- Output: table dup_losers(src_row): the versions that lost (src_row = checked's rowid: reading order).
CREATE OR REPLACE TEMP TABLE dup_losers AS
WITH repeated AS (
  SELECT tenant_id, transaction_id
  FROM checked
  WHERE reason IS NULL AND transaction_id IS NOT NULL
  GROUP BY ALL
  HAVING count(*) > 1
)
SELECT c.row_id AS src_row
FROM checked c
JOIN repeated USING (tenant_id, transaction_id)
WHERE c.reason IS NULL
QUALIFY row_number() OVER (
  PARTITION BY c.tenant_id, c.transaction_id
  ORDER BY c.updated_at DESC NULLS LAST, c.file_idx DESC, c.row_id DESC
) > 1
