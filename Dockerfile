# ltv: one image for `ltv worker` and `ltv serve` (compose: .deploy/compose.yaml).
# The build stage compiles src/ to dist/ (`npm run build`: JavaScript, the SQL files and any front-end
# bundle); the image runs dist/ with production dependencies only, through the launcher src/cli/bin.mjs,
# and carries no TypeScript.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
# Every dependency (the build needs typescript); scripts skipped here because src/ is not copied yet.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY src ./src
RUN npm run build

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only; the lockfile decides every version. --ignore-scripts: `prepare` would
# build, which needs the dev dependencies; the build comes from the build stage. (No production
# dependency here needs an install script: DuckDB ships prebuilt bindings as optional packages.)
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force

FROM node:20-bookworm-slim
# tini as PID 1: it hands SIGTERM to node and reaps. Node as PID 1 has no default signal actions: a signal
# a command leaves to Node's default (src/cli/signalMode.ts) was ignored, and the container stopped only
# at SIGKILL. (So `docker run --init` is not needed.)
RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    LTV_JOBS_DIR=/data/jobs \
    LTV_REPORTS_DIR=/data/reports \
    LTV_METRICS_PORT=9464
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY --from=build /app/dist ./dist
# The launcher (its early signal lines, before a command's own handlers are on) and the health check. With
# no TypeScript beside them, bin.mjs always runs dist/ (buildIsCurrent.mjs).
COPY --from=build /app/src/cli/bin.mjs /app/src/cli/buildIsCurrent.mjs /app/src/cli/healthcheck.mjs ./src/cli/
COPY jobs/README.md jobs/job.schema.json ./jobs/
# The node image's unprivileged user; reports and jobs are volumes it owns.
RUN mkdir -p /data/jobs /data/reports && chown -R node:node /data
USER node
VOLUME ["/data/jobs", "/data/reports"]
# Healthy while the command's /readyz says ready (SPEC §11): the worker's on LTV_METRICS_PORT (Redis answers
# within a second, the reports volume is readable), serve's on its own --port (else PORT, else 8080; the
# reports are readable, and Redis answers when the admin routes are mounted). healthcheck.mjs reads which
# command runs from PID 1's command line; run, enqueue and keys have nothing to probe. Liveness alone is /healthz.
EXPOSE 8080 9464
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "src/cli/healthcheck.mjs"]
# Exec form: SIGTERM reaches tini, which hands it to node, so the worker's and the server's graceful
# shutdown runs.
ENTRYPOINT ["/usr/bin/tini", "--", "node", "src/cli/bin.mjs"]
CMD ["worker"]
