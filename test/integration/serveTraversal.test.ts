// SPEC §6 "nothing outside the reports directory is ever read": hostile website ids and planted
// symlinks. A secret tenant layout sits next to the reports directory; no answer may ever carry it.
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunStore } from '../../src/serve/RunStore.js';
import { publishFixtureRun } from '../helpers/fixtureRun.js';
import { httpRequest } from '../helpers/httpRequest.js';
import { startServer, type TestServer } from '../helpers/startServer.js';

const KEY = 'ltv_traversal_tests_key_01';
const SECRET = 987654.321;
let s: TestServer;

beforeAll(async () => {
  s = await startServer({ keys: [{ key: KEY, tenants: ['acme', 'escape', 'linked', 'leaky'] }] });
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
