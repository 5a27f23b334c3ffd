// Hot reload (SPEC §6): keys rereads the file when it changes; a run switched in while the server is
// up is served from the very next request, and no response ever mixes two runs.
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ZenovayResponse } from '../../src/report/apiTypes.js';
import { publishFixtureRun } from '../helpers/fixtureRun.js';
import { httpRequest } from '../helpers/httpRequest.js';
import { startServer, type TestServer } from '../helpers/startServer.js';

const A = 'ltv_reload_key_a_000000001';
const B = 'ltv_reload_key_b_000000002';
const path = '/api/external/v1/revenue/acme/ltv';
let s: TestServer;

const status = async (key: string): Promise<number> => (await httpRequest(s.port, path, { headers: { 'x-api-key': key } })).status;

/** Polls until `cond` holds; the file watch usually fires within milliseconds, the poll within 50 ms. */
async function eventually(cond: () => Promise<boolean>, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

beforeAll(async () => {
  s = await startServer({ keys: [{ key: A, tenants: ['acme'] }] });
  publishFixtureRun(s.reportsDir, { tenant: 'acme', runId: 'r1', marker: 1 });
});
afterAll(async () => {
  await s.stop();
});

describe('hot reload', () => {
  it('a key added to the file (replaced by rename) works without a restart', async () => {
    expect(await status(B)).toBe(401);
    s.writeKeys([{ key: A, tenants: ['acme'] }, { key: B, tenants: ['acme'] }]);
    await eventually(async () => (await status(B)) === 200);
    expect(await status(A)).toBe(200);
  });

  it('a broken keys file keeps the last good keys and is logged', async () => {
    writeFileSync(s.keysFile, '{"keys": [ {"key_sha256": "not hex"');
    await eventually(async () => s.logLines.some((l) => l.msg === 'keys: file is invalid; keeping the previous keys'));
    expect(await status(A)).toBe(200);
    expect(await status(B)).toBe(200);
  });

  it('a key removed from the file stops working', async () => {
    s.writeKeys([{ key: B, tenants: ['acme'] }]);
    await eventually(async () => (await status(A)) === 401);
    expect(await status(B)).toBe(200);
  });

  it('a newly switched latest is served from the next request on, with a new ETag', async () => {
    const before = await httpRequest(s.port, path, { headers: { 'x-api-key': B } });
    expect((before.json() as ZenovayResponse).data.cohorts[0]?.periods[1]?.cumulative_revenue_per_customer).toBe(1);
    publishFixtureRun(s.reportsDir, { tenant: 'acme', runId: 'r2', marker: 2 });
    const after = await httpRequest(s.port, path, { headers: { 'x-api-key': B } });
    expect((after.json() as ZenovayResponse).data.cohorts[0]?.periods[1]?.cumulative_revenue_per_customer).toBe(2);
    expect(after.headers.etag).not.toBe(before.headers.etag);
    // A client revalidating with the old ETag gets the new run, not a 304.
    const reval = await httpRequest(s.port, path, { headers: { 'x-api-key': B, 'if-none-match': before.headers.etag as string } });
    expect(reval.status).toBe(200);
  });

  it('requests racing a switch see one whole run or the other', async () => {
    const seen = new Set<number>();
    const switches = (async () => {
      for (let i = 3; i < 13; i++) {
        publishFixtureRun(s.reportsDir, { tenant: 'acme', runId: `r${i}`, marker: i });
        await new Promise((r) => setImmediate(r));
      }
    })();
    const reads = Array.from({ length: 60 }, async () => {
      const r = await httpRequest(s.port, path, { headers: { 'x-api-key': B } });
      expect(r.status).toBe(200);
      const body = r.json() as ZenovayResponse;
      seen.add(body.data.cohorts[0]?.periods[1]?.cumulative_revenue_per_customer as number);
    });
    await Promise.all([switches, ...reads]);
    for (const m of seen) expect(m).toBeGreaterThanOrEqual(2);
    const last = (await httpRequest(s.port, path, { headers: { 'x-api-key': B } })).json() as ZenovayResponse;
    expect(last.data.cohorts[0]?.periods[1]?.cumulative_revenue_per_customer).toBe(12);
  });
});
