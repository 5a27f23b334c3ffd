# ltv: one image for `ltv worker` and `ltv serve` (compose: .deploy/compose.yaml).
# There is no build step: src/cli/bin.mjs runs the TypeScript through tsx, a runtime dependency.

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only; the lockfile decides every version.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    LTV_JOBS_DIR=/data/jobs \
    LTV_REPORTS_DIR=/data/reports \
    LTV_METRICS_PORT=9464
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY src ./src
COPY jobs/README.md jobs/job.schema.json ./jobs/
# The node image's unprivileged user; reports and jobs are volumes it owns.
RUN mkdir -p /data/jobs /data/reports && chown -R node:node /data
USER node
VOLUME ["/data/jobs", "/data/reports"]
# Worker: healthy while its /readyz (LTV_METRICS_PORT) says ready: Redis answers within a second and the
# reports volume is readable (SPEC §11). `ltv serve` containers check /readyz on their API port instead
# (.deploy/compose.yaml). Liveness alone is /healthz.
EXPOSE 8080 9464
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD node -e "require('http').get('http://127.0.0.1:'+process.env.LTV_METRICS_PORT+'/readyz',r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"
# SIGTERM reaches node directly (exec form), so the worker's graceful shutdown runs.
ENTRYPOINT ["node", "src/cli/bin.mjs"]
CMD ["worker"]
