// The notify step's small decisions, each on its own: settings from the environment, what counts as a
// transient SMTP failure, the subject, the headline number, the heatmap's HTML, the failure notice's text.
import { describe, expect, it } from 'vitest';
import type { TenantReport } from '../../src/ltv/model.js';
import { composeFailureEmail } from '../../src/notify/composeFailureEmail.js';
import { formatSubject } from '../../src/notify/formatSubject.js';
import { buildEml } from '../../src/notify/deliverOnce.js';
import { simpleParser } from 'mailparser';
import { formatAmount, formatMoney } from '../../src/format/money.js';
import { headlineLtv } from '../../src/notify/headlineLtv.js';
import { heatColour, heatmapHtml } from '../../src/notify/heatmapHtml.js';
import { emailMatrix, heatmapView } from '../../src/notify/heatmapView.js';
import { shownNote } from '../../src/notify/runEmailHtml.js';
import { messageId } from '../../src/notify/messageId.js';
import { inputFileLines } from '../../src/notify/inputLines.js';
import { classifySmtpError } from '../../src/notify/sendWithRetry.js';
import { loadSmtpSettings, parseDuration, redactUrl, unsetSmtpSettings } from '../../src/notify/smtpSettings.js';
import { dailyReport } from '../helpers/dailyReport.js';
import { INJECTION_SEGMENT, sampleReport } from '../helpers/sampleReport.js';

describe('loadSmtpSettings', () => {
  it('reads the URL, From, TLS options and durations, with defaults', () => {
    const s = loadSmtpSettings({
      SMTP_URL: 'smtps://u:p@smtp.example.com:465',
      SMTP_FROM: 'LTV <r@example.com>',
      SMTP_TLS_REJECT_UNAUTHORIZED: 'false',
      LTV_EMAIL_DEADLINE: '2h',
      LTV_EMAIL_DRY_RUN: '1',
      SMTP_TIMEOUT: '',
    });
    expect(s).toMatchObject({
      url: 'smtps://u:p@smtp.example.com:465',
      from: 'LTV <r@example.com>',
      tls: { rejectUnauthorized: false, caFile: null },
      requireTls: false,
      timeoutMs: 30_000,
      deadlineMs: 7_200_000,
      backoffMs: 5_000,
      dryRun: true,
    });
    expect(loadSmtpSettings({})).toMatchObject({ url: null, from: null, deadlineMs: 600_000, dryRun: false });
  });

  it('names the variable that is wrong', () => {
    expect(() => loadSmtpSettings({ SMTP_URL: 'http://x' })).toThrow(/environment: SMTP_URL: an smtp:\/\/ or smtps:\/\/ URL/);
    expect(() => loadSmtpSettings({ LTV_EMAIL_DEADLINE: 'soon' })).toThrow(/LTV_EMAIL_DEADLINE: "soon" is not a duration/);
    expect(() => loadSmtpSettings({ LTV_EMAIL_DRY_RUN: 'maybe' })).toThrow(/LTV_EMAIL_DRY_RUN: expected true or false/);
    // Accepted before: the mail went out with no From header and MAIL FROM:<>.
    for (const from of ['not an address', 'a@b.c, d@e.f', 'r@', 'Team: r@example.com;']) {
      expect(() => loadSmtpSettings({ SMTP_FROM: from })).toThrow(`environment: SMTP_FROM: ${JSON.stringify(from)} is not one sender address; set it to e.g. reports@example.com or "LTV reports" <reports@example.com>`);
    }
    expect(loadSmtpSettings({ SMTP_FROM: '"LTV reports" <reports@example.com>' }).from).toBe('"LTV reports" <reports@example.com>');
    expect(loadSmtpSettings({ SMTP_FROM: 'reports@bücher.example' }).from).toBe('reports@bücher.example');
  });

  it('names every unset variable needed to send at once; a dry run needs none, an injected transport no URL', () => {
    const none = loadSmtpSettings({});
    expect(unsetSmtpSettings(none, { url: true })).toBe(
      'environment: SMTP_URL and SMTP_FROM are not set; set SMTP_URL to the mail server, e.g. smtps://user:pass@smtp.example.com:465, and SMTP_FROM to the sender, e.g. reports@example.com (src/notify/README.md)',
    );
    expect(unsetSmtpSettings(none, { url: false })).toBe('environment: SMTP_FROM is not set; set SMTP_FROM to the sender, e.g. reports@example.com (src/notify/README.md)');
    expect(unsetSmtpSettings(loadSmtpSettings({ SMTP_FROM: 'r@example.com' }), { url: true })).toMatch(/^environment: SMTP_URL is not set; set SMTP_URL to the mail server/);
    expect(unsetSmtpSettings(loadSmtpSettings({ SMTP_URL: 'smtp://h:25', SMTP_FROM: 'r@example.com' }), { url: true })).toBeNull();
  });

  it('parses durations and hides passwords', () => {
    expect([parseDuration('90s'), parseDuration('15m'), parseDuration('1.5h'), parseDuration('250'), parseDuration('x')]).toEqual([90_000, 900_000, 5_400_000, 250, null]);
    expect(redactUrl('smtps://user:secret@smtp.example.com:465')).toBe('smtps://user:***@smtp.example.com:465');
  });
});

