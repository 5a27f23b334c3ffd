// A DuckDB memory limit, one rule for a job's duckdb.memory_limit, `ltv run --memory-limit` and
// LTV_DUCKDB_MEMORY_LIMIT (three patterns before, none refusing 0GB, which failed the run in DuckDB, or
// 150%). No imports: the command line reads it before it loads anything else.

/**
 * A DuckDB memory limit as a job's duckdb.memory_limit, --memory-limit and LTV_DUCKDB_MEMORY_LIMIT give it:
 * a size, or a share of memory (openWarehouse.ts). Without a flag: the job schema's pattern too.
 */
export const MEMORY_LIMIT = /^\d+(\.\d+)?\s*([Bb]|[KkMmGgTt][Ii]?[Bb]|%)$/;
export const MEMORY_LIMIT_TEXT = 'a size such as "2GB" or "512MiB", or a share of memory such as "50%"';

/** Why a memory limit of that shape cannot be a run's (none at all; more than all the memory), or null. */
export function memoryLimitAmountProblem(text: string): string | null {
  const n = Number(/\d+(\.\d+)?/.exec(text)?.[0] ?? Number.NaN);
  if (!(n > 0)) return `"${text}" leaves DuckDB no memory: give ${MEMORY_LIMIT_TEXT}`;
  if (text.endsWith('%') && n > 100) return `"${text}" is more than all the memory: give a share up to 100%`;
  return null;
}

/** Why `text` is no memory limit, or null (the rule of the job, --memory-limit and LTV_DUCKDB_MEMORY_LIMIT). */
export function memoryLimitProblem(text: string): string | null {
  return MEMORY_LIMIT.test(text) ? memoryLimitAmountProblem(text) : `"${text}" is not ${MEMORY_LIMIT_TEXT}`;
}
