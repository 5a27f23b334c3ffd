-- SPEC §3 bad rows and §4 refunds: the linked refunds that cannot be applied as they stand (README "Decisions").
-- A refund row at or before T whose refund_of names a payment (as 11_movements.sql links them; a payment after T too):
-- - the payment belongs to another customer: quarantined (its money would leave the other customer's cohort);
-- - the payment is sandbox: excluded with it, as sandbox (it refunds no real money; a refund after T too);
-- - the payment is quarantined (the same customer's row, no valid one with its transaction_id): quarantined;
-- - it is dated before the payment (a refund cannot precede what it refunds, as refunded_at cannot precede
--   event_time on a payment row: 06_check_rows.sql): quarantined, naming the payment's file and line;
-- - it takes back more than remains of the payment (refunded_at, when set at T, takes it all back first; then
--   the payment's refunds in time order, a quarantined one taking nothing): quarantined.
-- Amounts compare as 11_movements.sql counts them, in report-currency units: a refund in its payment's
-- currency at the payment's rate, one in another currency at its own. Only refund rows with refund_of are
-- read, and the payments they name, found with a hash table of the refunds: `refunds` is NOT MATERIALIZED so
-- that DuckDB sees its filters and builds on it (as a materialized CTE of unknown size it built a hash table
-- of every payment instead: 0.59 s against 0.08 s at 2 M rows).
-- Params: $as_of (ISO 8601 text). Reads deduped (09_dedup.sql).
-- Output: table refund_checks(row_id (checked's), reason (NULL for a sandbox one), sandbox BOOLEAN).
CREATE OR REPLACE TEMP TABLE refund_checks AS
WITH RECURSIVE refunds AS NOT MATERIALIZED (
  SELECT src_row, tenant_id, customer_id, event_time, ltv_u4(amount) AS a4, currency, r10, refund_of
  FROM deduped
  WHERE amount < 0 AND refund_of IS NOT NULL AND NOT is_sandbox AND event_time <= CAST($as_of AS TIMESTAMPTZ)
),
paid AS (
  SELECT d.tenant_id, d.transaction_id, d.customer_id, ltv_u4(d.amount) AS a4, d.currency, d.r10, d.is_sandbox,
         d.event_time, d.src_row, coalesce(d.refunded_at <= CAST($as_of AS TIMESTAMPTZ), FALSE) AS refunded
  FROM deduped d
  SEMI JOIN refunds r ON d.tenant_id = r.tenant_id AND d.transaction_id = r.refund_of
  WHERE d.amount > 0 -- payments after T too: a refund at or before T of one is dated before it
),
-- Quarantined rows that refunds name, where no valid row has that transaction_id: such a refund is set
-- aside with its payment (whoever's it was: a payment without a customer is quarantined too). Counted as a
-- refund of nothing, it took money back at its own time (before the customer's first valid payment, even)
-- for a payment the run does not count. (A sharded run checks refunds before it splits: splitRun.ts.)
quarantined_paid AS (
  SELECT c.tenant_id, c.transaction_id,
    arg_min(f.path, c.row_id) AS path, min(coalesce(c.line, c.row_id - f.first_row + f.header_lines + 1)) AS line
  FROM checked c
  JOIN input_files f USING (file_idx)
  SEMI JOIN refunds r ON c.tenant_id = r.tenant_id AND c.transaction_id = r.refund_of
  WHERE c.reason IS NOT NULL
  GROUP BY ALL
),
orphaned AS (
  SELECT r.src_row AS row_id,
    'refund_of "' || r.refund_of || '" names a quarantined row (' || q.path || ' line ' || q.line
      || '): this refund is set aside with it; fix that row and both count' AS reason,
    FALSE AS sandbox
  FROM refunds r
  JOIN quarantined_paid q ON q.tenant_id = r.tenant_id AND q.transaction_id = r.refund_of
  ANTI JOIN deduped g ON g.tenant_id = r.tenant_id AND g.transaction_id = r.refund_of
),
matched AS (
  SELECT r.*, p.customer_id AS p_customer, p.a4 AS p_a4, p.r10 AS p_r10, p.is_sandbox AS p_sandbox, p.refunded,
         r.event_time < p.event_time AS early, p.src_row AS p_row,
         -- What the refund takes back and what the payment can give, in report-currency units (10⁻¹⁴).
         -ltv_revenue(r.a4, CASE WHEN r.currency = p.currency THEN p.r10 ELSE r.r10 END) AS take,
         CASE WHEN p.refunded THEN CAST(0 AS HUGEINT) ELSE ltv_revenue(p.a4, p.r10) END AS cap
  FROM refunds r
  JOIN paid p ON p.tenant_id = r.tenant_id AND p.transaction_id = r.refund_of
),
ordered AS (
  -- The refunds each payment can take from, in time order (then reading order).
  SELECT *, row_number() OVER (PARTITION BY tenant_id, refund_of ORDER BY event_time, src_row) AS i
  FROM matched
  WHERE customer_id = p_customer AND NOT p_sandbox AND NOT early
),
walk AS (
  -- One step per refund of a payment: `before` = what the kept refunds before it took.
  SELECT tenant_id, refund_of, i, src_row, take, cap, CAST(0 AS HUGEINT) AS before, take > cap AS over
  FROM ordered WHERE i = 1
  UNION ALL
  SELECT n.tenant_id, n.refund_of, n.i, n.src_row, n.take, n.cap,
         w.before + CASE WHEN w.over THEN 0 ELSE w.take END,
         w.before + CASE WHEN w.over THEN 0 ELSE w.take END + n.take > n.cap
  FROM walk w
  JOIN ordered n ON n.tenant_id = w.tenant_id AND n.refund_of = w.refund_of AND n.i = w.i + 1
)
SELECT m.src_row AS row_id,
  CASE
    WHEN m.customer_id <> m.p_customer THEN
      'refund_of "' || m.refund_of || '" is a payment of another customer ("' || m.p_customer
      || '"): a refund can take back only its own customer''s payment'
    WHEN m.p_sandbox THEN NULL
    WHEN m.early THEN
      'refund_of "' || m.refund_of || '" names a payment dated after this refund (' || pf.path || ' line '
      || coalesce(pc.line, pc.row_id - pf.first_row + pf.header_lines + 1)
      || '): a refund cannot precede its payment; fix the time of one of them'
    WHEN m.refunded THEN
      'refund_of "' || m.refund_of || '": that payment is already refunded in full by its refunded_at; this row would refund it twice'
    ELSE
      'refund_of "' || m.refund_of || '": this refund takes back ' || ltv_refund_text(w.take, m.p_r10)
      || ', more than the ' || ltv_refund_text(w.cap - w.before, m.p_r10) || ' that remains of that payment of '
      || ltv_refund_text(w.cap, m.p_r10) || ' (in the payment''s currency)'
  END AS reason,
  m.customer_id = m.p_customer AND m.p_sandbox AS sandbox
FROM matched m
LEFT JOIN walk w ON w.src_row = m.src_row
LEFT JOIN checked pc ON m.early AND pc.row_id = m.p_row
LEFT JOIN input_files pf ON pf.file_idx = pc.file_idx
WHERE m.customer_id <> m.p_customer OR m.p_sandbox OR m.early OR w.over
UNION ALL
SELECT * FROM orphaned
UNION ALL
-- A refund after T of its customer's sandbox payment is sandbox too (README's sandbox_rows: of any time, a
-- refund of a sandbox payment too), not a row after the as-of time: the rules above read refunds up to T.
SELECT r.src_row AS row_id, NULL AS reason, TRUE AS sandbox
FROM deduped r
SEMI JOIN deduped p ON p.tenant_id = r.tenant_id AND p.transaction_id = r.refund_of AND p.customer_id = r.customer_id
  AND p.is_sandbox AND p.amount > 0
WHERE r.amount < 0 AND r.refund_of IS NOT NULL AND NOT r.is_sandbox AND r.event_time > CAST($as_of AS TIMESTAMPTZ)
