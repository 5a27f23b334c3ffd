// The run the email's "change since the previous run" compares with: read from the published runs'
// manifests on disk (a temporary tenant directory), never a run in another currency.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Summary } from '../../src/ltv/model.js';
import { previousRun } from '../../src/notify/previousRun.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ltv-previous-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const summary = (customers: number): Summary => ({
  customers, cohorts: 1, revenue: customers * 10, proceeds: customers * 10, net_revenue: customers * 10, average_ltv_30d: 10, average_ltv_90d: null,
});

/** A tenant's runs directory holding published runs with these manifests (the fields previousRun reads). */
async function runs(list: { run_id: string; as_of: string; currency: string; customers: number; tenant?: string }[]): Promise<string> {
  const runsDir = join(dir, `t${Math.random().toString(36).slice(2)}`, 'runs');
  for (const r of list) {
    await mkdir(join(runsDir, r.run_id), { recursive: true });
    await writeFile(join(runsDir, r.run_id, 'manifest.json'), JSON.stringify({
      schema_version: 1, tenant: r.tenant ?? 'acme', run_id: r.run_id, as_of: r.as_of, currency: r.currency, generated_at: r.as_of, summary: summary(r.customers),
    }));
  }
  return runsDir;
}

describe('previousRun', () => {
  it('compares with the latest earlier run in the same currency, passing over one in another currency', async () => {
    // USD on Mar 1, JPY on Mar 8 (the job's currency changed, or a JPY job publishes the tenant too), and
    // this run in USD on Mar 15: the change is against Mar 1, not against the yen amounts of Mar 8.
    const runsDir = await runs([
      { run_id: '20260301T000000Z', as_of: '2026-03-01T00:00:00.000Z', currency: 'USD', customers: 100 },
      { run_id: '20260308T000000Z', as_of: '2026-03-08T00:00:00.000Z', currency: 'JPY', customers: 120 },
    ]);
    const now = { tenant: 'acme', run_id: '20260315T000000Z', as_of: '2026-03-15T00:00:00.000Z' };
    const usd = await previousRun(join(runsDir, now.run_id), { ...now, currency: 'USD' });
    expect(usd?.run_id).toBe('20260301T000000Z');
    expect(usd?.summary.customers).toBe(100);
    // A JPY report compares with the JPY run.
    expect((await previousRun(join(runsDir, now.run_id), { ...now, currency: 'JPY' }))?.run_id).toBe('20260308T000000Z');
    // No earlier run in EUR: no comparison at all.
    expect(await previousRun(join(runsDir, now.run_id), { ...now, currency: 'EUR' })).toBeNull();
  });

  it('never compares with another tenant\'s run in the same directory (two ids an earlier release\'s short hash gave one)', async () => {
    // B's run of Mar 10 in A's directory: A's email compared with it, and B's numbers could be read off it.
    const runsDir = await runs([
      { run_id: '20260301T000000Z', as_of: '2026-03-01T00:00:00.000Z', currency: 'USD', customers: 100, tenant: 'A' },
      { run_id: '20260310T000000Z', as_of: '2026-03-10T00:00:00.000Z', currency: 'USD', customers: 7, tenant: 'B' },
    ]);
    const now = { tenant: 'A', run_id: '20260315T000000Z', as_of: '2026-03-15T00:00:00.000Z', currency: 'USD' };
    expect((await previousRun(join(runsDir, now.run_id), now))?.run_id).toBe('20260301T000000Z');
    expect(await previousRun(join(runsDir, now.run_id), { ...now, tenant: 'C' })).toBeNull();
  });
});
