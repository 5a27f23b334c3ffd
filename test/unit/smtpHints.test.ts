// What a failed email's one line tells the user to change (src/notify/sendWithRetry.ts settingsHint,
// src/cli/emailLine.ts), for the failures whose generic hint pointed at the wrong fix.
import { X509Certificate } from 'node:crypto';
import { checkServerIdentity } from 'node:tls';
// smtp-server's own certificate for localhost (what its TLS server presents by default).
import getTlsOptions from 'smtp-server/lib/tls-options.js';
import { describe, expect, it } from 'vitest';
import { emailLine } from '../../src/cli/emailLine.js';
import { classifySmtpError, smtpErrorInfo } from '../../src/notify/sendWithRetry.js';

describe('SMTP failure hints', () => {
  it('a certificate for another host name says to write that name in SMTP_URL (it said to give the CA, which was given)', () => {
    // Node's own check of a certificate issued to localhost, reached as 127.0.0.1 (SMTP_URL smtps://127.0.0.1).
    const cert = new X509Certificate((getTlsOptions as (o: object) => { cert: string })({}).cert).toLegacyObject();
    const err = checkServerIdentity('127.0.0.1', cert)!;
    expect((err as NodeJS.ErrnoException).code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    // nodemailer keeps the socket error's code as originalCode.
    const wrapped = Object.assign(err, { code: 'ESOCKET', originalCode: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    expect(classifySmtpError(wrapped)).toBe('config');
    expect(smtpErrorInfo(wrapped).message).toBe(`${err.message.trim()} (ERR_TLS_CERT_ALTNAME_INVALID: the server's certificate is for another host name than SMTP_URL's: write the name it was issued for in SMTP_URL, or for an internal relay set SMTP_TLS_REJECT_UNAUTHORIZED=false)`);
  });

  it('a server that answered 4xx until the deadline is not said to be down', () => {
    const deferred = { kind: 'run' as const, key: { tenant: 't', run_id: 'r' }, record: '/r.json', status: 'failed' as const, previously: false, messageId: '<m@x>', attempts: 9, retryable: true,
      error: { code: 'EENVELOPE', response_code: 451, message: 'Can\'t send mail - all recipients were rejected: 451 Try again later' } };
    expect(emailLine(deferred, 'run')).toBe('email not sent: Can\'t send mail - all recipients were rejected: 451 Try again later (the run is published; this run\'s email will not be sent: the SMTP server kept answering 451 (try again later) until LTV_EMAIL_DEADLINE: ask its operator why, and `ltv run` again publishes a new run and emails it)');
    const down = { ...deferred, error: { code: 'ESOCKET', response_code: null, message: 'connect ECONNREFUSED 127.0.0.1:25' } };
    expect(emailLine(down, 'enqueue')).toBe('email not sent: connect ECONNREFUSED 127.0.0.1:25 (the run is published and complete, and nothing sends its email any more: check that the SMTP server in SMTP_URL is up and reachable)');
  });
});
