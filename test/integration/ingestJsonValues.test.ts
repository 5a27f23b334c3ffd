// SPEC §3 bad rows: a JSON Lines key the job reads must hold one value. Read as text, an object or an
// array became a customer id ('{"id":5}') or a segment title ('["a","b"]') without a word; such a line is
// quarantined at its line, naming the key. Keys the job does not read may hold anything.
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { grid, makeFixture, readLatest, runJob } from '../helpers/runFixture.js';

const T = '2026-02-15T00:00:00Z';

describe('JSON Lines values', () => {
  it('quarantines an object or array where the job reads one value, and keeps nested data it does not read', async () => {
    const lines = [
      '{"customer_id": {"id": 5}, "event_time": "2026-01-10T08:00:00Z", "amount": 10}', // 1: object
      '{"customer_id": "b", "event_time": "2026-01-10T08:00:00Z", "amount": [10]}', // 2: array
      '{"customer_id": "c", "event_time": "2026-01-10T08:00:00Z", "amount": 20, "Product_ID": ["a", "b"]}', // 3: array, key in another case
      '{"customer_id": "d", "event_time": "2026-01-11T08:00:00Z", "amount": 30, "meta": {"tags": ["x"]}, "product_id": "p"}', // 4: read
      '{"customer_id": "e", "event_time": "2026-01-12T08:00:00Z", "amount": 50, "product_id": "[q]"}', // 5: a string, read
      '{"customer\\u005fid": {"id": 6}, "event_time": "2026-01-10T08:00:00Z", "amount": 10}', // 6: object, key escaped
      '{"customer_id": "g", "event_time": "2026-01-10T08:00:00Z", "amount": 10, "\\u0061mount": 99}', // 7: amount twice, once escaped
    ];
    const fx = await makeFixture({ 'e.jsonl': `${lines.join('\n')}\n` });
    try {
      await runJob(fx, {
        inputs: [{ path: 'e.jsonl' }], max_bad_row_share: 0.95,
        matrices: [{ period_type: 'days', period_unit: 'month', segmentation: 'product' }],
      }, T);
      const { report, dir } = await readLatest(fx);
      const q = (await readFile(join(dir, 'quarantine.csv'), 'utf8')).trim().split('\n').slice(1);
      expect(q.map((l) => l.split(',')[1])).toEqual(['1', '2', '3', '6', '7']);
      expect(q[3]).toContain('the value of ""customer_id"" is a JSON object, not one value');
      expect(q[4]).toContain('has the key ""amount"" twice (a JSON object names each key once): keep one');
      expect(q[0]).toContain('the value of ""customer_id"" is a JSON object, not one value');
      expect(q[1]).toContain('the value of ""amount"" is a JSON array, not one value');
      expect(q[2]).toContain('the value of ""Product_ID"" is a JSON array, not one value');
      // d 30 and e 50, one product each; Total 80 / 2 = 40.
      expect(grid(report.matrices[0]!)).toEqual({ Total: [40, 40], p: [30, 30], '[q]': [50, 50] });
    } finally {
      await fx.cleanup();
    }
  });

  it('reads a file whose every line is bad as JSON Lines still: each line quarantined with its own reason', async () => {
    // Before, a file without one good line was taken for another format ("no line is a JSON object",
    // showing line 1, which is one).
    const lines = [
      '{"customer_id": "a", "event_time": "2026-01-10T08:00:00Z", "amount": {"value": 10}}', // 1: object
      '{"customer_id": "b", "customer_id": "c", "event_time": "2026-01-10T08:00:00Z", "amount": 5}', // 2: key twice
      '{"customer_id": "d", "event_time": "2026-01-10T08:00:00Z"', // 3: cut short
    ];
    const fx = await makeFixture({ 'e.jsonl': `${lines.join('\r\n')}\r\n` });
    try {
      await expect(runJob(fx, { inputs: [{ path: 'e.jsonl' }] }, T)).rejects.toThrow(/^all 3 rows are bad: nothing was published/);
      const [failed] = await readdir(join(fx.reportsDir, '.failed'));
      const q = (await readFile(join(fx.reportsDir, '.failed', failed!, 'quarantine.csv'), 'utf8')).trim().split('\n').slice(1);
      expect(q.map((l) => l.split(',')[1])).toEqual(['1', '2', '3']);
      expect(q[0]).toContain('the value of ""amount"" is a JSON object, not one value');
      expect(q[1]).toContain('has the key ""customer_id"" twice');
      expect(q[2]).toContain('not a valid JSON line');
    } finally {
      await fx.cleanup();
    }
  });

  // A JSON document where JSON Lines is expected: refused as a whole, in one line that names what the
  // file holds and the command that converts it, rather than as bad rows (brackets, objects with commas).
  const OBJ = (id: string, amount: number): string => `{"customer_id": "${id}", "event_time": "2026-01-10T08:00:00Z", "amount": ${amount}}`;
  it.each([
    ['pretty-printed', '[\n  {\n    "customer_id": "a",\n    "event_time": "2026-01-10T08:00:00Z",\n    "amount": 5\n  }\n]\n', 1, '"\\["'],
    ['one element per line', `[\n${OBJ('a', 5)},\n${OBJ('b', 7)}\n]\n`, 1, '"\\["'],
    ['opening on its first element', `\n[${OBJ('a', 5)},\n ${OBJ('b', 7)}]\n`, 2, '"\\[\\{"customer_id'],
    ['on one line', `[${OBJ('a', 5)}, ${OBJ('b', 7)}]`, 1, '"\\[\\{"customer_id'],
  ])('refuses a JSON array (%s), naming it and the conversion', async (_, doc, line, start) => {
    const fx = await makeFixture({ 'e.json': doc });
    try {
      const err = await runJob(fx, { inputs: [{ path: 'e.json' }] }, T).then(() => null, (e: Error) => e);
      expect(err?.message).toMatch(new RegExp(`e\\.json: line ${line} opens a JSON array \\(${start}.*\\), but the file is read as JSON Lines, one object per line with no enclosing \\[ \\]: write its elements one per line, e\\.g\\. jq -c '\\.\\[\\]' \\S*e\\.json > \\S*e\\.jsonl$`));
      expect(err?.message).not.toContain('\n');
      expect(await readdir(fx.reportsDir).catch(() => [])).not.toContain('default');
    } finally {
      await fx.cleanup();
    }
  });

  // README "Text files": UTF-16 with or without a byte order mark is refused saying what the file is. Without
  // one, its lines read as JSON Lines were "{ " c u s t o m …", a JSON object "that goes on over the next
  // lines", with a jq command for advice; as CSV it was said to be UTF-16 already.
  it('refuses UTF-16 without a byte order mark as JSON Lines too, gzipped or named .csv with "format": "jsonl"', async () => {
    const utf16 = Buffer.from(`${OBJ('a', 5)}\n${OBJ('b', 7)}\n`, 'utf16le');
    const fx = await makeFixture({ 'le.jsonl': utf16, 'le.jsonl.gz': gzipSync(utf16), 'be.jsonl': Buffer.from(utf16).swap16(), 'le.csv': utf16 });
    try {
      for (const input of [{ path: 'le.jsonl' }, { path: 'le.jsonl.gz' }, { path: 'be.jsonl' }, { path: 'le.csv', format: 'jsonl' as const }]) {
        await expect(runJob(fx, { inputs: [input] }, T)).rejects.toThrow(`${join(fx.dir, input.path)}: is UTF-16 text (without a byte order mark): save it as UTF-8`);
      }
    } finally {
      await fx.cleanup();
    }
  });

  it('refuses a pretty-printed JSON object, naming it and the conversion', async () => {
    const fx = await makeFixture({ 'e.jsonl': '{\n  "customer_id": "a",\n  "event_time": "2026-01-10T08:00:00Z",\n  "amount": 5\n}\n' });
    try {
      await expect(runJob(fx, { inputs: [{ path: 'e.jsonl' }] }, T)).rejects.toThrow(/e\.jsonl: line 1 opens a JSON object that goes on over the next lines \("\{"\), but the file is read as JSON Lines, each object on one line of its own: write it so, e\.g\. jq -c \. \S*e\.jsonl > \S*e\.converted\.jsonl$/);
    } finally {
      await fx.cleanup();
    }
  });

  // jq reads no gzip: the command given for a gzipped document was `jq -c '.[]' e.json.gz > e.json.jsonl`,
  // which fails ("Invalid numeric literal"). Run as a shell would, it writes the elements one per line.
  it.each([
    ['array', 'e.json.gz', `[\n${OBJ('a', 5)},\n${OBJ('b', 7)}\n]\n`, "zcat FILE | jq -c '.[]' > DIR/e.jsonl"],
    ['pretty-printed object', 'e.jsonl.gz', '{\n  "customer_id": "a",\n  "event_time": "2026-01-10T08:00:00Z",\n  "amount": 5\n}\n', 'zcat FILE | jq -c . > DIR/e.converted.jsonl'],
  ])('gives a gzipped JSON %s a command that inflates it for jq', async (_, name, doc, command) => {
    const fx = await makeFixture({ [name]: gzipSync(doc) });
    try {
      const err = await runJob(fx, { inputs: [{ path: name }] }, T).then(() => null, (e: Error) => e);
      const given = / e\.g\. (.*)$/.exec(err?.message ?? '')?.[1];
      expect(given).toBe(command.replace('FILE', join(fx.dir, name)).replace('DIR', fx.dir));
      // Debian's jq (.ci/run installs it): the command is run, not only read.
      await promisify(execFile)('sh', ['-c', given!]);
      const out = await readFile(command.endsWith('converted.jsonl') ? join(fx.dir, 'e.converted.jsonl') : join(fx.dir, 'e.jsonl'), 'utf8');
      expect(out.trim().split('\n').map((l) => JSON.parse(l).customer_id)).toEqual(name === 'e.json.gz' ? ['a', 'b'] : ['a']);
    } finally {
      await fx.cleanup();
    }
  });

  it('reads a JSON Lines file whose first line is a whole array as bad row 1, not as an array document', async () => {
    const fx = await makeFixture({ 'e.jsonl': `[1, 2]\n${OBJ('a', 5)}\n` });
    try {
      const err = await runJob(fx, { inputs: [{ path: 'e.jsonl' }] }, T).then(() => null, (e: Error) => e);
      expect(err?.message).toMatch(/^1 of 2 rows \(50\.00 %\) is bad/);
      const [failed] = await readdir(join(fx.reportsDir, '.failed'));
      const q = (await readFile(join(fx.reportsDir, '.failed', failed!, 'quarantine.csv'), 'utf8')).trim().split('\n').slice(1);
      expect(q.map((l) => l.split(',').slice(1, 3).join(','))).toEqual(['1,not a JSON object']);
    } finally {
      await fx.cleanup();
    }
  });
});
