// SPEC §3 database inputs against the real PostgreSQL (127.0.0.1:5432, postgres, trust) and MariaDB
// (127.0.0.1:3306, root, no password) of this machine (.ci/run starts them). Each test works in a database
// of its own, created and dropped by the test. Credentials reach ltv only through an environment variable.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { basename, join, relative } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { isAppError, type AppError } from '../../src/config/AppError.js';
import type { JobInput } from '../../src/config/jobSchema.js';
import { jobFromFlags, loadJob } from '../../src/config/loadJob.js';
import { runPipeline } from '../../src/pipeline.js';
import { grid, makeFixture, readLatest, runJob, silentLogger } from '../helpers/runFixture.js';

const PG_ADMIN = 'postgres://postgres@127.0.0.1:5432/postgres';
const MY_ADMIN = 'mysql://root@127.0.0.1:3306';
const T = '2026-02-15T00:00:00Z';
const MONTHLY = [{ period_type: 'days' as const, period_unit: 'month' as const }];
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A fresh PostgreSQL database with `setup` run in it; dropped after the test. Returns its URL. */
async function pgDatabase(setup: string): Promise<string> {
  const name = `ltv_test_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  cleanups.push(async () => {
    const a = new pg.Client({ connectionString: PG_ADMIN });
    await a.connect();
    await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await a.end();
  });
  const db = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:5432/${name}` });
  await db.connect();
  await db.query(setup);
  await db.end();
  return `postgres://postgres:pw-never-shown-7Q@127.0.0.1:5432/${name}`;
}

/** A fresh MariaDB database with `setup` run in it (several statements); dropped after the test. */
async function mysqlDatabase(setup: string): Promise<string> {
  const name = `ltv_test_${randomBytes(5).toString('hex')}`;
  const admin = await mysql.createConnection({ uri: MY_ADMIN, multipleStatements: true });
  await admin.query(`CREATE DATABASE ${name}; USE ${name}; ${setup}`);
  await admin.end();
  cleanups.push(async () => {
    const a = await mysql.createConnection(MY_ADMIN);
    await a.query(`DROP DATABASE IF EXISTS ${name}`);
    await a.end();
  });
  return `mysql://root@127.0.0.1:3306/${name}`;
}

/** Sets an environment variable for the test only. */
function setEnv(name: string, value: string): string {
  process.env[name] = value;
  cleanups.push(async () => {
    delete process.env[name];
  });
  return name;
}

async function run(inputs: JobInput['inputs'], extra: Partial<JobInput> = {}) {
  const fx = await makeFixture({});
  cleanups.push(() => fx.cleanup());
  const result = await runJob(fx, { inputs, matrices: MONTHLY, formats: ['json'], max_bad_row_share: 0.5, ...extra }, T);
  const { report, dir } = await readLatest(fx);
  const quarantine = (await readFile(`${dir}/quarantine.csv`, 'utf8')).trim().split('\n').slice(1);
  return { result, report, quarantine };
}

async function runError(inputs: JobInput['inputs']): Promise<string> {
  const fx = await makeFixture({});
  cleanups.push(() => fx.cleanup());
  const e = await runJob(fx, { inputs, matrices: MONTHLY, formats: ['json'] }, T).then(() => undefined, (err: unknown) => err);
  expect(isAppError(e)).toBe(true);
  return (e as Error).message;
}

// Three customers in January, T = Feb 15: p0 (10 + 20 + 30) / 3 = 20; a pays 6 more on Feb 12 → p1 22.
// Result row 3 has no customer: quarantined as row 3 of the result.
const ORDERS = `
  (1, 'a', '2026-01-10 08:00:00+00', 10.00, 'USD'),
  (2, 'b', '2026-01-11 08:00:00+00', 20.00, 'USD'),
  (3, NULL, '2026-01-11 09:00:00+00', 5.00, 'USD'),
  (4, 'c, "the third"', '2026-01-12 08:00:00+00', 30.00, 'USD'),
  (5, 'a', '2026-02-12 08:00:00+00', 6.00, 'USD')`;
const EXPECTED = { Total: [20, 22], '2026-01-01': [20, 22] };

