// SPEC §7 Email over real runs of the pipeline and a real SMTP server (smtp-server), every message parsed
// back with mailparser. Nothing of ours is mocked; backoff delays are milliseconds so retries are quick.
import { createHash } from 'node:crypto';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { pino, type Logger } from 'pino';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { jobFromFlags } from '../../src/config/loadJob.js';
import type { JobInput } from '../../src/config/jobSchema.js';
import type { NotifyRecord } from '../../src/notify/notifyRecord.js';
import { notifyRun } from '../../src/notify/notifyRun.js';
import { tenantDirName } from '../../src/publish/publishRun.js';
import { EmailInterrupted, runPipeline, type RunEffects, type RunResult } from '../../src/pipeline.js';
import { interruptedEmails } from '../../src/cli/runCommand.js';
import { AS_OF, EXPORT_CSV, TENANT, emailJob, testSettings } from '../helpers/emailFixture.js';
import { csv, makeFixture, silentLogger, type Fixture } from '../helpers/runFixture.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtpSink.js';
import { captureLogger, waitFor } from '../helpers/queueHarness.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(): Promise<{ fx: Fixture; sink: SmtpSink }> {
  const fx = await makeFixture({ 'e.csv': EXPORT_CSV });
  const sink = await startSmtpSink();
  cleanups.push(fx.cleanup, sink.close);
  return { fx, sink };
}

function run(fx: Fixture, job: JobInput, effects: Partial<RunEffects> = {}): Promise<RunResult> {
  return runPipeline(jobFromFlags(job, fx.dir), { logger: silentLogger, asOf: new Date(AS_OF), reportsDir: fx.reportsDir, ...effects });
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const addresses = (a: AddressObject | AddressObject[] | undefined): string[] =>
  (Array.isArray(a) ? a : a ? [a] : []).flatMap((x) => x.value.map((v) => v.address ?? ''));
const recordOf = async (result: RunResult): Promise<NotifyRecord> => JSON.parse(await readFile(result.notify![0]!.record!, 'utf8')) as NotifyRecord;

describe('the run email', () => {
  it('has the subject, addresses, Message-ID, both bodies, the inline chart and the published workbook', async () => {
    const { fx, sink } = await setup();
    const result = await run(fx, emailJob(), { mail: { settings: testSettings(sink.url) } });
    expect(result.notify).toMatchObject([{ status: 'sent', previously: false, attempts: 1 }]);
    expect(sink.messages).toHaveLength(1);
    const m = sink.messages[0]!;
    const t = result.tenants[0]!;

    // SPEC §4 summary: only a (first paid Dec 2; Dec 2 + 90 days = Mar 2 ≤ Mar 16) is 90 days old; b (Dec 20)
    // is not. a's revenue before Mar 2: 10 + 10 + 10 = 30.00.
    expect(result.tenants[0]!.summary.average_ltv_90d).toBe(30);
    expect(m.subject).toBe(`LTV report ${TENANT} 2026-03-16: 30.00 USD at 90 days`);
    expect(addresses(m.from)).toEqual(['reports@example.com']);
    expect(addresses(m.to)).toEqual(['finance@example.com']);
    expect(addresses(m.cc)).toEqual(['ceo@example.com']);
    expect(sink.envelopes[0]).toEqual(['finance@example.com', 'ceo@example.com']);
    expect(m.messageId).toMatch(/^<ltv\.run\.20260316T150000Z\.[0-9a-f]{20}@example\.com>$/);
    expect(m.messageId).toBe(result.notify![0]!.messageId);
    expect(m.headers.get('auto-submitted')).toBe('auto-generated');

    // HTML: inline styles only, data escaped, the chart by cid.
    const html = m.html as string;
    expect(html).not.toMatch(/<style|class=/i);
    expect(html).toContain('Acme &lt;Shop&gt; &amp; &quot;Co&quot;');
    expect(html).not.toContain('<Shop>');
    expect(html).toContain('$30.00');
    const cid = /src="cid:([^"]+)"/.exec(html)?.[1];
    expect(cid).toBeDefined();
    const chart = m.attachments.find((a) => a.cid === cid);
    expect(chart?.contentType).toBe('image/png');
    expect(sha256(chart!.content)).toBe(sha256(await readFile(join(t.dir, 'ltv.png'))));
    // Heatmap: Dec 2025 cohort (a, b): M0 = (10 + 0) / 2 = 5.00 (b's refund on Jan 5 is within its month 0),
    // M1 = (20 + 0) / 2 = 10.00, M2 = 15.00; the partial Mar 2026 cohort (e) is marked. Rows are titled as
    // in the workbook: "Total", "2025-12-01".
    expect(html).toMatch(/>Total<\/td>/);
    expect(html).toMatch(/2025-12-01<\/td><td[^>]*>2<\/td><td[^>]*>5\.00<\/td><td[^>]*>10\.00<\/td><td[^>]*>15\.00\*?<\/td>/);
    expect(html).toMatch(/2026-03-01<\/td><td[^>]*>1<\/td><td[^>]*font-style:italic[^>]*>5\.00\*<\/td>/);

    // Plain text reads on its own.
    expect(m.text).toContain(`LTV report for ${TENANT}`);
    expect(m.text).toContain('Average LTV at 90 days:  $30.00');
    expect(m.text).toMatch(/2025-12-01 +2 +5\.00 +10\.00 +15\.00/);
    expect(m.text).toMatch(/ltv\.xlsx \(\d+ KB\): attached/);

    // The workbook, byte for byte.
    const xlsx = m.attachments.find((a) => a.filename?.endsWith('.xlsx'));
    expect(xlsx?.filename).toBe('ltv-Acme_Shop_Co-2026-03-16.xlsx');
    expect(sha256(xlsx!.content)).toBe(sha256(await readFile(join(t.dir, 'ltv.xlsx'))));
    expect(m.attachments.some((a) => a.filename?.endsWith('.csv'))).toBe(false);

    // The record, beside the runs (the published run directory is untouched).
    const record = await recordOf(result);
    expect(result.notify![0]!.record).toBe(join(fx.reportsDir, tenantDirName(TENANT), 'notify', `${t.runId}.json`));
    expect(record).toMatchObject({ kind: 'run', status: 'sent', key: { tenant: TENANT, run_id: t.runId }, message_id: m.messageId, attempts: 1 });
    expect(await readdir(t.dir)).not.toContain('notify');
  });

  it('attaches ltv.csv when the job asks, and links what exceeds max_attachment_bytes', async () => {
    const { fx, sink } = await setup();
    const published = await run(fx, emailJob(), { email: 'off' });
    const t = published.tenants[0]!;
    const csvBytes = (await stat(join(t.dir, 'ltv.csv'))).size;
    expect((await stat(join(t.dir, 'ltv.xlsx'))).size).toBeGreaterThan(csvBytes);
    // The limit fits the csv but not the workbook: the workbook is linked, the csv attached.
    const job = jobFromFlags(emailJob({ attach_csv: true, max_attachment_bytes: csvBytes, link_base_url: 'https://reports.example.com/ltv/' }), fx.dir);
    await notifyRun(published, job, { logger: silentLogger, settings: testSettings(sink.url) });
    const m = sink.messages[0]!;
    expect(m.attachments.map((a) => a.filename).filter((f) => !f?.endsWith('.png'))).toEqual(['ltv-Acme_Shop_Co-2026-03-16.csv']);
    const url = `https://reports.example.com/ltv/${encodeURIComponent(tenantDirName(TENANT))}/runs/${t.runId}/ltv.xlsx`;
    expect(m.html as string).toContain(`href="${url}"`);
    expect(m.text).toContain(`download: ${url}`);
    expect(sha256(m.attachments.find((a) => a.filename?.endsWith('.csv'))!.content)).toBe(sha256(await readFile(join(t.dir, 'ltv.csv'))));
  });
});

