// A run whose worker keeps dying (SPEC §7): once it stalled more than LTV_MAX_STALLED times, it fails in one
// line saying what happened and what to do, and its failure notice goes to email.ops, as for any failed run.
// BullMQ used to fail it itself ("job stalled more than allowable limit") before any of ltv's code ran: no
// notice, no `.failed/notices` record, and a log saying it was "picked up again". Real `ltv worker` child
// processes (the first SIGKILLed mid-run), real Redis, a real SMTP server.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, expect, test } from 'vitest';
import { bigCsv, useHarness, waitFor, type Harness } from '../helpers/queueHarness.js';
import { startSmtpSink } from '../helpers/smtpSink.js';

const harness = useHarness();
let h: Harness;
beforeEach(() => {
  h = harness();
});

const LINE = 'the worker running it stopped once without finishing (killed, out of memory, or frozen longer than LTV_LOCK_DURATION_MS?), more than LTV_MAX_STALLED (0) allows, so it is not tried again: give the worker more memory (or lower LTV_CONCURRENCY or LTV_DUCKDB_MEMORY_LIMIT), or raise LTV_MAX_STALLED';

test('a run stalled more than LTV_MAX_STALLED times fails with one line to act on, sends its failure notice once, and the log says so', async () => {
  const sink = await startSmtpSink();
  try {
    // Long enough that the run is surely going when its worker is killed.
    await h.writeJob('crash', { email: { to: ['finance@example.com'], ops: ['oncall@example.com'] } }, bigCsv(200_000));
    const vars = { LTV_MAX_STALLED: '0', SMTP_URL: sink.url, SMTP_FROM: 'reports@example.com', LTV_EMAIL_DRY_RUN: 'false' };
    // A short lock: the dead worker's run is found stalled within seconds.
    const first = h.childWorker({ ...vars, LTV_LOCK_DURATION_MS: '3000' });
    const enqueued = h.cli(['enqueue', 'crash', '--wait', '--as-of', '2026-03-01T00:00:00Z'], vars);
    await first.waitForLog('run started', (l) => l.msg === 'run started', 90_000);
    first.proc.kill('SIGKILL');
    await first.exited;

    const second = h.childWorker(vars);
    const r = await enqueued;
    const id = r.stdout.trim();
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n').pop()).toBe(`ltv: run ${id} failed: ${LINE}`);

    // The failure notice, once, to the ops recipients, with the same line.
    await waitFor('the failure notice', () => sink.messages.length >= 1, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(sink.messages).toHaveLength(1);
    expect(sink.envelopes).toEqual([['oncall@example.com']]);
    expect(sink.messages[0]!.subject).toMatch(/^LTV run failed: job crash, tenant crash, as of 2026-03-01/);
    expect(sink.messages[0]!.text).toContain(`STALLED: ${LINE}`);
    const notices = join(h.reportsDir, '.failed', 'notices');
    const records = (await readdir(notices)).filter((f) => f.endsWith('.json'));
    expect(records).toHaveLength(1);
    expect(JSON.parse(await readFile(join(notices, records[0]!), 'utf8'))).toMatchObject({ kind: 'failure', status: 'sent', to: ['oncall@example.com'] });

    // The worker that found it stalled says it will fail, not that it runs again; the one that took it says why it failed.
    const said = second.logs.filter((l) => l.run === id).map((l) => l.msg);
    expect(said).toContain('run lost its worker (killed or frozen) once, more than LTV_MAX_STALLED (0) allows: it fails when next taken, and its failure notice goes out');
    expect(said).not.toContain('run lost its worker (killed or frozen); back in the queue, to be run again');
    expect(said).toContain(`run failed (not retried): ${LINE}`);
    expect(said).not.toContain('run started');
    second.proc.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  } finally {
    await sink.close();
  }
}, 180_000);
