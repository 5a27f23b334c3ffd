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
    LTV_HEARTBEAT_FILE=/tmp/ltv-heartbeat
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY src ./src
COPY jobs/README.md jobs/job.schema.json ./jobs/
# The node image's unprivileged user; reports and jobs are volumes it owns.
RUN mkdir -p /data/jobs /data/reports && chown -R node:node /data
USER node
VOLUME ["/data/jobs", "/data/reports"]
# Worker: healthy while its heartbeat (written every 5 s while connected to Redis) is under 30 s old.
# `ltv serve` containers override this with an HTTP check (see .deploy/compose.yaml).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD node -e "const f=process.env.LTV_HEARTBEAT_FILE;const s=require('fs').statSync(f,{throwIfNoEntry:false});process.exit(s&&Date.now()-s.mtimeMs<30000?0:1)"
# SIGTERM reaches node directly (exec form), so the worker's graceful shutdown runs.
ENTRYPOINT ["node", "src/cli/bin.mjs"]
CMD ["worker"]
