// Warehouse.fork (openWarehouse.ts): another connection to the same in-memory DuckDB, as the run's second
// matrix lane (computeRun.ts) and the endpoint's lanes (queryRun.ts) use it.
import { afterEach, describe, expect, it } from 'vitest';
import { Warehouse } from '../../src/warehouse/openWarehouse.js';

describe('a forked connection', () => {
  const open: Warehouse[] = [];
  afterEach(() => {
    // Forks first: the instance closes with the warehouse that opened it.
    for (const wh of open.reverse()) wh.close();
    open.length = 0;
  });
  const warehouse = async (): Promise<Warehouse> => {
    const wh = await Warehouse.open({ timezone: 'America/New_York', threads: 1 });
    open.push(wh);
    return wh;
  };

  it('reads the database\'s tables, not the TEMP ones of the connection it came from, in the same time zone', async () => {
    const wh = await warehouse();
    await wh.run('CREATE TABLE shared AS SELECT 1 AS x');
    await wh.run('CREATE TEMP TABLE own AS SELECT 2 AS x');
    const fork = await wh.fork();
    open.push(fork);
    expect(await fork.all('SELECT x FROM shared')).toEqual([{ x: 1 }]);
    await expect(fork.all('SELECT x FROM own')).rejects.toThrow(/own does not exist/);
    // 2026-07-01 00:00 UTC is June 30, 20:00 in New York (EDT): the fork reads the zone of its warehouse.
    const local = "SELECT strftime(CAST(TIMESTAMPTZ '2026-07-01 00:00:00+00' AS TIMESTAMP), '%Y-%m-%d %H:%M') AS t";
    expect(await fork.all(local)).toEqual([{ t: '2026-06-30 20:00' }]);
    expect(await fork.all(local)).toEqual(await wh.all(local));
  });

  it('is cancelled with its warehouse: it refuses every statement after the interrupt, as the warehouse does', async () => {
    const wh = await warehouse();
    const fork = await wh.fork();
    open.push(fork);
    expect(await fork.all('SELECT 42 AS n')).toEqual([{ n: 42 }]);
    wh.interrupt();
    await expect(fork.run('SELECT 1')).rejects.toThrow('the run was cancelled');
    await expect(wh.run('SELECT 1')).rejects.toThrow('the run was cancelled');
    // A connection forked after the interrupt is cancelled from the start.
    const late = await wh.fork();
    open.push(late);
    await expect(late.run('SELECT 1')).rejects.toThrow('the run was cancelled');
  });
});
