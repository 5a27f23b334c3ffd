// TupleIndex (src/forecast/tupleIndex.ts): dense indexes of distinct number tuples, in order of first
// appearance, as the string keys `${a}|${b}|${c}` it replaced gave them.
import { expect, it } from 'vitest';
import { TupleIndex } from '../../src/forecast/tupleIndex.js';

it('numbers distinct tuples 0, 1, 2, … in order of first appearance, like string keys of the same tuples', () => {
  const tuples: [number, number, number][] = [];
  for (let i = 0; i < 2000; i++) tuples.push([i % 7, (i * 13) % 11 / 7, (i % 5) + 0.5]);
  tuples.push([0, -0, 0.5], [-0, 0, 0.5], [Number.NaN, 1, 1], [Number.NaN, 1, 1]);
  const index = new TupleIndex();
  const byString = new Map<string, number>();
  for (const [a, b, c] of tuples) {
    const key = `${a}|${b}|${c}`;
    if (!byString.has(key)) byString.set(key, byString.size);
    expect(index.of(a, b, c)).toBe(byString.get(key));
  }
  expect(index.size).toBe(byString.size);
  expect(index.of(0, 0, 0.5)).toBe(index.of(-0, -0, 0.5));
});
