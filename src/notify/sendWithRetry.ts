// nodemailer sends once and reports why it failed (DEPENDENCIES.md); this decides what to do about it.
// RFC 5321: a 4xx reply is transient (retry), 5xx permanent (do not). A connection refused, a timeout
// or a dropped connection has no reply at all: transient too (the server may be restarting). Wrong
// credentials or settings will not fix themselves within a deadline: not retried, but not final either.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { SendMailOptions } from 'nodemailer';
import type { MailTransport } from './createMailTransport.js';
import type { SmtpErrorInfo } from './notifyRecord.js';

export interface RetryPolicy {
  /** Stop retrying once this much time has passed since the first attempt. */
  deadlineMs: number;
  /** First delay; doubles per attempt, capped at backoffMaxMs. */
  backoffMs: number;
  backoffMaxMs: number;
}

export type SendOutcome =
  | { status: 'sent'; attempts: number; response: string; accepted: string[]; rejected: string[] }
  | { status: 'rejected'; attempts: number; error: SmtpErrorInfo }
  | { status: 'failed'; attempts: number; reason: 'deadline' | 'config' | 'aborted'; error: SmtpErrorInfo };

export type ErrorKind = 'transient' | 'permanent' | 'config';

const CONFIG_CODES = new Set(['EAUTH', 'ENOAUTH', 'EOAUTH2', 'ECONFIG', 'EFILEACCESS', 'EURLACCESS']);

export function classifySmtpError(err: unknown): ErrorKind {
  const e = err as { code?: unknown; responseCode?: unknown };
  if (typeof e.code === 'string' && CONFIG_CODES.has(e.code)) return 'config';
  if (typeof e.responseCode === 'number' && e.responseCode >= 500 && e.responseCode < 600) return 'permanent';
  return 'transient';
}

export function smtpErrorInfo(err: unknown): SmtpErrorInfo {
  const e = err as { code?: unknown; responseCode?: unknown; message?: unknown };
  return {
    code: typeof e.code === 'string' ? e.code : null,
    response_code: typeof e.responseCode === 'number' ? e.responseCode : null,
    message: typeof e.message === 'string' ? e.message : String(err),
  };
}

export interface SendEffects {
  logger: Logger;
  signal?: AbortSignal;
  /** Called before each attempt (the record counts attempts). */
  onAttempt?: (attempt: number) => Promise<void> | void;
}

export async function sendWithRetry(transport: MailTransport, message: SendMailOptions, policy: RetryPolicy, effects: SendEffects): Promise<SendOutcome> {
  const started = Date.now();
  const log = effects.logger;
  for (let attempt = 1; ; attempt++) {
    if (effects.signal?.aborted) {
      return { status: 'failed', attempts: attempt - 1, reason: 'aborted', error: { code: 'EABORT', response_code: null, message: 'cancelled before sending' } };
    }
    await effects.onAttempt?.(attempt);
    try {
      const info = (await transport.sendMail({ ...message, ...(effects.signal ? { signal: effects.signal } : {}) })) as {
        response?: string;
        accepted?: unknown[];
        rejected?: unknown[];
      };
      const accepted = (info.accepted ?? []).map(addressText);
      const rejected = (info.rejected ?? []).map(addressText);
      if (rejected.length) log.warn({ rejected, accepted }, 'email: the server refused some recipients and accepted the others');
      return { status: 'sent', attempts: attempt, response: String(info.response ?? ''), accepted, rejected };
    } catch (err) {
      const error = smtpErrorInfo(err);
      if (effects.signal?.aborted) return { status: 'failed', attempts: attempt, reason: 'aborted', error };
      const kind = classifySmtpError(err);
      if (kind === 'permanent') {
        log.error({ attempt, error }, 'email: permanently rejected by the SMTP server; not retried');
        return { status: 'rejected', attempts: attempt, error };
      }
      if (kind === 'config') {
        log.error({ attempt, error }, 'email: SMTP settings are wrong (authentication or configuration); not retried');
        return { status: 'failed', attempts: attempt, reason: 'config', error };
      }
      const delay = Math.min(policy.backoffMaxMs, policy.backoffMs * 2 ** (attempt - 1));
      const elapsed = Date.now() - started;
      if (elapsed + delay > policy.deadlineMs) {
        log.error({ attempt, error, elapsed_ms: elapsed }, 'email: SMTP still failing at the deadline; giving up for now');
        return { status: 'failed', attempts: attempt, reason: 'deadline', error };
      }
      log.warn({ attempt, error, retry_in_ms: delay }, 'email: transient SMTP failure; retrying');
      try {
        await sleep(delay, undefined, effects.signal ? { signal: effects.signal } : {});
      } catch {
        return { status: 'failed', attempts: attempt, reason: 'aborted', error };
      }
    }
  }
}

function addressText(a: unknown): string {
  if (typeof a === 'string') return a;
  const o = a as { address?: unknown };
  return typeof o?.address === 'string' ? o.address : String(a);
}
