// A black-box tester's requests against the endpoint (SPEC §6, §10), each one found answered wrongly
// once: real HTTP on an ephemeral port, real files.
import { renameSync, symlinkSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishFixtureRun } from '../helpers/fixtureRun.js';
import { httpRequest } from '../helpers/httpRequest.js';
import { startServer, type TestServer } from '../helpers/startServer.js';

const KEY = 'ltv_hostile_tests_key_0001';
const VICTIM = 777777.77;
let s: TestServer;

beforeAll(async () => {
  // The key sees alias, pointer and mallory, never victim.
  s = await startServer({ keys: [{ key: KEY, tenants: ['alias', 'pointer', 'mallory'] }] });
  publishFixtureRun(s.reportsDir, { tenant: 'victim', runId: '20260102T000000Z', marker: VICTIM });
  publishFixtureRun(s.reportsDir, { tenant: 'mallory', runId: '20260103T000000Z', marker: 2 });
  // Symlinks that stay inside the reports directory but lead to another tenant's run: a tenant
  // directory, a `latest`, and a `runs/<id>`.
  symlinkSync('victim', join(s.reportsDir, 'alias'));
  publishFixtureRun(s.reportsDir, { tenant: 'pointer', runId: '20260104T000000Z', marker: 3 });
  symlinkSync('../../victim/runs/20260102T000000Z', join(s.reportsDir, 'pointer', 'latest.tmp'));
  renameSync(join(s.reportsDir, 'pointer', 'latest.tmp'), join(s.reportsDir, 'pointer', 'latest'));
  symlinkSync('../../victim/runs/20260102T000000Z', join(s.reportsDir, 'mallory', 'runs', '20260101T000000Z'));
});
afterAll(async () => {
  await s.stop();
});

describe("another tenant's run reached through a symlink inside the reports directory", () => {
  const adapty = (tenant: string, run?: string) =>
    httpRequest(s.port, '/api/v1/client-api/metrics/ltv/', {
      method: 'POST',
      headers: { authorization: `Api-Key ${KEY}`, 'content-type': 'application/json', 'x-ltv-tenant': tenant, ...(run ? { 'x-ltv-run': run } : {}) },
      body: JSON.stringify({ filters: { date: ['2020-01-01', '2030-12-31'] } }),
    });
  const explorer = (path: string) => httpRequest(s.port, `/api/v1/explorer/tenants/${path}`, { headers: { 'x-api-key': KEY } });

  it('is not the tenant\'s: 404 on every route, and never listed', async () => {
    const answers = [
      await httpRequest(s.port, '/api/external/v1/revenue/alias/ltv', { headers: { 'x-api-key': KEY } }),
      await httpRequest(s.port, '/api/external/v1/revenue/pointer/ltv', { headers: { 'x-api-key': KEY } }),
      await adapty('alias'),
      await adapty('pointer'),
      await adapty('mallory', '20260101T000000Z'),
      await explorer('mallory/runs/20260101T000000Z'),
      await explorer('mallory/runs/20260101T000000Z/files/ltv.json'),
      await explorer('alias/runs/latest'),
      await explorer('alias/runs/20260102T000000Z'),
    ];
    for (const r of answers) {
      expect(r.status).toBe(404);
      expect(r.text).not.toContain(String(VICTIM));
    }
    const list = await httpRequest(s.port, '/api/v1/explorer/tenants', { headers: { 'x-api-key': KEY } });
    expect(list.status).toBe(200);
    expect(list.text).not.toContain(String(VICTIM));
    const runs = (list.json() as { tenants: { id: string; runs: { run_id: string }[] }[] }).tenants.map((t) => [t.id, t.runs.map((r) => r.run_id)]);
    expect(runs).toEqual([['alias', []], ['pointer', ['20260104T000000Z']], ['mallory', ['20260103T000000Z']]]);
  });

  it("the tenant's own runs still answer", async () => {
    expect((await adapty('mallory')).status).toBe(200);
    expect((await adapty('mallory', '20260103T000000Z')).status).toBe(200);
    expect((await adapty('pointer', '20260104T000000Z')).status).toBe(200);
  });
});

