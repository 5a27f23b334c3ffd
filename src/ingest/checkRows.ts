// SPEC §3 bad rows: every staged row is typed and checked; the bad ones are counted per file and kept for
// quarantine.csv; a run whose bad-row share exceeds the threshold fails before anything is published.
import { AppError } from '../config/AppError.js';
import { loadSql } from '../warehouse/loadSql.js';
import type { Warehouse } from '../warehouse/openWarehouse.js';

export interface CheckResult {
  rows: number;
  quarantined: number;
  perFile: Map<number, number>;
}

export async function checkRows(wh: Warehouse, opts: { currency: string; tenant: string }): Promise<CheckResult> {
  await wh.run(loadSql('05_check_rows'), { currency: opts.currency, tenant: opts.tenant });
  // The raw text is no longer needed: free it before the next, wide, steps.
  await wh.run('DROP TABLE staged');
  await wh.run(
    `CREATE OR REPLACE TABLE bad_rows AS
     SELECT file_idx, line, line_known, reason, tenant_id, customer_id FROM checked WHERE reason IS NOT NULL`,
  );
  const rows = await wh.all<{ file_idx: number; rows: number; bad: number }>(
    'SELECT file_idx, count(*)::INTEGER AS rows, count(reason)::INTEGER AS bad FROM checked GROUP BY file_idx',
  );
  const perFile = new Map(rows.map((r) => [r.file_idx, r.bad]));
  return {
    rows: rows.reduce((a, r) => a + r.rows, 0),
    quarantined: rows.reduce((a, r) => a + r.bad, 0),
    perFile,
  };
}

export function enforceBadRowShare(check: CheckResult, maxShare: number, quarantinePath: string): void {
  if (check.rows === 0) return;
  const share = check.quarantined / check.rows;
  if (share > maxShare) {
    throw new AppError(
      'DATA',
      `${check.quarantined} of ${check.rows} rows (${(share * 100).toFixed(2)} %) are bad, above the ${(maxShare * 100).toFixed(2)} % limit: ` +
        `nothing was published; see ${quarantinePath} for each row's file, line and reason (or raise max_bad_row_share)`,
    );
  }
}