describe('the subject', () => {
  it('reads as the tenant id\'s literal text when the id holds RFC 2047 encoded-words, folded when long', async () => {
    // Sent raw, a client decoded these words: "LTV report Hackedx\r\nBcc: a@b.c …".
    const tenant = '=?utf-8?B?SGFja2Vk?= =?utf-8?Q?x=0D=0ABcc:_a@b.c?=';
    const { fx, sink } = await setup();
    await run(fx, { ...emailJob(), tenant }, { mail: { settings: testSettings(sink.url) } });
    expect(sink.messages[0]!.subject).toBe(`LTV report ${tenant} 2026-03-16: 30.00 USD at 90 days`);
    const long = `=?utf-8?Q?x?= ${'y'.repeat(100)}`;
    await run(fx, { ...emailJob(), tenant: long }, { mail: { settings: testSettings(sink.url) } });
    expect(sink.messages[1]!.subject).toBe(`LTV report ${long} 2026-03-16: 30.00 USD at 90 days`);
    const head = sink.raw[1]!.toString('utf8').split('\r\n\r\n')[0]!.split('\r\n');
    const subjectLines = head.slice(head.findIndex((l) => l.startsWith('Subject:'))).filter((l, i) => i === 0 || /^\s/.test(l));
    expect(subjectLines.length).toBeGreaterThan(1);
    for (const l of head) expect(l.length).toBeLessThanOrEqual(78);
  });
});

