// SPEC §7: a run that fails tells the job's operations recipients (`email.ops`) once per failure: job,
// tenant, as-of and the one-line error a user can act on (AppError's message, as the CLI prints it),
// never a stack trace. Keyed by (job, as-of, hash of code and message): the attempts of a retried run
// that fail the same way send one notice; a different failure of the same run sends another.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { isAppError } from '../config/AppError.js';
import type { Job } from '../config/jobSchema.js';
import { refuseLinkOut, runIdFor, tenantDirName } from '../publish/publishRun.js';
import { composeFailureEmail, type RunFailure } from './composeFailureEmail.js';
import { deliverOnce, type NotifyEffects, type NotifyOutcome } from './deliverOnce.js';
import { messageId } from './messageId.js';

export interface NotifyFailureEffects extends NotifyEffects {
  asOf: Date;
  /** The job's reports directory: notices are recorded under `<reports>/.failed/notices/`. */
  reportsDir: string;
}

export function describeFailure(error: unknown): Pick<RunFailure, 'code' | 'message' | 'retryable'> {
  if (isAppError(error)) return { code: error.code, message: error.message, retryable: error.retryable };
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'INTERNAL', message: `internal error: ${message}`, retryable: true };
}

/** Null when the job names no ops recipients. Never throws: a failing run must keep its own error. */
export async function notifyFailure(job: Job, error: unknown, effects: NotifyFailureEffects): Promise<NotifyOutcome | null> {
  if (!job.email || job.email.ops.length === 0) return null;
  const ops = job.email.ops;
  const failure: RunFailure = { job: job.name, tenant: job.tenant, asOf: effects.asOf.toISOString(), timezone: job.timezone, ...describeFailure(error) };
  const hash = createHash('sha256').update(`${failure.code}\u0000${failure.message}`).digest('hex').slice(0, 16);
  const stamp = runIdFor(effects.asOf);
  // A job's name, as earlier releases wrote it (32 bits of hash): a failure notified before an upgrade is
  // found again after it.
  const name = `${tenantDirName(job.name, 8)}-${stamp}-${hash}`;
  const dir = join(effects.reportsDir, '.failed', 'notices');
  const key = { job: job.name, as_of: failure.asOf, error: hash };
  try {
    await refuseLinkOut(effects.reportsDir, [join(effects.reportsDir, '.failed'), dir]);
    return await deliverOnce(
      {
        kind: 'failure',
        key,
        recordPath: join(dir, `${name}.json`),
        emlPath: join(dir, `${name}.eml`),
        messageId: (from) => messageId('failure', stamp, [job.name, failure.asOf, hash], from),
        compose: async (from, id) => composeFailureEmail(failure, ops, { from, messageId: id }),
        unwritableRecord: 'send',
      },
      effects,
    );
  } catch (e) {
    effects.logger.error({ ...key, err: e instanceof Error ? e.message : String(e) }, 'email: failure notice not sent');
    return null;
  }
}
