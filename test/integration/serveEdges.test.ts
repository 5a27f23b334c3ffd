// The endpoint's edges (SPEC §6 "every response has x-request-id"), over raw sockets (node:net) so the
// bytes on the wire are exactly the malformed ones: requests Node's HTTP parser refuses, header timeouts,
// clients that vanish mid-body, stalled bodies, pipelined requests, CONNECT and absolute-form targets,
// floods of wrong keys, and the default listening address.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishFixtureRun } from '../helpers/fixtureRun.js';
import { httpRequest } from '../helpers/httpRequest.js';
import type { Route } from '../../src/serve/Route.js';
import { startServer, type TestServer } from '../helpers/startServer.js';

const KEY = 'k-edges';
let s: TestServer;
let runDir: string;

beforeAll(async () => {
  // A route still waiting for its body after 2 s is answered by the handler deadline, before Node's own
  // request timeout (3 s): the two must not both answer.
  s = await startServer({ keys: [{ key: KEY, tenants: ['acme'] }], headersTimeoutMs: 1500, requestTimeoutMs: 3000, handlerTimeoutMs: 2000, authFailuresPerMinute: 5 });
  runDir = publishFixtureRun(s.reportsDir, { tenant: 'acme', runId: 'r1', marker: 1 });
});
afterAll(async () => {
  await s.stop();
});

interface Raw {
  status: number;
  headers: Record<string, string>;
  body: string;
  closedAfterMs: number;
}

/** Every response on the wire, in order; each must carry Content-Length (all of ours that matter here do). */
function responses(bytes: Buffer): Omit<Raw, 'closedAfterMs'>[] {
  const out: Omit<Raw, 'closedAfterMs'>[] = [];
  let at = 0;
  while (at < bytes.length) {
    const end = bytes.indexOf('\r\n\r\n', at);
    if (end === -1) throw new Error(`a truncated response: ${JSON.stringify(bytes.subarray(at, at + 200).toString('latin1'))}`);
    const [statusLine = '', ...lines] = bytes.subarray(at, end).toString('latin1').split('\r\n');
    const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
    const length = Number(headers['content-length'] ?? 0);
    if (end + 4 + length > bytes.length) throw new Error(`a response cut short: ${JSON.stringify(bytes.subarray(at, at + 200).toString('latin1'))}`);
    out.push({ status: Number(statusLine.split(' ')[1] ?? 0), headers, body: bytes.subarray(end + 4, end + 4 + length).toString('utf8') });
    at = end + 4 + length;
  }
  return out;
}

/** Writes `chunks` (with `gapMs` between them), then reads until the server closes the connection. */
function wire(chunks: (string | Buffer)[], gapMs = 0, hangUpAfter?: number, port = s.port): Promise<{ bytes: Buffer; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    const got: Buffer[] = [];
    socket.on('data', (c) => got.push(c));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve({ bytes: Buffer.concat(got), closedAfterMs: Date.now() - started }));
    socket.setTimeout(20_000, () => reject(new Error('no answer in 20 s')));
    let i = 0;
    const next = (): void => {
      if (socket.destroyed) return;
      if (i < chunks.length) {
        socket.write(chunks[i++] as string);
        setTimeout(next, gapMs);
      } else if (hangUpAfter !== undefined) {
        setTimeout(() => socket.destroy(), hangUpAfter);
      }
    };
    socket.on('connect', next);
  });
}

/** The first response of `wire`. */
async function raw(chunks: (string | Buffer)[], gapMs = 0, hangUpAfter?: number): Promise<Raw> {
  const w = await wire(chunks, gapMs, hangUpAfter);
  const [head = '', body = ''] = w.bytes.toString('utf8').split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine.split(' ')[1] ?? 0), headers, body, closedAfterMs: w.closedAfterMs };
}