describe('classifySmtpError', () => {
  it('retries 4xx and replies that never came; not 5xx; not wrong credentials', () => {
    expect(classifySmtpError({ code: 'EENVELOPE', responseCode: 451 })).toBe('transient');
    expect(classifySmtpError({ code: 'ESOCKET' })).toBe('transient');
    expect(classifySmtpError({ code: 'ETIMEDOUT' })).toBe('transient');
    expect(classifySmtpError({ code: 'EMESSAGE', responseCode: 552 })).toBe('permanent');
    expect(classifySmtpError({ code: 'EENVELOPE', responseCode: 550 })).toBe('permanent');
    expect(classifySmtpError({ code: 'EAUTH', responseCode: 535 })).toBe('config');
  });
});

describe('the inputs\' lines', () => {
  it('keeps each input on one line, whatever its file name holds (a line break in a name began a line "Bcc: …" of its own)', () => {
    const inputs = [
      { path: '/srv/exports/-1+2\nBcc: evil@example.com.csv', format: 'csv', rows: 3000, quarantined: 5 },
      { path: '/srv/exports/b\r\u2028c.csv', format: 'csv', rows: 1, quarantined: 0 },
    ];
    expect(inputFileLines({ inputs })).toEqual([
      '-1+2\u240aBcc: evil@example.com.csv: 3,000 rows, 5 quarantined',
      'b\u240d[U+2028]c.csv: 1 row, 0 quarantined',
    ]);
  });
});

