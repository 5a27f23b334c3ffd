// Both API documents (seeds/000 Adapty, seeds/003 Zenovay) against what a client's HTTP stack does with
// the answers: the 401 challenge, a repeated query parameter, and content coding as RFC 9110 words it.
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdaptyResponse } from '../../src/report/apiTypes.js';
import { publishFixtureRun } from '../helpers/fixtureRun.js';
import { httpRequest, type RawResponse } from '../helpers/httpRequest.js';
import { adaptyGrid, makeFixture, runJob, type Fixture } from '../helpers/runFixture.js';
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

  it('a lone surrogate escape in a filter value is a 400 naming the field, never a filter that matches no one', async () => {
    const post = (text: string): Promise<RawResponse> =>
      httpRequest(s.port, A, { method: 'POST', headers: { authorization: `Api-Key ${KEY}`, 'content-type': 'application/json' }, body: Buffer.from(text, 'utf8') });
    const message = 'filters.country[1] holds a lone UTF-16 surrogate escape (\\ud800–\\udfff without its pair), which is no Unicode text: send the text itself';
    const bad = await post('{"filters":{"date":["2020-01-01","2030-12-31"],"country":["US","\\ud800"]}}');
    expect(bad.status).toBe(400);
    expect(bad.json()).toEqual({ errors: [{ source: 'filters.country[1]', errors: [message] }], error_code: 'validation_error', status_code: 400 });
    // A pair written as two escapes is one character (U+1F600): past validation like any country (this
    // fixture's run has no data for filtered requests, so both are its 404).
    const paired = await post('{"filters":{"date":["2020-01-01","2030-12-31"],"country":["\\ud83d\\ude00"]}}');
    const plainCountry = await post('{"filters":{"date":["2020-01-01","2030-12-31"],"country":["US"]}}');
    expect(paired.status).toBe(plainCountry.status);
    expect(paired.json()).toEqual(plainCountry.json());
    expect(paired.text).toContain('Run data not found');
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

describe('gzip of answers computed per request', () => {
  // An engine-published run (a computed answer needs the run's data), as of 2026-03-16T15:00Z, UTC: u1 (US)
  // pays 12.00 on Jan 5 and 6.00 on Feb 6 (renewal 1), d1 (DE) 8.00 on Jan 10, u2 (US) 4.00 on Feb 3.
  let fx: Fixture;
  let e: TestServer;
  beforeAll(async () => {
    const rows = ['u1,2026-01-05T10:00:00Z,12.00,p1,US', 'u1,2026-02-06T10:00:00Z,6.00,p2,US', 'd1,2026-01-10T10:00:00Z,8.00,p3,DE', 'u2,2026-02-03T10:00:00Z,4.00,p4,US'];
    fx = await makeFixture({ 'payments.csv': ['customer_id,event_time,amount,transaction_id,country', ...rows, ''].join('\n') });
    // Nothing but the snapshots and the data a computed answer reads: the test stays fast.
    await runJob(fx, { inputs: [{ path: 'payments.csv' }], formats: ['json'], forecast: { model: 'off' } }, '2026-03-16T15:00:00Z');
    e = await startServer({ reportsDir: fx.reportsDir, keys: [{ key: KEY, tenants: ['default'] }] });
  });
  afterAll(async () => {
    await e.stop();
    await fx.cleanup();
  });
  const post = (body: unknown, headers: Record<string, string> = {}): Promise<RawResponse> =>
    httpRequest(e.port, A, { method: 'POST', headers: { authorization: `Api-Key ${KEY}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  it('is compressed once and kept with the answer, not made again on every request that accepts gzip', async () => {
    // seeds/000's request example: filters.country ["us"], period_unit month, period_type renewals.
    const body = { filters: { date: ['2026-01-01', '2026-12-31'], country: ['us'] }, period_unit: 'month', period_type: 'renewals' };
    const plain = await post(body);
    expect(plain.status).toBe(200);
    // country=us: Jan {u1}: 12, 18; Feb {u2}: 4; Total p0 (12+4)/2 = 8, p1 only Jan shows it: 18.
    expect(adaptyGrid(plain.json() as AdaptyResponse)).toEqual({ Total: [8, 18], '2026-01-01': [12, 18], '2026-02-01': [4] });
    const kept = e.stats().answerCache.entries;
    const gz = await post(body, { 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers.etag).toBe(String(plain.headers.etag).replace(/"$/, '-gzip"'));
    expect(gunzipSync(gz.body).equals(plain.body)).toBe(true);
    // The gzipped bytes are kept beside the answer (one more entry in the server's one budget) …
    expect(e.stats().answerCache.entries).toBe(kept + 1);
    // … and sent as they are the next time.
    const again = await post(body, { 'accept-encoding': 'gzip' });
    expect(again.body.equals(gz.body)).toBe(true);
    expect(e.stats().answerCache.entries).toBe(kept + 1);
    // A client that does not accept gzip still gets the answer itself.
    expect((await post(body)).body.equals(plain.body)).toBe(true);
  });

  it("a snapshot's csv and its gzip are the same bytes on every request", async () => {
    const body = { filters: { date: ['2026-01-01', '2026-12-31'] }, format: 'csv' };
    const plain = await post(body);
    expect(plain.headers['content-type']).toBe('text/csv; charset=utf-8');
    // Unfiltered renewals × month: Jan {u1, d1}: (12+8)/2 = 10, (18+8)/2 = 13; Feb {u2}: 4;
    // Total p0 (20+4)/3 = 8, p1 only Jan shows it: 13.
    expect(plain.text.split('\r\n').slice(0, 4)).toEqual([
      'accounting_type,title,type,cohort_size,period_0,period_1',
      'revenue,Total,total,3,8,13',
      'revenue,2026-01-01,cohort,2,10,13',
      'revenue,2026-02-01,cohort,1,4,',
    ]);
    const gz = await post(body, { 'accept-encoding': 'gzip' });
    const again = await post(body, { 'accept-encoding': 'gzip' });
    expect(gunzipSync(gz.body).equals(plain.body)).toBe(true);
    expect(again.body.equals(gz.body)).toBe(true);
  });
});