describe('where the numbers came from', () => {
  it('counts the rows after the as-of time and, with two inputs, each file\'s rows and quarantined rows', async () => {
    const { fx, sink } = await setup();
    // A second export in a folder, its name HTML would read as markup: h at Mar 10 counts; f at Mar 20 is after
    // the as-of time (Mar 16); g's time is unreadable, so quarantined (1 of 12 rows: the limit is raised).
    const second = 'later/b&<c>.csv';
    await mkdir(join(fx.dir, 'later'));
    await writeFile(join(fx.dir, second), csv('customer_id,event_time,amount,transaction_id,country', [
      ['h', '2026-03-10T10:00:00Z', '8', 't10', 'US'],
      ['f', '2026-03-20T10:00:00Z', '7', 't11', 'US'],
      ['g', 'yesterday', '5', 't12', 'US'],
    ]));
    const result = await run(fx, { ...emailJob(), inputs: [{ path: 'e.csv' }, { path: second }], max_bad_row_share: 0.1 }, { mail: { settings: testSettings(sink.url) } });
    expect(result.notify).toMatchObject([{ status: 'sent' }]);
    const m = sink.messages[0]!;
    // 9 + 3 rows read; 1 quarantined (g), 1 after the as-of time (f). Names relative to the fixture folder.
    expect(m.text).toContain(
      '12 input rows, 1 quarantined as bad rows (quarantine.csv on the report server), 1 row left out as later than the as-of time.\n' +
        '  e.csv: 9 rows, 0 quarantined\n' +
        '  later/b&<c>.csv: 3 rows, 1 quarantined\n',
    );
    const html = m.html as string;
    expect(html).toContain(
      '12 input rows, 1 quarantined as bad rows (quarantine.csv on the report server), 1 row left out as later than the as-of time.<br>' +
        'e.csv: 9 rows, 0 quarantined<br>later/b&amp;&lt;c&gt;.csv: 3 rows, 1 quarantined</div>',
    );
  });

  it('says "1 monthly cohort", and with one input no list of files', async () => {
    const { fx, sink } = await setup();
    // As of Dec 31, 2025: a (Dec 2) and b (Dec 20) are the one cohort; the other 7 rows (Jan 2 … Mar 1) are later.
    await run(fx, emailJob(), { asOf: new Date('2025-12-31T00:00:00Z'), mail: { settings: testSettings(sink.url) } });
    const m = sink.messages[0]!;
    expect(m.text).toContain('Paying customers:        2 in 1 monthly cohort\n');
    expect(m.text).toContain('\n9 input rows, 7 rows left out as later than the as-of time.\n\n');
    const html = m.html as string;
    expect(html).toContain('>in 1 monthly cohort</div>');
    expect(html).toContain('>9 input rows, 7 rows left out as later than the as-of time.</div>');
  });
});

