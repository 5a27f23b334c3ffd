// The endpoint over a run published by the real engine (runPipeline): unfiltered requests are the
// snapshot bytes, filtered ones are computed read-only with the run's own SQL. Values by hand:
// a1 (US) pays 10.00 on Jan 5 and 5.00 on Feb 6 (renewal 1); a2 (DE) pays 20.00 on Jan 10;
// b1 (US) pays 30.00 on Feb 3. As of 2026-03-16T15:00Z, UTC. Renewals × month:
//   country=us: Jan {a1}: 10, 15; Feb {b1}: 30; Total p0 (10+30)/2 = 20, p1 only Jan shows it: 15.
//   date Jan only: Jan {a1,a2}: (10+20)/2 = 15, (15+20)/2 = 17.5.
import { copyFileSync, cpSync, readFileSync, readdirSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdaptyResponse } from '../../src/report/apiTypes.js';
import { httpRequest, type RawResponse } from '../helpers/httpRequest.js';
import { attributeValues } from '../../src/ltv/attributeValues.js';
import { ADAPTY_SNAPSHOT_SPECS } from '../../src/ltv/model.js';
import { adaptySnapshotPath, runRef, type Manifest } from '../../src/ltv/runFiles.js';
import { adaptyGrid, csv, makeFixture, runJob, type Fixture } from '../helpers/runFixture.js';
import { startServer, type TestServer } from '../helpers/startServer.js';

const KEY = 'ltv_engine_run_key_000001';
let fx: Fixture;
let s: TestServer;
const post = (body: unknown, headers: Record<string, string> = {}): Promise<RawResponse> =>
  httpRequest(s.port, '/api/v1/client-api/metrics/ltv/', { method: 'POST', headers: { authorization: `Api-Key ${KEY}`, ...headers }, body: JSON.stringify(body) });
/** A snapshot's body as published (`<name>.json.gz`, SPEC §5). */
const snapshot = (rel: string): string => gunzipSync(readFileSync(join(fx.reportsDir, 'default', 'latest', rel + '.gz'))).toString('utf8');

beforeAll(async () => {
  fx = await makeFixture({
    'export.csv': csv('customer_id,event_time,amount,transaction_id,country', [
      ['a1', '2026-01-05T10:00:00Z', '10.00', 't1', 'US'],
      ['a1', '2026-02-06T10:00:00Z', '5.00', 't2', 'US'],
      ['a2', '2026-01-10T10:00:00Z', '20.00', 't3', 'DE'],
      ['b1', '2026-02-03T10:00:00Z', '30.00', 't4', 'US'],
    ]),
  });
  await runJob(fx, { inputs: [{ path: 'export.csv' }] }, '2026-03-16T15:00:00Z');
  s = await startServer({ reportsDir: fx.reportsDir, keys: [{ key: KEY, tenants: ['default'] }] });
});
afterAll(async () => {
  await s.stop();
  await fx.cleanup();
});

