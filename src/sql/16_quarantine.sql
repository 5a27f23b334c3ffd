-- SPEC §3 quarantine.csv: every bad row with its source file, physical line and reason. Reads the tenant
-- from table current_tenant(t) (NULL = every tenant, for a run that failed before publishing): COPY
-- takes no bound parameters. Text is neutralised against formula injection (SPEC §5).
-- Output columns: file, line, reason, tenant_id, customer_id.
SELECT
  ltv_safe_text(f.path) AS file,
  -- Rows DuckDB rejected (table rejects: file_idx, line, rank from 1) took physical lines of their own:
  -- a row counted b lines from its position lies at b + #{rejects with line − rank + 1 ≤ b}.
  c.line + CASE WHEN c.line_known THEN 0 ELSE
    (SELECT count(*) FROM rejects r WHERE r.file_idx = c.file_idx AND r.line - r.rank + 1 <= c.line) END AS line,
  ltv_safe_text(c.reason) AS reason,
  ltv_safe_text(c.tenant_id) AS tenant_id,
  ltv_safe_text(c.customer_id) AS customer_id
FROM bad_rows c
JOIN input_files f USING (file_idx)
WHERE ((SELECT t FROM current_tenant) IS NULL OR c.tenant_id = (SELECT t FROM current_tenant))
ORDER BY c.file_idx, 2
