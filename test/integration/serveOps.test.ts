// SPEC §11 on `ltv serve`, wired as the CLI wires it (mountOps, mountRunRoutes): /metrics counts requests
// by route template and status, /readyz follows the reports directory and Redis, bull-board answers only
// with the admin key and is read-only unless LTV_BULL_BOARD_WRITE allows.
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { beforeEach, expect, test } from 'vitest';
import type { Logger } from 'pino';
import { mountOps } from '../../src/cli/mountOps.js';
import { mountRunRoutes } from '../../src/cli/mountRunRoutes.js';
import { loadEnv } from '../../src/config/env.js';
import { addKey } from '../../src/serve/addKey.js';
import { listKeys, removeKey } from '../../src/serve/editKeys.js';
import { publishFixtureRun } from '../helpers/fixtureRun.js';
import { httpRequest } from '../helpers/httpRequest.js';
import { checkOpenapi } from '../helpers/openapiCheck.js';
import { parseExposition, sampleValue } from '../helpers/parseExposition.js';
import { captureLogger, logger, privateRedis, useHarness, waitFor, type Harness } from '../helpers/queueHarness.js';
import { startServer } from '../helpers/startServer.js';

const harness = useHarness();
let h: Harness;
beforeEach(() => {
  h = harness();
});

const KEY = 'ltv_pro_key_for_ops_tests_01';
const ADMIN = 'admin-key-for-the-ops-tests-0123456789';
const ADMIN_SHA = createHash('sha256').update(ADMIN).digest('hex');
const ROUTE = '/api/external/v1/revenue/:websiteId/ltv';

test('serve /metrics counts requests by route template and status, never by URL; /readyz follows the reports directory', async () => {
  const reportsDir = join(h.dir, 'served');
  mkdirSync(reportsDir);
  publishFixtureRun(reportsDir, { tenant: 'acme', runId: '20260316T150000Z', marker: 7 });
  const ops = mountOps(h.env, { reportsDir, queue: null });
  const s = await startServer({ reportsDir, keys: [{ key: KEY, tenants: ['acme', 'nope'] }], extraRoutes: ops.routes, onRequest: ops.onRequest });
  try {
    const get = (path: string, headers: Record<string, string> = { 'x-api-key': KEY }) => httpRequest(s.port, path, { headers });
    expect((await get('/api/external/v1/revenue/acme/ltv')).status).toBe(200);
    expect((await get('/api/external/v1/revenue/acme/ltv?range=7d')).status).toBe(200);
    expect((await get('/api/external/v1/revenue/nope/ltv')).status).toBe(404); // a key for it, but no report
    expect((await get('/api/external/v1/revenue/acme/ltv', {})).status).toBe(401);
    expect((await get('/no/such/path')).status).toBe(404);
    expect((await get('/healthz', {})).status).toBe(200);

    const scrape = await get('/metrics', {});
    expect(scrape.status).toBe(200);
    checkOpenapi('/metrics', 'get', scrape);
    expect(scrape.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const m = parseExposition(scrape.text);
    // Six requests before the scrape: 2×200, 404, 401 on the Zenovay route; 404 unmatched; /healthz.
    expect(sampleValue(m, 'ltv_http_requests_total', { route: ROUTE, method: 'GET', status: '200' })).toBe(2);
    expect(sampleValue(m, 'ltv_http_requests_total', { route: ROUTE, method: 'GET', status: '404' })).toBe(1);
    expect(sampleValue(m, 'ltv_http_requests_total', { route: ROUTE, method: 'GET', status: '401' })).toBe(1);
    expect(sampleValue(m, 'ltv_http_requests_total', { route: 'unmatched', method: 'GET', status: '404' })).toBe(1);
    expect(sampleValue(m, 'ltv_http_requests_total', { route: '/healthz', method: 'GET', status: '200' })).toBe(1);
    expect(sampleValue(m, 'ltv_http_request_duration_seconds_count', { route: ROUTE, method: 'GET' })).toBe(4);
    const all = m.get('ltv_http_requests_total')!.samples;
    expect(all.reduce((n, x) => n + x.value, 0)).toBe(6);
    // Neither tenant nor raw path ever becomes a label value.
    for (const f of m.values()) for (const x of f.samples) for (const v of Object.values(x.labels)) expect(v).not.toMatch(/acme|nope|no\/such/);
    // The scrape itself is counted once it has been answered.
    const again = parseExposition((await get('/metrics', {})).text);
    expect(sampleValue(again, 'ltv_http_requests_total', { route: '/metrics', method: 'GET', status: '200' })).toBe(1);
    // An odd method is one label value, not one per method a client invents.
    await httpRequest(s.port, '/x', { method: 'PROPFIND' });
    const odd = parseExposition((await get('/metrics', {})).text);
    expect(sampleValue(odd, 'ltv_http_requests_total', { route: 'unmatched', method: 'other', status: '404' })).toBe(1);
    // A 405 of a route's path is counted under the route's template (it was "unmatched").
    await httpRequest(s.port, '/healthz', { method: 'PROPFIND' });
    const refused = parseExposition((await get('/metrics', {})).text);
    expect(sampleValue(refused, 'ltv_http_requests_total', { route: '/healthz', method: 'other', status: '405' })).toBe(1);

    const ready = await get('/readyz', {});
    // Named without the server's path: /readyz answers whoever reaches it (it said "reports /srv/…").
    expect(ready.json()).toEqual({ status: 'ready', checks: { reports: 'ok' } });
    checkOpenapi('/readyz', 'get', ready);
    renameSync(reportsDir, `${reportsDir}.away`);
    const away = await get('/readyz', {});
    expect(away.status).toBe(503);
    // Both answers as /openapi.json documents them (it did not list /readyz, /metrics or the run routes).
    checkOpenapi('/readyz', 'get', away);
    expect((away.json() as { checks: Record<string, string> }).checks).toEqual({ reports: 'the reports directory is not readable (ENOENT)' });
    expect(away.text).not.toContain(h.dir);
    renameSync(`${reportsDir}.away`, reportsDir);
    expect((await get('/readyz', {})).status).toBe(200);
  } finally {
    await s.stop();
  }
});

/** Sends `bytes` on a new connection; the status line of the answer, once the server has closed it. */
function rawStatus(port: number, bytes: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let raw = '';
    socket.on('data', (d: Buffer) => (raw += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(raw.split('\r\n')[0]!));
    socket.write(bytes);
  });
}

