import { describe, expect, it } from 'vitest';
import { AnswerCache, ENTRY_OVERHEAD_BYTES } from '../../src/serve/AnswerCache.js';

const bytes = (n: number): Buffer => Buffer.alloc(n, 0x61);

describe('the computed answers of every run, in one budget', () => {
  // An entry costs its body, its key in UTF-16 and ENTRY_OVERHEAD_BYTES (256). The key is `<run>\0<key>`: run
  // numbers 0 to 2 and keys a0 to a2 make 4 characters, 8 bytes; a 1000-byte body costs 1000 + 8 + 256 = 1264.
  // A budget of 10 000 holds 7 of them (8848), not 8 (10 112).
  it('drops the least recently used answer of any run, and counts what it keeps', () => {
    expect(ENTRY_OVERHEAD_BYTES).toBe(256);
    const cache = new AnswerCache(10_000);
    const [r0, r1, r2] = [cache.forRun(), cache.forRun(), cache.forRun()];
    for (const r of [r0, r1]) for (const k of ['a0', 'a1', 'a2']) r.set(k, bytes(1000));
    expect(cache.stats()).toEqual({ bytes: 6 * 1264, entries: 6, runs: 2, budgetBytes: 10_000 });
    expect(r0.get('a0')?.length).toBe(1000); // used: now the most recent of the six
    for (const k of ['a0', 'a1', 'a2']) r2.set(k, bytes(1000));
    // Nine offered, seven fit: out go r0's a1 and a2, the least recently used, though r0 is not the fullest run.
    expect(['a0', 'a1', 'a2'].map((k) => r0.get(k) !== undefined)).toEqual([true, false, false]);
    expect(['a0', 'a1', 'a2'].every((k) => r1.get(k) !== undefined && r2.get(k) !== undefined)).toBe(true);
    expect(cache.stats()).toEqual({ bytes: 7 * 1264, entries: 7, runs: 3, budgetBytes: 10_000 });
  });

  it('never keeps an answer over a quarter of the budget, and counts a key set again once', () => {
    const cache = new AnswerCache(10_000);
    const r = cache.forRun();
    r.set('a0', bytes(2300)); // 2300 + 8 + 256 = 2564 > 2500
    expect(r.get('a0')).toBeUndefined();
    r.set('a0', bytes(2200)); // 2464
    r.set('a0', bytes(2200));
    expect(cache.stats()).toMatchObject({ bytes: 2464, entries: 1 });
  });

  it('keeps a copy of a small body, not the 8 KiB pool it is a slice of', () => {
    const cache = new AnswerCache(10_000);
    const r = cache.forRun();
    const small = Buffer.from('{"x":1}');
    expect(small.buffer.byteLength).toBeGreaterThan(small.length); // Node's pool
    r.set('a0', small);
    expect(r.get('a0')?.buffer.byteLength).toBe(7);
    expect(r.get('a0')?.toString()).toBe('{"x":1}');
  });

  it('a budget of 0 keeps nothing', () => {
    const cache = new AnswerCache(0);
    cache.forRun().set('a0', bytes(1));
    expect(cache.stats()).toMatchObject({ bytes: 0, entries: 0 });
  });
});
