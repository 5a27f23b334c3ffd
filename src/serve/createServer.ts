// The endpoint (SPEC §6): node:http only. One request pipeline for every route: request id, method and
// route check, body limit, authentication, rate limit, the route, and one place that renders errors
// in the route family's shape and writes the access log.
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from 'pino';
import { closeRunQueries, DEFAULT_MAX_QUEUED_QUERIES, queryQueueStats } from '../ltv/queryRun.js';
import { adaptyRoute } from './adaptyRoute.js';
import { AnswerCache, type AnswerCacheStats } from './AnswerCache.js';
import { ConnectionLimit } from './ConnectionLimit.js';
import { Connections } from './Connections.js';
import { HttpError, rawErrorResponse, sendError, toHttpError, type ErrorFamily } from './HttpError.js';
import { KeyStore, type KeyRecord } from './KeyStore.js';
import { explorerRoutes } from './explorerRoutes.js';
import { compileRoutes, matchRoute } from './matchRoute.js';
import { RateLimiter } from './RateLimiter.js';
import { bodyTooLarge, checkJsonContent, ClientGoneError, continueBody, readJsonBody } from './readJsonBody.js';
import { parserErrorMessage } from './parserErrorMessage.js';
import { familyOfPath, originForm, refusedMethod, refusedTarget, targetOverflowed } from './requestTarget.js';
import type { AuthScheme, Mount, MountAuth, RequestRecord, Route, RouteContext } from './Route.js';
import { RunCatalog } from './runCatalog.js';
import { RunStore } from './RunStore.js';
import { zenovayRoute } from './zenovayRoute.js';
import { clientOf } from './clientAddress.js';
import { headerValues } from './rawHeaders.js';

export interface ServerOptions {
  reportsDir: string;
  keysFile: string;
  logger: Logger;
  /** Routes mounted by the caller (the worker's admin routes); they go through the same pipeline. */
  extraRoutes?: Route[];
  /** How often the keys file is polled besides the directory watch. */
  keysPollMs?: number;
  /**
   * A route that has not answered by then (default 30 s) is answered for it: a 503 when it waits for filtered
   * queries (they are dropped: skipped, or their statement interrupted), else a 500.
   */
  handlerTimeoutMs?: number;
  /** Prefixes handled as a whole by the caller (bull-board, mounted by the CLI); they authenticate themselves. */
  mounts?: Mount[];
  /** Called once per answered request (SPEC §11 metrics). */
  onRequest?: (r: RequestRecord) => void;
  /** Clock of the rate limiter (tests). */
  now?: () => number;
  /** Time a client has to send its request headers (default 10 s; SPEC §6 endpoint edges). */
  headersTimeoutMs?: number;
  /** Time a client has to send its whole request, body included (default 30 s). */
  requestTimeoutMs?: number;
  /**
   * Time an answer may wait for its client to take the next byte (default 20 s): a client that stops reading
   * held its connection and the whole answer (20 MB for a day-unit body) in memory for ever.
   */
  sendTimeoutMs?: number;
  /** Wrong keys a client address may present per minute before its auth attempts get 429 (default 10). */
  authFailuresPerMinute?: number;
  /** Bytes of computed answers kept, all runs together (default 256 MiB; LTV_SERVE_CACHE_MB). */
  answerCacheBytes?: number;
  /** Open connections served at once (default 1024; LTV_SERVE_MAX_CONNECTIONS); more get 503 or are closed. */
  maxConnections?: number;
  /** Open connections served at once per client address (default 256; 0 = no cap; LTV_SERVE_MAX_CONNECTIONS_PER_CLIENT). */
  maxConnectionsPerClient?: number;
  /**
   * Filtered queries that may wait per run besides those running (default 64; LTV_SERVE_MAX_QUEUED_QUERIES); one
   * more, or one the queue would hold past its deadline, is answered 503 at once (src/ltv/queryRun.ts).
   */
  maxQueuedQueries?: number;
}

