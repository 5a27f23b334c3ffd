// A job file that is no regular file is refused at once: reading a FIFO waited for a writer forever
// (`ltv run pipe.json` hung without a word), and a directory said only "(EISDIR)".
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jobFromFlags, loadJob } from '../../src/config/loadJob.js';
import { quoteLiteral } from '../../src/warehouse/loadSql.js';

describe('loadJob', () => {
  it('refuses a FIFO or a directory in one line naming it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ltv-jobfile-'));
    try {
      execFileSync('mkfifo', [join(dir, 'pipe.json')]);
      await mkdir(join(dir, 'jobs.json'));
      await expect(loadJob(join(dir, 'pipe.json'))).rejects.toThrow(`${join(dir, 'pipe.json')}: is a FIFO (named pipe), not a job file: give a job's .json file, e.g. jobs/example.json`);
      await expect(loadJob(join(dir, 'jobs.json'))).rejects.toThrow(`${join(dir, 'jobs.json')}: is a directory, not a job file: give a job's .json file, e.g. jobs/example.json`);
      await expect(loadJob(join(dir, 'missing.json'))).rejects.toThrow(`${join(dir, 'missing.json')}: no such job file: give the path of a job's .json file, e.g. jobs/example.json`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 5000);

  it('names the line and column of a JSON mistake V8 reports without a position (it blamed the end of the file)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ltv-jobfile-'));
    try {
      const file = join(dir, 'typo.json');
      const at = async (text: string): Promise<string> => {
        await writeFile(file, text);
        return ((await loadJob(file).catch((e: unknown) => e)) as Error).message.replace(`${file}: `, '').replace(/ \(.*/, '');
      };
      // An unquoted word (line 6, column 15: the U of USD), single quotes (line 3, column 14: four spaces, {"path": and a space before it), a word alone.
      expect(await at('{\n  "tenant": "shop",\n  "inputs": [{"path": "a.csv"}],\n  "timezone": "UTC",\n  "formats": ["json"],\n  "currency": USD,\n  "retention": 3,\n  "max_bad_row_share": 0.05\n}\n'))
        .toBe('line 6, column 15: not valid JSON');
      expect(await at('{\n  "inputs": [\n    {"path": \'a.csv\'}\n  ]\n}\n')).toBe('line 3, column 14: not valid JSON');
      expect(await at('x')).toBe('line 1, column 1: not valid JSON');
      // Near the start of the file (V8 quotes it from its first character): the comma after tru, where V8 stops.
      expect(await at('{"a": tru, "inputs": [{"path": "a.csv"}]}')).toBe('line 1, column 10: not valid JSON');
      // V8's own position, as before: a trailing comma.
      expect(await at('{\n  "inputs": [{"path": "a.csv"}],\n}\n')).toBe('line 3, column 1: not valid JSON');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a key given twice, naming its field and both lines (JSON.parse kept the last without a word)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ltv-jobfile-'));
    try {
      const file = join(dir, 'nightly.json');
      await writeFile(file, '{\n  "timezone": "Europe/Berlin",\n  "inputs": [{"path": "a.csv"}, {"path": "b.csv",\n    "map": {"amount": "Total", "customer_id": "Email", "amount": "Net"}}],\n  "description": "a \\"timezone\\": in text"\n}\n');
      await expect(loadJob(file)).rejects.toThrow(`${file}: inputs[1].map.amount: given twice (on line 4); JSON would keep the last one without a word: keep one`);
      await writeFile(file, '{\n  "timezone": "Europe/Berlin",\n  "inputs": [{"path": "a.csv"}],\n  "timezone": "UTC"\n}\n');
      await expect(loadJob(file)).rejects.toThrow(`${file}: timezone: given twice (line 2 and line 4); JSON would keep the last one without a word: keep one`);
      // The same key in different objects, and a key's name inside a string, are no duplicates.
      await writeFile(file, '{"inputs": [{"path": "a.csv", "map": {"amount": "x"}}, {"path": "b.csv", "map": {"amount": "y"}}], "description": "\\"inputs\\": twice"}');
      expect((await loadJob(file)).inputs.map((i) => i.map.amount)).toEqual(['x', 'y']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('counts the lines of a key given twice as a syntax error\'s are counted: CR, LF and CRLF each end one (a CR-only file said "on line 1")', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ltv-jobfile-'));
    try {
      const file = join(dir, 'nightly.json');
      const twice = (eol: string): string => ['{"tenant":"t",', '"inputs":[{"path":"a.csv"}],', '"tenant":"u"}'].join(eol);
      for (const eol of ['\r', '\n', '\r\n']) {
        await writeFile(file, twice(eol));
        await expect(loadJob(file), JSON.stringify(eol)).rejects.toThrow(`${file}: tenant: given twice (line 1 and line 3); JSON would keep the last one without a word: keep one`);
      }
      // The same lines with a syntax error instead (a trailing comma at the end of line 3): the same count (and
      // no second place: V8's "at position 60" was said beside it).
      await writeFile(file, '{"tenant":"t",\r"inputs":[{"path":"a.csv"}],\r\n"retention":3,\r}');
      await expect(loadJob(file)).rejects.toThrow(`${file}: line 4, column 1: not valid JSON (Expected double-quoted property name)`);
      // Blank lines of each kind before the second key.
      await writeFile(file, '{"tenant":"t",\r\r\n\n\r"tenant":"u","inputs":[{"path":"a.csv"}]}');
      await expect(loadJob(file)).rejects.toThrow(`${file}: tenant: given twice (line 1 and line 5)`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('spells a time zone typed in another case as the zone does ("europe/berlin" was published as typed), keeping aliases', () => {
    const job = jobFromFlags({ inputs: [{ path: 'e.csv' }], timezone: 'europe/berlin', schedule: { cron: '0 6 * * *', timezone: 'utc' } }, '/tmp');
    expect([job.timezone, job.schedule?.timezone]).toEqual(['Europe/Berlin', 'UTC']);
    // A link is the user's choice of name: kept.
    expect(jobFromFlags({ inputs: [{ path: 'e.csv' }], timezone: 'US/Eastern' }, '/tmp').timezone).toBe('US/Eastern');
    expect(() => jobFromFlags({ inputs: [{ path: 'e.csv' }], timezone: 'Mars/Olympus' }, '/tmp')).toThrow('--timezone: not an IANA time zone (e.g. "UTC", "Europe/Berlin")');
  });

  it('refuses the abbreviations ICU takes as one zone of several (BST ran as Asia/Dhaka), keeping IANA\'s own short names', () => {
    const zone = (timezone: string, schedule = false): string => {
      try {
        const job = jobFromFlags({ inputs: [{ path: 'e.csv' }], ...(schedule ? { schedule: { cron: '0 6 * * *', timezone } } : { timezone }) }, '/tmp');
        return schedule ? job.schedule!.timezone : job.timezone;
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(zone('BST')).toBe('--timezone: "BST" is no IANA time zone (ICU reads it as Asia/Dhaka): an abbreviation means several zones; give the zone\'s name, e.g. "Europe/London", "America/New_York", "Asia/Kolkata"');
    expect(zone('ist')).toMatch(/^--timezone: "ist" is no IANA time zone \(ICU reads it as Asia\/(Calcutta|Kolkata)\)/);
    expect(zone('AST', true)).toMatch(/^command line: schedule\.timezone: "AST" is no IANA time zone \(ICU reads it as America\/Anchorage\)/);
    // IANA's own: EST is UTC−5 all year (a zone of tzdata), CET and EST5EDT follow their rules.
    expect(['EST', 'CET', 'EST5EDT', 'UTC'].map((z) => zone(z))).toEqual(['EST', 'CET', 'EST5EDT', 'UTC']);
  });

  it('refuses a NUL character in any string of a job at load, naming the field (the tenant and a time format reached SQL text, where DuckDB\'s parser ended the literal: "internal error")', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ltv-jobfile-'));
    try {
      const file = join(dir, 'nul.json');
      const refused = async (text: string): Promise<string> => {
        await writeFile(file, text);
        return ((await loadJob(file).catch((e: unknown) => e)) as Error).message;
      };
      const said = 'holds \\u0000, a NUL character, which no field of a job holds: remove it';
      expect(await refused('{"tenant":"a\\u0000b","inputs":[{"path":"../base.csv"}],"as_of":"2026-03-01T00:00:00Z"}')).toBe(`${file}: tenant: ${said}`);
      expect(await refused('{"tenant":"a","inputs":[{"path":"../base.csv","time_format":"%Y\\u0000"}]}')).toBe(`${file}: inputs[0].time_format: ${said}`);
      expect(await refused('{"inputs":[{"path":"a.csv"},{"path":"b.csv","map":{"amount":"To\\u0000tal"}}]}')).toBe(`${file}: inputs[1].map.amount: ${said}`);
      // A key: named by the object that holds it (the key itself cannot be printed on a line).
      expect(await refused('{"inputs":[{"path":"a.csv","map":{"am\\u0000ount":"x"}}]}')).toBe(`${file}: inputs[0].map: a key ${said}`);
      expect(await refused('{"inputs":[{"path":"a.csv"}],"email":{"to":["a@example.com\\u0000"]}}')).toBe(`${file}: email.to[0]: ${said}`);
      // Nested 100,000 deep (JSON.parse reads it): the field's own error, one line, not "Maximum call stack size exceeded".
      expect(await refused(`{"inputs":[{"path":"a.csv"}],"description":${'['.repeat(100_000)}${']'.repeat(100_000)}}`)).toBe(`${file}: description: must be text in double quotes, not a list`);
      // A NUL under it is still found, and named by its path.
      expect(await refused(`{"inputs":[{"path":"a.csv"}],"description":${'['.repeat(3)}"\\u0000"${']'.repeat(3)}}`)).toBe(`${file}: description[0][0][0]: ${said}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(() => jobFromFlags({ inputs: [{ path: 'e.csv' }], timezone: 'UTC\u0000' }, '/tmp')).toThrow('--timezone: holds \\u0000, a NUL character');
  });

  it('quoteLiteral refuses a NUL character itself, whoever lets one through (DuckDB would read the rest as SQL)', async () => {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    try {
      const value = async (sql: string) => (await con.runAndReadAll(sql)).getRows()[0]?.[0];
      expect(await value(`SELECT ${quoteLiteral("it's")}`)).toBe("it's");
      expect(() => quoteLiteral("a\u0000' OR TRUE")).toThrow('cannot write a text holding \\u0000 (a NUL character) into SQL: DuckDB\'s parser would end it there; the text begins "a\\u0000\' OR TRUE"');
    } finally {
      con.closeSync();
      db.closeSync();
    }
  });
});

describe('a job file\'s mistakes said so that its author can act', () => {
  const inDir = async (body: (dir: string) => Promise<void>): Promise<void> => {
    const dir = await mkdtemp(join(tmpdir(), 'ltv-jobfile-'));
    try {
      await body(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
  const refusal = async (file: string): Promise<string> => ((await loadJob(file).catch((e: unknown) => e)) as Error).message;

  it('names a loop of symbolic links as an input\'s path does (it said "cannot read the job file (ELOOP)")', () => inDir(async (dir) => {
    await symlink(join(dir, 'b.json'), join(dir, 'a.json'));
    await symlink(join(dir, 'a.json'), join(dir, 'b.json'));
    const file = join(dir, 'a.json');
    expect(await refusal(file)).toBe(`${file}: a symbolic link on its path leads back to itself (a loop of links, or a chain of more than 40; ELOOP): point the link at a job's .json file`);
  }));

  it('refuses a file over 1 MiB by its size, before reading it (600 MB took 6 s and 700 MB, then said "ERR_STRING_TOO_LONG")', () => inDir(async (dir) => {
    const file = join(dir, 'big.json');
    // Sparse: 600 MB that take no disk and would take seconds to read.
    await writeFile(file, '');
    await truncate(file, 600_000_000);
    const started = Date.now();
    expect(await refusal(file)).toBe(`${file}: is 600.0 MB, and a job file is at most 1 MiB (1,048,576 bytes; a job is some lines of settings, its data is read from its "inputs"): give the job's .json file`);
    expect(Date.now() - started).toBeLessThan(500);
    // 1 MiB itself loads (a long description stands for any long field).
    const exact = JSON.stringify({ inputs: [{ path: 'a.csv' }], description: '' });
    await writeFile(file, JSON.stringify({ inputs: [{ path: 'a.csv' }], description: 'x'.repeat(1_048_576 - exact.length) }));
    expect((await loadJob(file)).description).toHaveLength(1_048_576 - exact.length);
  }));

  it('says what an input\'s "map" is when it is given a list (it said "must be record, not a list")', () => inDir(async (dir) => {
    const file = join(dir, 'map.json');
    await writeFile(file, JSON.stringify({ inputs: [{ path: 'a.csv', map: [['amount', 'price']] }] }));
    expect(await refusal(file)).toBe(`${file}: inputs[0].map: must be an object from canonical column to the file's column, e.g. {"amount": "price"}, not a list`);
  }));

  it('says JSON has no comments when a comment is where the JSON breaks (it said "Expected property name or \'}\'")', () => inDir(async (dir) => {
    const file = join(dir, 'comment.json');
    const said = 'JSON has no comments: remove it, or write the note in "description"';
    await writeFile(file, '{\n  // nightly\n  "inputs": [{"path": "a.csv"}]\n}\n');
    expect(await refusal(file)).toBe(`${file}: line 2, column 3: not valid JSON (${said})`);
    await writeFile(file, '{\n  "inputs": [{"path": "a.csv"}], /* nightly */\n  "tenant": "t"\n}\n');
    expect(await refusal(file)).toBe(`${file}: line 2, column 34: not valid JSON (${said})`);
    await writeFile(file, '{"inputs": [{"path": "a.csv"}] // nightly\n}');
    expect(await refusal(file)).toBe(`${file}: line 1, column 32: not valid JSON (${said})`);
    // A slash that opens no comment keeps V8's words.
    await writeFile(file, '{"inputs": [{"path": "a.csv"}], /x}');
    expect(await refusal(file)).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: line 1, column 33: not valid JSON \\(Expected`));
  }));
});