describe('PostgreSQL inputs', () => {
  it('streams a query into the run: mapping, quarantine by result row number, quoted text, timestamptz', async () => {
    const url = await pgDatabase(`
      CREATE TABLE orders (id int, buyer text, paid_at timestamptz, total numeric(12, 2), cur char(3));
      INSERT INTO orders VALUES ${ORDERS};`);
    const env = setEnv('LTV_TEST_PG_ORDERS', url);
    const { result, report, quarantine } = await run([{
      query: 'SELECT id::text AS transaction_id, buyer, paid_at, total, cur AS currency FROM orders ORDER BY id;',
      connection: `env:${env}`,
      map: { customer_id: 'buyer', event_time: 'paid_at', amount: 'total' },
    }]);
    expect(grid(report.matrices[0]!)).toEqual(EXPECTED);
    expect([result.stats.rows_read, result.stats.rows_quarantined]).toEqual([5, 1]);
    // The input is named by job, index and masked URL; the line is the result's row number.
    expect(quarantine).toEqual([expect.stringMatching(/^"?command line: inputs\[0\] \(PostgreSQL query on postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:5432\/ltv_test_\w+\)"?,3,customer_id is missing: give the row its customer \(or map the column that holds it\),default,$/)]);
    expect(JSON.stringify(report)).not.toContain('pw-never-shown');
  });

  it('PostgreSQL computes the query\'s dates in the report time zone (in UTC, paid_at::date put a payment at 00:30 Berlin time on Feb 1 in January)', async () => {
    // A database whose own zone is Europe/Berlin; the report's is America/New_York, where 2026-02-01 04:30 UTC is
    // still Jan 31 (23:30) and 2026-02-01 00:30 Berlin time (Jan 31 23:30 UTC) is Jan 31 too.
    const url = await pgDatabase(`
      CREATE TABLE pay (id text, cust text, paid_at timestamptz, amount numeric(10, 2));
      INSERT INTO pay VALUES ('p1', 'c1', '2026-01-31 23:30:00+00', 10), ('p2', 'c2', '2026-02-01 04:30:00+00', 20), ('p3', 'c3', '2026-02-01 06:00:00+00', 40);`);
    await (async () => {
      const admin = new pg.Client({ connectionString: PG_ADMIN });
      await admin.connect();
      await admin.query(`ALTER DATABASE ${url.split('/').pop()!} SET timezone = 'Europe/Berlin'`);
      await admin.end();
    })();
    setEnv('LTV_TEST_PG_ZONE', url);
    const query = 'SELECT id AS transaction_id, cust AS customer_id, paid_at::date AS event_time, amount FROM pay';
    // New York: c1 and c2 paid on Jan 31 there (10 + 20 over 2), c3 on Feb 1 (40).
    const ny = await run([{ query, connection: 'env:LTV_TEST_PG_ZONE' }], { timezone: 'America/New_York' });
    expect(grid(ny.report.matrices[0]!)['2026-01-01']![0]).toBe(15);
    expect(grid(ny.report.matrices[0]!)['2026-02-01']![0]).toBe(40);
    // Berlin: c1 paid at 00:30 on Feb 1 there, with c2 and c3: one February cohort of (10 + 20 + 40) / 3.
    const berlin = await run([{ query, connection: 'env:LTV_TEST_PG_ZONE' }], { timezone: 'Europe/Berlin' });
    expect(Object.keys(grid(berlin.report.matrices[0]!))).toEqual(['Total', '2026-02-01']);
    expect(grid(berlin.report.matrices[0]!)['2026-02-01']![0]).toBe(23.33);
  });

  it('names a query input in what it publishes by the job file\'s absolute path, however the path was given', async () => {
    // `ltv run jobs/x.json` named it "jobs/x.json: inputs[0] (…)", the worker (an absolute path) otherwise:
    // a sharded run's ltv.json and quarantine.csv differed from the same run in one process (SPEC §12).
    const url = await pgDatabase(`
      CREATE TABLE orders (id int, buyer text, paid_at timestamptz, total numeric(12, 2), cur char(3));
      INSERT INTO orders VALUES ${ORDERS};`);
    const env = setEnv('LTV_TEST_PG_NAMED', url);
    const fx = await makeFixture({
      'q.json': JSON.stringify({
        inputs: [{ query: 'SELECT id::text AS transaction_id, buyer, paid_at, total, cur AS currency FROM orders ORDER BY id', connection: `env:${env}`, map: { customer_id: 'buyer', event_time: 'paid_at', amount: 'total' } }],
        matrices: MONTHLY, formats: ['json'], max_bad_row_share: 0.5, forecast: { model: 'off' },
      }),
    });
    cleanups.push(() => fx.cleanup());
    const abs = join(fx.dir, 'q.json');
    const names: string[][] = [];
    for (const [given, out] of [[relative(process.cwd(), abs), 'relative'], [abs, 'absolute']] as const) {
      expect(given.startsWith('/')).toBe(out === 'absolute');
      await runPipeline(await loadJob(given), { logger: silentLogger, asOf: new Date(T), reportsDir: join(fx.dir, out) });
      const dir = join(fx.dir, out, 'default', 'latest');
      const report = JSON.parse(await readFile(join(dir, 'ltv.json'), 'utf8')) as { inputs: { path: string }[] };
      const quarantined = (await readFile(join(dir, 'quarantine.csv'), 'utf8')).trim().split('\n').slice(1);
      names.push([report.inputs[0]!.path, ...quarantined]);
    }
    const name = `${abs}: inputs[0] (PostgreSQL query on ${url.replace(':pw-never-shown-7Q@', ':***@')})`;
    expect(names).toEqual([[name, `${name},3,customer_id is missing: give the row its customer (or map the column that holds it),default,`], [name, `${name},3,customer_id is missing: give the row its customer (or map the column that holds it),default,`]]);
  });

  it('applies a preset to a query as to a file (stripe, API shape: Unix times, minor units)', async () => {
    const url = await pgDatabase(`
      CREATE TABLE charges (id text, created bigint, amount bigint, amount_refunded bigint, currency text, customer text, status text, captured boolean, livemode boolean);
      INSERT INTO charges VALUES
        ('ch_1', 1768032000, 1000, 0, 'usd', 'cus_a', 'succeeded', true, true),
        ('ch_2', 1768118400, 2000, 500, 'usd', 'cus_b', 'succeeded', true, true),
        ('ch_3', 1768204800, 900, 0, 'usd', 'cus_c', 'failed', false, true),
        ('ch_4', 1768204800, 50000, 0, 'usd', 'cus_test', 'succeeded', true, false),
        ('ch_5', 1768204800, 700, 0, 'eur', 'cus_e', 'failed', false, true);`);
    const env = setEnv('LTV_TEST_PG_CHARGES', url);
    const { result, report, quarantine } = await run([{ query: 'SELECT * FROM charges ORDER BY id', connection: `env:${env}`, preset: 'stripe' }]);
    // 2026-01-10/11/12 UTC: cus_a 10.00, cus_b 20.00 − 5.00 refunded (linked), cus_c failed (no cohort):
    // January p0 = (10 + 15) / 2 = 12.50 (the Feb 10 boundary: p1 shown, nothing more) → [12.5, 12.5].
    // ch_4 is test mode: PostgreSQL sends livemode false as "f", which counted it as a live 500.00 payment.
    // ch_5, failed in EUR without a rates file, carries no money: read with amount 0, not quarantined for a rate.
    expect(grid(report.matrices[0]!)).toEqual({ Total: [12.5, 12.5], '2026-01-01': [12.5, 12.5] });
    expect([result.stats.rows_read, result.stats.sandbox_rows, result.stats.zero_amount_rows, quarantine]).toEqual([6, 1, 2, []]);
  });

  it('reads a money column as its number (COPY writes "$1,234.56", which quarantined every row)', async () => {
    const url = await pgDatabase(`
      CREATE TABLE orders (id int, buyer text, paid_at timestamptz, total money);
      INSERT INTO orders VALUES (1, 'a', '2026-01-10 08:00:00+00', '1234.56'), (2, 'b', '2026-01-11 08:00:00+00', '20.44'),
        (3, 'a', '2026-01-12 08:00:00+00', '-4.56'), (4, 'b', '2026-02-12 08:00:00+00', '10');`);
    const env = setEnv('LTV_TEST_PG_MONEY', url);
    const { result, report, quarantine } = await run([{
      query: 'SELECT buyer AS customer_id, paid_at AS "event_time", total AS amount, total AS "say ""cheese""" FROM orders ORDER BY id',
      connection: `env:${env}`,
    }]);
    // a 1234.56 − 4.56 (a refund of nothing, in January) = 1230, b 20.44: p0 (1230 + 20.44) / 2 = 625.22; b's 10
    // on Feb 12 (p1) → 630.22. The extra money column, with a quote in its name, is a dimension left aside.
    expect([result.stats.rows_read, result.stats.rows_quarantined, quarantine]).toEqual([4, 0, []]);
    expect(grid(report.matrices[0]!)).toEqual({ Total: [625.22, 630.22], '2026-01-01': [625.22, 630.22] });
  });

  it('casts a money column named once even where another name is there twice (a duplicate anywhere left every money column as "$1.23")', async () => {
    const url = await pgDatabase(`
      CREATE TABLE ty (buyer text, paid_at timestamptz, amt_money money, amt_num numeric);
      INSERT INTO ty VALUES ('a', '2026-01-10 08:00:00+00', '1234.56', 1), ('b', '2026-01-11 08:00:00+00', '1.24', 2), ('a', '2026-02-12 08:00:00+00', '10', 3);`);
    setEnv('LTV_TEST_PG_MONEY_DUP', url);
    // x twice (not read: left as it is); amount once: cast to numeric, so no row is bad.
    const { result, report, quarantine } = await run([{
      query: 'SELECT buyer AS customer_id, paid_at AS event_time, amt_money AS amount, amt_num AS x, amt_num AS x FROM ty',
      connection: 'env:LTV_TEST_PG_MONEY_DUP',
    }]);
    // a 1234.56, b 1.24: p0 (1234.56 + 1.24) / 2 = 617.90; a's 10 on Feb 12 (p1) → 622.90.
    expect([result.stats.rows_read, result.stats.rows_quarantined, quarantine]).toEqual([3, 0, []]);
    expect(grid(report.matrices[0]!)).toEqual({ Total: [617.9, 622.9], '2026-01-01': [617.9, 622.9] });
  });

  it('a server message with a line break is said whole on one line, the break escaped (it was cut at the first line: "1 with no closing quote)', async () => {
    setEnv('LTV_TEST_PG_BREAK', await pgDatabase('SELECT 1'));
    const pgBreak = await runError([{ query: "SELECT 'a' AS customer_id, '2026-01-01' AS event_time, E'1\\n2'::int AS amount", connection: 'env:LTV_TEST_PG_BREAK' }]);
    expect(pgBreak).toMatch(/\): the query failed: invalid input syntax for type integer: "1\\n2" \(22P02\)$/);
    // MariaDB quotes the query's text after the error, line breaks and all.
    setEnv('LTV_TEST_MY_BREAK', await mysqlDatabase('SELECT 1'));
    const myBreak = await runError([{ query: 'SELECT 1 AS a,,\n2 AS b', connection: 'env:LTV_TEST_MY_BREAK' }]);
    expect(myBreak).toMatch(/\): the query failed: You have an error in your SQL syntax; .* near '\\n2 AS b' at line 1 \(ER_PARSE_ERROR\)$/);
  });

  it('fails with one line naming the input and the server\'s message, never the password', async () => {
    const url = await pgDatabase('CREATE TABLE t (x int);');
    setEnv('LTV_TEST_PG_BAD', url);
    const badQuery = await runError([{ query: 'SELECT * FROM no_such_table', connection: 'env:LTV_TEST_PG_BAD' }]);
    expect(badQuery).toMatch(/^command line: inputs\[0\] \(PostgreSQL query on postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:5432\/ltv_test_\w+\): the query failed: relation "no_such_table" does not exist \(42P01\)$/);

    setEnv('LTV_TEST_PG_ROLE', url.replace('postgres:pw-never-shown-7Q@', 'nobody_ltv:pw-never-shown-7Q@'));
    const auth = await runError([{ query: 'SELECT 1', connection: 'env:LTV_TEST_PG_ROLE' }]);
    expect(auth).toMatch(/authentication failed: role "nobody_ltv" does not exist$/);

    const port = await closedPort();
    setEnv('LTV_TEST_PG_DOWN', `postgres://postgres:pw-never-shown-7Q@127.0.0.1:${port}/x`);
    const refused = await runError([{ query: 'SELECT 1', connection: 'env:LTV_TEST_PG_DOWN' }]);
    expect(refused).toBe(`command line: inputs[0] (PostgreSQL query on postgres://postgres:***@127.0.0.1:${port}/x): cannot connect to PostgreSQL: connection refused (is the server running and reachable?)`);

    const missing = await runError([{ query: 'SELECT 1', connection: 'env:LTV_TEST_PG_NOT_SET' }]);
    expect(missing).toBe('command line: inputs[0].connection: the environment variable LTV_TEST_PG_NOT_SET is not set; it must hold the database URL (postgres://user:password@host:5432/db or mysql://…)');

    // A lone "%" in the password (unencoded): it was "internal error: URI malformed", exit 70.
    setEnv('LTV_TEST_PG_PERCENT', 'postgres://postgres:pw-never-shown-7Q%zz@127.0.0.1:5432/x');
    const percent = await runError([{ query: 'SELECT 1', connection: 'env:LTV_TEST_PG_PERCENT' }]);
    expect(percent).toBe('command line: inputs[0].connection: the URL in LTV_TEST_PG_PERCENT has a "%" in its user or password that is not followed by two hex digits; percent-encode special characters there (% as %25, @ as %40, : as %3A, / as %2F, # as %23)');

    // A CA file the URL names that is not there: it was "the query failed: ENOENT …", an INPUT error.
    setEnv('LTV_TEST_PG_CA', `${url}?sslmode=verify-full&sslrootcert=/nonexistent/ltv-ca.pem`);
    const ca = await runError([{ query: 'SELECT 1', connection: 'env:LTV_TEST_PG_CA' }]);
    expect(ca).toMatch(/^command line: inputs\[0\] \(PostgreSQL query on postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:5432\/ltv_test_\w+\): a file the URL names \(sslrootcert, sslcert or sslkey\) cannot be read: ENOENT: no such file or directory, open '\/nonexistent\/ltv-ca\.pem'$/);

    // sslmode=require of a server without TLS: one line, and no ten-line SECURITY WARNING from
    // node-postgres on the terminal (it takes require as verify-full, README says so).
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on('warning', onWarning);
    setEnv('LTV_TEST_PG_REQUIRE', `${url}?sslmode=require`);
    const required = await runError([{ query: 'SELECT 1', connection: 'env:LTV_TEST_PG_REQUIRE' }]).finally(() => process.off('warning', onWarning));
    expect(required).toMatch(/^command line: inputs\[0\] \(PostgreSQL query on postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:5432\/ltv_test_\w+\): TLS: The server does not support SSL connections \(see "ssl" in the job file or the URL's sslmode\)$/);
    expect(warnings.map((w) => w.message)).toEqual([]);

    // A "/" in the password ends the URL's host early (host "postgres", port 9911, path "/pw…@127.0.0.1…"),
    // and with no password to mask, the message showed it: "cannot connect: host not found".
    setEnv('LTV_TEST_PG_SLASH', 'postgres://postgres:9911/pw-never-shown-7Q@127.0.0.1:5432/x');
    const slash = await runError([{ query: 'SELECT 1', connection: 'env:LTV_TEST_PG_SLASH' }]);
    expect(slash).toBe('command line: inputs[0].connection: the URL in LTV_TEST_PG_SLASH has an "@" after its host: a "/", "?" or "#" in the password ends the host part early; percent-encode them in the user and password (/ as %2F, ? as %3F, # as %23, @ as %40)');

    for (const m of [badQuery, auth, refused, percent, ca, required, slash]) expect(m).not.toContain('pw-never-shown');
  });

  it('runs one statement only: a query that closes COPY\'s parenthesis to run statements of its own is refused and writes nothing', async () => {
    const url = await pgDatabase('CREATE TABLE t (x int); INSERT INTO t VALUES (1);');
    setEnv('LTV_TEST_PG_ONE', url);
    const check = new pg.Client({ connectionString: url.replace(':pw-never-shown-7Q', '') });
    await check.connect();
    cleanups.push(() => check.end());
    const tables = async (): Promise<string[]> =>
      (await check.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).rows.map((r) => r.t);
    // Run through COPY's simple query protocol as it stood, this ended the READ ONLY transaction and created
    // a table (and crashed ltv with a stack trace from pg's COPY handling).
    const escape = "SELECT 'c1' AS customer_id, '2026-01-05T10:00:00Z' AS event_time, 10 AS amount) TO STDOUT; COMMIT; CREATE TABLE written_by_ltv (x int); COPY (SELECT 1";
    const escaped = await runError([{ query: escape, connection: 'env:LTV_TEST_PG_ONE' }]);
    expect(escaped).toMatch(/^command line: inputs\[0\] \(PostgreSQL query on postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:5432\/ltv_test_\w+\): the query failed: [^\n]+ \(42601\)$/);
    expect(await tables()).toEqual(['t']);
    // The same, valid as statements of their own after the check's wrapper: said as what it is.
    const twice = "SELECT 1) AS x; COMMIT; CREATE TABLE written_by_ltv (x int); SELECT * FROM (SELECT 1";
    const refused = await runError([{ query: twice, connection: 'env:LTV_TEST_PG_ONE' }]);
    expect(refused).toMatch(/^command line: inputs\[0\] \(PostgreSQL query on postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:5432\/ltv_test_\w+\): the query is more than one statement \(a ";" between two\): give one SELECT \(a WITH … SELECT, VALUES or TABLE is fine\); ltv runs it read-only and runs nothing else$/);
    const plain = await runError([{ query: 'SELECT 1 AS customer_id; DELETE FROM t', connection: 'env:LTV_TEST_PG_ONE' }]);
    expect(plain).toMatch(/the query is more than one statement/);
    expect(await tables()).toEqual(['t']);
    expect((await check.query('SELECT count(*)::int AS n FROM t')).rows[0]).toEqual({ n: 1 });
    // One statement, with a ";" in a text, a comment on its last line and a trailing ";", is read as before.
    const { report } = await run([{ query: "SELECT 'a;b' AS customer_id, TIMESTAMPTZ '2026-01-10 08:00+00' AS event_time, 10.00 AS amount -- one order\n;", connection: 'env:LTV_TEST_PG_ONE' }]);
    expect(grid(report.matrices[0]!)).toEqual({ Total: [10, 10], '2026-01-01': [10, 10] });
    // So is one whose ";" has comments after it (refused as two statements before), and one whose ";" is in
    // a comment at its end.
    for (const tail of ['; -- all rows', ';\n/* orders */ -- done\n', ' -- a; b']) {
      const after = await run([{ query: `SELECT 'a' AS customer_id, TIMESTAMPTZ '2026-01-10 08:00+00' AS event_time, 10.00 AS amount${tail}`, connection: 'env:LTV_TEST_PG_ONE' }]);
      expect(grid(after.report.matrices[0]!)).toEqual({ Total: [10, 10], '2026-01-01': [10, 10] });
    }
    // A parameter has no value: one line, not retried (it was "the connection to PostgreSQL was lost", transient).
    const fx = await makeFixture({});
    cleanups.push(() => fx.cleanup());
    const param = await runJob(fx, { inputs: [{ query: "SELECT 'a' AS customer_id, now() AS event_time, $1::numeric AS amount", connection: 'env:LTV_TEST_PG_ONE' }], matrices: MONTHLY, formats: ['json'] }, T)
      .then(() => undefined, (err: unknown) => err as AppError);
    expect([param?.code, param?.retryable, param?.message.replace(/\(PostgreSQL query on [^)]*\)/, '(…)')]).toEqual([
      'INPUT', false, 'command line: inputs[0] (…): the query has a parameter ($1, $2, …), and ltv passes none: write the values into the query',
    ]);

    // MariaDB: the same words (it was the server's raw ER_PARSE_ERROR), and a query with its own syntax error
    // after a ";" in a text keeps the server's words; a missing column is named in the query's terms.
    const myUrl = await mysqlDatabase('SELECT 1');
    setEnv('LTV_TEST_MY_ONE', myUrl);
    const myTwice = await runError([{ query: 'SELECT 1 AS customer_id; SELECT 2', connection: 'env:LTV_TEST_MY_ONE' }]);
    expect(myTwice).toMatch(/^command line: inputs\[0\] \(MySQL query on mysql:\/\/root@127\.0\.0\.1:3306\/ltv_test_\w+\): the query is more than one statement \(a ";" between two\)/);
    const mySyntax = await runError([{ query: "SELECT 'a;b' AS customer_id FROM WHERE", connection: 'env:LTV_TEST_MY_ONE' }]);
    expect(mySyntax).toMatch(/: the query failed: You have an error in your SQL syntax/);
    const noTime = await runError([{ query: "SELECT 'a' AS customer_id, 1 AS amount", connection: 'env:LTV_TEST_MY_ONE' }]);
    expect(noTime).toMatch(/: no column for the required "event_time" \(the query's result has: customer_id, amount\); name one in the query \(… AS event_time\) or map one with "map" in the job file$/);
  });
});

// withoutLastSemicolon took the last ";" of the text for the query's end when only white space and comments
// seemed to follow it: a ";" in a literal followed by "--" cut the query there.
describe('a ";" or comment mark inside a literal, identifier or comment is text', () => {
  it('PostgreSQL: a ";" followed by "--" inside a literal is no end of the query ("unterminated quoted string")', async () => {
    const url = await pgDatabase(`
      CREATE TABLE o (id int, cust text, t timestamptz, a numeric(12, 2));
      INSERT INTO o VALUES (1, 'a', '2026-01-10 08:00+00', 10), (2, 'b', '2026-01-11 08:00+00', 20);`);
    setEnv('LTV_TEST_PG_LITERAL', url);
    // a 10 and b 20 in January, whatever their ids end with: p0 (10 + 20) / 2 = 15.
    for (const [suffix, end] of [["'; --'", ''], ["E'\\'; --'", ''], ['$$; --$$', ';'], ['$x$; -- $$ $x$', '; -- all rows']]) {
      const query = `SELECT id AS transaction_id, cust || ${suffix} AS customer_id, t AS event_time, a AS amount FROM o${end}`;
      const { report } = await run([{ query, connection: 'env:LTV_TEST_PG_LITERAL' }]);
      expect(grid(report.matrices[0]!), query).toEqual({ Total: [15, 15], '2026-01-01': [15, 15] });
    }
  });

  it('MariaDB: the same, with backslash escapes, "#" comments and a ";" in a quoted identifier', async () => {
    const url = await mysqlDatabase(`
      CREATE TABLE o (id INT, cust VARCHAR(10), t DATETIME, a DECIMAL(12, 2));
      INSERT INTO o VALUES (1, 'a', '2026-01-10 08:00:00', 10), (2, 'b', '2026-01-11 08:00:00', 20);`);
    setEnv('LTV_TEST_MY_LITERAL', url);
    for (const [suffix, end] of [["'\\'; --'", ''], ['"; # \\""', ' # all rows'], ["'; --'", '; -- all rows']]) {
      const query = `SELECT id AS \`tx; --\`, CONCAT(cust, ${suffix}) AS customer_id, t AS event_time, a AS amount FROM o${end}`;
      const { report } = await run([{ query, connection: 'env:LTV_TEST_MY_LITERAL', map: { transaction_id: 'tx; --' } }]);
      expect(grid(report.matrices[0]!), query).toEqual({ Total: [15, 15], '2026-01-01': [15, 15] });
    }
  });

  it('MariaDB: a binary column is its text when its bytes are UTF-8, and a bad row when not (BLOB ids were merged through U+FFFD, VARBINARY read as Latin-1)', async () => {
    const url = await mysqlDatabase(`
      CREATE TABLE bin (id BLOB, cust VARBINARY(16), prod VARBINARY(32), amt DECIMAL(10, 2), dt DATETIME, note BLOB);
      INSERT INTO bin VALUES (x'7478ff', 'c1', 'Café', 10, '2026-01-10 10:00:00', NULL), (x'7478fe', 'c2', 'Café', 20, '2026-01-11 10:00:00', NULL),
        ('t3', 'c3', 'Café', 30, '2026-01-12 10:00:00', x'ff00fe'), ('t4', x'63ff', 'Caf €', 40, '2026-02-12 10:00:00', NULL),
        ('t5', 'c5', x'43616620e282ac', 50, '2026-02-13 10:00:00', NULL);`);
    setEnv('LTV_TEST_MY_BIN', url);
    const { result, report, quarantine } = await run([{ query: 'SELECT id AS transaction_id, cust AS customer_id, dt AS event_time, amt AS amount, prod AS product_id, note FROM bin', connection: 'env:LTV_TEST_MY_BIN' }],
      { max_bad_row_share: 0.9, matrices: [...MONTHLY, { period_type: 'days', period_unit: 'month', segmentation: 'product' }] });
    // Rows 1 and 2 (ids tx\xff and tx\xfe) and 4 (customer c\xff) are bad rows; note, which the job does not
    // read, costs row 3 nothing. c3 30.00 in January, c5 50.00 in February, both products "Café" and "Caf €" as stored.
    // Each reason names the column; rows 1 and 2 keep their customers (row 4's customer is the bad value).
    const why = (column: string): string => `column ""${column}"" is bytes that are not UTF-8 text (a binary column): select it as text in the query (CONVERT(… USING utf8mb4), or HEX(…) for an id)`;
    expect([result.stats.rows_read, result.stats.rows_quarantined, result.stats.transactions, report.summary.customers]).toEqual([5, 3, 2, 2]);
    expect(quarantine.map((l) => l.replace(/^.*?\)"?,/, ''))).toEqual([
      `1,"${why('transaction_id')}",default,c1`, `2,"${why('transaction_id')}",default,c2`, `4,"${why('customer_id')}",default,`,
    ]);
    expect(grid(report.matrices[0]!)).toEqual({ Total: [40, 30], '2026-01-01': [30, 30], '2026-02-01': [50] });
    expect(report.matrices[1]!.rows.filter((r) => r.type !== 'total').map((r) => r.title).sort()).toEqual(['Caf €', 'Café']);
  });

  it('a result row longer than the longest record is a bad row saying what to select (it said "line longer than 1048576 bytes")', async () => {
    const url = await pgDatabase('SELECT 1');
    setEnv('LTV_TEST_PG_LONG', url);
    const { quarantine, report } = await run([{ query: "SELECT 't' || i AS transaction_id, 'c' || i AS customer_id, TIMESTAMPTZ '2026-01-10 10:00:00+00' AS event_time, 10 AS amount, CASE WHEN i = 2 THEN repeat('x', 1100000) END AS note FROM generate_series(1, 3) i", connection: 'env:LTV_TEST_PG_LONG' }],
      { max_bad_row_share: 0.5 });
    expect(report.summary.customers).toBe(2);
    expect(quarantine).toEqual([expect.stringMatching(/,2,"row longer than 1048576 bytes: leave the long column out of the query, or select a part of it",default,$/)]);
  });

  it('MariaDB: a JSON column is its text (parsed, every object was one customer "[object Object]")', async () => {
    const url = await mysqlDatabase(`
      CREATE TABLE c2 (id VARCHAR(5), cj JSON, amt DECIMAL(10, 2), dt DATETIME, aj JSON);
      INSERT INTO c2 VALUES ('t1', '{"user":1}', 10, '2026-01-10 10:00:00', '10'), ('t2', '{"user":2}', 20, '2026-02-10 10:00:00', '20'),
        ('t3', '[7, 8]', 1, '2026-02-11 10:00:00', '[1]');`);
    setEnv('LTV_TEST_MY_JSON', url);
    const { result, report, quarantine } = await run([{ query: 'SELECT id AS transaction_id, cj AS customer_id, dt AS event_time, amt AS amount FROM c2', connection: 'env:LTV_TEST_MY_JSON' }]);
    // Three customers: 10 in January; 20 and 1 in February (its cohort: (20 + 1) / 2 = 10.5).
    expect([result.stats.transactions, report.summary.customers, quarantine]).toEqual([3, 3, []]);
    expect(grid(report.matrices[0]!)['2026-01-01']![0]).toBe(10);
    expect(grid(report.matrices[0]!)['2026-02-01']![0]).toBe(10.5);
    // JSON [1] as an amount is no number: a bad row quoting it as the server wrote it.
    const amounts = await run([{ query: 'SELECT id AS transaction_id, id AS customer_id, dt AS event_time, aj AS amount FROM c2', connection: 'env:LTV_TEST_MY_JSON' }], { max_bad_row_share: 0.5 });
    expect(amounts.quarantine).toEqual([expect.stringMatching(/,3,"amount is not a decimal number \(digits, a dot, at most 4 decimals; no separators or exponent\): ""\[1\]""",default,t3$/)]);
  });
});

// A query input is parsed inside parentheses before it runs (PostgreSQL: planned as a subquery, then run
// inside COPY; MySQL: prepared inside EXISTS, then run as given): only a query that returns rows parses
// there. Run as given on MySQL, DDL committed itself out of the READ ONLY transaction (the tables were
// dropped, emptied or created) and INTO OUTFILE wrote a file on the server, before ltv failed with
// "Cannot read properties of undefined".
describe('a query input is one SELECT that returns rows, and nothing else runs', () => {
  const notASelect = (why: string): string =>
    `the query must be one SELECT that returns rows (a WITH … SELECT, VALUES or TABLE is fine), and this one ${why}: ltv reads rows and runs nothing else`;
  const INTO = 'has INTO (SELECT … INTO puts the rows into variables, a file or a table)';

  it('MariaDB: DROP, TRUNCATE, CREATE … AS SELECT, INTO OUTFILE/DUMPFILE/variables and DO are refused in one line, and change nothing', async () => {
    const url = await mysqlDatabase('CREATE TABLE victim (x INT); INSERT INTO victim VALUES (1), (2); CREATE TABLE t3 (x INT); INSERT INTO t3 VALUES (3);');
    const name = url.split('/').pop()!;
    setEnv('LTV_TEST_MY_WRITES', url);
    const outfile = `/tmp/ltv-test-outfile-${randomBytes(5).toString('hex')}`;
    const refusals: [string, string][] = [
      ['DROP TABLE victim', 'starts with DROP'],
      ['TRUNCATE TABLE t3', 'starts with TRUNCATE'],
      ['CREATE TABLE pwned2 AS SELECT 1 AS a', 'starts with CREATE'],
      [`SELECT 'a' AS customer_id, NOW() AS event_time, 1 AS amount INTO OUTFILE '${outfile}'`, INTO],
      [`SELECT x INTO DUMPFILE '${outfile}' FROM victim LIMIT 1`, INTO],
      ['SELECT 1, 2 INTO @a, @b', INTO],
      ['DO SLEEP(0)', 'starts with DO'],
      ['(DROP TABLE victim)', 'starts with DROP'],
    ];
    for (const [query, why] of refusals) {
      expect(await runError([{ query, connection: 'env:LTV_TEST_MY_WRITES' }]), query).toBe(`command line: inputs[0] (MySQL query on mysql://root@127.0.0.1:3306/${name}): ${notASelect(why)}`);
    }
    const admin = await mysql.createConnection(`${MY_ADMIN}/${name}`);
    try {
      const [tables] = await admin.query<mysql.RowDataPacket[]>('SHOW TABLES');
      expect(tables.map((t) => Object.values(t)[0])).toEqual(['t3', 'victim']);
      const [rows] = await admin.query<mysql.RowDataPacket[]>('SELECT (SELECT count(*) FROM victim) AS victim, (SELECT count(*) FROM t3) AS t3');
      expect(rows[0]).toEqual({ victim: 2, t3: 1 });
      // Asked of the server: it may see another /tmp than this process.
      const [file] = await admin.query<mysql.RowDataPacket[]>('SELECT LOAD_FILE(?) AS f', [outfile]);
      expect(file[0]!.f).toBeNull();
    } finally {
      await admin.end();
    }
  });

  it('PostgreSQL: DDL, COPY … TO a file, SELECT … INTO, a data-modifying WITH and DO are refused in one line, and change nothing', async () => {
    const url = await pgDatabase('CREATE TABLE victim (x int); INSERT INTO victim VALUES (1), (2);');
    const name = url.split('/').pop()!;
    setEnv('LTV_TEST_PG_WRITES', url);
    // COPY … TO a file is allowed in a READ ONLY transaction: only the parser keeps it from running.
    const outfile = `/tmp/ltv-test-copy-${randomBytes(5).toString('hex')}`;
    const refusals: [string, string][] = [
      ['DROP TABLE victim', 'starts with DROP'],
      ['TRUNCATE victim', 'starts with TRUNCATE'],
      ['CREATE TABLE pwned2 AS SELECT 1 AS a', 'starts with CREATE'],
      [`COPY (SELECT 1) TO '${outfile}'`, 'starts with COPY'],
      ['SELECT x INTO pwned3 FROM victim', INTO],
      ['WITH d AS (DELETE FROM victim RETURNING x) SELECT * FROM d', 'changes data in its WITH'],
      ['DO $$BEGIN DROP TABLE victim; END$$', 'starts with DO'],
    ];
    for (const [query, why] of refusals) {
      expect(await runError([{ query, connection: 'env:LTV_TEST_PG_WRITES' }]), query).toBe(`command line: inputs[0] (PostgreSQL query on postgres://postgres:***@127.0.0.1:5432/${name}): ${notASelect(why)}`);
    }
    const check = new pg.Client({ connectionString: url.replace(':pw-never-shown-7Q', '') });
    await check.connect();
    try {
      const { rows } = await check.query("SELECT (SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public') AS tables, (SELECT count(*)::int FROM victim) AS victim, pg_stat_file($1, true) IS NULL AS no_file", [outfile]);
      expect(rows[0]).toEqual({ tables: 'victim', victim: 2, no_file: true });
    } finally {
      await check.end();
    }
  });

  it('MariaDB: a "?" parameter is refused as $1 is; a query that is one runs as given (its order, column names and types)', async () => {
    // Inserted out of order: MariaDB drops the ORDER BY of a derived table, so run inside one, b's later
    // payment of t2 (the later row) would lose to its earlier one.
    const url = await mysqlDatabase(`
      CREATE TABLE o (id INT, tx VARCHAR(10), c VARCHAR(10), t TIMESTAMP NULL, a DECIMAL(12, 2), f FLOAT);
      SET time_zone = '+00:00';
      INSERT INTO o VALUES (3, 't2', 'b', '2026-01-11 08:00:00', 30.00, 2.5), (1, 't1', 'a', '2026-01-10 08:00:00', 10.00, 1.5),
        (2, 't2', 'b', '2026-01-11 08:00:00', 20.00, 2.5);`);
    setEnv('LTV_TEST_MY_GIVEN', url);
    const fx = await makeFixture({});
    cleanups.push(() => fx.cleanup());
    const param = await runJob(fx, { inputs: [{ query: 'SELECT c AS customer_id, t AS event_time, a AS amount FROM o WHERE id > ?', connection: 'env:LTV_TEST_MY_GIVEN' }], matrices: MONTHLY, formats: ['json'] }, T)
      .then(() => undefined, (err: unknown) => err as AppError);
    // It was the server's "You have an error in your SQL syntax … near '?'".
    expect([param?.code, param?.retryable, param?.message.replace(/\(MySQL query on [^)]*\)/, '(…)')]).toEqual([
      'INPUT', false, 'command line: inputs[0] (…): the query has a parameter (?), and ltv passes none: write the values into the query',
    ]);
    // A FLOAT is still seen as one, and a TIMESTAMP is still an instant.
    const float = await runError([{ query: 'SELECT c AS customer_id, t AS event_time, f AS amount FROM o', connection: 'env:LTV_TEST_MY_GIVEN' }]);
    expect(float).toMatch(/: column "amount" is FLOAT, which MySQL sends rounded/);
    // A "?", ";" or comment mark inside literals and identifiers is text; a trailing line comment without
    // a ";" ends the query; two columns of one name the job does not read are left aside. In id order the
    // later t2 is 30: a 10 + b 30 in January, p0 (10 + 30) / 2 = 20 (in table order, as a derived table
    // gave the rows, 15).
    const { report, result } = await run([{
      query: "SELECT tx AS transaction_id, CONCAT(c, '?; --', \"\\\"; #\") AS customer_id, t AS `event_time;?`, a AS amount, id, id AS ID FROM o ORDER BY id -- all rows",
      connection: 'env:LTV_TEST_MY_GIVEN', map: { event_time: 'event_time;?' },
    }]);
    expect([grid(report.matrices[0]!), result.stats.duplicates]).toEqual([{ Total: [20, 20], '2026-01-01': [20, 20] }, 1]);
    // The server's own syntax error quotes the query, not ltv's text around it.
    const syntax = await runError([{ query: 'SELECT c AS customer_id FROM o WHERE', connection: 'env:LTV_TEST_MY_GIVEN' }]);
    expect(syntax).toMatch(/: the query failed: You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near '' at line 1 \(ER_PARSE_ERROR\)$/);
  });
});

