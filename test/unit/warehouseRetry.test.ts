// Warehouse.runOrRetryOnOneThread (openWarehouse.ts): the run's large CREATE OR REPLACE statements, tried
// once more on one DuckDB thread when DuckDB runs out of its memory limit, then with the threads as they
// were. The statements here need memory by the thread count (current_setting('threads')), so that one
// thread fits a 16 MB limit and two do not, whatever the scheduling.
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/config/AppError.js';
import { Warehouse } from '../../src/warehouse/openWarehouse.js';

/** A list of (threads × 3,000,000 − 2,900,000) numbers: 100,000 on one thread, 3.1 million (25 MB) on two. */
const BY_THREADS = "CREATE OR REPLACE TEMP TABLE t AS SELECT list(range) AS l FROM range(CAST(current_setting('threads') AS BIGINT) * 3000000 - 2900000)";
/** 3.1 million numbers on any number of threads. */
const TOO_LARGE = 'CREATE OR REPLACE TEMP TABLE t AS SELECT list(range) AS l FROM range(3100000)';

describe('a statement that runs out of memory', () => {
  const open: Warehouse[] = [];
  afterEach(() => {
    for (const wh of open) wh.close();
    open.length = 0;
  });
  const warehouse = async (threads: number): Promise<{ wh: Warehouse; warnings: { msg: string; sql: string; reason: string }[] }> => {
    const warnings: { msg: string; sql: string; reason: string }[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line) as { msg: string; sql: string; reason: string }) });
    const wh = await Warehouse.open({ timezone: 'UTC', threads, memoryLimit: '16MB', logger });
    open.push(wh);
    return { wh, warnings };
  };
  const threadsOf = async (wh: Warehouse): Promise<number> => Number((await wh.all<{ n: number }>("SELECT CAST(current_setting('threads') AS INTEGER) AS n"))[0]!.n);

  it('runs again on one thread, says so once, and gives the threads back', async () => {
    const { wh, warnings } = await warehouse(2);
    await expect(wh.run(BY_THREADS)).rejects.toThrow(/^DuckDB ran out of the run's memory limit \(16MB\)/);
    await wh.runOrRetryOnOneThread(BY_THREADS);
    expect(await wh.all('SELECT len(l) AS n FROM t')).toEqual([{ n: 100_000n }]);
    expect(await threadsOf(wh)).toBe(2);
    expect(warnings.map((w) => [w.msg, w.sql.slice(0, 40)])).toEqual([['DuckDB ran out of memory: the statement runs again on one thread', 'CREATE OR REPLACE TEMP TABLE t AS SELECT']]);
    expect(warnings[0]!.reason).toMatch(/^failed to allocate data of size/);
  });

  it('fails with the one line it would fail with anyway when one thread runs out too, and gives the threads back', async () => {
    const { wh, warnings } = await warehouse(2);
    const err = await wh.runOrRetryOnOneThread(TOO_LARGE).then(() => null, (e: unknown) => e);
    expect(isAppError(err) && err.code).toBe('CONFIG');
    expect((err as Error).message).toMatch(/^DuckDB ran out of the run's memory limit \(16MB\) \(failed to allocate .*\): raise --memory-limit .*, or give fewer --threads$/);
    expect(warnings).toHaveLength(1);
    expect(await threadsOf(wh)).toBe(2);
    expect(await wh.all("SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name = 't'")).toEqual([{ n: 0 }]);
  });

  it('is not tried again on one thread when it ran on one, nor for another error', async () => {
    const one = await warehouse(1);
    await expect(one.wh.runOrRetryOnOneThread(TOO_LARGE)).rejects.toThrow(/^DuckDB ran out of the run's memory limit/);
    expect(one.warnings).toEqual([]);
    const two = await warehouse(2);
    await expect(two.wh.runOrRetryOnOneThread('CREATE OR REPLACE TEMP TABLE t AS SELECT * FROM missing')).rejects.toThrow(/missing does not exist/);
    expect(two.warnings).toEqual([]);
    expect(await threadsOf(two.wh)).toBe(2);
  });
});
