// `ltv enqueue <job> [--as-of <ISO>] [--wait]` (SPEC §8): prints the run id; with --wait, stage progress on
// stderr and the run's own error (exit 1) when it fails.
import type { Command } from 'commander';
import { AppError } from '../config/AppError.js';

function parseAsOf(text: string): Date {
  const d = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(d.getTime())) {
    throw new AppError('VALIDATION', `--as-of: "${text}" is not an ISO 8601 time (e.g. 2026-03-16T15:00:00Z)`);
  }
  return d;
}

export function registerEnqueue(program: Command): void {
  program
    .command('enqueue <job>')
    .description('add a run of a job (a name in the jobs folder, or a path) to the queue and print its id')
    .option('--as-of <time>', 'as-of time of the run (ISO 8601); default: now')
    .option('--wait', 'follow the run: show its stages, exit non-zero if it fails')
    .option('--jobs <dir>', 'folder job names are looked up in (default: $LTV_JOBS_DIR or jobs)')
    .action(async (ref: string, opts: { asOf?: string; wait?: boolean; jobs?: string }) => {
      // Imported here, not at the top: `ltv --help` and the other commands never load BullMQ.
      const [{ pino }, { loadEnv }, { closeWithin }, { enqueueRun, openRunEvents, waitForRedis, waitForRun }, { openRunQueue }] = await Promise.all([
        import('pino'), import('../config/env.js'), import('../queue/closeWithin.js'), import('../queue/enqueueRun.js'), import('../queue/runQueue.js'),
      ]);
      const env = loadEnv();
      const asOf = opts.asOf === undefined ? undefined : parseAsOf(opts.asOf);
      // Connection trouble is reported as one line by waitForRedis; the log only carries debug detail.
      const logger = pino({ level: env.LOG_LEVEL === 'debug' || env.LOG_LEVEL === 'trace' ? env.LOG_LEVEL : 'silent' }, pino.destination(2));
      const queue = openRunQueue(env, 'producer', logger);
      let events: Awaited<ReturnType<typeof openRunEvents>> | null = null;
      try {
        await waitForRedis(queue, env);
        if (opts.wait) events = await openRunEvents(env, logger);
        const run = await enqueueRun(queue, opts.jobs ?? env.LTV_JOBS_DIR, ref, { ...(asOf ? { asOf } : {}), source: 'cli' });
        process.stdout.write(`${run.id}\n`);
        if (!events) return;
        process.stderr.write(`run ${run.id}: ${run.job.name} as of ${run.asOf.toISOString()}, queued\n`);
        let last = '';
        const result = await waitForRun(events, run.queued, (p) => {
          if (p.stage === last) return;
          last = p.stage;
          process.stderr.write(`run ${run.id}: ${p.stage} (${Math.round(p.percent)}%)${p.rows === undefined ? '' : `, ${p.rows} rows`}\n`);
        });
        for (const t of result.tenants) process.stderr.write(`run ${run.id}: published ${t.tenant} ${t.runId} at ${t.dir}\n`);
      } finally {
        await Promise.all([events && closeWithin(events, 1_000), closeWithin(queue, 1_000)]);
      }
    });
}