export interface LtvServer {
  listen(port: number, host?: string): Promise<AddressInfo>;
  /** Stops accepting, lets in-flight requests finish (up to graceMs), then closes everything. */
  close(graceMs?: number): Promise<void>;
  /** What the server holds now (tests, diagnostics); `queries` counts every server's of this process. */
  stats(): { answerCache: AnswerCacheStats; queries: { waiting: number; running: number } };
}

/** What the pipeline learns about a request as it goes: for the access log and the error shape. */
interface RequestState {
  route: string;
  family: ErrorFamily;
  tenant?: string;
}

/**
 * Whether anyone still waits for a request's answer. Its AbortSignal is made only when a route asks for it
 * (to wait for filtered queries): an AbortController costs several µs, which most requests need not pay.
 */
class Abandonment {
  private controller: AbortController | undefined;
  aborted = false;
  private reason: unknown;

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
  }
}

/**
 * Header fields a request may carry (real clients send a dozen or two; browsers with cookies, proxies adding
 * Forwarded and X-Forwarded-*, well under 50). Node keeps only the first `maxHeadersCount` (2000 by default)
 * and drops the rest unseen, so a second Host, key, x-ltv-tenant or x-ltv-run sent after 2000 fillers was
 * never compared with the first: the server reads one more than this and refuses a request that has it.
 */
const MAX_HEADER_FIELDS = 100;

/** The methods any route here answers; a 405 for a path no route has lists these. */
const METHODS = ['GET', 'HEAD', 'POST'];
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function requestIdOf(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

const healthRoute: Route = {
  method: 'GET',
  path: '/healthz',
  family: 'zenovay',
  auth: null,
  async handle({ res }) {
    const body = '{"status":"ok"}';
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.setHeader('content-length', body.length);
    res.setHeader('cache-control', 'no-store');
    res.end(body);
  },
};

/**
 * The key the request presents in the route's schemes, or null. Every copy of each header is read (Node keeps
 * only the first Authorization, and joins repeated X-API-Key values): a request carrying two different keys
 * is refused rather than answered with whichever one a header order or a proxy favoured.
 */
function presentedKey(req: IncomingMessage, schemes: readonly AuthScheme[]): string | null {
  const keys = new Set<string>();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = (req.rawHeaders[i] as string).toLowerCase();
    const value = req.rawHeaders[i + 1] as string;
    if (name === 'x-api-key' || name === 'x-admin-key') {
      if (schemes.includes(name) && value.trim() !== '') keys.add(value.trim());
    } else if (name === 'authorization') {
      const m = /^\s*([A-Za-z-]+)\s+(\S+)\s*$/.exec(value);
      const scheme = m?.[1]?.toLowerCase();
      if (m && (scheme === 'bearer' || scheme === 'api-key') && schemes.includes(scheme)) keys.add(m[2] as string);
    }
  }
  if (keys.size > 1) throw new HttpError('VALIDATION_ERROR', 'Send one API key: this request carries several different ones');
  return keys.values().next().value ?? null;
}

/**
 * RFC 9110 §11.6.1: a 401 must carry WWW-Authenticate with a challenge for each scheme the route takes
 * (Java's HttpURLConnection, for one, fails on a 401 without it: "No authentication challenges found").
 * X-API-Key and X-Admin-Key are headers, not schemes (every route taking one takes Bearer too).
 */
function authChallenge(schemes: readonly AuthScheme[]): string {
  const named = schemes.filter((s) => s === 'bearer' || s === 'api-key').map((s) => (s === 'bearer' ? 'Bearer realm="ltv"' : 'Api-Key realm="ltv"'));
  return named.length > 0 ? named.join(', ') : 'Bearer realm="ltv"';
}

/**
 * RFC 9112 §3.2: a server must answer 400 to an HTTP/1.1 request without a Host header, and to any request
 * with more than one (Node keeps the first of several silently). null when the request is fine.
 */
