// SPEC §7 on-demand runs over HTTP: `ltv serve` mounts the queue's routes (src/cli/mountRunRoutes.ts) when
// an admin key is configured; a real worker completes the run and its state is read back over HTTP.
import { createHash } from 'node:crypto';
import { pino } from 'pino';
import { beforeEach, expect, test } from 'vitest';
import { mountRunRoutes } from '../../src/cli/mountRunRoutes.js';
import { loadEnv } from '../../src/config/env.js';
import { httpRequest } from '../helpers/httpRequest.js';
import { checkOpenapi } from '../helpers/openapiCheck.js';
import { useHarness, waitFor, type Harness } from '../helpers/queueHarness.js';
import { startServer } from '../helpers/startServer.js';

const harness = useHarness();
let h: Harness;
beforeEach(() => {
  h = harness();
});

test('POST /api/v1/runs with the admin key enqueues a run; GET /api/v1/runs/:id reads its state and result', async () => {
  const key = 'admin-secret-for-test';
  const env = loadEnv({ ...h.vars, LTV_ADMIN_KEY_SHA256: createHash('sha256').update(key).digest('hex') });
  await h.writeJob('web', {});
  const w = h.worker();
  await w.ready;
  const runs = mountRunRoutes(env, h.jobsDir, pino({ level: 'silent' }));
  const server = await startServer({ extraRoutes: runs.routes });
  try {
    const body = JSON.stringify({ job: 'web', as_of: '2026-02-01T00:00:00Z' });
    const json = { 'content-type': 'application/json' };
    const denied = await httpRequest(server.port, '/api/v1/runs', { method: 'POST', headers: json, body });
    expect(denied.status).toBe(401);
    // Every answer as /openapi.json documents it (the run routes were not in it).
    checkOpenapi('/api/v1/runs', 'post', denied);
    expect(denied.headers['x-request-id']).toBeTruthy();

    // A body of the wrong shape: 400 in words, per field (zod's "Invalid input: expected string, received number" before).
    const refusedBody = async (b: unknown): Promise<string> => {
      const r = await httpRequest(server.port, '/api/v1/runs', { method: 'POST', headers: { ...json, authorization: `Bearer ${key}` }, body: JSON.stringify(b) });
      expect(r.status).toBe(400);
      checkOpenapi('/api/v1/runs', 'post', r);
      return (r.json() as { error: { code: string; message: string } }).error.message;
    };
    expect(await refusedBody({ job: 7 })).toBe('job: a job name: a file name in the jobs folder without .json, e.g. "nightly"');
    expect(await refusedBody({ job: '../web' })).toBe('job: "../web" is not a job name (it holds a "/": a job name is its file\'s name in the jobs folder, not a path): give the name of a job file in the jobs folder without .json, e.g. "nightly"');
    expect(await refusedBody({ job: 'web', as_of: 20260201 })).toBe('as_of: not an ISO 8601 time with its UTC offset, e.g. "2026-03-16T15:00:00Z" or "2026-03-16T16:00:00+01:00"');
    expect(await refusedBody({ job: 'web', as_of: '2026-02-30T00:00:00Z' })).toBe('as_of: "2026-02-30T00:00:00Z" is no calendar time: 2026-02 has days 01 to 28 (JavaScript would roll it over into the next month or day)');
    expect(await refusedBody({ job: 'web', as_of: '2026-02-01 10:00' })).toBe('as_of: "2026-02-01 10:00" has no UTC offset: give one, e.g. 2026-02-01T10:00Z or 2026-02-01T10:00+01:00 (without it the time would be read in UTC, not in the report time zone)');
    expect(await refusedBody({ job: 'web', asOf: '2026-02-01T00:00:00Z' })).toBe('body: unknown field(s) "asOf": the body is {"job": …, "as_of": …}');

    // A name is looked for in the jobs folder only, ".json" or not: "package.json" was read as a path from
    // serve's working folder (this repository's package.json: 422, its fields quoted), so an admin key could
    // run or read any .json file there. The answer names no path on the server.
    const missing = async (job: string): Promise<[number, string]> => {
      const r = await httpRequest(server.port, '/api/v1/runs', { method: 'POST', headers: { ...json, authorization: `Bearer ${key}` }, body: JSON.stringify({ job }) });
      return [r.status, (r.json() as { error: { message: string } }).error.message];
    };
    expect(await missing('package.json')).toEqual([404, 'no job "package" in the jobs folder (looked for package.json)']);
    expect(await missing('nope')).toEqual([404, 'no job "nope" in the jobs folder (looked for nope.json)']);

    const accepted = await httpRequest(server.port, '/api/v1/runs', { method: 'POST', headers: { ...json, authorization: `Bearer ${key}` }, body });
    expect(accepted.status).toBe(202);
    checkOpenapi('/api/v1/runs', 'post', accepted);
    const { id } = accepted.json() as { id: string };
    const done = await waitFor('run completed', async () => {
      const r = await httpRequest(server.port, `/api/v1/runs/${encodeURIComponent(id)}`, { headers: { authorization: `Bearer ${key}` } });
      return (r.json() as { state: string }).state === 'completed' ? r : undefined;
      // A whole run, the worker's first (cold imports): seconds on a loaded machine, not the 15 s default.
    }, 60_000);
    expect(done.status).toBe(200);
    checkOpenapi('/api/v1/runs/{id}', 'get', done);
    expect(done.json()).toMatchObject({ id, job: 'web', state: 'completed', result: { asOf: '2026-02-01T00:00:00.000Z' } });

    // An as_of before every row: the failure names the request's as_of, which set it (it said to check
    // "as_of" in the job file, which has none, or a --as-of that nobody gave). 2000: after the default
    // min_event_time (1990), before the data; one before that is refused as the run starts, naming it too.
    const failedAt = async (as_of: string): Promise<{ error: string }> => {
      const early = await httpRequest(server.port, '/api/v1/runs', { method: 'POST', headers: { ...json, authorization: `Bearer ${key}` }, body: JSON.stringify({ job: 'web', as_of }) });
      const earlyId = (early.json() as { id: string }).id;
      return await waitFor('run failed', async () => {
        const r = await httpRequest(server.port, `/api/v1/runs/${encodeURIComponent(earlyId)}`, { headers: { authorization: `Bearer ${key}` } });
        return (r.json() as { state: string }).state === 'failed' ? r.json() as { error: string } : undefined;
      }, 60_000);
    };
    expect((await failedAt('2000-01-01T00:00:00Z')).error).toMatch(/ is after the as-of time 2000-01-01T00:00:00\.000Z: nothing was published \(the report would be empty\); check the "as_of" in the body of the run request \(POST \/api\/v1\/runs\): the data starts later$/);
    expect((await failedAt('1980-01-01T00:00:00Z')).error).toMatch(/min_event_time: 1990-01-01T00:00:00Z is not earlier than the as-of time 1980-01-01T00:00:00\.000Z: every row would be before the one or after the other; give an earlier min_event_time, or check the "as_of" in the body of the run request \(POST \/api\/v1\/runs\)$/);
  } finally {
    await server.stop();
    await runs.queue.close();
    await w.close(1_000);
  }
});