/**
 * Sends `head`, then a chunk of `chunk` bytes every 20 ms for as long as the connection stays open (at most
 * `maxMs`): what the server answered, and how long it kept reading.
 */
function streamBody(head: string, maxMs: number): Promise<{ answer: string; openMs: number }> {
  return new Promise((resolve) => {
    const socket = connect(s.port, '127.0.0.1');
    const started = Date.now();
    let answer = '';
    const chunk = Buffer.alloc(16_384, 0x20);
    const timer = setInterval(() => {
      if (Date.now() - started > maxMs) socket.destroy();
      else if (socket.writable) socket.write(Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]));
    }, 20);
    socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ answer, openMs: Date.now() - started });
    });
    socket.write(head);
  });
}

describe('an answer sent before the body has arrived', () => {
  const POST = 'POST /api/v1/client-api/metrics/ltv/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n';

  it.each([
    ['415, a body in an encoding not read', `${POST}Authorization: Api-Key ${KEY}\r\nX-Ltv-Tenant: mallory\r\nContent-Encoding: gzip\r\n\r\n`, 415],
    ['401, a wrong key', `${POST}Authorization: Api-Key wrong\r\n\r\n`, 401],
    ['200, a GET sent with a body', `GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n`, 200],
  ])('%s: the connection is closed after the answer, not read for the 30 s of the request timeout', async (_name, head, status) => {
    const r = await streamBody(head, 10_000);
    expect(r.answer.split('\r\n')[0]).toBe(`HTTP/1.1 ${status} ${STATUS_CODES[status]}`);
    expect(r.openMs).toBeLessThan(3_000);
  });

  it('a keep-alive connection whose requests arrived whole still carries the next one', async () => {
    const r = await streamBody('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 10_000);
    expect(r.answer.match(/HTTP\/1\.1 200 OK/g)).toHaveLength(2);
  });
});

/** Sends `bytes` on `socket`; everything until the server closes it (or 5 s pass), and how long that took. */
function collect(socket: Socket, bytes: string | Buffer): Promise<{ raw: string; ms: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    let raw = '';
    const timer = setTimeout(() => socket.destroy(), 5_000);
    socket.on('data', (d: Buffer) => (raw += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ raw, ms: Date.now() - started });
    });
    if (bytes.length > 0) socket.write(bytes);
  });
}

/** Sends `bytes` as they are on a new connection and collects everything until the server closes (or 5 s pass). */
const wire = (bytes: string | Buffer): Promise<string> => collect(connect(s.port, '127.0.0.1'), bytes).then((r) => r.raw);

