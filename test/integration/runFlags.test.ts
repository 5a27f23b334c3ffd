// `ltv run`'s input flags as a user types them: beside a job file (which sets them itself), --map pairs,
// and a tab delimiter on a command line. The real launcher in a child process.
import { execFile } from 'node:child_process';
import { readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import { CANONICAL_COLUMNS } from '../../src/config/jobSchema.js';
import { csv, makeFixture } from '../helpers/runFixture.js';

const BIN = fileURLToPath(new URL('../../src/cli/bin.mjs', import.meta.url));

function ltv(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe.concurrent('ltv run input flags', () => {
  it('refuses --currency, --timezone, --time-format … beside a job file, naming the fields to set: they were ignored without a word', async ({ expect }) => {
    const fx = await makeFixture({
      'job.json': JSON.stringify({ inputs: [{ path: 'e.csv' }], reports_dir: 'out' }),
      'e.csv': csv('customer_id,event_time,amount', [['a', '2026-01-10T10:00:00Z', '10']]),
    });
    try {
      const r = await ltv(['run', 'job.json', '--currency', 'EUR', '--timezone', 'Asia/Tokyo', '--time-format', '%d/%m/%Y', '--as-of', '2026-02-01T00:00:00Z'], fx.dir);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe('ltv: --timezone, --currency, --time-format apply to a run from --input only, and a job file sets them itself: '
        + 'put "timezone", "currency", "inputs[].time_format" in job.json (or run with --input instead of the job file)\n');
      // Nothing ran: no report in the job's own currency was published in the user's name.
      await expect(readlink(join(fx.dir, 'out', 'default', 'latest'))).rejects.toThrow(/ENOENT/);
      const one = await ltv(['run', 'job.json', '--tenant', 'shop'], fx.dir);
      expect(one.stderr).toBe('ltv: --tenant applies to a run from --input only, and a job file sets it itself: put "tenant" in job.json (or run with --input instead of the job file)\n');
    } finally {
      await fx.cleanup();
    }
  });

  it('publishes to LTV_REPORTS_DIR over the job\'s reports_dir, and to --out over both (the container sets LTV_REPORTS_DIR)', async ({ expect }) => {
    const fx = await makeFixture({
      'job.json': JSON.stringify({ inputs: [{ path: 'e.csv' }], reports_dir: 'out', forecast: { model: 'off' }, formats: ['json'] }),
      'e.csv': csv('customer_id,event_time,amount', [['a', '2026-01-10T10:00:00Z', '10']]),
    });
    try {
      const run = (args: string[]) => ltv(['run', 'job.json', '--as-of', '2026-02-01T00:00:00Z', ...args], fx.dir, { LTV_REPORTS_DIR: join(fx.dir, 'env-reports') });
      expect((await run([])).code).toBe(0);
      expect(await readlink(join(fx.dir, 'env-reports', 'default', 'latest'))).toBe('runs/20260201T000000Z');
      await expect(readlink(join(fx.dir, 'out', 'default', 'latest'))).rejects.toThrow(/ENOENT/);
      expect((await run(['--out', 'flag-reports'])).code).toBe(0);
      expect(await readlink(join(fx.dir, 'flag-reports', 'default', 'latest'))).toBe('runs/20260201T000000Z');
    } finally {
      await fx.cleanup();
    }
  });

  it('logs each DuckDB statement with its time under --verbose when LOG_LEVEL is debug, and none at the default level', async ({ expect }) => {
    const fx = await makeFixture({ 'e.csv': csv('customer_id,event_time,amount', [['a', '2026-01-10T10:00:00Z', '10']]) });
    try {
      const args = ['run', '--input', 'e.csv', '--as-of', '2026-02-01T00:00:00Z', '--out', 'out', '--forecast', 'off', '--verbose'];
      const statements = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg: string; ms?: number; sql?: string })
        .filter((l) => l.msg === 'statement');
      const deep = await ltv(args, fx.dir, { LOG_LEVEL: 'debug' });
      expect(deep.code).toBe(0);
      const logged = statements(deep.stderr);
      expect(logged.some((l) => /^INSERT INTO checked_rows/.test(l.sql ?? '') && typeof l.ms === 'number')).toBe(true);
      expect(statements((await ltv(args, fx.dir, { LOG_LEVEL: 'info' })).stderr)).toEqual([]);
    } finally {
      await fx.cleanup();
    }
  });

  it('refuses an empty --tenant, --timezone or --currency as the job file refuses the field (they fell back to the defaults)', async ({ expect }) => {
    const fx = await makeFixture({ 'e.csv': csv('customer_id,event_time,amount', [['a', '2026-01-10T10:00:00Z', '10']]) });
    try {
      const run = (flag: string) => ltv(['run', '--input', 'e.csv', flag, '', '--as-of', '2026-02-01T00:00:00Z', '--out', 'out', '--forecast', 'off'], fx.dir);
      const twoInputs = (...flag: string[]) => ltv(['run', '--input', 'e.csv', '--input', 'e.csv', ...flag, '--as-of', '2026-02-01T00:00:00Z', '--out', 'out', '--forecast', 'off'], fx.dir);
      // Every run at once: none publishes.
      const [tenant, timezone, currency, share, delimiter, zone, noValue] = await Promise.all([
        run('--tenant'), run('--timezone'), run('--currency'),
        twoInputs('--max-bad-row-share', '2'), twoInputs('--delimiter', ';;'), twoInputs('--timezone', 'Mars/Base'),
        ltv(['run', '--tenant', '--input', 'e.csv', '--as-of', '2026-02-01T00:00:00Z', '--out', 'out'], fx.dir),
      ]);
      expect(tenant).toMatchObject({ code: 1, stderr: 'ltv: --tenant: a tenant id is 1 to 1,024 characters: give one, or leave the field out for "default"\n' });
      expect(timezone).toMatchObject({ code: 1, stderr: 'ltv: --timezone: not an IANA time zone (e.g. "UTC", "Europe/Berlin")\n' });
      expect(currency).toMatchObject({ code: 1, stderr: 'ltv: --currency: an ISO 4217 code such as "USD"\n' });
      // A value the job field refuses names the flag the user typed (it said "command line: max_bad_row_share",
      // and "command line: inputs[1].delimiter" once per input, after the run had started reading).
      expect(share).toMatchObject({ code: 1, stdout: '', stderr: 'ltv: --max-bad-row-share: must be at most 1, not the number 2\n' });
      expect(delimiter).toMatchObject({ code: 1, stdout: '', stderr: 'ltv: --delimiter: ";;" is not one single-byte character (use e.g. "," ";" "|", "tab", or "whitespace" for runs of spaces)\n' });
      expect(zone).toMatchObject({ code: 1, stdout: '', stderr: 'ltv: --timezone: not an IANA time zone (e.g. "UTC", "Europe/Berlin")\n' });
      // Its value left out, the flag takes the next flag: `--tenant --input e.csv` read e.csv as a job file and
      // spoke of --tenant beside a job file.
      expect(noValue).toMatchObject({ code: 1, stderr: 'ltv: --tenant: no value (the word after it is the flag --input): give the value right after --tenant\n' });
      await expect(readlink(join(fx.dir, 'out', 'default', 'latest'))).rejects.toThrow(/ENOENT/);
    } finally {
      await fx.cleanup();
    }
  });

  it('refuses any other flag given empty, naming it, instead of dropping it for its default (--as-of \'\' published a run as of now)', async ({ expect }) => {
    const fx = await makeFixture({ 'e.csv': csv('customer_id,event_time,amount', [['a', '2026-01-10T10:00:00Z', '10']]), 'job.json': JSON.stringify({ inputs: [{ path: 'e.csv' }], forecast: { model: 'off' }, email: { to: ['a@example.com'] } }) });
    try {
      const base = ['run', '--input', 'e.csv', '--as-of', '2026-02-01T00:00:00Z', '--out', 'out', '--forecast', 'off'];
      const cases: [string[], string][] = [
        [['run', '--input', 'e.csv', '--as-of', '', '--out', 'out', '--forecast', 'off'], '--as-of: empty; give an ISO 8601 time such as 2026-03-16T15:00:00Z, or leave the flag out for now'],
        [['run', '--input', 'e.csv', '--as-of', '2026-02-01T00:00:00Z', '--out', ' ', '--forecast', 'off'], "--out: empty; give a reports directory, or leave the flag out (LTV_REPORTS_DIR, else the job's reports_dir, else ./reports)"],
        [[...base, '--rates', ''], '--rates: empty; give an exchange rates CSV (date,currency,rate)'],
        [[...base, '--threads', ''], '--threads: empty; give a whole number from 1 to 1024'],
        [[...base, '--memory-limit', ''], '--memory-limit: empty; give a size such as 4GB'],
        [[...base, '--delimiter', ''], '--delimiter: empty; give one character, "tab" or "whitespace", or leave the flag out to sniff it'],
        [[...base, '--time-format', ''], '--time-format: empty; give a strptime format such as %d/%m/%Y, or leave the flag out for ISO 8601'],
        [[...base, '--map', ''], '--map: empty; give <canonical column>=<source column>'],
        // A misspelt column is named with the likely one (swapped letters are one slip).
        [[...base, '--map', 'amuont=Paid'], `--map: "amuont=Paid" is not <canonical column>=<source column> (did you mean amount=Paid?); columns: ${CANONICAL_COLUMNS.join(', ')}`],
        [[...base, '--input', ''], '--input: empty; give an export file or glob'],
        // The other commands' file and folder flags too: `--jobs ''` looked the job up in the current folder and
        // queued it, `--keys ''` said ": is a directory" naming no flag.
        [['enqueue', 'job', '--jobs', ''], '--jobs: empty; give the jobs folder, or leave the flag out ($LTV_JOBS_DIR, else jobs)'],
        [['keys', 'add', '--tenant', 'a', '--keys', ''], '--keys: empty; give the keys file (leave the flag out for ./keys.json)'],
        [['keys', 'add', '--tenant', 'a', '--note', ' '], '--note: empty; give a label, or leave the flag out'],
        [['keys', 'list', '--keys', ''], '--keys: empty; give the keys file (leave the flag out for ./keys.json)'],
        [['keys', 'remove', 'abc', '--keys', ''], '--keys: empty; give the keys file (leave the flag out for ./keys.json)'],
        [['keys', 'rotate', 'abc', '--keys', ''], '--keys: empty; give the keys file (leave the flag out for ./keys.json)'],
        // Two email flags that contradict each other (--no-email won silently), and email flags with --shards,
        // which the workers ignored (they sent the job's email): refused before anything is read or sent.
        [['run', 'job.json', '--as-of', '2026-02-01T00:00:00Z', '--out', 'out', '--no-email', '--email-dry-run'], '--no-email and --email-dry-run: give one (no email at all, or the email written as an .eml file instead of sent)'],
        // A shard count out of range is said first: the advice to move --input into a job file ended in
        // `(ltv run jobs/<job>.json --shards 0)`, itself refused. A good count keeps the advice, with that count.
        [['run', '--input', 'e.csv', '--shards', '0'], '--shards: "0" is not a whole number from 1 to 64'],
        [['run', '--input', 'e.csv', '--shards', '65'], '--shards: "65" is not a whole number from 1 to 64'],
        [['run', '--input', 'e.csv', '--shards', ' 2'], '--shards runs a job file on the workers, which read everything from it: give a job file and put "inputs[].path" in it instead of --input (ltv run jobs/<job>.json --shards 2)'],
        [['run', 'job.json', '--shards', '2', '--no-email'], '--shards runs job.json on the workers, which email as the job says and log their own stages: --no-email acts on a run in this process; leave them out (or the job\'s "email" block, for no email), or run without --shards'],
        [['run', 'job.json', '--shards', '2', '--verbose', '--email-dry-run'], '--shards runs job.json on the workers, which email as the job says and log their own stages: --verbose, --email-dry-run act on a run in this process; leave them out (or the job\'s "email" block, for no email), or run without --shards'],
      ];
      const results = await Promise.all(cases.map(([args]) => ltv(args, fx.dir)));
      expect(results.map((r) => [r.code, r.stderr])).toEqual(cases.map(([, line]) => [1, `ltv: ${line}\n`]));
      // Nothing published anywhere (./reports is where --out '' published before).
      await expect(readlink(join(fx.dir, 'out', 'default', 'latest'))).rejects.toThrow(/ENOENT/);
      await expect(readlink(join(fx.dir, 'reports', 'default', 'latest'))).rejects.toThrow(/ENOENT/);
    } finally {
      await fx.cleanup();
    }
  });

  it('refuses a one-value flag given twice (the last won without a word), numbers written other than in decimal, and no memory at all', async ({ expect }) => {
    const fx = await makeFixture({ 'e.csv': csv('customer_id,event_time,amount', [['a', '2026-01-10T10:00:00Z', '10']]), 'f.csv': csv('customer_id,event_time,amount', [['b', '2026-01-11T10:00:00Z', '20']]) });
    try {
      const base = ['run', '--input', 'e.csv', '--as-of', '2026-02-01T00:00:00Z', '--out', 'out', '--forecast', 'off'];
      // Commander's own words (`error: option '--tenant <id>' argument 'b' is invalid.`) left out: a line of ltv's.
      const usage = (flag: string, _value: string, command = 'run') => `ltv: ${flag.split(' ')[0]} is given twice: give it once (run \`ltv ${command} --help\` for usage)`;
      const cases: [string[], string][] = [
        [[...base, '--tenant', 'a', '--tenant', 'b'], usage('--tenant <id>', 'b')],
        [[...base, '--as-of', '2026-01-20T00:00:00Z'], usage('--as-of <ISO time>', '2026-01-20T00:00:00Z')],
        [[...base, '--preset', 'paddle', '--preset', 'shopify'], usage('--preset <name>', 'shopify')],
        [[...base, '--threads', '0x2'], 'ltv: --threads: "0x2" is not a whole number from 1 to 1024'],
        [[...base, '--threads', '1e0'], 'ltv: --threads: "1e0" is not a whole number from 1 to 1024'],
        [[...base, '--max-bad-row-share', '0x1'], 'ltv: --max-bad-row-share: "0x1" is not a number: give a share from 0 to 1, e.g. 0.05 for 5 %'],
        // A number below the range, said as the job file's field says it ("is not a number" before).
        [[...base, '--max-bad-row-share', '-0.1'], 'ltv: --max-bad-row-share: must be at least 0, not the number -0.1'],
        [[...base, '--memory-limit', '0GB'], 'ltv: --memory-limit: "0GB" leaves DuckDB no memory: give a size such as "2GB" or "512MiB", or a share of memory such as "50%"'],
        [[...base, '--memory-limit', '150%'], 'ltv: --memory-limit: "150%" is more than all the memory: give a share up to 100%'],
        [['keys', 'add', '--tenant', 'a', '--rpm', '0x10', '--keys', 'k.json'], 'ltv: --rpm: "0x10" is not a whole number ≥ 1 (requests per minute)'],
        // The server skips an entry above its limit (KeyStore.ts): the key printed was refused everywhere.
        [['keys', 'add', '--tenant', 'a', '--rpm', '1000001', '--keys', 'k.json'], 'ltv: --rpm: 1000001 requests per minute is more than the server allows a key (1000000): give at most 1000000'],
        [['serve', '--port', '18001', '--port', '18002'], usage('--port <n>', '18002', 'serve')],
      ];
      const results = await Promise.all(cases.map(([args]) => ltv(args, fx.dir)));
      expect(results.map((r) => [r.code, r.stderr])).toEqual(cases.map(([, line]) => [1, `${line}\n`]));
      await expect(readlink(join(fx.dir, 'out', 'default', 'latest'))).rejects.toThrow(/ENOENT/);
      // The flags that collect their values still do: two --input, two --map, two keys add --tenant.
      const two = await ltv(['run', '--input', 'e.csv', '--input', 'f.csv', '--map', 'customer_id=customer_id', '--map', 'amount=amount', ...base.slice(3)], fx.dir);
      expect(two.code).toBe(0);
      const key = await ltv(['keys', 'add', '--tenant', 'a', '--tenant', 'b', '--keys', 'k.json'], fx.dir);
      expect(key.code).toBe(0);
      expect((JSON.parse(await readFile(join(fx.dir, 'k.json'), 'utf8')) as { keys: { tenants: string[] }[] }).keys[0]!.tenants).toEqual(['a', 'b']);
    } finally {
      await fx.cleanup();
    }
  });

  it('--map takes the source after the first "=", refuses a column mapped twice (the later one won silently), reads a quoted name with a comma', async ({ expect }) => {
    const fx = await makeFixture({
      'e.csv': csv('cust,when,paid', [['a', '2026-01-10T10:00:00Z', '10']]),
      'c.csv': 'cust,when,"Paid, USD"\na,2026-01-10T10:00:00Z,12.50\n',
    });
    try {
      // "customer_id=cust=x" mapped customer_id to "cust" and dropped "=x".
      const eq = await ltv(['run', '--input', 'e.csv', '--map', 'customer_id=cust=x,event_time=when,amount=paid', '--out', 'out'], fx.dir);
      expect(eq.code).toBe(1);
      expect(eq.stderr.trim().split('\n').pop()).toBe(`ltv: ${join(fx.dir, 'e.csv')}: --map customer_id: the file has no column "cust=x" (it has: cust, when, paid)`);
      const twice = await ltv(['run', '--input', 'e.csv', '--map', 'customer_id=cust,event_time=when', '--map', 'amount=paid,Customer_ID=when'], fx.dir);
      expect(twice.code).toBe(1);
      expect(twice.stderr).toBe('ltv: --map: customer_id is mapped twice ("cust" and "when"); keep one\n');
      // A column whose name holds a comma, in double quotes: it could not be mapped (split at its comma).
      const comma = await ltv(['run', '--input', 'c.csv', '--map', 'customer_id=cust,event_time=when,amount="Paid, USD"', '--as-of', '2026-02-01T00:00:00Z', '--out', 'out', '--forecast', 'off'], fx.dir);
      expect(comma.code, comma.stderr).toBe(0);
      expect(comma.stdout).toMatch(/1 customer in 1 monthly cohort, revenue 12\.50 USD/);
    } finally {
      await fx.cleanup();
    }
  });

  it('--delimiter \'\\t\' and --delimiter tab read a tab-separated file; a quote as delimiter is one line', async ({ expect }) => {
    const fx = await makeFixture({
      'e.txt': 'customer_id\tevent_time\tamount\na\t2026-01-10T10:00:00Z\t10\nb\t2026-01-11T10:00:00Z\t30\n',
    });
    try {
      const [escaped, named, quote] = await Promise.all([
        ltv(['run', '--input', 'e.txt', '--delimiter', '\\t', '--as-of', '2026-03-01T00:00:00Z', '--out', 'o1', '--forecast', 'off'], fx.dir),
        ltv(['run', '--input', 'e.txt', '--delimiter', 'tab', '--as-of', '2026-03-01T00:00:00Z', '--out', 'o2', '--forecast', 'off'], fx.dir),
        ltv(['run', '--input', 'e.txt', '--delimiter', '"', '--out', 'o3'], fx.dir),
      ]);
      // Refused before with 'is not one single-byte character (use … or "\t")', the very thing typed.
      for (const r of [escaped, named]) {
        expect(r.code, r.stderr).toBe(0);
        // (10 + 30) / 2 customers.
        expect(r.stdout).toMatch(/2 customers in 1 monthly cohort, revenue 40\.00 USD, LTV 30d 20\.00/);
      }
      expect(quote.code).toBe(1);
      // Refused as the flags are read, before anything else (it was when the file was opened, in the job's words).
      expect(quote.stderr).toBe('ltv: --delimiter: "\\"" quotes fields or ends lines, it cannot separate them (use e.g. "," ";" "|", "tab", or "whitespace" for runs of spaces)\n');
      expect(quote.stdout).toBe('');
    } finally {
      await fx.cleanup();
    }
  });

  // --threads 5000 ran on 5,012 OS threads and 100000 used up the host's thread limit: each way of setting the
  // threads is refused above 1024 before DuckDB opens (the input is missing: a run that got that far says so).
  it('refuses more than 1024 DuckDB threads from the flag, the job file and the environment', async ({ expect }) => {
    const fx = await makeFixture({ 'job.json': JSON.stringify({ inputs: [{ path: 'none.csv' }], duckdb: { threads: 1025 } }) });
    try {
      const base = ['run', '--input', 'none.csv', '--as-of', '2026-02-01T00:00:00Z', '--out', 'out', '--forecast', 'off'];
      const [flag, file, env] = await Promise.all([
        ltv([...base, '--threads', '1025'], fx.dir),
        ltv(['run', 'job.json'], fx.dir),
        ltv(base, fx.dir, { LTV_DUCKDB_THREADS: '1025' }),
      ]);
      expect([flag.code, flag.stderr]).toEqual([1, 'ltv: --threads: "1025" is more threads than ltv gives DuckDB (1024): give a whole number from 1 to 1024\n']);
      expect([file.code, file.stderr]).toEqual([1, 'ltv: job.json: duckdb.threads: must be at most 1024, not the number 1025\n']);
      expect([env.code, env.stderr]).toEqual([1, 'ltv: environment: LTV_DUCKDB_THREADS: must be at most 1024, not "1025"\n']);
    } finally {
      await fx.cleanup();
    }
  });

  it('takes LTV_DUCKDB_MEMORY_LIMIT and LTV_DUCKDB_THREADS as the worker does, below the flags (ltv run ignored them, even malformed)', async ({ expect }) => {
    const fx = await makeFixture({ 'e.csv': csv('customer_id,event_time,amount', [['a', '2026-01-10T10:00:00Z', '10']]) });
    const run = (env: NodeJS.ProcessEnv, extra: string[] = []) =>
      ltv(['run', '--input', 'e.csv', '--as-of', '2026-02-01T00:00:00Z', '--out', 'out', '--forecast', 'off', ...extra], fx.dir, env);
    try {
      const [bad, tiny, flag] = await Promise.all([run({ LTV_DUCKDB_THREADS: 'two' }), run({ LTV_DUCKDB_MEMORY_LIMIT: '1MB' }), run({ LTV_DUCKDB_MEMORY_LIMIT: '1MB' }, ['--memory-limit', '1GB'])]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toBe('ltv: environment: LTV_DUCKDB_THREADS: must be a whole number in decimal digits, not "two"\n');
      // 1 MB is too small for any statement: the run fails naming the limit it was given from the environment.
      expect(tiny.code).toBe(1);
      expect(tiny.stderr.trim().split('\n').pop()).toMatch(/^ltv: DuckDB ran out of the run's memory limit \(1MB\) .*or LTV_DUCKDB_MEMORY_LIMIT; default 1GB\), or give fewer --threads$/);
      // The flag wins over the environment.
      expect(flag.code, flag.stderr).toBe(0);
    } finally {
      await fx.cleanup();
    }
  });
});
