// bull-board (SPEC §11) on `ltv serve`, which runs on node:http: bull-board ships adapters for express,
// fastify, koa and hono only, but its core (`createBullBoard`) talks to any object implementing its
// IServerAdapter — it hands over the API routes (method, path template, handler), the entry page (an EJS
// template with four values) and the UI's static folder. This is that adapter for a plain node:http
// request, mounted as a prefix through the server's `mounts` hook (the CLI mounts it; serve never
// imports BullMQ).
//
// Access: every path but the sign-in page needs the admin key (AdminAuth: header, or the session cookie
// the sign-in form sets). Read-only unless LTV_BULL_BOARD_WRITE: bull-board's own read-only mode hides
// the buttons and refuses queue actions, and a hook refuses every non-GET API call besides. Cookie-
// authenticated writes must come from the same origin (Sec-Fetch-Site / Origin), on top of SameSite.
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import type { AppControllerRoute, AppViewRoute, BullBoardQueues, ControllerHandlerReturnType, IServerAdapter, UIConfig } from '@bull-board/api/dist/types.js';
import type { Logger } from 'pino';
import type { Env } from '../config/env.js';
import { HttpError, errorBody } from '../serve/HttpError.js';
import { readJsonBody } from '../serve/readJsonBody.js';
import type { Mount, MountAuth } from '../serve/Route.js';
import { isAppError } from '../config/AppError.js';
import { AdminAuth } from './AdminAuth.js';
import { answerWithin, redisGone, waitForRedis } from './enqueueRun.js';
import { watchLoginRefusal } from './redisConnection.js';
import type { RunQueue } from './runQueue.js';
import { escapeHtml } from '../format/text.js';

export const BULL_BOARD_PREFIX = '/admin/queues';

interface CompiledApiRoute {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: AppControllerRoute['handler'];
}

function compile(template: string): { pattern: RegExp; names: string[] } {
  const names: string[] = [];
  const source = template
    .split('/')
    .map((seg) => {
      if (!seg.startsWith(':')) return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(seg.slice(1));
      return '([^/]+)';
    })
    .join('/');
  return { pattern: new RegExp(`^${source}/?$`), names };
}

/** The IServerAdapter bull-board configures; `handle` answers one request under the prefix. */
class NodeHttpAdapter implements IServerAdapter {
  queues: BullBoardQueues = new Map();
  viewsPath = '';
  staticPath = '';
  uiConfig: UIConfig = {};
  entry: { patterns: RegExp[]; route: AppViewRoute } | null = null;
  api: CompiledApiRoute[] = [];
  errorHandler: (e: Error) => ControllerHandlerReturnType = (e) => ({ status: 500, body: { error: e.message } });

  setQueues(q: BullBoardQueues): IServerAdapter {
    this.queues = q;
    return this;
  }
  setViewsPath(p: string): IServerAdapter {
    this.viewsPath = p;
    return this;
  }
  setStaticPath(_route: string, p: string): IServerAdapter {
    this.staticPath = resolve(p);
    return this;
  }
  setEntryRoute(route: AppViewRoute): IServerAdapter {
    const routes = Array.isArray(route.route) ? route.route : [route.route];
    this.entry = { patterns: routes.map((r) => compile(r).pattern), route };
    return this;
  }
  setErrorHandler(h: (e: Error) => ControllerHandlerReturnType): IServerAdapter {
    this.errorHandler = h;
    return this;
  }
  setApiRoutes(routes: AppControllerRoute[]): IServerAdapter {
    this.api = routes.flatMap((r) =>
      (Array.isArray(r.route) ? r.route : [r.route]).flatMap((path) =>
        (Array.isArray(r.method) ? r.method : [r.method]).map((m) => ({ method: m.toUpperCase(), ...compile(path), handler: r.handler })),
      ),
    );
    return this;
  }
  setUIConfig(c: UIConfig): IServerAdapter {
    this.uiConfig = c;
    return this;
  }
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.map': 'application/json; charset=utf-8',
};


