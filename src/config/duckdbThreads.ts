// The most DuckDB threads a run is given, one bound for a job's duckdb.threads, `ltv run --threads` and
// LTV_DUCKDB_THREADS. No imports: the command line reads it before it loads anything else.

/**
 * DuckDB starts every thread it is given when it opens, whatever the cores: `--threads 5000` ran on 5,012 OS
 * threads, and 100000 used up the host's thread limit (fork() failed for every other process). 1024 is
 * above the hardware threads of the largest servers sold (two 192-core CPUs with SMT: 768), so it refuses
 * only a mistake; threads beyond the cores add nothing but memory (each holds its share of the work).
 */
export const MAX_DUCKDB_THREADS = 1024;
