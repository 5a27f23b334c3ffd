// Exactly once, as far as SMTP allows (STYLE habit 9): a message is sent only while its record is not
// final, and the record turns final (`sent`) right after the server's 250 to DATA. The one window left
// is a crash between that 250 and the record's rename: the next try sends again under the same
// deterministic Message-ID, which recipients' servers and clients can recognise as the same message.
import { isDiskFull } from '../publish/isDiskFull.js';
import { createTransport, type SendMailOptions } from 'nodemailer';
import type { Logger } from 'pino';
import { createMailTransport, type MailTransport } from './createMailTransport.js';
import { FINAL_STATUSES, readRecord, writeRecord, type Delivered, type NotifyRecord, type SmtpErrorInfo } from './notifyRecord.js';
import { sendWithRetry } from './sendWithRetry.js';
import { withLiteralSubject } from './subjectHeader.js';
import { loadSmtpSettings, redactUrl, unsetSmtpSettings, type SmtpSettings } from './smtpSettings.js';
import { writeAtomically } from '../publish/writeAtomically.js';
import { childLogger } from '../config/childLogger.js';

/** Side effects of the notify step, injected (STYLE habit 7). */
export interface NotifyEffects {
  logger: Logger;
  /** Default: loadSmtpSettings(process.env). */
  settings?: SmtpSettings;
  /** Default: an SMTP transport built from the settings, closed after use. */
  transport?: MailTransport;
  /** Write .eml files instead of sending; default settings.dryRun (LTV_EMAIL_DRY_RUN). */
  dryRun?: boolean;
  /** Stops retries (SIGTERM); the record stays non-final so the handed-back run tries again. */
  signal?: AbortSignal;
}

export type NotifyStatus = 'sent' | 'rejected' | 'failed' | 'dry-run';

export interface NotifyOutcome {
  kind: 'run' | 'failure' | 'stale';
  key: Record<string, string>;
  status: NotifyStatus;
  /** True when the record already said so and nothing was sent now. */
  previously: boolean;
  messageId: string;
  /** The idempotency record (null for a dry run). */
  record: string | null;
  /** The message written by a dry run. */
  eml?: string;
  attempts: number;
  error?: SmtpErrorInfo;
  /** Not sent because SMTP kept failing transiently until the deadline: worth retrying the run (the worker does). */
  retryable?: boolean;
  /** Sent, but these recipients were refused (for good, or still at the deadline): the record's `rejected`. */
  rejected?: string[];
  /** The server's last reply to each of them (by address). */
  refusals?: Record<string, SmtpErrorInfo>;
  /** The record could not be written (a full or read-only reports disk): why. The outcome is what happened all the same. */
  recordError?: string;
  /** Failed after the message went out to some recipients (stopped while retrying the others): who has it. */
  delivered?: Delivered;
  /** Cancelled while an attempt was under way: the recipients who may have it all the same (sendWithRetry). */
  inFlight?: string[];
}

/** From address for dry runs without SMTP_FROM: the .eml is for looking, not sending. */
const DRY_RUN_FROM = 'ltv <ltv@localhost>';

export interface Delivery {
  kind: 'run' | 'failure' | 'stale';
  key: Record<string, string>;
  recordPath: string;
  emlPath: string;
  messageId: (from: string | null) => string;
  /** Composed only when something is to be sent: a run already sent reads no files. */
  compose: (from: string, messageId: string) => Promise<SendMailOptions>;
  /**
   * What a record that cannot be written (a full or read-only reports disk) does. `send`: the message goes
   * out all the same, the failed write logged and returned as `recordError`, at the risk of a second copy
   * if the same key is notified again (failure notices, often about that very disk; a run's email when no
   * retry of its run follows). `defer`: a full disk (ENOSPC, EDQUOT: space may be freed) before anything
   * was sent sends nothing and returns a retryable `failed`, so that the run's next attempt sends it with
   * its record (a run's email while the worker has attempts left); any other unwritable record sends as
   * `send` does. Absent: the write's error is thrown.
   */
  unwritableRecord?: 'send' | 'defer';
}

