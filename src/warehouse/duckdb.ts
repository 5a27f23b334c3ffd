// DuckDB's client, as ltv's code loads it: every value import of `@duckdb/node-api` comes through here
// (type imports may name the package). `npm run build` bundles this module into one file in place
// (src/config/bundleEntries.mjs): the package is ~180 small CommonJS files, and resolving, reading and
// compiling them took ~0.14 s at the start of every run, before DuckDB had any work; the bundle loads in
// ~0.05 s beside the native binding (`@duckdb/node-bindings`, left outside it). One copy of the client's
// classes either way, so its own `instanceof` checks hold.
export { DuckDBConnection, DuckDBInstance, DuckDBTypeId, listValue } from '@duckdb/node-api';