describe('exactly once', () => {
  it('a retried run (same idempotency key, same run-id) does not send again', async () => {
    const { fx, sink } = await setup();
    const effects = { idempotencyKey: 'repeat:nightly:1773673200000', mail: { settings: testSettings(sink.url) } };
    const first = await run(fx, emailJob(), effects);
    const second = await run(fx, emailJob(), effects);
    expect(second.tenants[0]!.runId).toBe(first.tenants[0]!.runId);
    expect(second.notify).toMatchObject([{ status: 'sent', previously: true, messageId: first.notify![0]!.messageId }]);
    expect(sink.messages).toHaveLength(1);
    expect(sink.dataCommands).toBe(1);
  });

  it('a run that takes anew the run-id of a run removed since (retention 1, a backfill of that slot) is emailed', async () => {
    // It found the removed run's record (notify/<run-id>.json, sent) and sent nothing for the new run.
    const { fx, sink } = await setup();
    const effects = { mail: { settings: testSettings(sink.url) } };
    const at = (asOf: string): Promise<RunResult> => runPipeline(jobFromFlags({ ...emailJob(), retention: 1 }, fx.dir), { logger: silentLogger, asOf: new Date(asOf), reportsDir: fx.reportsDir, ...effects });
    const first = await at(AS_OF);
    await at(new Date(Date.parse(AS_OF) + 86_400_000).toISOString());
    const backfill = await at(AS_OF);
    expect(backfill.tenants[0]!.runId).toBe(first.tenants[0]!.runId);
    expect(backfill.notify).toMatchObject([{ status: 'sent', previously: false }]);
    expect(sink.messages).toHaveLength(3);
    // Another publication, another Message-ID: a mail server would drop a second message with the first's.
    expect(backfill.notify![0]!.messageId).not.toBe(first.notify![0]!.messageId);
  });

  it('retention removes a removed run\'s email record with it, never a kept run\'s: a retried run of a kept one still sends nothing', async () => {
    // Retention 2 over three daily runs: notify/ held one record per run ever published.
    const { fx, sink } = await setup();
    const effects = { mail: { settings: testSettings(sink.url) } };
    const job = jobFromFlags({ ...emailJob(), retention: 2 }, fx.dir);
    const at = (day: number, key?: string): Promise<RunResult> => runPipeline(job, { logger: silentLogger, asOf: new Date(Date.parse(AS_OF) + day * 86_400_000), reportsDir: fx.reportsDir, ...effects, ...(key ? { idempotencyKey: key } : {}) });
    const results: RunResult[] = [];
    for (let day = 0; day < 3; day++) results.push(await at(day, `key-${day}`));
    const tenantDir = dirname(dirname(results[0]!.tenants[0]!.dir));
    const ids = results.map((r) => r.tenants[0]!.runId);
    expect((await readdir(join(tenantDir, 'runs'))).sort()).toEqual([ids[1], ids[2]]);
    expect((await readdir(join(tenantDir, 'notify'))).sort()).toEqual([`${ids[1]}.json`, `${ids[2]}.json`]);
    // A kept run's record still says it was sent: its retried attempt (same key) sends nothing.
    const again = await at(1, 'key-1');
    expect(again.notify).toMatchObject([{ status: 'sent', previously: true }]);
    expect(sink.messages).toHaveLength(3);
  });

  it('retries a transient 4xx with backoff until the server accepts', async () => {
    const { fx, sink } = await setup();
    sink.reply({ at: 'data', code: 451, times: 2 });
    const result = await run(fx, emailJob(), { mail: { settings: testSettings(sink.url) } });
    expect(result.notify).toMatchObject([{ status: 'sent', attempts: 3 }]);
    expect(sink.dataCommands).toBe(3);
    expect(sink.messages).toHaveLength(1);
    expect(await recordOf(result)).toMatchObject({ status: 'sent', attempts: 3 });
  });

  it('sends again to a recipient refused for now (4xx) alone, never twice to the one that accepted', async () => {
    const { fx, sink } = await setup();
    // finance@ (To, the first RCPT) is greylisted once; ceo@ (Cc) is accepted at once.
    sink.reply({ at: 'rcpt', code: 450, times: 1 });
    // The retry over a second later: its Date was that of its own attempt, not the message's.
    const result = await run(fx, emailJob(), { mail: { settings: testSettings(sink.url, { backoffMs: 1_100, backoffMaxMs: 1_100 }) } });
    expect(result.notify).toMatchObject([{ status: 'sent', attempts: 2 }]);
    const dates = sink.raw.map((r) => /^Date: (.*)$/m.exec(r.toString('utf8'))?.[1]);
    const first = new Date((await recordOf(result)).first_attempt_at!);
    expect(dates).toEqual([first, first].map((d) => d.toUTCString().replace(/GMT/, '+0000')));
    // Before: recorded sent with finance@ among `rejected`, and finance@ never had the report.
    expect(sink.envelopes).toEqual([['ceo@example.com'], ['finance@example.com']]);
    // The same message both times: its headers name both recipients, its Message-ID is the run's.
    expect(sink.messages.map((m) => m.messageId)).toEqual([result.notify![0]!.messageId, result.notify![0]!.messageId].map((id) => `<${id.replace(/^<|>$/g, '')}>`));
    expect(sink.messages.map((m) => [addresses(m.to), addresses(m.cc)])).toEqual([[['finance@example.com'], ['ceo@example.com']], [['finance@example.com'], ['ceo@example.com']]]);
    expect(await recordOf(result)).toMatchObject({ status: 'sent', attempts: 2, accepted: ['ceo@example.com', 'finance@example.com'], rejected: [] });
  });

  /**
   * `ltv run` of the email job in a child process whose email went to ceo@ (Cc) and whose To, finance@, the
   * SMTP server keeps refusing for now: resolves once the child retries finance@ alone (it does so until the
   * deadline, 10 minutes).
   */
  async function runRetryingFinance(backoffMs = 300): Promise<{ fx: Fixture; sink: SmtpSink; child: ChildProcess; exited: Promise<number | null>; stderr: () => string }> {
    const { fx, sink } = await setup();
    await writeFile(join(fx.dir, 'job.json'), JSON.stringify(emailJob()));
    // finance@ (To, the first RCPT) is refused for now; ceo@ (Cc) accepted at once.
    sink.reply({ at: 'rcpt', code: 450, times: 1 });
    const { child, exited, stderr } = spawnEmailRun(fx, sink, { LTV_EMAIL_BACKOFF: String(backoffMs), LTV_EMAIL_BACKOFF_MAX: String(backoffMs), LTV_EMAIL_DEADLINE: '10m' });
    await sink.waitFor(1);
    // From now on finance@ stays refused for now: the child keeps retrying it alone until it is stopped.
    sink.reply({ at: 'rcpt', code: 450, times: 1_000 });
    await waitFor('a retry to finance@ alone', () => sink.rcptCommands >= 3, 60_000);
    return { fx, sink, child, exited, stderr };
  }

  /** `ltv run` of the job in fx.dir/job.json in a child process emailing through `sink`: its stderr as it comes. */
  function spawnEmailRun(fx: Fixture, sink: SmtpSink, env: Record<string, string> = {}): { child: ChildProcess; exited: Promise<number | null>; stderr: () => string } {
    const child = spawn(process.execPath, [fileURLToPath(new URL('../../src/cli/bin.mjs', import.meta.url)), 'run', join(fx.dir, 'job.json'), '--as-of', AS_OF, '--out', fx.reportsDir], {
      cwd: fx.dir, env: { ...process.env, SMTP_URL: sink.url, SMTP_FROM: 'reports@example.com', ...env }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    cleanups.push(async () => {
      child.kill('SIGKILL');
      await exited;
    });
    return { child, exited, stderr: () => stderr };
  }

  it('a process killed (kill -9) while retrying a recipient refused for now: the next try sends to that one alone', async () => {
    // The record kept nothing of who had it: the next try found `sending` and sent to everyone again, and
    // ceo@ had the report twice. The retries may last until the deadline (10 minutes by default).
    const { fx, sink, child, exited } = await runRetryingFinance();
    child.kill('SIGKILL');
    await exited;
    expect(sink.envelopes).toEqual([['ceo@example.com']]);
    const tenantDir = join(fx.reportsDir, tenantDirName(TENANT));
    const runId = (await readdir(join(tenantDir, 'runs')))[0]!;
    const result = { tenants: [{ tenant: TENANT, runId, dir: join(tenantDir, 'runs', runId) }] };
    const left = JSON.parse(await readFile(join(tenantDir, 'notify', `${runId}.json`), 'utf8')) as NotifyRecord;
    expect(left).toMatchObject({ status: 'sending', delivered: { accepted: ['ceo@example.com'], retry: ['finance@example.com'], rejected: [] } });
    sink.clearReplies();
    const [outcome] = await notifyRun(result, jobFromFlags(emailJob(), fx.dir), { logger: silentLogger, settings: testSettings(sink.url) });
    expect(outcome).toMatchObject({ status: 'sent', previously: false, messageId: left.message_id });
    expect(sink.envelopes).toEqual([['ceo@example.com'], ['finance@example.com']]);
    const done = JSON.parse(await readFile(join(tenantDir, 'notify', `${runId}.json`), 'utf8')) as NotifyRecord;
    expect(done).toMatchObject({ status: 'sent', accepted: ['ceo@example.com', 'finance@example.com'], rejected: [] });
    expect(done.delivered).toBeUndefined();
  }, 90_000);

  it('`ltv run` interrupted (SIGTERM) while waiting to retry a recipient refused for now says who has the email, not that it was not sent', async () => {
    // A 2 s wait between tries: 0.4 s after finance@'s refusal the run waits, nothing is under way.
    const { sink, child, exited, stderr } = await runRetryingFinance(2_000);
    await new Promise((resolve) => setTimeout(resolve, 400));
    child.kill('SIGTERM');
    await exited;
    expect(sink.envelopes).toEqual([['ceo@example.com']]);
    // It said "its email was not sent", and ceo@ had it.
    expect(stderr()).toBe('ltv: interrupted (SIGTERM): the run is published; its email reached ceo@example.com but not finance@example.com\n');
  }, 90_000);

  it('`ltv run` interrupted while the SMTP server takes the message says it may have reached its recipients', async () => {
    // The relay has the whole message but answers 10 s later: whether it queued it, only that answer says.
    const { fx, sink } = await setup();
    await writeFile(join(fx.dir, 'job.json'), JSON.stringify(emailJob()));
    sink.holdData(10_000);
    const { child, exited, stderr } = spawnEmailRun(fx, sink);
    await waitFor('the message\'s data at the relay', () => sink.dataReceived >= 1, 60_000);
    child.kill('SIGTERM');
    expect(await exited).toBe(143);
    // It said "its email was not sent", and the relay then queued it for both.
    expect(stderr()).toBe('ltv: interrupted (SIGTERM): the run is published; its email may have reached finance@example.com and ceo@example.com (the SMTP server had not answered when the run stopped)\n');
  }, 90_000);

  it('a run cancelled once every tenant is published, before its email, says it is published (it said nothing was)', async () => {
    const { fx, sink } = await setup();
    const stop = new AbortController();
    // The signal comes the moment publishing is done (its log line), before the email starts.
    const lines = new Writable({
      write(chunk: Buffer, _enc, cb) {
        if ((JSON.parse(chunk.toString('utf8')) as { msg?: string }).msg === 'publish done') stop.abort(new Error('SIGTERM'));
        cb();
      },
    });
    const caught = await runPipeline(jobFromFlags(emailJob(), fx.dir), {
      logger: pino({ level: 'info' }, lines), asOf: new Date(AS_OF), reportsDir: fx.reportsDir, signal: stop.signal, mail: { settings: testSettings(sink.url) },
    }).then(() => null, (e: unknown) => e);
    expect(caught).toBeInstanceOf(EmailInterrupted);
    expect((caught as EmailInterrupted).notify).toEqual([]);
    expect(interruptedEmails((caught as EmailInterrupted).notify)).toBe('its email was not sent');
    expect((await stat(join(fx.reportsDir, tenantDirName(TENANT), 'latest', 'ltv.json'))).isFile()).toBe(true);
    expect(sink.mailCommands).toBe(0);
  });

  it('a run cancelled (SIGTERM) while retrying a recipient refused for now: its handed-back run sends to that one alone', async () => {
    // The outcome was `sent`, final, with finance@ among `rejected`: the handed-back run sent nothing more and
    // finance@ never had the report.
    const { fx, sink } = await setup();
    const job = jobFromFlags(emailJob(), fx.dir);
    const published = await runPipeline(job, { logger: silentLogger, asOf: new Date(AS_OF), reportsDir: fx.reportsDir, email: 'off' });
    // finance@ (To, the first RCPT) refused for now, ceo@ accepted; then finance@ refused at every retry.
    sink.reply({ at: 'rcpt', code: 450, times: 1 });
    const stop = new AbortController();
    const settings = testSettings(sink.url, { deadlineMs: 60_000, backoffMs: 100, backoffMaxMs: 100 });
    const sending = notifyRun(published, job, { logger: silentLogger, settings, signal: stop.signal });
    await sink.waitFor(1);
    sink.reply({ at: 'rcpt', code: 450, times: 1_000 });
    await waitFor('a retry to finance@ alone', () => sink.rcptCommands >= 3, 30_000);
    stop.abort();
    const [stopped] = await sending;
    expect(stopped).toMatchObject({ status: 'failed', error: { code: 'EABORT', message: 'cancelled while retrying finance@example.com' } });
    const record = JSON.parse(await readFile(stopped!.record!, 'utf8')) as NotifyRecord;
    expect(record).toMatchObject({ status: 'failed', delivered: { accepted: ['ceo@example.com'], retry: ['finance@example.com'] } });
    sink.clearReplies();
    const [resumed] = await notifyRun(published, job, { logger: silentLogger, settings });
    expect(resumed).toMatchObject({ status: 'sent', previously: false, messageId: record.message_id });
    expect(sink.envelopes).toEqual([['ceo@example.com'], ['finance@example.com']]);
    expect(JSON.parse(await readFile(stopped!.record!, 'utf8'))).toMatchObject({ status: 'sent', accepted: ['ceo@example.com', 'finance@example.com'], rejected: [] });
  });

  it('records a permanent 5xx, does not retry it, and keeps the run published', async () => {
    const { fx, sink } = await setup();
    sink.reply({ at: 'rcpt', code: 550, times: 10 });
    const effects = { idempotencyKey: 'k1', mail: { settings: testSettings(sink.url) } };
    const result = await run(fx, emailJob({ cc: [] }), effects);
    expect(result.notify).toMatchObject([{ status: 'rejected', attempts: 1, error: { response_code: 550, code: 'EENVELOPE' } }]);
    expect(sink.rcptCommands).toBe(1);
    expect(await recordOf(result)).toMatchObject({ status: 'rejected', attempts: 1, error: { response_code: 550 } });
    expect((await stat(join(fx.reportsDir, tenantDirName(TENANT), 'latest', 'ltv.xlsx'))).isFile()).toBe(true);
    // A retried run finds the rejection recorded and does not knock again.
    const again = await run(fx, emailJob({ cc: [] }), effects);
    expect(again.notify).toMatchObject([{ status: 'rejected', previously: true }]);
    expect(sink.rcptCommands).toBe(1);
  });

  it('keeps retrying while the server is down and sends once it is up', async () => {
    const { fx, sink } = await setup();
    const port = sink.port;
    const job = jobFromFlags(emailJob(), fx.dir);
    const result = await runPipeline(job, { logger: silentLogger, asOf: new Date(AS_OF), reportsDir: fx.reportsDir, email: 'off' });
    expect(result.notify).toBeUndefined();
    await sink.close();
    // The notify step on its own, as a recovered run calls it: it reads the report from the run's ltv.json.
    const { log, lines } = captureLogger();
    const sending = notifyRun(result, job, { logger: log, settings: testSettings(`smtp://127.0.0.1:${port}`, { backoffMs: 25, backoffMaxMs: 100 }) });
    // Two failed attempts seen, not a fixed time: on a loaded machine 300 ms held only one (CI).
    await waitFor('two failed attempts', () => lines.filter((l) => l.msg === 'email: transient SMTP failure; retrying').length >= 2, 30_000);
    const back = await startSmtpSink(port);
    cleanups.push(back.close);
    const [outcome] = await sending;
    expect(outcome).toMatchObject({ status: 'sent' });
    expect(outcome!.attempts).toBeGreaterThan(2);
    expect(back.messages).toHaveLength(1);
    expect(back.messages[0]!.subject).toContain('30.00 USD at 90 days');
  });

  it('gives up at the deadline without failing the run, and a later notify of the same run sends it', async () => {
    const { fx, sink } = await setup();
    const port = sink.port;
    await sink.close();
    const settings = testSettings(`smtp://127.0.0.1:${port}`, { deadlineMs: 150, backoffMs: 20, backoffMaxMs: 40 });
    const job = jobFromFlags(emailJob(), fx.dir);
    const result = await runPipeline(job, { logger: silentLogger, asOf: new Date(AS_OF), reportsDir: fx.reportsDir, mail: { settings } });
    expect(result.notify).toMatchObject([{ status: 'failed', error: { code: 'ESOCKET' } }]);
    const failed = await recordOf(result);
    expect(failed.status).toBe('failed');
    const back = await startSmtpSink(port);
    cleanups.push(back.close);
    const [outcome] = await notifyRun(result, job, { logger: silentLogger, settings });
    expect(outcome).toMatchObject({ status: 'sent', messageId: failed.message_id });
    expect(back.messages[0]!.messageId).toBe(failed.message_id);
    expect((await recordOf(result)).attempts).toBe(failed.attempts + 1);
  });
});

// Failures of the settings, not of the message: not retried until the deadline (they will not fix
// themselves), not recorded as final `rejected` either, so the run's email goes out once they are corrected.
// One line each, saying what to change, and never the password of SMTP_URL.
describe('settings the server refuses', () => {
  const PASSWORD = 'pw-never-shown-5K';
  /** A logger whose lines the test reads. */
  function capture(): { logger: Logger; text: () => string } {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } }));
    return { logger, text: () => lines.join('') };
  }

  it('TLS required but no STARTTLS offered: failed (not rejected) after one attempt; sent once the setting is corrected', async () => {
    const { fx, sink } = await setup();
    const job = jobFromFlags(emailJob(), fx.dir);
    const log = capture();
    const url = `smtp://reports:${PASSWORD}@127.0.0.1:${sink.port}`;
    const result = await runPipeline(job, { logger: log.logger, asOf: new Date(AS_OF), reportsDir: fx.reportsDir, mail: { settings: testSettings(url, { requireTls: true }) } });
    expect(result.notify).toMatchObject([{ status: 'failed', attempts: 1, error: { code: 'ETLS' } }]);
    const message = result.notify![0]!.error!.message;
    expect(message).toBe('Error upgrading connection with STARTTLS: 500 Error: command not recognized (the server offers no usable STARTTLS while SMTP_REQUIRE_TLS is true: use an smtps:// URL, or a relay that offers STARTTLS)');
    expect(sink.dataCommands).toBe(0);
    expect(await recordOf(result)).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'ETLS', message } });
    expect(log.text()).toContain('SMTP settings are wrong');
    expect(log.text()).not.toContain(PASSWORD);
    // It was recorded `rejected`, final: the run's email was never sent, even after the setting was fixed.
    const [fixed] = await notifyRun(result, job, { logger: silentLogger, settings: testSettings(sink.url) });
    expect(fixed).toMatchObject({ status: 'sent', previously: false });
    const [again] = await notifyRun(result, job, { logger: silentLogger, settings: testSettings(sink.url) });
    expect(again).toMatchObject({ status: 'sent', previously: true });
    expect(sink.messages).toHaveLength(1);
  });

  it('530 authentication required is a settings failure, not a final rejection', async () => {
    const { fx, sink } = await setup();
    sink.reply({ at: 'mail', code: 530, times: 1 });
    const result = await run(fx, emailJob(), { mail: { settings: testSettings(sink.url) } });
    expect(result.notify).toMatchObject([{ status: 'failed', attempts: 1, error: { response_code: 530 } }]);
    expect(result.notify![0]!.error!.message).toBe('Mail command failed: 530 Rejected by policy (check the user and password in SMTP_URL, URL-encoded, and that the server allows this login over this connection)');
    expect(sink.mailCommands).toBe(1);
    const [later] = await notifyRun(result, jobFromFlags(emailJob(), fx.dir), { logger: silentLogger, settings: testSettings(sink.url) });
    expect(later).toMatchObject({ status: 'sent' });
    expect(sink.messages).toHaveLength(1);
  });

  it('smtps:// to a port without TLS, and an untrusted certificate: one attempt, one line saying what to change', async () => {
    const { fx, sink } = await setup();
    const job = jobFromFlags(emailJob(), fx.dir);
    const log = capture();
    // The deadline would allow many attempts: a wrong port or certificate does not get better by waiting.
    const slow = { deadlineMs: 60_000, backoffMs: 20, backoffMaxMs: 20 };
    const wrongPort = await runPipeline(job, {
      logger: log.logger, asOf: new Date(AS_OF), reportsDir: fx.reportsDir,
      mail: { settings: testSettings(`smtps://reports:${PASSWORD}@127.0.0.1:${sink.port}`, slow) },
    });
    expect(wrongPort.notify).toMatchObject([{ status: 'failed', attempts: 1, error: { code: 'ESOCKET' } }]);
    expect(wrongPort.notify![0]!.error!.message).toBe('TLS handshake failed: wrong version number (the server does not speak TLS from the start on this port: use smtp:// for STARTTLS, usually port 587, and smtps:// for port 465)');

    // smtp-server's own certificate, which no CA signed.
    const tls = new SMTPServer({ secure: true, authOptional: true, logger: false });
    tls.on('error', () => undefined);
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => tls.close(() => resolve())));
    const tlsPort = (tls.server.address() as AddressInfo).port;
    const [untrusted] = await notifyRun(wrongPort, job, { logger: log.logger, settings: testSettings(`smtps://reports:${PASSWORD}@127.0.0.1:${tlsPort}`, slow) });
    expect(untrusted).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'ESOCKET' } });
    expect(untrusted!.error!.message).toMatch(/ \([A-Z_]+: the server's certificate is not trusted; give its CA in SMTP_TLS_CA_FILE, or for an internal relay set SMTP_TLS_REJECT_UNAUTHORIZED=false\)$/);
    expect(log.text()).not.toContain('transient SMTP failure');
    expect(log.text()).not.toContain(PASSWORD);
    expect((await recordOf(wrongPort)).attempts).toBe(2);
  });

  it('smtp:// to a port that says nothing (one that speaks TLS from the start): the line names smtps://, not only an outage', async () => {
    const { fx } = await setup();
    // A server that accepts the connection and waits for a TLS handshake, as port 465 does: no greeting.
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => silent.close(() => resolve())));
    const port = (silent.address() as AddressInfo).port;
    const result = await run(fx, emailJob(), { mail: { settings: testSettings(`smtp://127.0.0.1:${port}`, { timeoutMs: 300, deadlineMs: 400, backoffMs: 20, backoffMaxMs: 20 }) } });
    expect(result.notify).toMatchObject([{ status: 'failed', retryable: true }]);
    expect(result.notify![0]!.error!.message).toBe('Greeting never received (the server sent no SMTP greeting: if this port speaks TLS from the start, usually 465, use an smtps:// URL)');
  });
});

