// Two real runs of one small export for the explorer's tests: an older one (as of 2026-02-15) and the
// latest (2026-03-16), published by the real pipeline. One customer's product is markup, to show that
// data is rendered as text (not the country: ingest upper-cases country codes). And the example job's run
// (forecasts on) for the tests of predicted cells.
import { fileURLToPath } from 'node:url';
import { loadJob } from '../../src/config/loadJob.js';
import { runPipeline } from '../../src/pipeline.js';
import type { Fixture } from './runFixture.js';
import { csv, makeFixture, runJob, silentLogger } from './runFixture.js';

export const XSS = '<img src=x onerror=alert(1)>';
export const TENANT = 'acme';
export const OLD_AS_OF = '2026-02-15T00:00:00Z';
export const NEW_AS_OF = '2026-03-16T12:00:00Z';

export const EXPORT = csv('customer_id,event_time,amount,currency,country,product_id,store', [
  ['c1', '2026-01-05T10:00:00Z', '9.99', 'USD', 'US', 'pro_monthly', 'app_store'],
  ['c1', '2026-02-05T10:00:00Z', '9.99', 'USD', 'US', 'pro_monthly', 'app_store'],
  ['c1', '2026-03-05T10:00:00Z', '9.99', 'USD', 'US', 'pro_monthly', 'app_store'],
  ['c2', '2026-01-20T10:00:00Z', '19.99', 'USD', 'US', 'pro_annual', 'play_store'],
  ['c3', '2026-01-10T10:00:00Z', '9.99', 'USD', 'DE', 'pro_monthly', 'play_store'],
  ['c3', '2026-02-10T10:00:00Z', '9.99', 'USD', 'DE', 'pro_monthly', 'play_store'],
  ['c4', '2026-02-03T10:00:00Z', '4.99', 'USD', 'DE', 'pro_weekly', 'app_store'],
  ['c4', '2026-03-03T10:00:00Z', '4.99', 'USD', 'DE', 'pro_weekly', 'app_store'],
  ['c5', '2026-02-14T10:00:00Z', '29.99', 'USD', 'GB', XSS, 'app_store'],
  ['c6', '2026-03-01T10:00:00Z', '9.99', 'USD', 'FR', 'pro_monthly', 'app_store'],
  ['c7', '2025-12-15T10:00:00Z', '49.99', 'USD', 'US', 'pro_annual', 'app_store'],
  ['c7', '2026-01-15T10:00:00Z', '49.99', 'USD', 'US', 'pro_annual', 'app_store'],
]);

/** Publishes both runs (older first) under tenant `acme`; returns the fixture (its reportsDir). */
export async function publishExplorerRuns(): Promise<Fixture> {
  const fx = await makeFixture({ 'tx.csv': EXPORT });
  const job = { tenant: TENANT, inputs: [{ path: 'tx.csv' }], formats: ['json', 'csv'] as ('json' | 'csv')[] };
  await runJob(fx, job, OLD_AS_OF);
  await runJob(fx, job, NEW_AS_OF);
  return fx;
}

/** The example job's tenant: a run with forecasts (`forecast.model: auto`, SPEC §9). */
export const EXAMPLE_TENANT = 'demo-app';

/** Publishes the example job (jobs/example.json: 6,000 transactions, forecasts on) into the fixture's reports. */
export async function publishExampleRun(fx: Fixture): Promise<void> {
  await runPipeline(await loadJob(fileURLToPath(new URL('../../jobs/example.json', import.meta.url))), { logger: silentLogger, reportsDir: fx.reportsDir });
}
