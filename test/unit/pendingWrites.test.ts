// A run's background writes (pendingWrites.ts): abandoning a run removes its staging directory only after
// every write into it has ended, a failed one included, so no write recreates files in a removed directory.
import { describe, expect, it } from 'vitest';
import { addPendingWrite, settlePendingWrites } from '../../src/report/pendingWrites.js';

const after = (ms: number, what: () => void): Promise<void> => new Promise((resolve) => setTimeout(() => { what(); resolve(); }, ms));

describe('settlePendingWrites', () => {
  it('waits for writes registered while it waits, then throws the first failure', async () => {
    const dir = '/tmp/ltv-pending-test-a';
    const ended: string[] = [];
    addPendingWrite(dir, after(5, () => ended.push('first')).then(() => { throw new Error('ENOSPC: no space left on device, write'); }));
    // A write registered while the failed batch is being waited for (the render stage still going on).
    setTimeout(() => addPendingWrite(dir, after(60, () => ended.push('late'))), 1);
    await expect(settlePendingWrites(dir)).rejects.toThrow('ENOSPC');
    expect(ended).toEqual(['first', 'late']);
  });

  it('settles at once when nothing is pending', async () => {
    await expect(settlePendingWrites('/tmp/ltv-pending-test-b')).resolves.toBeUndefined();
  });
});
