// Where Node reports a header overflow (the packet it was parsing, and bytesParsed at the end of the span it
// was counting), as measured on Node 20: a request target over the limit is a 414, a header a 431.
import { describe, expect, it } from 'vitest';
import { targetOverflowed } from '../../src/serve/requestTarget.js';

const a = (n: number): string => 'a'.repeat(n);

describe('targetOverflowed', () => {
  it('the whole request line in the packet: the span ends at the space before the version', () => {
    const packet = Buffer.from(`GET /${a(17_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(targetOverflowed(packet, 17_005)).toBe(true);
  });

  it('the packet ends inside the target it starts', () => {
    expect(targetOverflowed(Buffer.from(`GET /${a(17_000)}`), 17_005)).toBe(true);
  });

  it('a later packet ends the target at its space: a target; cut by the packet\'s end: cannot be told, not one', () => {
    expect(targetOverflowed(Buffer.from(`${a(9_000)} HTTP/1.1\r\n\r\n`), 9_000)).toBe(true);
    expect(targetOverflowed(Buffer.from(a(9_000)), 9_000)).toBe(false);
  });

  it('a header value (it ends at its CR) or a header cut by the packet\'s end is no target', () => {
    const packet = Buffer.from(`GET /${a(10_000)} HTTP/1.1\r\nX: ${'b'.repeat(10_000)}\r\n\r\n`);
    expect(targetOverflowed(packet, 20_020)).toBe(false);
    expect(targetOverflowed(Buffer.from(`GET / HTTP/1.1\r\nX: ${'b'.repeat(17_000)}`), 17_019)).toBe(false);
    expect(targetOverflowed(undefined, undefined)).toBe(false);
  });
});
