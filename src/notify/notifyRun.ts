// The notify stage of a run (SPEC §7 Email, STYLE habit 9): after publishing, one message per published
// tenant run, keyed by (tenant, run-id). A retried or recovered run publishes under the same run-id
// (publishRun's idempotency key) and so finds the record and sends nothing. Never throws for mail
// trouble: the run is published whatever happens here; outcomes are returned, logged and recorded. A record
// that cannot be written never loses the email: deferred to the run's next attempt, or sent all the same.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { refuseLinkOut } from '../publish/publishRun.js';
import type { Job } from '../config/jobSchema.js';
import type { TenantReport } from '../ltv/model.js';
import { RUN_FILES, type Manifest } from '../ltv/runFiles.js';
import { composeRunEmail } from './composeRunEmail.js';
import { deliverOnce, type NotifyEffects, type NotifyOutcome } from './deliverOnce.js';
import type { HeatmapLimits } from './heatmapView.js';
import { messageId } from './messageId.js';
import { loadSmtpSettings, type SmtpSettings } from './smtpSettings.js';

export interface NotifyRunEffects extends NotifyEffects {
  /** The reports in memory (the pipeline has them); otherwise each run's ltv.json is read. */
  reports?: ReadonlyMap<string, TenantReport>;
  heatmap?: HeatmapLimits;
  /**
   * False while the worker has attempts left for the run: an email whose record cannot be written on a full
   * disk is then not sent yet but returned retryable, and the next attempt sends it with its record. Default
   * true (`ltv run`, a last attempt): sent all the same, the unwritten record said in `recordError`.
   */
  finalAttempt?: boolean;
}

/** `<reports>/<tenant>/notify/`: beside `runs/`, since a published run directory is never written again. */
export function notifyDirOf(runDir: string): string {
  return join(dirname(dirname(runDir)), 'notify');
}

/** What notify needs of a run's result (pipeline.ts RunResult fits). */
export interface PublishedRuns {
  tenants: readonly { tenant: string; runId: string; dir: string }[];
}

export async function notifyRun(result: PublishedRuns, job: Job, effects: NotifyRunEffects): Promise<NotifyOutcome[]> {
  if (!job.email) return [];
  const outcomes: NotifyOutcome[] = [];
  let settings: SmtpSettings;
  try {
    settings = effects.settings ?? loadSmtpSettings();
  } catch (e) {
    // A malformed SMTP variable is a configuration error, but the run is published: report, don't throw.
    const message = e instanceof Error ? e.message : String(e);
    effects.logger.error({ err: message }, 'email: SMTP settings are invalid; nothing sent');
    return result.tenants.map((t) => failed({ tenant: t.tenant, run_id: t.runId }, join(notifyDirOf(t.dir), `${t.runId}.json`), 'CONFIG', message));
  }
  for (const t of result.tenants) {
    const dir = notifyDirOf(t.dir);
    const key = { tenant: t.tenant, run_id: t.runId };
    const recordPath = join(dir, `${t.runId}.json`);
    try {
      // Checked at the run's reservation, and again now: a link planted while the run computed.
      // <reports>/<tenant>/notify: the reports directory is two levels up.
      await refuseLinkOut(dirname(dirname(dir)), [dir]);
      // The publication's own time is part of the Message-ID: a run-id taken again after its run was removed
      // (publishRun.ts reserveRun) is another message, which mail servers must not drop as a duplicate. The
      // report in memory carries it (the manifest's generated_at is the report's); a resend reads the manifest.
      const published = effects.reports?.get(t.tenant)?.generated_at
        ?? (JSON.parse(await readFile(join(t.dir, RUN_FILES.manifest), 'utf8')) as Manifest).generated_at;
      outcomes.push(
        await deliverOnce(
          {
            kind: 'run',
            key,
            recordPath,
            emlPath: join(dir, `${t.runId}.eml`),
            messageId: (from) => messageId('run', t.runId, [job.name, t.tenant, t.runId, published], from),
            compose: async (from, id) => {
              const report = effects.reports?.get(t.tenant) ?? (JSON.parse(await readFile(join(t.dir, RUN_FILES.json), 'utf8')) as TenantReport);
              return composeRunEmail(report, job, t.dir, { from, messageId: id, ...(effects.heatmap ? { heatmap: effects.heatmap } : {}) });
            },
            unwritableRecord: effects.finalAttempt === false ? 'defer' : 'send',
          },
          { ...effects, settings },
        ),
      );
    } catch (e) {
      // The notify folder itself cannot be written or read: say so, and go on with the other tenants.
      const message = e instanceof Error ? e.message : String(e);
      effects.logger.error({ ...key, err: message }, 'email: notify failed');
      outcomes.push(failed(key, recordPath, 'NOTIFY', message));
    }
  }
  return outcomes;
}

function failed(key: Record<string, string>, record: string, code: string, message: string): NotifyOutcome {
  return { kind: 'run', key, status: 'failed', previously: false, messageId: '', record, attempts: 0, error: { code, response_code: null, message } };
}