test('serve /metrics counts the requests Node\'s HTTP parser refuses (400, 414, 431) under route "unmatched"', async () => {
  const reportsDir = join(h.dir, 'served');
  mkdirSync(reportsDir);
  const ops = mountOps(h.env, { reportsDir, queue: null });
  const s = await startServer({ reportsDir, extraRoutes: ops.routes, onRequest: ops.onRequest });
  try {
    const fill = 'a'.repeat(20_000);
    // Node's limit is 16 KiB for the target and the headers together.
    expect(await rawStatus(s.port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Fill: ${fill}\r\n\r\n`)).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(await rawStatus(s.port, `GET /${fill} HTTP/1.1\r\nHost: x\r\n\r\n`)).toBe('HTTP/1.1 414 URI Too Long');
    expect(await rawStatus(s.port, `POST /healthz HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n`)).toBe('HTTP/1.1 400 Bad Request');
    // No request line the parser could read: no method either.
    expect(await rawStatus(s.port, 'hello\r\n\r\n')).toBe('HTTP/1.1 400 Bad Request');
    const m = parseExposition((await httpRequest(s.port, '/metrics')).text);
    const unmatched = m.get('ltv_http_requests_total')!.samples.filter((x) => x.labels.route === 'unmatched');
    expect(unmatched.map((x) => `${x.labels.method} ${x.labels.status} ${x.value}`).sort()).toEqual(['GET 414 1', 'GET 431 1', 'POST 400 1', 'other 400 1']);
    // When such a request began is not known: no latency is made up for it.
    expect(m.get('ltv_http_request_duration_seconds')!.samples.filter((x) => x.labels.route === 'unmatched')).toEqual([]);
    // Each is logged once still, as before.
    expect(s.logLines.filter((l) => l.msg === 'request refused by the HTTP parser')).toHaveLength(4);
  } finally {
    await s.stop();
  }
});

/** `ltv serve` wired as the CLI wires it (ops routes and run routes), over a private redis-server of its own. */
async function serveOverPrivateRedis(log: Logger = logger) {
  const redis = await privateRedis(h.dir);
  await redis.start();
  const env = loadEnv({ ...h.vars, REDIS_URL: redis.url, LTV_ADMIN_KEY_SHA256: ADMIN_SHA, LTV_READY_TIMEOUT_MS: '300' });
  const runs = mountRunRoutes(env, h.jobsDir, log);
  const reportsDir = join(h.dir, 'served');
  mkdirSync(reportsDir);
  const ops = mountOps(env, { reportsDir, queue: runs.queue });
  const s = await startServer({ reportsDir, extraRoutes: [...ops.routes, ...runs.routes], mounts: runs.mounts, onRequest: ops.onRequest });
  return { redis, env, runs, reportsDir, s };
}

test('serve /readyz turns unready when Redis stops and ready again when it is back; the log says so once each way', async () => {
  const { log, lines } = captureLogger();
  const { redis, env, runs, s } = await serveOverPrivateRedis(log);
  const said = () => lines.filter((l) => typeof l.msg === 'string' && (l.msg as string).startsWith('Redis at')).map((l) => [l.level, l.msg]);
  try {
    await waitFor('ready', async () => (await httpRequest(s.port, '/readyz')).status === 200);
    await redis.stop();
    const down = await waitFor('unready', async () => {
      const r = await httpRequest(s.port, '/readyz');
      return r.status === 503 ? r : undefined;
    });
    // Said when it happens, once, however many reconnections fail.
    await waitFor('the loss in the log', () => said().length === 1);
    const checks = (down.json() as { checks: Record<string, string> }).checks;
    // In words: it was ioredis's "Stream isn't writeable and enableOfflineQueue options is false".
    expect(checks.redis).toMatch(/^Redis at redis:\/\/127\.0\.0\.1:\d+ is not connected \(down or unreachable; reconnecting\)$|^no answer within \d+ ms$/);
    expect(checks.reports).toBe('ok');
    expect((await httpRequest(s.port, '/healthz')).status).toBe(200);
    // The queue dashboard's API answers too, within LTV_CONNECT_TIMEOUT_MS (it waited on Redis for ever).
    const started = Date.now();
    const board = await httpRequest(s.port, '/admin/queues/api/queues', { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(Date.now() - started).toBeLessThan(env.LTV_CONNECT_TIMEOUT_MS + 5_000);
    expect([board.status, board.headers['retry-after']]).toEqual([503, '5']);
    expect((board.json() as { error: { message: string } }).error.message).toMatch(/^Redis at \S+ is not connected: the queue cannot be read now; try again in a few seconds$/);
    // So do the run routes (an ioredis message and a 500 before).
    const state = await httpRequest(s.port, '/api/v1/runs/x', { headers: { authorization: `Bearer ${ADMIN}` } });
    expect([state.status, (state.json() as { error: { message: string } }).error.message]).toEqual([503, expect.stringMatching(/^Redis at \S+ (is not connected|did not answer within)/)]);
    checkOpenapi('/api/v1/runs/{id}', 'get', state);
    await redis.start();
    await waitFor('ready again', async () => (await httpRequest(s.port, '/readyz')).status === 200, 20_000);
    // Lost, then back: one line each (serve said nothing), however many reconnections failed in between.
    await waitFor('back in the log', () => said().length === 2);
    expect(said()).toEqual([
      [40, `Redis at ${redis.url} is not connected (the connection was closed): POST /api/v1/runs, GET /api/v1/runs/:id and bull-board answer 503 until it is back; reconnecting`],
      [30, `Redis at ${redis.url} answers again`],
    ]);
    expect(lines.find((l) => l.msg === `Redis at ${redis.url} answers again`)?.outage_ms).toEqual(expect.any(Number));
  } finally {
    await s.stop();
    await runs.queue.close().catch(() => undefined);
    await redis.stop();
  }
});

test('serve /readyz names a refused login, and is ready as soon as Redis accepts it again', async () => {
  const { redis, runs, s } = await serveOverPrivateRedis();
  const admin = new Redis({ host: '127.0.0.1', port: redis.port, lazyConnect: true });
  const redisCheck = async () => (((await httpRequest(s.port, '/readyz')).json() as { checks: Record<string, string> }).checks.redis ?? '');
  try {
    await waitFor('ready', async () => (await httpRequest(s.port, '/readyz')).status === 200);
    // The operator sets a password; the queue's connection is dropped and each reconnection refused.
    await admin.connect();
    await admin.config('SET', 'requirepass', 'rotated');
    await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    await waitFor('readyz naming the refusal', async () => ((await redisCheck()).includes('refused the login') ? true : undefined), 15_000);
    // The admin routes name it too (they said "is not connected", which sent the operator looking for an outage).
    const bearer = { authorization: `Bearer ${ADMIN}` };
    for (const path of ['/api/v1/runs/x', '/admin/queues/api/queues']) {
      const r = await httpRequest(s.port, path, { headers: bearer });
      expect([path, r.status, (r.json() as { error: { message: string } }).error.message]).toEqual([path, 503, expect.stringMatching(/^Redis at \S+ refused the login \(WRONGPASS|NOAUTH/)]);
    }
    await admin.config('SET', 'requirepass', '');
    // The queue answers again; /readyz says ready within moments (the refusal was remembered ten seconds more).
    await waitFor('the queue answering', () => runs.queue.getJobCounts('waiting').then(() => true, () => undefined), 20_000);
    await waitFor('ready again', async () => ((await redisCheck()) === 'ok' ? true : undefined), 1_500);
  } finally {
    admin.disconnect();
    await s.stop();
    await runs.queue.close().catch(() => undefined);
    await redis.stop();
  }
}, 60_000);

test('bull-board answers only with the admin key (header or sign-in cookie), read-only unless LTV_BULL_BOARD_WRITE', async () => {
  const env = loadEnv({ ...h.vars, LTV_ADMIN_KEY_SHA256: ADMIN_SHA });
  const runs = mountRunRoutes(env, h.jobsDir, logger);
  const s = await startServer({ extraRoutes: runs.routes, mounts: runs.mounts });
  const req = (path: string, o: { method?: string; headers?: Record<string, string>; body?: string } = {}) => httpRequest(s.port, `/admin/queues${path}`, o);
  const bearer = { authorization: `Bearer ${ADMIN}` };
  try {
    const waiting = await runs.queue.add('example', { file: 'example.json', source: 'cli' });

    // Without the key: a browser is sent to the sign-in form, a script gets 401; a wrong key is a 401 too.
    const page = await req('/', { headers: { accept: 'text/html' } });
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe('/admin/queues/login');
    checkOpenapi('/admin/queues/', 'get', page);
    checkOpenapi('/admin/queues/', 'get', await req('/'));
    expect((await req('/api/queues')).status).toBe(401);
    expect((await req('/api/queues', { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await req('/static/images/logo.svg')).status).toBe(401);
    expect((await req('/api/queues', { headers: { 'x-admin-key': ADMIN } })).status).toBe(200);

    // With it: the board's page (its base is the mount), its assets and its API.
    const html = await req('/', { headers: bearer });
    expect(html.status).toBe(200);
    expect(html.text).toContain('<base href="/admin/queues/" />');
    checkOpenapi('/admin/queues/', 'get', html);
    expect(html.text).not.toContain('<%');
    const script = /src="(static\/js\/main\.[^"]+\.js)"/.exec(html.text)?.[1];
    expect(script).toBeDefined();
    const js = await req(`/${script}`, { headers: bearer });
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
    expect((await req('/static/../../package.json', { headers: bearer })).status).toBe(404);
    const list = await req('/api/queues?activeQueue=runs&status=waiting&page=1', { headers: bearer });
    expect(list.status).toBe(200);
    const queues = (list.json() as { queues: { name: string; readOnlyMode: boolean; counts: Record<string, number>; jobs: { id: string }[] }[] }).queues;
    expect(queues.map((q) => [q.name, q.readOnlyMode, q.counts.waiting])).toEqual([['runs', true, 1]]);
    expect(queues[0]!.jobs.map((j) => j.id)).toEqual([waiting.id]);

    // Read-only: no removal, no retry.
    expect((await req(`/api/queues/runs/${waiting.id}/clean`, { method: 'PUT', headers: bearer })).status).toBe(405);
    const refused = await req('/api/queues/runs/retry/failed', { method: 'PUT', headers: bearer });
    // In ltv's error shape, with the methods it takes (it was bull-board's own body, without Allow).
    expect([refused.status, refused.headers.allow, (refused.json() as { success: boolean; error: { message: string } }).error.message])
      .toEqual([405, 'GET, HEAD', 'bull-board is read-only (set LTV_BULL_BOARD_WRITE=1 to allow retries and removals)']);
    expect((refused.json() as { success: boolean }).success).toBe(false);
    expect(await runs.queue.getJobState(waiting.id!)).toBe('waiting');
    // A method a path is not routed for is 405 with the ones it is (it was 404, as for no such path).
    const notRouted = await req('/api/queues', { method: 'POST', headers: { ...bearer, 'content-type': 'application/json' }, body: '{}' });
    expect([notRouted.status, notRouted.headers.allow]).toEqual([405, 'GET, HEAD']);
    expect((await req('/api/no-such-thing', { method: 'POST', headers: { ...bearer, 'content-type': 'application/json' }, body: '{}' })).status).toBe(404);
    // A stray "%" in a path parameter is the client's mistake: 400 in one line (decodeURIComponent threw: 500).
    const stray = await req('/api/queues/runs/%ZZ', { headers: bearer });
    expect([stray.status, (stray.json() as { error: { message: string } }).error.message])
      .toEqual([400, 'the path\'s jobId "%ZZ" is not valid percent-encoding: write "%" as %25']);
    // With the run routes on, a path under them that is none of them is not found, not "the run routes are off".
    const under = await httpRequest(s.port, '/api/v1/runs/a/b', { headers: bearer });
    expect([under.status, (under.json() as { error: { message: string } }).error.message]).toEqual([404, 'Not found']);

    // A browser signs in once; the cookie holds a session token, never the key.
    // A form over 4 KiB is answered 413 (the connection was reset with no answer), chunked or not.
    for (const chunked of [false, true]) {
      const big = await httpRequest(s.port, '/admin/queues/login', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `key=${'a'.repeat(5000)}`, chunked });
      expect([big.status, (big.json() as { error: { message: string } }).error.message])
        .toEqual([413, 'the sign-in form is larger than 4096 bytes: send the admin key alone (key=…)']);
    }
    const wrong = await req('/login', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'key=nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    const signIn = await req('/login', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `key=${encodeURIComponent(ADMIN)}` });
    expect(signIn.status).toBe(303);
    const setCookie = String(signIn.headers['set-cookie']);
    expect(setCookie).toMatch(/^ltv_admin=[A-Za-z0-9_-]{43}; Path=\/admin\/queues; Max-Age=43200; HttpOnly; SameSite=Strict$/);
    expect(setCookie).not.toContain(ADMIN);
    const cookie = { cookie: setCookie.split(';')[0]! };
    expect((await req('/api/queues', { headers: cookie })).status).toBe(200);
    // A write carried by the cookie from another site is refused before anything else.
    expect((await req(`/api/queues/runs/${waiting.id}/clean`, { method: 'PUT', headers: { ...cookie, 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
    const out = await req('/logout', { method: 'POST', headers: cookie });
    expect(out.status).toBe(303);
    expect(String(out.headers['set-cookie'])).toMatch(/^ltv_admin=; Path=\/admin\/queues; Max-Age=0/);
    expect((await req('/api/queues', { headers: cookie })).status).toBe(401);
  } finally {
    await s.stop();
    await runs.queue.close();
  }

  // With LTV_BULL_BOARD_WRITE=1 the same call removes the run.
  const writable = mountRunRoutes(loadEnv({ ...h.vars, LTV_ADMIN_KEY_SHA256: ADMIN_SHA, LTV_BULL_BOARD_WRITE: '1' }), h.jobsDir, logger);
  const s2 = await startServer({ extraRoutes: writable.routes, mounts: writable.mounts });
  try {
    const job = await writable.queue.add('example', { file: 'example.json', source: 'cli' });
    const del = await httpRequest(s2.port, `/admin/queues/api/queues/runs/${job.id}/clean`, { method: 'PUT', headers: bearer });
    expect(del.status).toBe(204);
    expect(await writable.queue.getJobState(job.id!)).toBe('unknown');
  } finally {
    await s2.stop();
    await writable.queue.close();
  }
});

test('wrong keys on the run routes and the board sign-in count in the failed-authentication throttle: 429 with its headers, then for every authenticated route', async () => {
  const env = loadEnv({ ...h.vars, LTV_ADMIN_KEY_SHA256: ADMIN_SHA });
  const runs = mountRunRoutes(env, h.jobsDir, logger);
  const s = await startServer({ extraRoutes: runs.routes, mounts: runs.mounts, keys: [{ key: KEY, tenants: ['acme'] }] });
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const json = { 'content-type': 'application/json' };
  try {
    // A missing key does not count.
    for (let i = 0; i < 3; i++) expect((await httpRequest(s.port, '/api/v1/runs/x')).status).toBe(401);
    // Ten wrong keys from one address, on three kinds of admin check: each a 401.
    for (let i = 0; i < 4; i++) {
      const r = await httpRequest(s.port, '/api/v1/runs', { method: 'POST', headers: { ...json, authorization: `Bearer wrong-${i}` }, body: '{"job":"web"}' });
      expect(r.status).toBe(401);
    }
    for (let i = 0; i < 3; i++) expect((await httpRequest(s.port, '/api/v1/runs/x', { headers: { authorization: `Bearer wrong-get-${i}` } })).status).toBe(401);
    for (let i = 0; i < 3; i++) expect((await httpRequest(s.port, '/admin/queues/login', { method: 'POST', headers: form, body: `key=wrong-${i}` })).status).toBe(401);
    // The eleventh attempt, and then every authenticated route, the right keys included: 429 before any compare.
    const expect429 = (r: Awaited<ReturnType<typeof httpRequest>>) => {
      expect(r.status).toBe(429);
      expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(r.headers['x-ratelimit-limit']).toBe('10');
      expect(r.headers['x-ratelimit-remaining']).toBe('0');
      expect(Number(r.headers['x-ratelimit-reset'])).toBeGreaterThan(Date.now() / 1000);
    };
    const login = await httpRequest(s.port, '/admin/queues/login', { method: 'POST', headers: form, body: `key=${encodeURIComponent(ADMIN)}` });
    expect429(login);
    expect(login.headers['set-cookie']).toBeUndefined();
    expect((login.json() as { error: { code: string } }).error.code).toBe('RATE_LIMIT_EXCEEDED');
    expect429(await httpRequest(s.port, '/api/v1/runs', { method: 'POST', headers: { ...json, authorization: `Bearer ${ADMIN}` }, body: '{"job":"web"}' }));
    expect429(await httpRequest(s.port, '/api/v1/runs/x', { headers: { authorization: `Bearer ${ADMIN}` } }));
    expect429(await httpRequest(s.port, '/admin/queues/api/queues', { headers: { 'x-admin-key': ADMIN } }));
    expect429(await httpRequest(s.port, '/api/v1/explorer/tenants', { headers: { 'x-api-key': KEY } }));
  } finally {
    await s.stop();
    await runs.queue.close();
  }
});

test('a key made with `ltv keys add --admin` is an admin key on the run routes and the board; a valid tenant key there is a 403', async () => {
  const env = loadEnv({ ...h.vars, LTV_ADMIN_KEY_SHA256: ADMIN_SHA });
  const runs = mountRunRoutes(env, h.jobsDir, logger);
  const s = await startServer({ extraRoutes: runs.routes, mounts: runs.mounts });
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  try {
    const admin = await addKey(s.keysFile, { tenants: ['acme'], admin: true });
    const tenant = await addKey(s.keysFile, { tenants: ['acme'] });
    await waitFor('keys reloaded', async () => (await httpRequest(s.port, '/api/v1/explorer/tenants', { headers: { 'x-api-key': tenant } })).status === 200 || undefined);

    // The --admin key: the run routes answer (404 for an unknown run, not 401), the board answers, and signs in.
    const missing = await httpRequest(s.port, '/api/v1/runs/no-such-run', { headers: { authorization: `Bearer ${admin}` } });
    expect(missing.status).toBe(404);
    expect((await httpRequest(s.port, '/api/v1/runs/no-such-run', { headers: { 'x-admin-key': admin } })).status).toBe(404);
    expect((await httpRequest(s.port, '/admin/queues/api/queues', { headers: { authorization: `Bearer ${admin}` } })).status).toBe(200);
    const signIn = await httpRequest(s.port, '/admin/queues/login', { method: 'POST', headers: form, body: `key=${encodeURIComponent(admin)}` });
    expect(signIn.status).toBe(303);
    const cookie = String(signIn.headers['set-cookie']).split(';')[0]!;
    expect((await httpRequest(s.port, '/admin/queues/api/queues', { headers: { cookie } })).status).toBe(200);
    // The operator's key still works.
    expect((await httpRequest(s.port, '/api/v1/runs/no-such-run', { headers: { authorization: `Bearer ${ADMIN}` } })).status).toBe(404);

    // A valid key without admin: 403 on every admin route (not 401), and no session.
    const forbidden = await httpRequest(s.port, '/api/v1/runs', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant}` }, body: '{"job":"web"}' });
    expect(forbidden.status).toBe(403);
    expect((forbidden.json() as { error: { code: string } }).error.code).toBe('FORBIDDEN');
    expect((await httpRequest(s.port, '/api/v1/runs/no-such-run', { headers: { authorization: `Bearer ${tenant}` } })).status).toBe(403);
    const board = await httpRequest(s.port, '/admin/queues/api/queues', { headers: { 'x-admin-key': tenant } });
    expect(board.status).toBe(403);
    // In the shape of ltv's other non-Adapty routes, as the admin routes answer (it was {"error": "…"}).
    expect(board.json()).toMatchObject({ success: false, error: { code: 'FORBIDDEN', message: 'an admin key is required: this key is not one' } });
    const refused = await httpRequest(s.port, '/admin/queues/login', { method: 'POST', headers: form, body: `key=${encodeURIComponent(tenant)}` });
    expect(refused.status).toBe(403);
    expect(refused.headers['set-cookie']).toBeUndefined();
    // The admin key reads no tenant: it is not a tenant key.
    expect((await httpRequest(s.port, '/api/external/v1/revenue/acme/ltv', { headers: { 'x-api-key': ADMIN } })).status).toBe(401);

    // The key revoked (`ltv keys remove`): its session ends with it (it went on for its 12 hours); the
    // operator's session is unaffected.
    const operatorIn = await httpRequest(s.port, '/admin/queues/login', { method: 'POST', headers: form, body: `key=${encodeURIComponent(ADMIN)}` });
    const operatorCookie = String(operatorIn.headers['set-cookie']).split(';')[0]!;
    const adminId = listKeys(s.keysFile).find((k) => k.admin)!.id;
    await removeKey(s.keysFile, adminId);
    await waitFor('the key revoked', async () => (await httpRequest(s.port, '/admin/queues/api/queues', { headers: { authorization: `Bearer ${admin}` } })).status === 401 || undefined);
    expect((await httpRequest(s.port, '/admin/queues/api/queues', { headers: { cookie } })).status).toBe(401);
    expect((await httpRequest(s.port, '/admin/queues/', { headers: { cookie, accept: 'text/html' } })).status).toBe(303);
    expect((await httpRequest(s.port, '/admin/queues/api/queues', { headers: { cookie: operatorCookie } })).status).toBe(200);
  } finally {
    await s.stop();
    await runs.queue.close();
  }
});
