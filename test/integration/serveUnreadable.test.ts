// A tenant or run that is there but cannot be read (a symlink loop: ELOOP; as `nobody`, a directory of mode
// 000: EACCES) was answered 404 "Website not found"/"App not found"/"Run not found", logged at info and
// counted as a 404: LtvServeErrors never fired and nothing in the log said which path failed. Each is now a
// 500 in the route's own shape with a `request failed` line naming the path and errno (README "Monitoring");
// absent (ENOENT, ENOTDIR, a dangling `latest`) stays a 404. Real file system states, as root too: a symlink
// loop fails for root as for anyone.
import { mkdir, readlink, rename, symlink, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest, type RawResponse } from '../helpers/httpRequest.js';
import { csv, makeFixture, runJob, type Fixture } from '../helpers/runFixture.js';
import { startServer, type TestServer } from '../helpers/startServer.js';

const KEY = 'ltv_unreadable_key_00001';
const ZEN = (t: string): string => `/api/external/v1/revenue/${t}/ltv?range=90d&granularity=monthly`;
const whole = { filters: { date: ['2000-01-01', '2100-01-01'] }, period_type: 'days', period_unit: 'month' };

let fx: Fixture;
let s: TestServer;
let runDir: string;
let runId: string;

beforeAll(async () => {
  fx = await makeFixture({ 'e.csv': csv('customer_id,event_time,amount', [['a', '2026-01-10T10:00:00Z', '10'], ['b', '2026-02-10T10:00:00Z', '20']]) });
  const r = await runJob(fx, { inputs: [{ path: 'e.csv' }], formats: ['json'], forecast: { model: 'off' } }, '2026-03-15T00:00:00Z');
  runDir = r.tenants[0]!.dir;
  runId = basename(runDir);
  // `absent`: in the key, never published; `dangling`: its latest points at a run removed.
  await mkdir(join(fx.reportsDir, 'dangling', 'runs'), { recursive: true });
  await symlink('runs/20990101T000000Z', join(fx.reportsDir, 'dangling', 'latest'));
  s = await startServer({ reportsDir: fx.reportsDir, keys: [{ key: KEY, tenants: ['default', 'absent', 'dangling'] }] });
});

afterAll(async () => {
  await s.stop();
  await fx.cleanup();
});

const zen = (t: string): Promise<RawResponse> => httpRequest(s.port, ZEN(t), { headers: { 'x-api-key': KEY } });
const adapty = (t: string, run?: string): Promise<RawResponse> =>
  httpRequest(s.port, '/api/v1/client-api/metrics/ltv/', {
    method: 'POST',
    headers: { authorization: `Api-Key ${KEY}`, 'content-type': 'application/json', 'x-ltv-tenant': t, ...(run ? { 'x-ltv-run': run } : {}) },
    body: JSON.stringify(whole),
  });
const explorer = (path: string): Promise<RawResponse> => httpRequest(s.port, `/api/v1/explorer${path}`, { headers: { authorization: `Api-Key ${KEY}` } });

/** Replaces `path` by a symlink to itself for the duration of `body`, then puts it back. */
async function looped(path: string, body: () => Promise<void>): Promise<void> {
  await rename(path, `${path}.kept`);
  await symlink(basename(path), path);
  try {
    await body();
  } finally {
    await unlink(path);
    await rename(`${path}.kept`, path);
  }
}

/** The `request failed` lines logged since `from`, as [path, errno]. */
function failures(from: number): [string, string][] {
  return s.logLines.slice(from).filter((l) => l.msg === 'request failed').map((l) => {
    expect(l.level).toBe(50);
    const err = l.err as { path?: string; code?: string; message?: string };
    // One line saying what failed and what to do, the path in it.
    expect(err.message).toMatch(/^\/.* cannot be read \(ELOOP\): .*/);
    expect(err.message).not.toContain('\n');
    return [err.path ?? '', err.code ?? ''];
  });
}

function expectZen500(r: RawResponse): void {
  expect(r.status).toBe(500);
  expect(r.json()).toMatchObject({ success: false, error: { code: 'INTERNAL_ERROR', message: 'Internal server error' } });
}

function expectAdapty500(r: RawResponse): void {
  expect(r.status).toBe(500);
  expect(r.json()).toMatchObject({ error_code: 'server_error', status_code: 500 });
}

