// Two tenant ids whose directory names collided: releases before stop 59 named a directory of an id that is
// no plain file name with 32 bits of its SHA-256, and `collœñåüéé` and `collüøÿæéé` (one length, unsafe
// characters in the same places: found by a birthday search) were both `coll______~80163c16`. The second
// tenant's run was published into the first's directory as a "correction" (`-2`), `latest` moved to it, the
// first tenant's key read the second's numbers, and its retention removed the first's runs. Names now carry
// 128 bits; a directory of the old name is still used by the tenant its latest run names, and by no other;
// the endpoint serves a run only to the tenant its manifest names.
import { readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tenantDirName } from '../../src/publish/publishRun.js';
import type { ZenovayResponse } from '../../src/report/apiTypes.js';
import { httpRequest } from '../helpers/httpRequest.js';
import { csv, makeFixture, type Fixture, runJob } from '../helpers/runFixture.js';
import { startServer, type TestServer } from '../helpers/startServer.js';

const A = 'coll\u0153\u00f1\u00e5\u00fc\u00e9\u00e9';
const B = 'coll\u00fc\u00f8\u00ff\u00e6\u00e9\u00e9';
const KEY_A = 'ltv_collision_key_a_0001';
const KEY_B = 'ltv_collision_key_b_0002';
// A's customer paid 10, B's 20: the answer shows whose run it is.
const rows = (tenants: readonly string[]): string => csv('tenant_id,customer_id,event_time,amount', tenants.map((t) => [t, 'c', '2026-01-10T12:00:00Z', t === A ? '10' : '20']));
const job = { inputs: [{ path: 'e.csv' }], tenant: 'default', formats: ['json' as const], retention: 1, forecast: { model: 'off' as const } };

let fx: Fixture | undefined;
let s: TestServer | undefined;
afterEach(async () => {
  await s?.stop();
  await fx?.cleanup();
  s = undefined;
  fx = undefined;
});

async function revenueOf(key: string, tenant: string): Promise<number | null> {
  const r = await httpRequest(s!.port, `/api/external/v1/revenue/${encodeURIComponent(tenant)}/ltv?range=all`, { headers: { 'x-api-key': key } });
  if (r.status !== 200) return null;
  // One customer each: the 30-day LTV is what it paid.
  return (r.json() as ZenovayResponse).data.summary.average_ltv_30d;
}

describe('two tenant ids whose short hashes collide', () => {
  it('had one directory under the 32-bit name', () => {
    expect(tenantDirName(A, 8)).toBe(tenantDirName(B, 8));
    expect(tenantDirName(A)).not.toBe(tenantDirName(B));
  });

  it('are published apart and each served its own numbers', async () => {
    fx = await makeFixture({ 'e.csv': rows([A, B]) });
    await runJob(fx, job, '2026-03-01T00:00:00Z');
    expect((await readdir(fx.reportsDir)).filter((d) => !d.startsWith('.')).sort()).toEqual([tenantDirName(A), tenantDirName(B)].sort());
    s = await startServer({ reportsDir: fx.reportsDir, keys: [{ key: KEY_A, tenants: [A] }, { key: KEY_B, tenants: [B] }] });
    expect([await revenueOf(KEY_A, A), await revenueOf(KEY_B, B)]).toEqual([10, 20]);
  });

  it('a directory of the old name stays its tenant\'s (runs, latest, retention) and no other id gets in', async () => {
    fx = await makeFixture({ 'e.csv': rows([A]) });
    await runJob(fx, job, '2026-03-01T00:00:00Z');
    // A as an earlier release published it: under the 32-bit name.
    const legacy = join(fx.reportsDir, tenantDirName(A, 8));
    await rename(join(fx.reportsDir, tenantDirName(A)), legacy);
    s = await startServer({ reportsDir: fx.reportsDir, keys: [{ key: KEY_A, tenants: [A] }, { key: KEY_B, tenants: [B] }] });
    expect(await revenueOf(KEY_A, A)).toBe(10);
    // B, whose old name is the same, has its own directory; A's next run goes on in the old one.
    await writeFile(join(fx.dir, 'e.csv'), rows([A, B]));
    await runJob(fx, job, '2026-03-02T00:00:00Z');
    expect((await readdir(fx.reportsDir)).filter((d) => !d.startsWith('.')).sort()).toEqual([tenantDirName(A, 8), tenantDirName(B)].sort());
    expect(await readdir(join(legacy, 'runs'))).toEqual(['20260302T000000Z']);
    expect([await revenueOf(KEY_A, A), await revenueOf(KEY_B, B)]).toEqual([10, 20]);
  });

  it('retention in a directory of the old name counts and removes its tenant\'s own runs only, not the other id\'s leftovers', async () => {
    fx = await makeFixture({ 'e.csv': rows([A]) });
    // A's first run under the old name, and B's run of a later as-of left there by the old collision.
    await runJob(fx, job, '2026-03-01T00:00:00Z');
    const legacy = join(fx.reportsDir, tenantDirName(A, 8));
    await rename(join(fx.reportsDir, tenantDirName(A)), legacy);
    await writeFile(join(fx.dir, 'e.csv'), rows([B]));
    await runJob(fx, job, '2026-03-05T00:00:00Z');
    await rename(join(fx.reportsDir, tenantDirName(B), 'runs', '20260305T000000Z'), join(legacy, 'runs', '20260305T000000Z'));
    // A's next run, keeping 2: A's two runs stay and B's is untouched (B's newer run took a kept place, and A's first was removed).
    await writeFile(join(fx.dir, 'e.csv'), rows([A]));
    await runJob(fx, { ...job, retention: 2 }, '2026-03-02T00:00:00Z');
    expect((await readdir(join(legacy, 'runs'))).sort()).toEqual(['20260301T000000Z', '20260302T000000Z', '20260305T000000Z']);
  });

  it('a run of another id found in a tenant\'s directory (the old collision) is not served to that tenant', async () => {
    fx = await makeFixture({ 'e.csv': rows([B]) });
    await runJob(fx, job, '2026-03-01T00:00:00Z');
    // B's run where A's old-named directory would be: what a collision under an earlier release left.
    await rename(join(fx.reportsDir, tenantDirName(B)), join(fx.reportsDir, tenantDirName(A, 8)));
    s = await startServer({ reportsDir: fx.reportsDir, keys: [{ key: KEY_A, tenants: [A] }] });
    expect(await revenueOf(KEY_A, A)).toBeNull();
  });
});