describe('subject and headline', () => {
  it('fills the placeholders, keeps unknown ones, and stays one line', () => {
    const vars = { tenant: 'acme\r\nBcc: x@evil', date: '2026-03-16', ltv: '52.60', currency: 'USD', horizon: '90 days', job: 'nightly' };
    expect(formatSubject('{job}: {tenant} {date} {ltv} {currency} at {horizon} {oops}', vars)).toBe('nightly: acme Bcc: x@evil 2026-03-16 52.60 USD at 90 days {oops}');
    // A bidi override is shown, as in the email's parts (it reordered the rest of the subject), and ESC too.
    expect(formatSubject('LTV report {tenant} {date}', { ...vars, tenant: '\u202eevil\u001b[2J' })).toBe('LTV report [U+202E]evil\u241b[2J 2026-03-16');
    // U+2028 and U+2029 end a line too (they went into the Subject raw).
    expect(formatSubject('LTV report {tenant} {date}', { ...vars, tenant: 'tab\u2028ls\u2029ps' })).toBe('LTV report tab ls ps 2026-03-16');
  });

  it('cuts a long placeholder value (a tenant id may be 1,024 characters): a header line holds at most 998', async () => {
    const vars = { tenant: 'L'.repeat(1024), date: '2026-03-16', ltv: '52.60', currency: 'USD', horizon: '90 days', job: 'nightly' };
    expect(formatSubject('LTV report {tenant} {date}: {ltv} {currency} at {horizon}', vars)).toBe(`LTV report ${'L'.repeat(119)}… 2026-03-16: 52.60 USD at 90 days`);
    // As sent: every line of the message's header within RFC 5322's limit (it was one of 1,025 characters).
    const failure = { job: 'nightly', asOf: '2026-03-16T06:00:00Z', timezone: 'UTC', code: 'DATA', message: 'too many bad rows', retryable: false };
    const mail = composeFailureEmail({ ...failure, tenant: 'L'.repeat(1024) }, ['ops@example.com'], { from: 'ltv@example.com', messageId: '<f@example.com>' });
    const raw = (await buildEml(mail)).toString('utf8');
    const head = raw.slice(0, raw.indexOf('\r\n\r\n')).split('\r\n');
    expect(Math.max(...head.map((l) => l.length))).toBeLessThanOrEqual(998);
    expect((await simpleParser(raw)).subject).toBe(`LTV run failed: job nightly, tenant ${'L'.repeat(119)}…, as of 2026-03-16`);
  });

  it('says there are no paying customers in place of the headline\'s placeholders when there are none', () => {
    const vars = { tenant: 'zero', date: '2026-03-01', ltv: 'n/a', currency: 'JPY', horizon: '90 days', job: 'nightly' };
    const none = { noCustomers: true };
    expect(formatSubject('LTV report {tenant} {date}: {ltv} {currency} at {horizon}', vars, none)).toBe('LTV report zero 2026-03-01: no paying customers yet');
    expect(formatSubject('{job}: {currency} {ltv} for {tenant}', vars, none)).toBe('nightly: no paying customers yet for zero');
    expect(formatSubject('{tenant}: LTV {ltv} ({job})', vars, none)).toBe('zero: LTV no paying customers yet (nightly)');
    // A template without {ltv} is left as it is.
    expect(formatSubject('{tenant} {date} in {currency}', vars, none)).toBe('zero 2026-03-01 in JPY');
    // With customers the placeholders are filled as ever.
    expect(formatSubject('LTV report {tenant} {date}: {ltv} {currency} at {horizon}', vars)).toBe('LTV report zero 2026-03-01: n/a JPY at 90 days');
  });

  it('takes 90 days, else 30 days, else the latest Total value', () => {
    const r = sampleReport();
    expect(headlineLtv({ ...r, summary: { ...r.summary, average_ltv_90d: 21.5, average_ltv_30d: 9 } })).toEqual({ value: 21.5, horizon: '90 days' });
    expect(headlineLtv({ ...r, summary: { ...r.summary, average_ltv_90d: null, average_ltv_30d: 9 } })).toEqual({ value: 9, horizon: '30 days' });
    // sampleReport's monthly Total row ends at month 5 with 22.40.
    expect(headlineLtv({ ...r, summary: { ...r.summary, average_ltv_90d: null, average_ltv_30d: null } })).toEqual({ value: 22.4, horizon: 'month 5' });
    const empty: TenantReport = { ...r, matrices: [], summary: { ...r.summary, average_ltv_90d: null, average_ltv_30d: null } };
    expect(headlineLtv(empty)).toEqual({ value: null, horizon: '90 days' });
  });

  it('formats money with the currency symbol and rounds whole units half away from zero', () => {
    expect([formatMoney(1234.5, 'USD'), formatMoney(-1.25, 'EUR'), formatMoney(3, 'CHF')]).toEqual(['$1,234.50', '-€1.25', 'CHF 3.00']);
    expect([formatAmount(2.5, 0), formatAmount(-2.5, 0), formatAmount(-0.4, 0)]).toEqual(['3', '-3', '0']);
  });

  it('gives the same run the same Message-ID, under the From domain', () => {
    const a = messageId('run', '20260316T150000Z', ['nightly', 'acme', '20260316T150000Z'], 'LTV <r@Example.com>');
    expect(a).toBe(messageId('run', '20260316T150000Z', ['nightly', 'acme', '20260316T150000Z'], 'LTV <r@Example.com>'));
    expect(a).toMatch(/^<ltv\.run\.20260316T150000Z\.[0-9a-f]{20}@example\.com>$/);
    expect(a).not.toBe(messageId('run', '20260316T150000Z', ['nightly', 'acme2', '20260316T150000Z'], 'LTV <r@example.com>'));
  });

  it('puts an internationalised From domain in its punycode (ASCII) form', () => {
    // RFC 3492's own example: "bücher" is "xn--bcher-kva". It was ltv.localhost: only ASCII domains matched.
    const id = (from: string | null): string => messageId('run', '20260316T150000Z', ['nightly', 'acme'], from);
    expect(id('"X" <reports@bücher.example>')).toMatch(/@xn--bcher-kva\.example>$/);
    expect(id('reports@BÜCHER.example')).toMatch(/@xn--bcher-kva\.example>$/);
    expect(id('LTV <r@mail.example.com>')).toMatch(/@mail\.example\.com>$/);
    // No domain, or none that is one: the fallback.
    expect(id(null)).toMatch(/@ltv\.localhost>$/);
    expect(id('reports')).toMatch(/@ltv\.localhost>$/);
    expect(id('r@[127.0.0.1]')).toMatch(/@ltv\.localhost>$/);
  });
});

