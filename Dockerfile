# ltv: one image for `ltv worker` and `ltv serve` (compose: .deploy/compose.yaml).
# The build stage compiles src/ to dist/ (`npm run build`: JavaScript, the SQL files and any front-end
# bundle); the image runs dist/ with production dependencies only, and carries no TypeScript.

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
ENV NODE_ENV=production \
    LTV_JOBS_DIR=/data/jobs \
    LTV_REPORTS_DIR=/data/reports \
    LTV_METRICS_PORT=9464
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY --from=build /app/dist ./dist
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
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["worker"]
