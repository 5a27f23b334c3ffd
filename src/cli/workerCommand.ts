// `ltv worker [--jobs <dir>]` (SPEC §7, §8): runs scheduled and on-demand runs until SIGTERM/SIGINT.
import type { Command } from 'commander';
import { writeHeartbeat } from '../publish/writeAtomically.js';
import { AppError } from '../config/AppError.js';
import { listenError } from './listenError.js';
import { quitOnSignalsUntilHandled } from './signalMode.js';
import { refuseEmpty } from './refuseEmpty.js';
import { JOBS_FLAG_TAKES, refuseMissingJobsDir } from './refuseMissingJobsDir.js';

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('process scheduled and on-demand runs from Redis (BullMQ) until SIGTERM')
    .option('--jobs <dir>', 'folder of job files whose schedules to register (default: $LTV_JOBS_DIR or jobs)')
    .action(async (opts: { jobs?: string }) => {
      // Stopped while loading or checking its settings, before it took a run: exit 0, as a stop later does.
      const starting = quitOnSignalsUntilHandled();
      // Given empty, it named no folder ("--jobs:  is not a directory"): refused as empty, as other flags are.
      refuseEmpty([['--jobs', opts.jobs, JOBS_FLAG_TAKES]]);
      await refuseMissingJobsDir(opts.jobs, process.env.LTV_JOBS_DIR);
      // Imported here, not at the top: `ltv --help` and the other commands never load BullMQ or DuckDB.
      const [{ pino }, { loadEnv }, { startWorker }] = await Promise.all([import('pino'), import('../config/env.js'), import('../queue/startWorker.js')]);
      const env = loadEnv();
      // The email settings (SMTP_URL, LTV_EMAIL_DEADLINE, …) are read when a run emails: a typo there let the
      // worker start and take runs that published and then failed at their email, one by one. Refused now.
      (await import('../notify/smtpSettings.js')).loadSmtpSettings();
      // Written once now: a file that cannot be written (no such folder, read-only) left a worker up whose
      // liveness probe on it would restart it in a loop, without a word.
      if (env.LTV_HEARTBEAT_FILE) {
        const file = env.LTV_HEARTBEAT_FILE;
        await writeHeartbeat(file).catch((e: NodeJS.ErrnoException) => {
          throw new AppError('CONFIG', `LTV_HEARTBEAT_FILE: cannot write ${file} (${e.code ?? e.message}): give a file in a folder this worker may write to, or unset LTV_HEARTBEAT_FILE`);
        });
      }
      // Written synchronously: pino's default stream writes asynchronously and a process that exits at once
      // (a metrics port taken, a refused login, the end of a shutdown) lost its last lines, "worker stopped"
      // among them, when a write was still under way (seen on a loaded machine). A worker logs a few lines a
      // run; a write(2) each costs nothing beside a run.
      const logger = pino({ level: env.LOG_LEVEL, base: { service: 'ltv-worker', pid: process.pid } }, pino.destination({ dest: 1, sync: true }));
      const runtime = startWorker(env, opts.jobs ?? env.LTV_JOBS_DIR, logger);
      // An operator who set LTV_METRICS_PORT believes this worker is monitored: without its listener it must
      // not run. The listen fails on the next tick, before the worker can have taken a run (that needs Redis
      // round trips); close() would hand one back all the same.
      const listening = await runtime.ops.address.then(() => null, (e: NodeJS.ErrnoException) => e);
      if (listening) {
        await runtime.close(0);
        const port = env.LTV_METRICS_PORT ?? 0;
        throw listenError(listening, {
          host: env.LTV_METRICS_HOST, port, portSetting: 'LTV_METRICS_PORT', hostSetting: 'LTV_METRICS_HOST',
          inUse: '(another ltv worker?), and this worker would run without /metrics, /healthz and /readyz: stop what listens there, or give each worker on this machine its own LTV_METRICS_PORT',
        }) ?? new AppError('CONFIG', `LTV_METRICS_PORT ${port}: cannot listen on ${env.LTV_METRICS_HOST}:${port} (${listening.message}): give a free port, or unset LTV_METRICS_PORT for no listener`);
      }
      let stopping = false;
      const stop = (signal: NodeJS.Signals) => {
        if (stopping) {
          // A second signal: the operator will not wait; hand the runs back now.
          logger.warn({ signal }, 'second signal: aborting the runs in progress');
          runtime.abortRuns();
          return;
        }
        stopping = true;
        logger.info({ signal }, 'signal received');
        runtime.close(env.LTV_SHUTDOWN_GRACE_MS).then(
          () => process.exit(0),
          (e: unknown) => {
            logger.error({ err: e }, 'error while shutting down');
            process.exit(0);
          },
        );
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
      // A worker started from a shell that then closed: hand the runs back as for SIGTERM, rather than die
      // mid-run (Node's default) and leave them to stall detection.
      process.on('SIGHUP', stop);
      starting.release();
      // Waits as long as Redis is away (the retry strategy logs why); the process stays up meanwhile. A refused
      // login is no outage: one line saying what to fix, exit 1 (with no run taken: none can be without Redis).
      const refused = await Promise.race([runtime.ready.then(() => null, () => null), runtime.loginRefused]);
      if (refused && !stopping) {
        await runtime.close(0);
        // BullMQ cannot drop a connection that never got past its login (its disconnect waits for the client
        // to be ready), and it would keep the process alive: exit once main has printed the line.
        setTimeout(() => process.exit(), 100).unref();
        throw refused;
      }
      // The action returns; the worker's connections keep the process alive until a signal closes them.
      await new Promise<never>(() => {});
    });
}
