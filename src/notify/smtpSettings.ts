// SMTP and email settings from the environment, parsed once (STYLE habit 6). Kept apart from
// src/config/env.ts (the worker's) so `ltv run` can send mail without any queue setting; when both exist
// the worker's loader can spread these in. Documented in src/notify/README.md.
import addressparser from 'nodemailer/lib/addressparser';
import { z } from '../config/zod.js';
import { AppError } from '../config/AppError.js';
import { envIssues } from '../config/env.js';
import { parseDuration } from '../config/parseDuration.js';

/** "90s", "15m", "6h", "1d", or plain milliseconds (shared with the job's alert_after). */
export { parseDuration };

const duration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === null) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration (e.g. "90s", "15m", "6h" or milliseconds)` });
    return z.NEVER;
  }
  return ms;
});

const flag = z
  .string()
  .transform((s) => s.trim().toLowerCase())
  .refine((s) => ['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'].includes(s), 'expected true or false')
  .transform((s) => ['1', 'true', 'yes', 'on'].includes(s));

export const SmtpEnvSchema = z.object({
  /** smtp://user:pass@host:587 (STARTTLS when offered) or smtps://user:pass@host:465 (TLS from the start). */
  SMTP_URL: z
    .string()
    .refine((u) => /^smtps?:\/\/[^/]/i.test(u) && URL.canParse(u), 'an smtp:// or smtps:// URL, e.g. smtps://user:pass@smtp.example.com:465')
    .optional(),
  /** The From header and envelope sender: `reports@example.com` or `"LTV reports" <reports@example.com>`. */
  SMTP_FROM: z
    .string()
    .superRefine((text, ctx) => {
      if (!isOneAddress(text)) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(text)} is not one sender address; set it to e.g. reports@example.com or "LTV reports" <reports@example.com>` });
    })
    .optional(),
  /** "false" accepts self-signed or mismatched certificates (an internal relay); default true. */
  SMTP_TLS_REJECT_UNAUTHORIZED: flag.default(true),
  /** A PEM file of the CA that signed the relay's certificate. */
  SMTP_TLS_CA_FILE: z.string().min(1).optional(),
  /** Fail rather than send in clear text when an smtp:// server does not offer STARTTLS. */
  SMTP_REQUIRE_TLS: flag.default(false),
  /** Connect, greeting and socket timeouts of one attempt. */
  SMTP_TIMEOUT: duration.default(30_000),
  /** How long a message is retried (transient failures: 4xx, connection refused, timeouts) before giving up. */
  LTV_EMAIL_DEADLINE: duration.default(10 * 60_000),
  /** First retry delay; doubles per attempt up to LTV_EMAIL_BACKOFF_MAX. */
  LTV_EMAIL_BACKOFF: duration.default(5_000),
  LTV_EMAIL_BACKOFF_MAX: duration.default(5 * 60_000),
  /** Write the message as an .eml file in the notify folder instead of sending it. */
  LTV_EMAIL_DRY_RUN: flag.default(false),
});

/**
 * Exactly one address, bare or with a name (`"LTV reports" <reports@example.com>`): anything else ("not an
 * address", a list, a group) went out with no From header and an empty envelope sender.
 */
function isOneAddress(text: string): boolean {
  const parsed = addressparser(text);
  const one = parsed.length === 1 ? parsed[0] : undefined;
  return one !== undefined && !('group' in one && one.group) && /^[^@\s<>]+@[^@\s<>.][^@\s<>]*$/u.test(one.address ?? '');
}

export interface SmtpSettings {
  url: string | null;
  from: string | null;
  tls: { rejectUnauthorized: boolean; caFile: string | null };
  requireTls: boolean;
  timeoutMs: number;
  deadlineMs: number;
  backoffMs: number;
  backoffMaxMs: number;
  dryRun: boolean;
}

export function loadSmtpSettings(source: NodeJS.ProcessEnv = process.env): Readonly<SmtpSettings> {
  // An empty variable (`FOO=` in a compose file) means "not set", as in the worker's env loader.
  const present = Object.fromEntries(Object.entries(source).filter(([k, v]) => k in SmtpEnvSchema.shape && v !== undefined && v !== ''));
  const parsed = SmtpEnvSchema.safeParse(present);
  if (!parsed.success) {
    throw new AppError('CONFIG', envIssues(parsed.error.issues, present));
  }
  const e = parsed.data;
  return Object.freeze({
    url: e.SMTP_URL ?? null,
    from: e.SMTP_FROM ?? null,
    tls: Object.freeze({ rejectUnauthorized: e.SMTP_TLS_REJECT_UNAUTHORIZED, caFile: e.SMTP_TLS_CA_FILE ?? null }),
    requireTls: e.SMTP_REQUIRE_TLS,
    timeoutMs: e.SMTP_TIMEOUT,
    deadlineMs: e.LTV_EMAIL_DEADLINE,
    backoffMs: e.LTV_EMAIL_BACKOFF,
    backoffMaxMs: Math.max(e.LTV_EMAIL_BACKOFF_MAX, e.LTV_EMAIL_BACKOFF),
    dryRun: e.LTV_EMAIL_DRY_RUN,
  });
}

const WHAT_TO_SET = {
  SMTP_URL: 'the mail server, e.g. smtps://user:pass@smtp.example.com:465',
  SMTP_FROM: 'the sender, e.g. reports@example.com',
} as const;

/**
 * What must be set before a message can be sent, all in one line (null: nothing): naming one variable at a
 * time made a user find the second only on the next run. A dry run needs neither; an injected transport no URL.
 */
export function unsetSmtpSettings(settings: SmtpSettings, needs: { url: boolean }): string | null {
  const unset = (['SMTP_URL', 'SMTP_FROM'] as const).filter((v) => (v === 'SMTP_URL' ? needs.url && settings.url === null : settings.from === null));
  if (unset.length === 0) return null;
  const verb = unset.length === 1 ? 'is' : 'are';
  return `environment: ${unset.join(' and ')} ${verb} not set; set ${unset.map((v) => `${v} to ${WHAT_TO_SET[v]}`).join(', and ')} (src/notify/README.md)`;
}

/** The URL without its password, for logs and records. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'smtp://(unparseable)';
  }
}
