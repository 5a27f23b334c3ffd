// SPEC §3 bad rows: every row was typed and checked while read; the bad ones are counted per file and kept for
// quarantine.csv; a run whose bad-row share exceeds the threshold fails before anything is published.
import { AppError } from '../config/AppError.js';
import { isValidTenantId } from '../config/tenantId.js';
import { formatCountOf } from '../format/money.js';
import type { Warehouse } from '../warehouse/openWarehouse.js';

export interface CheckResult {
  rows: number;
  quarantined: number;
  perFile: Map<number, number>;
  /** Every tenant id of the inputs' rows, bad rows included, sorted. */
  tenants: string[];
  /** Rows and bad rows of each tenant. */
  perTenant: Map<string, { rows: number; bad: number }>;
  /** Rows and bad rows of each tenant in each file it has rows in: a tenant's own inputs[] counts. */
  counts: FileTenantCount[];
}

export interface FileTenantCount { file_idx: number; tenant_id: string; rows: number; bad: number }

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
  // One pass for the counts per file and tenant; the run's, each file's and each tenant's are their sums.
  return summarise(await wh.all<FileTenantCount>(
    'SELECT file_idx, tenant_id, count(*)::INTEGER AS rows, count(reason)::INTEGER AS bad FROM checked GROUP BY ALL',
  ));
}

/** A CheckResult from its counts per (file, tenant). */
function summarise(counts: FileTenantCount[]): CheckResult {
  const perFile = new Map<number, number>();
  const perTenant = new Map<string, { rows: number; bad: number }>();
  for (const c of counts) {
    perFile.set(c.file_idx, (perFile.get(c.file_idx) ?? 0) + c.bad);
    const t = perTenant.get(c.tenant_id) ?? { rows: 0, bad: 0 };
    perTenant.set(c.tenant_id, { rows: t.rows + c.rows, bad: t.bad + c.bad });
  }
  return {
    rows: counts.reduce((a, c) => a + c.rows, 0),
    quarantined: counts.reduce((a, c) => a + c.bad, 0),
    perFile,
    tenants: [...perTenant.keys()].sort(),
    perTenant,
    counts,
  };
}

/**
 * The bad-row counts again from bad_rows, after a later rule set more rows aside (linked refunds that
 * cannot be applied, 09_refund_checks.sql): the limit and the per-file counts take them in.
 */
export async function recountBadRows(wh: Warehouse, check: CheckResult): Promise<CheckResult> {
  const bad = new Map((await wh.all<{ file_idx: number; tenant_id: string; bad: number }>(
    'SELECT file_idx, tenant_id, count(*)::INTEGER AS bad FROM bad_rows GROUP BY ALL',
  )).map((r) => [countKey(r), r.bad]));
  return summarise(check.counts.map((c) => ({ ...c, bad: bad.get(countKey(c)) ?? 0 })));
}

function countKey(c: { file_idx: number; tenant_id: string }): string {
  return `${c.file_idx}\u0000${c.tenant_id}`;
}

/**
 * Bad rows a tenant may have beyond the limit's share of its rows: what a healthy small shop has by chance
 * (with the default 1 %, a shop of 199 rows and 2 bad ones is at 1.01 %; one bad export of a shop is many).
 */
export const TENANT_BAD_ROW_ALLOWANCE = 5;

/**
 * Where the bad-row share is over the limit: the run's rows; else the tenant furthest over it, each tenant
 * having its own published report: in an input of many shops, one shop whose rows are all (or mostly) bad
 * would otherwise get a report built from a few of them, or none, replacing its last good one. A tenant is
 * over when its bad rows exceed limit × rows + TENANT_BAD_ROW_ALLOWANCE, or when none of its rows is good.
 * Null when nothing is over.
 */
export function badRowShareExceeded(check: CheckResult, maxShare: number): { tenant: string | null; rows: number; bad: number } | null {
  // Every row bad fails whatever the limit (max_bad_row_share 1 too): the report would be built from no row
  // and replace the last good one.
  if (check.rows > 0 && (check.quarantined / check.rows > maxShare || check.quarantined === check.rows)) return { tenant: null, rows: check.rows, bad: check.quarantined };
  let worst: { tenant: string; rows: number; bad: number } | null = null;
  for (const [tenant, t] of check.perTenant) {
    // A tenant_id no report can carry (over 1,024 characters: each of its rows is a bad row for that alone)
    // has no last good report to protect: its rows count in the run's share only. One such row stopped
    // every tenant of the input from publishing, whatever the limit.
    if (!isValidTenantId(tenant)) continue;
    const over = t.rows > 0 && (t.bad === t.rows || (t.bad / t.rows > maxShare && t.bad > maxShare * t.rows + TENANT_BAD_ROW_ALLOWANCE));
    if (over && (!worst || t.bad / t.rows > worst.bad / worst.rows)) worst = { tenant, ...t };
  }
  return worst;
}

