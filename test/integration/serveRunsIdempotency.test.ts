// POST /api/v1/runs with an Idempotency-Key (draft-ietf-httpapi-idempotency-key-header): a client whose
// connection dropped after the 202 sends the request again with the same key and gets the same run, not a
// second run, publication and email. Before, the header was ignored: two 202s, two ids, runs/…Z and …Z-2.
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { beforeEach, expect, test } from 'vitest';
import { mountRunRoutes } from '../../src/cli/mountRunRoutes.js';
import { loadEnv } from '../../src/config/env.js';
import { httpRequest, type RawResponse } from '../helpers/httpRequest.js';
import { checkOpenapi } from '../helpers/openapiCheck.js';
import { useHarness, waitFor, type Harness } from '../helpers/queueHarness.js';
import { useSmtpSinkEnv } from '../helpers/smtpSink.js';
import { startServer } from '../helpers/startServer.js';

const smtp = useSmtpSinkEnv();
const harness = useHarness();
let h: Harness;
beforeEach(() => {
  h = harness();
});

test('the same Idempotency-Key and body give the same run; another body under it is 422; without one, two runs', async () => {
  const key = 'admin-secret-for-idem';
  const env = loadEnv({ ...h.vars, LTV_ADMIN_KEY_SHA256: createHash('sha256').update(key).digest('hex') });
  await h.writeJob('web', { email: { to: ['finance@example.com'] } });
  const sink = smtp();
  const w = h.worker();
  await w.ready;
  const runs = mountRunRoutes(env, h.jobsDir, pino({ level: 'silent' }));
  const server = await startServer({ extraRoutes: runs.routes, keys: [{ key: 'second-admin-key', tenants: ['web'], admin: true }] });
  const post = (body: unknown, idem?: string, as = key): Promise<RawResponse> => httpRequest(server.port, '/api/v1/runs', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${as}`, ...(idem === undefined ? {} : { 'idempotency-key': idem }) },
    body: JSON.stringify(body),
  });
  const stateOf = async (id: string): Promise<string> =>
    ((await httpRequest(server.port, `/api/v1/runs/${encodeURIComponent(id)}`, { headers: { authorization: `Bearer ${key}` } })).json() as { state: string }).state;
  const published = async (): Promise<string[]> => (await readdir(join(h.reportsDir, 'web', 'runs')).catch(() => [] as string[])).filter((n) => !n.startsWith('.')).sort();
  const body = { job: 'web', as_of: '2026-02-01T00:00:00Z' };
  try {
    const first = await post(body, 'same-key-1');
    expect(first.status).toBe(202);
    checkOpenapi('/api/v1/runs', 'post', first);
    const { id } = first.json() as { id: string };
    expect(first.json()).toEqual({ id, job: 'web', as_of: '2026-02-01T00:00:00.000Z', state: 'waiting' });
    await waitFor('run completed', async () => (await stateOf(id)) === 'completed', 60_000);

    // The retry: the same run, in its state now; nothing is added.
    const again = await post(body, 'same-key-1');
    expect(again.status).toBe(200);
    checkOpenapi('/api/v1/runs', 'post', again);
    expect(again.json()).toEqual({ id, job: 'web', as_of: '2026-02-01T00:00:00.000Z', state: 'completed' });
    expect(again.headers.location).toBe(`/api/v1/runs/${id}`);
    expect(await runs.queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed')).toEqual({ waiting: 0, active: 0, delayed: 0, completed: 1, failed: 0 });
    expect(await published()).toEqual(['20260201T000000Z']);
    expect(sink.messages.length).toBe(1);

    // The key used for another request: 422 in one line, nothing added.
    const other = await post({ job: 'web', as_of: '2026-02-02T00:00:00Z' }, 'same-key-1');
    expect(other.status).toBe(422);
    checkOpenapi('/api/v1/runs', 'post', other);
    expect((other.json() as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      message: 'Idempotency-Key "same-key-1" was used for another request (run ' + id + ' of job "web" as of 2026-02-01T00:00:00.000Z): send this request with a new key',
    });

    // Malformed keys: 400 in one line.
    for (const bad of ['', 'a b', 'x'.repeat(256), 'é']) {
      const r = await post(body, bad);
      expect(r.status).toBe(400);
      checkOpenapi('/api/v1/runs', 'post', r);
      expect((r.json() as { error: { message: string } }).error.message).toBe('Idempotency-Key: give 1 to 255 visible ASCII characters (letters, digits, punctuation; no spaces), e.g. a UUID');
    }
    // Another admin key's Idempotency-Key is its own: the same value names another run there.
    const theirs = await post({ job: 'web', as_of: '2026-02-02T00:00:00Z' }, 'same-key-1', 'second-admin-key');
    expect(theirs.status).toBe(202);
    const theirId = (theirs.json() as { id: string }).id;
    expect(theirId).not.toBe(id);
    await waitFor('run completed', async () => (await stateOf(theirId)) === 'completed', 60_000);

    // Two requests with one key at once (the retry racing the first): one run.
    const race = await Promise.all([post(body, 'race-1'), post(body, 'race-1')]);
    const raceIds = race.map((r) => (r.json() as { id: string }).id);
    expect(raceIds[1]).toBe(raceIds[0]);
    expect(race.map((r) => r.status).every((s) => s === 200 || s === 202)).toBe(true);
    await waitFor('run completed', async () => (await stateOf(raceIds[0]!)) === 'completed', 60_000);
    expect(await published()).toEqual(['20260201T000000Z', '20260201T000000Z-2', '20260202T000000Z']);

    // Without a key: two runs, as before.
    const a = await post(body);
    const b = await post(body);
    expect([a.status, b.status]).toEqual([202, 202]);
    const ids = [(a.json() as { id: string }).id, (b.json() as { id: string }).id];
    expect(new Set([id, theirId, raceIds[0], ...ids]).size).toBe(5);
    for (const i of ids) await waitFor('run completed', async () => (await stateOf(i)) === 'completed', 60_000);
    expect(await published()).toEqual(['20260201T000000Z', '20260201T000000Z-2', '20260201T000000Z-3', '20260201T000000Z-4', '20260202T000000Z']);

    // Past the window (the finished run's record removed, as LTV_KEEP_* do): the key adds a run again, under
    // the same id and idempotency key, which finds the earlier publication and publishes nothing new.
    await runs.queue.remove(id);
    const late = await post(body, 'same-key-1');
    expect(late.status).toBe(202);
    expect((late.json() as { id: string }).id).toBe(id);
    await waitFor('run completed', async () => (await stateOf(id)) === 'completed', 60_000);
    expect(await published()).toEqual(['20260201T000000Z', '20260201T000000Z-2', '20260201T000000Z-3', '20260201T000000Z-4', '20260202T000000Z']);
    // One email per run that published: the first, the other admin key's, the race's, the two without a key.
    expect(sink.messages.length).toBe(5);
  } finally {
    await server.stop();
    await runs.queue.close();
    await w.close(1_000);
  }
}, 120_000);
