// `ltv serve [--reports <dir>] [--port <n>] [--keys <file>] [--host <addr>]` (SPEC §8): the endpoint
// of SPEC §6 until SIGTERM/SIGINT/SIGHUP, which stop accepting and let in-flight requests finish.
import { statSync } from 'node:fs';
import type { Command } from 'commander';
import { AppError, isAppError } from '../config/AppError.js';
import { listenError } from './listenError.js';
import { quitOnSignalsUntilHandled, signalMode } from './signalMode.js';
import { wholeNumberOf } from '../config/wholeNumber.js';
import { refuseEmpty } from './refuseEmpty.js';
import { refuseMissingJobsDir } from './refuseMissingJobsDir.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve published reports over the Adapty- and Zenovay-compatible LTV APIs')
    .option('--reports <dir>', 'reports directory (default: $LTV_REPORTS_DIR, else ./reports)')
    .option('--port <n>', 'port (default: $PORT or 8080)')
    .option('--host <addr>', 'address to listen on (0.0.0.0: every interface, as the Docker image does)', '127.0.0.1')
    .option('--keys <file>', 'keys file', './keys.json')
    .option('--jobs <dir>', 'jobs folder for the on-demand run routes (mounted when LTV_ADMIN_KEY_SHA256 is set)')
    .action(async (flags: { reports?: string; port?: string; host: string; keys: string; jobs?: string }) => {
      // Stopped while loading or checking its settings, before it listened: exit 0, as a stop later does.
      const starting = quitOnSignalsUntilHandled();
      // Imported here, not at the top: `ltv --help` and the other commands never load them.
      const [{ pino }, { loadEnv }, { createServer }] = await Promise.all([import('pino'), import('../config/env.js'), import('../serve/createServer.js')]);
      // Given empty (an unset shell variable), a flag is refused by name, as ltv run's are: `--host ''` is
      // every interface to Node, and `--keys ''` a server answering 401 to everything.
      refuseEmpty([
        ['--host', flags.host, 'an address to listen on (127.0.0.1; 0.0.0.0 for every interface)'],
        ['--reports', flags.reports, 'the folder ltv run publishes to'],
        ['--keys', flags.keys, 'the keys file (ltv keys add makes one)'],
        ['--jobs', flags.jobs, 'the jobs folder'],
      ]);
      const port = portOf(flags.port);
      // LOG_LEVEL and the rest of the environment checked first, each in one line (a bad LOG_LEVEL was pino's
      // internal error).
      const env = loadEnv();
      // The image's LTV_REPORTS_DIR (Dockerfile) is where its worker publishes: serve reads the same by default.
      const o = { ...flags, reports: flags.reports ?? env.LTV_REPORTS_DIR ?? './reports' };
      const reportsName = flags.reports === undefined && env.LTV_REPORTS_DIR ? 'LTV_REPORTS_DIR' : '--reports';
      // A first serve, before any run, said only "does not exist".
      const noReports = () => new AppError('CONFIG', `${reportsName}: ${o.reports} does not exist: publish a run there first ` + (reportsName === '--reports'
        ? `(ltv run <job file> --out ${o.reports}), or give --reports the folder ltv run publishes to`
        : '(ltv run and the worker publish to LTV_REPORTS_DIR too), or set it to the folder runs publish to'));
      // Buffered, asynchronous log writes: a write(2) per access-log line would cost a tenth of the
      // snapshot throughput. Flushed every second (a quiet server's lines must not wait for 4 KB, issue
      // 16) and on shutdown.
      const dest = pino.destination({ dest: 1, sync: false, minLength: 4096 });
      const flusher = setInterval(() => dest.flush(), 1000);
      flusher.unref();
      const logger = pino({ name: 'ltv-serve', level: env.LOG_LEVEL }, dest);
      // Checked whether or not the run routes are mounted, as ltv worker checks it: a typo in --jobs was taken
      // without a word when no admin key is set. LTV_JOBS_DIR is read only by those routes.
      await refuseMissingJobsDir(flags.jobs, env.LTV_ADMIN_KEY_SHA256 ? process.env.LTV_JOBS_DIR : undefined);
      // On-demand runs over HTTP need Redis: mounted only when an admin key is configured.
      const [{ mountOps }, runRoutes] = await Promise.all([
        import('./mountOps.js'), env.LTV_ADMIN_KEY_SHA256 ? import('./mountRunRoutes.js') : null,
      ]);
      const runs = runRoutes ? runRoutes.mountRunRoutes(env, o.jobs ?? env.LTV_JOBS_DIR, logger) : null;
      const ops = mountOps(env, { reportsDir: o.reports, queue: runs?.queue ?? null });
      // Refused before anything starts, in one line each: a server that came up on a wrong folder or an
      // unreadable keys file would answer every request 404 or 401.
      const reportsStat = (() => {
        try {
          return statSync(o.reports);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw noReports();
          throw new AppError('CONFIG', `${reportsName}: ${o.reports} cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
        }
      })();
      if (!reportsStat.isDirectory()) throw new AppError('CONFIG', `${reportsName}: ${o.reports} is not a directory (give the folder ltv run publishes to)`);
      const { keysFileCount } = await import('../serve/KeyStore.js');
      const keys = keysFileCount(o.keys);
      if (typeof keys === 'string') throw new AppError('CONFIG', `--keys: ${o.keys} ${keys}; fix it, or give another file (ltv keys add --tenant <id> --keys <file> makes one)`);
      let server;
      try {
        server = createServer({
          reportsDir: o.reports, keysFile: o.keys, logger,
          extraRoutes: [...ops.routes, ...(runs?.routes ?? [])],
          mounts: runs?.mounts ?? [],
          onRequest: ops.onRequest,
          answerCacheBytes: env.LTV_SERVE_CACHE_MB * 2 ** 20,
          maxConnections: env.LTV_SERVE_MAX_CONNECTIONS,
          maxConnectionsPerClient: env.LTV_SERVE_MAX_CONNECTIONS_PER_CLIENT,
          maxQueuedQueries: env.LTV_SERVE_MAX_QUEUED_QUERIES,
        });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw noReports();
        throw e;
      }
      // A database REDIS_URL names that Redis refuses: ioredis goes on in database 0, where POST /api/v1/runs
      // would queue runs. Refused at start when Redis answers within LTV_CONNECT_TIMEOUT_MS (unreachable:
      // the server starts, the reports need no Redis), and whenever it later connects (below).
      let databaseRefused: AppError | null = null;
      if (runs) {
        const [{ waitForRedis }, { redisDatabaseOf }] = await Promise.all([import('../queue/enqueueRun.js'), import('../config/redisUrl.js')]);
        if (redisDatabaseOf(env.REDIS_URL) !== 0) {
          databaseRefused = await waitForRedis(runs.queue, env).then(() => null, (e: unknown) => (isAppError(e) && e.code === 'CONFIG' ? e : null));
          if (databaseRefused) {
            await server.close(0);
            await runs.queue.close().catch(() => undefined);
            throw databaseRefused;
          }
        }
      }
      const started = server;
      const addr = await started.listen(port, o.host).catch(async (e: NodeJS.ErrnoException) => {
        await started.close(0);
        await runs?.queue.close().catch(() => undefined);
        throw listenError(e, { host: o.host, port, portSetting: '--port', hostSetting: '--host', inUse: '(another ltv serve?): stop it, or give another --port (or PORT)' }) ?? e;
      });
      logger.info({ address: addr.address, port: addr.port, reports: o.reports, keys: o.keys }, 'listening');
      // Without a key every request is a 401: say so at start, not after the first puzzled client.
      if (keys === 0) {
        const hint = `no API key in ${o.keys}: every request will be answered 401 until one is added with: ltv keys add --tenant <id> --keys ${o.keys}`;
        logger.warn({ keys: o.keys }, hint);
        process.stderr.write(`ltv serve: warning: ${hint}\n`);
      }
      dest.flush(); // operators and scripts wait for this line
      // A reader of the log that went away (`ltv serve | head -1`): writes fail with EPIPE. The server goes on,
      // and a stop still ends the process (its synchronous flush on shutdown looped for ever).
      dest.on('error', () => undefined);
      await new Promise<void>((resolve) => {
        const stop = (signal: string): void => {
          // A second signal while draining ends the process at once (Node's default, as before).
          signalMode('default');
          logger.info({ signal }, 'shutting down');
          void server.close().catch(() => undefined).then(async () => {
            await runs?.queue.close().catch(() => undefined);
            clearInterval(flusher);
            // Not flushSync: on EPIPE (nobody reads the log any more) sonic-boom's loops for ever.
            await new Promise<void>((done) => {
              const timer = setTimeout(done, 1_000);
              timer.unref();
              try {
                dest.flush(() => {
                  clearTimeout(timer);
                  done();
                });
              } catch {
                clearTimeout(timer);
                done();
              }
            });
          }).finally(resolve);
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
        // The shell that started it closed: drain as for SIGTERM, as the worker does (Node's default ended the
        // process at once, cutting the requests in flight).
        process.once('SIGHUP', () => stop('SIGHUP'));
        starting.release();
        void import('../queue/redisConnection.js').then(({ redisDatabaseRefused }) => runs?.queue.on('error', (e) => {
          const refused = redisDatabaseRefused(e, env.REDIS_URL);
          if (!refused || databaseRefused) return;
          databaseRefused = refused;
          logger.fatal({ err_message: refused.message }, 'stopping: REDIS_URL names a database Redis refuses');
          stop('REDIS_URL');
        }));
      });
      // Exit 1 with its one line (main.ts), after the in-flight requests were answered.
      const refused = databaseRefused as AppError | null;
      if (refused) throw refused;
    });
}

/**
 * --port, else PORT (empty: unset), else 8080: decimal digits from 0 (any free port) to 65535. `Number()`
 * took "" as 0 (a random port instead of the default) and "0x4970" as 18800.
 */
function portOf(flag: string | undefined): number {
  const env = process.env.PORT?.trim() ? process.env.PORT : undefined;
  const [text, name] = flag !== undefined ? [flag, '--port'] : env !== undefined ? [env, 'PORT'] : ['8080', '--port'];
  const port = wholeNumberOf(text);
  if (!(port >= 0 && port <= 65535)) throw new AppError('CONFIG', `${name}: "${text}" is not a port: give a whole number from 1 to 65535 (0: any free port)`);
  return port;
}
