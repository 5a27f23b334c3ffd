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
  // Three whole runs, each its own process and reports directory, started together: over the 60 s default
  // at load 15 (a deadline, not a timing).
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

  it('without SMTP_URL the run still publishes and says why nothing was sent', async (ctx) => {
    const { expect } = ctx;
    const { jobFile } = await setup(ctx);
    const r = await ltv(['run', jobFile, '--as-of', '2026-03-16T15:00:00Z'], { SMTP_FROM: 'reports@example.com' });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('published to');
    expect(r.stdout).toContain('email not sent: environment: SMTP_URL is not set');
  });

  it('a malformed SMTP variable is named, and the run is still published', async (ctx) => {
    const { expect } = ctx;
    const { jobFile } = await setup(ctx);
    const r = await ltv(['run', jobFile, '--as-of', '2026-03-16T15:00:00Z'], { SMTP_URL: 'mail.example.com' });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('published to');
    expect(r.stdout).toContain('email not sent: environment: SMTP_URL: an smtp:// or smtps:// URL');
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
