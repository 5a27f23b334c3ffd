// Deterministic Message-IDs (DEPENDENCIES.md): the same run always yields the same id, so a message sent
// again after a lost final SMTP reply (or a crash before the record was written) is recognisably the same
// one; Gmail and many archives even drop the second copy.
import { createHash } from 'node:crypto';
import { domainToASCII } from 'node:url';

/** `<ltv.run.20260316T150000Z.3f2a…@example.com>`; `parts` identify the message (job, tenant, run). */
export function messageId(kind: 'run' | 'failure', stamp: string, parts: readonly string[], from: string | null): string {
  const hash = createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 20);
  const safeStamp = stamp.replace(/[^A-Za-z0-9.-]/g, '_');
  return `<ltv.${kind}.${safeStamp}.${hash}@${domainOf(from)}>`;
}

/**
 * The domain of the From address: Message-IDs are meant to be unique under the sender's domain. An
 * internationalised one (reports@bücher.example) in its ASCII form (xn--bcher-kva.example), as a header
 * without SMTPUTF8 must carry it; no domain, or none that converts, gives ltv.localhost.
 */
function domainOf(from: string | null): string {
  const m = from === null ? null : /@([^@<>\s"]+)>?\s*$/u.exec(from);
  const ascii = m?.[1] ? domainToASCII(m[1]).toLowerCase() : '';
  return /^[a-z0-9.-]+$/.test(ascii) ? ascii : 'ltv.localhost';
}
