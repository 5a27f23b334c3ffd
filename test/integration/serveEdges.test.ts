// The endpoint's edges (SPEC §6 "every response has x-request-id"), over raw sockets (node:net) so the
// bytes on the wire are exactly the malformed ones: requests Node's HTTP parser refuses, header timeouts,
// clients that vanish mid-body, floods of wrong keys, and the default listening address.
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishFixtureRun } from '../helpers/fixtureRun.js';
import { httpRequest } from '../helpers/httpRequest.js';
import { startServer, type TestServer } from '../helpers/startServer.js';

const KEY = 'k-edges';
let s: TestServer;

beforeAll(async () => {
  s = await startServer({ keys: [{ key: KEY, tenants: ['acme'] }], headersTimeoutMs: 1500, authFailuresPerMinute: 5 });
  publishFixtureRun(s.reportsDir, { tenant: 'acme', runId: 'r1', marker: 1 });
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

/** Writes `chunks` (with `gapMs` between them), then reads until the server closes the connection. */
function raw(chunks: (string | Buffer)[], gapMs = 0, hangUpAfter?: number): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(s.port, '127.0.0.1');
    const got: Buffer[] = [];
    socket.on('data', (c) => got.push(c));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const text = Buffer.concat(got).toString('utf8');
      const [head = '', body = ''] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine.split(' ')[1] ?? 0), headers, body, closedAfterMs: Date.now() - started });
    });
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

const ZEN = 'GET /api/external/v1/revenue/acme/ltv HTTP/1.1\r\nHost: x\r\n';
const ADAPTY = 'POST /api/v1/client-api/metrics/ltv/ HTTP/1.1\r\nHost: x\r\n';

function expectZenovayError(r: Raw, status: number, code: string): void {
  expect(r.status).toBe(status);
  expect(r.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
  const body = JSON.parse(r.body) as { success: boolean; error: { code: string; message: string; timestamp: string } };
  expect(body.success).toBe(false);
  expect(body.error.code).toBe(code);
}

describe('requests the HTTP parser refuses get the API error shape and a request id', () => {
  it.each([
    ['a NUL in a header', `${ZEN}X-Bad: a\0b\r\n\r\n`],
    ['a CR in a header', `${ZEN}X-Bad: a\rb\r\n\r\n`],
    ['a bare LF in a header name', `${ZEN}X-B\nad: a\r\n\r\n`],
    ['a bad request line', 'GET /api/external/v1/revenue/acme/ltv HTTP/9 9\r\n\r\n'],
    ['Content-Length with Transfer-Encoding', `GET /api/external/v1/revenue/acme/ltv HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`],
  ])('%s → 400, Zenovay shape', async (_name, request) => {
    expectZenovayError(await raw([request]), 400, 'VALIDATION_ERROR');
  });

  it('an oversized header → 431, Zenovay shape', async () => {
    expectZenovayError(await raw([`${ZEN}X-Big: ${'a'.repeat(20_000)}\r\n\r\n`]), 431, 'HEADERS_TOO_LARGE');
  });

  it('on an Adapty path → Adapty shape', async () => {
    const r = await raw([`${ADAPTY}Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`]);
    expect(r.status).toBe(400);
    expect(r.headers['x-request-id']).toBeTruthy();
    expect(JSON.parse(r.body)).toMatchObject({ error_code: 'validation_error', status_code: 400, errors: [{ source: 'non_field_errors' }] });
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

describe('failed authentication is throttled per client address', () => {
  it('after 5 wrong keys in a minute: 429 with Retry-After in each API\'s shape, even for a right key', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await httpRequest(s.port, '/api/external/v1/revenue/acme/ltv', { headers: { 'x-api-key': `wrong-${i}` } });
      expect(r.status).toBe(401);
    }
    const z = await httpRequest(s.port, '/api/external/v1/revenue/acme/ltv', { headers: { 'x-api-key': KEY } });
    expect(z.status).toBe(429);
    expect(Number(z.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(z.headers['x-request-id']).toBeTruthy();
    expect((z.json() as { error: { code: string } }).error.code).toBe('RATE_LIMIT_EXCEEDED');
    const a = await httpRequest(s.port, '/api/v1/client-api/metrics/ltv/', {
      method: 'POST', headers: { authorization: 'Api-Key wrong', 'content-type': 'application/json' }, body: '{}',
    });
    expect(a.status).toBe(429);
    expect(a.headers['retry-after']).toBeTruthy();
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
