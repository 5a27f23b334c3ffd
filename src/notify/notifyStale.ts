// SPEC §11 stale-report alerts (job `alert_after`): one notice when a job has published nothing for that
// long, one when it publishes again; exactly once per episode, through the same record-then-send path as
// every other email (deliverOnce). An episode is named by the time it counts from (the last publication,
// or when the job was first seen if it never published), so its two records are
// `<reports>/.alerts/<job>/<since ms>-stale.json` and `…-recovered.json`. Concurrent checks of one job by
// several workers are prevented by the caller's Redis lock, as run emails are by the run lock.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Job } from '../config/jobSchema.js';
import { tenantDirName } from '../publish/publishRun.js';
import { composeStaleEmail, type StaleReport } from './composeStaleEmail.js';
import { deliverOnce, type NotifyEffects, type NotifyOutcome } from './deliverOnce.js';
import { messageId } from './messageId.js';
import { FINAL_STATUSES, readRecord } from './notifyRecord.js';

export type AlertKind = StaleReport['kind'];

export function alertsDir(reportsDir: string, job: string): string {
  // A job's name, not a tenant's: the name of earlier releases (32 bits of hash), so an open episode's
  // records are found again after an upgrade (a stale notice sent twice, its recovery never).
  return join(reportsDir, '.alerts', tenantDirName(job, 8));
}

function paths(reportsDir: string, job: string, sinceMs: number, kind: AlertKind): { record: string; eml: string } {
  const base = join(alertsDir(reportsDir, job), `${sinceMs}-${kind}`);
  return { record: `${base}.json`, eml: `${base}.eml` };
}

/** Whether the notice of this episode was delivered (or refused for good), or written by a dry run. */
export async function alertHandled(reportsDir: string, job: string, sinceMs: number, kind: AlertKind): Promise<{ handled: boolean; sent: boolean }> {
  const p = paths(reportsDir, job, sinceMs, kind);
  const rec = await readRecord(p.record);
  if (rec && FINAL_STATUSES.includes(rec.status)) return { handled: true, sent: rec.status === 'sent' };
  const eml = await stat(p.eml).then(() => true, () => false);
  return { handled: eml, sent: eml };
}

/** Null when the job names no ops recipients. Never throws. */
export async function notifyStale(job: Job, report: Omit<StaleReport, 'job' | 'timezone' | 'alertAfter'>, sinceMs: number, effects: NotifyEffects & { reportsDir: string }): Promise<NotifyOutcome | null> {
  if (!job.email || job.email.ops.length === 0 || !job.alert_after) return null;
  const ops = job.email.ops;
  const full: StaleReport = { ...report, job: job.name, timezone: job.timezone, alertAfter: job.alert_after };
  const p = paths(effects.reportsDir, job.name, sinceMs, report.kind);
  const key = { job: job.name, since: new Date(sinceMs).toISOString(), alert: report.kind };
  try {
    return await deliverOnce(
      {
        kind: 'stale',
        key,
        recordPath: p.record,
        emlPath: p.eml,
        messageId: (from) => messageId('failure', `${report.kind}.${sinceMs}`, [job.name, String(sinceMs), report.kind], from),
        compose: async (from, id) => composeStaleEmail(full, ops, { from, messageId: id }),
      },
      effects,
    );
  } catch (e) {
    effects.logger.error({ ...key, err: e instanceof Error ? e.message : String(e) }, 'email: stale-report notice not sent');
    return null;
  }
}
