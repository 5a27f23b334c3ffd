// `ltv enqueue <job> [--as-of <ISO>] [--wait]` (SPEC §8): prints the run id; with --wait, stage progress on
// stderr and the run's own error (exit 1) when it fails.
import type { Command } from 'commander';
import { AppError } from '../config/AppError.js';
import { futureAsOfError, parseAsOf } from '../config/parseAsOf.js';
import { signalMode } from './signalMode.js';
import { visibleLine } from '../format/text.js';
import { emailLine } from './emailLine.js';
import { wholeNumberOf } from '../config/wholeNumber.js';
import { refuseEmpty } from './refuseEmpty.js';
import { JOBS_FLAG_TAKES, refuseMissingJobsDir } from './refuseMissingJobsDir.js';

/** `--shards N`: a whole number 1..MAX_SHARDS (SPEC §12). */
/** How long `enqueue --wait` waits for a run to start before it looks for a worker, and says when there is none. */
const NO_WORKER_NOTICE_MS = 5_000;

export function parseShards(text: string, max: number): number {
  const n = wholeNumberOf(text);
  if (!(n >= 1 && n <= max)) throw new AppError('VALIDATION', `--shards: "${text}" is not a whole number from 1 to ${max}`);
  return n;
}

export function registerEnqueue(program: Command): void {
  program
    .command('enqueue <job>')
    .description('add a run of a job (a name in the jobs folder, or a path) to the queue and print its id')
    .option('--as-of <time>', "as-of time of the run (ISO 8601); default: the job's as_of, else now")
    .option('--wait', 'follow the run: show its stages, exit non-zero if it fails')
    .option('--shards <n>', "split the run over this many shards taken by any workers (overrides the job's shards)")
    .option('--jobs <dir>', 'folder job names are looked up in (default: $LTV_JOBS_DIR or jobs)')
    .action(enqueueAction);
}

export interface EnqueueOptions { asOf?: string; wait?: boolean; jobs?: string; shards?: string }

