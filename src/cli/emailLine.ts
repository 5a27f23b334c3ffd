// One line per run email's outcome (src/notify/README.md), as `ltv run` and `ltv enqueue --wait` say it.
import { listed } from '../format/listed.js';
import { formatCountOf } from '../format/money.js';
import type { NotifyOutcome } from '../notify/deliverOnce.js';
import type { SmtpErrorInfo } from '../notify/notifyRecord.js';

/**
 * `command`: what follows a failed email. Nothing retries an `ltv run` (a new one publishes a new run and
 * emails that), nor a run the worker completed.
 */
export function emailLine(n: NotifyOutcome, command: 'run' | 'enqueue'): string {
  return `${outcomeText(n, command)}${n.recordError === undefined ? '' : unrecorded(n)}`;
}

function outcomeText(n: NotifyOutcome, command: 'run' | 'enqueue'): string {
  switch (n.status) {
    case 'dry-run':
      return `email written to ${n.eml} (dry run, not sent)`;
    case 'sent':
      if (n.previously) return `email already sent for run ${n.key.run_id}; not sent again`;
      // Said here, since without --verbose nothing is logged.
      return `email sent (${n.messageId}, ${formatCountOf(n.attempts, 'attempt')})${n.rejected?.length ? `; the SMTP server refused it for ${listed(n.rejected.map((a) => refusedText(a, n.refusals?.[a])))}` : ''}`;
    case 'rejected':
      return `email rejected by the SMTP server${n.previously ? ' earlier' : ''}: ${n.error?.message ?? ''} (recorded in ${n.record})`;
    case 'failed': {
      const code = n.error?.response_code;
      // A server that answered 4xx until the deadline is up: it deferred the message (a full mailbox, a limit).
      const fix = !n.retryable || n.error?.code === 'RECORD' ? 'fix what is named above'
        : code !== null && code !== undefined && code >= 400 && code < 500 ? `the SMTP server kept answering ${code} (try again later) until LTV_EMAIL_DEADLINE: ask its operator why`
        : 'check that the SMTP server in SMTP_URL is up and reachable';
      return command === 'run'
        ? `email not sent: ${n.error?.message ?? ''} (the run is published; this run's email will not be sent: ${fix}, and \`ltv run\` again publishes a new run and emails it)`
        : `email not sent: ${n.error?.message ?? ''} (the run is published and complete, and nothing sends its email any more: ${fix})`;
    }
  }
}

/**
 * A refused recipient with the server's reply, and whether waiting could change it: a 5xx is for good, a 4xx
 * (or no reply: the connection failed) was retried until LTV_EMAIL_DEADLINE.
 */
function refusedText(address: string, reply: SmtpErrorInfo | undefined): string {
  if (reply === undefined) return address;
  const code = reply.response_code;
  const lasting = code !== null && code >= 500 ? 'for good' : 'for now, still at LTV_EMAIL_DEADLINE';
  const text = code !== null && !reply.message.startsWith(String(code)) ? `${code} ${reply.message}` : reply.message;
  return `${address} (${text}: ${lasting})`;
}

/** The message went out (or not) all the same; its idempotency record could not say so. */
function unrecorded(n: NotifyOutcome): string {
  return `; its record ${n.record} could not be written (${n.recordError})${n.status === 'sent' ? ', so nothing would stop a second copy if this run were emailed again' : ''}: free some space on the reports disk, or make it writable`;
}
