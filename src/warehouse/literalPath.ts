// DuckDB's file readers (read_csv, read_parquet, parquet_schema) take every path as a glob of their own:
// "x*.csv", a file of that name that an input's glob found, was read as "x*.csv" and "xb.csv" again, and
// "g[1]/x.csv" as "g1/x.csv". A path handed to a reader names one file, so its glob characters are escaped.
import { AppError } from '../config/AppError.js';

/** The characters DuckDB's glob gives a meaning to (`{` is literal there; `]` only closes a `[`). */
const DUCKDB_GLOB = /[*?[]/g;

/**
 * `path` as a glob that matches that one file and nothing else: each of `* ? [` inside brackets (`x[*].csv`),
 * DuckDB's only escape (a backslash escapes nothing). A path without them is unchanged.
 */
export function literalPath(path: string): string {
  if (!/[*?[]/.test(path)) return path;
  // DuckDB's glob splits a path at a backslash as at a slash, and no pattern matches a name holding one:
  // the file cannot be named to DuckDB, and a `?` in its place could match another file.
  if (path.includes('\\')) {
    throw new AppError('INPUT', `${path}: DuckDB cannot read a file whose path holds both a backslash and one of * ? [ (it takes the path as a glob): rename the file or its folder`);
  }
  return path.replace(DUCKDB_GLOB, '[$&]');
}
