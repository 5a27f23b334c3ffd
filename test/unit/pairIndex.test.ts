// PairIndex (src/forecast/pairIndex.ts): dense indexes of distinct pairs of numbers, in order of first
// appearance, as a Map keyed by the pair's text gives them (SameValueZero: 0 and −0 one key, NaN one key).
import { expect, it } from 'vitest';
import { PairIndex } from '../../src/forecast/pairIndex.js';

it('numbers distinct pairs 0, 1, 2, … in order of first appearance, like string keys of the same pairs', () => {
  const pairs: [number, number][] = [];
  // Whole numbers (hashed from themselves), fractions and large numbers (hashed from their bits), and
  // enough of them that the table grows several times.
  for (let i = 0; i < 5000; i++) pairs.push([i % 97, ((i * 13) % 11) / 7], [i * 1e9, -i], [(i % 50) * 0.1, 2 ** 40 + (i % 3)]);
  pairs.push([0, -0], [-0, 0], [Number.NaN, 1], [Number.NaN, 1], [1, Number.NaN], [Infinity, -Infinity]);
  const index = new PairIndex(4);
  const byString = new Map<string, number>();
  for (const [a, b] of pairs) {
    const key = `${a === 0 ? 0 : a}|${b === 0 ? 0 : b}`;
    if (!byString.has(key)) byString.set(key, byString.size);
    expect(index.of(a, b)).toBe(byString.get(key));
  }
  expect(index.size).toBe(byString.size);
  expect(index.of(0, 0)).toBe(index.of(-0, -0));
  expect(index.of(Number.NaN, 1)).toBe(byString.get('NaN|1'));
  // 0.1 + 0.2 is not 0.3: distinct keys stay distinct.
  expect(index.of(0.1 + 0.2, 0)).not.toBe(index.of(0.3, 0));
});
