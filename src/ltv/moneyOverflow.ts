// SPEC §4 "summed exactly": the bound on money (02_macros.sql, README "Money is exact") holds per tenant,
// but DuckDB's overflow names no tenant, and a run of many tenants failed without saying whose money it was.
import { AppError } from '../config/AppError.js';
import { visibleLine } from '../format/text.js';
import { isMoneyOverflow, moneyTooLarge, type Warehouse } from '../warehouse/openWarehouse.js';

/** A tenant's money in report-currency units, summed without sign as a double (an estimate: it cannot overflow). */
interface Culprit { tenant_id: string; total: number; path: string | null }

/**
 * `e` as it is, unless it is the money overflow (openWarehouse.ts resourceError): then the same error naming
 * the tenant whose amounts are largest, with their total and, where known, its file. Read from the checked
 * rows while they exist (the file of the tenant's largest amount), else from facts_all (the file when the
 * run has one). Looked up only after the failure: a run that passes pays nothing for it.
 */
export async function nameMoneyOverflow(wh: Warehouse, e: unknown): Promise<unknown> {
  if (!isMoneyOverflow(e)) return e;
  try {
    const culprit = await largestTenant(wh);
    if (!culprit) return e;
    const where = culprit.path === null ? '' : ` (${visibleLine(culprit.path)})`;
    const whose = `the money of tenant "${visibleLine(culprit.tenant_id)}"${where}, amounts of about ${scientific(culprit.total)} report-currency units,`;
    return new AppError('DATA', moneyTooLarge(whose), { cause: e.cause });
  } catch {
    return e;
  }
}

async function largestTenant(wh: Warehouse): Promise<Culprit | undefined> {
  const [has = { checked: false, facts: false, files: 0 }] = await wh.all<{ checked: boolean; facts: boolean; files: number }>(
    `SELECT EXISTS (FROM duckdb_views() WHERE view_name = 'checked') AS checked,
            EXISTS (FROM duckdb_tables() WHERE table_name = 'facts_all') AS facts,
            (SELECT count(*) FROM input_files)::INTEGER AS files`,
  );
  // r10: the rate in 10⁻¹⁰ (06_check_rows.sql); facts_all's revenue is in 10⁻¹⁴ (02_macros.sql).
  const [row] = has.checked
    ? await wh.all<Culprit>(
      `WITH t AS (
         SELECT tenant_id, sum(abs(CAST(amount AS DOUBLE) * CAST(r10 AS DOUBLE))) / 1e10 AS total,
                arg_max(file_idx, abs(CAST(amount AS DOUBLE) * CAST(r10 AS DOUBLE))) AS file_idx
         FROM checked WHERE reason IS NULL GROUP BY tenant_id)
       SELECT t.tenant_id, t.total, f.path FROM t LEFT JOIN input_files f USING (file_idx) ORDER BY t.total DESC LIMIT 1`)
    : has.facts
      ? await wh.all<Culprit>(
        `SELECT tenant_id, sum(abs(CAST(revenue AS DOUBLE))) / 1e14 AS total,
                CASE WHEN $files = 1 THEN (SELECT any_value(path) FROM input_files) END AS path
         FROM facts_all GROUP BY tenant_id ORDER BY total DESC LIMIT 1`, { files: has.files })
      : [];
  return row;
}

/** 6.0 × 10¹¹ */
function scientific(x: number): string {
  const [mantissa, exponent] = x.toExponential(1).split('e');
  const superscript = String(Number(exponent)).replace(/[-0-9]/g, (c) => '⁻⁰¹²³⁴⁵⁶⁷⁸⁹'['-0123456789'.indexOf(c)]!);
  return `${mantissa} × 10${superscript}`;
}
