// SPEC §6 "nothing outside the reports directory is ever read": hostile website ids and planted
// symlinks. A secret tenant layout sits next to the reports directory; no answer may ever carry it.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/ltv/runFiles.js';
import { RunStore } from '../../src/serve/RunStore.js';
import { publishFixtureRun } from '../helpers/fixtureRun.js';
import { httpRequest } from '../helpers/httpRequest.js';
import { startServer, type TestServer } from '../helpers/startServer.js';

const KEY = 'ltv_traversal_tests_key_01';
const SECRET = 987654.321;
let s: TestServer;
let planted: string;

/** Stores the run's snapshot `rel` as `rel.gz` only, listed so in its manifest, as runs are published now. */
function gzipOnly(dir: string, rel: string): void {
  const gz = gzipSync(readFileSync(join(dir, rel)));
  writeFileSync(join(dir, `${rel}.gz`), gz);
  rmSync(join(dir, rel));
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  delete manifest.files[rel];
  manifest.files[`${rel}.gz`] = { bytes: gz.length, sha256: createHash('sha256').update(gz).digest('hex') };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
}

beforeAll(async () => {
  s = await startServer({ keys: [{ key: KEY, tenants: ['acme', 'escape', 'linked', 'leaky', 'planted'] }] });
  publishFixtureRun(s.reportsDir, { tenant: 'acme', runId: 'r1', marker: 1 });
  // A complete tenant layout outside the reports directory, holding the secret.
  const outside = join(s.root, 'outside');
  const secretRun = publishFixtureRun(outside, { tenant: 'secret', runId: 'r1', marker: SECRET });
  // 1) a tenant directory that is a symlink leading out
  symlinkSync(join(outside, 'secret'), join(s.reportsDir, 'escape'));
  // 2) a `latest` planted to point out of the tree
  mkdirSync(join(s.reportsDir, 'linked'));
  symlinkSync(secretRun, join(s.reportsDir, 'linked', 'latest'));
  // 3) a genuine run whose snapshot file is a symlink to the secret one
  const leaky = publishFixtureRun(s.reportsDir, { tenant: 'leaky', runId: 'r1', marker: 2 });
  const f = join(leaky, 'api/zenovay/90d-monthly.json');
  rmSync(f);
  symlinkSync(join(secretRun, 'api/zenovay/90d-monthly.json'), f);
  // 4) a run that stores its snapshots gzipped (manifest lists `.json.gz`), where a plain `.json` was
  //    planted in place of the `.gz` (Zenovay 90d-monthly and Adapty renewals-month-cohort), and another
  //    planted beside a `.gz` that is still there (Zenovay 30d-monthly)
  planted = publishFixtureRun(s.reportsDir, { tenant: 'planted', runId: 'r1', marker: 3 });
  for (const rel of ['api/zenovay/90d-monthly.json', 'api/zenovay/30d-monthly.json', 'api/adapty/renewals-month-cohort.json', 'api/adapty/days-month-cohort.json']) gzipOnly(planted, rel);
  for (const rel of ['api/zenovay/90d-monthly.json', 'api/adapty/renewals-month-cohort.json']) rmSync(join(planted, `${rel}.gz`));
  for (const rel of ['api/zenovay/90d-monthly.json', 'api/zenovay/30d-monthly.json', 'api/adapty/renewals-month-cohort.json']) {
    writeFileSync(join(planted, rel), JSON.stringify({ planted: SECRET }));
  }
});
afterAll(async () => {
  await s.stop();
});

const ATTEMPTS = [
  '/api/external/v1/revenue/../ltv',
  '/api/external/v1/revenue/..%2f..%2foutside%2fsecret/ltv',
  '/api/external/v1/revenue/..%2F..%2Foutside%2Fsecret/ltv',
  '/api/external/v1/revenue/%2e%2e/ltv',
  '/api/external/v1/revenue/%252e%252e%252foutside%252fsecret/ltv',
  '/api/external/v1/revenue/..\\..\\outside\\secret/ltv',
  '/api/external/v1/revenue/..%5c..%5coutside%5csecret/ltv',
  '/api/external/v1/revenue/acme%00/ltv',
  '/api/external/v1/revenue/acme%00..%2f/ltv',
  '/api/external/v1/revenue/%00/ltv',
  '/api/external/v1/revenue/acme/../../outside/secret/ltv',
  '/api/external/v1/revenue/./ltv',
  '/api/external/v1/revenue/%2e/ltv',
  '/api/external/v1/revenue/%/ltv',
  '/api/external/v1/revenue/%c0%ae%c0%ae/ltv',
  `/api/external/v1/revenue/${'a'.repeat(10_000)}/ltv`,
  '/api/external/v1/revenue/escape/ltv',
  '/api/external/v1/revenue/linked/ltv',
  '//api/external/v1/revenue/acme/ltv',
];

