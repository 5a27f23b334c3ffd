// The explorer's cut of long row names (src/explorer/app/format.ts): its start and end kept, never half of
// what a reader sees as one character.
import { describe, expect, it } from 'vitest';
import { middleCut } from '../../src/explorer/app/format.js';

describe('middleCut', () => {
  it('keeps a short name and cuts a long one in its middle, 16 characters before the ellipsis and 15 after', () => {
    expect(middleCut('com.acme.app.premium')).toBe('com.acme.app.premium');
    const id = 'com.acme.photoeditor.subscription.premium.monthly';
    expect(middleCut(id)).toBe('com.acme.photoed…premium.monthly');
    expect(Array.from(middleCut(id))).toHaveLength(32);
  });

  it('cuts between whole characters: an emoji of several code points, a letter with a combining accent', () => {
    const family = '👨‍👩‍👧'; // three people joined by zero-width joiners: one character, five code points
    const cut = middleCut(family.repeat(40));
    expect(cut).toBe(`${family.repeat(16)}…${family.repeat(15)}`);
    const accented = 'e\u0301'; // é as e and a combining acute accent
    expect(middleCut(accented.repeat(40))).toBe(`${accented.repeat(16)}…${accented.repeat(15)}`);
  });
});
