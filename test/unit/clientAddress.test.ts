// Which client a connection counts against (src/serve/clientAddress.ts): the per-client caps on open
// connections and failed logins would mean nothing to an IPv6 client keyed by its full address, since it
// holds a whole /64 and may use a new address for every connection.
import { describe, expect, it } from 'vitest';
import { clientOf } from '../../src/serve/clientAddress.js';

describe('the client of a remote address', () => {
  it('is the IPv4 address itself', () => {
    expect(clientOf('203.0.113.7')).toBe('203.0.113.7');
    expect(clientOf('203.0.113.8')).toBe('203.0.113.8');
  });

  it('is the /64 of an IPv6 address, however it is written', () => {
    const one = '2001:db8:1:2::/64';
    expect(clientOf('2001:db8:1:2:3:4:5:6')).toBe(one);
    expect(clientOf('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe(one);
    expect(clientOf('2001:db8:1:2::9')).toBe(one);
    expect(clientOf('2001:DB8:1:2::')).toBe(one);
    expect(clientOf('2001:0db8:0001:0002:0000:0000:0000:0001')).toBe(one);
    // The next /64 is another client.
    expect(clientOf('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
    expect(clientOf('::1')).toBe('0:0:0:0::/64');
    expect(clientOf('64:ff9b::192.0.2.33')).toBe('64:ff9b:0:0::/64');
  });

  it('is the IPv4 client an IPv4-mapped address stands for (a dual-stack server sees IPv4 clients so)', () => {
    expect(clientOf('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(clientOf('::ffff:7f00:1')).toBe('127.0.0.1');
    expect(clientOf('::FFFF:203.0.113.7')).toBe('203.0.113.7');
  });

  it('drops a zone index, and keeps what is not an address as it is', () => {
    expect(clientOf('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(clientOf(undefined)).toBe('unknown');
    expect(clientOf('not-an-address')).toBe('not-an-address');
  });
});
