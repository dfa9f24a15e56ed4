# syntax=docker/dockerfile:1
# release-bot: build with `docker build -t release-bot .`, run with
#   docker run --rm --read-only --tmpfs /tmp -v "$PWD/config:/app/config:ro" -v release-bot-state:/app/.release-bot \
#     -e GITLAB_TOKEN -e SLACK_WEBHOOK_RELEASES -p 9464:9464 release-bot
# (the default command is `start`; `docker run … release-bot run update-component --dry-run` runs one job).
# The config is mounted, never baked in: its `${…}` secrets come from the environment. Its store
# path is relative to the config file: the example's `../.release-bot/state.db` is the data volume.

# Node 24 LTS everywhere. On Node 24 the store uses the built-in node:sqlite, so no native addon is
# compiled (better-sqlite3 is an optional dependency for Node 20 only) and no compiler is needed.
ARG NODE_IMAGE=node:24-bookworm-slim

# 1. Compile TypeScript with the dev dependencies.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
# The engine, the jobs and the composition root only: the demo (demo/) and the forge simulator
# (packages/forge-sandbox) stay in the clone, so the image carries no simulator code.
COPY src ./src
COPY jobs ./jobs
COPY app ./app
RUN npm run build

# 2. Production dependencies only (no install scripts: nothing to build on Node 24).
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# 3. Runtime: git (GitLab branch moves push with git) and CA certificates, a non-root user, and a
#    root filesystem that can be mounted read-only: the bot writes only to /app/.release-bot (the
#    data volume) and $TMPDIR (/tmp, a tmpfs or emptyDir).
FROM ${NODE_IMAGE} AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    RELEASE_BOT_CONFIG=/app/config/release-bot.yaml \
    TMPDIR=/tmp
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/jobs ./dist/jobs
COPY --from=build /app/dist/app ./dist/app
COPY package.json ./
RUN mkdir -p /app/.release-bot /app/config \
 && chown 1000:1000 /app/.release-bot \
 && chmod +x /app/dist/app/cli.js \
 && ln -s /app/dist/app/cli.js /usr/local/bin/release-bot
# The image's `node` user, by number so Kubernetes can verify runAsNonRoot.
USER 1000:1000
VOLUME ["/app/.release-bot"]
EXPOSE 9464
# The daemon must listen on 0.0.0.0 inside a container (server.host), which requires server.auth;
# /healthz stays open for probes.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9464/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["release-bot"]
CMD ["start"]
