// Adapty's LTV route over real HTTP (SPEC §6, seeds/000): snapshot matching, csv, every field's
// validation, auth, tenant choice, 413, and each status code in Adapty's error body.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adaptyToCsv } from '../../src/report/adaptyCsv.js';
import type { AdaptyResponse } from '../../src/report/apiTypes.js';
import { publishFixtureRun } from '../helpers/fixtureRun.js';
import { httpRequest, type RawResponse } from '../helpers/httpRequest.js';
import { startServer, type TestServer } from '../helpers/startServer.js';

const KEY = 'ltv_adapty_single_tenant_01';
const MULTI = 'ltv_adapty_multi_tenant_002';
const NORUN = 'ltv_adapty_tenant_no_run_03';
const SLOW = 'ltv_adapty_two_per_minute4';
const URL = '/api/v1/client-api/metrics/ltv/';
const ALL = ['2020-01-01', '2030-12-31'];

let s: TestServer;
let runDir: string;
const post = (body: unknown, headers: Record<string, string> = { authorization: `Api-Key ${KEY}` }): Promise<RawResponse> =>
  httpRequest(s.port, URL, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

function expectAdaptyError(r: RawResponse, status: number, code: string): { source: string; errors: string[] }[] {
  expect(r.status).toBe(status);
  expect(r.headers['content-type']).toMatch(/^application\/json/);
  expect(r.headers['x-request-id']).toBeTruthy();
  const body = r.json() as { errors: { source: string; errors: string[] }[]; error_code: string; status_code: number };
  expect(Object.keys(body).sort()).toEqual(['error_code', 'errors', 'status_code']);
  expect(body.status_code).toBe(status);
  expect(body.error_code).toBe(code);
  expect(body.errors.length).toBeGreaterThan(0);
  for (const e of body.errors) {
    expect(typeof e.source).toBe('string');
    expect(e.errors.length).toBeGreaterThan(0);
  }
  return body.errors;
}
const sources = (errs: { source: string }[]): string[] => errs.map((e) => e.source);

beforeAll(async () => {
  s = await startServer({
    keys: [
      { key: KEY, tenants: ['acme'], plan: 'free' },
      { key: MULTI, tenants: ['acme', 'beta'] },
      { key: NORUN, tenants: ['ghost'] },
      { key: SLOW, tenants: ['acme'], requests_per_minute: 2 },
    ],
  });
  runDir = publishFixtureRun(s.reportsDir, { tenant: 'acme', runId: '20260301T000000Z', marker: 11, forecast: { horizonMonths: 6 } });
  // beta's older runs (x-ltv-run): one without a forecast, one whose model could not be fitted; 20260301T000000Z is its latest.
  publishFixtureRun(s.reportsDir, { tenant: 'beta', runId: '20260101T000000Z', marker: 21 });
  publishFixtureRun(s.reportsDir, { tenant: 'beta', runId: '20260201T000000Z', marker: 23, forecast: { horizonMonths: 24, reason: 'no forecast: the BG/NBD fit did not converge: no customer has bought twice: purchase rates cannot be estimated' } });
  publishFixtureRun(s.reportsDir, { tenant: 'beta', runId: '20260301T000000Z', marker: 22, forecast: { horizonMonths: 24 } });
});
afterAll(async () => {
  await s.stop();
});

describe('POST /api/v1/client-api/metrics/ltv/', () => {
  it('serves the unfiltered snapshot (defaults renewals, month, cohort) when date covers every first payment', async () => {
    const r = await post({ filters: { date: ['2026-01-03', '2026-03-10'], compare_date: ['2025-01-01', '2025-03-01'] } });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(r.body.equals(readFileSync(join(runDir, 'api/adapty/renewals-month-cohort.json')))).toBe(true);
    expect(r.headers.etag).toMatch(/^"[0-9a-f]{64}"$/);
  });

  it('picks the snapshot of period_type × period_unit × segmentation', async () => {
    const r = await post({ filters: { date: ALL, country: [] }, period_type: 'days', period_unit: 'week', segmentation: 'country' });
    expect(r.status).toBe(200);
    expect(r.text).toBe(readFileSync(join(runDir, 'api/adapty/days-week-country.json'), 'utf8'));
    const q = await post({ filters: { date: ALL }, period_unit: 'quarter', segmentation: null });
    expect(q.text).toBe(readFileSync(join(runDir, 'api/adapty/renewals-quarter-cohort.json'), 'utf8'));
  });

  it('format=csv: header, one line per row per accounting type, formula text neutralised', async () => {
    const r = await post({ filters: { date: ALL }, format: 'csv', segmentation: 'store' });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/csv; charset=utf-8');
    const lines = r.text.split('\r\n');
    expect(lines[0]).toBe('accounting_type,title,type,cohort_size,period_0,period_1');
    expect(lines[1]).toBe('revenue,Total,total,557,50.5,72.3');
    expect(lines[2]).toBe('revenue,2026-01-01,cohort,245,48.5,11');
    expect(lines[3]).toBe("revenue,'=cmd|calc,segment,312,-3.5,");
    expect(lines.filter((l) => l.startsWith('proceeds,')).length).toBe(3);
    expect(lines.filter((l) => l.startsWith('net_revenue,')).length).toBe(3);
    expect(lines.at(-1)).toBe('');
    const snap = JSON.parse(readFileSync(join(runDir, 'api/adapty/renewals-month-store.json'), 'utf8')) as AdaptyResponse;
    expect(r.text).toBe(adaptyToCsv(snap));
    expect(r.headers.etag).toMatch(/-csv"$/);
  });

  it('400 validation_error names each bad field in `source`', async () => {
    expect(sources(expectAdaptyError(await post({}), 400, 'validation_error'))).toEqual(['filters']);
    expect(sources(expectAdaptyError(await post({ filters: {} }), 400, 'validation_error'))).toEqual(['filters.date']);
    expect(sources(expectAdaptyError(await post({ filters: { date: ['2026-03-01', '2026-01-01'] } }), 400, 'validation_error'))).toEqual(['filters.date']);
    expect(sources(expectAdaptyError(await post({ filters: { date: ['2026-02-30', '2026-03-01'] } }), 400, 'validation_error'))).toEqual(['filters.date']);
    expect(sources(expectAdaptyError(await post({ filters: { date: ['2026-01-01'] } }), 400, 'validation_error'))).toEqual(['filters.date']);
    expect(sources(expectAdaptyError(await post({ filters: { date: ['01/01/2026', '2026-03-01'] } }), 400, 'validation_error'))).toEqual(['filters.date']);
    expect(sources(expectAdaptyError(await post({ filters: { date: ALL, colour: ['red'] } }), 400, 'validation_error'))).toEqual(['filters']);
    expect(sources(expectAdaptyError(await post({ filters: { date: ALL, country: 'us' } }), 400, 'validation_error'))).toEqual(['filters.country']);
    expect(sources(expectAdaptyError(await post({ filters: { date: ALL, country: [1] } }), 400, 'validation_error'))).toEqual(['filters.country']);
    expect(sources(expectAdaptyError(await post({ filters: { date: ALL }, period_unit: 'fortnight' }), 400, 'validation_error'))).toEqual(['period_unit']);
    expect(sources(expectAdaptyError(await post({ filters: { date: ALL }, period_type: 'weeks' }), 400, 'validation_error'))).toEqual(['period_type']);
    expect(sources(expectAdaptyError(await post({ filters: { date: ALL }, segmentation: 'cohort' }), 400, 'validation_error'))).toEqual(['segmentation']);
    expect(sources(expectAdaptyError(await post({ filters: { date: ALL }, format: 'xml' }), 400, 'validation_error'))).toEqual(['format']);
    expect(sources(expectAdaptyError(await post({ filters: { date: ALL }, chart_id: 'ltv' }), 400, 'validation_error'))).toEqual(['non_field_errors']);
    expect(sources(expectAdaptyError(await post('{"filters":'), 400, 'validation_error'))).toEqual(['non_field_errors']);
    expect(sources(expectAdaptyError(await post(''), 400, 'validation_error'))).toEqual(['non_field_errors']);
    expect(sources(expectAdaptyError(await post('[1,2]'), 400, 'validation_error'))).toEqual(['non_field_errors']);
    const both = expectAdaptyError(await post({ filters: { date: ALL }, period_unit: 'x', format: 'y' }), 400, 'validation_error');
    expect(sources(both).sort()).toEqual(['format', 'period_unit']);
  });

  it('400 messages: plain words naming the field and what it accepts, never the validator\'s', async () => {
    const message = async (body: unknown): Promise<Record<string, string[]>> =>
      Object.fromEntries(expectAdaptyError(await post(body), 400, 'validation_error').map((e) => [e.source, e.errors]));
    const months = "prediction_months must be a whole number of months from 1 to the run's forecast horizon (24 unless its job sets another)";
    for (const n of [0, 1.5, 1e20, '6']) {
      expect(await message({ filters: { date: ALL }, period_type: 'days', prediction_months: n })).toEqual({ prediction_months: [months] });
    }
    expect(await message({ filters: { date: ALL, compare_date: 'garbage' } })).toEqual({ 'filters.compare_date': ['filters.compare_date must be [from, to] as YYYY-MM-DD, as date is (it is checked, then ignored: the answer compares no periods)'] });
    // compare_date is checked as date is (these two were answered 200 before).
    expect(await message({ filters: { date: ALL, compare_date: ['foo', 'bar'] } })).toEqual({ 'filters.compare_date': ['filters.compare_date must be [from, to] as YYYY-MM-DD, as date is (it is checked, then ignored: the answer compares no periods)'] });
    expect(await message({ filters: { date: ALL, compare_date: ['2025-03-01', '2025-01-01'] } })).toEqual({ 'filters.compare_date': ['filters.compare_date must be [from, to] with from on or before to'] });
    const notObject = 'the body must be a JSON object, e.g. {"filters": {"date": ["2026-01-01", "2026-03-31"]}}';
    for (const body of ['[]', 'null', '5', '"x"']) expect(await message(body), body).toEqual({ non_field_errors: [notObject] });
    expect(await message('{"filters":')).toEqual({ non_field_errors: ['the body is not valid JSON (Unexpected end of JSON input): send a JSON object'] });
    expect(await message('')).toEqual({ non_field_errors: ['the body is empty: send a JSON object'] });
    // A key given twice: JSON.parse kept the last, so this body was answered unfiltered (a typo widened it).
    expect(await message(`{"filters":{"date":${JSON.stringify(ALL)},"country":["us"],"country":[]}}`)).toEqual({ 'filters.country': ['filters.country is given twice in the body: send it once'] });
    expect(await message(`{"period_unit":"month","filters":{"date":${JSON.stringify(ALL)}},"period_unit":"year"}`)).toEqual({ period_unit: ['period_unit is given twice in the body: send it once'] });
  });

  it('prediction_months above the run\'s forecast horizon (its data/forecast.json) → 400 naming the range', async () => {
    const body = (n: number): object => ({ filters: { date: ALL }, period_type: 'days', prediction_months: n });
    // acme's run forecasts 6 months of life: 1..6.
    expect((await post(body(6))).status).toBe(200);
    expect((await post(body(1))).status).toBe(200);
    for (const n of [7, 24, 120]) {
      expect(expectAdaptyError(await post(body(n)), 400, 'validation_error'), String(n)).toEqual([
        { source: 'prediction_months', errors: ["prediction_months must be a whole number of months from 1 to 6: this run's forecast covers 6 months of life"] },
      ]);
      // The same for periods the forecast does not predict (renewals, Adapty's default; weeks): they were
      // answered 200 with nothing predicted, so the same number was refused or taken by the other fields.
      for (const other of [{ filters: { date: ALL }, prediction_months: n }, { filters: { date: ALL }, period_type: 'days', period_unit: 'week', prediction_months: n }]) {
        expect(expectAdaptyError(await post(other), 400, 'validation_error')[0]?.errors, JSON.stringify(other)).toEqual([
          "prediction_months must be a whole number of months from 1 to 6: this run's forecast covers 6 months of life",
        ]);
      }
    }
    expect((await post({ filters: { date: ALL }, prediction_months: 6 })).status).toBe(200);
    // beta's run has the default horizon, 24.
    const beta = { authorization: `Api-Key ${MULTI}`, 'x-ltv-tenant': 'beta' };
    expect((await post(body(24), beta)).status).toBe(200);
    expect(expectAdaptyError(await post(body(25), beta), 400, 'validation_error')[0]?.errors).toEqual([
      "prediction_months must be a whole number of months from 1 to 24: this run's forecast covers 24 months of life",
    ]);
  });

  it('prediction_months of a run without a forecast, or whose model could not be fitted → 400 saying why (200 with nothing predicted before)', async () => {
    const body = { filters: { date: ALL }, period_type: 'days', prediction_months: 12 };
    const off = { authorization: `Api-Key ${MULTI}`, 'x-ltv-tenant': 'beta', 'x-ltv-run': '20260101T000000Z' };
    expect(expectAdaptyError(await post(body, off), 400, 'validation_error')).toEqual([
      { source: 'prediction_months', errors: ['prediction_months: this run has no forecast (its job\'s forecast.model is "off"); ask without prediction_months'] },
    ]);
    const failed = { authorization: `Api-Key ${MULTI}`, 'x-ltv-tenant': 'beta', 'x-ltv-run': '20260201T000000Z' };
    expect(expectAdaptyError(await post(body, failed), 400, 'validation_error')[0]?.errors).toEqual([
      'prediction_months: this run has no forecast: the BG/NBD fit did not converge: no customer has bought twice: purchase rates cannot be estimated; ask without prediction_months',
    ]);
    // Renewals (Adapty's default) and weeks, which the forecast does not predict, say so too: they were 200.
    for (const other of [{ filters: { date: ALL }, prediction_months: 3 }, { filters: { date: ALL }, period_type: 'days', period_unit: 'week', prediction_months: 3 }]) {
      expect(expectAdaptyError(await post(other, off), 400, 'validation_error')[0]?.errors, JSON.stringify(other)).toEqual([
        'prediction_months: this run has no forecast (its job\'s forecast.model is "off"); ask without prediction_months',
      ]);
    }
    // Without prediction_months both answer as any run.
    expect((await post({ filters: { date: ALL } }, off)).status).toBe(200);
    expect((await post({ filters: { date: ALL } }, failed)).status).toBe(200);
  });

  it('auth is Authorization: Api-Key only; 401 not_authenticated otherwise', async () => {
    expect((await post({ filters: { date: ALL } }, { authorization: `api-key ${KEY}` })).status).toBe(200);
    expectAdaptyError(await post({ filters: { date: ALL } }, {}), 401, 'not_authenticated');
    expectAdaptyError(await post({ filters: { date: ALL } }, { authorization: 'Api-Key wrong' }), 401, 'not_authenticated');
    expectAdaptyError(await post({ filters: { date: ALL } }, { authorization: `Bearer ${KEY}` }), 401, 'not_authenticated');
    expectAdaptyError(await post({ filters: { date: ALL } }, { 'x-api-key': KEY }), 401, 'not_authenticated');
  });

  it('a key with several tenants names one in x-ltv-tenant; one it may not see is 404', async () => {
    const body = { filters: { date: ALL } };
    expect(expectAdaptyError(await post(body, { authorization: `Api-Key ${MULTI}` }), 400, 'validation_error')).toEqual([
      { source: 'x-ltv-tenant', errors: ['the x-ltv-tenant header is required: this key may see several apps, name one of them (percent-encoded if it has characters other than Latin-1)'] },
    ]);
    const beta = await post(body, { authorization: `Api-Key ${MULTI}`, 'x-ltv-tenant': 'beta' });
    expect(beta.status).toBe(200);
    expect((JSON.parse(beta.text) as AdaptyResponse).revenue.data[1]?.value).toBe(22);
    expectAdaptyError(await post(body, { authorization: `Api-Key ${MULTI}`, 'x-ltv-tenant': 'other' }), 404, 'not_found');
    expectAdaptyError(await post(body, { authorization: `Api-Key ${KEY}`, 'x-ltv-tenant': 'beta' }), 404, 'not_found');
    // Given twice (Node joined them into "beta, beta": a 404), as a repeated query parameter: a 400.
    const twice = (name: string): Record<string, string> => ({ authorization: `Api-Key ${MULTI}`, [name]: ['beta', 'beta'] as unknown as string });
    expect(expectAdaptyError(await post(body, twice('x-ltv-tenant')), 400, 'validation_error')).toEqual([{ source: 'x-ltv-tenant', errors: ['Send x-ltv-tenant once: it is given 2 times'] }]);
    expect(expectAdaptyError(await post(body, { ...twice('x-ltv-run'), 'x-ltv-tenant': 'beta' }), 400, 'validation_error')).toEqual([{ source: 'x-ltv-run', errors: ['Send x-ltv-run once: it is given 2 times'] }]);
  });

  it('404 not_found when the tenant has no published run; unknown /api/v1 routes 404 in Adapty shape', async () => {
    expectAdaptyError(await post({ filters: { date: ALL } }, { authorization: `Api-Key ${NORUN}` }), 404, 'not_found');
    expectAdaptyError(await httpRequest(s.port, '/api/v1/client-api/metrics/cohort/', { method: 'POST', body: '{}' }), 404, 'not_found');
  });

  it('405 method_not_allowed for GET, DELETE, PUT, with the same Allow: POST', async () => {
    const g = await httpRequest(s.port, URL, { headers: { authorization: `Api-Key ${KEY}` } });
    expectAdaptyError(g, 405, 'method_not_allowed');
    expect(g.headers.allow).toBe('POST');
    for (const method of ['DELETE', 'PUT', 'PATCH', 'OPTIONS']) {
      const r = await httpRequest(s.port, URL, { method });
      expectAdaptyError(r, 405, 'method_not_allowed');
      expect(r.headers.allow, method).toBe('POST');
    }
  });

  it('415 unsupported_media_type for a body sent as another type, charset or encoding', async () => {
    const body = { filters: { date: ALL } };
    const auth = { authorization: `Api-Key ${KEY}` };
    const refused: [Record<string, string>, string][] = [
      [{ 'content-type': 'application/x-www-form-urlencoded' }, 'Content-Type application/x-www-form-urlencoded is not supported: send the body as application/json'],
      [{ 'content-type': 'text/plain' }, 'Content-Type text/plain is not supported: send the body as application/json'],
      [{ 'content-type': 'application/json; charset=iso-8859-1' }, 'charset iso-8859-1 is not supported: send the body as application/json in UTF-8'],
      [{ 'content-encoding': 'gzip' }, 'Content-Encoding gzip is not supported: send the body uncompressed (no Content-Encoding)'],
      [{ 'content-encoding': 'br' }, 'Content-Encoding br is not supported: send the body uncompressed (no Content-Encoding)'],
    ];
    for (const [headers, message] of refused) {
      const errs = expectAdaptyError(await post(body, { ...auth, ...headers }), 415, 'unsupported_media_type');
      expect(errs).toEqual([{ source: 'non_field_errors', errors: [message] }]);
    }
    // JSON by any of its names, or no Content-Type at all (curl -d without -H), is read.
    for (const type of ['application/json', 'application/json; charset=utf-8', 'Application/JSON;charset="UTF-8"', 'application/vnd.api+json']) {
      expect((await post(body, { ...auth, 'content-type': type })).status, type).toBe(200);
    }
    expect((await httpRequest(s.port, URL, { method: 'POST', headers: auth, body: JSON.stringify(body) })).status).toBe(200);
    expect((await post(body, { ...auth, 'content-encoding': 'identity' })).status).toBe(200);
    // Two different types: Node kept the first, so the answer (200 or 415) hung on their order.
    for (const types of [['application/json', 'text/plain'], ['text/plain', 'application/json']]) {
      const r = await httpRequest(s.port, URL, { method: 'POST', headers: { ...auth, 'content-type': types }, body: JSON.stringify(body) });
      expect(expectAdaptyError(r, 400, 'validation_error'), types.join()).toEqual([{ source: 'non_field_errors', errors: ['Send one Content-Type header: this request carries several different ones'] }]);
    }
    const same = await httpRequest(s.port, URL, { method: 'POST', headers: { ...auth, 'content-type': ['application/json', 'application/json'] }, body: JSON.stringify(body) });
    expect(same.status).toBe(200);
  });

  it('413 request_too_large by Content-Length and for a chunked body that grows past 64 KiB', async () => {
    const big = JSON.stringify({ filters: { date: ALL, country: Array.from({ length: 20000 }, () => 'us') } });
    expect(big.length).toBeGreaterThan(64 * 1024);
    expectAdaptyError(await post(big), 413, 'request_too_large');
    const chunked = await httpRequest(s.port, URL, {
      method: 'POST',
      headers: { authorization: `Api-Key ${KEY}`, 'transfer-encoding': 'chunked' },
      body: big,
      chunked: true,
    });
    expectAdaptyError(chunked, 413, 'request_too_large');
    // Exactly at the limit is fine (and then a 400 because the content is not a request).
    const atLimit = await post(' '.repeat(64 * 1024 - 2) + '{}');
    expect(atLimit.status).toBe(400);
  });

  it('429 throttled with Retry-After and X-RateLimit-*', async () => {
    const body = { filters: { date: ALL } };
    const auth = { authorization: `Api-Key ${SLOW}` };
    const a = await post(body, auth);
    const b = await post(body, auth);
    expect(a.status).toBe(200);
    if (b.headers['x-ratelimit-remaining'] !== '0') return; // the minute rolled over in between
    const c = await post(body, auth);
    expectAdaptyError(c, 429, 'throttled');
    expect(c.headers['x-ratelimit-limit']).toBe('2');
    expect(Number(c.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('500 server_error when a snapshot is corrupt', async () => {
    writeFileSync(join(runDir, 'api/adapty/days-year-paywall.json'), 'garbage');
    const r = await post({ filters: { date: ALL }, period_type: 'days', period_unit: 'year', segmentation: 'paywall' });
    expectAdaptyError(r, 500, 'server_error');
    expect(r.text).not.toContain(s.root);
  });
});
