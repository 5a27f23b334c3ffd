import { describe, expect, it } from 'vitest';
import { columnLetter } from '../../src/report/columnLetter.js';

describe('columnLetter', () => {
  it.each([
    [1, 'A'],
    [26, 'Z'],
    [27, 'AA'],
    [52, 'AZ'],
    [53, 'BA'],
    [702, 'ZZ'],
    [703, 'AAA'],
    [732, 'ABD'],
    [16384, 'XFD'],
  ])('%i → %s', (col, letters) => {
    expect(columnLetter(col)).toBe(letters);
  });
});