/**
 * A bad row's reason without the values it quotes: what rows that fail alike share. The value a reason ends
 * with (`: "…"`) is cut; values within it become "…": quoted ones, dates (a missing exchange rate names the
 * row's day), a file's line (`(orders.csv line 5)`) and a refund's amounts. Otherwise 1,462 rows without a
 * rate were counted as 11, those of the commonest day.
 */
const REASON_KIND = [
  [':\\s*"(.|\\n)*$', ''],
  ['"[^"]*"', '"…"'],
  ['\\([^()]* line \\d+\\)', '(…)'],
  ['\\d{4}-\\d{2}-\\d{2}([T ][0-9:.]+)?(Z|[+-]\\d{2}(:?\\d{2})?)?', '…'],
  ['(takes back|more than the|payment of) -?[0-9][0-9.]*', '\\1 …'],
].reduce((sql, [pattern, by]) => `regexp_replace(${sql}, '${pattern}', '${by}', 'g')`, 'reason');

/**
 * The reason most of the bad rows (of `tenant`, or of the run) give, with its count, for the error's last
 * words: a first run's export whose every time is in another layout says so on the terminal, not only in
 * quarantine.csv.
 */
export async function commonestReason(wh: Warehouse, tenant: string | null): Promise<{ kind: string; rows: number } | null> {
  const [row] = await wh.all<{ kind: string; rows: number }>(
    `SELECT ${REASON_KIND} AS kind, count(*)::INTEGER AS rows FROM bad_rows WHERE $tenant IS NULL OR tenant_id = $tenant GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1`,
    { tenant },
  );
  return row ?? null;
}

/** What to do about a kind of reason, where one thing usually is. */
function hintFor(kind: string, everyRow = false): string {
  // A time's reason names its canonical column or the file's column a preset read it from (Created at).
  if (/ is not an ISO 8601 time$/.test(kind)) return '; an input\'s "time_format" (--time-format) reads another layout';
  if (/ is a number, not an ISO 8601 time/.test(kind)) return '; write epoch times as ISO 8601 in the export (no time_format reads them)';
  // Rows that all have another count of fields than the header: the header is what is wrong, most often
  // (a name deleted or added), not each row; the run blamed every row and named no line to correct.
  // Only where every row of the input fails so: where some rows match the header, those few are at fault.
  const fields = everyRow ? /^expected (\d+) fields \(as in the header\), found (\d+)$/.exec(kind) : null;
  if (fields) return `; if the rows are right, line 1 (the header) names ${fields[1]} columns where they have ${fields[2]}: correct the header`;
  return '';
}

export function badRowShareError(over: { tenant: string | null; rows: number; bad: number }, maxShare: number, quarantinePath: string, common: { kind: string; rows: number } | null = null): AppError {
  // A single bad row's reason, or one of many that all differ, is said too: a first small test file with one
  // bad time ended without a word of why.
  const most = !common ? ''
    : common.rows > 1 ? `; most often (${formatCountOf(common.rows, 'row')}): ${common.kind}${hintFor(common.kind, common.rows === over.rows)}`
      : over.bad === 1 ? `; its reason: ${common.kind}${hintFor(common.kind)}`
        : `; each for another reason, e.g. ${common.kind}${hintFor(common.kind)}`;
  const share = over.bad / over.rows;
  if (share <= maxShare || over.bad === over.rows) {
    // No row is good: the run fails under any limit (max_bad_row_share 1 included), so raising it is no advice.
    return new AppError(
      'DATA',
      `${over.tenant === null ? '' : `tenant ${over.tenant}: `}${over.rows === 1 ? 'its only row is' : `all ${formatCountOf(over.rows, 'row')} are`} bad: ` +
        `nothing was published (a report of no rows would replace the last good one); see ${quarantinePath} for each row's file, line and reason${most}`,
    );
  }
  return new AppError(
    'DATA',
    `${over.tenant === null ? '' : `tenant ${over.tenant}: `}${over.bad} of ${formatCountOf(over.rows, 'row')} (${(share * 100).toFixed(2)} %) ${over.bad === 1 ? 'is' : 'are'} bad, above the ${(maxShare * 100).toFixed(2)} % limit` +
      `${over.tenant === null ? '' : ` by more than the ${TENANT_BAD_ROW_ALLOWANCE} rows a tenant may have besides`}: ` +
      `nothing was published; see ${quarantinePath} for each row's file, line and reason (or raise max_bad_row_share: --max-bad-row-share with --input, else in the job file)${most}`,
  );
}
