// `ltv serve [--reports <dir>] [--port <n>] [--keys <file>] [--host <addr>]` (SPEC §8): the endpoint
// of SPEC §6 until SIGTERM/SIGINT, which stop accepting and let in-flight requests finish.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { pino } from 'pino';
import { AppError } from '../config/AppError.js';
import { loadEnv } from '../config/env.js';
import { createServer } from '../serve/createServer.js';
import { keysFileSchema } from '../serve/KeyStore.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve published reports over the Adapty- and Zenovay-compatible LTV APIs')
    .option('--reports <dir>', 'reports directory', './reports')
    .option('--port <n>', 'port (default: $PORT or 8080)')
    .option('--host <addr>', 'address to listen on (0.0.0.0: every interface, as the Docker image does)', '127.0.0.1')
    .option('--keys <file>', 'keys file', './keys.json')
    .option('--jobs <dir>', 'jobs folder for the on-demand run routes (mounted when LTV_ADMIN_KEY_SHA256 is set)')
    .action(async (o: { reports: string; port?: string; host: string; keys: string; jobs?: string }) => {
      const port = Number(o.port ?? process.env.PORT ?? 8080);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new AppError('CONFIG', `--port: "${o.port ?? process.env.PORT}" is not a port`);
      // Buffered, asynchronous log writes: a write(2) per access-log line would cost a tenth of the
      // snapshot throughput. Flushed every second (a quiet server's lines must not wait for 4 KB, issue
      // 16) and on shutdown.
      const dest = pino.destination({ dest: 1, sync: false, minLength: 4096 });
      const flusher = setInterval(() => dest.flush(), 1000);
      flusher.unref();
      const logger = pino({ name: 'ltv-serve', level: process.env.LOG_LEVEL ?? 'info' }, dest);
      // On-demand runs over HTTP need Redis: mounted only when an admin key is configured.
      const env = loadEnv();
      // Imported here: BullMQ, bull-board and prom-client cost every other command nothing.
      const [{ mountRunRoutes }, { mountOps }] = await Promise.all([import('./mountRunRoutes.js'), import('./mountOps.js')]);
      const runs = env.LTV_ADMIN_KEY_SHA256 ? mountRunRoutes(env, o.jobs ?? env.LTV_JOBS_DIR, logger) : null;
      const ops = mountOps(env, { reportsDir: o.reports, queue: runs?.queue ?? null });
      let server;
      try {
        server = createServer({
          reportsDir: o.reports, keysFile: o.keys, logger,
          extraRoutes: [...ops.routes, ...(runs?.routes ?? [])],
          mounts: runs?.mounts ?? [],
          onRequest: ops.onRequest,
        });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new AppError('CONFIG', `--reports: ${o.reports} does not exist`);
        throw e;
      }
      const addr = await server.listen(port, o.host);
      logger.info({ address: addr.address, port: addr.port, reports: o.reports, keys: o.keys }, 'listening');
      // Without a key every request is a 401: say so at start, not after the first puzzled client.
      const keys = keyCount(o.keys);
      if (keys === 0) {
        const hint = `no API key in ${o.keys}: every request will be answered 401 until one is added with: ltv keys add --tenant <id> --keys ${o.keys}`;
        logger.warn({ keys: o.keys }, hint);
        process.stderr.write(`ltv serve: warning: ${hint}\n`);
      }
      dest.flush(); // operators and scripts wait for this line
      await new Promise<void>((resolve) => {
        const stop = (signal: string): void => {
          logger.info({ signal }, 'shutting down');
          void server.close().then(async () => {
            await runs?.queue.close().catch(() => undefined);
            clearInterval(flusher);
            dest.flushSync();
            resolve();
          });
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
    });
}

/** Keys in the file; 0 when it is missing, null when it cannot be read as a keys file (KeyStore logs that). */
function keyCount(file: string): number | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return 0;
  }
  try {
    return keysFileSchema.parse(JSON.parse(text)).keys.length;
  } catch {
    return null;
  }
}
