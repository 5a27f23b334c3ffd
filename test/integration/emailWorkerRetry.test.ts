// SPEC §7 in the worker: SMTP is a transient failure, retried with backoff like Redis. A run whose email is
// still failing when LTV_EMAIL_DEADLINE passes used to complete with the email given up for good (nothing
// retries a completed run); now the attempt fails, and the retry finds the run published and only sends,
// once. A real `ltv worker` child process, real Redis, a real SMTP server that is down, then up.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, expect, test } from 'vitest';
import type { RunResult } from '../../src/pipeline.js';
import { enqueueRun } from '../../src/queue/enqueueRun.js';
import { useHarness, waitFor, type Harness } from '../helpers/queueHarness.js';
import { startSmtpSink } from '../helpers/smtpSink.js';
import { httpRequest } from '../helpers/httpRequest.js';
import { parseExposition, sampleValue } from '../helpers/parseExposition.js';

const harness = useHarness();
let h: Harness;
beforeEach(() => {
  h = harness();
});

test('an email still failing at the deadline retries the run; the retry only sends, once', async () => {
  // A port where the SMTP server will be: down while the first attempt runs.
  const probe = await startSmtpSink();
  const port = probe.port;
  await probe.close();

  await h.writeJob('mail', { email: { to: ['finance@example.com'] } });
  const q = h.queue();
  const events = await h.events();
  const worker = h.childWorker({
    SMTP_URL: `smtp://127.0.0.1:${port}`, SMTP_FROM: 'reports@example.com', LTV_EMAIL_DRY_RUN: 'false',
    LTV_EMAIL_DEADLINE: '300ms', LTV_EMAIL_BACKOFF: '20ms', LTV_EMAIL_BACKOFF_MAX: '50ms',
    LTV_ATTEMPTS: '5', LTV_BACKOFF_MS: '1500', LTV_METRICS_PORT: '0', LTV_METRICS_HOST: '127.0.0.1',
  });
  const listening = await worker.waitForLog('the metrics listener', (l) => l.msg === 'metrics and health listening (/metrics, /healthz, /readyz)', 90_000);
  const metrics = async () => parseExposition((await httpRequest(listening.port as number, '/metrics')).text);
  const run = await enqueueRun(q, h.jobsDir, 'mail', { source: 'cli', asOf: new Date('2026-03-01T00:00:00Z') });
  const deferred = await worker.waitForLog('the email deferred', (l) => l.msg === 'run published; its email is not sent yet (SMTP still failing): retried with backoff', 90_000);
  expect(deferred.attempt).toBe(1);
  // The server comes back during the backoff.
  const sink = await startSmtpSink(port);
  try {
    // The failed attempt's email is counted as it ended (its result, where a completed run's are, is never
    // seen): it was counted nowhere.
    expect(sampleValue(await metrics(), 'ltv_emails_total', { ltv_job: 'mail', kind: 'run', outcome: 'failed' })).toBe(1);
    const result = (await run.queued.waitUntilFinished(events, 90_000)) as RunResult;
    expect(result.notify).toMatchObject([{ status: 'sent', previously: false }]);
    // The retry computed nothing again: the run was published once, by the first attempt.
    expect(result.timings).toEqual({});
    expect(await readdir(join(h.reportsDir, 'mail', 'runs'))).toEqual(['20260301T000000Z']);
    const mine = worker.logs.filter((l) => l.run === run.id);
    expect(mine.map((l) => l.msg)).toContain('run already published by an earlier attempt; only what is left is done');
    await waitFor('the message', () => sink.messages.length === 1);
    await waitFor('the sent email counted', async () => sampleValue(await metrics(), 'ltv_emails_total', { ltv_job: 'mail', kind: 'run', outcome: 'sent' }) === 1);
    const after = await metrics();
    expect(sampleValue(after, 'ltv_emails_total', { ltv_job: 'mail', kind: 'run', outcome: 'failed' })).toBe(1);
    // The stages the first attempt ran are counted once (the retry ran none): they were counted nowhere.
    for (const stage of ['ingest', 'compute', 'render', 'publish', 'notify']) {
      expect(sampleValue(after, 'ltv_run_stage_duration_seconds_count', { stage }), stage).toBe(1);
    }
    worker.proc.kill('SIGTERM');
    expect((await worker.exited).code).toBe(0);
    expect(sink.dataCommands).toBe(1);
    expect(sink.envelopes).toEqual([['finance@example.com']]);
    expect(sink.messages[0]!.messageId).toMatch(/^<ltv\.run\.20260301T000000Z\./);
  } finally {
    await events.close();
    await q.close();
    await sink.close();
  }
}, 240_000);
