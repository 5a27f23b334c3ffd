// Both API documents (seeds/000 Adapty, seeds/003 Zenovay) against what a client's HTTP stack does with
// the answers: the 401 challenge, a repeated query parameter, and content coding as RFC 9110 words it.
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishFixtureRun } from '../helpers/fixtureRun.js';
import { httpRequest, type RawResponse } from '../helpers/httpRequest.js';
import { startServer, type TestServer } from '../helpers/startServer.js';

const KEY = 'ltv_api_compat_key_00001';
// seeds/003: `/api/external/v1/revenue/:websiteId/ltv?range=90d&granularity=monthly`
const Z = '/api/external/v1/revenue/acme/ltv';
// seeds/000: `POST https://api-admin.adapty.io/api/v1/client-api/metrics/ltv/`
const A = '/api/v1/client-api/metrics/ltv/';
// seeds/000's request example, its date range widened to the fixture run's.
const ADAPTY_BODY = JSON.stringify({ filters: { date: ['2020-01-01', '2030-12-31'] }, period_unit: 'month', period_type: 'renewals' });

let s: TestServer;
beforeAll(async () => {
  s = await startServer({ keys: [{ key: KEY, tenants: ['acme'] }] });
  publishFixtureRun(s.reportsDir, { tenant: 'acme', runId: '20260316T150000Z', marker: 48.5 });
});
afterAll(async () => {
  await s.stop();
});

const getZ = (qs: string, headers: Record<string, string> = {}): Promise<RawResponse> =>
  httpRequest(s.port, `${Z}${qs}`, { headers: { 'x-api-key': KEY, ...headers } });

