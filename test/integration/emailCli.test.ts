// `ltv run <job-file>` as a user runs it: SMTP settings from the real environment, --email-dry-run and
// --no-email, against a real SMTP server.
import { spawn } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'vitest';
import { tenantDirName } from '../../src/publish/publishRun.js';
import { EXPORT_CSV, TENANT, emailJob } from '../helpers/emailFixture.js';
import { makeFixture, type Fixture } from '../helpers/runFixture.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtpSink.js';

const bin = new URL('../../src/cli/bin.mjs', import.meta.url).pathname;

function ltv(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // Only what the test sets: no SMTP variable of the machine running the tests leaks in.
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(SMTP_|LTV_EMAIL_)/.test(k)));
  const child = spawn(process.execPath, [bin, ...args], { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

async function setup({ onTestFinished }: TestContext): Promise<{ fx: Fixture; sink: SmtpSink; jobFile: string }> {
  const fx = await makeFixture({ 'e.csv': EXPORT_CSV });
  onTestFinished(fx.cleanup);
  const sink = await startSmtpSink();
  onTestFinished(sink.close);
  const jobFile = join(fx.dir, 'monthly.json');
  await writeFile(jobFile, JSON.stringify({ ...emailJob(), reports_dir: 'reports' }));
  return { fx, sink, jobFile };
}

// Each test is its own processes, directories and SMTP server: they run concurrently, and so assert with
// their own `expect`.
describe.concurrent('ltv run and email', () => {
  // Whole runs, each its own process and reports directory, started together with the others here: over the
  // 60 s default at load 15 (a deadline, not a timing).
  it('--email-dry-run writes the .eml; --no-email sends nothing; plain run sends once per run', { timeout: 180_000 }, async (ctx) => {
    const { expect } = ctx;
    const { fx, sink, jobFile } = await setup(ctx);
    const notifyDir = (out: string) => join(fx.dir, out, tenantDirName(TENANT), 'notify');
    const env = { SMTP_URL: sink.url, SMTP_FROM: 'reports@example.com', LTV_EMAIL_BACKOFF: '20ms' };

    const [dry, off, sent] = await Promise.all([
      ltv(['run', jobFile, '--as-of', '2026-03-16T15:00:00Z', '--out', join(fx.dir, 'dry'), '--email-dry-run'], env),
      ltv(['run', jobFile, '--as-of', '2026-03-17T15:00:00Z', '--out', join(fx.dir, 'off'), '--no-email'], env),
      ltv(['run', jobFile, '--as-of', '2026-03-18T15:00:00Z', '--out', join(fx.dir, 'sent')], env),
    ]);
    expect(dry.stdout).toContain('notify: done');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`email written to ${join(notifyDir('dry'), '20260316T150000Z.eml')} (dry run, not sent)`);

    expect(off.code).toBe(0);
    expect(off.stdout).not.toContain('email');

    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(/email sent \(<ltv\.run\.20260318T150000Z\.[0-9a-f]+@example\.com>, 1 attempt\)/);
    expect(sink.messages).toHaveLength(1);
    // What each run left in its notify folder: the .eml, nothing, the sent record.
    expect(await readdir(notifyDir('dry'))).toEqual(['20260316T150000Z.eml']);
    expect(await readdir(notifyDir('off')).catch(() => [])).toEqual([]);
    expect(await readdir(notifyDir('sent'))).toEqual(['20260318T150000Z.json']);
  });

  it('without SMTP_URL the run still publishes and says why nothing was sent', { timeout: 180_000 }, async (ctx) => {
    const { expect } = ctx;
    const { jobFile } = await setup(ctx);
    const r = await ltv(['run', jobFile, '--as-of', '2026-03-16T15:00:00Z'], { SMTP_FROM: 'reports@example.com' });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('published to');
    expect(r.stdout).toContain('email not sent: environment: SMTP_URL is not set');
  });

  it('with neither SMTP_URL nor SMTP_FROM, one line names both and says what a new run does; no log line on stderr', { timeout: 180_000 }, async (ctx) => {
    const { expect } = ctx;
    const { jobFile } = await setup(ctx);
    const r = await ltv(['run', jobFile, '--as-of', '2026-03-16T15:00:00Z'], {});
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `${TENANT}: email not sent: environment: SMTP_URL and SMTP_FROM are not set; set SMTP_URL to the mail server, e.g. smtps://user:pass@smtp.example.com:465, ` +
        'and SMTP_FROM to the sender, e.g. reports@example.com (src/notify/README.md) ' +
        "(the run is published; this run's email will not be sent: fix what is named above, and `ltv run` again publishes a new run and emails it)\n",
    );
    // Without --verbose, no JSON log line ("email: not sent") beside it.
    expect(r.stderr).not.toContain('{');
  });

  it('an SMTP server down until the deadline: the line says to check it, nothing retries this run; no log line on stderr', { timeout: 180_000 }, async (ctx) => {
    const { expect } = ctx;
    const { jobFile } = await setup(ctx);
    // Port 1 refuses the connection: a transient failure, retried until the 1 s deadline.
    const env = { SMTP_URL: 'smtp://127.0.0.1:1', SMTP_FROM: 'reports@example.com', LTV_EMAIL_DEADLINE: '1s', LTV_EMAIL_BACKOFF: '100ms' };
    const r = await ltv(['run', jobFile, '--as-of', '2026-03-16T15:00:00Z'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /: email not sent: .*ECONNREFUSED.* \(the run is published; this run's email will not be sent: check that the SMTP server in SMTP_URL is up and reachable, and `ltv run` again publishes a new run and emails it\)\n/,
    );
    expect(r.stdout).not.toContain('a retried run');
    expect(r.stderr).not.toContain('{');
  });

  it('a recipient the server refuses is named in the line saying the email was sent', { timeout: 180_000 }, async (ctx) => {
    const { expect } = ctx;
    const { sink, jobFile } = await setup(ctx);
    // The first RCPT TO (finance@) refused for good; ceo@ accepts.
    sink.reply({ at: 'rcpt', code: 550, times: 1 });
    const r = await ltv(['run', jobFile, '--as-of', '2026-03-16T15:00:00Z'], { SMTP_URL: sink.url, SMTP_FROM: 'reports@example.com' });
    expect(r.code).toBe(0);
    expect(sink.envelopes).toEqual([['ceo@example.com']]);
    // With the server's reply and whether it is for good (it said the address alone).
    expect(r.stdout).toMatch(/: email sent \(<[^>]+>, 1 attempt\); the SMTP server refused it for finance@example\.com \(550 Rejected by policy: for good\)\n/);
    expect(r.stderr).not.toContain('{');
  });

  it('a recipient the server refuses for now until the deadline is named with the reply and the deadline', { timeout: 180_000 }, async (ctx) => {
    const { expect } = ctx;
    const { sink, jobFile } = await setup(ctx);
    // finance@ (the first RCPT TO) refused for now, ceo@ accepted; then finance@ alone, refused for now every time.
    sink.reply({ at: 'rcpt', code: 450, times: 1 });
    const running = ltv(['run', jobFile, '--as-of', '2026-03-16T15:00:00Z'], { SMTP_URL: sink.url, SMTP_FROM: 'reports@example.com', LTV_EMAIL_BACKOFF: '50ms', LTV_EMAIL_DEADLINE: '1s' });
    await sink.waitFor(1);
    sink.reply({ at: 'rcpt', code: 450, times: 1_000 });
    const r = await running;
    expect(r.code).toBe(0);
    expect(sink.envelopes).toEqual([['ceo@example.com']]);
    expect(r.stdout).toMatch(/: email sent \(<[^>]+>, \d+ attempts\); the SMTP server refused it for finance@example\.com \(450 Try again later: for now, still at LTV_EMAIL_DEADLINE\)/);
  });

  it('a failed run says that the ops recipients were told, before its one error line', { timeout: 180_000 }, async (ctx) => {
    const { expect } = ctx;
    const { fx, sink } = await setup(ctx);
    const jobFile = join(fx.dir, 'broken.json');
    await writeFile(jobFile, JSON.stringify({ ...emailJob(), inputs: [{ path: 'missing.csv' }], reports_dir: 'reports' }));
    const r = await ltv(['run', jobFile, '--as-of', '2026-03-16T15:00:00Z'], { SMTP_URL: sink.url, SMTP_FROM: 'reports@example.com' });
    expect(r.code).toBe(1);
    expect(sink.messages).toHaveLength(1);
    expect(r.stdout).toContain(`failure notice sent to the ops recipients (${sink.messages[0]!.messageId})\n`);
    expect(r.stderr).toBe(`ltv: ${jobFile}: inputs[0].path: no file matches "missing.csv" (looked in ${fx.dir})\n`);
  });

  it('a malformed SMTP variable is refused in one line before the run, which publishes nothing; --no-email runs', { timeout: 180_000 }, async (ctx) => {
    // Before: checked only after publishing ("email not sent", exit 0), and the run again it advised published a
    // second copy.
    const { expect } = ctx;
    const { fx, jobFile } = await setup(ctx);
    const [url, timeout, off] = await Promise.all([
      ltv(['run', jobFile, '--as-of', '2026-03-16T15:00:00Z'], { SMTP_URL: 'mail.example.com' }),
      ltv(['run', jobFile, '--as-of', '2026-03-16T15:00:00Z'], { SMTP_TIMEOUT: 'abc' }),
      ltv(['run', jobFile, '--as-of', '2026-03-16T15:00:00Z', '--out', join(fx.dir, 'off'), '--no-email'], { SMTP_TIMEOUT: 'abc' }),
    ]);
    expect([url.code, timeout.code]).toEqual([1, 1]);
    expect(url.stderr).toBe('ltv: environment: SMTP_URL: an smtp:// or smtps:// URL, e.g. smtps://user:pass@smtp.example.com:465\n');
    expect(timeout.stderr).toBe('ltv: environment: SMTP_TIMEOUT: "abc" is not a duration (e.g. "90s", "15m", "6h" or milliseconds)\n');
    expect(await readdir(fx.dir)).not.toContain('reports');
    expect(off.code).toBe(0);
    expect(off.stdout).toContain('published to');
  });

  it('--email-dry-run on a job without an email block says so in one line and runs nothing', async ({ expect, onTestFinished }) => {
    const fx = await makeFixture({ 'e.csv': EXPORT_CSV });
    onTestFinished(fx.cleanup);
    const { email: _none, ...job } = emailJob();
    const jobFile = join(fx.dir, 'quiet.json');
    await writeFile(jobFile, JSON.stringify({ ...job, reports_dir: 'reports' }));
    const r = await ltv(['run', jobFile, '--as-of', '2026-03-16T15:00:00Z', '--email-dry-run'], {});
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`--email-dry-run: ${jobFile} has no "email" block, so there is no email to write`);
    expect(await readdir(fx.dir)).not.toContain('reports');
  });
});
