// SPEC §11 stale-report alerts (job `alert_after`) on a real SMTP server: exactly one notice per episode
// with two workers checking every 100 ms and one of them replaced midway, one notice when the job
// publishes again, and a new episode after that.
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, expect, test } from 'vitest';
import { loadJob } from '../../src/config/loadJob.js';
import { runPipeline } from '../../src/pipeline.js';
import { logger, useHarness, waitFor, type Harness } from '../helpers/queueHarness.js';
import { useSmtpSinkEnv, type SmtpSink } from '../helpers/smtpSink.js';

const harness = useHarness();
let h: Harness;
beforeEach(() => {
  h = harness();
});

// The worker reads SMTP settings from its environment, as in production (this file runs in its own process).
const smtp = useSmtpSinkEnv();
let sink: SmtpSink;
beforeEach(() => {
  sink = smtp();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ALERTS = { LTV_ALERT_CHECK_MS: '100' };

test('alert_after: one stale notice per episode with several workers and a restart, one recovery notice', async () => {
  const file = await h.writeJob('nightly', {
    alert_after: '2s',
    email: { to: ['finance@example.com'], ops: ['oncall@example.com'] },
  });
  const job = await loadJob(file);
  const latest = join(h.reportsDir, 'nightly', 'latest');
  const publish = async (asOf: string): Promise<number> => {
    await runPipeline(job, { logger, reportsDir: h.reportsDir, asOf: new Date(asOf), email: 'off' });
    // Published when its manifest was written (PublishedRuns): the time the episodes are named by.
    return Math.floor((await stat(join(latest, 'manifest.json'))).mtimeMs);
  };

  const p1 = await publish('2026-03-16T15:00:00Z');
  const a = h.worker(ALERTS);
  const b = h.worker(ALERTS);
  await Promise.all([a.ready, b.ready]);

  await sink.waitFor(1);
  const firstAt = Date.now();
  const stale = sink.messages[0]!;
  expect(firstAt).toBeGreaterThanOrEqual(p1 + 2000);
  expect(stale.subject).toBe('LTV report stale: job nightly, nothing published for over 2s');
  expect(sink.envelopes[0]).toEqual(['oncall@example.com']);
  expect(stale.headers.get('x-ltv-alert')).toBe('stale');
  expect(stale.text).toContain(`Last published:  ${new Date(p1).toISOString().slice(0, 16).replace('T', ' ')} (UTC)`);
  // The idempotency record turns final right after the server's 250.
  const record = await waitFor('the record to say sent', async () => {
    const r = JSON.parse(await readFile(join(h.reportsDir, '.alerts', 'nightly', `${p1}-stale.json`), 'utf8')) as { status: string; attempts: number; kind: string };
    return r.status === 'sent' ? r : undefined;
  });
  expect(record.attempts).toBe(1);
  // A stale notice is one, in its record and its log lines' "email" (it was "failure", a run failure's).
  expect(record.kind).toBe('stale');

  // Both workers keep checking (every 100 ms, ten times a second): nothing more. Then one is replaced by a fresh one.
  await sleep(1000);
  expect(sink.messages).toHaveLength(1);
  await a.close(1_000);
  const c = h.worker(ALERTS);
  await c.ready;
  await sleep(1000);
  expect(sink.messages).toHaveLength(1);

  // The job publishes again: one recovery notice.
  const p2 = await publish('2026-03-17T15:00:00Z');
  await sink.waitFor(2);
  const recovered = sink.messages[1]!;
  expect(recovered.subject).toBe('LTV report recovered: job nightly published again');
  expect(recovered.headers.get('x-ltv-alert')).toBe('recovered');
  expect(recovered.text).toContain(`Published again: ${new Date(p2).toISOString().slice(0, 16).replace('T', ' ')} (UTC)`);

  // Two seconds later it is stale again: a new episode, a new (single) notice.
  await sink.waitFor(3);
  expect(Date.now()).toBeGreaterThanOrEqual(p2 + 2000);
  expect(sink.messages[2]!.subject).toBe('LTV report stale: job nightly, nothing published for over 2s');
  await sleep(1000);
  expect(sink.messages.map((m) => m.headers.get('x-ltv-alert'))).toEqual(['stale', 'recovered', 'stale']);
  // Every notice its own Message-ID (the episode is part of it).
  expect(new Set(sink.messages.map((m) => m.messageId)).size).toBe(3);

  // Counted by whichever worker sent them: two stale, one recovered in all.
  let sent = 0;
  for (const w of [a, b, c]) {
    const metric = (await w.ops.metrics.emails.get()).values;
    sent += metric.filter((v) => v.labels.outcome === 'sent').reduce((n, v) => n + v.value, 0);
  }
  expect(sent).toBe(3);
  await Promise.all([b.close(1_000), c.close(1_000)]);
}, 120_000); // two real runs: about 2 s on an idle machine, far more when eight suites share two cores

test('alert_after still fires when the job file is broken after the worker read it: the broken file is why nothing publishes', async () => {
  const file = await h.writeJob('edited', {
    alert_after: '2s',
    email: { to: ['finance@example.com'], ops: ['oncall@example.com'] },
  });
  await runPipeline(await loadJob(file), { logger, reportsDir: h.reportsDir, asOf: new Date('2026-03-16T15:00:00Z'), email: 'off' });
  const published = Math.floor((await stat(join(h.reportsDir, 'edited', 'latest', 'manifest.json'))).mtimeMs);
  const before = sink.messages.length;
  const w = h.worker(ALERTS);
  await w.ready;
  // The worker has read the valid file (it checks every 100 ms); then an edit breaks it.
  await sleep(500);
  await writeFile(file, '{"tenant": "edited", "inputs": [');
  await sink.waitFor(before + 1);
  const notice = sink.messages[before]!;
  expect(notice.subject).toBe('LTV report stale: job edited, nothing published for over 2s');
  expect(sink.envelopes[before]).toEqual(['oncall@example.com']);
  expect(Date.now()).toBeGreaterThanOrEqual(published + 2000);
  await sleep(500);
  expect(sink.messages).toHaveLength(before + 1);
  await w.close(1_000);
}, 60_000);