/** index.ejs uses `<%= name %>` (escaped) and `<%- name %>` (raw, already JSON-escaped by bull-board) only. */
function renderTemplate(template: string, params: Record<string, string>): string {
  const out = template.replace(/<%([=-])\s*(\w+)\s*%>/g, (_m, kind: string, name: string) => {
    const v = params[name] ?? '';
    return kind === '=' ? escapeHtml(v) : v;
  });
  if (out.includes('<%')) throw new Error('bull-board index.ejs uses template syntax this adapter does not render');
  return out;
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
    ...extra,
  });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body), extra);
}

const ERROR_CODES = { 400: 'VALIDATION_ERROR', 401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 405: 'METHOD_NOT_ALLOWED', 503: 'UNAVAILABLE' } as const;

/** The board's own refusals in the shape of ltv's other non-Adapty routes (src/serve/README "Error shapes"). */
function sendError(res: ServerResponse, status: keyof typeof ERROR_CODES, message: string, extra: Record<string, string> = {}): void {
  send(res, status, 'application/json; charset=utf-8', errorBody('zenovay', new HttpError(ERROR_CODES[status], message), new Date()), extra);
}

function loginPage(prefix: string, message: string | null): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1"><title>ltv admin: sign in</title></head>` +
    `<body style="font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem;color:#1a1a1a">` +
    `<h1 style="font-size:1.3rem">ltv queue dashboard</h1>` +
    (message ? `<p role="alert" style="color:#b00020">${escapeHtml(message)}</p>` : '') +
    `<form method="post" action="${escapeHtml(prefix)}/login">` +
    `<label for="key">Admin key</label><br>` +
    `<input id="key" name="key" type="password" autocomplete="current-password" required style="width:100%;padding:.4rem;margin:.3rem 0 1rem">` +
    `<button type="submit">Sign in</button></form>` +
    `<p style="color:#5f6368;font-size:.85rem">The key whose SHA-256 is LTV_ADMIN_KEY_SHA256, ` +
    `or a key made with ltv keys add --admin. ` +
    `It is not stored in the browser: signing in sets an HttpOnly session cookie for this path, valid 12 hours.</p></body></html>`;
}