describe('what HTTP clients need beyond the bodies', () => {
  it('a 401 names the accepted schemes in WWW-Authenticate (RFC 9110 §11.6.1), on both APIs', async () => {
    // seeds/003: "401 Unauthorized - Invalid or missing API key", key in X-API-Key or Authorization: Bearer.
    const missing = await httpRequest(s.port, `${Z}?range=90d&granularity=monthly`, {});
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="ltv"');
    const wrong = await httpRequest(s.port, Z, { headers: { 'x-api-key': `${KEY}x` } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers['www-authenticate']).toBe('Bearer realm="ltv"');
    // seeds/000 (Adapty's curl example): `Authorization: Api-Key <YOUR_SECRET_API_KEY>`.
    const adapty = await httpRequest(s.port, A, { method: 'POST', headers: { 'content-type': 'application/json' }, body: ADAPTY_BODY });
    expect(adapty.status).toBe(401);
    expect(adapty.headers['www-authenticate']).toBe('Api-Key realm="ltv"');
    expect((adapty.json() as { error_code: string }).error_code).toBe('not_authenticated');
    // The explorer's routes take all three.
    const explorer = await httpRequest(s.port, '/api/v1/explorer/tenants', {});
    expect(explorer.headers['www-authenticate']).toBe('Api-Key realm="ltv", Bearer realm="ltv"');
    // An answer that is not a 401 has none.
    const ok = await getZ('?range=90d&granularity=monthly');
    expect(ok.status).toBe(200);
    expect(ok.headers['www-authenticate']).toBeUndefined();
  });

  it('a parameter given twice is a 400 that says so, even when both values are allowed ones', async () => {
    // seeds/003: range 24h|7d|30d|90d, granularity weekly|monthly; "400 Bad Request - Invalid parameters".
    const twice = await getZ('?range=7d&range=7d');
    expect(twice.status).toBe(400);
    const body = twice.json() as { success: boolean; error: { message: string; code: string } };
    expect(body.success).toBe(false);
    expect(body.error.code).toBe('VALIDATION_ERROR');
    expect(body.error.message).toBe('Send range once: it is given 2 times');
    const g = (await getZ('?granularity=weekly&granularity=monthly&granularity=weekly')).json() as { error: { message: string } };
    expect(g.error.message).toBe('Send granularity once: it is given 3 times');
    // A value outside the list still says which values are allowed.
    expect(((await getZ('?range=90D')).json() as { error: { message: string } }).error.message).toBe('Invalid range: expected one of 24h, 7d, 30d, 90d, 180d, 365d, all');
  });

  it('gzip only when Accept-Encoding allows it: gzip;q=0 refuses it even beside *, whatever the case of q', async () => {
    const plain = await getZ('?range=90d&granularity=monthly', { 'accept-encoding': 'identity' });
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    const cases: [string, boolean][] = [
      ['gzip', true],
      ['GZIP', true],
      ['x-gzip', true],
      ['*', true],
      ['br;q=1, gzip;q=0.5', true],
      ['gzip;q=0', false],
      ['gzip ; q=0', false],
      ['gzip;Q=0', false],
      ['gzip;q=0, *', false],
      ['*, gzip;q=0', false],
      ['*;q=0', false],
      ['*;q=0, gzip', true],
      ['deflate, br', false],
    ];
    for (const [ae, gzipped] of cases) {
      const r = await getZ('?range=90d&granularity=monthly', { 'accept-encoding': ae });
      expect(r.status, ae).toBe(200);
      expect(r.headers['content-encoding'], ae).toBe(gzipped ? 'gzip' : undefined);
      expect((gzipped ? gunzipSync(r.body) : r.body).equals(plain.body), ae).toBe(true);
      // The tag names the representation sent, so a cache never revalidates one with the other's tag.
      expect(r.headers.etag, ae).toBe(gzipped ? String(plain.headers.etag).replace(/"$/, '-gzip"') : plain.headers.etag);
    }
  });

  it('a body is read as UTF-8: a leading BOM is dropped, bytes that are not UTF-8 are a 400 rather than U+FFFD', async () => {
    const post = (body: Buffer): Promise<RawResponse> =>
      httpRequest(s.port, A, { method: 'POST', headers: { authorization: `Api-Key ${KEY}`, 'content-type': 'application/json' }, body });
    const plain = await post(Buffer.from(ADAPTY_BODY, 'utf8'));
    expect(plain.status).toBe(200);
    // A file saved by Notepad or PowerShell starts with EF BB BF (RFC 8259 §8.1: a parser may ignore it).
    const bom = await post(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(ADAPTY_BODY, 'utf8')]));
    expect(bom.status).toBe(200);
    expect(bom.body.equals(plain.body)).toBe(true);
    // seeds/000's filter `"store": ["app_store"]`, its value written in Latin-1 with an é: no longer a silent
    // filter on "app_stor\uFFFD" that matches no one.
    const latin1 = Buffer.from('{"filters":{"date":["2020-01-01","2030-12-31"],"store":["app_stor\xe9"]}}', 'latin1');
    const bad = await post(latin1);
    expect(bad.status).toBe(400);
    expect(bad.json()).toEqual({
      errors: [{ source: 'non_field_errors', errors: ['the body is not valid UTF-8: send the JSON object encoded in UTF-8'] }],
      error_code: 'validation_error',
      status_code: 400,
    });
  });

  it('an optional field sent as null is one not sent, as a client generated from the document writes it', async () => {
    const post = (body: unknown): Promise<RawResponse> =>
      httpRequest(s.port, A, { method: 'POST', headers: { authorization: `Api-Key ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const plain = await post({ filters: { date: ['2020-01-01', '2030-12-31'] } });
    expect(plain.status).toBe(200);
    // seeds/000's parameters, every optional one left unset the way .NET's System.Text.Json or Jackson write it.
    const nulls = await post({
      filters: {
        date: ['2020-01-01', '2030-12-31'],
        compare_date: null,
        store: null,
        country: null,
        store_product_id: null,
        attribution_source: null,
        attribution_status: null,
        attribution_channel: null,
      },
      period_unit: null,
      period_type: null,
      segmentation: null,
      format: null,
      prediction_months: null,
    });
    expect(nulls.status).toBe(200);
    expect(nulls.body.equals(plain.body)).toBe(true);
    // The defaults still apply: period_unit month, period_type renewals, json.
    expect(nulls.headers['content-type']).toBe('application/json; charset=utf-8');
    // A required field is still required.
    const noFilters = await post({ filters: null });
    expect(noFilters.status).toBe(400);
    expect((noFilters.json() as { errors: { source: string }[] }).errors[0]?.source).toBe('filters');
    const noDate = await post({ filters: { date: null, country: ['us'] } });
    expect(noDate.status).toBe(400);
    expect(noDate.json()).toEqual({
      errors: [{ source: 'filters.date', errors: ['filters.date must be [from, to] as YYYY-MM-DD'] }],
      error_code: 'validation_error',
      status_code: 400,
    });
    // A wrong value is still wrong.
    expect((await post({ filters: { date: ['2020-01-01', '2030-12-31'] }, period_unit: 'Month' })).status).toBe(400);
  });
});
