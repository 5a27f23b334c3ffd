// JSON Lines numbers are handed to DuckDB as the text the export wrote, and an object naming a key twice
// is a bad row (splitRecords.ts readJsonLine).
import { describe, expect, it } from 'vitest';
import { readJsonLine } from '../../src/ingest/splitRecords.js';

const read = (line: Buffer): Buffer => {
  const r = readJsonLine(line);
  if (typeof r === 'string') throw new Error(r);
  return r.length === 1 ? r[0]! : Buffer.concat(r);
};
const q = (line: string): string => read(Buffer.from(line)).toString('utf8');

describe('readJsonLine', () => {
  it.each([
    ['{"a":10.50,"b":-0.0,"c":1e3,"d":-1.5E+10}', '{"a":"10.50","b":"-0.0","c":"1e3","d":"-1.5E+10"}'],
    ['{"a": 12345678901234.5678 , "n": null, "t": true}', '{"a": "12345678901234.5678" , "n": null, "t": true}'],
    // Digits inside strings, escaped quotes and keys stay as they are; nested values are quoted too.
    ['{"id 7":"x\\"9","v":[1,{"w":2}]}', '{"id 7":"x\\"9","v":["1",{"w":"2"}]}'],
    ['{"s":"a\\\\","n":5}', '{"s":"a\\\\","n":"5"}'],
    ['{"s":"é 5","n":5}', '{"s":"é 5","n":"5"}'],
  ])('%s', (line, expected) => {
    expect(q(line)).toBe(expected);
    expect(JSON.parse(q(line))).toBeTypeOf('object');
  });

  it('returns a line without numbers as it is, and never makes an invalid line valid', () => {
    const plain = Buffer.from('{"a":"1","b":false}');
    expect(read(plain)).toBe(plain);
    for (const bad of ['{"a":01}', '{"a":1 2}', '{"a":1.}', '{"a":.5}', '{"a":-}', '{"a":+1}']) {
      expect(() => JSON.parse(q(bad)), bad).toThrow();
    }
  });

  it.each([
    ['{"amount":10,"amount":99}', 'amount'],
    ['{"a":{"x":1},"b":[{"a":2}], "a" :3}', 'a'],
    // Written with an escape, the same key: DuckDB read the first value, JSON.parse the last.
    ['{"amount":10,"\\u0061mount":99}', 'amount'],
    ['{"customer\\u005fid":"c4","x":"\\"","customer_id":"c99"}', 'customer_id'],
    ['{"a\\/b":1,"a/b":2}', 'a/b'],
  ])('calls %s a bad row: a key twice', (line, key) => {
    expect(readJsonLine(Buffer.from(line))).toBe(`has the key "${key}" twice (a JSON object names each key once): keep one`);
  });

  it.each([
    ['{"customer_id":"c2","amount":2} {"customer_id":"c3","amount":3}', 'object', 33, '{"customer_id":"c3",'],
    ['{"a":1}x', 'object', 8, 'x'],
    ['[1,2] [3]', 'array', 7, '[3]'],
  ])('calls %s a bad row: a second value after the first, not a key twice', (line, what, at, after) => {
    expect(readJsonLine(Buffer.from(line))).toBe(`not a valid JSON line: more follows its ${what} (from byte ${at}, "${after}"): write one object per line`);
  });

  it('takes white space and a CR after the object', () => {
    expect(q('{"a":1} \t\r')).toBe('{"a":"1"} \t\r');
  });

  it('takes keys that differ once decoded, escaped or not', () => {
    expect(q('{"\\u0061":1,"b":2,"a\\n":3}')).toBe('{"\\u0061":"1","b":"2","a\\n":"3"}');
  });

  it('takes the same key in nested objects and in string values', () => {
    expect(q('{"a":{"a":1,"b":{"a":2}},"b":"a:","c":["a","a"]}')).toBe('{"a":{"a":"1","b":{"a":"2"}},"b":"a:","c":["a","a"]}');
  });

  it('leaves an escaped NUL character to the check statement, which knows the keys the job reads', () => {
    expect(q('{"country":"\\u0000US","note":"x\\u0000"}')).toBe('{"country":"\\u0000US","note":"x\\u0000"}');
  });
});
