// The on-demand routes while Redis is frozen (SIGSTOP: its port accepts, its connections stay open, nothing
// is answered): POST and GET /api/v1/runs answer 503 within LTV_CONNECT_TIMEOUT_MS (2 s in the harness), and a
// POST answered 503 never becomes a run when Redis resumes. Before, both hung until the server's 30 s deadline
// (a 500), and the add, already on the socket, was run by Redis once it resumed. Real redis-server, real
// worker, real HTTP.
import { createHash } from 'node:crypto';
import { pino } from 'pino';
import { expect, test } from 'vitest';
import { mountRunRoutes } from '../../src/cli/mountRunRoutes.js';
import { loadEnv } from '../../src/config/env.js';
import { enqueueRun, waitForRedis } from '../../src/queue/enqueueRun.js';
import { openRunQueue } from '../../src/queue/runQueue.js';
import { httpRequest, type RawResponse } from '../helpers/httpRequest.js';
import { useHarnessAndRedis, waitFor } from '../helpers/queueHarness.js';
import { startServer } from '../helpers/startServer.js';

const setup = useHarnessAndRedis({ persist: false });
const KEY = 'admin-secret-for-frozen-redis';

test('Redis frozen: POST and GET /api/v1/runs answer 503 with Retry-After within LTV_CONNECT_TIMEOUT_MS, and the refused run is never queued nor run', async () => {
  const { h, redis } = setup();
  const vars = { REDIS_URL: redis.url };
  const env = loadEnv({ ...h.vars, ...vars, LTV_ADMIN_KEY_SHA256: createHash('sha256').update(KEY).digest('hex') });
  expect(env.LTV_CONNECT_TIMEOUT_MS).toBe(2_000);
  await h.writeJob('web', {});
  const runs = mountRunRoutes(env, h.jobsDir, pino({ level: 'silent' }));
  const server = await startServer({ extraRoutes: runs.routes });
  const w = h.worker(vars);
  const auth = { authorization: `Bearer ${KEY}` };
  const post = (): Promise<RawResponse> =>
    httpRequest(server.port, '/api/v1/runs', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"job":"web","as_of":"2026-02-01T00:00:00Z"}' });
  const get = (id: string): Promise<RawResponse> => httpRequest(server.port, `/api/v1/runs/${encodeURIComponent(id)}`, { headers: auth });
  const timed = async (r: Promise<RawResponse>): Promise<[RawResponse, number]> => {
    const t0 = Date.now();
    const res = await r;
    return [res, Date.now() - t0];
  };
  const unavailable = (r: RawResponse, outcome: string): void => {
    expect(r.status).toBe(503);
    expect(r.headers['retry-after']).toBe('5');
    expect((r.json() as { error: unknown }).error).toMatchObject({
      code: 'UNAVAILABLE',
      message: `Redis at redis://127.0.0.1:${redis.port} did not answer within 2000 ms (LTV_CONNECT_TIMEOUT_MS): ${outcome}; try again in a few seconds`,
    });
  };
  /** Every run BullMQ holds, in any state, as [id, state]. */
  const held = async (): Promise<[string, string][]> => {
    const jobs = await runs.queue.getJobs(['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed', 'waiting-children']);
    return Promise.all(jobs.map(async (j) => [j.id!, await j.getState()] as [string, string]));
  };
  try {
    await w.ready;
    // The server's connection is up; it has not added a run yet (the first add sends the whole script).
    expect((await get('00000000-0000-4000-8000-000000000000')).status).toBe(404);

    redis.freeze();
    const [refused, ms] = await timed(post());
    unavailable(refused, 'the run was not added');
    expect(ms).toBeGreaterThanOrEqual(2_000);
    expect(ms).toBeLessThan(3_500);
    redis.thaw();
    // Long enough for the worker to have taken a run, had there been one.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await held()).toEqual([]);

    // Once more with a run already added on this connection (the add is then a short EVALSHA), and a GET.
    const accepted = await post();
    expect(accepted.status).toBe(202);
    const { id } = accepted.json() as { id: string };
    await waitFor('the accepted run completed', async () => ((await get(id)).json() as { state: string }).state === 'completed', 60_000);

    redis.freeze();
    const [refusedAgain, msAgain] = await timed(post());
    unavailable(refusedAgain, 'the run was not added');
    expect(msAgain).toBeLessThan(3_500);
    const [unread, msGet] = await timed(get(id));
    unavailable(unread, "the run's state cannot be read now");
    expect(msGet).toBeGreaterThanOrEqual(2_000);
    expect(msGet).toBeLessThan(3_500);
    redis.thaw();
    await new Promise((r) => setTimeout(r, 1_500));
    // The one run accepted, and nothing else: the refused add was withdrawn right behind itself.
    expect(await held()).toEqual([[id, 'completed']]);
    expect((await get(id)).status).toBe(200);
  } finally {
    redis.thaw();
    await server.stop();
    await runs.queue.close();
    await w.close(1_000);
  }
}, 90_000);

test('Redis frozen after `ltv enqueue` connected: the add fails within LTV_CONNECT_TIMEOUT_MS and never becomes a run', async () => {
  const { h, redis } = setup();
  const env = loadEnv({ ...h.vars, REDIS_URL: redis.url });
  await h.writeJob('cli', {});
  // As enqueueCommand opens and uses them: a producer's queue, ready before the run is added.
  const queue = openRunQueue(env, 'producer', pino({ level: 'silent' }));
  const w = h.worker({ REDIS_URL: redis.url });
  try {
    await w.ready;
    await waitForRedis(queue, env);
    redis.freeze();
    const t0 = Date.now();
    const failed = await enqueueRun(queue, h.jobsDir, 'cli', { source: 'cli', asOf: new Date('2026-02-01T00:00:00Z'), env }).then(() => null, (e: Error) => e.message);
    const ms = Date.now() - t0;
    expect(failed).toBe(`Redis at redis://127.0.0.1:${redis.port} did not answer within 2000 ms (LTV_CONNECT_TIMEOUT_MS): the run was not added; try again in a few seconds`);
    expect(ms).toBeGreaterThanOrEqual(2_000);
    expect(ms).toBeLessThan(3_500);
    redis.thaw();
    // Long enough for the worker to have taken the run, had the add been run when Redis resumed.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await queue.getJobs(['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed', 'waiting-children'])).toEqual([]);
    // Enqueued again once Redis answers: one run, known by a UUID (never a counter a lost Redis hands out again).
    const run = await enqueueRun(queue, h.jobsDir, 'cli', { source: 'cli', asOf: new Date('2026-02-01T00:00:00Z'), env });
    expect(run.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(run.id).toBe(run.queued.data.key);
    expect((await queue.getJobs(['waiting', 'active', 'completed'])).map((j) => j.id)).toEqual([run.id]);
  } finally {
    redis.thaw();
    await queue.close();
    await w.close(1_000);
  }
}, 60_000);
