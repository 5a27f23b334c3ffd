// SPEC §6: an Adapty request that matches no customer keeps the Total row (cohort_size 0, values [],
// value null) and a null top-level value, for every segmentation and both formats; Zenovay's answer for a
// tenant without customers has no cohorts and null averages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEGMENTATIONS } from '../../src/ltv/model.js';
import type { AdaptyResponse, ZenovayResponse } from '../../src/report/apiTypes.js';
import { httpRequest } from '../helpers/httpRequest.js';
import { csv, makeFixture, runJob, type Fixture } from '../helpers/runFixture.js';
import { startServer, type TestServer } from '../helpers/startServer.js';

let fx: Fixture;
let s: TestServer;
const KEY = 'k-empty';

beforeAll(async () => {
  // Tenant "shop" has one customer (US); tenant "refunds-only" has a refund and a zero row: no customer.
  fx = await makeFixture({
    'e.csv': csv('tenant_id,customer_id,event_time,amount,country', [
      ['shop', 'a', '2026-01-10T12:00:00Z', '10', 'US'],
      ['refunds-only', 'b', '2026-01-11T12:00:00Z', '-5', 'US'],
      ['refunds-only', 'c', '2026-01-12T12:00:00Z', '0', 'US'],
    ]),
  });
  await runJob(fx, { inputs: [{ path: 'e.csv' }] }, '2026-03-01T00:00:00Z');
  s = await startServer({ reportsDir: fx.reportsDir, keys: [{ key: KEY, tenants: ['shop', 'refunds-only'] }] });
}, 240_000);
afterAll(async () => {
  await s?.stop();
  await fx?.cleanup();
});

const EMPTY_TOTAL = { title: 'Total', type: 'total', value: null, cohort_size: 0, values: [] };

function post(tenant: string, body: unknown): ReturnType<typeof httpRequest> {
  return httpRequest(s.port, '/api/v1/client-api/metrics/ltv/', {
    method: 'POST',
    headers: { authorization: `Api-Key ${KEY}`, 'content-type': 'application/json', 'x-ltv-tenant': tenant },
    body: JSON.stringify(body),
  });
}

describe('empty answers', () => {
  for (const period_type of ['renewals', 'days'] as const) {
    it.each([...SEGMENTATIONS.filter((x) => x !== 'cohort'), null])(`Adapty ${period_type}, segmentation %s: Total row kept, json and csv`, async (segmentation) => {
      // country ZZ matches no customer; so does a date range before every first payment.
      for (const filters of [{ date: ['2026-01-01', '2026-01-31'], country: ['zz'] }, { date: ['2025-01-01', '2025-01-31'] }]) {
        const r = await post('shop', { filters, period_type, period_unit: 'month', segmentation });
        expect(r.status).toBe(200);
        const body = r.json() as AdaptyResponse;
        for (const t of ['revenue', 'proceeds', 'net_revenue'] as const) {
          expect(body[t].value).toBeNull();
          expect(body[t].data).toEqual([EMPTY_TOTAL]);
        }
        const c = await post('shop', { filters, period_type, period_unit: 'month', segmentation, format: 'csv' });
        expect(c.status).toBe(200);
        expect(c.text).toBe('accounting_type,title,type,cohort_size\r\nrevenue,Total,total,0\r\nproceeds,Total,total,0\r\nnet_revenue,Total,total,0\r\n');
      }
    });
  }

  it('a tenant without customers: Adapty snapshot with the Total row, Zenovay with no cohorts and null averages', async () => {
    const r = await post('refunds-only', { filters: { date: ['2026-01-01', '2026-01-31'] } });
    expect(r.status).toBe(200);
    expect((r.json() as AdaptyResponse).revenue).toMatchObject({ value: null, data: [EMPTY_TOTAL] });
    const z = await httpRequest(s.port, '/api/external/v1/revenue/refunds-only/ltv?range=all', { headers: { 'x-api-key': KEY } });
    expect(z.status).toBe(200);
    expect((z.json() as ZenovayResponse).data).toEqual({ cohorts: [], summary: { average_ltv_30d: null, average_ltv_90d: null } });
  });
});