describe('a tenant or run that is there but cannot be read', () => {
  it('serves normally before (the fixture is sound)', async () => {
    expect((await zen('default')).status).toBe(200);
    expect((await adapty('default')).status).toBe(200);
    expect((await explorer(`/tenants/default/runs/${runId}`)).status).toBe(200);
  });

  it('a tenant directory that cannot be read: 500 on every route, logged as a fault naming it, counted as 500', async () => {
    const tenantDir = join(fx.reportsDir, 'default');
    await looped(tenantDir, async () => {
      const from = s.logLines.length;
      expectZen500(await zen('default'));
      expectAdapty500(await adapty('default'));
      expectAdapty500(await adapty('default', runId));
      expectAdapty500(await explorer(`/tenants/default/runs/latest`));
      expectAdapty500(await explorer(`/tenants/default/runs/${runId}`));
      // The listing of the key's tenants cannot say this tenant's runs: not an empty list as if it had none.
      expectAdapty500(await explorer('/tenants'));
      const seen = failures(from);
      expect(seen.length).toBe(6);
      for (const [path, code] of seen) {
        expect(code).toBe('ELOOP');
        expect(path.startsWith(tenantDir)).toBe(true);
      }
      const statuses = s.logLines.slice(from).filter((l) => typeof l.status === 'number').map((l) => l.status);
      expect(statuses).toEqual([500, 500, 500, 500, 500, 500]);
    });
    expect((await zen('default')).status).toBe(200);
  });

  it('a `latest` that cannot be resolved: 500 naming it', async () => {
    const latest = join(fx.reportsDir, 'default', 'latest');
    expect(await readlink(latest)).toBe(`runs/${runId}`);
    await looped(latest, async () => {
      const from = s.logLines.length;
      expectZen500(await zen('default'));
      expectAdapty500(await adapty('default'));
      expectAdapty500(await explorer('/tenants/default/runs/latest'));
      expect(failures(from)).toEqual([[latest, 'ELOOP'], [latest, 'ELOOP'], [latest, 'ELOOP']]);
      // The run itself, named by id, still answers.
      expect((await explorer(`/tenants/default/runs/${runId}`)).status).toBe(200);
    });
  });

  it('a run whose manifest, or whose snapshot folder, cannot be read: 500 naming it', async () => {
    const manifest = join(runDir, 'manifest.json');
    await looped(manifest, async () => {
      const from = s.logLines.length;
      expectZen500(await zen('default'));
      expectAdapty500(await adapty('default', runId));
      expectAdapty500(await explorer(`/tenants/default/runs/${runId}`));
      const seen = failures(from);
      expect(seen.length).toBe(3);
      for (const f of seen) expect(f).toEqual([manifest, 'ELOOP']);
    });
    const zenovay = join(runDir, 'api', 'zenovay');
    await looped(zenovay, async () => {
      const from = s.logLines.length;
      expectZen500(await zen('default'));
      expect(failures(from)).toEqual([[join(zenovay, '90d-monthly.json.gz'), 'ELOOP']]);
    });
    const download = join(runDir, 'ltv.json');
    await looped(download, async () => {
      const from = s.logLines.length;
      expectAdapty500(await explorer(`/tenants/default/runs/${runId}/files/ltv.json`));
      expect(failures(from)).toEqual([[download, 'ELOOP']]);
    });
  });

  it('absent stays 404: a tenant never published, a dangling latest, a run id that is not there', async () => {
    const from = s.logLines.length;
    for (const t of ['absent', 'dangling']) {
      expect((await zen(t)).status).toBe(404);
      expect((await adapty(t)).status).toBe(404);
      expect((await explorer(`/tenants/${t}/runs/latest`)).status).toBe(404);
    }
    expect((await adapty('default', '20990101T000000Z')).status).toBe(404);
    expect((await explorer('/tenants/default/runs/20990101T000000Z')).status).toBe(404);
    const tenants = (await explorer('/tenants')).json() as { tenants: { id: string; runs: unknown[] }[] };
    expect(tenants.tenants.map((t) => [t.id, t.runs.length])).toEqual([['default', 1], ['absent', 0], ['dangling', 0]]);
    expect(s.logLines.slice(from).filter((l) => l.msg === 'request failed')).toEqual([]);
  });
});