/** Adds a run of `ref` (a job name or file) and, with `wait`, follows it to its end (also `ltv run --shards`). */
export async function enqueueAction(ref: string, opts: EnqueueOptions): Promise<void> {
      // A jobs folder that is not there is said as the worker says it, before Redis is asked (it was "no job
      // "example" in /nonexist", as if the folder held other jobs).
      refuseEmpty([['--jobs', opts.jobs, JOBS_FLAG_TAKES]]);
      await refuseMissingJobsDir(opts.jobs, process.env.LTV_JOBS_DIR);
      // Imported here, not at the top: `ltv --help` and the other commands never load BullMQ.
      const [{ pino }, { loadEnv }, { closeWithin }, { enqueueRun, openRunEvents, waitForRedis, waitForRun }, { openRunQueue }, { redisLabel }] = await Promise.all([
        import('pino'), import('../config/env.js'), import('../queue/closeWithin.js'), import('../queue/enqueueRun.js'), import('../queue/runQueue.js'),
        import('../queue/redisConnection.js'),
      ]);
      const env = loadEnv();
      const asOf = opts.asOf === undefined ? undefined : parseAsOf(opts.asOf, 'VALIDATION');
      // Refused before Redis is asked: a run as of a future time would only fail in the worker.
      const future = asOf && futureAsOfError(asOf);
      if (future) throw new AppError('VALIDATION', future);
      const { MAX_SHARDS } = await import('../config/jobSchema.js');
      const shards = opts.shards === undefined ? undefined : parseShards(opts.shards, MAX_SHARDS);
      // Connection trouble is reported as one line by waitForRedis; the log only carries debug detail.
      const logger = pino({ level: env.LOG_LEVEL === 'debug' || env.LOG_LEVEL === 'trace' ? env.LOG_LEVEL : 'silent' }, pino.destination(2));
      const queue = openRunQueue(env, 'producer', logger);
      let events: Awaited<ReturnType<typeof openRunEvents>> | null = null;
      // Following a run, a signal stops the following, never the run. One that comes while the run is being
      // added is held until its id is known (it killed the command silently, the run queued all the same).
      let held: NodeJS.Signals | undefined;
      let onSignal = (sig: NodeJS.Signals): void => {
        held ??= sig;
      };
      const signalled = (sig: NodeJS.Signals): void => onSignal(sig);
      try {
        await waitForRedis(queue, env);
        if (opts.wait) events = await openRunEvents(env, logger);
        if (events) {
          for (const sig of SIGNALS) process.on(sig, signalled);
          signalMode('owned');
        }
        const run = await enqueueRun(queue, opts.jobs ?? env.LTV_JOBS_DIR, ref, { ...(asOf ? { asOf } : {}), ...(shards ? { shards } : {}), source: 'cli', env });
        process.stdout.write(`${run.id}\n`);
        if (!events) return;
        process.stderr.write(`run ${run.id}: ${run.job.name} as of ${run.asOf.toISOString()}, queued\n`);
        // Interrupted while following: the run is the workers' and goes on; say so in one line with its id
        // (the command exited 130 without a word, which read as a run stopped, as `ltv run`'s Ctrl-C is).
        onSignal = (sig: NodeJS.Signals): void => {
          process.stderr.write(`ltv: interrupted (${sig}): stopped following run ${run.id}, which goes on on the workers; its state: GET /api/v1/runs/${run.id} on ltv serve, or the queue dashboard\n`);
          process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGHUP' ? 1 : 15));
        };
        if (held) onSignal(held);
        let last = '';
        // A run nobody takes would be waited for in silence: say once that no worker is connected (the
        // usual first-day mistake: no `ltv worker`, or one on another REDIS_URL or LTV_QUEUE_PREFIX).
        let started = false;
        const noWorker = setInterval(() => {
          void queue.getWorkersCount().then((n) => {
            if (started || n !== 0) return;
            clearInterval(noWorker);
            process.stderr.write(`run ${run.id}: no worker is taking runs from this queue (LTV_QUEUE_PREFIX ${env.LTV_QUEUE_PREFIX} at ${redisLabel(env.REDIS_URL)}); still waiting: it starts when \`ltv worker\` runs with the same REDIS_URL and LTV_QUEUE_PREFIX\n`);
          }, () => undefined);
        }, NO_WORKER_NOTICE_MS);
        noWorker.unref();
        const result = await waitForRun(events, run.queued, (p) => {
          started = true;
          // A sharded run (SPEC §12) reports each shard that ends: "compute, shards 3 of 4 done".
          const step = p.shards ? `${p.stage}, shards ${p.shards.done} of ${p.shards.total} done${p.shards.failed ? ` (${p.shards.failed} failed)` : ''}` : p.stage;
          if (step === last) return;
          last = step;
          process.stderr.write(`run ${run.id}: ${step} (${Math.round(p.percent)}%)${p.rows === undefined ? '' : `, ${p.rows} rows`}\n`);
        }, queue).finally(() => {
          clearInterval(noWorker);
          for (const sig of SIGNALS) process.off(sig, signalled);
        });
        // A backfill leaves `latest` at a later run: said here as `ltv run` says it (only the worker's log did).
        // A run of an older release has no latestStays: its line is as it was.
        for (const t of result.tenants) {
          process.stderr.write(`run ${run.id}: published ${visibleLine(t.tenant)} ${t.runId} at ${t.dir}${t.latestStays ? ` (latest stays at the later run ${t.latestStays})` : ''}\n`);
        }
        // Each email's outcome, as `ltv run` says it (an email sent without its record, one not sent).
        for (const n of result.notify ?? []) process.stderr.write(`run ${run.id}: ${visibleLine(String(n.key.tenant))}: ${emailLine(n, 'enqueue')}\n`);
        // What the reader must know before trusting the numbers, as `ltv run` prints it (a run of an older release has none).
        for (const w of result.warnings ?? []) process.stderr.write(`warning: ${visibleLine(w.message)}\n`);
      } finally {
        for (const sig of SIGNALS) process.off(sig, signalled);
        await Promise.all([events && closeWithin(events, 1_000), closeWithin(queue, 1_000)]);
      }
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
