// The relations one stage hands to the next are declared once (src/warehouse/tables.ts). The matrix
// statement's inputs have two producers, a run (20_customers.sql, 21_facts.sql) and the endpoint over a
// published run's files (queryRun.ts loadRunTables): both must give exactly the declared columns and types.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { jobFromFlags } from '../../src/config/loadJob.js';
import { computeRun } from '../../src/ltv/computeRun.js';
import { loadRunTables, runDataFiles } from '../../src/ltv/queryRun.js';
import type { Manifest } from '../../src/ltv/runFiles.js';
import { buildRun, openRunWarehouse, startRun } from '../../src/pipeline.js';
import { Warehouse } from '../../src/warehouse/openWarehouse.js';
import { MATRIX_CUSTOMERS, MATRIX_FACTS } from '../../src/warehouse/tables.js';
import { csv, makeFixture, runJob, silentLogger, type Fixture } from '../helpers/runFixture.js';

const AS_OF = '2026-03-16T15:00:00Z';
let fx: Fixture;

beforeAll(async () => {
  fx = await makeFixture({
    'tx.csv': csv('tenant_id,customer_id,event_time,amount,country,renewal_number', [
      ['A', 'a1', '2026-01-05T10:00:00Z', '10.00', 'US', '0'],
      ['A', 'a1', '2026-02-05T10:00:00Z', '10.00', 'US', '1'],
      ['B', 'b1', '2026-02-10T10:00:00Z', '7.00', 'DE', '0'],
    ]),
  });
}, 60_000);
afterAll(() => fx?.cleanup());

async function columnsOf(wh: Warehouse, name: string): Promise<[string, string][]> {
  const rows = await wh.all<{ column_name: string; column_type: string }>(`SELECT column_name, column_type FROM (DESCRIBE ${name})`);
  return rows.map((r) => [r.column_name, r.column_type]);
}

it('a run makes the matrix statement\'s facts and customers as declared, every tenant in one relation', async () => {
  const job = jobFromFlags({ inputs: [{ path: 'tx.csv' }], tenant: 'default' }, fx.dir);
  const run = startRun(job, { logger: silentLogger, asOf: new Date(AS_OF), reportsDir: fx.reportsDir });
  const rw = await openRunWarehouse(job, silentLogger);
  try {
    await computeRun(rw.wh, await buildRun(run, rw), { asOf: run.asOf, matrices: job.matrices, defaultTenant: job.tenant, filesDir: join(fx.dir, 'files') });
    expect(await columnsOf(rw.wh, MATRIX_FACTS.name)).toEqual(MATRIX_FACTS.columns);
    expect(await columnsOf(rw.wh, MATRIX_CUSTOMERS.name)).toEqual(MATRIX_CUSTOMERS.columns);
    expect(await rw.wh.all(`SELECT tenant_id, sum(n)::INTEGER AS n FROM ${MATRIX_CUSTOMERS.name} GROUP BY ALL ORDER BY 1`)).toEqual([{ tenant_id: 'A', n: 1 }, { tenant_id: 'B', n: 1 }]);
  } finally {
    await rw.release();
  }
}, 60_000);

it('the endpoint makes them as declared from a published run\'s files', async () => {
  await runJob(fx, { inputs: [{ path: 'tx.csv' }], tenant: 'default' }, AS_OF);
  const wh = await Warehouse.open({ timezone: 'UTC' });
  try {
    const runDir = join(fx.reportsDir, 'A', 'latest');
    await loadRunTables(wh, await runDataFiles(runDir, JSON.parse(await readFile(join(runDir, 'manifest.json'), 'utf8')) as Manifest));
    expect(await columnsOf(wh, MATRIX_FACTS.name)).toEqual(MATRIX_FACTS.columns);
    expect(await columnsOf(wh, MATRIX_CUSTOMERS.name)).toEqual(MATRIX_CUSTOMERS.columns);
  } finally {
    wh.close();
  }
}, 60_000);