function hostProblem(req: IncomingMessage): string | null {
  const hosts = headerValues(req, 'host').length;
  if (hosts > 1) return 'Send one Host header, not several';
  if (hosts === 0 && req.httpVersionMajor === 1 && req.httpVersionMinor >= 1) return 'The Host header is required (HTTP/1.1)';
  return null;
}

/** The operator's admin key (LTV_ADMIN_KEY_SHA256) as a key record: admin only, no tenant. */
function operatorKey(plain: string, sha256Hex: string | undefined): KeyRecord | null {
  return operatorKeyByDigest(createHash('sha256').update(plain, 'utf8').digest(), sha256Hex);
}

/** operatorKey of the key whose SHA-256 is `digest` (a session's key: MountAuth.stillAdmin). */
function operatorKeyByDigest(digest: Buffer, sha256Hex: string | undefined): KeyRecord | null {
  if (!sha256Hex || !/^[0-9a-fA-F]{64}$/.test(sha256Hex)) return null;
  if (!timingSafeEqual(digest, Buffer.from(sha256Hex, 'hex'))) return null;
  return { id: `admin:${sha256Hex.slice(0, 12).toLowerCase()}`, tenants: [], plan: 'scale', requestsPerMinute: 600, admin: true };
}

export function createServer(opts: ServerOptions): LtvServer {
  const logger = opts.logger;
  const keys = new KeyStore(opts.keysFile, logger.child({ component: 'keys' }));
  keys.start(opts.keysPollMs);
  const runs = new RunStore(opts.reportsDir, new AnswerCache(opts.answerCacheBytes), logger.child({ component: 'runs' }));
  const limiter = new RateLimiter(opts.now);
  // Failed authentication per client address: a flood of guessed keys is throttled (429 with Retry-After)
  // before any key is hashed and compared.
  const failures = new RateLimiter(opts.now);
  const failuresPerMinute = opts.authFailuresPerMinute ?? 10;
  const handlerTimeoutMs = opts.handlerTimeoutMs ?? 30_000;
  const headersTimeoutMs = opts.headersTimeoutMs ?? 10_000;
  const requestTimeoutMs = opts.requestTimeoutMs ?? 30_000;
  const sendTimeoutMs = opts.sendTimeoutMs ?? 20_000;
  /** Set by close(): every answer from then on closes its connection (a keep-alive client would go on reusing it). */
  let draining = false;
  const connections = new Connections();
  const limit = new ConnectionLimit(opts.maxConnections, opts.maxConnectionsPerClient);
  // A body still arriving when a deadline passes is the client's delay, not the route's: 408.
  const bodyTimeout = (): HttpError =>
    new HttpError('REQUEST_TIMEOUT', `The request body was not received in time (within ${Math.min(handlerTimeoutMs, requestTimeoutMs) / 1000} s)`);
  const maxQueuedQueries = opts.maxQueuedQueries ?? DEFAULT_MAX_QUEUED_QUERIES;
  // A route past its deadline while it waits for filtered queries: the server is overloaded (the 503 of
  // src/ltv/queryRun.ts's queue bound came too late for it), said as such.
  const overdue = (): HttpError =>
    new HttpError('UNAVAILABLE', `The server could not answer within ${handlerTimeoutMs / 1000} s (too many filtered queries at once): retry in 5 s`, { headers: { 'retry-after': '5' } });
  // One sweeper for every in-flight route instead of a timer per request (a timer each costs
  // measurable throughput at 10k req/s). A route still running past its deadline is abandoned (its signal),
  // so the filtered queries it waits for are dropped and its wait rejects with the 503 above; a route that
  // waits for anything else gets a 500 instead.
  const inFlight = new Set<{ req: IncomingMessage; res: ServerResponse; family: ErrorFamily; route: string; deadline: number; abandon: Abandonment }>();
  const sweeper = setInterval(() => {
    const now = Date.now();
    for (const e of inFlight) {
      if (e.deadline > now) continue;
      inFlight.delete(e);
      if (!e.req.complete) {
        connections.endRequest(e.req, e.res, e.family, bodyTimeout());
        e.abandon.abort(bodyTimeout());
        continue;
      }
      if (e.res.headersSent) continue;
      e.abandon.abort(overdue());
      // The route's rejection has had its turn by then (it runs on microtasks, before setImmediate).
      setImmediate(() => {
        if (e.res.headersSent) return;
        logger.error({ route: e.route, deadline_ms: handlerTimeoutMs }, 'a route did not answer by its deadline');
        sendError(e.res, e.family, new HttpError('INTERNAL_ERROR', 'Request timed out'));
      });
    }
  }, Math.min(1000, handlerTimeoutMs));
  sweeper.unref();
  /** 429 while the address has used up its failed attempts: before any key is compared. */
  function guardAddress(client: string): void {
    const guard = failures.peek(client, failuresPerMinute);
    if (!guard.allowed) {
      // The same headers as the per-key limit's 429, for this address's budget of failed attempts.
      throw new HttpError('RATE_LIMIT_EXCEEDED', `Too many failed authentication attempts from this address; retry in ${guard.retryAfter} s`, {
        headers: { ...RateLimiter.headers(guard), 'retry-after': String(guard.retryAfter) },
      });
    }
  }
  /** The key's record (keys file, else the operator's admin key); a wrong key counts against the address. */
  function authenticate(client: string, plain: string, adminKeySha256: string | undefined): KeyRecord | null {
    // Both compared every time: which one matched does not show in the response time.
    const fromFile = keys.authenticate(plain);
    const operator = operatorKey(plain, adminKeySha256);
    const key = fromFile ?? operator;
    if (key === null) failures.take(client, failuresPerMinute);
    return key;
  }
  // Failed logins are counted per client: an IPv4 address or an IPv6 /64 (clientAddress.ts).
  const clientOfRequest = (req: IncomingMessage): string => clientOf(req.socket.remoteAddress);
  const catalog = new RunCatalog(runs);
  const compiled = compileRoutes([healthRoute, zenovayRoute(runs), adaptyRoute(runs, catalog), ...explorerRoutes(catalog), ...(opts.extraRoutes ?? [])]);
  const runRoutesOn = (opts.extraRoutes ?? []).some((r) => r.path === '/api/v1/runs' || r.path.startsWith('/api/v1/runs/'));

  async function handle(req: IncomingMessage, res: ServerResponse, log: RequestState, abandon: Abandonment): Promise<void> {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    log.family = familyOfPath(path);
    const method = req.method ?? 'GET';
    // Before any header is read: which copy of a header counts must not depend on where it was sent.
    if (req.rawHeaders.length / 2 > MAX_HEADER_FIELDS) {
      res.setHeader('connection', 'close');
      throw new HttpError('HEADERS_TOO_LARGE', `Too many header fields: send at most ${MAX_HEADER_FIELDS}`);
    }
    // Node's parser takes any major version; this server speaks HTTP/1.x only (RFC 9110 §15.6.6).
    if (req.httpVersionMajor !== 1) {
      res.setHeader('connection', 'close');
      throw new HttpError('HTTP_VERSION_NOT_SUPPORTED', `HTTP/${req.httpVersion} is not supported: send the request as HTTP/1.1`);
    }
    const host = hostProblem(req);
    if (host) {
      res.setHeader('connection', 'close');
      throw new HttpError('VALIDATION_ERROR', host);
    }

    const mount = opts.mounts?.find((m) => path === m.prefix || path.startsWith(`${m.prefix}/`));
    if (mount) {
      log.route = `${mount.prefix}/*`;
      const client = clientOfRequest(req);
      const auth: MountAuth = {
        guard: () => guardAddress(client),
        authenticate: (plain) => {
          guardAddress(client);
          return authenticate(client, plain, mount.adminKeySha256);
        },
        stillAdmin: (digest) => keys.byDigest(digest)?.admin === true || operatorKeyByDigest(digest, mount.adminKeySha256) !== null,
      };
      // A mount reads bodies its own way: 100 Continue at once, as Node would send it.
      continueBody(req, res);
      await mount.handle(req, res, path.slice(mount.prefix.length) || '/', auth);
      return;
    }
    const match = matchRoute(compiled, method, path);
    // A path no route has is 404 whatever the method (SPEC §6 "unknown routes 404"): a 405 there listed in
    // Allow methods the path does not have either (RFC 9110 §15.5.6).
    if (match.kind === 'none') {
      // The on-demand run routes are mounted only with an admin key configured (src/cli/mountRunRoutes.ts);
      // mounted, a path under them that is none of them (/api/v1/runs/a/b) is not found like any other.
      if (path === '/api/v1/runs' || path.startsWith('/api/v1/runs/')) {
        log.family = 'zenovay'; // the shape the routes answer in when they are on
        throw new HttpError('NOT_FOUND', runRoutesOn ? 'Not found' : 'Not found: the run routes are off on this server; its operator turns them on by setting LTV_ADMIN_KEY_SHA256');
      }
      throw new HttpError('NOT_FOUND', 'Not found');
    }
    if (match.kind === 'method') {
      // Exactly the methods of the routes at this path, whatever method was asked.
      log.family = match.family;
      log.route = match.path;
      res.setHeader('allow', match.allow.join(', '));
      throw new HttpError('METHOD_NOT_ALLOWED', `Method ${method} is not allowed here; allowed: ${match.allow.join(', ')}`);
    }
    const route = match.route;
    log.family = route.family;
    log.route = route.path;
    if (bodyTooLarge(req)) {
      throw new HttpError('PAYLOAD_TOO_LARGE', 'Request body is larger than 65536 bytes');
    }

    let key: KeyRecord | null = null;
    if (route.auth) {
      const client = clientOfRequest(req);
      guardAddress(client);
      const plain = presentedKey(req, route.auth.schemes);
      key = plain === null ? null : authenticate(client, plain, route.auth.adminKeySha256);
      if (key === null) {
        const how = route.auth.schemes.map((s) => (s === 'x-api-key' ? 'X-API-Key' : s === 'x-admin-key' ? 'X-Admin-Key' : s === 'bearer' ? 'Authorization: Bearer' : 'Authorization: Api-Key')).join(' or ');
        const msg = plain === null ? `Authentication credentials were not provided (${how})` : 'Invalid API key';
        throw new HttpError('UNAUTHORIZED', msg, { headers: { 'www-authenticate': authChallenge(route.auth.schemes) } });
      }
      const decision = limiter.take(key.id, key.requestsPerMinute);
      for (const [k, v] of Object.entries(RateLimiter.headers(decision))) res.setHeader(k, v);
      if (!decision.allowed) {
        throw new HttpError('RATE_LIMIT_EXCEEDED', `Rate limit of ${decision.limit} requests per minute exceeded; retry in ${decision.retryAfter} s`, {
            headers: { 'retry-after': String(decision.retryAfter) },
          });
      }
      if (route.auth.admin && !key.admin) {
        throw new HttpError('FORBIDDEN', 'This endpoint requires an admin key');
      }
      // seeds/003: "This endpoint requires a Pro plan or higher." Before the path's own checks: a free key
      // is refused whatever it asked for (a bad escape in the path was a 400 for it).
      if (route.auth.paid && key.plan === 'free') throw new HttpError('PLAN_REQUIRED', 'This endpoint requires a Pro plan or higher');
    }
    if (match.badEscape) {
      const { name, raw } = match.badEscape;
      throw new HttpError('VALIDATION_ERROR', `The path's ${name} "${raw.slice(0, 80)}" is not valid percent-encoding: write "%" as %25 and escape other bytes as %XX in UTF-8`);
    }

    const deadline = Date.now() + handlerTimeoutMs;
    const ctx: RouteContext = {
      req,
      res,
      params: match.params,
      rawParams: match.rawParams,
      query: new URLSearchParams(q === -1 ? '' : url.slice(q + 1)),
      key,
      requestId: res.getHeader('x-request-id') as string,
      logger,
      readJson: () => {
        checkJsonContent(req);
        return readJsonBody(req, res);
      },
      setTenant: (t) => {
        log.tenant = t;
      },
      queries: {
        get signal() {
          return abandon.signal;
        },
        deadline,
        maxQueued: maxQueuedQueries,
      },
    };
    const entry = { req, res, family: route.family, route: route.path, deadline, abandon };
    inFlight.add(entry);
    try {
      await route.handle(ctx);
    } finally {
      inFlight.delete(entry);
    }
  }

  // Header and request timeouts are enforced by Node's connection checker, which by default runs every
  // 30 s: a socket trickling its headers would be held ~40 s instead of 10. Checked every second.
  // The Host rule is checked in the pipeline (hostProblem), not by Node: its 400 has no body and no request id.
  const server = createHttpServer({ headersTimeout: headersTimeoutMs, requestTimeout: requestTimeoutMs, connectionsCheckingInterval: 1_000, requireHostHeader: false }, (req, res) => answer(req, res, false));
  // Node stops collecting header fields past this many (in batches of 32: rawHeaders then holds more than
  // MAX_HEADER_FIELDS but never all of them); one more than the limit is enough to tell a request over it.
  server.maxHeadersCount = MAX_HEADER_FIELDS + 1;
  // An Expect other than 100-continue: Node's own 417 had no body and no request id. Answered by the pipeline.
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => answer(req, res, true));
  // Expect: 100-continue: Node would send 100 before any check, so a request refused anyway (no key, too
  // large, a wrong type) had its body sent for nothing. 100 goes when a route reads the body (continueBody).
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => answer(req, res, false));
  // Runs after Node's own listener has attached its parser: a connection over a cap is marked, or closed.
  server.on('connection', (socket: Socket) => limit.admit(socket));

  function answer(req: IncomingMessage, res: ServerResponse, expectationFailed: boolean): void {
    const started = process.hrtime.bigint();
    const requestId = requestIdOf(req);
    res.setHeader('x-request-id', requestId);
    // Every answer, page or API (SPEC §10): no MIME sniffing, no Referer carrying our URLs elsewhere.
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    // An absolute-form target (`GET http://host/path`) is routed by its path, for the routes and mounts alike.
    if (req.url !== undefined && !req.url.startsWith('/')) req.url = originForm(req.url);
    const log: RequestState = { route: 'unmatched', family: familyOfPath(req.url ?? '/') };
    connections.track(req, res, log);
    // Aborted when nobody waits for this answer any more: the route's deadline (the sweeper) or the client
    // gone before it was sent. The filtered queries it waits for are then skipped or interrupted.
    const abandon = new Abandonment();
    res.once('close', () => {
      if (!res.writableFinished) abandon.abort(new ClientGoneError('client closed the connection before its answer'));
    });
    if (draining) res.setHeader('connection', 'close');
    if (req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0')) {
      // A request with a body, answered before the body has all arrived (a GET sent with one, whose route
      // never reads it): its connection is closed after the answer ('finish' below), so the answer must say
      // so, as the refusals before a body do; it said keep-alive and the client's next request met a closed
      // socket. Only such requests pay for the wrapper.
      const writeHead = res.writeHead;
      res.writeHead = ((...args: Parameters<typeof writeHead>) => {
        if (!req.complete) res.setHeader('connection', 'close');
        return writeHead.apply(res, args);
      }) as typeof writeHead;
    }
    res.on('finish', () => {
      accessLog(requestId, req.method, log, res.statusCode, started);
      // Answered before its body has all arrived (a 401 or 415 before reading it, a GET sent with a body):
      // Node would read and discard the rest until the request timeout, 30 s of whatever the client sends.
      // The connection carries nothing more until that body ends, so it is closed after the answer.
      // Shutting down: the connection ends with this answer (its headers may have said keep-alive).
      if (!req.complete || draining) req.socket.destroySoon();
    });
    const refusal = limit.refusal(req.socket);
    if (refusal !== null) res.setHeader('connection', 'close');
    const pipeline =
      refusal !== null ? Promise.reject(new HttpError('UNAVAILABLE', refusal, { headers: { 'retry-after': '1' } }))
      : expectationFailed ? Promise.reject(new HttpError('EXPECTATION_FAILED', 'Only Expect: 100-continue is supported: send the request without this Expect header'))
      : handle(req, res, log, abandon);
    // The answer is written (or streaming): from now on the socket's idle time is the client's not taking
    // it. Node destroys a socket idle this long (no 'timeout' listener), and its keep-alive handling resets
    // the timeout for the next request.
    const sending = (): void => {
      if (!res.writableFinished && !res.destroyed) res.setTimeout(sendTimeoutMs);
    };
    pipeline.then(sending, () => undefined);
    pipeline.catch((e: unknown) => {
      if (e instanceof ClientGoneError) {
        // Answered already (a body timeout, then the connection closed): nothing more to say.
        if (res.writableEnded) return;
        // The client went away mid-body: nothing to answer, and not a server error (any client can do it).
        logger.info({ req_id: requestId, route: log.route }, 'client closed the connection mid-request');
        res.destroy();
        return;
      }
      // Answered already (the deadline's answer; the parser's, Connections.endRequest, when a chunk of the
      // body was malformed) or its client gone: what the route failed on afterwards (an answer it could no
      // longer send, ERR_HTTP_HEADERS_SENT, thrown out of this handler) is no fault, and nobody waits for it.
      if (res.writableEnded || (abandon.aborted && (res.headersSent || res.destroyed))) {
        logger.debug({ req_id: requestId, route: log.route, err: e }, 'a route finished after its request was abandoned');
        return;
      }
      const err = toHttpError(e);
      // Overload (a connection over a cap, too many filtered queries waiting; any client can cause it at will)
      // is no fault of the server: its access-log line says 503. Nor is a request line of another HTTP
      // version (505): any client sends one, and each logged an error with a stack.
      if (err.status >= 500 && err.code !== 'UNAVAILABLE' && err.code !== 'HTTP_VERSION_NOT_SUPPORTED') logger.error({ req_id: requestId, err: e }, 'request failed');
      // Stop reading a body the answer does not need (an oversized one above all): the connection is closed
      // after the answer (the 'finish' handler above) instead of draining it, and the answer says so.
      if (err.status === 413 || !req.complete) res.setHeader('connection', 'close');
      sendError(res, log.family, err);
      sending();
    });
  }
  server.keepAliveTimeout = 5_000;

  /** SPEC §6 access log (never a key, never a body) and the metrics hook, once per answered request. */
  function accessLog(requestId: string, method: string | undefined, log: RequestState, status: number, started: bigint): void {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    opts.onRequest?.({ route: log.route, method: method ?? 'GET', status, seconds });
    logger.info({ req_id: requestId, method, route: log.route, tenant: log.tenant, status, duration_ms: seconds * 1e3 }, 'request');
  }

  // Requests Node's parser refuses (a NUL, CR or LF in a header, an oversized header, a bad request line,
  // Content-Length with Transfer-Encoding) and header/request timeouts never reach a route: they are
  // answered here, in the API's error shape and with a request id like every other response (SPEC §6),
  // after the answers still owed on the connection, and only once (Connections.ts).
  server.on('clientError', (err: NodeJS.ErrnoException & { rawPacket?: Buffer; bytesParsed?: number; reason?: string }, socket: Socket) => {
    const requestId = randomUUID();
    // The client reset the connection or ended its side mid-request: nobody is waiting for an answer.
    if (err.code === 'ECONNRESET' || err.code === 'HPE_INVALID_EOF_STATE') {
      socket.destroy();
      return;
    }
    // The family from the refused request's line, when the parser got that far.
    const family = familyOfPath(refusedTarget(err.rawPacket, err.bytesParsed));
    const timeout = err.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    logger.info({ req_id: requestId, code: err.code }, 'request refused by the HTTP parser');
    const refusal = (bodyArriving: boolean): HttpError =>
      timeout && bodyArriving ? bodyTimeout()
      : timeout ? new HttpError('REQUEST_TIMEOUT', `The request headers were not received in time (within ${headersTimeoutMs / 1000} s)`)
      // Node's limit counts the target with the headers: a long URL was answered "headers are too large".
      : err.code === 'HPE_HEADER_OVERFLOW' && targetOverflowed(err.rawPacket, err.bytesParsed) ? new HttpError('URI_TOO_LONG', 'The URL is too long: the URL and headers may hold at most 16 KiB together')
      : err.code === 'HPE_HEADER_OVERFLOW' ? new HttpError('HEADERS_TOO_LARGE', 'Request headers are too large: the URL and headers may hold at most 16 KiB together')
      // A whole number too large for the parser (over 2^64) declares a body far over the limit: 413, as any.
      : err.reason === 'Content-Length overflow' ? new HttpError('PAYLOAD_TOO_LARGE', 'Request body is larger than 65536 bytes (its Content-Length says so)')
      // A chunk's size likewise (it was "a chunk size must be hexadecimal digits", which it is).
      : err.reason === 'Chunk size overflow' ? new HttpError('PAYLOAD_TOO_LARGE', 'Request body is larger than 65536 bytes (a chunk\'s size says so)')
      : new HttpError('VALIDATION_ERROR', parserErrorMessage(err.code, err.reason));
    connections.answerSocketError(socket, family, requestId, (bodyArriving) => {
      const error = refusal(bodyArriving);
      // A request whose body was arriving is counted when its own answer finishes (accessLog); one refused
      // whole reached no route and was in no metric (a flood of oversized headers went unseen): `unmatched`,
      // by its method when the parser read one. When it began is not known: no duration.
      if (!bodyArriving) opts.onRequest?.({ route: 'unmatched', method: refusedMethod(err.rawPacket, err.bytesParsed) ?? 'other', status: error.status, seconds: null });
      return error;
    });
  });

  // CONNECT (a proxy's method) never reaches the request handler: without an answer Node would drop the
  // socket silently. 405 in the path's shape, with the methods this server answers, then close.
  server.on('connect', (req: IncomingMessage, socket: Socket) => {
    const started = process.hrtime.bigint();
    const requestId = requestIdOf(req);
    const log: RequestState = { route: 'unmatched', family: familyOfPath(originForm(req.url ?? '')) };
    const error = new HttpError('METHOD_NOT_ALLOWED', 'Method CONNECT is not allowed: this server is not a proxy', { headers: { allow: METHODS.join(', ') } });
    socket.on('error', () => undefined);
    socket.end(rawErrorResponse(log.family, error, requestId, new Date()));
    socket.destroySoon();
    accessLog(requestId, req.method, log, error.status, started);
  });

  return {
    stats: () => ({ answerCache: runs.answers.stats(), queries: queryQueueStats() }),
    listen(port, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    close(graceMs = 10_000) {
      keys.stop();
      clearInterval(sweeper);
      // Answers under way end their connections (their clients reconnect to another instance): the routes
      // still running say so in their headers; any answer ends its connection on finishing ('finish' above),
      // idle connections close now.
      draining = true;
      for (const e of inFlight) if (!e.res.headersSent) e.res.setHeader('connection', 'close');
      return new Promise((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), graceMs);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          // The DuckDB instances kept open for filtered queries.
          void closeRunQueries().then(resolve, resolve);
        });
        server.closeIdleConnections();
      });
    },
  };
}
