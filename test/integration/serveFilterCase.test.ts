// SPEC §6: attribute filters match case-insensitively, and a value always matches itself, whatever its
// script. Both sides are folded by one function (31_attr_kept.sql: Unicode's simple case mapping); the
// filter values used to be lower-cased by JS and the attributes by DuckDB, which differ on Turkish İ and
// Greek final sigma, so filtering by a campaign named exactly 'İNDİRİM' found nobody.
// Values by hand, renewals × month, as of 2026-03-16T15:00Z, UTC, one January cohort:
//   g1 pays 10.00 (campaign İNDİRİM, paywall ΟΔΟΣ), g2 20.00 (indirim, οδος), g3 40.00 (summer, Straße).
//   İNDİRİM ~ indirim and ΟΔΟΣ ~ οδος: {g1, g2}, (10 + 20) / 2 = 15.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AdaptyResponse } from '../../src/report/apiTypes.js';
import { httpRequest } from '../helpers/httpRequest.js';
import { adaptyGrid, csv, makeFixture, runJob, type Fixture } from '../helpers/runFixture.js';
import { startServer, type TestServer } from '../helpers/startServer.js';

const KEY = 'ltv_filter_case_key_000001';
let fx: Fixture;
let s: TestServer;

beforeAll(async () => {
  fx = await makeFixture({
    'export.csv': csv('customer_id,event_time,amount,transaction_id,attribution_campaign,paywall', [
      ['g1', '2026-01-05T10:00:00Z', '10.00', 't1', 'İNDİRİM', 'ΟΔΟΣ'],
      ['g2', '2026-01-06T10:00:00Z', '20.00', 't2', 'indirim', 'οδος'],
      ['g3', '2026-01-07T10:00:00Z', '40.00', 't3', 'summer', 'Straße'],
    ]),
  });
  await runJob(fx, { inputs: [{ path: 'export.csv' }], formats: ['json'], forecast: { model: 'off' } }, '2026-03-16T15:00:00Z');
  s = await startServer({ reportsDir: fx.reportsDir, keys: [{ key: KEY, tenants: ['default'] }] });
});
afterAll(async () => {
  await s.stop();
  await fx.cleanup();
});

async function revenue(filters: Record<string, string[]>): Promise<Record<string, number[]>> {
  const r = await httpRequest(s.port, '/api/v1/client-api/metrics/ltv/', {
    method: 'POST', headers: { authorization: `Api-Key ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ filters: { date: ['2026-01-01', '2026-01-31'], ...filters } }),
  });
  expect(r.status).toBe(200);
  return adaptyGrid(r.json() as AdaptyResponse);
}

it('a filter value matches itself and its other case, in Turkish and Greek too', async () => {
  const both = { Total: [15], '2026-01-01': [15] };
  expect(await revenue({ attribution_campaign: ['İNDİRİM'] })).toEqual(both);
  expect(await revenue({ attribution_campaign: ['indirim'] })).toEqual(both);
  expect(await revenue({ paywall: ['ΟΔΟΣ'] })).toEqual(both);
  expect(await revenue({ paywall: ['οδος'] })).toEqual(both);
  expect(await revenue({ paywall: ['Straße'] })).toEqual({ Total: [40], '2026-01-01': [40] });
  expect(await revenue({ paywall: ['straße'], attribution_campaign: ['SUMMER'] })).toEqual({ Total: [40], '2026-01-01': [40] });
  // Simple case mapping, one character to one: ß has no one-character upper case, so STRASSE is another value.
  expect(await revenue({ paywall: ['STRASSE'] })).toEqual({ Total: [] });
});

it('trims a filter value as ingest trims the value it matches (white space of any kind at either end)', async () => {
  // g3's campaign summer and paywall Straße: 40; g1 and g2 as above: 15.
  expect(await revenue({ attribution_campaign: ['  summer  '] })).toEqual({ Total: [40], '2026-01-01': [40] });
  expect(await revenue({ paywall: ['\t\u00a0straße\r\n'], attribution_campaign: ['\u3000SUMMER\u2028'] })).toEqual({ Total: [40], '2026-01-01': [40] });
  expect(await revenue({ attribution_campaign: [' İNDİRİM\t'] })).toEqual({ Total: [15], '2026-01-01': [15] });
  // Inside a value, white space is the value's own: no campaign is `sum mer`.
  expect(await revenue({ attribution_campaign: ['sum mer'] })).toEqual({ Total: [] });
});

it('refuses an empty or blank filter value, naming the field and what to send (it answered no customer)', async () => {
  for (const value of ['', '   ', '\u3000\t']) {
    const r = await httpRequest(s.port, '/api/v1/client-api/metrics/ltv/', {
      method: 'POST', headers: { authorization: `Api-Key ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ filters: { date: ['2026-01-01', '2026-01-31'], country: ['US', value] } }),
    });
    expect(r.status).toBe(400);
    expect(r.json()).toMatchObject({
      error_code: 'validation_error', status_code: 400,
      errors: [{ source: 'filters.country', errors: ['filters.country holds an empty value: give each value as the report shows it, or "unknown" for customers without one'] }],
    });
  }
});
