// The explorer's routes over a reports directory changed by hand after publishing (SPEC §5: a run is never
// changed once published; §6: the server answers from what the run published, or not at all): a latest
// manifest that is no JSON, files replaced or cut short, a folder under runs/ that is not a run. Each case
// changes the real runs of the two tenants below and puts them back.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TenantsResponse } from '../../src/explorer/explorerApi.js';
import { publishExplorerRuns, TENANT } from '../helpers/explorerRuns.js';
import { httpRequest, type RawResponse } from '../helpers/httpRequest.js';
import { runJob, type Fixture } from '../helpers/runFixture.js';
import { startServer, type TestServer } from '../helpers/startServer.js';

const KEY = 'ltv_explorer_tampered_key_0001';
const OLD_RUN = '20260215T000000Z';
const NEW_RUN = '20260316T120000Z';
const BETA = 'beta';

let fx: Fixture;
let s: TestServer;
const get = (path: string): Promise<RawResponse> => httpRequest(s.port, path, { headers: { authorization: `Bearer ${KEY}` } });
const runPath = (tenant: string, run: string) => `/api/v1/explorer/tenants/${tenant}/runs/${run}`;
const runDir = (tenant: string, run: string) => join(fx.reportsDir, tenant, 'runs', run);

/** Replaces the file (a new directory entry, as an editor saving by rename or a restore does), runs `check`, puts the original back. */
async function withReplaced(path: string, bytes: string | Buffer, check: () => Promise<void>): Promise<void> {
  const original = readFileSync(path);
  rmSync(path);
  writeFileSync(path, bytes);
  try {
    await check();
  } finally {
    rmSync(path);
    writeFileSync(path, original);
  }
}

beforeAll(async () => {
  fx = await publishExplorerRuns();
  await runJob(fx, { tenant: BETA, inputs: [{ path: 'tx.csv' }], formats: ['json', 'csv'] }, '2026-03-16T12:00:00Z');
  s = await startServer({ reportsDir: fx.reportsDir, keys: [{ key: KEY, tenants: [TENANT, BETA] }] });
}, 180_000);
afterAll(async () => {
  await s?.stop();
  await fx?.cleanup();
});

describe('a latest manifest.json that is no JSON object', () => {
  it.each([['null', 'null'], ['cut short', '{"schema_version": 1, "tenant": "acme", "run_id'], ['empty', '']])('(%s): that run is 404, the listing and every other run answer, the log names the file', async (_, text) => {
    const manifest = join(runDir(TENANT, NEW_RUN), 'manifest.json');
    const logged = s.logLines.length;
    await withReplaced(manifest, text, async () => {
      const tenants = await get('/api/v1/explorer/tenants');
      expect(tenants.status).toBe(200);
      // It answered 500 for every tenant of the key.
      expect((tenants.json() as TenantsResponse).tenants.map((t) => [t.id, t.runs.map((r) => [r.run_id, r.latest])])).toEqual([
        [TENANT, [[OLD_RUN, false]]],
        [BETA, [[NEW_RUN, true]]],
      ]);
      expect((await get(runPath(TENANT, OLD_RUN))).status).toBe(200);
      expect((await get(`${runPath(TENANT, OLD_RUN)}/files/ltv.csv`)).status).toBe(200);
      expect((await get(runPath(BETA, 'latest'))).status).toBe(200);
      for (const run of ['latest', NEW_RUN]) expect((await get(runPath(TENANT, run))).status, run).toBe(404);
      expect((await httpRequest(s.port, `/api/external/v1/revenue/${TENANT}/ltv`, { headers: { 'x-api-key': KEY } })).status).toBe(404);
      // Said once, however many routes read it.
      const said = s.logLines.slice(logged).filter((l) => l.manifest === manifest);
      expect(said.length).toBe(1);
      expect(said[0]).toMatchObject({ level: 40, msg: expect.stringMatching(new RegExp(`^${manifest.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} (is null, not a JSON object|is not valid JSON \\(.+\\)): its run is not served \\(404\\); restore the file from a backup, or publish the run again$`)) });
    });
    // Put back: served again.
    expect((await get(runPath(TENANT, 'latest'))).status).toBe(200);
  });
});