describe('heatmapHtml', () => {
  it('styles every cell inline, escapes titles, marks partial cells, and scales white to green', () => {
    const r = sampleReport();
    const byCountry = r.matrices.find((m) => m.segmentation === 'country')!;
    const html = heatmapHtml(heatmapView(byCountry));
    expect(html).not.toMatch(/<style|class=/);
    expect(html).toContain('=HYPERLINK(&quot;http://x&quot;,&quot;y&quot;)');
    expect(html).not.toContain(INJECTION_SEGMENT);
    const view = heatmapView(emailMatrix(r)!);
    expect(view.rows.map((x) => x.title)).toEqual(['2025-10-01', '2025-11-01', '2025-12-01', '2026-01-01', '2026-02-01', '2026-03-01']);
    expect([heatColour(view, view.min), heatColour(view, view.max)]).toEqual(['#ffffff', '#63be7b']);
    expect(heatmapHtml(view)).toMatch(/2026-03-01<\/td><td[^>]*>320<\/td><td[^>]*font-style:italic;color:#333333[^>]*>-1\.25\*<\/td>/);
    // The Total row is marked where under 90 % of its customers are complete: all six periods of the sample
    // (1070/1630 = 66 % at month 0, …); with 1630/1630 at month 0 it reads final there.
    expect(heatmapHtml(view)).toMatch(/>Total<\/td><td[^>]*>1,630<\/td><td[^>]*font-style:italic[^>]*>9\.87\*<\/td>/);
    view.total!.cells[0]!.complete_customers = 1630;
    expect(heatmapHtml(view)).toMatch(/>Total<\/td><td[^>]*>1,630<\/td><td[^>]*color:#1a1a1a;[^>]*>9\.87<\/td>/);
  });

  it('says what of the matrix it shows, a count of one in the singular', () => {
    const view = heatmapView(emailMatrix(sampleReport())!, { cohorts: 1, periods: 2 });
    // sampleReport's monthly matrix: 6 cohorts, periods 0–5.
    expect(shownNote({ heatmap: view })).toBe('the newest 1 of 6 cohorts, periods 0–1 of 0–5');
    expect(shownNote({ heatmap: { ...view, hiddenRows: 0 } })).toBe('the 1 cohort, periods 0–1 of 0–5');
    expect(shownNote({ heatmap: heatmapView(emailMatrix(sampleReport())!, { periods: 2 }) })).toBe('all 6 cohorts, periods 0–1 of 0–5');
  });

  it('keeps a two-year daily report within Gmail\'s ~102 KB before it clips a message', () => {
    const report = dailyReport(730);
    const view = heatmapView(emailMatrix(report)!);
    expect(view.rows).toHaveLength(13);
    expect(view.periods).toHaveLength(13);
    expect(view.hiddenRows).toBeGreaterThan(700);
    expect(heatmapHtml(view).length).toBeLessThan(60_000);
  });
});

describe('the failure notice', () => {
  const failure = { job: 'nightly', asOf: '2026-03-16T06:00:00Z', timezone: 'UTC', code: 'DATA', message: 'too many bad rows', retryable: false };

  it('keeps each row of its text part on one line, a tenant id with CR LF included', () => {
    // Before: "Tenant:  x" was followed by a line of its own, "Bcc: evil@x.example".
    const mail = composeFailureEmail({ ...failure, tenant: 'x\r\nBcc: evil@x.example' }, ['ops@example.com'], { from: 'ltv@example.com', messageId: '<f@example.com>' });
    const lines = (mail.text as string).split('\n');
    expect(lines).toContain('Tenant:  x\u240d\u240aBcc: evil@x.example');
    expect(lines.filter((l) => /^Bcc:/i.test(l))).toEqual([]);
    expect(mail.text).not.toMatch(/\r/);
  });

  it('writes an early year with four digits (year 1 was "1-01-01", and the subject\'s date "1-01-01 00")', () => {
    // Berlin kept local mean time then: +0:53:28.
    const mail = composeFailureEmail({ ...failure, tenant: 'gamma', asOf: '0001-01-01T00:00:00Z', timezone: 'Europe/Berlin' }, ['ops@example.com'], { from: 'ltv@example.com', messageId: '<f@example.com>' });
    expect(mail.subject).toBe('LTV run failed: job nightly, tenant gamma, as of 0001-01-01');
    expect(mail.text).toContain('As of:   0001-01-01 00:53 (Europe/Berlin)\n');
  });

  it('shows a tenant id once, in the subject, the HTML title and the text part', () => {
    const mail = composeFailureEmail({ ...failure, tenant: 'shop\u0002' }, ['ops@example.com'], { from: 'ltv@example.com', messageId: '<f@example.com>' });
    expect(mail.subject).toContain('tenant shop\u2402');
    expect(mail.html).toContain('<title>LTV run failed: job nightly, tenant shop\u2402, as of 2026-03-16</title>');
    expect(mail.text).toContain('Tenant:  shop\u2402\n');
  });
});
