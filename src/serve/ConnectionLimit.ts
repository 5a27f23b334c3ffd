// Open connections, capped server-wide and per client (an IPv4 address, an IPv6 /64: clientAddress.ts): without a cap, slow clients could each hold a
// socket for the 10 s header timeout until the process ran out of file descriptors, and one address could
// take every socket the server has. A connection over a cap is not served: it may send one request within
// REFUSED_WITHIN_MS, answered 503 in its path's error shape with Retry-After (createServer.ts), then closed;
// while REFUSING_MAX such connections are already waiting, or when it sends nothing in time, it is closed at
// once with no answer (a flood must not cost more than closing it).
import type { Socket } from 'node:net';
import { clientOf } from './clientAddress.js';

export const DEFAULT_MAX_CONNECTIONS = 1024;
export const DEFAULT_MAX_CONNECTIONS_PER_CLIENT = 256;
/** How long a refused connection has to send its request head before it is closed without an answer. */
export const REFUSED_WITHIN_MS = 1_000;
/** Refused connections waiting for their request at once; more are closed at once. */
export const REFUSING_MAX = 64;

export class ConnectionLimit {
  private open = 0;
  private readonly byClient = new Map<string, number>();
  private refusing = 0;
  /** Why a connection is refused: the message of its 503. */
  private readonly refused = new WeakMap<Socket, string>();

  /** `perClient` 0: no cap per address (behind a reverse proxy every client has its address). */
  constructor(
    readonly max: number = DEFAULT_MAX_CONNECTIONS,
    readonly perClient: number = DEFAULT_MAX_CONNECTIONS_PER_CLIENT,
  ) {}

  /** Node's 'connection': counts the socket, or marks it refused, or closes it at once. */
  admit(socket: Socket): void {
    // An IPv6 client is its /64 (clientAddress.ts): it could otherwise use a new address per connection.
    const client = clientOf(socket.remoteAddress);
    const mine = this.byClient.get(client) ?? 0;
    const why =
      this.open >= this.max ? `The server has too many open connections (at most ${this.max}): retry in a second`
      : this.perClient > 0 && mine >= this.perClient ? `Too many open connections from this address (at most ${this.perClient}): close some, or retry in a second`
      : null;
    if (why === null) {
      this.open++;
      this.byClient.set(client, mine + 1);
      socket.once('close', () => {
        this.open--;
        const left = (this.byClient.get(client) ?? 1) - 1;
        if (left === 0) this.byClient.delete(client);
        else this.byClient.set(client, left);
      });
      return;
    }
    if (this.refusing >= REFUSING_MAX) {
      socket.destroy();
      return;
    }
    this.refusing++;
    this.refused.set(socket, why);
    const timer = setTimeout(() => socket.destroy(), REFUSED_WITHIN_MS);
    timer.unref();
    socket.once('close', () => {
      this.refusing--;
      clearTimeout(timer);
    });
  }

  /** The 503's message when the connection is over a cap, else null. */
  refusal(socket: Socket): string | null {
    return this.refused.get(socket) ?? null;
  }
}