/** Thrown before an attempt whose record cannot be written on a full disk (Delivery.unwritableRecord `defer`). */
class RecordDeferred extends Error {}


export async function deliverOnce(d: Delivery, effects: NotifyEffects): Promise<NotifyOutcome> {
  const settings = effects.settings ?? loadSmtpSettings();
  const log = childLogger(effects.logger, { email: d.kind, ...d.key, smtp: settings.url === null ? null : redactUrl(settings.url) });
  const dryRun = effects.dryRun ?? settings.dryRun;
  const existing = await readRecord(d.recordPath);
  const base = { kind: d.kind, key: d.key, record: d.recordPath };

  if (existing && FINAL_STATUSES.includes(existing.status)) {
    log.info({ status: existing.status, message_id: existing.message_id }, 'email: already handled for this key; not sent again');
    return { ...base, status: existing.status as 'sent' | 'rejected', previously: true, messageId: existing.message_id, attempts: 0, ...(existing.error ? { error: existing.error } : {}) };
  }

  const from = settings.from ?? (dryRun ? DRY_RUN_FROM : null);
  const messageId = existing?.message_id ?? d.messageId(from);
  const now = (): string => new Date().toISOString();
  const record: NotifyRecord = {
    schema_version: 1,
    kind: d.kind,
    key: d.key,
    status: 'sending',
    message_id: messageId,
    subject: existing?.subject ?? '',
    to: existing?.to ?? [],
    cc: existing?.cc ?? [],
    attempts: existing?.attempts ?? 0,
    first_attempt_at: existing?.first_attempt_at ?? null,
    updated_at: now(),
  };
  let recordError: string | undefined;
  /** `unsent`: nothing of this message has gone out yet (so a deferral cannot lose or repeat any of it). */
  const write = async (r: NotifyRecord, unsent = false): Promise<void> => {
    try {
      await writeRecord(d.recordPath, r);
    } catch (e) {
      if (!d.unwritableRecord) throw e;
      const why = e instanceof Error ? e.message : String(e);
      if (d.unwritableRecord === 'defer' && unsent && isDiskFull(e)) throw new RecordDeferred(why);
      recordError = why;
      log.warn({ record: d.recordPath, status: r.status, err: why }, r.status === 'sending' ? 'email: its record cannot be written; sending all the same' : 'email: its record cannot be written');
    }
  };
  const withRecordError = <T extends NotifyOutcome>(o: T): T => (recordError === undefined ? o : { ...o, recordError });
  const fail = async (error: SmtpErrorInfo, attempts = 0): Promise<NotifyOutcome> => {
    await write({ ...record, status: 'failed', error, updated_at: now() });
    log.error({ error }, 'email: not sent');
    return withRecordError({ ...base, status: 'failed', previously: false, messageId, attempts, error });
  };

  const unset = dryRun ? null : unsetSmtpSettings(settings, { url: !effects.transport });
  if (unset !== null) return fail({ code: 'CONFIG', response_code: null, message: unset });
  let message: SendMailOptions;
  /** As composed: the subject's text, which `message` may carry encoded. */
  let composed: SendMailOptions;
  try {
    // Set unless this is a dry run (checked above).
    composed = await d.compose(from ?? DRY_RUN_FROM, messageId);
    message = withLiteralSubject(composed);
  } catch (e) {
    return fail({ code: 'COMPOSE', response_code: null, message: e instanceof Error ? e.message : String(e) });
  }

  if (dryRun) {
    const eml = await buildEml(message);
    await writeAtomically(d.emlPath, eml);
    log.info({ eml: d.emlPath }, 'email: dry run, message written instead of sent');
    return { kind: d.kind, key: d.key, record: null, status: 'dry-run', previously: false, messageId, attempts: 0, eml: d.emlPath };
  }

  let transport = effects.transport;
  if (!transport) {
    try {
      transport = createMailTransport(settings);
    } catch (e) {
      return fail({ code: 'CONFIG', response_code: null, message: e instanceof Error ? e.message : String(e) });
    }
  }
  // An earlier process stopped while retrying the recipients refused for now: the others have it already.
  // Or one stopped then (SIGTERM, the run handed back: `failed` with who has it).
  const resume = existing?.status === 'sending' || existing?.status === 'failed' ? existing.delivered : undefined;
  if (resume) {
    log.warn({ message_id: messageId, accepted: resume.accepted, retry: resume.retry }, 'email: an earlier attempt stopped while retrying some recipients; sending to them alone');
  } else if (existing?.status === 'sending') {
    log.warn({ message_id: messageId }, 'email: an earlier attempt stopped mid-way and may have been delivered; sending again with the same Message-ID');
  }
  Object.assign(record, { subject: String(composed.subject ?? ''), to: addressList(message.to), cc: addressList(message.cc) });
  // One Date for the message, every attempt and every process alike (nodemailer stamps each send with its own
  // time): the first attempt's, kept in the record, so a recipient retried alone gets the same headers.
  const firstAttempt = record.first_attempt_at ?? now();
  message = { ...message, date: new Date(firstAttempt) };
  let tried = 0;
  try {
    const outcome = await sendWithRetry(transport, message, settings, {
      logger: log,
      ...(effects.signal ? { signal: effects.signal } : {}),
      ...(resume ? { resume } : {}),
      onAttempt: async (_attempt, delivered) => {
        // Written before every attempt: a crash during it leaves `sending`, never a stale `failed`; with
        // what was delivered already, so that the next try sends to the others alone.
        record.attempts += 1;
        record.first_attempt_at ??= firstAttempt;
        record.updated_at = now();
        if (delivered) record.delivered = delivered;
        await write(record, delivered === undefined);
        tried += 1;
      },
    });
    const { delivered: _partial, ...rest } = record;
    const done: NotifyRecord = { ...rest, status: outcome.status, updated_at: now() };
    // Stopped while retrying some recipients: the record keeps who has it, for the next try.
    if (outcome.status === 'failed' && outcome.delivered) done.delivered = outcome.delivered;
    if (outcome.status === 'sent') Object.assign(done, { response: outcome.response, accepted: outcome.accepted, rejected: outcome.rejected, ...(outcome.rejected.length ? { refusals: outcome.refusals } : {}) });
    else done.error = outcome.error;
    await write(done);
    if (outcome.status === 'sent') log.info({ message_id: messageId, attempts: outcome.attempts, response: outcome.response }, 'email: sent');
    return withRecordError({
      ...base, status: outcome.status, previously: false, messageId, attempts: outcome.attempts,
      ...(outcome.status !== 'sent' ? { error: outcome.error } : outcome.rejected.length ? { rejected: outcome.rejected, refusals: outcome.refusals } : {}),
      ...(outcome.status === 'failed' && outcome.delivered ? { delivered: outcome.delivered } : {}),
      ...(outcome.status === 'failed' && outcome.inFlight?.length ? { inFlight: outcome.inFlight } : {}),
      ...(outcome.status === 'failed' && outcome.reason === 'deadline' ? { retryable: true } : {}),
    });
  } catch (e) {
    if (!(e instanceof RecordDeferred)) throw e;
    // Nothing went out: the run's next attempt sends it, with its record, once the disk has room.
    const error: SmtpErrorInfo = {
      code: 'RECORD',
      response_code: null,
      // Sent without its record, a later attempt of the run could not know and would send it again.
      message: `its record ${d.recordPath} cannot be written (${e.message}), so it is not sent yet: free some space on the reports disk; the run's next attempt sends it`,
    };
    log.error({ error }, 'email: not sent yet; its record cannot be written on a full disk');
    return { ...base, status: 'failed', previously: false, messageId, attempts: tried, error, retryable: true };
  } finally {
    if (!effects.transport) transport.close();
  }
}

/** The message as RFC 5322 bytes, exactly as it would go over SMTP. */
export async function buildEml(message: SendMailOptions): Promise<Buffer> {
  const info = (await createTransport({ streamTransport: true, buffer: true }).sendMail(message)) as { message: Buffer };
  return info.message;
}

function addressList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.flatMap(addressList);
  return [typeof value === 'string' ? value : String((value as { address?: unknown }).address)];
}
