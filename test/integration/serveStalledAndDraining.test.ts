// Two ways a connection outlived its use (black-box review, stop 52): a client that stops reading its
// answer held the connection and the whole body in memory for ever, and after close() (SIGTERM) answers
// still said keep-alive, so clients kept sending on their connections until the grace period ran out and
// their requests in flight were reset.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { publishFixtureRun } from '../helpers/fixtureRun.js';
import { startServer, type TestServer } from '../helpers/startServer.js';

const KEY = 'ltv_stalled_and_draining_key_000000000000';
let s: TestServer | undefined;
afterEach(async () => {
  await s?.stop();
  s = undefined;
});

/** A raw connection: what it received, and when it was closed (ms after `since`). */
function rawConnection(port: number): Promise<{ socket: Socket; received: () => string; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    let got = '';
    const socket = connect({ port, host: '127.0.0.1' }, () => {
      const opened = Date.now();
      const closed = new Promise<number>((done) => socket.on('close', () => done(Date.now() - opened)));
      resolve({ socket, received: () => got, closed });
    });
    socket.on('data', (b: Buffer) => (got += b.toString('latin1')));
    socket.on('error', reject);
  });
}

describe('a client that stops reading its answer', () => {
  it('loses its connection once no byte has been taken for the send timeout', async () => {
    s = await startServer({ sendTimeoutMs: 500, keys: [{ key: KEY, tenants: ['acme'] }] });
    const runDir = publishFixtureRun(s.reportsDir, { tenant: 'acme', runId: 'r1', marker: 1 });
    // A 48 MB body (as a day-unit answer of a large run is), far beyond what the sockets' buffers hold.
    const rel = 'api/zenovay/all-monthly.json';
    const body = JSON.stringify({ success: true, data: { cohorts: [], pad: 'x'.repeat(48 * 2 ** 20) } });
    writeFileSync(join(runDir, rel), body);
    const manifestPath = join(runDir, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { files: Record<string, { bytes: number; sha256: string }> };
    manifest.files[rel] = { bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') };
    writeFileSync(manifestPath, JSON.stringify(manifest));
    const c = await rawConnection(s.port);
    c.socket.pause();
    c.socket.write(`GET /api/external/v1/revenue/acme/ltv?range=all HTTP/1.1\r\nHost: x\r\nX-API-Key: ${KEY}\r\nAccept-Encoding: identity\r\n\r\n`);
    // Not reading for 2 s (four send timeouts), then reading again: what the sockets' buffers held, then the end.
    await new Promise((r) => setTimeout(r, 2_000));
    c.socket.resume();
    const closedAfter = await Promise.race([c.closed, new Promise<number>((resolve) => setTimeout(() => resolve(-1), 8_000))]);
    c.socket.destroy();
    // Closed by the server, its answer cut short (before: the whole answer, and the connection kept open).
    expect(closedAfter).toBeGreaterThan(0);
    expect(c.received()).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(c.received().length).toBeLessThan(body.length);
    // The access log has no line for it (the answer never finished), and no error line.
    expect(s.logLines.filter((l) => (l.level as number) >= 50)).toEqual([]);
  });
});

describe('close() (SIGTERM)', () => {
  it('ends each connection with its answer: answers under way say Connection: close, idle connections close at once', async () => {
    s = await startServer({ keys: [{ key: KEY, tenants: ['acme'] }] });
    publishFixtureRun(s.reportsDir, { tenant: 'acme', runId: 'r1', marker: 7 });
    const server = s;
    s = undefined;
    const post = (body: string): string =>
      `POST /api/v1/client-api/metrics/ltv/ HTTP/1.1\r\nHost: x\r\nAuthorization: Api-Key ${KEY}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    // An idle keep-alive connection, and one whose request is under way (its body not yet sent).
    const idle = await rawConnection(server.port);
    const whole = JSON.stringify({ filters: { date: ['2020-01-01', '2030-12-31'] } });
    idle.socket.write(post(whole));
    while (!idle.received().endsWith('}}')) await new Promise((r) => setTimeout(r, 10));
    expect(idle.received()).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*Connection: keep-alive\r\n/i);
    const busy = await rawConnection(server.port);
    busy.socket.write(post(whole).slice(0, -whole.length));
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    const stopping = server.stop().then(() => Date.now() - started);
    // The idle one is closed now; the busy one gets its whole answer, saying close, then its connection ends.
    expect(await idle.closed).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 100));
    busy.socket.write(whole);
    await busy.closed;
    const answer = busy.received();
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(answer).toMatch(/\r\nConnection: close\r\n/i);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)).revenue.data[1].value).toBe(7);
    // Stopped once the last answer was sent, not at the end of the grace period (1 s in this helper).
    expect(await stopping).toBeLessThan(900);
  });
});
