// Each tenant of one input gets its own quarantine.csv (SPEC §3): the rows of tenants with bad rows, and
// for every other tenant the header alone (computeRun.ts writes it once and copies it). Bad rows between
// clean tenants, so the copies are made before and after a tenant with rows.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csv, makeFixture, runJob, type Fixture } from '../helpers/runFixture.js';

const HEADER = 'file,line,reason,tenant_id,customer_id';

describe('quarantine.csv of several tenants in one input', () => {
  let fx: Fixture;
  const quarantine = (tenant: string): Promise<string> => readFile(join(fx.reportsDir, tenant, 'latest', 'quarantine.csv'), 'utf8');

  beforeAll(async () => {
    fx = await makeFixture({
      'tx.csv': csv('tenant_id,customer_id,event_time,amount', [
        ['A', 'a1', '2026-01-05T10:00:00Z', '10'],
        ['B', 'b1', '2026-01-05T10:00:00Z', 'ten'],
        ['B', 'b2', '2026-01-05T10:00:00Z', '10'],
        ['C', 'c1', '2026-01-06T10:00:00Z', '10'],
        ['D', 'd1', '2026-01-07T10:00:00Z', '12'],
        ['D', 'd2', 'yesterday', '12'],
        ['E', 'e1', '2026-01-08T10:00:00Z', '10'],
        ['F', 'f1', '2026-01-08T10:00:00Z', '10'],
      ]),
    });
    await runJob(fx, { inputs: [{ path: 'tx.csv' }], max_bad_row_share: 0.5, forecast: { model: 'off' }, formats: ['json'] }, '2026-01-10T00:00:00Z');
  }, 120_000);
  afterAll(() => fx?.cleanup());

  it('holds each tenant\'s own bad rows with their lines, and the header alone for the others', async () => {
    const path = join(fx.dir, 'tx.csv');
    const b = (await quarantine('B')).trim().split('\n');
    expect(b[0]).toBe(HEADER);
    expect(b.slice(1).map((l) => l.split(',').slice(0, 2).concat(l.split(',').slice(-2)))).toEqual([[path, '3', 'B', 'b1']]);
    const d = (await quarantine('D')).trim().split('\n');
    expect(d.slice(1).map((l) => [l.split(',')[1], l.split(',').at(-1)])).toEqual([['7', 'd2']]);
    for (const t of ['A', 'C', 'E', 'F']) expect(await quarantine(t), t).toBe(`${HEADER}\n`);
  });
});
