// Computed answers of many runs in one memory budget (src/serve/AnswerCache.ts): real HTTP, real runs on disk,
// the cache's own byte count read back from the server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishFixtureRun } from '../helpers/fixtureRun.js';
import { httpRequest } from '../helpers/httpRequest.js';
import { startServer, type TestServer } from '../helpers/startServer.js';

const KEY = 'ltv_answer_cache_tests_key_01';
const TENANTS = Array.from({ length: 10 }, (_, i) => `t${i}`);
const BUDGET = 64 * 1024;
let s: TestServer;

beforeAll(async () => {
  s = await startServer({ answerCacheBytes: BUDGET, keys: [{ key: KEY, tenants: TENANTS }] });
  // Two runs per tenant: 20260103T000000Z is the latest, 20260102T000000Z an older one the explorer names in x-ltv-run.
  for (const [i, tenant] of TENANTS.entries()) {
    publishFixtureRun(s.reportsDir, { tenant, runId: '20260102T000000Z', marker: 100 + i, forecast: { horizonMonths: 24 } });
    publishFixtureRun(s.reportsDir, { tenant, runId: '20260103T000000Z', marker: 200 + i, forecast: { horizonMonths: 24 } });
  }
});
afterAll(async () => {
  await s.stop();
});

/** A computed answer (predictions are computed from the snapshot and kept, one per prediction_months). */
const predictions = (tenant: string, run: string | null, months: number) =>
  httpRequest(s.port, '/api/v1/client-api/metrics/ltv/', {
    method: 'POST',
    headers: { authorization: `Api-Key ${KEY}`, 'content-type': 'application/json', 'x-ltv-tenant': tenant, ...(run ? { 'x-ltv-run': run } : {}) },
    body: JSON.stringify({ filters: { date: ['2020-01-01', '2030-12-31'] }, period_type: 'days', period_unit: 'month', prediction_months: months }),
  });

describe('computed answers of many runs', () => {
  it('stay within the one budget together, however many runs have some', async () => {
    let offered = 0;
    const first = await predictions('t0', '20260102T000000Z', 1);
    expect(first.status).toBe(200);
    for (const tenant of TENANTS) {
      for (const run of ['20260102T000000Z', null]) {
        for (let months = 1; months <= 12; months++) {
          const r = await predictions(tenant, run, months);
          expect(r.status).toBe(200);
          offered += r.body.length;
          const cache = s.stats().answerCache;
          expect(cache.bytes).toBeLessThanOrEqual(BUDGET);
        }
      }
    }
    // 240 answers of about 2 KB: several times the budget (a budget per run would have kept them all).
    expect(offered).toBeGreaterThan(4 * BUDGET);
    const cache = s.stats().answerCache;
    // Full, not emptied: within one answer's cost of the budget; and shared by several runs.
    expect(cache.bytes).toBeGreaterThan(BUDGET - 4096);
    expect(cache.runs).toBeGreaterThanOrEqual(2);
    expect(cache.entries).toBeLessThan(240);
    // What was dropped is computed again, the same bytes.
    const again = await predictions('t0', '20260102T000000Z', 1);
    expect(again.status).toBe(200);
    expect(again.text).toBe(first.text);
    expect(s.stats().answerCache.bytes).toBeLessThanOrEqual(BUDGET);
  });
});
