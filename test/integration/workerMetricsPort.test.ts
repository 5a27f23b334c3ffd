// SPEC §11: a worker whose LTV_METRICS_PORT cannot be listened on exits at once, 1, with one line naming the
// port, the variable and what to do, having taken no run. Before, it logged an error and went on running
// without /metrics, /healthz and /readyz: unmonitored while its operator believed otherwise. Real `ltv worker`
// process, real Redis, a real listener holding the port.
import { createServer, type Server } from 'node:net';
import { beforeEach, expect, test } from 'vitest';
import { enqueueRun } from '../../src/queue/enqueueRun.js';
import { useHarness, type Harness } from '../helpers/queueHarness.js';

const harness = useHarness();
let h: Harness;
beforeEach(() => {
  h = harness();
});

test('ltv worker exits 1 with one line when its metrics port is taken, and takes no run meanwhile', async () => {
  const taken: Server = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
  const port = (taken.address() as { port: number }).port;
  // With a schedule: the sync of it, cut off by the exit, was logged as the job's own fault.
  await h.writeJob('web', { schedule: { cron: '0 3 * * *', timezone: 'UTC' } });
  const q = h.queue();
  try {
    // A run waiting for a worker: the one that cannot start must leave it for another.
    const run = await enqueueRun(q, h.jobsDir, 'web', { source: 'cli', asOf: new Date('2026-02-01T00:00:00Z') });
    const t0 = Date.now();
    const exit = await Promise.race([
      h.cli(['worker'], { LTV_METRICS_PORT: String(port), LTV_METRICS_HOST: '127.0.0.1', LOG_LEVEL: 'info' }),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('ltv worker was still running after 20 s')), 20_000)),
    ]);
    expect(exit.code).toBe(1);
    expect(exit.stderr).toBe(
      `ltv: LTV_METRICS_PORT ${port}: 127.0.0.1:${port} is in use (another ltv worker?), and this worker would run without /metrics, /healthz and /readyz: stop what listens there, or give each worker on this machine its own LTV_METRICS_PORT\n`,
    );
    // Nothing logged after the worker says it stopped, and no error but the listener's own: it logged "worker
    // connected to redis, taking runs" and "invalid schedule: …web.json: schedule.cron: Connection is closed."
    // after "worker stopped" (the schedule sync cut off by the closed connection, blamed on a valid cron).
    const logged = exit.stdout.trim().split('\n').map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(logged.at(-1)?.msg).toBe('worker stopped');
    expect(logged.filter((l) => l.level >= 50 || /invalid schedule|taking runs/.test(l.msg)).map((l) => l.msg)).toEqual(['cannot listen for metrics']);
    // The reason, not a stack trace (a port taken is the operator's to fix, not a bug).
    expect(logged.find((l) => l.msg === 'cannot listen for metrics')).toMatchObject({ port, host: '127.0.0.1', error: 'EADDRINUSE' });
    expect(exit.stdout).not.toMatch(/"stack"|\n\s+at /);
    // Node's start and the worker's imports included: no waiting for a grace period or for Redis.
    expect(Date.now() - t0).toBeLessThan(10_000);
    const job = await q.getJob(run.id);
    expect([await job!.getState(), job!.attemptsMade, job!.processedOn ?? null]).toEqual(['waiting', 0, null]);
  } finally {
    await q.close();
    await new Promise((r) => taken.close(r));
  }
}, 30_000);