// Rows 1..6: a product with a line break in row 1, one holding a blank line in row 2, a row whose values are
// the header's names (row 3: "event_time" is no time), no amount (row 4), no customer (row 6): their numbers
// are the result's rows, whatever line breaks come before. a 10 + b 20 + d 5 (January) → p0 35 / 3 = 11.67.
const MULTI_LINE_ROWS: [string, string | null, string | null, string][] = [
  ['1', 'a', '10.00', 'two\nlines'], ['2', 'b', '20.00', 'x\n\ny'], ['3', 'customer_id', 'amount', 'product_id'],
  ['4', 'c', null, 'p'], ['5', 'd', '5.00', 'p'], ['6', null, '5.00', 'p'],
];
const quoted = (v: string | null): string => (v === null ? 'NULL' : `'${v.replaceAll('\n', '\\n')}'`);

describe('query results numbered by row, whatever their values hold', () => {
  const quarantined = (lines: string[]): string[] => lines.map((l) => l.replace(/^.*?\)"?,/, ''));
  const expected = [
    '3,"event_time is not an ISO 8601 time: ""event_time"": write it as ISO 8601 (e.g. 2026-03-16T15:00:00Z), or give the input its time_format",default,customer_id',
    '4,amount is missing: give the row its amount (or map the column that holds it),default,c',
    '6,customer_id is missing: give the row its customer (or map the column that holds it),default,',
  ];

  it('PostgreSQL: a value with line breaks does not move the later rows\' numbers, and a row like the header is a row', async () => {
    const values = MULTI_LINE_ROWS.map(([n, c, a, p]) => `(${n}, ${quoted(c)}, ${quoted(a)}, E${quoted(p)})`).join(', ');
    const url = await pgDatabase(`CREATE TABLE o (n int, c text, a text, p text); INSERT INTO o VALUES ${values};`);
    setEnv('LTV_TEST_PG_LINES', url);
    const { result, report, quarantine } = await run([{
      query: "SELECT c AS customer_id, CASE WHEN n = 3 THEN 'event_time' ELSE '2026-01-1' || n || 'T08:00:00Z' END AS event_time, a AS amount, p AS product_id FROM o ORDER BY n",
      connection: 'env:LTV_TEST_PG_LINES',
    }], { max_bad_row_share: 0.6 });
    expect([result.stats.rows_read, result.stats.rows_quarantined]).toEqual([6, 3]);
    expect(quarantined(quarantine)).toEqual(expected);
    expect(grid(report.matrices[0]!)).toEqual({ Total: [11.67, 11.67], '2026-01-01': [11.67, 11.67] });
  });

  it('MariaDB: the same, and a BIT(1) flag read as 0 or 1 (its raw byte quarantined every row as "damaged or binary")', async () => {
    const values = MULTI_LINE_ROWS.map(([n, c, a, p]) => `(${n}, ${quoted(c)}, ${quoted(a)}, ${quoted(p)}, ${n === '5' ? 1 : 0})`).join(', ');
    const url = await mysqlDatabase(`CREATE TABLE o (n INT, c TEXT, a TEXT, p TEXT, trial BIT(1)); INSERT INTO o VALUES ${values};`);
    setEnv('LTV_TEST_MY_LINES', url);
    const { result, report, quarantine } = await run([{
      query: "SELECT c AS customer_id, CASE WHEN n = 3 THEN 'event_time' ELSE CONCAT('2026-01-1', n, 'T08:00:00Z') END AS event_time, a AS amount, p AS product_id, trial AS is_trial FROM o ORDER BY n",
      connection: 'env:LTV_TEST_MY_LINES',
    }], { max_bad_row_share: 0.6 });
    expect([result.stats.rows_read, result.stats.rows_quarantined]).toEqual([6, 3]);
    expect(quarantined(quarantine)).toEqual(expected);
    // d's 5.00 is a trial (BIT 1) with money: a payment all the same (is_trial keeps only a zero-amount row
    // from starting a cohort), so the numbers are PostgreSQL's.
    expect(grid(report.matrices[0]!)).toEqual({ Total: [11.67, 11.67], '2026-01-01': [11.67, 11.67] });
  });
});

describe('a NUL character in a database value', () => {
  it('MariaDB: in a column the job does not read it changes nothing; in one it reads the row is a bad row saying so (the whole row was set aside as a "damaged" file)', async () => {
    // a 10 and b 20 on Jan 10–11; b's note holds a NUL (not read); c's product holds one (read): bad row 3.
    const url = await mysqlDatabase(`CREATE TABLE o (n INT, c VARCHAR(10), t DATETIME, a DECIMAL(12, 2), product TEXT, note TEXT);
      INSERT INTO o VALUES (1, 'a', '2026-01-10 08:00:00', 10, 'pro', 'ok'), (2, 'b', '2026-01-11 08:00:00', 20, 'pro', CONCAT('nul', CHAR(0), 'byte')),
        (3, 'c', '2026-01-12 08:00:00', 30, CONCAT('p,"q"', CHAR(0)), 'ok');`);
    setEnv('LTV_TEST_MY_NUL', url);
    const { result, report, quarantine } = await run([{
      // product_id first: a quoted value ("p,""q""\0") before the customer's is read past as one.
      query: 'SELECT product AS product_id, c AS customer_id, t AS event_time, a AS amount, note AS unused_note FROM o ORDER BY n',
      connection: 'env:LTV_TEST_MY_NUL',
    }]);
    expect([result.stats.rows_read, result.stats.rows_quarantined]).toEqual([3, 1]);
    // The reason names the column and the row keeps its customer (it said "a value the job reads holds …", customer empty).
    expect(quarantine.map((l) => l.replace(/^.*?\)"?,/, ''))).toEqual([
      '3,"column ""product_id"" holds \\u0000, a NUL character, which no field of an export holds (and ltv.csv could not carry): remove it",default,c',
    ]);
    // (10 + 20) / 2 = 15 in period 0, and no later payment.
    expect(grid(report.matrices[0]!)).toEqual({ Total: [15, 15], '2026-01-01': [15, 15] });
  });
});

describe('columns whose text is not their value', () => {
  it('PostgreSQL: an array, JSON or composite column the job reads is refused naming it; one it does not read is left aside', async () => {
    const url = await pgDatabase(`
      CREATE TABLE o (c text, t timestamptz, a numeric(12, 2), tags text[], doc jsonb);
      INSERT INTO o VALUES ('a', '2026-01-10 08:00+00', 10, ARRAY['pro', 'coins'], '{"country": "DE"}'),
        ('b', '2026-01-11 08:00+00', 20, ARRAY['pro'], '{"country": "FR"}');`);
    setEnv('LTV_TEST_PG_NESTED', url);
    const base = 'SELECT c AS customer_id, t AS event_time, a AS amount';
    // Read as a segment, the array was the value "{pro,coins}" and the JSON "{""country"": ""DE""}".
    const tags = await runError([{ query: `${base}, tags AS product_id FROM o`, connection: 'env:LTV_TEST_PG_NESTED' }]);
    expect(tags).toMatch(/^command line: inputs\[0\] \(PostgreSQL query on [^)]*\): column "product_id" is text\[\], several values a row, where ltv reads one: select one value of it in the query \(col\[1\], data->>'key'\), or map another column$/);
    const doc = await runError([{ query: `${base}, doc AS country FROM o`, connection: 'env:LTV_TEST_PG_NESTED' }]);
    expect(doc).toMatch(/: column "country" is jsonb, several values a row/);
    const row = await runError([{ query: `${base}, (c, a) AS store FROM o`, connection: 'env:LTV_TEST_PG_NESTED' }]);
    expect(row).toMatch(/: column "store" is record, several values a row/);
    // Not read (no canonical name, no mapping): a dimension left aside as any unknown column; one value of
    // each, selected in the query, is read.
    const { report } = await run([{ query: `${base}, tags, doc, tags[1] AS product_id, doc->>'country' AS country FROM o`, connection: 'env:LTV_TEST_PG_NESTED' }],
      { matrices: [{ period_type: 'days', period_unit: 'month', segmentation: 'country' }] });
    // Countries DE (a: 10) and FR (b: 20), one customer each.
    expect(grid(report.matrices[0]!)).toEqual({ Total: [15, 15], DE: [10, 10], FR: [20, 20] });
  });

  it('PostgreSQL: double precision and real arrive as stored when the database sets extra_float_digits below 0 (1234.56 arrived as 1234.6)', async () => {
    const url = await pgDatabase(`
      CREATE TABLE o (c text, t timestamptz, d double precision, r real);
      INSERT INTO o VALUES ('a', '2026-01-10 08:00+00', 1234.56, 1234.56), ('b', '2026-01-11 08:00+00', 20.44, 20.44);`);
    const name = url.split('/').pop()!;
    const admin = new pg.Client({ connectionString: PG_ADMIN });
    await admin.connect();
    await admin.query(`ALTER DATABASE ${name} SET extra_float_digits = -10`);
    await admin.end();
    setEnv('LTV_TEST_PG_FLOAT', url);
    // (1234.56 + 20.44) / 2 = 627.50, from either column. At -10 the server sent double precision to 5
    // digits, (1234.6 + 20.44) / 2 = 627.52, and real to 1, "1e+03" and "2e+01", both quarantined.
    for (const column of ['d', 'r']) {
      const { report, quarantine } = await run([{ query: `SELECT c AS customer_id, t AS event_time, ${column} AS amount FROM o`, connection: 'env:LTV_TEST_PG_FLOAT' }]);
      expect([grid(report.matrices[0]!), quarantine], column).toEqual([{ Total: [627.5, 627.5], '2026-01-01': [627.5, 627.5] }, []]);
    }
  });

  it('MariaDB: a FLOAT column the job reads is refused naming it (the server sends 6 significant digits: 12345.67 arrived as 12345.7)', async () => {
    const url = await mysqlDatabase(`
      CREATE TABLE o (c VARCHAR(10), t DATETIME, f FLOAT, d DECIMAL(12, 2));
      INSERT INTO o VALUES ('a', '2026-01-10 08:00:00', 12345.67, 12345.67), ('b', '2026-01-11 08:00:00', 99999.99, 99999.99);`);
    setEnv('LTV_TEST_MY_FLOAT', url);
    const read = await runError([{ query: 'SELECT c AS customer_id, t AS event_time, f AS amount FROM o', connection: 'env:LTV_TEST_MY_FLOAT' }]);
    // The cast names the table's column: MySQL cannot use the alias in its own SELECT list (CAST(amount …) failed).
    expect(read).toMatch(/^command line: inputs\[0\] \(MySQL query on [^)]*\): column "amount" is FLOAT, which MySQL sends rounded to 6 significant digits \(12345\.67 as "12345\.7"\): select it as an exact decimal in the query \(CAST\(f AS DECIMAL\(18, 2\)\) AS amount\), or store it as DECIMAL$/);
    // Mapped under another name: named as the result has it.
    const mapped = await runError([{ query: 'SELECT c AS customer_id, t AS event_time, f FROM o', connection: 'env:LTV_TEST_MY_FLOAT', map: { amount: 'f' } }]);
    expect(mapped).toMatch(/: column "f" is FLOAT, .*: select it as an exact decimal in the query \(CAST\(f AS DECIMAL\(18, 2\)\) AS f\), or store it as DECIMAL$/);
    // From an expression, which has no table column to name: the expression is what to cast.
    const expression = await runError([{ query: 'SELECT c AS customer_id, t AS event_time, COALESCE(f, f) AS amount FROM o', connection: 'env:LTV_TEST_MY_FLOAT' }]);
    expect(expression).toMatch(/: column "amount" is FLOAT, .*: select it as an exact decimal in the query \(CAST\(… AS DECIMAL\(18, 2\)\) AS amount, … being the expression amount is selected from\), or store it as DECIMAL$/);
    // As the message says, and beside a FLOAT the job does not read: exact. (12345.67 + 99999.99) / 2 = 56172.83.
    const { report } = await run([{ query: 'SELECT c AS customer_id, t AS event_time, CAST(f AS DECIMAL(18, 2)) AS amount, f AS float_kept FROM o', connection: 'env:LTV_TEST_MY_FLOAT' }]);
    expect(grid(report.matrices[0]!)).toEqual({ Total: [56172.83, 56172.83], '2026-01-01': [56172.83, 56172.83] });
  });
});

