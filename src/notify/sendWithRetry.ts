// nodemailer sends once and reports why it failed (DEPENDENCIES.md); this decides what to do about it.
// RFC 5321: a 4xx reply is transient (retry), 5xx permanent (do not). A connection refused, a timeout
// or a dropped connection has no reply at all: transient too (the server may be restarting). Wrong
// credentials or settings (a login refused or required, an untrusted certificate, TLS on the wrong port,
// no STARTTLS where it is required) will not fix themselves within a deadline: not retried, and not final
// either, so the next notify of the same run sends once the settings are corrected.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { SendMailOptions } from 'nodemailer';
import type { MailTransport } from './createMailTransport.js';
import type { Delivered, SmtpErrorInfo } from './notifyRecord.js';

export interface RetryPolicy {
  /** Stop retrying once this much time has passed since the first attempt. */
  deadlineMs: number;
  /** First delay; doubles per attempt, capped at backoffMaxMs. */
  backoffMs: number;
  backoffMaxMs: number;
}

export type SendOutcome =
  | { status: 'sent'; attempts: number; response: string; accepted: string[]; rejected: string[]; refusals: Record<string, SmtpErrorInfo> }
  | { status: 'rejected'; attempts: number; error: SmtpErrorInfo }
  | {
    status: 'failed'; attempts: number; reason: 'deadline' | 'config' | 'aborted'; error: SmtpErrorInfo; delivered?: Delivered;
    /**
     * Cancelled while an attempt was under way: these recipients may have the message (once its data has
     * gone out, only the server's reply, which never came, would have said).
     */
    inFlight?: string[];
  };

export type ErrorKind = 'transient' | 'permanent' | 'config';

const CONFIG_CODES = new Set(['EAUTH', 'ENOAUTH', 'EOAUTH2', 'ECONFIG', 'EFILEACCESS', 'EURLACCESS']);
/**
 * Replies about our settings, not the message (RFC 4954, RFC 3207): 530 authentication (or STARTTLS)
 * required, 534 mechanism too weak, 538 encryption required. Recording them as `rejected` (final) meant the
 * run's email was never sent, even after SMTP_URL was corrected.
 */
const CONFIG_REPLIES = new Set([530, 534, 538]);
/** Node's TLS errors (nodemailer keeps them as originalCode): a certificate or a port that will not change by waiting. */
const TLS_SETUP = /^(CERT_|ERR_TLS_CERT|ERR_SSL_WRONG_VERSION_NUMBER|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|HOSTNAME_MISMATCH)/;

interface SmtpError {
  code?: unknown;
  originalCode?: unknown;
  responseCode?: unknown;
  message?: unknown;
}

export function classifySmtpError(err: unknown): ErrorKind {
  const e = err as SmtpError;
  const reply = typeof e.responseCode === 'number' ? e.responseCode : null;
  if (typeof e.code === 'string' && CONFIG_CODES.has(e.code)) return 'config';
  if (typeof e.originalCode === 'string' && TLS_SETUP.test(e.originalCode)) return 'config';
  // STARTTLS refused or not offered while SMTP_REQUIRE_TLS is set; a 454 "TLS not available now" is transient.
  if (e.code === 'ETLS' && !(reply !== null && reply >= 400 && reply < 500)) return 'config';
  if (reply !== null && CONFIG_REPLIES.has(reply)) return 'config';
  if (reply !== null && reply >= 500 && reply < 600) return 'permanent';
  return 'transient';
}

export function smtpErrorInfo(err: unknown): SmtpErrorInfo {
  const e = err as SmtpError;
  // One line: OpenSSL's errors end in a line break and carry its source file ("…:ssl3_record.c:350:").
  const first = (typeof e.message === 'string' ? e.message : String(err)).split('\n')[0]!.trim();
  // "80FC…:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/…:350:" → its reason.
  const openssl = /^[0-9A-F]+:error:[0-9A-F]+:[^:]*:[^:]*:([^:]+):/.exec(first);
  const raw = openssl ? `TLS handshake failed: ${openssl[1]}` : first;
  return {
    code: typeof e.code === 'string' ? e.code : null,
    response_code: typeof e.responseCode === 'number' ? e.responseCode : null,
    message: `${raw}${settingsHint(e)}`,
  };
}

