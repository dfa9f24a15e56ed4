# syntax=docker/dockerfile:1
# release-bot: build with `docker build -t release-bot .`, run with
#   docker run --rm -v "$PWD/config:/app/config:ro" -v release-bot-state:/app/.release-bot \
#     -e GITLAB_TOKEN -e SLACK_WEBHOOK_RELEASES -p 9464:9464 release-bot
# (the default command is `start`; `docker run … release-bot run update-component --dry-run` runs one job).

FROM node:20-bookworm-slim AS build
# better-sqlite3 compiles its native addon from source.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts && npm rebuild better-sqlite3
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY jobs ./jobs
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    RELEASE_BOT_CONFIG=/app/config/release-bot.yaml
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY config ./config
RUN mkdir -p /app/.release-bot && chown -R node:node /app/.release-bot \
 && ln -s /app/dist/src/cli.js /usr/local/bin/release-bot && chmod +x /app/dist/src/cli.js
USER node
EXPOSE 9464
# The daemon must listen on 0.0.0.0 inside a container (server.host), which requires server.auth;
# /healthz stays open for probes.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:9464/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["release-bot"]
CMD ["start"]