describe('MySQL/MariaDB inputs', () => {
  it('streams a query: DATETIME read in the report zone, TIMESTAMP as UTC, DECIMAL exact, quarantine by row number', async () => {
    const url = await mysqlDatabase(`
      CREATE TABLE orders (id INT, buyer VARCHAR(40), paid_at TIMESTAMP NULL, total DECIMAL(12, 2), cur CHAR(3));
      SET time_zone = '+00:00';
      INSERT INTO orders VALUES ${ORDERS.replaceAll('+00\'', '\'')};
      CREATE TABLE local_orders (buyer VARCHAR(40), at DATETIME, total DECIMAL(12, 2));
      INSERT INTO local_orders VALUES ('z', '2026-01-31 23:30:00', 7.25);`);
    const env = setEnv('LTV_TEST_MY_ORDERS', url);
    const { result, report, quarantine } = await run([{
      query: 'SELECT CAST(id AS CHAR) AS transaction_id, buyer AS customer_id, paid_at AS event_time, total AS amount, cur AS currency FROM orders ORDER BY id',
      connection: `env:${env}`,
    }]);
    expect(grid(report.matrices[0]!)).toEqual(EXPECTED);
    expect([result.stats.rows_read, result.stats.rows_quarantined]).toEqual([5, 1]);
    expect(quarantine).toEqual([expect.stringMatching(/^"?command line: inputs\[0\] \(MySQL query on mysql:\/\/root@127\.0\.0\.1:3306\/ltv_test_\w+\)"?,3,customer_id is missing: give the row its customer \(or map the column that holds it\),default,$/)]);

    // A DATETIME has no zone: 2026-01-31 23:30 is read in the report zone (Europe/Berlin: still January),
    // so the customer is in the January cohort; read as UTC it would be February 1 00:30 in Berlin.
    const local = await run(
      [{ query: 'SELECT buyer AS customer_id, at AS event_time, total AS amount FROM local_orders', connection: `env:${env}` }],
      { timezone: 'Europe/Berlin' },
    );
    expect(grid(local.report.matrices[0]!)).toEqual({ Total: [7.25, 7.25], '2026-01-01': [7.25, 7.25] });
  });

  it('fails with one line for a refused login and a bad query', async () => {
    const url = await mysqlDatabase('CREATE TABLE t (x INT);');
    setEnv('LTV_TEST_MY_BAD', url);
    const badQuery = await runError([{ query: 'SELECT * FROM no_such_table', connection: 'env:LTV_TEST_MY_BAD' }]);
    expect(badQuery).toMatch(/^command line: inputs\[0\] \(MySQL query on mysql:\/\/root@127\.0\.0\.1:3306\/ltv_test_\w+\): the query failed: Table 'ltv_test_\w+\.no_such_table' doesn't exist \(ER_NO_SUCH_TABLE\)$/);

    setEnv('LTV_TEST_MY_AUTH', url.replace('root@', 'nobody_ltv:pw-never-shown-7Q@'));
    const auth = await runError([{ query: 'SELECT 1', connection: 'env:LTV_TEST_MY_AUTH' }]);
    expect(auth).toMatch(/^command line: inputs\[0\] \(MySQL query on mysql:\/\/nobody_ltv:\*\*\*@127\.0\.0\.1:3306\/ltv_test_\w+\): authentication failed: Access denied for user 'nobody_ltv'@'[^']+' \(using password: YES\)$/);
    expect(auth).not.toContain('pw-never-shown');

    // TLS required of a server without it (this machine's MariaDB has none): it was "the query failed: … (HANDSHAKE_NO_SSL_SUPPORT)".
    const admin = await mysql.createConnection(MY_ADMIN);
    const [ssl] = await admin.query<mysql.RowDataPacket[]>("SHOW VARIABLES LIKE 'have_ssl'");
    await admin.end();
    if (ssl[0]?.Value !== 'YES') {
      setEnv('LTV_TEST_MY_TLS', `${url}?ssl-mode=REQUIRED`);
      const tls = await runError([{ query: 'SELECT 1', connection: 'env:LTV_TEST_MY_TLS' }]);
      expect(tls).toMatch(/^command line: inputs\[0\] \(MySQL query on mysql:\/\/root@127\.0\.0\.1:3306\/ltv_test_\w+\): TLS: Server does not support secure connection \(see "ssl" in the job file or the URL's sslmode\)$/);
    }
  });

  it('says "authentication failed" for every refused login: an unknown user (ER_ACCESS_DENIED_NO_PASSWORD_ERROR read "the query failed") and a user without the database', async () => {
    const url = await mysqlDatabase('CREATE TABLE t (x INT);');
    const db = url.split('/').pop()!;
    const prefix = /^command line: inputs\[0\] \(MySQL query on mysql:\/\/\w+:\*\*\*@127\.0\.0\.1:3306\/ltv_test_\w+\): /;
    // MariaDB answers an unknown user "nobody" with 1698 (ER_ACCESS_DENIED_NO_PASSWORD_ERROR), not 1045.
    setEnv('LTV_TEST_MY_NOBODY', url.replace('root@', 'nobody:p%40ss@'));
    const nobody = await runError([{ query: 'SELECT 1', connection: 'env:LTV_TEST_MY_NOBODY' }]);
    expect(nobody).toMatch(new RegExp(`${prefix.source}authentication failed: Access denied for user 'nobody'@'[^']+'$`));
    // A user that exists but may not use the database in the URL: 1044 (ER_DBACCESS_DENIED_ERROR), at login.
    const user = `ltv_u_${randomBytes(4).toString('hex')}`;
    const admin = await mysql.createConnection(MY_ADMIN);
    await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY 'pw-never-shown-7Q'`);
    await admin.end();
    cleanups.push(async () => {
      const a = await mysql.createConnection(MY_ADMIN);
      await a.query(`DROP USER IF EXISTS '${user}'@'%'`);
      await a.end();
    });
    setEnv('LTV_TEST_MY_NODB', url.replace('root@', `${user}:pw-never-shown-7Q@`));
    const noDb = await runError([{ query: 'SELECT 1', connection: 'env:LTV_TEST_MY_NODB' }]);
    expect(noDb).toMatch(new RegExp(`${prefix.source}authentication failed: Access denied for user '${user}'@'%' to database '${db}'$`));
    for (const m of [nobody, noDb]) expect(m).not.toMatch(/pw-never-shown|p%40ss|p@ss/);
  });
});

// A query's result has no header: a name it holds twice is said in the result's terms, with the SQL fix.
describe('a query result with a column name twice', () => {
  it('PostgreSQL and MariaDB: refused naming the result, not a header, and saying to select one AS another name', async () => {
    setEnv('LTV_TEST_PG_TWICE', await pgDatabase(`
      CREATE TABLE a (cust text, t timestamptz, amount numeric(12, 2)); CREATE TABLE b (cust text, amount numeric(12, 2));
      INSERT INTO a VALUES ('c1', '2026-01-10 08:00+00', 10); INSERT INTO b VALUES ('c1', 3);`));
    const pgTwice = await runError([{ query: 'SELECT a.cust AS customer_id, a.t AS event_time, a.amount, b.amount FROM a JOIN b USING (cust)', connection: 'env:LTV_TEST_PG_TWICE' }]);
    expect(pgTwice).toMatch(/^command line: inputs\[0\] \(PostgreSQL query on postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:5432\/ltv_test_\w+\): the query's result has the column "amount" more than once: select one of them AS another name$/);
    setEnv('LTV_TEST_MY_TWICE', await mysqlDatabase('SELECT 1'));
    const myTwice = await runError([{ query: "SELECT 'c1' AS customer_id, '2026-01-10 08:00:00' AS event_time, 5 AS amount, 6 AS AMOUNT", connection: 'env:LTV_TEST_MY_TWICE' }]);
    // Names match case-insensitively, as a file's do.
    expect(myTwice).toMatch(/^command line: inputs\[0\] \(MySQL query on mysql:\/\/root@127\.0\.0\.1:3306\/ltv_test_\w+\): the query's result has the column "amount" more than once: select one of them AS another name$/);
  });
});

describe('one query read by two inputs', () => {
  it('is refused in one line naming both inputs, white space aside (it was read twice: revenue doubled); a query that differs inside a literal is its own', async () => {
    setEnv('LTV_TEST_PG_TWICE_READ', await pgDatabase(`
      CREATE TABLE o (cust text, t timestamptz, amount numeric(12, 2));
      INSERT INTO o VALUES ('a', '2026-01-10 08:00+00', 10), ('b', '2026-01-11 08:00+00', 20);`));
    const query = "SELECT cust AS customer_id, t AS event_time, amount FROM o WHERE cust <> 'x  y'";
    const again = `  ${query.replace(' FROM ', '\n  FROM ').replace(' WHERE ', ' -- paid\n WHERE ')};\n`;
    const fx = await makeFixture({
      'twice.json': JSON.stringify({ inputs: [{ query, connection: 'env:LTV_TEST_PG_TWICE_READ' }, { query: again, connection: 'env:LTV_TEST_PG_TWICE_READ' }], matrices: MONTHLY, formats: ['json'] }),
    });
    cleanups.push(() => fx.cleanup());
    const e = await loadJob(join(fx.dir, 'twice.json')).then((job) => runPipeline(job, { logger: silentLogger, asOf: new Date(T), reportsDir: join(fx.dir, 'reports') })).then(() => undefined, (err: unknown) => err);
    expect(isAppError(e)).toBe(true);
    expect((e as AppError).message).toBe(`${join(fx.dir, 'twice.json')}: inputs[1]: its query is the one inputs[0] runs already on env:LTV_TEST_PG_TWICE_READ (the same text, white space aside): each query is read once (its rows would count twice); remove one of the two inputs`);
    // Inside a literal, white space is the query's: 'x y' is another query (each read: 2 + 2 rows).
    const { result } = await run([{ query, connection: 'env:LTV_TEST_PG_TWICE_READ' }, { query: query.replace("'x  y'", "'x y'"), connection: 'env:LTV_TEST_PG_TWICE_READ' }]);
    expect(result.stats.rows_read).toBe(4);
  });
});

// A connection lost mid-result (an operator ending the session, a server restart, a network drop) is a
// transient failure: one line saying so, retryable, the temporary CSV removed, the published report kept.
// A query that takes too long fails at LTV_QUERY_TIMEOUT_MS instead of holding the run forever.
describe('lost connections and slow queries', () => {
  /** A fixture with a published run (a = 10 on Jan 10), whose scratch space is its own `tmp` folder. */
  async function publishedFixture() {
    const fx = await makeFixture({ 'ok.csv': 'customer_id,event_time,amount\na,2026-01-10T08:00:00Z,10\n' });
    cleanups.push(() => fx.cleanup());
    await runJob(fx, { inputs: [{ path: 'ok.csv' }], matrices: MONTHLY, formats: ['json'] }, T);
    const before = await readFile(join(fx.reportsDir, 'default', 'latest', 'ltv.json'));
    const scratch = join(fx.dir, 'tmp');
    const fail = (input: JobInput['inputs'][number], signal?: AbortSignal) =>
      runPipeline(jobFromFlags({ inputs: [input], matrices: MONTHLY, formats: ['json'], duckdb: { temp_directory: scratch } }, fx.dir), {
        logger: silentLogger, asOf: new Date('2026-02-16T00:00:00Z'), reportsDir: fx.reportsDir, ...(signal ? { signal } : {}),
      }).then(() => { throw new Error('the run succeeded'); }, (e: unknown) => e as AppError);
    /** Temporary CSVs of queries, in the run's DuckDB temp folder inside `scratch`. */
    const queryFiles = async (): Promise<string[]> =>
      (await readdir(scratch, { recursive: true }).catch(() => [] as string[])).filter((x) => basename(x).startsWith('ltv-query-'));
    /** The temporary CSV while it grows: resolves once it holds more than `bytes`. */
    const growing = async (bytes: number): Promise<void> => {
      for (let i = 0; i < 400; i++) {
        for (const n of await queryFiles()) if ((await stat(join(scratch, n)).catch(() => ({ size: 0 }))).size > bytes) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('the query never streamed');
    };
    const after = async () => ({
      latest: await readFile(join(fx.reportsDir, 'default', 'latest', 'ltv.json')),
      leftovers: await queryFiles(),
    });
    return { fail, growing, after, before };
  }

  it('PostgreSQL: a session ended by pg_terminate_backend mid-result is a retryable one-line error', async () => {
    const url = await pgDatabase('SELECT 1');
    const name = url.split('/').pop()!;
    setEnv('LTV_TEST_PG_TERM', url);
    const fx = await publishedFixture();
    // 19,999 rows stream at once, then the query sleeps: terminated while the CSV holds them.
    const sql = "SELECT 'c' || g AS customer_id, '2026-01-10T00:00:00Z' AS event_time, CASE WHEN g = 20000 THEN pg_sleep(60)::text || '1' ELSE '1' END AS amount FROM generate_series(1, 40000) g";
    const failing = fx.fail({ query: sql, connection: 'env:LTV_TEST_PG_TERM' });
    await fx.growing(100_000);
    const admin = new pg.Client({ connectionString: PG_ADMIN });
    await admin.connect();
    const { rowCount } = await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'ltv'", [name]);
    await admin.end();
    expect(rowCount).toBe(1);
    const e = await failing;
    expect(e.message).toBe(`command line: inputs[0] (PostgreSQL query on postgres://postgres:***@127.0.0.1:5432/${name}): the connection to PostgreSQL was lost during the query: terminating connection due to administrator command (57P01) (transient: a worker retries the run)`);
    expect([e.code, e.retryable]).toEqual(['TRANSIENT', true]);
    expect(await fx.after()).toEqual({ latest: fx.before, leftovers: [] });
  });

  it('MariaDB: KILL of the connection mid-result ends the run with a retryable error instead of hanging it', async () => {
    const url = await mysqlDatabase('SELECT 1');
    const name = url.split('/').pop()!;
    setEnv('LTV_TEST_MY_KILL', url);
    const fx = await publishedFixture();
    const sql = `SELECT CONCAT('c', seq) AS customer_id, '2026-01-10' AS event_time, IF(seq = 20000, SLEEP(60) + 1, 1) AS amount FROM seq_1_to_40000 /* ${name} */`;
    const failing = fx.fail({ query: sql, connection: 'env:LTV_TEST_MY_KILL' });
    await fx.growing(100_000);
    const admin = await mysql.createConnection(MY_ADMIN);
    const [rows] = await admin.query<mysql.RowDataPacket[]>('SELECT id FROM information_schema.processlist WHERE db = ? AND info LIKE ?', [name, '%seq_1_to_40000%']);
    expect(rows).toHaveLength(1);
    await admin.query(`KILL ${Number(rows[0]!.id)}`);
    await admin.end();
    // It hung here: mysql2 told the connection, not the streaming query, and the run waited forever.
    const e = await failing;
    expect(e.message).toBe(`command line: inputs[0] (MySQL query on mysql://root@127.0.0.1:3306/${name}): the connection to MySQL was lost during the query: Connection lost: The server closed the connection. (transient: a worker retries the run)`);
    expect([e.code, e.retryable]).toEqual(['TRANSIENT', true]);
    expect(await fx.after()).toEqual({ latest: fx.before, leftovers: [] });
  });

  it('MariaDB: a network that drops mid-result (the server vanishes) is retryable too', async () => {
    const url = await mysqlDatabase('SELECT 1');
    const relay = await cuttingRelay(3306, 300_000);
    cleanups.push(relay.close);
    setEnv('LTV_TEST_MY_DROP', url.replace(':3306/', `:${relay.port}/`));
    const fx = await publishedFixture();
    const e = await fx.fail({ query: "SELECT CONCAT('c', seq) AS customer_id, '2026-01-10' AS event_time, 1 AS amount FROM seq_1_to_200000", connection: 'env:LTV_TEST_MY_DROP' });
    expect(e.message).toMatch(/^command line: inputs\[0\] \(MySQL query on mysql:\/\/root@127\.0\.0\.1:\d+\/ltv_test_\w+\): the connection to MySQL was lost during the query: Connection lost: The server closed the connection\. \(transient: a worker retries the run\)$/);
    expect([e.code, e.retryable]).toEqual(['TRANSIENT', true]);
    expect(await fx.after()).toEqual({ latest: fx.before, leftovers: [] });
  });

  it('a query slower than LTV_QUERY_TIMEOUT_MS fails saying so, not retried, and PostgreSQL cancels it on the server', async () => {
    setEnv('LTV_QUERY_TIMEOUT_MS', '1500');
    const pgUrl = await pgDatabase('SELECT 1');
    const pgName = pgUrl.split('/').pop()!;
    setEnv('LTV_TEST_PG_SLOW', pgUrl);
    const fx = await publishedFixture();
    const started = Date.now();
    const slow = await fx.fail({ query: 'SELECT pg_sleep(60)', connection: 'env:LTV_TEST_PG_SLOW' });
    expect(slow.message).toBe(`command line: inputs[0] (PostgreSQL query on postgres://postgres:***@127.0.0.1:5432/${pgName}): the query did not finish within 1.5 s (LTV_QUERY_TIMEOUT_MS=1500); make it faster (an index, a narrower WHERE) or raise LTV_QUERY_TIMEOUT_MS (0 = no limit)`);
    expect([slow.code, slow.retryable]).toEqual(['INPUT', false]);
    expect(Date.now() - started).toBeLessThan(15_000);
    const admin = new pg.Client({ connectionString: PG_ADMIN });
    await admin.connect();
    const { rows } = await admin.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()", [pgName]);
    await admin.end();
    expect(rows[0].n).toBe(0);

    // MariaDB likewise: the statement is killed on the server and the connection closed (the socket was only
    // half-closed, so the command stayed alive, and the query ran, until SLEEP ended).
    const myUrl0 = await mysqlDatabase('SELECT 1');
    const myName0 = myUrl0.split('/').pop()!;
    setEnv('LTV_TEST_MY_SLOW', myUrl0);
    const myStarted = Date.now();
    const mySlow = await fx.fail({ query: 'SELECT seq AS customer_id FROM seq_1_to_11 WHERE SLEEP(20) = 0', connection: 'env:LTV_TEST_MY_SLOW' });
    expect(mySlow.message).toBe(`command line: inputs[0] (MySQL query on mysql://root@127.0.0.1:3306/${myName0}): the query did not finish within 1.5 s (LTV_QUERY_TIMEOUT_MS=1500); make it faster (an index, a narrower WHERE) or raise LTV_QUERY_TIMEOUT_MS (0 = no limit)`);
    expect(Date.now() - myStarted).toBeLessThan(15_000);
    const myAdmin = await mysql.createConnection(MY_ADMIN);
    let sessions = -1;
    for (let i = 0; i < 40 && sessions !== 0; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 100));
      const [list] = await myAdmin.query<mysql.RowDataPacket[]>('SELECT count(*) AS n FROM information_schema.processlist WHERE db = ?', [myName0]);
      sessions = Number(list[0]!.n);
    }
    await myAdmin.end();
    expect(sessions).toBe(0);

    // A shorter limit the DBA set on the database is kept (never raised to ltv's), and named when it stops the query.
    const strictUrl = await pgDatabase('SELECT 1');
    const strictName = strictUrl.split('/').pop()!;
    const a2 = new pg.Client({ connectionString: PG_ADMIN });
    await a2.connect();
    await a2.query(`ALTER DATABASE ${strictName} SET statement_timeout = 300`);
    await a2.end();
    setEnv('LTV_TEST_PG_STRICT', strictUrl);
    const strict = await fx.fail({ query: 'SELECT pg_sleep(1)', connection: 'env:LTV_TEST_PG_STRICT' });
    expect(strict.message).toBe(`command line: inputs[0] (PostgreSQL query on postgres://postgres:***@127.0.0.1:5432/${strictName}): the query failed: canceling statement due to statement timeout (57014); the statement_timeout of this role or database on the server stopped it`);

    // A network gone silent mid-result (no reset, no close) is caught by the same limit.
    const myUrl = await mysqlDatabase('SELECT 1');
    const relay = await cuttingRelay(3306, 300_000, 'freeze');
    cleanups.push(relay.close);
    setEnv('LTV_TEST_MY_SILENT', myUrl.replace(':3306/', `:${relay.port}/`));
    const silent = await fx.fail({ query: "SELECT CONCAT('c', seq) AS customer_id, '2026-01-10' AS event_time, 1 AS amount FROM seq_1_to_200000", connection: 'env:LTV_TEST_MY_SILENT' });
    expect(silent.message).toMatch(/: the query did not finish within 1\.5 s \(LTV_QUERY_TIMEOUT_MS=1500\);/);
    expect(await fx.after()).toEqual({ latest: fx.before, leftovers: [] });
  });
});

describe('a cancelled run (SIGTERM, Ctrl-C, a lost run lock)', () => {
  /** Polls until `count()` says the query runs on the server; returns how long that took. */
  async function untilRunning(count: () => Promise<number>): Promise<void> {
    for (let i = 0; i < 200; i++) {
      if ((await count()) > 0) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the query never started');
  }

  it('stops the query on the server at once, PostgreSQL and MariaDB, and hands the run back as retryable', async () => {
    const pgUrl = await pgDatabase('SELECT 1');
    const pgName = pgUrl.split('/').pop()!;
    setEnv('LTV_TEST_PG_CANCEL', pgUrl);
    const myUrl = await mysqlDatabase('SELECT 1');
    const myName = myUrl.split('/').pop()!;
    setEnv('LTV_TEST_MY_CANCEL', myUrl);
    const pgCount = async (): Promise<number> => {
      const a = new pg.Client({ connectionString: PG_ADMIN });
      await a.connect();
      const { rows } = await a.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND state = 'active' AND query LIKE '%pg_sleep(120)%' AND pid <> pg_backend_pid()", [pgName]);
      await a.end();
      return rows[0].n as number;
    };
    const myCount = async (): Promise<number> => {
      const a = await mysql.createConnection(MY_ADMIN);
      const [rows] = await a.query<mysql.RowDataPacket[]>("SELECT count(*) AS n FROM information_schema.processlist WHERE db = ? AND info LIKE '%SLEEP(120)%'", [myName]);
      await a.end();
      return Number(rows[0]!.n);
    };
    for (const [driver, input, count, name] of [
      ['PostgreSQL', { query: "SELECT 'a' AS customer_id, now() AS event_time, 1 AS amount FROM pg_sleep(120)", connection: 'env:LTV_TEST_PG_CANCEL' }, pgCount, `postgres://postgres:***@127.0.0.1:5432/${pgName}`],
      ['MySQL', { query: "SELECT 'a' AS customer_id, NOW() AS event_time, SLEEP(120) + 1 AS amount", connection: 'env:LTV_TEST_MY_CANCEL' }, myCount, `mysql://root@127.0.0.1:3306/${myName}`],
    ] as const) {
      const fx = await (async () => {
        const f = await makeFixture({});
        cleanups.push(() => f.cleanup());
        return f;
      })();
      const stop = new AbortController();
      const failing = runPipeline(jobFromFlags({ inputs: [input], matrices: MONTHLY, formats: ['json'] }, fx.dir), {
        logger: silentLogger, asOf: new Date(T), reportsDir: fx.reportsDir, signal: stop.signal,
      }).then(() => { throw new Error('the run succeeded'); }, (e: unknown) => e as AppError);
      await untilRunning(count);
      const aborted = Date.now();
      stop.abort(new Error('SIGTERM'));
      const e = await failing;
      // It waited for the query: up to LTV_QUERY_TIMEOUT_MS (1 h), the query running on after ltv exited.
      expect(Date.now() - aborted).toBeLessThan(5_000);
      expect(e.message).toBe(`run cancelled during ingest (command line: inputs[0] (${driver} query on ${name}): the query was stopped)`);
      expect([e.code, e.retryable]).toEqual(['TRANSIENT', true]);
      expect(await count()).toBe(0);
    }
  });
});

describe('command line', () => {
  it('refuses a database URL as --input and points at the environment-variable form', async () => {
    const e = await promisify(execFile)(process.execPath, ['src/cli/bin.mjs', 'run', '--input', 'postgres://u:pw-never-shown-7Q@db/x'], { encoding: 'utf8' })
      .then(() => undefined, (err: { code: number; stderr: string }) => err);
    expect(e?.code).toBe(1);
    expect(e?.stderr.trim().split('\n')).toEqual([
      'ltv: --input: database URLs are not accepted on the command line (they would show in the process list and shell history); put the URL in an environment variable and give a job file input {"query": "SELECT …", "connection": "env:DATABASE_URL"}',
    ]);
  });
});

/**
 * A TCP relay to a local server that, once `bytes` have come from the server, closes the client's side
 * (`cut`: the server vanished) or stops passing anything on while keeping both sockets open (`freeze`: a
 * network gone silent).
 */
async function cuttingRelay(target: number, bytes: number, mode: 'cut' | 'freeze' = 'cut'): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(target, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    let seen = 0;
    upstream.on('data', (chunk: Buffer) => {
      if (seen > bytes) return;
      seen += chunk.length;
      client.write(chunk);
      if (seen <= bytes) return;
      if (mode === 'cut') {
        client.end();
        upstream.destroy();
      } else {
        upstream.pause();
      }
    });
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((ok) => {
      for (const s of sockets) s.destroy();
      server.close(() => ok());
    }),
  };
}

/** A port nothing listens on (bound, then released). */
function closedPort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => ok(port));
    });
  });
}