describe('failure notice', () => {
  it('tells the ops recipients once per failure, with the error a user can act on', async () => {
    const { fx, sink } = await setup();
    const job: JobInput = { ...emailJob(), inputs: [{ path: 'missing.csv' }] };
    const effects = { mail: { settings: testSettings(sink.url) } };
    await expect(run(fx, job, effects)).rejects.toMatchObject({ code: 'INPUT' });
    await expect(run(fx, job, effects)).rejects.toMatchObject({ code: 'INPUT' });
    expect(sink.messages).toHaveLength(1);
    const m: ParsedMail = sink.messages[0]!;
    expect(addresses(m.to)).toEqual(['ops@example.com']);
    expect(m.subject).toBe(`LTV run failed: job adhoc, tenant ${TENANT}, as of 2026-03-16`);
    expect(m.text).toMatch(/Error: +INPUT: .*missing\.csv/);
    expect(m.text).toContain('the previous report stays served');
    expect(m.html as string).toContain('Acme &lt;Shop&gt;');
    expect(m.messageId).toMatch(/^<ltv\.failure\.20260316T150000Z\.[0-9a-f]{20}@example\.com>$/);
    const notices = await readdir(join(fx.reportsDir, '.failed', 'notices'));
    expect(notices.filter((n) => n.endsWith('.json'))).toHaveLength(1);
  });

  it('waits for the final attempt of a retryable failure, and sends nothing with --no-email', async () => {
    const { fx, sink } = await setup();
    // A file that is not CSV at all fails as INPUT (not retryable): a notice even when attempts remain.
    const job: JobInput = { ...emailJob(), inputs: [{ path: 'missing.csv' }] };
    await expect(run(fx, job, { email: 'off', mail: { settings: testSettings(sink.url) } })).rejects.toMatchObject({ code: 'INPUT' });
    expect(sink.messages).toHaveLength(0);
    await expect(run(fx, job, { finalAttempt: false, mail: { settings: testSettings(sink.url) } })).rejects.toMatchObject({ code: 'INPUT' });
    expect(sink.messages).toHaveLength(1);
  });
});

