// The answers owed on each connection. Errors Node raises on the socket itself (a request its parser
// refused, a header or body timeout) have no response object of their own when they reach us; answering
// them straight onto the socket would overtake the answers still owed to earlier pipelined requests, or
// add a second answer to a request already answered. Here each such error is answered once, in order,
// and the connection is closed after it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { rawErrorResponse, sendError, type ErrorFamily, type HttpError } from './HttpError.js';

interface Connection {
  /** Answers not finished yet, in request order. */
  owed: Set<ServerResponse>;
  /** The last request read on the connection; `state.family` is its error shape as the pipeline learns its route. */
  last: { req: IncomingMessage; res: ServerResponse; state: { family: ErrorFamily } } | null;
  /** A final answer is on its way: the connection closes after it, and later socket errors add nothing. */
  closing: boolean;
}

export class Connections {
  private readonly bySocket = new WeakMap<Socket, Connection>();

  private of(socket: Socket): Connection {
    let c = this.bySocket.get(socket);
    if (!c) {
      c = { owed: new Set(), last: null, closing: false };
      this.bySocket.set(socket, c);
    }
    return c;
  }

  /** Called for every request as it arrives. */
  track(req: IncomingMessage, res: ServerResponse, state: { family: ErrorFamily }): void {
    const c = this.of(req.socket);
    const owed = c.owed;
    c.last = { req, res, state };
    owed.add(res);
    res.once('close', () => owed.delete(res));
  }

  /**
   * Answers a request whose body has not (or not validly) arrived with `err`, unless it is answered
   * already, and closes the connection after its answer: the rest of its body is never read.
   */
  endRequest(req: IncomingMessage, res: ServerResponse, family: ErrorFamily, err: HttpError): void {
    this.of(req.socket).closing = true;
    if (!res.headersSent) {
      // Node closes the socket once an answer marked Connection: close is written.
      res.setHeader('connection', 'close');
      sendError(res, family, err);
    } else if (!res.writableFinished) {
      res.once('finish', () => req.socket.destroySoon());
    } else {
      req.socket.destroySoon();
    }
  }

  /**
   * Node's clientError. When the connection's last request is still receiving its body, the error is that
   * request's: answered through its own response, in its route's shape. Otherwise it is a request that has
   * no response object: answered on the socket in `family`'s shape, after every answer still owed on the
   * connection. `errorFor(true)` is the error for the first case, `errorFor(false)` for the second.
   */
  answerSocketError(socket: Socket, family: ErrorFamily, requestId: string, errorFor: (bodyArriving: boolean) => HttpError): void {
    const c = this.of(socket);
    // Node raises another error for each chunk the client still sends after the first.
    if (c.closing) return;
    const last = c.last;
    if (last && !last.req.complete) {
      this.endRequest(last.req, last.res, last.state.family, errorFor(true));
      return;
    }
    c.closing = true;
    const answer = rawErrorResponse(family, errorFor(false), requestId, new Date());
    const write = (): void => {
      if (socket.writable) socket.end(answer);
      socket.destroySoon();
    };
    const owed = [...c.owed];
    let left = owed.length;
    if (left === 0) write();
    for (const res of owed) {
      res.once('close', () => {
        if (--left === 0) write();
      });
    }
  }
}
