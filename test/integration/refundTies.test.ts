// SPEC §4: "a refund that refers to nothing counts at its own time, with the renewal number of the customer's
// latest payment before it". When several payments share the latest instant, the latest is the last in the
// order payments are sequenced in (time, then transaction_id: the first payment's tie rule, and the order
// renewal numbers are derived in), whatever the order of the file's lines.
import { describe, expect, it } from 'vitest';
import { csv, grid, makeFixture, readLatest, runJob } from '../helpers/runFixture.js';

async function renewalsRow(header: string, rows: string[][]): Promise<number[]> {
  const fx = await makeFixture({ 'e.csv': csv(header, rows) });
  try {
    await runJob(fx, {
      inputs: [{ path: 'e.csv' }], matrices: [{ period_type: 'renewals', period_unit: 'month' }], formats: ['json'], forecast: { model: 'off' },
    }, '2026-02-15T00:00:00Z');
    return grid((await readLatest(fx)).report.matrices[0]!)['2026-01-01']!;
  } finally {
    await fx.cleanup();
  }
}

describe('an unlinked refund after two payments at the same instant', () => {
  it('takes the renewal of the one with the larger transaction_id, in either line order (given renewal numbers)', async () => {
    // a: 10 at renewal 3, b: 20 at renewal 1, both Jan 5 10:00; r: −4 on Jan 20 refers to nothing → renewal of b = 1.
    // Cumulative: p0 0; p1 20 − 4 = 16; p2 16; p3 16 + 10 = 26. (Renewal of a, 3, would give 0, 20, 20, 26.)
    const header = 'customer_id,event_time,amount,transaction_id,renewal_number';
    const a = ['c', '2026-01-05T10:00:00Z', '10', 'a', '3'];
    const b = ['c', '2026-01-05T10:00:00Z', '20', 'b', '1'];
    const r = ['c', '2026-01-20T10:00:00Z', '-4', 'r', ''];
    expect(await renewalsRow(header, [a, b, r])).toEqual([0, 16, 16, 26]);
    expect(await renewalsRow(header, [b, a, r])).toEqual([0, 16, 16, 26]);
  });

  it('takes the renewal of the last one when renewal numbers are derived', async () => {
    // Derived in the order (time, transaction_id): a renewal 0, b renewal 1; r → renewal 1.
    // p0 10; p1 10 + 20 − 4 = 26. (Renewal 0 would give 6, 26.)
    const header = 'customer_id,event_time,amount,transaction_id';
    const a = ['c', '2026-01-05T10:00:00Z', '10', 'a'];
    const b = ['c', '2026-01-05T10:00:00Z', '20', 'b'];
    const r = ['c', '2026-01-20T10:00:00Z', '-4', 'r'];
    expect(await renewalsRow(header, [a, b, r])).toEqual([10, 26]);
    expect(await renewalsRow(header, [b, a, r])).toEqual([10, 26]);
  });
});
