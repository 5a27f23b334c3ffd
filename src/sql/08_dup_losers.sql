-- SPEC §3 duplicates: rows with the same (tenant_id, transaction_id) are one transaction; the winner is the
-- latest updated_at, then the later input file, then the later line. Every version counts, whatever its
-- time, and whether or not it is a bad row: a winner that is quarantined (a placeholder date, an amount
-- that is no number) still supersedes the versions before it, which are duplicates; before, they were
-- ranked without it and the superseded version counted as the payment. Only the good rows that lost are
-- listed (a bad row stays in quarantine, counted once). Only ids that occur more than once are ranked (a
-- hash aggregate finds them), not every row.
-- Output: table dup_losers(src_row): the versions that lost (src_row = checked's rowid: reading order).
CREATE OR REPLACE TEMP TABLE dup_losers AS
WITH repeated AS (
  SELECT tenant_id, transaction_id
  FROM checked
  WHERE transaction_id IS NOT NULL
  GROUP BY ALL
  HAVING count(*) > 1
),
ranked AS (
  SELECT c.row_id AS src_row, c.reason, row_number() OVER (
    PARTITION BY c.tenant_id, c.transaction_id
    ORDER BY c.updated_at DESC NULLS LAST, c.file_idx DESC, c.row_id DESC
  ) AS version
  FROM checked c
  JOIN repeated USING (tenant_id, transaction_id)
)
SELECT src_row
FROM ranked
WHERE version > 1 AND reason IS NULL
