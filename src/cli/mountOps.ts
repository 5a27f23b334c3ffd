// SPEC §11 on `ltv serve`: its metrics registry, the access hook that counts every request, and the
// /metrics and /readyz routes. Ready = the reports directory is readable and, when the on-demand routes
// and bull-board are mounted (LTV_ADMIN_KEY_SHA256), Redis answers within LTV_READY_TIMEOUT_MS. The
// CLI wires it, as it wires the run routes: serve itself knows nothing of Redis.
import { resolve } from 'node:path';
import type { Env } from '../config/env.js';
import { reportsReadable, type ReadinessCheck } from '../metrics/checkReadiness.js';
import { createMetrics, recordRequest, type Metrics } from '../metrics/createMetrics.js';
import { isRedisConnectionError, redisNotConnected, watchLoginRefusal } from '../queue/redisConnection.js';
import type { RunQueue } from '../queue/runQueue.js';
import { opsRoutes } from '../serve/opsRoutes.js';
import type { RequestRecord, Route } from '../serve/Route.js';

export function mountOps(env: Env, opts: { reportsDir: string; queue: RunQueue | null }): { metrics: Metrics; routes: Route[]; onRequest: (r: RequestRecord) => void } {
  const metrics = createMetrics();
  const checks: ReadinessCheck[] = [reportsReadable(resolve(opts.reportsDir), { hidePath: true })];
  const queue = opts.queue;
  if (queue) {
    const refused = watchLoginRefusal(queue, env.REDIS_URL);
    checks.unshift({
      name: 'redis',
      async check() {
        // One round trip through the queue's own connection (BullMQ 6 keeps the raw client behind its backend).
        const login = refused();
        if (!login) {
          // A connection down fails the command at once with ioredis's words ("Stream isn't writeable and
          // enableOfflineQueue options is false"): said as what it means.
          await queue.getJobCounts('waiting').catch((e: unknown) => {
            throw isRedisConnectionError(e) ? redisNotConnected(env.REDIS_URL) : e;
          });
          return;
        }
        // A refusal seen lately (remembered up to 10 s): ready again as soon as a round trip answers; else the
        // refusal is the reason, not "no answer".
        const answered = await Promise.race([
          queue.getJobCounts('waiting').then(() => true, () => false),
          new Promise<boolean>((r) => setTimeout(() => r(false), Math.max(50, Math.floor(env.LTV_READY_TIMEOUT_MS / 2))).unref()),
        ]);
        if (!answered) throw login;
      },
    });
  }
  return {
    metrics,
    routes: opsRoutes({ metrics, checks, readyTimeoutMs: env.LTV_READY_TIMEOUT_MS }),
    onRequest: (r) => recordRequest(metrics, r),
  };
}
