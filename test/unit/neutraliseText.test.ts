import { describe, expect, it } from 'vitest';
import { neutraliseText } from '../../src/report/neutraliseText.js';

describe('neutraliseText (SPEC §5, OWASP CSV injection)', () => {
  it.each(['=1+1', '+SUM(A1)', '-2+3', '@cmd', '\tx', '\rx', '\nx', '=HYPERLINK("http://x","y")'])('prefixes %j with an apostrophe', (text) => {
    expect(neutraliseText(text)).toBe(`'${text}`);
  });

  it.each(['Total', '2026-01-01', 'US', 'Österreich — 日本', '', "'already", ' =space first', 'a=b'])('leaves %j as it is', (text) => {
    expect(neutraliseText(text)).toBe(text);
  });
});
