// SPEC §3, §5, §6: any id a row carries is published under a safe directory name, can be given a key
// (`ltv keys add`, the real CLI) and is served by both APIs. Ids with spaces, slashes, dots (`.`, `..`),
// a leading dash (a directory `-rf` is an option to the operator's shell tools), unicode and 200 characters.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tenantDirName } from '../../src/publish/publishRun.js';
import type { RunDetail, TenantsResponse } from '../../src/explorer/explorerApi.js';
import type { AdaptyResponse, ZenovayResponse } from '../../src/report/apiTypes.js';
import { httpRequest } from '../helpers/httpRequest.js';
import { csv, makeFixture, readSnapshot, runJob, type Fixture } from '../helpers/runFixture.js';
import { startServer, type TestServer } from '../helpers/startServer.js';

const bin = new URL('../../src/cli/bin.mjs', import.meta.url).pathname;
const LONG = `t${'0123456789'.repeat(20)}`.slice(0, 200);
// Each tenant's one customer pays a different amount: 1, 2, 3 … (the answer shows whose run it is).
const IDS = ['acme corp', 'a/b', '.', '..', 'café ☕', LONG, '-rf', '-1+2'];

let fx: Fixture;
let s: TestServer;
let key = '';

beforeAll(async () => {
  fx = await makeFixture({
    'e.csv': csv('tenant_id,customer_id,event_time,amount', IDS.map((id, i) => [`"${id}"`, 'c', '2026-01-10T12:00:00Z', String(i + 1)])),
  });
  await runJob(fx, { inputs: [{ path: 'e.csv' }], tenant: 'default' }, '2026-03-01T00:00:00Z');
  const keysFile = join(fx.dir, 'keys.json');
  const add = spawnSync(process.execPath, [bin, 'keys', 'add', ...IDS.flatMap((id) => ['--tenant', id]), '--keys', keysFile], { encoding: 'utf8' });
  expect(add.stderr).toMatch(/key added/);
  expect(add.status).toBe(0);
  key = add.stdout.trim();
  s = await startServer({ reportsDir: fx.reportsDir, keysFile });
}, 240_000);
afterAll(async () => {
  await s?.stop();
  await fx?.cleanup();
});

describe('tenant ids of any form', () => {
  it('publishes each under a safe directory name; a plain 200-character id is its own name', () => {
    expect(tenantDirName(LONG)).toBe(LONG);
    for (const id of IDS) {
      const dir = tenantDirName(id);
      expect(dir).toMatch(/^[A-Za-z0-9_][A-Za-z0-9._~-]*$/);
      expect(existsSync(join(fx.reportsDir, dir, 'latest', 'ltv.json'))).toBe(true);
    }
    // Distinct ids, distinct directories ('.' and '..' both become underscores plus their own hash).
    expect(new Set(IDS.map(tenantDirName)).size).toBe(IDS.length);
    expect(JSON.parse(readFileSync(join(fx.reportsDir, tenantDirName('..'), 'latest', 'ltv.json'), 'utf8')).tenant).toBe('..');
  });

  it.each(IDS.map((id, i) => [id, i + 1] as const))('Zenovay serves %j (percent-encoded in the path)', async (id, amount) => {
    const r = await httpRequest(s.port, `/api/external/v1/revenue/${encodeURIComponent(id).replace(/\./g, '%2E')}/ltv`, { headers: { 'x-api-key': key } });
    expect(r.status).toBe(200);
    const body = r.json() as ZenovayResponse;
    expect(body.data.cohorts[0]?.periods[0]?.cumulative_revenue_per_customer).toBe(amount);
    expect(r.text).toBe(await readSnapshot(join(fx.reportsDir, tenantDirName(id), 'latest', 'api', 'zenovay', '90d-monthly.json')));
  });

  it.each(IDS.map((id, i) => [id, i + 1] as const))('Adapty serves %j (x-ltv-tenant percent-encoded), snapshot and computed', async (id, amount) => {
    const headers = { authorization: `Api-Key ${key}`, 'content-type': 'application/json', 'x-ltv-tenant': encodeURIComponent(id) };
    const snap = await httpRequest(s.port, '/api/v1/client-api/metrics/ltv/', { method: 'POST', headers, body: JSON.stringify({ filters: { date: ['2026-01-01', '2026-01-31'] } }) });
    expect(snap.status).toBe(200);
    expect((snap.json() as AdaptyResponse).revenue.value).toBe(amount);
    const computed = await httpRequest(s.port, '/api/v1/client-api/metrics/ltv/', { method: 'POST', headers, body: JSON.stringify({ filters: { date: ['2026-01-01', '2026-01-31'], country: ['unknown'] } }) });
    expect(computed.status).toBe(200);
    expect((computed.json() as AdaptyResponse).revenue.value).toBe(amount);
  });

  it('Adapty serves an id sent in x-ltv-tenant as raw UTF-8 (as curl sends it), not only percent-encoded: it was a bare 404', async () => {
    for (const [id, amount] of [['café ☕', 5], ['acme corp', 1]] as const) {
      // Node's client writes a header's characters as Latin-1 bytes (with a body given as bytes: a string
      // body's encoding is applied to the head written with it): these are the id's UTF-8 bytes.
      const raw = Buffer.from(id, 'utf8').toString('latin1');
      const r = await httpRequest(s.port, '/api/v1/client-api/metrics/ltv/', {
        method: 'POST',
        headers: { authorization: `Api-Key ${key}`, 'content-type': 'application/json', 'x-ltv-tenant': raw },
        body: Buffer.from(JSON.stringify({ filters: { date: ['2026-01-01', '2026-01-31'] } })),
      });
      expect(r.status, id).toBe(200);
      expect((r.json() as AdaptyResponse).revenue.value).toBe(amount);
    }
    // Bytes that are not UTF-8 name no tenant of the key: 404 as before.
    const r = await httpRequest(s.port, '/api/v1/client-api/metrics/ltv/', {
      method: 'POST',
      headers: { authorization: `Api-Key ${key}`, 'content-type': 'application/json', 'x-ltv-tenant': 'caf\u00e9 \u00e2\u0098' },
      body: Buffer.from(JSON.stringify({ filters: { date: ['2026-01-01', '2026-01-31'] } })),
    });
    expect(r.status).toBe(404);
  });

  it.each(IDS.map((id, i) => [id, i + 1] as const))('the explorer lists %j with its run and opens it (percent-encoded in the path)', async (id, amount) => {
    const headers = { authorization: `Bearer ${key}` };
    const list = await httpRequest(s.port, '/api/v1/explorer/tenants', { headers });
    expect(list.status).toBe(200);
    const listed = (list.json() as TenantsResponse).tenants.find((t) => t.id === id);
    expect(listed?.runs.map((r) => r.run_id)).toEqual(['20260301T000000Z']);
    const r = await httpRequest(s.port, `/api/v1/explorer/tenants/${encodeURIComponent(id).replace(/\./g, '%2E')}/runs/latest`, { headers });
    expect(r.status).toBe(200);
    const detail = r.json() as RunDetail;
    expect(detail.tenant).toBe(id);
    // One customer who paid `amount`: that is the run's revenue.
    expect(detail.summary?.revenue).toBe(amount);
  });

  it('an id the key does not list stays unknown (404), whatever its form', async () => {
    for (const id of ['acme', 'a', '...', 'a%2Fb']) {
      const r = await httpRequest(s.port, `/api/external/v1/revenue/${encodeURIComponent(id)}/ltv`, { headers: { 'x-api-key': key } });
      expect(r.status).toBe(404);
    }
  });
});
