// Which client a connection comes from, for the limits kept per client (open connections, failed logins).
// An IPv4 address is one client. An IPv6 client is its /64 network: a home or a cloud server gets a whole
// /64 (RFC 6177, RFC 7381) and may pick any of its 2^64 addresses for each connection, so keyed by the full
// address one client could open a connection (or try ten keys) per address and never meet a limit. An
// IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, how a dual-stack server sees IPv4 clients) is the IPv4
// client it maps; a zone index (`fe80::1%eth0`) is dropped.
import { isIPv4, isIPv6 } from 'node:net';

/** The client a remote address belongs to: the IPv4 address, or the IPv6 /64 as `xxxx:xxxx:xxxx:xxxx::/64`. */
export function clientOf(remoteAddress: string | undefined): string {
  if (remoteAddress === undefined) return 'unknown';
  const address = remoteAddress.replace(/%.*$/, '');
  if (isIPv4(address)) return address;
  if (!isIPv6(address)) return address;
  const groups = ipv6Groups(address);
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  if (mapped) return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.');
  return `${groups.slice(0, 4).map((g) => g.toString(16)).join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a trailing dotted IPv4 part read). */
function ipv6Groups(address: string): number[] {
  let text = address;
  const tail: number[] = [];
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    tail.push((a << 8) | b, (c << 8) | d);
    // `::ffff:1.2.3.4` → `::ffff`; `::1.2.3.4` → `::`.
    text = text.slice(0, dotted.index);
    if (text.endsWith(':') && !text.endsWith('::')) text = text.slice(0, -1);
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const parse = (s: string | undefined): number[] => (s ? s.split(':').filter((g) => g !== '').map((g) => parseInt(g, 16)) : []);
  const left = parse(head);
  const right = [...parse(rest), ...tail];
  const zeros = rest === undefined ? [] : new Array<number>(8 - left.length - right.length).fill(0);
  return [...left, ...zeros, ...right];
}