function readForm(req: IncomingMessage, limit = 4096): Promise<URLSearchParams> {
  // Over the limit: 413, answered by the server as a JSON body's is (readJsonBody). The request was destroyed
  // before, and the client got its connection reset with no answer at all.
  const tooLarge = (): HttpError => new HttpError('PAYLOAD_TOO_LARGE', `the sign-in form is larger than ${limit} bytes: send the admin key alone (key=…)`);
  return new Promise((resolvePromise, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > limit) {
      reject(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer): void => {
      size += c.length;
      if (size > limit) {
        req.off('data', onData);
        req.pause();
        reject(tooLarge());
        return;
      }
      chunks.push(c);
    };
    req.on('data', onData);
    req.on('error', reject);
    req.on('end', () => resolvePromise(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
  });
}

function queryObject(search: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(search)) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

/** A write sent with the session cookie must come from our own pages. */
function sameOrigin(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string') return site === 'same-origin';
  const origin = req.headers.origin;
  if (typeof origin !== 'string') return true; // not a browser cross-site request (those send Origin on writes)
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/**
 * Sessions as AdminAuth keeps them, but the key itself is checked by the server (MountAuth: the operator's
 * LTV_ADMIN_KEY_SHA256 or a keys-file admin key, under the failed-authentication throttle); a session is
 * issued only for the key the server has just accepted as an admin key.
 */
class BoardSessions extends AdminAuth {
  private accepted: string | null = null;

  override validKey(key: string): boolean {
    return this.accepted !== null && key === this.accepted;
  }

  signInAccepted(key: string): string | null {
    this.accepted = key;
    try {
      return this.signIn(key);
    } finally {
      this.accepted = null;
    }
  }
}

/** `Authorization: Bearer <key>` or `X-Admin-Key`, as AdminAuth reads them. */
function headerKey(req: IncomingMessage): string | undefined {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
  const header = req.headers['x-admin-key'];
  return bearer ?? (typeof header === 'string' ? header : undefined);
}

export function mountBullBoard(queue: RunQueue, env: Env, logger: Logger, prefix = BULL_BOARD_PREFIX): Mount {
  const auth = new BoardSessions(undefined);
  const write = env.LTV_BULL_BOARD_WRITE;
  const loginRefusal = watchLoginRefusal(queue, env.REDIS_URL);
  const adapter = new NodeHttpAdapter();
  createBullBoard({
    queues: [new BullMQAdapter(queue, { readOnlyMode: !write, displayName: 'ltv runs', description: 'scheduled and on-demand runs' })],
    serverAdapter: adapter,
    options: {
      uiConfig: { boardTitle: 'ltv runs' },
    },
  });
  let template: Promise<string> | null = null;
  const log = logger.child({ component: 'bull-board' });

  /** How the request authenticated, or the answer it gets (401, 403; the 429 is thrown by the server's check). */
  function authenticate(req: IncomingMessage, serverAuth: MountAuth): 'header' | 'cookie' | null | 'forbidden' {
    serverAuth.guard();
    const key = headerKey(req);
    // A session lasts only while its key is an admin key (the keys file as it is now, or the operator's).
    if (key === undefined) return auth.check(req, serverAuth.stillAdmin);
    const record = serverAuth.authenticate(key);
    if (record === null) return null;
    return record.admin ? 'header' : 'forbidden';
  }

  return {
    prefix,
    adminKeySha256: env.LTV_ADMIN_KEY_SHA256,
    async handle(req, res, subPath, serverAuth) {
      const method = req.method ?? 'GET';
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const search = q === -1 ? '' : url.slice(q + 1);

      if (subPath === '/login') {
        if (method === 'GET' || method === 'HEAD') return send(res, 200, 'text/html; charset=utf-8', loginPage(prefix, null));
        if (method !== 'POST') return sendError(res, 405, 'Method not allowed: use GET or POST', { allow: 'GET, POST' });
        if (!sameOrigin(req)) return sendError(res, 403, 'cross-site sign-in refused');
        serverAuth.guard();
        const form = await readForm(req).catch((e: unknown) => {
          if (e instanceof HttpError) throw e;
          return new URLSearchParams();
        });
        const key = form.get('key') ?? '';
        const record = key === '' ? null : serverAuth.authenticate(key);
        if (record !== null && !record.admin) {
          log.warn({ ip: req.socket.remoteAddress }, 'admin sign-in with a key that is not an admin key');
          return send(res, 403, 'text/html; charset=utf-8', loginPage(prefix, 'That key is not an admin key.'));
        }
        const token = record === null ? null : auth.signInAccepted(key);
        if (token === null) {
          log.warn({ ip: req.socket.remoteAddress }, 'admin sign-in with a wrong key');
          return send(res, 401, 'text/html; charset=utf-8', loginPage(prefix, 'That is not the admin key.'));
        }
        log.info({ ip: req.socket.remoteAddress }, 'admin signed in');
        res.writeHead(303, { location: `${prefix}/`, 'set-cookie': auth.sessionCookie(token, prefix, req), 'cache-control': 'no-store', 'content-length': 0 });
        return void res.end();
      }

      const how = authenticate(req, serverAuth);
      if (how === 'forbidden') return sendError(res, 403, 'an admin key is required: this key is not one');
      if (how === null) {
        if (!env.LTV_ADMIN_KEY_SHA256) return sendError(res, 401, 'admin pages are off: set LTV_ADMIN_KEY_SHA256');
        const wantsHtml = (method === 'GET' || method === 'HEAD') && /text\/html/.test(req.headers.accept ?? '');
        if (wantsHtml) {
          res.writeHead(303, { location: `${prefix}/login`, 'cache-control': 'no-store', 'content-length': 0 });
          return void res.end();
        }
        return sendError(res, 401, 'an admin key is required (Authorization: Bearer <key>, or sign in at ' + `${prefix}/login)`, { 'www-authenticate': 'Bearer' });
      }

      if (subPath === '/logout') {
        if (method !== 'POST') return sendError(res, 405, 'Method not allowed: use POST', { allow: 'POST' });
        auth.signOut(req);
        res.writeHead(303, { location: `${prefix}/login`, 'set-cookie': auth.clearCookie(prefix, req), 'cache-control': 'no-store', 'content-length': 0 });
        return void res.end();
      }

      if (subPath.startsWith('/static/')) {
        if (method !== 'GET' && method !== 'HEAD') return sendError(res, 405, 'Method not allowed: use GET', { allow: 'GET' });
        let rel: string;
        try {
          rel = decodeURIComponent(subPath.slice('/static/'.length));
        } catch {
          return sendError(res, 404, 'not found');
        }
        const file = resolve(adapter.staticPath, rel);
        if (!file.startsWith(adapter.staticPath + sep)) return sendError(res, 404, 'not found');
        const body = await readFile(file).catch(() => null);
        if (body === null) return sendError(res, 404, 'not found');
        return send(res, 200, TYPES[extname(file)] ?? 'application/octet-stream', body, { 'cache-control': 'private, max-age=86400' });
      }

      if (subPath.startsWith('/api/')) {
        if (method !== 'GET' && how === 'cookie' && !sameOrigin(req)) return sendError(res, 403, 'cross-site request refused');
        let route: CompiledApiRoute | undefined;
        let m: RegExpExecArray | null = null;
        for (const r of adapter.api) {
          if (r.method !== (method === 'HEAD' ? 'GET' : method)) continue;
          m = r.pattern.exec(subPath);
          if (m) {
            route = r;
            break;
          }
        }
        if (!route || !m) {
          // A path bull-board routes under other methods: 405 with the ones it takes (RFC 9110 §15.5.6).
          const allowed = [...new Set(adapter.api.filter((r) => r.pattern.test(subPath)).map((r) => r.method))];
          if (allowed.length === 0) return sendError(res, 404, 'not found');
          if (allowed.includes('GET')) allowed.push('HEAD');
          return sendError(res, 405, `Method not allowed: use ${allowed.join(', ')}`, { allow: allowed.join(', ') });
        }
        // Read-only: a changing call is refused here, in ltv's shape and with Allow (bull-board's own hook
        // answered in its shape, without Allow).
        if (method !== 'GET' && method !== 'HEAD' && !write) {
          return sendError(res, 405, 'bull-board is read-only (set LTV_BULL_BOARD_WRITE=1 to allow retries and removals)', { allow: 'GET, HEAD' });
        }
        const params: Record<string, string> = {};
        for (const [i, n] of route.names.entries()) {
          const raw = m[i + 1] ?? '';
          // A stray "%" (/queues/runs/%ZZ) threw URIError: a 500 for the client's mistake.
          try {
            params[n] = decodeURIComponent(raw);
          } catch {
            return sendError(res, 400, `the path's ${n} ${JSON.stringify(raw.slice(0, 80))} is not valid percent-encoding: write "%" as %25`);
          }
        }
        const body = method === 'GET' || method === 'HEAD' || req.headers['content-length'] === '0' || !req.headers['content-type']
          ? {}
          : ((await readJsonBody(req, res)) as Record<string, unknown>);
        let out: ControllerHandlerReturnType;
        try {
          // Bounded as the run routes are (answerWithin): with Redis down or refusing the login, bull-board's
          // handlers wait on the queue's connection for ever, and so did the request.
          await waitForRedis(queue, env);
          out = await answerWithin(Promise.resolve(route.handler({
            queues: adapter.queues,
            uiConfig: adapter.uiConfig,
            query: queryObject(search),
            params,
            body,
            headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v])),
          })), env, 'the queue cannot be read now');
        } catch (caught) {
          const e = redisGone(caught, env, 'the queue cannot be read now', loginRefusal) ?? caught;
          if (isAppError(e) && e.code === 'TRANSIENT') return sendError(res, 503, e.message, { 'retry-after': '5' });
          log.error({ err: e, path: subPath }, 'bull-board handler failed');
          out = adapter.errorHandler(e as Error);
        }
        if (method !== 'GET') log.info({ method, path: subPath, status: out.status ?? 200 }, 'bull-board action');
        return out.status === 204 ? void res.writeHead(204).end() : sendJson(res, out.status ?? 200, out.body);
      }

      if ((method === 'GET' || method === 'HEAD') && adapter.entry?.patterns.some((p) => p.test(subPath))) {
        template ??= readFile(join(adapter.viewsPath, 'index.ejs'), 'utf8');
        const view = adapter.entry.route.handler({ basePath: `${prefix}/`, uiConfig: adapter.uiConfig });
        return send(res, 200, 'text/html; charset=utf-8', renderTemplate(await template, view.params));
      }
      return sendError(res, 404, 'not found');
    },
  };
}