describe('failure notice when the reports disk cannot be written', () => {
  it('is sent though its record cannot be written (a read-only reports directory, as root sees one: a read-only mount)', async () => {
    const { fx, sink } = await setup();
    const ro = join(fx.dir, 'ro');
    await mkdir(ro);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', ro]);
    try {
      const err = await run({ ...fx, reportsDir: join(ro, 'reports') }, emailJob(), { mail: { settings: testSettings(sink.url) } }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'PUBLISH' });
      expect((err as Error).message).toMatch(/cannot write the reports directory .*ro\/reports \(EROFS\)/);
      expect(sink.messages).toHaveLength(1);
      expect(addresses(sink.messages[0]!.to)).toEqual(['ops@example.com']);
      expect(sink.messages[0]!.text).toMatch(/EROFS/);
    } finally {
      execFileSync('umount', [ro]);
    }
  });
});

describe('dry run', () => {
  it('writes the message as an .eml file in the notify folder and sends nothing', async () => {
    const { fx, sink } = await setup();
    const result = await run(fx, emailJob(), { email: 'dry-run', mail: { settings: testSettings(sink.url, { from: null }) } });
    const [outcome] = result.notify!;
    expect(outcome).toMatchObject({ status: 'dry-run', record: null });
    expect(outcome!.eml).toBe(join(fx.reportsDir, tenantDirName(TENANT), 'notify', `${result.tenants[0]!.runId}.eml`));
    expect(sink.dataCommands).toBe(0);
    const m = await simpleParser(await readFile(outcome!.eml!), { keepCidLinks: true });
    expect(m.subject).toContain('30.00 USD at 90 days');
    expect(m.attachments.map((a) => a.contentType).sort()).toEqual(['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'image/png']);
    // A dry run is not a delivery: the real send afterwards still happens.
    const [sent] = await notifyRun(result, jobFromFlags(emailJob(), fx.dir), { logger: silentLogger, settings: testSettings(sink.url) });
    expect(sent).toMatchObject({ status: 'sent' });
  });
});