/** The status line, headers and body of the one response in `raw`. */
function response(raw: string): { status: string; headers: Map<string, string>; body: unknown } {
  const [head = '', body = ''] = raw.split('\r\n\r\n');
  const [status = '', ...lines] = head.split('\r\n');
  const headers = new Map(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  return { status, headers, body: body === '' ? null : (JSON.parse(body) as unknown) };
}

describe('the Host header', () => {
  it.each([
    ['none, HTTP/1.1, Zenovay path', 'GET /api/external/v1/revenue/mallory/ltv HTTP/1.1\r\n\r\n', 'zenovay', 'The Host header is required (HTTP/1.1)'],
    ['none, HTTP/1.1, Adapty path', 'POST /api/v1/client-api/metrics/ltv/ HTTP/1.1\r\nContent-Length: 0\r\n\r\n', 'adapty', 'The Host header is required (HTTP/1.1)'],
    ['two of them', 'GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 'zenovay', 'Send one Host header, not several'],
  ])('%s → 400 in the path\'s error shape, with a request id, then close', async (_name, bytes, family, message) => {
    const r = response(await wire(bytes));
    expect(r.status).toBe('HTTP/1.1 400 Bad Request');
    expect(r.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.headers.get('connection')).toBe('close');
    if (family === 'adapty') expect(r.body).toEqual({ errors: [{ source: 'non_field_errors', errors: [message] }], error_code: 'validation_error', status_code: 400 });
    else expect(r.body).toMatchObject({ success: false, error: { code: 'VALIDATION_ERROR', message } });
  });

  it('HTTP/1.0 needs none; one Host is fine', async () => {
    expect(response(await wire('GET /healthz HTTP/1.0\r\n\r\n')).status).toBe('HTTP/1.1 200 OK');
    expect(response(await wire('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).status).toBe('HTTP/1.1 200 OK');
  });
});

describe('an Expect header other than 100-continue', () => {
  it.each([
    ['Adapty', 'POST /api/v1/client-api/metrics/ltv/ HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}', 'adapty'],
    ['Zenovay', 'GET /api/external/v1/revenue/mallory/ltv HTTP/1.1\r\nHost: x\r\nExpect: something\r\nConnection: close\r\n\r\n', 'zenovay'],
  ])('%s path → 417 in its error shape, with a request id', async (_name, bytes, family) => {
    const r = response(await wire(bytes));
    expect(r.status).toBe('HTTP/1.1 417 Expectation Failed');
    expect(r.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const message = 'Only Expect: 100-continue is supported: send the request without this Expect header';
    if (family === 'adapty') expect(r.body).toEqual({ errors: [{ source: 'non_field_errors', errors: [message] }], error_code: 'expectation_failed', status_code: 417 });
    else expect(r.body).toMatchObject({ success: false, error: { code: 'EXPECTATION_FAILED', message } });
  });

});

describe('Expect: 100-continue (RFC 9110 §10.1.1)', () => {
  const adaptyHead = (headers: string, length: number): string =>
    `POST /api/v1/client-api/metrics/ltv/ HTTP/1.1\r\nHost: x\r\n${headers}x-ltv-tenant: mallory\r\nContent-Length: ${length}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`;
  const body = JSON.stringify({ filters: { date: ['2020-01-01', '2030-12-31'] } });

  it('a request whose body is read gets 100 Continue, then its answer', async () => {
    const raw = await wire(adaptyHead(`Authorization: Api-Key ${KEY}\r\nContent-Type: application/json\r\n`, Buffer.byteLength(body)) + body);
    expect(raw).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
  });

  it('a GET, whose body nobody reads, gets its answer without 100', async () => {
    const raw = await wire(`GET /api/external/v1/revenue/mallory/ltv HTTP/1.1\r\nHost: x\r\nX-API-Key: ${KEY}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`);
    expect(raw).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
  });

  // Each was answered 100 Continue first (the client then sent a body refused anyway), its body never sent here.
  it.each([
    ['no key', 'Content-Type: application/json\r\n', 10, 'HTTP/1.1 401 Unauthorized', 'not_authenticated'],
    ['a wrong key', 'Authorization: Api-Key wrong\r\nContent-Type: application/json\r\n', 10, 'HTTP/1.1 401 Unauthorized', 'not_authenticated'],
    ['a body over 64 KiB', `Authorization: Api-Key ${KEY}\r\nContent-Type: application/json\r\n`, 100_000, 'HTTP/1.1 413 Payload Too Large', 'request_too_large'],
    ['a body that is no JSON', `Authorization: Api-Key ${KEY}\r\nContent-Type: text/plain\r\n`, 10, 'HTTP/1.1 415 Unsupported Media Type', 'unsupported_media_type'],
  ])('%s: the final answer at once, no 100, and the connection closed', async (_name, headers, length, status, code) => {
    const raw = await wire(adaptyHead(headers, length));
    expect(raw).not.toContain('100 Continue');
    const r = response(raw);
    expect(r.status).toBe(status);
    expect(r.headers.get('connection')).toBe('close');
    expect(r.body).toMatchObject({ error_code: code });
  });
});

describe('a Content-Length too large for the parser', () => {
  it('is a 413 like any body over the limit, not a malformed number; a length that is no number stays a 400', async () => {
    const head = (length: string): string => `POST /api/v1/client-api/metrics/ltv/ HTTP/1.1\r\nHost: x\r\nAuthorization: Api-Key ${KEY}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;
    const huge = response(await wire(head('99999999999999999999')));
    expect(huge.status).toBe('HTTP/1.1 413 Payload Too Large');
    expect(huge.body).toEqual({ errors: [{ source: 'non_field_errors', errors: ['Request body is larger than 65536 bytes (its Content-Length says so)'] }], error_code: 'request_too_large', status_code: 413 });
    const bad = response(await wire(head('12a')));
    expect(bad.status).toBe('HTTP/1.1 400 Bad Request');
    expect(bad.body).toMatchObject({ error_code: 'validation_error' });
  });
  it('a chunk size too large for the parser (over 2^64) is a 413 too, not "must be hexadecimal digits"; a size that is no number stays a 400', async () => {
    const chunked = (size: string): string => `POST /api/v1/client-api/metrics/ltv/ HTTP/1.1\r\nHost: x\r\nAuthorization: Api-Key ${KEY}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${size}\r\n`;
    for (const size of ['10000000000000000', 'FFFFFFFFFFFFFFFFFFFF']) {
      const huge = response(await wire(chunked(size)));
      expect(huge.status).toBe('HTTP/1.1 413 Payload Too Large');
      expect(huge.body).toEqual({ errors: [{ source: 'non_field_errors', errors: ['Request body is larger than 65536 bytes (a chunk\'s size says so)'] }], error_code: 'request_too_large', status_code: 413 });
    }
    const bad = response(await wire(chunked('12g')));
    expect(bad.status).toBe('HTTP/1.1 400 Bad Request');
    expect(bad.body).toMatchObject({ error_code: 'validation_error' });
  });
});

describe('a request line of another HTTP version', () => {
  it.each([
    ['Zenovay', `GET /api/external/v1/revenue/mallory/ltv HTTP/2.0\r\nHost: x\r\nX-API-Key: ${KEY}\r\n\r\n`, 'zenovay'],
    ['Adapty', 'POST /api/v1/client-api/metrics/ltv/ HTTP/2.0\r\nHost: x\r\nContent-Length: 0\r\n\r\n', 'adapty'],
  ])('%s path, HTTP/2.0 → 505 in its error shape (it was served as HTTP/1.1)', async (_name, bytes, family) => {
    const r = response(await wire(bytes));
    expect(r.status).toBe('HTTP/1.1 505 HTTP Version Not Supported');
    expect(r.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const message = 'HTTP/2.0 is not supported: send the request as HTTP/1.1';
    if (family === 'adapty') expect(r.body).toEqual({ errors: [{ source: 'non_field_errors', errors: [message] }], error_code: 'http_version_not_supported', status_code: 505 });
    else expect(r.body).toMatchObject({ success: false, error: { code: 'HTTP_VERSION_NOT_SUPPORTED', message } });
    // A client's doing, not a fault of the server: no error-level line (any client could flood the error log).
    const id = r.headers.get('x-request-id');
    expect(s.logLines.filter((l) => l.req_id === id && (l.level as number) >= 50)).toEqual([]);
  });
});

describe('several keys in one request', () => {
  const zen = (headers: [string, string][]) =>
    wire(`GET /api/external/v1/revenue/mallory/ltv HTTP/1.1\r\nHost: x\r\n${headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}Connection: close\r\n\r\n`).then(response);
  const message = 'Send one API key: this request carries several different ones';

  it.each([
    ['two Authorization headers, the right key first', [['Authorization', `Bearer ${KEY}`], ['Authorization', 'Bearer other']]],
    ['two Authorization headers, the right key last', [['Authorization', 'Bearer other'], ['Authorization', `Bearer ${KEY}`]]],
    ['X-API-Key and Authorization with different keys', [['X-API-Key', KEY], ['Authorization', 'Bearer other']]],
    ['two X-API-Key headers', [['X-API-Key', 'other'], ['X-API-Key', KEY]]],
  ] as [string, [string, string][]][])('%s → 400 naming the problem, whichever order', async (_name, headers) => {
    const r = await zen(headers);
    expect(r.status).toBe('HTTP/1.1 400 Bad Request');
    expect(r.body).toMatchObject({ success: false, error: { code: 'VALIDATION_ERROR', message } });
  });

  it('the same key twice, or with trailing spaces, is one key', async () => {
    expect((await zen([['X-API-Key', KEY], ['Authorization', `Bearer ${KEY}`]])).status).toBe('HTTP/1.1 200 OK');
    expect((await zen([['X-API-Key', `${KEY}  `]])).status).toBe('HTTP/1.1 200 OK');
  });

  it('on an Adapty path the 400 is in Adapty\'s shape', async () => {
    const raw = await wire(`POST /api/v1/client-api/metrics/ltv/ HTTP/1.1\r\nHost: x\r\nAuthorization: Api-Key ${KEY}\r\nAuthorization: Api-Key other\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`);
    expect(response(raw).body).toEqual({ errors: [{ source: 'non_field_errors', errors: [message] }], error_code: 'validation_error', status_code: 400 });
  });
});

describe('a body with thousands of unknown fields', () => {
  it('is a 400 naming the first five and counting the rest, on one line, however many the 64 KiB hold', async () => {
    const body: Record<string, unknown> = { filters: { date: ['2020-01-01', '2030-12-31'] }, 'a\nb': 1 };
    for (let i = 0; i < 5000; i++) body[`f${String(i).padStart(4, '0')}`] = 1;
    const text = JSON.stringify(body);
    expect(text.length).toBeLessThan(64 * 1024);
    const r = await httpRequest(s.port, '/api/v1/client-api/metrics/ltv/', {
      method: 'POST',
      headers: { authorization: `Api-Key ${KEY}`, 'content-type': 'application/json', 'x-ltv-tenant': 'mallory' },
      body: text,
    });
    expect(r.status).toBe(400);
    // 5001 unknown names: "a\nb" (quoted, its line break escaped), f0000 to f0003, then 4996 more.
    const message = 'the body has unknown field(s): "a\\nb", f0000, f0001, f0002, f0003 and 4996 more';
    expect(r.json()).toEqual({ errors: [{ source: 'non_field_errors', errors: [message] }], error_code: 'validation_error', status_code: 400 });
  });
});

describe('Adapty parameters sent in the URL', () => {
  const post = (query: string) => httpRequest(s.port, `/api/v1/client-api/metrics/ltv/${query}`, {
    method: 'POST',
    headers: { authorization: `Api-Key ${KEY}`, 'content-type': 'application/json', 'x-ltv-tenant': 'mallory' },
    body: JSON.stringify({ filters: { date: ['2020-01-01', '2030-12-31'] } }),
  });
  // They were ignored: `?format=csv&segmentation=country` got JSON by cohort, another answer than asked, without a word.
  it('are a 400 naming them, in Adapty\'s shape, whatever the body', async () => {
    const r = await post('?format=csv&segmentation=country&format=json');
    expect(r.status).toBe(400);
    const message = 'this endpoint reads no query string (it has format, segmentation): send them as fields of the JSON body, e.g. {"filters": {"date": ["2026-01-01", "2026-03-31"]}, "format": "csv"}';
    expect(r.json()).toEqual({ errors: [{ source: 'non_field_errors', errors: [message] }], error_code: 'validation_error', status_code: 400 });
  });

  it('an empty query string is no parameter: answered', async () => {
    const r = await post('?');
    expect(r.status).toBe(200);
  });
});

describe('Transfer-Encoding: gzip, chunked', () => {
  // Node's parser removes the chunked framing and hands on the gzip bytes as the body: read as JSON they were
  // a 400 "not valid JSON", or worse, whatever the bytes happened to parse as.
  it('is a 415 in the path\'s error shape, like an unsupported Content-Encoding', async () => {
    const gz = gzipSync(JSON.stringify({ filters: { date: ['2020-01-01', '2030-12-31'] } }));
    const head = `POST /api/v1/client-api/metrics/ltv/ HTTP/1.1\r\nHost: x\r\nAuthorization: Api-Key ${KEY}\r\nX-Ltv-Tenant: mallory\r\nContent-Type: application/json\r\nTransfer-Encoding: gzip, chunked\r\nConnection: close\r\n\r\n`;
    const r = response(await wire(Buffer.concat([Buffer.from(head), Buffer.from(`${gz.length.toString(16)}\r\n`), gz, Buffer.from('\r\n0\r\n\r\n')])));
    expect(r.status).toBe('HTTP/1.1 415 Unsupported Media Type');
    const message = 'Transfer-Encoding gzip is not supported: send the body uncompressed (Transfer-Encoding: chunked alone, or Content-Length)';
    expect(r.body).toEqual({ errors: [{ source: 'non_field_errors', errors: [message] }], error_code: 'unsupported_media_type', status_code: 415 });
  });

  it('chunked alone is read as before', async () => {
    const json = JSON.stringify({ filters: { date: ['2020-01-01', '2030-12-31'] } });
    const raw = await wire(`POST /api/v1/client-api/metrics/ltv/ HTTP/1.1\r\nHost: x\r\nAuthorization: Api-Key ${KEY}\r\nX-Ltv-Tenant: mallory\r\nContent-Type: application/json\r\nTransfer-Encoding: Chunked\r\nConnection: close\r\n\r\n${json.length.toString(16)}\r\n${json}\r\n0\r\n\r\n`);
    expect(response(raw).status).toBe('HTTP/1.1 200 OK');
  });
});

describe('more connections than the per-client cap', () => {
  let c: TestServer;
  const held: Socket[] = [];
  beforeAll(async () => {
    c = await startServer({ maxConnectionsPerClient: 3, maxConnections: 100 });
  });
  afterAll(async () => {
    for (const h of held) h.destroy();
    await c.stop();
  });

  /** A connection from `localAddress`, once connected. */
  const open = (localAddress: string): Promise<Socket> =>
    new Promise((resolve, reject) => {
      const socket = connect({ port: c.port, host: '127.0.0.1', localAddress }, () => resolve(socket));
      socket.on('error', reject);
    });
  it('a fourth from the same address is answered 503 in its path\'s shape, with Retry-After, then closed; another address is served', async () => {
    // Three slow clients from 127.0.0.1, each holding a socket with half a request head.
    for (let i = 0; i < 3; i++) {
      const h = await open('127.0.0.1');
      h.on('error', () => undefined);
      h.write('GET /healthz HTTP/1.1\r\n');
      held.push(h);
    }
    const message = 'Too many open connections from this address (at most 3): close some, or retry in a second';
    const zen = response((await collect(await open('127.0.0.1'), 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n')).raw);
    expect(zen.status).toBe('HTTP/1.1 503 Service Unavailable');
    expect(zen.headers.get('retry-after')).toBe('1');
    expect(zen.headers.get('connection')).toBe('close');
    expect(zen.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(zen.body).toMatchObject({ success: false, error: { code: 'UNAVAILABLE', message } });
    const adapty = response((await collect(await open('127.0.0.1'), 'POST /api/v1/client-api/metrics/ltv/ HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}')).raw);
    expect(adapty.status).toBe('HTTP/1.1 503 Service Unavailable');
    expect(adapty.body).toEqual({ errors: [{ source: 'non_field_errors', errors: [message] }], error_code: 'service_unavailable', status_code: 503 });
    // One that sends nothing is closed after a second, with no answer (not held for the 10 s header timeout).
    const silent = await collect(await open('127.0.0.1'), '');
    expect(silent.raw).toBe('');
    expect(silent.ms).toBeLessThan(2_500);
    // Another client address (the whole of 127/8 is this machine) is served meanwhile.
    const other = response((await collect(await open('127.0.0.2'), 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).raw);
    expect(other.status).toBe('HTTP/1.1 200 OK');
    expect(other.body).toEqual({ status: 'ok' });
    // Any client can cause a refusal at will: access-log lines (info) say 503, no error line with a stack.
    const refused = c.logLines.filter((l) => l.status === 503);
    expect(refused.map((l) => l.level)).toEqual([30, 30]);
    expect(c.logLines.filter((l) => (l.level as number) >= 50)).toEqual([]);
  });

  it('once one of the three closes, the address is served again', async () => {
    const h = held.pop() as Socket;
    await new Promise<void>((resolve) => {
      h.on('close', () => resolve());
      h.destroy();
    });
    // The server sees the close a moment later.
    for (let i = 0; i < 50; i++) {
      const r = response((await collect(await open('127.0.0.1'), 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).raw);
      if (r.status === 'HTTP/1.1 200 OK') return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('never served again');
  });
});

describe('the default caps', () => {
  it('serve 200 connections open at once from one address (a load test or a busy dashboard), none refused', async () => {
    const d = await startServer();
    const sockets: Socket[] = [];
    try {
      // All 200 connected before any request is sent, so they are open together.
      for (let i = 0; i < 200; i++) {
        sockets.push(await new Promise<Socket>((resolve, reject) => {
          const s = connect({ port: d.port, host: '127.0.0.1' }, () => resolve(s));
          s.on('error', reject);
        }));
      }
      const statuses = await Promise.all(sockets.map((s) => new Promise<string>((resolve) => {
        let raw = '';
        s.on('data', (b: Buffer) => (raw += b.toString('latin1')));
        s.on('close', () => resolve(raw.split('\r\n', 1)[0]!));
        s.end('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      })));
      expect(statuses).toEqual(sockets.map(() => 'HTTP/1.1 200 OK'));
    } finally {
      for (const s of sockets) s.destroy();
      await d.stop();
    }
  });
});

describe('a request with more than 100 header fields', () => {
  /** `n` filler fields `X0: a` … */
  const fill = (n: number): string => Array.from({ length: n }, (_, i) => `X${i}: a\r\n`).join('');
  const message = 'Too many header fields: send at most 100';

  it('is a 431 in the path\'s shape, with a request id, then close; 100 fields are answered', async () => {
    // Host + Connection + 98 fillers = 100 fields.
    expect(response(await wire(`GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${fill(98)}\r\n`)).status).toBe('HTTP/1.1 200 OK');
    const z = response(await wire(`GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${fill(99)}\r\n`));
    expect(z.status).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(z.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(z.headers.get('connection')).toBe('close');
    expect(z.body).toMatchObject({ success: false, error: { code: 'HEADERS_TOO_LARGE', message } });
    const a = response(await wire(`POST /api/v1/client-api/metrics/ltv/ HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n${fill(500)}\r\n{}`));
    expect(a.body).toEqual({ errors: [{ source: 'non_field_errors', errors: [message] }], error_code: 'request_header_fields_too_large', status_code: 431 });
  });

  // Node keeps the first 2000 fields and drops the rest unseen: the second copy of a header sent after 2000
  // fillers was never compared with the first (it was answered 200 with the first Host, key, tenant).
  it.each([
    ['a second Host', `GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n${fill(2000)}Host: b\r\n\r\n`],
    ['a second, different key', `GET /api/external/v1/revenue/mallory/ltv HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-API-Key: ${KEY}\r\n${fill(2000)}X-API-Key: other\r\n\r\n`],
    ['a second x-ltv-tenant', `POST /api/v1/client-api/metrics/ltv/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Api-Key ${KEY}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nx-ltv-tenant: mallory\r\n${fill(2000)}x-ltv-tenant: pointer\r\n\r\n{}`],
  ])('%s after 2000 fillers is not dropped: the request is refused, never answered with the first', async (_name, bytes) => {
    expect(response(await wire(bytes)).status).toBe('HTTP/1.1 431 Request Header Fields Too Large');
  });
});

describe('a GET whose small body arrives with its head', () => {
  // It was answered "Connection: keep-alive" and the connection then closed: a keep-alive client sent its
  // next request into a closed socket. Like the 401/404/405/415 answered before a body, the answer says close.
  it.each([
    ['Content-Length', 'GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello'],
    ['chunked', 'GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'],
    ['a Zenovay GET', `GET /api/external/v1/revenue/mallory/ltv HTTP/1.1\r\nHost: x\r\nX-API-Key: ${KEY}\r\nContent-Length: 2\r\n\r\n{}`],
  ])('%s: 200 saying Connection: close, then the connection is closed', async (_name, bytes) => {
    const raw = await wire(bytes);
    const head = raw.slice(0, raw.indexOf('\r\n\r\n')).split('\r\n');
    expect(head[0]).toBe('HTTP/1.1 200 OK');
    expect(head.filter((l) => /^connection:/i.test(l)).map((l) => l.toLowerCase())).toEqual(['connection: close']);
  });

  it('a GET without a body, and a POST whose body its route reads, keep their connection', async () => {
    const raw = await wire('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(raw.match(/HTTP\/1\.1 200 OK\r\n/g)).toHaveLength(2);
    expect(raw).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*?connection: keep-alive\r\n/i);
    const body = JSON.stringify({ filters: { date: ['2020-01-01', '2030-12-31'] } });
    const post = `POST /api/v1/client-api/metrics/ltv/ HTTP/1.1\r\nHost: x\r\nAuthorization: Api-Key ${KEY}\r\nx-ltv-tenant: mallory\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    const two = await wire(`${post}GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect(two.match(/HTTP\/1\.1 200 OK\r\n/g)).toHaveLength(2);
    expect(two).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*?connection: keep-alive\r\n/i);
  });
});

describe('a request target over 16 KiB', () => {
  const message = 'The URL is too long: the URL and headers may hold at most 16 KiB together';

  it.each([
    ['Zenovay', `GET /api/external/v1/revenue/${'a'.repeat(17_000)}/ltv HTTP/1.1\r\nHost: x\r\n\r\n`, 'zenovay'],
    ['Adapty', `POST /api/v1/client-api/metrics/ltv/?${'a'.repeat(17_000)} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}`, 'adapty'],
  ])('%s path → 414 URI Too Long in its shape (it was 431 "Request headers are too large")', async (_name, bytes, family) => {
    const r = response(await wire(bytes));
    expect(r.status).toBe('HTTP/1.1 414 URI Too Long');
    expect(r.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.headers.get('connection')).toBe('close');
    if (family === 'adapty') expect(r.body).toEqual({ errors: [{ source: 'non_field_errors', errors: [message] }], error_code: 'uri_too_long', status_code: 414 });
    else expect(r.body).toMatchObject({ success: false, error: { code: 'URI_TOO_LONG', message } });
  });

  it('a short target whose headers overflow stays a 431', async () => {
    const r = response(await wire(`GET /api/external/v1/revenue/${'a'.repeat(10_000)}/ltv HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(10_000)}\r\n\r\n`));
    expect(r.status).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(r.body).toMatchObject({ success: false, error: { code: 'HEADERS_TOO_LARGE' } });
  });
});
