// Zenovay's LTV route over real HTTP (SPEC §6, seeds/003): snapshot bytes, every parameter, every
// status code in Zenovay's error body, each auth variant, rate limit, ETag/304, gzip, HEAD, access log.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZENOVAY_GRANULARITIES, ZENOVAY_RANGES } from '../../src/report/apiTypes.js';
import { publishFixtureRun } from '../helpers/fixtureRun.js';
import { httpRequest, type RawResponse } from '../helpers/httpRequest.js';
import { startServer, type TestServer } from '../helpers/startServer.js';

const PRO = 'ltv_pro_key_for_tests_0001';
const FREE = 'ltv_free_key_for_tests_0002';
const OTHER = 'ltv_other_tenant_key_0003';
const SLOW = 'ltv_three_per_minute_0004';

let s: TestServer;
let runDir: string;
const path = (site: string, qs = ''): string => `/api/external/v1/revenue/${site}/ltv${qs}`;
const get = (p: string, headers: Record<string, string> = { 'x-api-key': PRO }): Promise<RawResponse> => httpRequest(s.port, p, { headers });

function expectZenovayError(r: RawResponse, status: number, code: string): { message: string } {
  expect(r.status).toBe(status);
  expect(r.headers['content-type']).toMatch(/^application\/json/);
  expect(r.headers['x-request-id']).toBeTruthy();
  const body = r.json() as { success: boolean; error: { message: string; code: string; timestamp: string } };
  expect(body.success).toBe(false);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(new Date(body.error.timestamp).toISOString()).toBe(body.error.timestamp);
  expect(Object.keys(body).sort()).toEqual(['error', 'success']);
  return body.error;
}

beforeAll(async () => {
  s = await startServer({
    keys: [
      { key: PRO, tenants: ['acme', 'empty', 'broken'], plan: 'pro' },
      { key: FREE, tenants: ['acme'], plan: 'free' },
      { key: OTHER, tenants: ['other'], plan: 'scale' },
      { key: SLOW, tenants: ['acme'], plan: 'pro', requests_per_minute: 3 },
    ],
  });
  runDir = publishFixtureRun(s.reportsDir, { tenant: 'acme', runId: '20260316T150000Z', marker: 72.3 });
  publishFixtureRun(s.reportsDir, { tenant: 'other', runId: '20260316T150000Z', marker: 1 });
});
afterAll(async () => {
  await s.stop();
});

