// The idempotency record of one message (STYLE habit 9): a small JSON file per key, in a folder beside
// the runs (the run directory is immutable and checksummed once published). `sent` and `rejected` are
// final: whoever finds them does not send again. `sending` means an attempt was under way when its
// process stopped; `failed` means the last attempt gave up (deadline, configuration, cancelled): both
// are tried again by the next notify of the same key.
import { readFile } from 'node:fs/promises';
import { writeAtomically } from '../publish/writeAtomically.js';

export type RecordStatus = 'sending' | 'sent' | 'rejected' | 'failed';

export interface SmtpErrorInfo {
  /** nodemailer's code (ECONNECTION, EENVELOPE, EAUTH, …) or ours (CONFIG). */
  code: string | null;
  /** The SMTP reply code, when the server answered. */
  response_code: number | null;
  message: string;
}

export interface NotifyRecord {
  schema_version: 1;
  kind: 'run' | 'failure' | 'stale';
  /** What makes the message unique: {tenant, run_id} or {job, as_of, error}. */
  key: Record<string, string>;
  status: RecordStatus;
  message_id: string;
  subject: string;
  to: string[];
  cc: string[];
  /** SMTP attempts so far, over every process that tried. */
  attempts: number;
  first_attempt_at: string | null;
  updated_at: string;
  /** The server's reply to the accepted message ("250 OK: queued as …"). */
  response?: string;
  accepted?: string[];
  /** Recipients the server refused while accepting the others. */
  rejected?: string[];
  /** The server's last reply to each of them (by address). */
  refusals?: Record<string, SmtpErrorInfo>;
  error?: SmtpErrorInfo;
  /**
   * While `sending`: the message went to some recipients already and the attempt under way is for those the
   * server refused for now (`retry`). A process that stops then (kill -9 during the retries, which may last
   * until the deadline) leaves it, and the next try sends to `retry` alone: the others had it twice.
   */
  delivered?: Delivered;
}

/** A message accepted for some recipients: the state a later attempt to the others starts from. */
export interface Delivered {
  accepted: string[];
  /** Refused for now: the next attempt's recipients. */
  retry: string[];
  /** Refused for good. */
  rejected: string[];
  /** The server's last reply to each recipient it refused (by address), for saying why. */
  refusals?: Record<string, SmtpErrorInfo>;
  /** The envelope's sender and the server's reply to the accepted message. */
  from: string;
  response: string;
}

export const FINAL_STATUSES: readonly RecordStatus[] = ['sent', 'rejected'];

export async function readRecord(path: string): Promise<NotifyRecord | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  // A record that cannot be read is not proof of delivery; the atomic writes make this a manual edit.
  try {
    return JSON.parse(text) as NotifyRecord;
  } catch {
    return null;
  }
}

export async function writeRecord(path: string, record: NotifyRecord): Promise<void> {
  await writeAtomically(path, `${JSON.stringify(record, null, 2)}\n`);
}
