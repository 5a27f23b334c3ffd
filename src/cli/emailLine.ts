// One line per run email's outcome (src/notify/README.md), as `ltv run` and `ltv enqueue --wait` say it.
import { listed } from '../format/listed.js';
import { formatCountOf } from '../format/money.js';
import type { NotifyOutcome } from '../notify/deliverOnce.js';

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
      return `email sent (${n.messageId}, ${formatCountOf(n.attempts, 'attempt')})${n.rejected?.length ? `; the SMTP server refused it for ${listed(n.rejected)}` : ''}`;
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

/** The message went out (or not) all the same; its idempotency record could not say so. */
function unrecorded(n: NotifyOutcome): string {
  return `; its record ${n.record} could not be written (${n.recordError})${n.status === 'sent' ? ', so nothing would stop a second copy if this run were emailed again' : ''}: free some space on the reports disk, or make it writable`;
}
