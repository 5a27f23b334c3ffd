// The id POST /api/v1/runs returns names that run alone (SPEC §7): a private redis-server without persistence
// that the test kills and starts again, so BullMQ's id counter starts again at 1. Before, the second run got
// id "1" too, and GET /api/v1/runs/1 answered the second run's state to the client of the first.
import { createHash } from 'node:crypto';
import { pino } from 'pino';
import { expect, test } from 'vitest';
import { mountRunRoutes } from '../../src/cli/mountRunRoutes.js';
import { loadEnv } from '../../src/config/env.js';
import { httpRequest, type RawResponse } from '../helpers/httpRequest.js';
import { useHarnessAndRedis, waitFor } from '../helpers/queueHarness.js';
import { startServer } from '../helpers/startServer.js';

const setup = useHarnessAndRedis({ persist: false });

const KEY = 'admin-secret-for-ids';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('after Redis restarted empty, the id of a run added before answers 404, never the state of the run added after', async () => {
  const { h, redis } = setup();
  const env = loadEnv({ ...h.vars, REDIS_URL: redis.url, LTV_ADMIN_KEY_SHA256: createHash('sha256').update(KEY).digest('hex') });
  await h.writeJob('first', {});
  await h.writeJob('second', {});
  const runs = mountRunRoutes(env, h.jobsDir, pino({ level: 'silent' }));
  const server = await startServer({ extraRoutes: runs.routes });
  const auth = { authorization: `Bearer ${KEY}` };
  const post = (job: string): Promise<RawResponse> =>
    httpRequest(server.port, '/api/v1/runs', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ job, as_of: '2026-03-01T00:00:00Z' }) });
  const get = (id: string): Promise<RawResponse> => httpRequest(server.port, `/api/v1/runs/${encodeURIComponent(id)}`, { headers: auth });
  try {
    // No worker: both runs stay waiting, so what GET answers is only a matter of ids.
    const a = await post('first');
    expect(a.status).toBe(202);
    const idA = (a.json() as { id: string }).id;
    expect(idA).toMatch(UUID);
    expect(a.headers.location).toBe(`/api/v1/runs/${idA}`);
    expect(a.json()).toEqual({ id: idA, job: 'first', as_of: '2026-03-01T00:00:00.000Z', state: 'waiting' });
    await expect(get(idA).then((r) => [r.status, (r.json() as { job: string }).job])).resolves.toEqual([200, 'first']);

    await redis.stop('SIGKILL');
    await redis.start();
    // The server's connection comes back by itself; until then the route answers 503.
    const b = await waitFor('POST accepted after the restart', async () => {
      const r = await post('second');
      return r.status === 202 ? r : undefined;
    }, 20_000);
    const idB = (b.json() as { id: string }).id;
    expect(idB).toMatch(UUID);
    expect(idB).not.toBe(idA);
    expect(b.headers.location).toBe(`/api/v1/runs/${idB}`);

    const gone = await get(idA);
    expect(gone.status).toBe(404);
    expect((gone.json() as { error: { code: string; message: string } }).error).toMatchObject({ code: 'NOT_FOUND', message: `no run "${idA}" (finished runs are kept for 14 days)` });
    const found = await get(idB);
    expect(found.status).toBe(200);
    expect(found.json()).toMatchObject({ id: idB, job: 'second', state: 'waiting', attempts_made: 0, result: null, error: null, started_at: null });
    // What BullMQ itself holds: one run, under the id the client was given.
    expect((await runs.queue.getJobs(['waiting'])).map((j) => [j.id, j.data.key, j.name])).toEqual([[idB, idB, 'second']]);
  } finally {
    await server.stop();
    await runs.queue.close();
  }
}, 60_000);
