// One measured run in its own process (so peak RSS is the run's own): `floor` or `full`. A full run runs
// what `npx ltv` runs: the build in dist/ when it is current (src/cli/buildIsCurrent.mjs), else the
// TypeScript (through tsx, slower to start its threads); `code` in the output says which.
import { resourceUsage } from 'node:process';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { DuckDBInstance } from '@duckdb/node-api';
// @ts-expect-error: a JavaScript module of the launcher, without types
import { buildIsCurrent } from '../../src/cli/buildIsCurrent.mjs';

const built: boolean = buildIsCurrent(fileURLToPath(new URL('../../', import.meta.url)));
const code = built ? 'dist' : 'src';
type Pipeline = typeof import('../../src/pipeline.js');
type LoadJob = typeof import('../../src/config/loadJob.js');

const [mode, csvPath, ratesPath, reportsDir, asOf, memoryLimit] = process.argv.slice(2) as [string, string, string, string, string, string?];
const started = performance.now();
if (mode === 'floor') {
  // The bare floor: one DuckDB statement that reads the CSV and computes only the monthly cohort matrix
  // (cumulative revenue per customer by month since first purchase), no validation, no files written.
  const db = await (await DuckDBInstance.create(':memory:')).connect();
  const reader = await db.runAndReadAll(`
    WITH t AS (SELECT customer_id, try_cast(event_time AS TIMESTAMPTZ) AS ts, try_cast(amount AS DECIMAL(18,2)) AS amount
               FROM read_csv($p, header = true, ignore_errors = true) WHERE amount IS NOT NULL AND ts IS NOT NULL),
    f AS (SELECT customer_id, min(ts) FILTER (WHERE amount > 0) AS t0 FROM t GROUP BY customer_id),
    c AS (SELECT date_trunc('month', f.t0) AS cohort, date_diff('month', f.t0, t.ts) AS k, t.amount, t.customer_id
          FROM t JOIN f USING (customer_id) WHERE f.t0 IS NOT NULL),
    s AS (SELECT cohort, k, sum(amount) AS rev FROM c GROUP BY ALL),
    n AS (SELECT cohort, count(DISTINCT customer_id) AS n FROM c GROUP BY cohort)
    SELECT cohort, k, sum(rev) OVER (PARTITION BY cohort ORDER BY k) / n AS ltv FROM s JOIN n USING (cohort) ORDER BY cohort, k`, { p: csvPath });
  const cells = reader.getRowObjectsJS().length;
  db.closeSync();
  report({ cells });
} else {
  const { runPipeline } = (await import(built ? '../../dist/pipeline.js' : '../../src/pipeline.js')) as Pipeline;
  const { jobFromFlags } = (await import(built ? '../../dist/config/loadJob.js' : '../../src/config/loadJob.js')) as LoadJob;
  const job = jobFromFlags({
    inputs: [{ path: csvPath }], rates: ratesPath, tenant: 'bench', max_bad_row_share: 0.05,
    ...(memoryLimit ? { duckdb: { memory_limit: memoryLimit } } : {}),
    // SPEC §9 cost: the full default run (forecasts on: auto), and the same run without them.
    forecast: { model: mode === 'full-noforecast' ? ('off' as const) : ('auto' as const) },
  }, process.cwd());
  const result = await runPipeline(job, { logger: pino({ level: 'silent' }), asOf: new Date(asOf), reportsDir });
  report({ timings: result.timings, stats: result.stats, tenants: result.tenants.length, code });
}

function report(extra: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ mode, ms: Math.round(performance.now() - started), maxRssMiB: Math.round(resourceUsage().maxRSS / 1024), ...extra })}\n`);
}
