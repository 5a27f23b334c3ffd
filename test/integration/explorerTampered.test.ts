// The explorer's routes over a reports directory changed by hand after publishing (SPEC §5: a run is never
// changed once published; §6: the server answers from what the run published, or not at all): a latest
// manifest that is no JSON, files replaced or cut short, a folder under runs/ that is not a run. Each case
// changes the real runs of the two tenants below and puts them back.
import { cpSync, linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

describe('a run\'s files changed after publishing', () => {
  /** The server's log lines since `from` that refuse `path`. */
  const refusals = (from: number, path: string) => s.logLines.slice(from).filter((l) => String((l.err as { message?: string } | undefined)?.message ?? '').startsWith(`${path}: `));
  const file = (run: string, name: string) => get(`${runPath(TENANT, run)}/files/${name}`);

  it('a download whose bytes are not the manifest\'s is refused (500) as a snapshot is, the log naming the file; served again once put back', async () => {
    const outside = join(fx.dir, 'hostname');
    writeFileSync(outside, 'db-primary.internal\n');
    for (const [name, replace] of [
      // Another file hard-linked in its place (`ln /etc/hostname ltv.csv`).
      ['ltv.csv', () => linkSync(outside, join(runDir(TENANT, OLD_RUN), 'ltv.csv'))],
      // Cut short.
      ['report.html', () => writeFileSync(join(runDir(TENANT, OLD_RUN), 'report.html'), readFileSync(join(runDir(TENANT, NEW_RUN), 'report.html')).subarray(0, 1000))],
    ] as const) {
      const path = join(runDir(TENANT, OLD_RUN), name);
      const intact = readFileSync(path);
      const from = s.logLines.length;
      rmSync(path);
      replace();
      try {
        const r = await file(OLD_RUN, name);
        expect(r.status, name).toBe(500);
        expect(r.text).not.toContain('db-primary');
        expect(refusals(from, path).map((l) => (l.err as { message: string }).message), name).toEqual([
          expect.stringMatching(new RegExp(`: sha256 [0-9a-f]{64} differs from the manifest's [0-9a-f]{64}: not served$`)),
        ]);
      } finally {
        rmSync(path);
        writeFileSync(path, intact);
      }
      const back = await file(OLD_RUN, name);
      expect([back.status, back.body.equals(intact)], name).toEqual([200, true]);
    }
  });

  it('a file checked once is checked again when it changes in place (same size, other bytes)', async () => {
    const path = join(runDir(TENANT, OLD_RUN), 'quarantine.csv');
    const intact = readFileSync(path);
    expect((await file(OLD_RUN, 'quarantine.csv')).status).toBe(200);
    const from = s.logLines.length;
    const edited = Buffer.from(intact);
    edited[edited.length - 2] = edited[edited.length - 2] === 0x41 ? 0x42 : 0x41;
    writeFileSync(path, edited);
    try {
      expect((await file(OLD_RUN, 'quarantine.csv')).status).toBe(500);
      expect(refusals(from, path)).toHaveLength(1);
    } finally {
      writeFileSync(path, intact);
    }
    expect((await file(OLD_RUN, 'quarantine.csv')).status).toBe(200);
  });

  it('an edited ltv.json is refused for the run\'s headline and as a download, never shown with other numbers', async () => {
    const path = join(runDir(TENANT, OLD_RUN), 'ltv.json');
    const report = JSON.parse(readFileSync(path, 'utf8')) as { summary: { customers: number } };
    expect(report.summary.customers).toBe(6);
    const from = s.logLines.length;
    await withReplaced(path, JSON.stringify({ ...report, summary: { ...report.summary, customers: 600 } }), async () => {
      // A server that has not read the run yet (this one keeps the headline it checked before).
      const fresh = await startServer({ reportsDir: fx.reportsDir, keys: [{ key: KEY, tenants: [TENANT] }] });
      try {
        const detail = await httpRequest(fresh.port, runPath(TENANT, OLD_RUN), { headers: { authorization: `Bearer ${KEY}` } });
        expect(detail.status).toBe(500);
        expect(detail.text).not.toContain('600');
        expect(fresh.logLines.filter((l) => String((l.err as { message?: string } | undefined)?.message).startsWith(`${path}: sha256 `))).toHaveLength(1);
      } finally {
        await fresh.stop();
      }
      expect((await get(runPath(TENANT, OLD_RUN))).json()).toMatchObject({ summary: { customers: 6 } });
      expect((await file(OLD_RUN, 'ltv.json')).status).toBe(500);
      expect(refusals(from, path)).toHaveLength(1);
    });
    const detail = await get(runPath(TENANT, OLD_RUN));
    expect([detail.status, (detail.json() as { summary: { customers: number } }).summary.customers]).toEqual([200, 6]);
    // The manifest itself is served as the run was resolved from it.
    const manifest = await file(OLD_RUN, 'manifest.json');
    expect([manifest.status, manifest.body.equals(readFileSync(join(runDir(TENANT, OLD_RUN), 'manifest.json')))]).toEqual([200, true]);
  });

  it('a data/forecast.json that differs leaves the run\'s forecast brief out of the listing, with a warning, and the listing answers', async () => {
    const path = join(runDir(TENANT, OLD_RUN), 'data', 'forecast.json');
    const forecast = JSON.parse(readFileSync(path, 'utf8')) as { reason: string };
    await withReplaced(path, JSON.stringify({ ...forecast, reason: 'edited' }), async () => {
      const fresh = await startServer({ reportsDir: fx.reportsDir, keys: [{ key: KEY, tenants: [TENANT] }] });
      try {
        const r = await httpRequest(fresh.port, '/api/v1/explorer/tenants', { headers: { authorization: `Bearer ${KEY}` } });
        expect(r.status).toBe(200);
        const runs = (r.json() as TenantsResponse).tenants[0]!.runs;
        expect(runs.map((x) => [x.run_id, x.forecast?.reason ?? null])).toEqual([[NEW_RUN, expect.stringMatching(/^no forecast: /)], [OLD_RUN, null]]);
        expect(fresh.logLines.filter((l) => l.level === 40 && String(l.msg).startsWith(`run ${runDir(TENANT, OLD_RUN)} is listed without its forecast: ${path}: sha256 `))).toHaveLength(1);
      } finally {
        await fresh.stop();
      }
    });
  });
});

describe('a folder under runs/ that is not a run id', () => {
  it('is no run: an operator\'s copy `runs/<run-id>.bak` is neither listed nor served by its name, nor named in x-ltv-run', async () => {
    const bak = `${OLD_RUN}.bak`;
    cpSync(runDir(TENANT, OLD_RUN), runDir(TENANT, bak), { recursive: true });
    try {
      const tenants = (await get('/api/v1/explorer/tenants')).json() as TenantsResponse;
      expect(tenants.tenants.find((t) => t.id === TENANT)!.runs.map((r) => r.run_id)).toEqual([NEW_RUN, OLD_RUN]);
      for (const path of [runPath(TENANT, bak), `${runPath(TENANT, bak)}/files/ltv.csv`]) expect((await get(path)).status, path).toBe(404);
      const adapty = (run: string) => httpRequest(s.port, '/api/v1/client-api/metrics/ltv/', {
        method: 'POST',
        headers: { authorization: `Api-Key ${KEY}`, 'content-type': 'application/json', 'x-ltv-tenant': TENANT, 'x-ltv-run': run },
        body: JSON.stringify({ filters: { date: ['2020-01-01', '2030-12-31'] } }),
      });
      expect((await adapty(bak)).status).toBe(404);
      expect((await adapty(OLD_RUN)).status).toBe(200);
    } finally {
      rmSync(runDir(TENANT, bak), { recursive: true });
    }
  });
});
