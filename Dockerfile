# The image runs on Node 22 (LTS; Node 20 reached end of life in April 2026); the project itself keeps
# supporting Node >= 20 (package.json engines). Build: docker build -t modellab-mirror:local .

# Production dependencies, installed from the lockfile. better-sqlite3 falls back to compiling when no
# prebuilt binary matches, so the compilers live in this stage only, never in the runtime image.
FROM node:22-bookworm-slim AS deps
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# The build: every dependency (TypeScript and friends), then dist/.
FROM deps AS build
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# The runtime: the built CLI, its production dependencies and the migrations (no dev dependencies, no compilers).
FROM node:22-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production MODELLAB_DB=/data/mirror.db MODELLAB_SNAPSHOT_DIR=/data/snapshots MODELLAB_HTTP_HOST=0.0.0.0 MODELLAB_HTTP_PORT=9464
COPY package.json package-lock.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY migrations ./migrations
COPY docker/entrypoint.sh /usr/local/bin/modellab-mirror-entrypoint
RUN mkdir -p /data/snapshots && chown -R node:node /data
USER node
VOLUME /data
EXPOSE 9464
# Slim images have no curl: the check is a node one-liner against /healthz (200 = the mirror is current).
HEALTHCHECK --interval=30s --timeout=5s --start-period=10m --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.MODELLAB_HTTP_PORT||9464)+'/healthz',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.status===200?0:1),()=>process.exit(1))"]
ENTRYPOINT ["modellab-mirror-entrypoint", "node", "dist/cli.js"]
CMD ["daemon"]