describe('GET /api/external/v1/revenue/:websiteId/ltv', () => {
  it('defaults to range=90d and granularity=monthly and serves the snapshot bytes as they are', async () => {
    const r = await get(path('acme'));
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(r.body.equals(readFileSync(join(runDir, 'api/zenovay/90d-monthly.json')))).toBe(true);
  });

  it('serves every range × granularity from its own file', async () => {
    for (const range of ZENOVAY_RANGES) {
      for (const g of ZENOVAY_GRANULARITIES) {
        const r = await get(path('acme', `?range=${range}&granularity=${g}`));
        expect(r.status, `${range}-${g}`).toBe(200);
        expect(r.text, `${range}-${g}`).toBe(readFileSync(join(runDir, `api/zenovay/${range}-${g}.json`), 'utf8'));
      }
    }
  });

  it('accepts the key as X-API-Key and as Authorization: Bearer (any case), and nothing else', async () => {
    expect((await get(path('acme'), { 'x-api-key': PRO })).status).toBe(200);
    expect((await get(path('acme'), { authorization: `Bearer ${PRO}` })).status).toBe(200);
    expect((await get(path('acme'), { authorization: `bearer ${PRO}` })).status).toBe(200);
    expectZenovayError(await get(path('acme'), {}), 401, 'UNAUTHORIZED');
    expectZenovayError(await get(path('acme'), { 'x-api-key': `${PRO}x` }), 401, 'UNAUTHORIZED');
    expectZenovayError(await get(path('acme'), { authorization: `Api-Key ${PRO}` }), 401, 'UNAUTHORIZED');
    expectZenovayError(await get(path('acme'), { authorization: `Basic ${PRO}` }), 401, 'UNAUTHORIZED');
    expectZenovayError(await get(path('acme'), { authorization: 'Bearer' }), 401, 'UNAUTHORIZED');
  });

  it('400 VALIDATION_ERROR names the parameter', async () => {
    expect(expectZenovayError(await get(path('acme', '?range=1y')), 400, 'VALIDATION_ERROR').message).toContain('range');
    expect(expectZenovayError(await get(path('acme', '?granularity=daily')), 400, 'VALIDATION_ERROR').message).toContain('granularity');
    expect(expectZenovayError(await get(path('acme', '?range=7d&range=30d')), 400, 'VALIDATION_ERROR').message).toContain('range');
    expect(expectZenovayError(await get(path('acme', '?range=')), 400, 'VALIDATION_ERROR').message).toContain('range');
  });

  it('400 VALIDATION_ERROR for a parameter it does not read (a typo is not answered with the default)', async () => {
    expect(expectZenovayError(await get(path('acme', '?granularty=weekly')), 400, 'VALIDATION_ERROR').message).toBe(
      'Unknown parameter "granularty": this endpoint reads range and granularity only',
    );
    expect(expectZenovayError(await get(path('acme', '?range=7d&Range=30d')), 400, 'VALIDATION_ERROR').message).toContain('"Range"');
    // The name quoted on one line: a line break or a quote in it escaped, a long one cut between characters.
    expect(expectZenovayError(await get(path('acme', '?a%0Ab=1')), 400, 'VALIDATION_ERROR').message).toBe(
      'Unknown parameter "a\\nb": this endpoint reads range and granularity only',
    );
    expect(expectZenovayError(await get(path('acme', '?a%22%2C%20b=1')), 400, 'VALIDATION_ERROR').message).toBe(
      'Unknown parameter "a\\", b": this endpoint reads range and granularity only',
    );
    const long = expectZenovayError(await get(path('acme', `?${'x'.repeat(31)}%F0%9F%98%80${'y'.repeat(40)}=1`)), 400, 'VALIDATION_ERROR');
    expect(long.message).toBe(`Unknown parameter "${'x'.repeat(31)}\u{1F600}…": this endpoint reads range and granularity only`);
    const cutInPair = expectZenovayError(await get(path('acme', `?${'x'.repeat(59)}%F0%9F%98%80=1`)), 400, 'VALIDATION_ERROR');
    expect(cutInPair.message).not.toMatch(/\p{Cs}/u);
  });

  it('400 VALIDATION_ERROR for a website id that is not valid percent-encoding, not the unknown route', async () => {
    expect(expectZenovayError(await get(path('ac%zzme')), 400, 'VALIDATION_ERROR').message).toBe(
      'The path\'s websiteId "ac%zzme" is not valid percent-encoding: write "%" as %25 and escape other bytes as %XX in UTF-8',
    );
    expectZenovayError(await get(path('ac%25zzme')), 404, 'NOT_FOUND');
    // After the key, as every answer of the route (README: the key is checked first), and after the method.
    expectZenovayError(await get(path('ac%zzme'), {}), 401, 'UNAUTHORIZED');
    expectZenovayError(await httpRequest(s.port, path('ac%zzme'), { method: 'POST', headers: { 'x-api-key': PRO } }), 405, 'METHOD_NOT_ALLOWED');
  });

  it('403 PLAN_REQUIRED for a free-plan key, before anything of its request is read', async () => {
    expectZenovayError(await get(path('acme'), { 'x-api-key': FREE }), 403, 'PLAN_REQUIRED');
    // A path that is not valid percent-encoding, or a parameter the route does not read: still the plan
    // first (the path's escape was a 400 for a free key).
    expectZenovayError(await get(path('ac%zzme'), { 'x-api-key': FREE }), 403, 'PLAN_REQUIRED');
    expectZenovayError(await get(path('acme', '?granularty=weekly'), { 'x-api-key': FREE }), 403, 'PLAN_REQUIRED');
  });

  it('404 NOT_FOUND alike for an unknown website, one the key may not see, and one without a run', async () => {
    const unknown = expectZenovayError(await get(path('nope')), 404, 'NOT_FOUND');
    const hidden = expectZenovayError(await get(path('other')), 404, 'NOT_FOUND');
    const noRun = expectZenovayError(await get(path('empty')), 404, 'NOT_FOUND');
    expect(hidden.message).toBe(unknown.message);
    expect(noRun.message).toBe(unknown.message);
  });

  it('429 RATE_LIMIT_EXCEEDED after requests_per_minute, with Retry-After and X-RateLimit-*', async () => {
    const first = await get(path('acme'), { 'x-api-key': SLOW });
    expect(first.status).toBe(200);
    expect(first.headers['x-ratelimit-limit']).toBe('3');
    expect(first.headers['x-ratelimit-remaining']).toBe('2');
    const reset = Number(first.headers['x-ratelimit-reset']);
    expect(reset).toBeGreaterThan(Date.now() / 1000);
    expect(reset).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 60);
    await get(path('acme'), { 'x-api-key': SLOW });
    const third = await get(path('acme'), { 'x-api-key': SLOW });
    // The minute may roll over between requests; then the window restarts and the budget is full again.
    if (third.headers['x-ratelimit-remaining'] !== '0') return;
    const r = await get(path('acme'), { 'x-api-key': SLOW });
    expectZenovayError(r, 429, 'RATE_LIMIT_EXCEEDED');
    expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(r.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(r.headers['x-ratelimit-limit']).toBe('3');
    expect(r.headers['x-ratelimit-remaining']).toBe('0');
    // Another key's budget is its own.
    expect((await get(path('acme'))).status).toBe(200);
  });

  it('ETag and If-None-Match → 304', async () => {
    const r = await get(path('acme', '?range=30d'));
    const etag = r.headers.etag as string;
    expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
    const again = await get(path('acme', '?range=30d'), { 'x-api-key': PRO, 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers.etag).toBe(etag);
    const other = await get(path('acme', '?range=30d'), { 'x-api-key': PRO, 'if-none-match': '"nope"' });
    expect(other.status).toBe(200);
  });

  it('gzip when Accept-Encoding asks, identity otherwise', async () => {
    const plain = await get(path('acme'));
    const gz = await get(path('acme'), { 'x-api-key': PRO, 'accept-encoding': 'br, gzip;q=0.8' });
    expect(gz.status).toBe(200);
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers.vary).toBe('Accept-Encoding');
    expect(gunzipSync(gz.body).equals(plain.body)).toBe(true);
    expect(gz.headers.etag).not.toBe(plain.headers.etag);
    const refused = await get(path('acme'), { 'x-api-key': PRO, 'accept-encoding': 'gzip;q=0' });
    expect(refused.headers['content-encoding']).toBeUndefined();
    const revalidated = await get(path('acme'), { 'x-api-key': PRO, 'accept-encoding': 'gzip', 'if-none-match': gz.headers.etag as string });
    expect(revalidated.status).toBe(304);
    // A tag matches its own representation only: a client that kept the gzip body but now refuses gzip
    // gets the identity body (it was told 304: reuse a body it cannot decode), and the other way round.
    const identity = await get(path('acme'), { 'x-api-key': PRO, 'accept-encoding': 'identity', 'if-none-match': gz.headers.etag as string });
    expect([identity.status, identity.headers['content-encoding'], identity.headers.etag]).toEqual([200, undefined, plain.headers.etag]);
    expect(identity.body.equals(plain.body)).toBe(true);
    const other = await get(path('acme'), { 'x-api-key': PRO, 'accept-encoding': 'gzip', 'if-none-match': plain.headers.etag as string });
    expect([other.status, other.headers['content-encoding']]).toEqual([200, 'gzip']);
    expect(gunzipSync(other.body).equals(plain.body)).toBe(true);
  });

  it('HEAD answers the headers of GET without a body', async () => {
    const g = await get(path('acme'));
    const h = await httpRequest(s.port, path('acme'), { method: 'HEAD', headers: { 'x-api-key': PRO } });
    expect(h.status).toBe(200);
    expect(h.body.length).toBe(0);
    expect(h.headers['content-length']).toBe(String(g.body.length));
    expect(h.headers.etag).toBe(g.headers.etag);
  });

  it('405 for other methods, 404 for unknown routes, both in Zenovay shape', async () => {
    const put = await httpRequest(s.port, path('acme'), { method: 'PUT', headers: { 'x-api-key': PRO } });
    expectZenovayError(put, 405, 'METHOD_NOT_ALLOWED');
    // Exactly the route's methods, whichever method was refused.
    expect(put.headers.allow).toBe('GET, HEAD');
    const post = await httpRequest(s.port, path('acme'), { method: 'POST', headers: { 'x-api-key': PRO }, body: '{}' });
    expectZenovayError(post, 405, 'METHOD_NOT_ALLOWED');
    expect(post.headers.allow).toBe('GET, HEAD');
    const del = await httpRequest(s.port, path('acme'), { method: 'DELETE' });
    expectZenovayError(del, 405, 'METHOD_NOT_ALLOWED');
    expect(del.headers.allow).toBe('GET, HEAD');
    // A path no route has is 404 whatever the method (it was 405 with an Allow of methods it does not have either).
    for (const method of ['PROPFIND', 'DELETE', 'PUT']) {
      const none = await httpRequest(s.port, '/no-such-page', { method });
      expectZenovayError(none, 404, 'NOT_FOUND');
      expect(none.headers.allow).toBeUndefined();
    }
    const health = await httpRequest(s.port, '/healthz', { method: 'POST', body: '{}' });
    expectZenovayError(health, 405, 'METHOD_NOT_ALLOWED');
    expect(health.headers.allow).toBe('GET, HEAD');
    expectZenovayError(await get('/api/external/v1/revenue/acme/ltv/extra'), 404, 'NOT_FOUND');
    // `/` is the explorer's page (SPEC §10); any other unknown path is a 404.
    expectZenovayError(await get('/no-such-page'), 404, 'NOT_FOUND');
  });

  it('413 for a body over 64 KiB, even on a GET route', async () => {
    const r = await httpRequest(s.port, path('acme'), { method: 'GET', headers: { 'x-api-key': PRO }, body: 'x'.repeat(64 * 1024 + 1) });
    expectZenovayError(r, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('500 INTERNAL_ERROR when a snapshot no longer matches its manifest checksum, without details', async () => {
    const broken = publishFixtureRun(s.reportsDir, { tenant: 'broken', runId: 'r1', marker: 1 });
    writeFileSync(join(broken, 'api/zenovay/24h-weekly.json'), '{"tampered":true}');
    const e = expectZenovayError(await get(path('broken', '?range=24h&granularity=weekly')), 500, 'INTERNAL_ERROR');
    expect(e.message).not.toContain(s.root);
  });

  it('x-request-id on every response; a well-formed incoming one is echoed, others replaced', async () => {
    const echoed = await get(path('acme'), { 'x-api-key': PRO, 'x-request-id': 'abc-123' });
    expect(echoed.headers['x-request-id']).toBe('abc-123');
    const replaced = await get(path('acme'), { 'x-api-key': PRO, 'x-request-id': 'bad id\twith spaces' });
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect((await get('/nowhere', {})).headers['x-request-id']).toBeTruthy();
    const health = await get('/healthz', {});
    expect(health.status).toBe(200);
    expect(health.json()).toEqual({ status: 'ok' });
    expect(health.headers['x-request-id']).toBeTruthy();
  });

  it('access log: method, route template, tenant, status, duration, request id; never the key', async () => {
    await get(path('acme', '?range=7d'), { 'x-api-key': PRO, 'x-request-id': 'log-check-1' });
    const line = s.logLines.find((l) => l.req_id === 'log-check-1');
    expect(line).toMatchObject({ msg: 'request', method: 'GET', route: '/api/external/v1/revenue/:websiteId/ltv', tenant: 'acme', status: 200 });
    expect(typeof line?.duration_ms).toBe('number');
    expect(s.rawLog()).not.toContain(PRO);
    expect(s.rawLog()).not.toContain(FREE);
    expect(s.rawLog()).not.toContain('range=7d');
  });
});
