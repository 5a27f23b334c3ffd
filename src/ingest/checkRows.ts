// SPEC §3 bad rows: every row was typed and checked while read; the bad ones are counted per file and kept for
// quarantine.csv; a run whose bad-row share exceeds the threshold fails before anything is published.
import { AppError } from '../config/AppError.js';
import type { Warehouse } from '../warehouse/openWarehouse.js';

export interface CheckResult {
  rows: number;
  quarantined: number;
  perFile: Map<number, number>;
  /** Every tenant id of the inputs' rows, bad rows included, sorted. */
  tenants: string[];
}

export async function checkRows(wh: Warehouse): Promise<CheckResult> {
  // A row whose line the reader did not give lies at its position in the file (checked's rowids are in
  // reading order): the file was proved to hold one record per line (splitRecords.ts checkPlainCsv).
  await wh.run(
    `CREATE OR REPLACE TABLE bad_rows AS
     SELECT c.file_idx, coalesce(c.line, c.row_id - f.first_row + f.header_lines + 1) AS line, c.line_known,
            c.reason, c.tenant_id, c.customer_id
     FROM checked c JOIN input_files f USING (file_idx)
     WHERE c.reason IS NOT NULL`,
  );
  // One pass for the counts per file and the tenants the inputs hold.
  const rows = await wh.all<{ file_idx: number; tenant_id: string; rows: number; bad: number }>(
    'SELECT file_idx, tenant_id, count(*)::INTEGER AS rows, count(reason)::INTEGER AS bad FROM checked GROUP BY ALL',
  );
  const perFile = new Map<number, number>();
  for (const r of rows) perFile.set(r.file_idx, (perFile.get(r.file_idx) ?? 0) + r.bad);
  return {
    rows: rows.reduce((a, r) => a + r.rows, 0),
    quarantined: rows.reduce((a, r) => a + r.bad, 0),
    perFile,
    tenants: [...new Set(rows.map((r) => r.tenant_id))].sort(),
  };
}

export function badRowShareExceeded(check: CheckResult, maxShare: number): boolean {
  return check.rows > 0 && check.quarantined / check.rows > maxShare;
}

export function badRowShareError(check: CheckResult, maxShare: number, quarantinePath: string): AppError {
  const share = check.quarantined / check.rows;
  return new AppError(
    'DATA',
    `${check.quarantined} of ${check.rows} rows (${(share * 100).toFixed(2)} %) are bad, above the ${(maxShare * 100).toFixed(2)} % limit: ` +
      `nothing was published; see ${quarantinePath} for each row's file, line and reason (or raise max_bad_row_share)`,
  );
}