/** What to change, for the failures that are about the settings rather than the message. */
function settingsHint(e: SmtpError): string {
  const original = typeof e.originalCode === 'string' ? e.originalCode : '';
  if (original === 'ERR_SSL_WRONG_VERSION_NUMBER') {
    return ' (the server does not speak TLS from the start on this port: use smtp:// for STARTTLS, usually port 587, and smtps:// for port 465)';
  }
  if (original === 'ERR_TLS_CERT_ALTNAME_INVALID' || original === 'HOSTNAME_MISMATCH') {
    return ` (${original}: the server's certificate is for another host name than SMTP_URL's: write the name it was issued for in SMTP_URL, or for an internal relay set SMTP_TLS_REJECT_UNAUTHORIZED=false)`;
  }
  if (TLS_SETUP.test(original)) {
    return ` (${original}: the server's certificate is not trusted; give its CA in SMTP_TLS_CA_FILE, or for an internal relay set SMTP_TLS_REJECT_UNAUTHORIZED=false)`;
  }
  // Connected, and the server said nothing: most often a port that speaks TLS from the start, reached with smtp://.
  if (typeof e.message === 'string' && /^Greeting never received/.test(e.message)) {
    return ' (the server sent no SMTP greeting: if this port speaks TLS from the start, usually 465, use an smtps:// URL)';
  }
  if (e.code === 'ETLS') return ' (the server offers no usable STARTTLS while SMTP_REQUIRE_TLS is true: use an smtps:// URL, or a relay that offers STARTTLS)';
  if (e.code === 'EAUTH' || e.responseCode === 530 || e.responseCode === 534 || e.responseCode === 538) {
    return ' (check the user and password in SMTP_URL, URL-encoded, and that the server allows this login over this connection)';
  }
  return '';
}

export interface SendEffects {
  logger: Logger;
  signal?: AbortSignal;
  /**
   * Called before each attempt (the record counts attempts); with `delivered` when the message already went
   * to some recipients and this attempt is for those the server refused for now (the record keeps it).
   */
  onAttempt?: (attempt: number, delivered: Delivered | undefined) => Promise<void> | void;
  /** An earlier process's partial delivery (its record's): only its `retry` recipients are sent to. */
  resume?: Delivered;
}

/** What nodemailer's SMTP transport resolves with. */
interface SentInfo {
  response?: string;
  accepted?: unknown[];
  rejected?: unknown[];
  /** One error per refused recipient, its reply code in responseCode. */
  rejectedErrors?: unknown[];
  envelope?: { from?: unknown; to?: unknown[] };
}

/** Every recipient of a message (To, Cc, Bcc), as addresses. */
function recipientsOf(message: SendMailOptions): string[] {
  return [message.to, message.cc, message.bcc].flatMap((list) => (list === undefined ? [] : Array.isArray(list) ? list : [list])).map(addressText);
}