describe('traversal attempts', () => {
  it.each(ATTEMPTS)('%s → 400/404, never outside data', async (p) => {
    const r = await httpRequest(s.port, p, { headers: { 'x-api-key': KEY } });
    expect([400, 404]).toContain(r.status);
    expect(r.text).not.toContain(String(SECRET));
    expect((r.json() as { success: boolean }).success).toBe(false);
  });

  it('a snapshot that is a symlink out of its run is never followed', async () => {
    // Refused like a missing file: 404 in Zenovay's shape, with a request id.
    const r = await httpRequest(s.port, '/api/external/v1/revenue/leaky/ltv', { headers: { 'x-api-key': KEY } });
    expect(r.status).toBe(404);
    expect((r.json() as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    expect(r.headers['x-request-id']).toBeTruthy();
    expect(r.text).not.toContain(String(SECRET));
  });

  it('a snapshot the manifest does not vouch for is never served, whatever its name', async () => {
    const zen = (range: string) => httpRequest(s.port, `/api/external/v1/revenue/planted/ltv?range=${range}`, { headers: { 'x-api-key': KEY } });
    // A plain .json where the manifest lists only the .json.gz: refused as a .json.gz that fails its checksum is.
    const plain = await zen('90d');
    expect(plain.status).toBe(500);
    expect((plain.json() as { error: { code: string } }).error.code).toBe('INTERNAL_ERROR');
    expect(plain.text).not.toContain(String(SECRET));
    const adapty = await httpRequest(s.port, '/api/v1/client-api/metrics/ltv/', {
      method: 'POST', headers: { authorization: `Api-Key ${KEY}`, 'content-type': 'application/json', 'x-ltv-tenant': 'planted' },
      body: JSON.stringify({ filters: { date: ['2020-01-01', '2030-12-31'] } }),
    });
    expect(adapty.status).toBe(500);
    expect(adapty.json()).toMatchObject({ error_code: 'server_error', status_code: 500 });
    expect(adapty.text).not.toContain(String(SECRET));
    // The verified .json.gz is served, not a plain .json planted beside it.
    const beside = await zen('30d');
    expect(beside.status).toBe(200);
    expect(beside.text).not.toContain(String(SECRET));
    expect(beside.body.equals(gunzipSync(readFileSync(join(planted, 'api/zenovay/30d-monthly.json.gz'))))).toBe(true);
    const days = await httpRequest(s.port, '/api/v1/client-api/metrics/ltv/', {
      method: 'POST', headers: { authorization: `Api-Key ${KEY}`, 'content-type': 'application/json', 'x-ltv-tenant': 'planted' },
      body: JSON.stringify({ filters: { date: ['2020-01-01', '2030-12-31'] }, period_type: 'days' }),
    });
    expect(days.status).toBe(200);
    expect(days.body.equals(gunzipSync(readFileSync(join(planted, 'api/adapty/days-month-cohort.json.gz'))))).toBe(true);
  });

  it('the legitimate tenant still answers', async () => {
    const r = await httpRequest(s.port, '/api/external/v1/revenue/acme/ltv', { headers: { 'x-api-key': KEY } });
    expect(r.status).toBe(200);
  });

  it('RunStore finds no run for ids whose safe directory does not exist or leads out, even for a key that lists them', () => {
    const store = new RunStore(s.reportsDir);
    for (const id of ['..', '.', '../outside/secret', 'a/b', 'a\\b', 'a\0b', '', 'x'.repeat(129), 'escape', 'linked']) {
      expect(store.resolve(id), JSON.stringify(id.slice(0, 20))).toBeNull();
    }
    expect(store.resolve('acme')).not.toBeNull();
  });
});
