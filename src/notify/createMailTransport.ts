// The one place a nodemailer SMTP transport is built from the settings. Tests and the worker may inject
// their own transport instead (STYLE habit 7); everything else goes through here.
import { readFileSync } from 'node:fs';
import { createTransport, type Transporter } from 'nodemailer';
import { AppError } from '../config/AppError.js';
import type { SmtpSettings } from './smtpSettings.js';

export type MailTransport = Transporter;

export function createMailTransport(settings: SmtpSettings): MailTransport {
  if (settings.url === null) throw new AppError('CONFIG', 'environment: SMTP_URL is not set (e.g. smtps://user:pass@smtp.example.com:465)');
  let ca: Buffer | undefined;
  if (settings.tls.caFile !== null) {
    try {
      ca = readFileSync(settings.tls.caFile);
    } catch (e) {
      throw new AppError('CONFIG', `environment: SMTP_TLS_CA_FILE: cannot read ${settings.tls.caFile}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
  }
  return createTransport({
    // Options given in the URL (host, port, secure, auth, query parameters) win over these.
    url: settings.url,
    tls: { rejectUnauthorized: settings.tls.rejectUnauthorized, ...(ca ? { ca } : {}) },
    requireTLS: settings.requireTls,
    connectionTimeout: settings.timeoutMs,
    greetingTimeout: settings.timeoutMs,
    // A second longer: a server that says nothing after the connection (a port that speaks TLS from the
    // start, reached with smtp://) is then always "Greeting never received", which the failure's line
    // explains, never the idle socket's bare "Timeout" that raced it.
    socketTimeout: settings.timeoutMs + 1_000,
    // nodemailer never retries (DEPENDENCIES.md): sendWithRetry does, over a fresh connection each time.
    pool: false,
  });
}