export async function sendWithRetry(transport: MailTransport, message: SendMailOptions, policy: RetryPolicy, effects: SendEffects): Promise<SendOutcome> {
  const started = Date.now();
  const log = effects.logger;
  // Once the message is accepted for some recipients, a later attempt goes to the others only, those the
  // server refused for now (4xx: a full mailbox, greylisting, too many recipients): never twice to anyone.
  let sent: { accepted: string[]; response: string; from: string; retry: string[] } | undefined =
    effects.resume ? { accepted: [...effects.resume.accepted], response: effects.resume.response, from: effects.resume.from, retry: [...effects.resume.retry] } : undefined;
  const finalRejected: string[] = [...(effects.resume?.rejected ?? [])];
  /** The server's last reply to each recipient it refused. */
  const refusals: Record<string, SmtpErrorInfo> = { ...(effects.resume?.refusals ?? {}) };
  const delivered = (): Delivered | undefined => (sent ? { ...sent, rejected: [...finalRejected], refusals: { ...refusals } } : undefined);
  /** The wait before the next attempt, or null when it would end past the deadline. */
  const delayAfter = (attempt: number): number | null => {
    const delay = Math.min(policy.backoffMaxMs, policy.backoffMs * 2 ** (attempt - 1));
    return Date.now() - started + delay > policy.deadlineMs ? null : delay;
  };
  /** Waits `delay` ms; false when the run is cancelled meanwhile. */
  const pause = (delay: number): Promise<boolean> =>
    sleep(delay, undefined, effects.signal ? { signal: effects.signal } : {}).then(() => true, () => false);
  const outcome = (attempts: number): SendOutcome => {
    const rejected = [...finalRejected, ...sent!.retry];
    if (rejected.length) log.warn({ rejected, accepted: sent!.accepted }, 'email: the server refused some recipients and accepted the others');
    return { status: 'sent', attempts, response: sent!.response, accepted: sent!.accepted, rejected, refusals: Object.fromEntries(rejected.filter((a) => refusals[a]).map((a) => [a, refusals[a]!])) };
  };
  /**
   * Cancelled (SIGTERM: the run is handed back) while recipients refused for now were still to be tried: not
   * `sent` (final, and they never had it), but stopped with who has it, so the handed-back run sends to them alone.
   */
  const stopped = (attempts: number): Extract<SendOutcome, { status: 'failed' }> => ({
    status: 'failed', attempts, reason: 'aborted', delivered: delivered()!,
    error: { code: 'EABORT', response_code: null, message: `cancelled while retrying ${sent!.retry.join(', ')}` },
  });
  // Resumed with nobody left to send to: it was delivered as far as it goes.
  if (sent && sent.retry.length === 0) return outcome(0);
  for (let attempt = 1; ; attempt++) {
    if (effects.signal?.aborted) {
      if (sent) return stopped(attempt - 1);
      return { status: 'failed', attempts: attempt - 1, reason: 'aborted', error: { code: 'EABORT', response_code: null, message: 'cancelled before sending' } };
    }
    await effects.onAttempt?.(attempt, delivered());
    try {
      const envelope = sent ? { envelope: { from: sent.from, to: sent.retry } } : {};
      const info = (await transport.sendMail({ ...message, ...envelope, ...(effects.signal ? { signal: effects.signal } : {}) })) as SentInfo;
      const accepted = (info.accepted ?? []).map(addressText);
      const refused = (info.rejected ?? []).map(addressText);
      const errors = info.rejectedErrors ?? [];
      // A refused recipient is tried again when its reply was transient (as a whole message's is).
      const later = refused.filter((_, i) => errors[i] !== undefined && classifySmtpError(errors[i]) === 'transient');
      refused.forEach((a, i) => void (refusals[a] = refusalOf(errors[i])));
      finalRejected.push(...refused.filter((a) => !later.includes(a)));
      sent = {
        accepted: [...(sent?.accepted ?? []), ...accepted],
        response: sent?.response ?? String(info.response ?? ''),
        from: sent?.from ?? addressText(info.envelope?.from ?? ''),
        retry: later,
      };
      if (later.length === 0) return outcome(attempt);
      const delay = delayAfter(attempt);
      if (delay === null) {
        log.error({ attempt, deferred: later, elapsed_ms: Date.now() - started }, 'email: some recipients still refused for now at the deadline; the others have it');
        return outcome(attempt);
      }
      log.warn({ attempt, deferred: later, retry_in_ms: delay }, 'email: the server refused some recipients for now; retrying them alone');
      if (!(await pause(delay))) return stopped(attempt);
    } catch (err) {
      // A retry to the deferred recipients failed as a whole: the message stays sent to the others.
      if (sent) {
        if (effects.signal?.aborted) return { ...stopped(attempt), inFlight: [...sent.retry] };
        for (const a of sent.retry) refusals[a] = refusalOf(err);
        const delay = classifySmtpError(err) === 'transient' ? delayAfter(attempt) : null;
        if (delay === null) {
          log.error({ attempt, deferred: sent.retry, error: smtpErrorInfo(err) }, 'email: the deferred recipients could not be sent to; the others have it');
          return outcome(attempt);
        }
        if (!(await pause(delay))) return stopped(attempt);
        continue;
      }
      const error = smtpErrorInfo(err);
      if (effects.signal?.aborted) return { status: 'failed', attempts: attempt, reason: 'aborted', error, inFlight: recipientsOf(message) };
      const kind = classifySmtpError(err);
      if (kind === 'permanent') {
        log.error({ attempt, error }, 'email: permanently rejected by the SMTP server; not retried');
        return { status: 'rejected', attempts: attempt, error };
      }
      if (kind === 'config') {
        log.error({ attempt, error }, 'email: SMTP settings are wrong (authentication or configuration); not retried');
        return { status: 'failed', attempts: attempt, reason: 'config', error };
      }
      const delay = delayAfter(attempt);
      if (delay === null) {
        log.error({ attempt, error, elapsed_ms: Date.now() - started }, 'email: SMTP still failing at the deadline; giving up for now');
        return { status: 'failed', attempts: attempt, reason: 'deadline', error };
      }
      log.warn({ attempt, error, retry_in_ms: delay }, 'email: transient SMTP failure; retrying');
      if (!(await pause(delay))) return { status: 'failed', attempts: attempt, reason: 'aborted', error };
    }
  }
}

/** A refusal as the server said it ("450 Try again later"), not nodemailer's "Recipient command failed: …". */
function refusalOf(err: unknown): SmtpErrorInfo {
  const info = smtpErrorInfo(err ?? 'refused');
  const reply = (err as { response?: unknown } | undefined)?.response;
  return typeof reply === 'string' && reply.trim() ? { ...info, message: reply.split('\n')[0]!.trim() } : info;
}

function addressText(a: unknown): string {
  if (typeof a === 'string') return a;
  const o = a as { address?: unknown };
  return typeof o?.address === 'string' ? o.address : String(a);
}
