// SPEC §11 on `ltv serve`: `/metrics` (Prometheus text format) and `/readyz` (the readiness checks the CLI
// passes in: the reports directory, and Redis when the on-demand routes are mounted). `/healthz` is the
// server's own built-in route. Neither needs a key: they carry no tenant data (route templates, job names
// and counts only); keep them off the public internet at the proxy if that matters to you.
import { answerMetrics, answerReadyz, type ReadinessCheck } from '../metrics/checkReadiness.js';
import type { Metrics } from '../metrics/createMetrics.js';
import type { Route } from './Route.js';

export function opsRoutes(opts: { metrics: Metrics; checks: readonly ReadinessCheck[]; readyTimeoutMs: number }): Route[] {
  return [
    {
      method: 'GET',
      path: '/metrics',
      family: 'zenovay',
      auth: null,
      handle: (ctx) => answerMetrics(ctx.res, opts.metrics, ctx.req.method === 'HEAD'),
    },
    {
      method: 'GET',
      path: '/readyz',
      family: 'zenovay',
      auth: null,
      handle: async (ctx) => {
        await answerReadyz(ctx.res, opts.checks, opts.readyTimeoutMs, ctx.req.method === 'HEAD');
      },
    },
  ];
}
