// A run's email whose idempotency record cannot be written (src/notify/README.md "Exactly once"): a real
// tmpfs holds the reports and is filled while the SMTP server answers 451 and the email is being retried.
// The email used to be lost for good ("email: notify failed", the run completed, nothing retried it). Now
// the worker fails the attempt while attempts remain and its retry, once the disk has room, sends it once
// with its record; `ltv run` (no retry follows) sends it all the same and says the record was not written.
// Real `ltv` processes, real Redis, a real SMTP server (the tests run as root: mount).
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, rm, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, expect, test } from 'vitest';
import { useHarness, waitFor, type Harness } from '../helpers/queueHarness.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtpSink.js';

const harness = useHarness();
let h: Harness;
beforeEach(() => {
  h = harness();
});

const AS_OF = '2026-03-01T00:00:00Z';
const RUN_ID = '20260301T000000Z';

/** A tmpfs of `size` at `<test dir>/small`, unmounted by the returned function. */
async function tmpfs(size: string): Promise<{ mnt: string; umount: () => void }> {
  const mnt = join(h.dir, 'small');
  await mkdir(mnt);
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mnt]);
  return { mnt, umount: () => execFileSync('umount', [mnt]) };
}

/** Fills the disk to its last byte; returns the file that does it. */
async function fill(mnt: string): Promise<string> {
  const file = join(mnt, 'filler');
  const { bavail, bsize } = await statfs(mnt);
  await writeFile(file, Buffer.alloc(bavail * bsize)).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOSPC') throw e;
  });
  await expect(writeFile(join(mnt, 'probe'), 'x')).rejects.toThrow(/ENOSPC/);
  return file;
}

function mailVars(sink: SmtpSink, mnt: string): Record<string, string> {
  return {
    LTV_REPORTS_DIR: mnt, SMTP_URL: sink.url, SMTP_FROM: 'reports@example.com', LTV_EMAIL_DRY_RUN: 'false',
    LTV_EMAIL_DEADLINE: '60s', LTV_EMAIL_BACKOFF: '200ms', LTV_EMAIL_BACKOFF_MAX: '200ms',
  };
}

test('worker: the reports disk fills while SMTP retries; the attempt fails, the retry sends the email once when the disk has room', async () => {
  const { mnt, umount } = await tmpfs('8m');
  const sink = await startSmtpSink();
  try {
    sink.reply({ at: 'data', code: 451, times: 1_000 });
    await h.writeJob('mail', { email: { to: ['finance@example.com'] } });
    const vars = { ...mailVars(sink, mnt), LTV_ATTEMPTS: '5', LTV_BACKOFF_MS: '2000' };
    const worker = h.childWorker(vars);
    const enqueued = h.cli(['enqueue', 'mail', '--wait', '--as-of', AS_OF], vars);
    await worker.waitForLog('SMTP answering 451', (l) => l.msg === 'email: transient SMTP failure; retrying', 90_000);
    const filler = await fill(mnt);
    // The next SMTP attempt finds its record unwritable: nothing is sent, the attempt fails as retryable.
    const deferred = await worker.waitForLog('the email deferred', (l) => l.msg === 'run published; its email is not sent yet (its record cannot be written: the reports disk is full): retried with backoff', 30_000);
    expect(deferred.attempt).toBe(1);
    expect(sink.messages).toHaveLength(0);
    // The disk has room again and the server accepts, both within the 2 s backoff.
    await rm(filler);
    sink.clearReplies();
    const r = await enqueued;
    expect(r.code, r.stderr).toBe(0);
    const id = r.stdout.trim();
    expect(sink.messages).toHaveLength(1);
    const messageId = sink.messages[0]!.messageId!;
    expect(messageId).toMatch(new RegExp(`^<ltv\\.run\\.${RUN_ID}\\.`));
    expect(r.stderr.split('\n').filter((l) => l.includes('email'))).toEqual([`run ${id}: mail: email sent (${messageId}, 1 attempt)`]);
    // Every DATA was answered 451 but the last; the record counts them all and says `sent`.
    const retried = worker.logs.filter((l) => l.msg === 'email: transient SMTP failure; retrying').length;
    expect(sink.dataCommands).toBe(retried + 1);
    const record = JSON.parse(await readFile(join(mnt, 'mail', 'notify', `${RUN_ID}.json`), 'utf8')) as { status: string; attempts: number; message_id: string };
    expect(record).toMatchObject({ status: 'sent', attempts: retried + 1, message_id: messageId });
    const msgs = worker.logs.map((l) => l.msg);
    expect(msgs).toContain('run already published by an earlier attempt; only what is left is done');
    expect(msgs.filter((m) => m === 'email: not sent yet; its record cannot be written on a full disk')).toHaveLength(1);
    expect(msgs).not.toContain('email: notify failed');
    worker.proc.kill('SIGTERM');
    expect((await worker.exited).code).toBe(0);
    expect(sink.messages).toHaveLength(1);
  } finally {
    await sink.close();
    umount();
  }
}, 240_000);

test('ltv run: the reports disk fills while SMTP retries; the email is sent all the same, once, and the line says its record was not written', async () => {
  const { mnt, umount } = await tmpfs('8m');
  const sink = await startSmtpSink();
  try {
    sink.reply({ at: 'data', code: 451, times: 1_000 });
    const file = await h.writeJob('mail', { email: { to: ['finance@example.com'] } });
    const running = h.cli(['run', file, '--out', mnt, '--as-of', AS_OF], mailVars(sink, mnt));
    await waitFor('SMTP answering 451', () => sink.dataCommands >= 2, 90_000);
    await fill(mnt);
    sink.clearReplies();
    const r = await running;
    expect(r.code, r.stderr).toBe(0);
    expect(sink.messages).toHaveLength(1);
    const messageId = sink.messages[0]!.messageId!;
    const record = join(mnt, 'mail', 'notify', `${RUN_ID}.json`);
    const line = r.stdout.split('\n').filter((l) => l.startsWith('mail: email'));
    expect(line).toEqual([expect.stringMatching(new RegExp(
      `^mail: email sent \\(${messageId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, ${sink.dataCommands} attempts\\); its record ${record.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} could not be written \\(ENOSPC: no space left on device[^)]*\\), so nothing would stop a second copy if this run were emailed again: free some space on the reports disk, or make it writable$`,
    ))]);
    // The record kept the last state it could be given: an attempt under way.
    expect(JSON.parse(await readFile(record, 'utf8'))).toMatchObject({ status: 'sending', message_id: messageId });
  } finally {
    await sink.close();
    umount();
  }
}, 180_000);
