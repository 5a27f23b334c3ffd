// The relations one stage hands to the next, declared once (name, columns, DuckDB types). The statements
// that make them are checked against these declarations (test/unit/readerSql.test.ts and
// tableContract.test.ts); the DDL that creates an empty one comes from here (createTableSql), so a column
// is added or retyped in one place.
import { CANONICAL_COLUMNS } from '../config/jobSchema.js';

export type Column = readonly [name: string, type: string];

/** The attribute columns (SPEC §3 dimensions), in canonical order. */
export const DIMENSIONS = CANONICAL_COLUMNS.slice(CANONICAL_COLUMNS.indexOf('product_id'));

/**
 * ingest → compute: every input row, typed and checked (src/sql/06_check_rows.sql), in reading order (its
 * rowid is the row's place; a row's line comes from it when the reader does not know it). `optional`
 * columns are stored only when some input has their source column (a 10-column export does not store 30
 * columns of NULLs); `reason` (NULL = a valid row) comes last.
 */
export const CHECKED_ROWS = {
  name: 'checked_rows',
  always: [
    ['file_idx', 'INTEGER'], ['line', 'BIGINT'], ['line_known', 'BOOLEAN'], ['tenant_id', 'VARCHAR'],
    ['customer_id', 'VARCHAR'], ['event_time', 'TIMESTAMP WITH TIME ZONE'], ['amount', 'DECIMAL(18,4)'],
    // The currency's number (0 the report currency, i + 1 the rates file's i-th): 2 bytes, not 16.
    ['currency', 'SMALLINT'],
    // The rate to the report currency in 10⁻¹⁰ units.
    ['r10', 'BIGINT'],
  ],
  optional: [
    ['transaction_id', 'VARCHAR'], ['commission', 'DECIMAL(18,4)'], ['tax', 'DECIMAL(18,4)'],
    ['proceeds', 'DECIMAL(18,4)'], ['net_revenue', 'DECIMAL(18,4)'], ['renewal_number', 'INTEGER'],
    ['refunded_at', 'TIMESTAMP WITH TIME ZONE'], ['refund_of', 'VARCHAR'], ['is_sandbox', 'BOOLEAN'],
    ['is_trial', 'BOOLEAN'], ['updated_at', 'TIMESTAMP WITH TIME ZONE'],
    ...DIMENSIONS.map((d): Column => [d, 'VARCHAR']),
  ],
  last: [['reason', 'VARCHAR']],
} as const satisfies { name: string; always: readonly Column[]; optional: readonly Column[]; last: readonly Column[] };

/** The columns checked_rows has when the inputs store these optional ones, in table order. */
export function checkedRowsColumns(stored: readonly string[]): Column[] {
  return [...CHECKED_ROWS.always, ...CHECKED_ROWS.optional.filter(([c]) => stored.includes(c)), ...CHECKED_ROWS.last];
}

/** CREATE TEMP TABLE for a declared relation's columns (names from the declarations above, never user text). */
export function createTableSql(name: string, columns: readonly Column[]): string {
  return `CREATE OR REPLACE TEMP TABLE ${name} (${columns.map(([c, t]) => `"${c}" ${t}`).join(', ')})`;
}

/**
 * compute's inputs to the matrix statement (23_matrix.sql), every tenant's rows in one relation (tenant_id,
 * no per-tenant table): made by a run (20_customers.sql, 21_facts.sql over facts_all) and by the endpoint
 * from a published run's Parquet files (queryRun.ts, one tenant). Money in exact integer units (02_macros.sql).
 */
export const MATRIX_FACTS = {
  name: 'facts',
  columns: [
    ['tenant_id', 'VARCHAR'], ['cohort_day', 'DATE'], ['attr_id', 'BIGINT'], ['age_class', 'INTEGER'], ['k_day', 'INTEGER'],
    ['k_month', 'INTEGER'], ['renewal', 'INTEGER'], ['revenue', 'HUGEINT'], ['proceeds', 'HUGEINT'], ['net_revenue', 'HUGEINT'],
    ['payments', 'BIGINT'],
  ],
} as const satisfies { name: string; columns: readonly Column[] };

/** The matrix statement's customers: counted by tenant, cohort day and attribute tuple (attr_sets' attr_id). */
export const MATRIX_CUSTOMERS = {
  name: 'customers',
  columns: [['tenant_id', 'VARCHAR'], ['cohort_day', 'DATE'], ['attr_id', 'BIGINT'], ['n', 'BIGINT']],
} as const satisfies { name: string; columns: readonly Column[] };
