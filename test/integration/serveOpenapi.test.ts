// The OpenAPI document (src/serve/openapi.json) against what the server actually answers: every status
// we provoke must be documented for its operation, and its body must validate against the schema.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATUS } from '../../src/serve/HttpError.js';
import { publishFixtureRun } from '../helpers/fixtureRun.js';
import { httpRequest, type RawResponse } from '../helpers/httpRequest.js';
import { ajv, checkOpenapi as check, doc } from '../helpers/openapiCheck.js';
import { startServer, type TestServer } from '../helpers/startServer.js';

const KEY = 'ltv_openapi_test_key_0001';
const FREE = 'ltv_openapi_test_free_0002';
const SLOW = 'ltv_openapi_test_slow_0003';
const Z = '/api/external/v1/revenue/{websiteId}/ltv';
const A = '/api/v1/client-api/metrics/ltv/';
let s: TestServer;

beforeAll(async () => {
  s = await startServer({
    keys: [
      { key: KEY, tenants: ['acme'] },
      { key: FREE, tenants: ['acme'], plan: 'free' },
      { key: SLOW, tenants: ['acme'], requests_per_minute: 1 },
    ],
  });
  publishFixtureRun(s.reportsDir, { tenant: 'acme', runId: 'r1', marker: 5, forecast: { horizonMonths: 6 } });
});
afterAll(async () => {
  await s.stop();
});

describe('OpenAPI document matches real responses', () => {
  it('lists every error code the server can answer (EXPECTATION_FAILED was missing)', () => {
    const schemas = doc.components.schemas as Record<string, { properties: { error: { properties: { code: { enum: string[] } } } } }>;
    expect([...schemas.ZenovayError!.properties.error.properties.code.enum].sort()).toEqual(Object.keys(STATUS).sort());
  });

  it('the document is OpenAPI 3.1 and its schemas compile', () => {
    expect((doc as unknown as { openapi: string }).openapi).toBe('3.1.0');
    for (const name of Object.keys(doc.components.schemas)) expect(() => ajv.getSchema(`doc#/components/schemas/${name}`)).not.toThrow();
  });

  it('Zenovay: 200, 304, 400, 401, 403, 404, 405, 413, 429', async () => {
    const g = (p: string, h: Record<string, string> = { 'x-api-key': KEY }, extra: { method?: string; body?: string } = {}): Promise<RawResponse> =>
      httpRequest(s.port, p, { headers: h, ...extra });
    const ok = await g('/api/external/v1/revenue/acme/ltv?range=all&granularity=weekly');
    check(Z, 'get', ok);
    check(Z, 'get', await g('/api/external/v1/revenue/acme/ltv?range=all&granularity=weekly', { 'x-api-key': KEY, 'if-none-match': ok.headers.etag as string }));
    check(Z, 'get', await g('/api/external/v1/revenue/acme/ltv?range=2d'));
    check(Z, 'get', await g('/api/external/v1/revenue/acme/ltv', {}));
    check(Z, 'get', await g('/api/external/v1/revenue/acme/ltv', { 'x-api-key': FREE }));
    check(Z, 'get', await g('/api/external/v1/revenue/zzz/ltv'));
    check(Z, 'get', await g('/api/external/v1/revenue/acme/ltv', { 'x-api-key': KEY }, { method: 'DELETE' }));
    check(Z, 'get', await g('/api/external/v1/revenue/acme/ltv', { 'x-api-key': KEY }, { body: 'x'.repeat(70_000) }));
    await g('/api/external/v1/revenue/acme/ltv', { 'x-api-key': SLOW });
    const limited = await g('/api/external/v1/revenue/acme/ltv', { 'x-api-key': SLOW });
    if (limited.status === 429) check(Z, 'get', limited);
  });

  it('Adapty: 200 json and csv, 400, 401, 404, 405, 412, 413, 415', async () => {
    const p = (body: string, h: Record<string, string> = { authorization: `Api-Key ${KEY}` }, method = 'POST'): Promise<RawResponse> =>
      httpRequest(s.port, A, { method, headers: h, body });
    check(A, 'post', await p('{"filters":{"date":["2000-01-01","2100-01-01"]},"segmentation":"country"}'));
    check(A, 'post', await p('{"filters":{"date":["2000-01-01","2100-01-01"]},"format":"csv"}'));
    check(A, 'post', await p('{"filters":{"date":["2000-01-01","2100-01-01"]}}', { authorization: `Api-Key ${KEY}`, 'if-none-match': '*' }));
    check(A, 'post', await p('{"filters":{"date":["2000-01-01"]}}'));
    check(A, 'post', await p('{"filters":{"date":["2000-01-01","2100-01-01"]}}', {}));
    check(A, 'post', await p('{"filters":{"date":["2000-01-01","2100-01-01"]}}', { authorization: `Api-Key ${KEY}`, 'x-ltv-tenant': 'nope' }));
    check(A, 'post', await p('', { authorization: `Api-Key ${KEY}` }, 'PATCH'));
    check(A, 'post', await p(' '.repeat(70_000)));
    check(A, 'post', await p('{"filters":{"date":["2000-01-01","2100-01-01"]}}', { authorization: `Api-Key ${KEY}`, 'content-type': 'text/plain' }));
  });

  it('Adapty: predicted_values (prediction_months), 417; explorer routes: 400 and 405; /healthz, / and /openapi.json: 405', async () => {
    const p = (body: string, h: Record<string, string> = { authorization: `Api-Key ${KEY}` }): Promise<RawResponse> =>
      httpRequest(s.port, A, { method: 'POST', headers: h, body });
    // Every row gains predicted_values: the row schema's additionalProperties refused them all.
    const predicted = await p('{"filters":{"date":["2000-01-01","2100-01-01"]},"period_type":"days","prediction_months":6}');
    expect(predicted.status).toBe(200);
    expect((predicted.json() as { revenue: { data: { predicted_values?: unknown }[] } }).revenue.data.every((r) => Array.isArray(r.predicted_values))).toBe(true);
    check(A, 'post', predicted);
    check(A, 'post', await p('{"filters":{"date":["2000-01-01","2100-01-01"]}}', { authorization: `Api-Key ${KEY}`, expect: 'foo' }));
    const E = '/api/v1/explorer/tenants';
    const run = `${E}/{tenant}/runs/{run}`;
    const both = { authorization: `Bearer ${KEY}`, 'x-api-key': FREE };
    const g = (path: string, h: Record<string, string>, method = 'GET'): Promise<RawResponse> => httpRequest(s.port, path, { method, headers: h });
    const bearer = { authorization: `Bearer ${KEY}` };
    for (const [doc, path] of [[E, E], [run, `${E}/acme/runs/latest`], [`${run}/files/{file}`, `${E}/acme/runs/latest/files/ltv.csv`]] as const) {
      const twice = await g(path, both);
      expect(twice.status).toBe(400);
      check(doc, 'get', twice);
      const wrong = await g(path, bearer, 'POST');
      expect(wrong.status).toBe(405);
      check(doc, 'get', wrong);
    }
    const states = await g(`${E}/acme/runs/latest/states`, bearer);
    expect(states.status).toBe(405);
    check(`${run}/states`, 'post', states);
    for (const path of ['/healthz', '/', '/openapi.json']) {
      const wrongMethod = await g(path, {}, 'POST');
      expect(wrongMethod.status).toBe(405);
      check(path, 'get', wrongMethod);
    }
  });
});
