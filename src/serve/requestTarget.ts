// A request target as the routes see it, and which API's error shape a path answers in (SPEC §6: each
// API's errors in its own shape). Shared by the request pipeline and the answers written to raw sockets.
import type { ErrorFamily } from './HttpError.js';

/** `/api/v1/…` is Adapty's (and the explorer's); everything else answers in Zenovay's shape. */
export function familyOfPath(path: string): ErrorFamily {
  return path.startsWith('/api/v1/') ? 'adapty' : 'zenovay';
}

const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/;

/**
 * The origin-form of a target: an absolute-form one (`GET http://host/api/… HTTP/1.1`, which RFC 9112
 * §3.2.2 says a server must accept) is routed by its path and query.
 */
export function originForm(target: string): string {
  const origin = ABSOLUTE_FORM.exec(target);
  if (!origin) return target;
  const rest = target.slice(origin[0].length);
  return rest.startsWith('/') ? rest : `/${rest}`;
}

/**
 * The request line (method, target) of the request the parser refused, when it got that far: the last one
 * begun before the error in the bytes it was parsing (a pipelined packet holds the requests before it too).
 */
function refusedLine(packet: Buffer | undefined, bytesParsed: number | undefined): RegExpMatchArray | undefined {
  if (!packet) return undefined;
  const lines = (text: string): RegExpMatchArray[] => [...text.matchAll(/(?:^|\n)([A-Z]+) (\S+)/g)];
  const before = lines(packet.subarray(0, bytesParsed ?? packet.length).toString('latin1'));
  // An error inside the request line itself may be reported before its target: then the first line.
  return before.at(-1) ?? lines(packet.toString('latin1'))[0];
}

/** The target of the request the parser refused (refusedLine); '' if none. */
export function refusedTarget(packet: Buffer | undefined, bytesParsed: number | undefined): string {
  return originForm(refusedLine(packet, bytesParsed)?.[2] ?? '');
}

/** The method of the request the parser refused (refusedLine); undefined if none. */
export function refusedMethod(packet: Buffer | undefined, bytesParsed: number | undefined): string | undefined {
  return refusedLine(packet, bytesParsed)?.[1];
}

/**
 * Whether Node's header-size limit (it counts the target with the header names and values) was passed in
 * the request target: a 414, not a 431. Node reports the overflow where the span it was counting ends in
 * the packet: a target at the space before the version, a header name at its colon, a value at its CR, and
 * any span at the end of the packet. So it is the target when the line being parsed is the request line's
 * start, or when the span ends at a space. A target cut by the end of a packet that did not start it cannot
 * be told from a long header value: false (the 431 names both).
 */
export function targetOverflowed(packet: Buffer | undefined, bytesParsed: number | undefined): boolean {
  if (!packet || bytesParsed === undefined || bytesParsed > packet.length) return false;
  const lineStart = bytesParsed === 0 ? 0 : packet.lastIndexOf(0x0a, bytesParsed - 1) + 1;
  if (/^[A-Z]+ \S*$/.test(packet.subarray(lineStart, bytesParsed).toString('latin1'))) return true;
  return lineStart === 0 && packet[bytesParsed] === 0x20;
}
