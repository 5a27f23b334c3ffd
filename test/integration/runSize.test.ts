// A small run computes on one DuckDB thread unless the user gave threads (pipeline.ts fitRunToSize).
import { describe, expect, it } from 'vitest';
import { ONE_THREAD_ROWS, fitRunToSize } from '../../src/pipeline.js';
import { Warehouse } from '../../src/warehouse/openWarehouse.js';

async function threadsAfter(given: number | undefined, rows: number, tenants = ['a']): Promise<number> {
  const wh = await Warehouse.open({ timezone: 'UTC', memoryLimit: '256MB', threads: 3 });
  try {
    await fitRunToSize(given, wh, { rows, tenants });
    const [row] = await wh.all<{ n: number }>("SELECT CAST(current_setting('threads') AS INTEGER) AS n");
    return row!.n;
  } finally {
    wh.close();
  }
}

describe('DuckDB threads by the run\'s size', () => {
  it('takes one thread below ONE_THREAD_ROWS rows, one tenant or many', async () => {
    expect(ONE_THREAD_ROWS).toBe(100_000);
    expect(await threadsAfter(undefined, 6000)).toBe(1);
    expect(await threadsAfter(undefined, ONE_THREAD_ROWS - 1, ['a', 'b', 'c'])).toBe(1);
  });

  it('keeps the threads it was opened with from ONE_THREAD_ROWS rows on', async () => {
    expect(await threadsAfter(undefined, ONE_THREAD_ROWS)).toBe(3);
  });

  it('keeps threads the user gave, however small the run', async () => {
    expect(await threadsAfter(3, 10)).toBe(3);
  });
});