const ZEN = 'GET /api/external/v1/revenue/acme/ltv HTTP/1.1\r\nHost: x\r\n';
const ADAPTY = 'POST /api/v1/client-api/metrics/ltv/ HTTP/1.1\r\nHost: x\r\n';
const BODY = JSON.stringify({ filters: { date: ['2020-01-01', '2030-12-31'] } });
/** A complete, valid Adapty request (answered from the snapshot renewals-month-cohort). */
const ADAPTY_OK = `${ADAPTY}Authorization: Api-Key ${KEY}\r\nContent-Type: application/json\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`;
/** An Adapty request whose body promises 100 bytes and stalls after 5. */
const ADAPTY_STALLED = [`${ADAPTY}Authorization: Api-Key ${KEY}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"fil`, 'te', 'rs'];
const snapshot = (rel: string): string => readFileSync(join(runDir, rel), 'utf8');

function expectZenovayError(r: Raw, status: number, code: string): void {
  expect(r.status).toBe(status);
  expect(r.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
  const body = JSON.parse(r.body) as { success: boolean; error: { code: string; message: string; timestamp: string } };
  expect(body.success).toBe(false);
  expect(body.error.code).toBe(code);
  // Every answer, the raw ones written to the socket too (README "Security"), and the Date any answer has.
  expect(r.headers['x-content-type-options']).toBe('nosniff');
  expect(r.headers['referrer-policy']).toBe('no-referrer');
  expect(Math.abs(Date.parse(r.headers.date ?? '') - Date.now())).toBeLessThan(60_000);
}

describe('requests the HTTP parser refuses get the API error shape and a request id', () => {
  it.each([
    ['a NUL in a header', `${ZEN}X-Bad: a\0b\r\n\r\n`],
    ['a CR in a header', `${ZEN}X-Bad: a\rb\r\n\r\n`],
    ['a bare LF in a header name', `${ZEN}X-B\nad: a\r\n\r\n`],
    ['a bad request line', 'GET /api/external/v1/revenue/acme/ltv HTTP/9 9\r\n\r\n'],
    ['Content-Length with Transfer-Encoding', `GET /api/external/v1/revenue/acme/ltv HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`],
  ])('%s → 400, Zenovay shape, a message in words with the parser\'s code', async (_name, request) => {
    const r = await raw([request]);
    expectZenovayError(r, 400, 'VALIDATION_ERROR');
    expect((JSON.parse(r.body) as { error: { message: string } }).error.message).toMatch(/^Malformed HTTP request: [A-Za-z][^()]+(\([^)]+\)[^()]*)? \(HPE_[A-Z_]+\)$/);
    expect(r.body).not.toContain('not valid HTTP/1.1');
  });

  it.each([
    ['Content-Length given twice', `${ZEN}Content-Length: 2\r\nContent-Length: 2\r\n\r\nab`, 'Content-Length is given twice: send it once (HPE_UNEXPECTED_CONTENT_LENGTH)'],
    ['lines ending in a bare LF', 'GET /api/external/v1/revenue/acme/ltv HTTP/1.1\nHost: x\n\n', 'every line must end with CRLF (the request line does not) (HPE_INVALID_VERSION)'],
    ['Content-Length with Transfer-Encoding', `${ZEN}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 'Content-Length and Transfer-Encoding must not be sent together (HPE_INVALID_TRANSFER_ENCODING)'],
  ])('%s → the message names that mistake (one parser code covers several)', async (_name, request, message) => {
    const r = await raw([request]);
    expectZenovayError(r, 400, 'VALIDATION_ERROR');
    expect((JSON.parse(r.body) as { error: { message: string } }).error.message).toBe(`Malformed HTTP request: ${message}`);
  });

  it('an oversized header → 431, Zenovay shape', async () => {
    expectZenovayError(await raw([`${ZEN}X-Big: ${'a'.repeat(20_000)}\r\n\r\n`]), 431, 'HEADERS_TOO_LARGE');
  });

  it('on an Adapty path → Adapty shape', async () => {
    const r = await raw([`${ADAPTY}Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`]);
    expect(r.status).toBe(400);
    expect(r.headers['x-request-id']).toBeTruthy();
    expect(JSON.parse(r.body)).toMatchObject({ error_code: 'validation_error', status_code: 400, errors: [{ source: 'non_field_errors' }] });
    const big = await raw([`${ADAPTY}X-Big: ${'a'.repeat(20_000)}\r\n\r\n`]);
    expect(big.status).toBe(431);
    expect(JSON.parse(big.body)).toMatchObject({ error_code: 'request_header_fields_too_large', status_code: 431 });
  });

  it('an absolute-form target (GET http://host/path) → the path\'s shape', async () => {
    const r = await raw([`${ADAPTY.replace(' /api', ' http://x/api')}Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`]);
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body)).toMatchObject({ error_code: 'validation_error', status_code: 400 });
  });
});

describe('timeouts and vanishing clients', () => {
  it('a socket trickling its headers is answered 408 and closed by the header timeout (1.5 s here), not ~30 s later', async () => {
    const r = await raw([ZEN, ...Array.from({ length: 40 }, (_, i) => `X-Slow-${i}: 1\r\n`)], 200);
    expectZenovayError(r, 408, 'REQUEST_TIMEOUT');
    // Timeout 1.5 s + the connection checker's 1 s interval (+ slack for a loaded machine).
    expect(r.closedAfterMs).toBeLessThan(5_000);
  });

  it('a client that disconnects mid-body writes no error-level log line', async () => {
    const before = s.logLines.length;
    await raw([`${ADAPTY}Authorization: Api-Key ${KEY}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"filters":`], 0, 100);
    await new Promise((r) => setTimeout(r, 300));
    const lines = s.logLines.slice(before);
    expect(lines.some((l) => l.msg === 'client closed the connection mid-request')).toBe(true);
    expect(lines.filter((l) => (l.level as number) >= 50)).toEqual([]);
    // The server still answers.
    expect((await httpRequest(s.port, '/healthz')).status).toBe(200);
  });
});

describe('stalled bodies get exactly one answer: 408 in the shape of the path, then the connection is closed', () => {
  const expectAdapty408 = (bytes: Buffer): void => {
    const rs = responses(bytes);
    expect(rs.map((r) => r.status)).toEqual([408]);
    const [r] = rs as [Omit<Raw, 'closedAfterMs'>];
    expect(r.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.headers.connection).toBe('close');
    expect(JSON.parse(r.body)).toEqual({
      errors: [{ source: 'non_field_errors', errors: ['The request body was not received in time (within 2 s)'] }],
      error_code: 'request_timeout',
      status_code: 408,
    });
  };

  it('Adapty, the route\'s deadline (2 s) first: 408 in Adapty\'s shape, not a 500 and then a 408', async () => {
    const w = await wire(ADAPTY_STALLED, 300);
    expectAdapty408(w.bytes);
    expect(w.closedAfterMs).toBeLessThan(6_000);
  });

  it('Adapty, Node\'s request timeout first (1.5 s, the route\'s deadline 30 s): the same single 408', async () => {
    // A mounted route under /api/v1/ that answers in Zenovay's shape (as the CLI's run routes do).
    const zenovayPost: Route = {
      method: 'POST', path: '/api/v1/things', family: 'zenovay', auth: null,
      async handle(ctx) {
        await ctx.readJson();
        ctx.res.end('{}');
      },
    };
    const t = await startServer({ keys: [{ key: KEY, tenants: ['acme'] }], headersTimeoutMs: 1000, requestTimeoutMs: 1500, extraRoutes: [zenovayPost] });
    try {
      publishFixtureRun(t.reportsDir, { tenant: 'acme', runId: 'r1', marker: 1 });
      const w = await wire(ADAPTY_STALLED, 300, undefined, t.port);
      const rs = responses(w.bytes);
      expect(rs.map((r) => r.status)).toEqual([408]);
      expect(JSON.parse(rs[0]!.body)).toMatchObject({ error_code: 'request_timeout', status_code: 408 });
      expect(rs[0]!.headers.connection).toBe('close');
      expect(w.closedAfterMs).toBeLessThan(5_000);
      const z = responses((await wire(['POST /api/v1/things HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n{'], 0, undefined, t.port)).bytes);
      expect(z.map((r) => r.status)).toEqual([408]);
      expect(JSON.parse(z[0]!.body)).toMatchObject({ success: false, error: { code: 'REQUEST_TIMEOUT', message: 'The request body was not received in time (within 1.5 s)' } });
      expect(t.logLines.filter((l) => (l.level as number) >= 50)).toEqual([]);
    } finally {
      await t.stop();
    }
  });

  it('Zenovay, a GET answered before its body: that answer only, then the connection is closed', async () => {
    const w = await wire([`${ZEN}X-API-Key: ${KEY}\r\nContent-Length: 100\r\n\r\n{"a`]);
    const rs = responses(w.bytes);
    expect(rs.map((r) => r.status)).toEqual([200]);
    expect(rs[0]!.body).toBe(snapshot('api/zenovay/90d-monthly.json'));
    expect(w.closedAfterMs).toBeLessThan(6_000);
  });
});

describe('pipelined requests', () => {
  it('a valid Adapty request, then a malformed one: the first answer whole and first, then 400, then close', async () => {
    const w = await wire([`${ADAPTY_OK}GET /api/v1/other HTTP/1.1\r\nHost: x\r\nX-Bad: a\0b\r\n\r\n`]);
    const rs = responses(w.bytes);
    expect(rs.map((r) => r.status)).toEqual([200, 400]);
    expect(rs[0]!.body).toBe(snapshot('api/adapty/renewals-month-cohort.json'));
    expect(JSON.parse(rs[1]!.body)).toMatchObject({ error_code: 'validation_error', status_code: 400 });
    expect(rs[1]!.headers.connection).toBe('close');
    expect(rs[1]!.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('two valid requests (Adapty, Zenovay), then a malformed Zenovay one: 200, 200, then 400 in Zenovay\'s shape', async () => {
    const w = await wire([`${ADAPTY_OK}${ZEN}X-API-Key: ${KEY}\r\n\r\n${ZEN}X-Bad: a\rb\r\n\r\n`]);
    const rs = responses(w.bytes);
    expect(rs.map((r) => r.status)).toEqual([200, 200, 400]);
    expect(rs[0]!.body).toBe(snapshot('api/adapty/renewals-month-cohort.json'));
    expect(rs[1]!.body).toBe(snapshot('api/zenovay/90d-monthly.json'));
    expect((JSON.parse(rs[2]!.body) as { error: { code: string } }).error.code).toBe('VALIDATION_ERROR');
  });
});

describe('the run routes on a server without an admin key', () => {
  it('answer 404 saying how the operator turns them on (it said only "Not found")', async () => {
    for (const [method, path] of [['POST', '/api/v1/runs'], ['GET', '/api/v1/runs/0b7e2c1e-5d1a-4c3e-9a51-2f0d6f1b9c77']]) {
      const r = await raw([`${method} ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`]);
      expectZenovayError(r, 404, 'NOT_FOUND');
      expect((JSON.parse(r.body) as { error: { message: string } }).error.message).toBe('Not found: the run routes are off on this server; its operator turns them on by setting LTV_ADMIN_KEY_SHA256');
    }
    // Any other unknown path: as before (in its path's shape, Adapty's under /api/v1/).
    const other = JSON.parse((await raw(['GET /api/v1/runsx HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'])).body) as { errors: { errors: string[] }[]; status_code: number };
    expect([other.errors[0]!.errors, other.status_code]).toEqual([['Not found'], 404]);
  });
});

describe('CONNECT and absolute-form request targets', () => {
  it('CONNECT → 405 with Allow and a request id, then close', async () => {
    const r = await raw(['CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n']);
    expectZenovayError(r, 405, 'METHOD_NOT_ALLOWED');
    expect(r.headers.allow).toBe('GET, HEAD, POST');
    expect(r.headers.connection).toBe('close');
  });

  it('GET http://host/path and POST http://host/path are routed by their path', async () => {
    const z = responses((await wire([`${ZEN.replace(' /api', ' http://x/api')}X-API-Key: ${KEY}\r\nConnection: close\r\n\r\n`])).bytes);
    expect(z.map((r) => r.status)).toEqual([200]);
    expect(z[0]!.body).toBe(snapshot('api/zenovay/90d-monthly.json'));
    const a = responses((await wire([ADAPTY_OK.replace(' /api', ' https://x:8443/api').replace('Host: x\r\n', 'Host: x\r\nConnection: close\r\n')])).bytes);
    expect(a.map((r) => r.status)).toEqual([200]);
    expect(a[0]!.body).toBe(snapshot('api/adapty/renewals-month-cohort.json'));
    const missing = responses((await wire([`GET http://x/api/v1/nothing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`])).bytes);
    expect(JSON.parse(missing[0]!.body)).toMatchObject({ error_code: 'not_found', status_code: 404 });
  });
});

describe('failed authentication is throttled per client address', () => {
  it('after 5 wrong keys in a minute: 429 with Retry-After in each API\'s shape, even for a right key', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await httpRequest(s.port, '/api/external/v1/revenue/acme/ltv', { headers: { 'x-api-key': `wrong-${i}` } });
      expect(r.status).toBe(401);
    }
    const z = await httpRequest(s.port, '/api/external/v1/revenue/acme/ltv', { headers: { 'x-api-key': KEY } });
    expect(z.status).toBe(429);
    expect(Number(z.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // The same X-RateLimit-* as the per-key limit's 429: this address's budget of failed attempts.
    expect(z.headers['x-ratelimit-limit']).toBe('5');
    expect(z.headers['x-ratelimit-remaining']).toBe('0');
    // The end of the fixed one-minute window, in Unix seconds.
    const reset = Number(z.headers['x-ratelimit-reset']);
    expect(reset % 60).toBe(0);
    expect(reset - Date.now() / 1000).toBeGreaterThan(0);
    expect(reset - Date.now() / 1000).toBeLessThanOrEqual(60);
    expect(z.headers['x-request-id']).toBeTruthy();
    expect((z.json() as { error: { code: string } }).error.code).toBe('RATE_LIMIT_EXCEEDED');
    const a = await httpRequest(s.port, '/api/v1/client-api/metrics/ltv/', {
      method: 'POST', headers: { authorization: 'Api-Key wrong', 'content-type': 'application/json' }, body: '{}',
    });
    expect(a.status).toBe(429);
    expect(a.headers['retry-after']).toBeTruthy();
    expect(a.headers['x-ratelimit-limit']).toBe('5');
    expect(a.headers['x-ratelimit-remaining']).toBe('0');
    expect(a.json()).toMatchObject({ error_code: 'throttled', status_code: 429 });
  });
});

describe('ltv serve', () => {
  it('listens on 127.0.0.1 unless --host says otherwise', async () => {
    const bin = new URL('../../src/cli/bin.mjs', import.meta.url).pathname;
    const child = spawn(process.execPath, [bin, 'serve', '--reports', s.reportsDir, '--keys', s.keysFile, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString('utf8');
          const l = out.split('\n').find((x) => x.includes('"listening"'));
          if (l) resolve(l);
        });
        child.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
      });
      expect((JSON.parse(line) as { address: string }).address).toBe('127.0.0.1');
    } finally {
      child.kill('SIGTERM');
    }
  }, 120_000);
});
