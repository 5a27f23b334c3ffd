// SPEC §3 bad rows: a JSON Lines key the job reads must hold one value. Read as text, an object or an
// array became a customer id ('{"id":5}') or a segment title ('["a","b"]') without a word; such a line is
// quarantined at its line, naming the key. Keys the job does not read may hold anything.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
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
    ];
    const fx = await makeFixture({ 'e.jsonl': `${lines.join('\n')}\n` });
    try {
      await runJob(fx, {
        inputs: [{ path: 'e.jsonl' }], max_bad_row_share: 0.9,
        matrices: [{ period_type: 'days', period_unit: 'month', segmentation: 'product' }],
      }, T);
      const { report, dir } = await readLatest(fx);
      const q = (await readFile(join(dir, 'quarantine.csv'), 'utf8')).trim().split('\n').slice(1);
      expect(q.map((l) => l.split(',')[1])).toEqual(['1', '2', '3']);
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
      await expect(runJob(fx, { inputs: [{ path: 'e.jsonl' }] }, T)).rejects.toThrow(/^3 of 3 rows \(100\.00 %\) are bad, above the 1\.00 % limit: nothing was published/);
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

  it('still refuses a pretty-printed JSON document as a whole, in one line, rather than as bad rows', async () => {
    // Its "  {" lines open objects that close lines later: no line is one object.
    const doc = '[\n  {\n    "customer_id": "a",\n    "event_time": "2026-01-10T08:00:00Z",\n    "amount": 5\n  }\n]\n';
    const fx = await makeFixture({ 'e.json': doc });
    try {
      await expect(runJob(fx, { inputs: [{ path: 'e.json' }] }, T)).rejects.toThrow(/e\.json: is read as JSON Lines .*but no line is a JSON object \(line 1: "\["\)/);
    } finally {
      await fx.cleanup();
    }
  });
});
