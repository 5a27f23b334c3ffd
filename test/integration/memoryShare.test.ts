// A memory limit given as a share ("50%", as the compose file sets LTV_DUCKDB_MEMORY_LIMIT): DuckDB's setting
// takes sizes only, so every run failed with "Failed to set config". It is a share of the memory the process
// may use: the cgroup's limit (read here from /sys/fs/cgroup, independently of Node's) or the machine's.
import { readFile } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { describe, expect, it } from 'vitest';
import { Warehouse } from '../../src/warehouse/openWarehouse.js';
import { csv, grid, makeFixture, readLatest, runJob } from '../helpers/runFixture.js';

async function cgroupLimit(): Promise<number> {
  for (const file of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
    const text = (await readFile(file, 'utf8').catch(() => '')).trim();
    if (/^\d+$/.test(text)) return Number(text);
  }
  return Infinity;
}

describe('a memory limit given as a share', () => {
  it('is that share of the memory the process may use', async () => {
    const wh = await Warehouse.open({ timezone: 'UTC', memoryLimit: '25%' });
    try {
      const [row] = await wh.all<{ m: string }>("SELECT current_setting('memory_limit') AS m");
      // DuckDB states it to one decimal of its unit ("5.8 GiB").
      const m = /^([\d.]+) (MiB|GiB)$/.exec(row!.m)!;
      const bytes = Number(m[1]) * 2 ** (m[2] === 'GiB' ? 30 : 20);
      const expected = Math.min(totalmem(), await cgroupLimit()) / 4;
      expect(Math.abs(bytes - expected) / expected).toBeLessThan(0.02);
    } finally {
      wh.close();
    }
  });

  it('runs a job whose duckdb.memory_limit is "50%"', async () => {
    const fx = await makeFixture({ 'e.csv': csv('customer_id,event_time,amount', [['a', '2026-01-10T08:00:00Z', '10'], ['b', '2026-01-11T08:00:00Z', '20']]) });
    try {
      await runJob(fx, { inputs: [{ path: 'e.csv' }], duckdb: { memory_limit: '50%' }, matrices: [{ period_type: 'days', period_unit: 'month' }] }, '2026-02-15T00:00:00Z');
      const { report } = await readLatest(fx);
      expect(grid(report.matrices[0]!)['2026-01-01']).toEqual([15, 15]);
    } finally {
      await fx.cleanup();
    }
  });
});