describe('endpoint over an engine-published run', () => {
  it('an unfiltered request is the snapshot file', async () => {
    const r = await post({ filters: { date: ['2026-01-01', '2026-12-31'] } });
    expect(r.status).toBe(200);
    expect(r.text).toBe(snapshot('api/adapty/renewals-month-cohort.json'));
    const z = await httpRequest(s.port, '/api/external/v1/revenue/default/ltv?range=all', { headers: { 'x-api-key': KEY } });
    expect(z.text).toBe(snapshot('api/zenovay/all-monthly.json'));
  });

  it('stores each snapshot gzipped, identical bodies once (hard links), and sends the stored gzip as it is', async () => {
    const dir = join(fx.reportsDir, 'default', 'latest');
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
    const adapty = readdirSync(join(dir, 'api', 'adapty'));
    // Every one of the 140 combinations (SPEC §5: any static server serves a run).
    expect(adapty).toHaveLength(ADAPTY_SNAPSHOT_SPECS.length);
    expect(adapty).toHaveLength(140);
    expect(adapty.every((n) => n.endsWith('.json.gz'))).toBe(true);
    expect(readdirSync(join(dir, 'api', 'zenovay'))).toHaveLength(14);
    // Renewals rows by day do not depend on the period unit, and cohorts by day are those rows too:
    // six names, one file (one inode).
    const names = ['day', 'week', 'month', 'quarter', 'year'].map((u) => `renewals-${u}-day`).concat('renewals-day-cohort');
    expect(new Set(names.map((n) => statSync(join(dir, 'api', 'adapty', `${n}.json.gz`)).ino)).size).toBe(1);
    expect(statSync(join(dir, 'api', 'adapty', 'renewals-year-day.json.gz')).nlink).toBe(6);
    // Every name is in the manifest with the sha256 of its stored bytes.
    const gz = readFileSync(join(dir, 'api', 'adapty', 'renewals-month-cohort.json.gz'));
    expect(manifest.files['api/adapty/renewals-month-cohort.json.gz']?.bytes).toBe(gz.length);
    const req = { filters: { date: ['2026-01-01', '2026-12-31'] } };
    const zipped = await post(req, { 'accept-encoding': 'gzip' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.body.equals(gz)).toBe(true);
    const plain = await post(req, { 'accept-encoding': 'identity' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.etag).toBe(`"${manifest.files['api/adapty/renewals-month-cohort.json.gz']?.sha256}"`);
    expect(zipped.headers.etag).toBe(plain.headers.etag?.toString().replace(/"$/, '-gzip"'));
    expect(plain.body.equals(gunzipSync(gz))).toBe(true);
    // A POST is never answered 304 (RFC 9110 §13.1.2): a matching If-None-Match is a 412.
    const again = await post(req, { 'if-none-match': String(plain.headers.etag) });
    expect(again.status).toBe(412);
  });

  it('a POST whose If-None-Match matches (or is *) gets 412 in Adapty\'s shape, not 304 (RFC 9110 §13.1.2)', async () => {
    const precondition = (r: RawResponse, etag: string): void => {
      expect(r.status).toBe(412);
      expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(r.headers.etag).toBeUndefined();
      expect(r.json()).toEqual({
        errors: [{ source: 'non_field_errors', errors: [`If-None-Match matches this answer (${etag}): it has not changed; to get it again, send the POST without If-None-Match`] }],
        error_code: 'precondition_failed',
        status_code: 412,
      });
    };
    const snapshotReq = { filters: { date: ['2026-01-01', '2026-12-31'] } };
    const filteredReq = { filters: { date: ['2026-01-01', '2026-12-31'], country: ['us'] } };
    for (const req of [snapshotReq, filteredReq]) {
      const plain = await post(req, { 'accept-encoding': 'identity' });
      expect(plain.status).toBe(200);
      const etag = String(plain.headers.etag);
      precondition(await post(req, { 'accept-encoding': 'identity', 'if-none-match': etag }), etag);
      precondition(await post(req, { 'accept-encoding': 'identity', 'if-none-match': `"other", ${etag}` }), etag);
      precondition(await post(req, { 'accept-encoding': 'identity', 'if-none-match': '*' }), etag);
      // The tag of the representation this request gets: the gzip body's for a client that takes gzip.
      const zipped = await post(req, { 'accept-encoding': 'gzip' });
      precondition(await post(req, { 'accept-encoding': 'gzip', 'if-none-match': String(zipped.headers.etag) }), String(zipped.headers.etag));
      // A tag that does not match: the condition holds, the answer is the body, byte for byte.
      const other = await post(req, { 'accept-encoding': 'identity', 'if-none-match': '"0000"' });
      expect(other.status).toBe(200);
      expect(other.body.equals(plain.body)).toBe(true);
    }
    // The filtered answer by hand (see the file's head): country=us, Total 20 then 15.
    expect(adaptyGrid((await post(filteredReq)).json() as AdaptyResponse).Total).toEqual([20, 15]);
    // GET keeps its 304 (Zenovay's route).
    const z = await httpRequest(s.port, '/api/external/v1/revenue/default/ltv?range=all', { headers: { 'x-api-key': KEY } });
    const zAgain = await httpRequest(s.port, '/api/external/v1/revenue/default/ltv?range=all', { headers: { 'x-api-key': KEY, 'if-none-match': '*' } });
    expect([z.status, zAgain.status]).toEqual([200, 304]);
  });

  it('answers the combinations computed on request like any unfiltered one', async () => {
    const r = await post({ filters: { date: ['2026-01-01', '2026-12-31'] }, period_type: 'days', period_unit: 'day' });
    expect(r.status).toBe(200);
    // The same request with a filter that keeps everyone (an independent path: never a snapshot).
    const all = await post({ filters: { date: ['2026-01-01', '2026-12-31'], country: ['us', 'de'] }, period_type: 'days', period_unit: 'day' });
    expect(r.text).toBe(all.text);
    const rows = (r.json() as AdaptyResponse).revenue.data.map((row) => row.title);
    expect(rows).toEqual(['Total', '2026-01-05', '2026-01-10', '2026-02-03']);
  });

  it('filters by attribute, case-insensitively, with the values computed by hand', async () => {
    const r = await post({ filters: { date: ['2026-01-01', '2026-12-31'], country: ['us'] } });
    expect(r.status).toBe(200);
    expect(adaptyGrid(r.json() as AdaptyResponse)).toEqual({ Total: [20, 15], '2026-01-01': [10, 15], '2026-02-01': [30] });
    const again = await post({ filters: { date: ['2026-01-01', '2026-12-31'], country: ['us'] } });
    expect(again.headers.etag).toBe(r.headers.etag);
  });

  it('a date range narrower than the run is computed, in json and csv', async () => {
    const r = await post({ filters: { date: ['2026-01-01', '2026-01-31'] } });
    expect(adaptyGrid(r.json() as AdaptyResponse)).toEqual({ Total: [15, 17.5], '2026-01-01': [15, 17.5] });
    const c = await post({ filters: { date: ['2026-01-01', '2026-01-31'] }, format: 'csv' });
    expect(c.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(c.text.split('\r\n').slice(0, 3)).toEqual(['accounting_type,title,type,cohort_size,period_0,period_1', 'revenue,Total,total,2,15,17.5', 'revenue,2026-01-01,cohort,2,15,17.5']);
  });

  it('a computed answer that filters nobody out is byte for byte the snapshot, for every type and unit', async () => {
    // country us or de keeps every customer, but a filter is never answered from a snapshot: this one is
    // computed (runs of equal cells written straight to JSON) and must equal the run's file (cells).
    for (const period_type of ['renewals', 'days']) {
      for (const period_unit of ['day', 'week', 'month', 'quarter', 'year']) {
        for (const segmentation of ['cohort', 'country', 'week', 'day']) {
          const r = await post({
            filters: { date: ['2026-01-01', '2026-12-31'], country: ['us', 'DE'] }, period_type, period_unit,
            ...(segmentation === 'cohort' ? {} : { segmentation }), // Adapty's clients omit "none"
          });
          expect(r.status).toBe(200);
          const spec = { period_type, period_unit, segmentation } as (typeof ADAPTY_SNAPSHOT_SPECS)[number];
          expect(r.text, `${period_type}-${period_unit}-${segmentation}`).toBe(snapshot(adaptySnapshotPath(spec)));
        }
      }
    }
  });

  it('a filter that matches nobody is an empty answer, not an error', async () => {
    const r = await post({ filters: { date: ['2026-01-01', '2026-12-31'], country: ['fr'] }, segmentation: 'country' });
    expect(r.status).toBe(200);
    const body = r.json() as AdaptyResponse;
    expect(body.revenue.data.filter((row) => row.type !== 'total')).toEqual([]);
  });
});

// Money in the published Parquet must stay exact: net revenue is carried in units of 10⁻²⁶, which a
// DOUBLE cannot hold. c1 pays 1.00 with 15 % commission and 10 % tax: net = 1.00 × 0.85 × 0.90 = 0.765
// exactly, a half cent, which rounds away from zero to 0.77 (as a double, 7.65 × 10²⁵ units is 2.6 × 10⁹
// units short and would round to 0.76). c2 (DE) only makes the country filter a real filter.
describe('filtered answers from the published Parquet are exact to the cent', () => {
  let fx2: Fixture;
  let s2: TestServer;
  beforeAll(async () => {
    fx2 = await makeFixture({
      'export.csv': csv('customer_id,event_time,amount,transaction_id,country,commission_percentage,tax_percentage', [
        ['c1', '2026-01-05T10:00:00Z', '1.00', 't1', 'US', '15', '10'],
        ['c2', '2026-01-06T10:00:00Z', '2.00', 't2', 'DE', '0', '0'],
      ]),
    });
    await runJob(fx2, { inputs: [{ path: 'export.csv' }] }, '2026-03-16T15:00:00Z');
    s2 = await startServer({ reportsDir: fx2.reportsDir, keys: [{ key: KEY, tenants: ['default'] }] });
  });
  afterAll(async () => {
    await s2.stop();
    await fx2.cleanup();
  });

  it('a half-cent net revenue rounds away from zero in a filtered request', async () => {
    const r = await httpRequest(s2.port, '/api/v1/client-api/metrics/ltv/', {
      method: 'POST', headers: { authorization: `Api-Key ${KEY}` },
      body: JSON.stringify({ filters: { date: ['2026-01-01', '2026-12-31'], country: ['US'] }, period_unit: 'year' }),
    });
    expect(r.status).toBe(200);
    const body = r.json() as AdaptyResponse;
    // proceeds = 1.00 × 0.85 = 0.85; net = 0.765 → 0.77.
    expect(adaptyGrid(body, 'proceeds')).toEqual({ Total: [0.85], '2026-01-01': [0.85] });
    expect(adaptyGrid(body, 'net_revenue')).toEqual({ Total: [0.77], '2026-01-01': [0.77] });
  });
});

// SPEC §6 "nothing outside the reports directory is ever read": a filtered request reads the run's
// data/*.parquet by path, so those files are checked as the snapshots are (src/ltv/publishedFile.ts). Two
// tenants hold copies of `default`'s run whose Parquet files were swapped for another tenant's (5 US
// customers where `default` has 2): `linked` by symlinks leading out of the reports directory, `swapped`
// by plain copies the manifest does not vouch for. Neither answer may carry the other tenant's numbers.
describe('a run whose data files were swapped after it was published', () => {
  const KEY2 = 'ltv_engine_run_key_000002';
  let fx3: Fixture;
  let s3: TestServer;
  beforeAll(async () => {
    fx3 = await makeFixture({
      'a.csv': csv('customer_id,event_time,amount,transaction_id,country', [
        ['a1', '2026-01-05T10:00:00Z', '10.00', 't1', 'US'],
        ['a2', '2026-01-10T10:00:00Z', '20.00', 't2', 'DE'],
        ['b1', '2026-02-03T10:00:00Z', '30.00', 't3', 'US'],
      ]),
      'other.csv': csv('customer_id,event_time,amount,transaction_id,country', ['o1', 'o2', 'o3', 'o4', 'o5'].map((c, i) => [c, `2026-01-0${i + 1}T10:00:00Z`, '7.00', `x${i}`, 'US'])),
    });
    await runJob(fx3, { inputs: [{ path: 'a.csv' }] }, '2026-03-16T15:00:00Z');
    await runJob(fx3, { inputs: [{ path: 'other.csv' }], tenant: 'other' }, '2026-03-16T15:00:00Z');
    const run = realpathSync(join(fx3.reportsDir, 'default', 'latest'));
    const otherData = join(realpathSync(join(fx3.reportsDir, 'other', 'latest')), 'data');
    const outside = join(fx3.dir, 'outside');
    cpSync(otherData, outside, { recursive: true });
    for (const tenant of ['linked', 'swapped']) {
      const copy = join(fx3.reportsDir, tenant, 'runs', basename(run));
      cpSync(run, copy, { recursive: true });
      // The copy is this tenant's run (the server serves a run only to the tenant its manifest names).
      const manifestPath = join(copy, 'manifest.json');
      writeFileSync(manifestPath, JSON.stringify({ ...(JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest), tenant }));
      symlinkSync(join('runs', basename(run)), join(fx3.reportsDir, tenant, 'latest'));
      for (const f of ['facts.parquet', 'customers.parquet']) {
        rmSync(join(copy, 'data', f));
        if (tenant === 'linked') symlinkSync(join(outside, f), join(copy, 'data', f));
        else copyFileSync(join(outside, f), join(copy, 'data', f));
      }
    }
    s3 = await startServer({ reportsDir: fx3.reportsDir, keys: [{ key: KEY, tenants: ['default'] }, { key: KEY2, tenants: ['linked'] }, { key: 'ltv_engine_run_key_000003', tenants: ['swapped'] }] });
  });
  afterAll(async () => {
    await s3.stop();
    await fx3.cleanup();
  });
  const us = (key: string): Promise<RawResponse> => httpRequest(s3.port, '/api/v1/client-api/metrics/ltv/', {
    method: 'POST', headers: { authorization: `Api-Key ${key}` },
    body: JSON.stringify({ filters: { date: ['2026-01-01', '2026-12-31'], country: ['US'] }, period_unit: 'year' }),
  });

  it('the genuine run answers a filtered request from its own files', async () => {
    const r = await us(KEY);
    expect(r.status).toBe(200);
    expect((r.json() as AdaptyResponse).revenue.data.find((d) => d.type === 'total')?.cohort_size).toBe(2);
  });

  it('Parquet files that are symlinks out of the run are never read: 404 in Adapty\'s shape', async () => {
    const r = await us(KEY2);
    expect(r.status).toBe(404);
    expect(r.json()).toEqual({ errors: [{ source: 'non_field_errors', errors: ['Run data not found'] }], error_code: 'not_found', status_code: 404 });
  });

  it('Parquet files that differ from the manifest\'s sha256 are never read: 500, no numbers', async () => {
    const r = await us('ltv_engine_run_key_000003');
    expect(r.status).toBe(500);
    expect(r.json()).toMatchObject({ error_code: 'server_error', status_code: 500 });
    expect(r.text).not.toMatch(/cohort_size/);
  });

  it('the explorer\'s attribute values read data/customers.parquet only as the manifest lists it', async () => {
    const dir = (tenant: string): string => realpathSync(join(fx3.reportsDir, tenant, 'latest'));
    const manifest = (tenant: string): Manifest => JSON.parse(readFileSync(join(dir(tenant), 'manifest.json'), 'utf8')) as Manifest;
    expect((await attributeValues(await runRef(dir('default')), manifest('default'))).country).toEqual([{ value: 'US', customers: 2 }, { value: 'DE', customers: 1 }]);
    await expect(attributeValues(await runRef(dir('linked')), manifest('linked'))).rejects.toMatchObject({ code: 'NOT_FOUND', cause: { message: expect.stringMatching(/customers\.parquet: a symlink \(to .*outside/) } });
    await expect(attributeValues(await runRef(dir('swapped')), manifest('swapped'))).rejects.toMatchObject({ code: 'INTERNAL', message: expect.stringMatching(/customers\.parquet: sha256 [0-9a-f]{64} differs from the manifest's/) });
  });
});
