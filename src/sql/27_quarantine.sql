-- SPEC §3 quarantine.csv: every bad row with its source file, physical line and reason. Params: $tenant
-- (NULL = every tenant, for a run that failed before publishing). Text is neutralised against formula
-- injection (SPEC §5), its control characters made visible; the reason on one line (ltv_safe_line: the
-- line breaks and tabs of the values it quotes shown as ␍ ␊ ␉).
-- Output columns: file, line, reason, tenant_id, customer_id.
SELECT
  ltv_safe_text(f.path) AS file,
  -- The physical line (checkRows.ts: the splitter's, or the row's position in a plain file).
  c.line,
  ltv_safe_line(c.reason) AS reason,
  ltv_safe_text(c.tenant_id) AS tenant_id,
  ltv_safe_text(c.customer_id) AS customer_id
FROM bad_rows c
JOIN input_files f USING (file_idx)
WHERE CAST($tenant AS VARCHAR) IS NULL OR c.tenant_id = CAST($tenant AS VARCHAR)
ORDER BY c.file_idx, 2
