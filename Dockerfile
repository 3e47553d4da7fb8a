# syntax=docker/dockerfile:1
# contextcord: the bot in a container. Build with `docker build -t contextcord .`, run with compose.yaml.

# Production dependencies, with the toolchain sqlite3's native binding may need to build.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# The compiled bot: every dependency (TypeScript), then tsc.
FROM deps AS build
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY commands ./commands
COPY src ./src
RUN npm run build

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    STORE_URL=sqlite:///data/contextcord.sqlite \
    HTTP_PORT=9464 \
    HTTP_HOST=0.0.0.0 \
    MALLOC_ARENA_MAX=1 \
    MALLOC_TRIM_THRESHOLD_=131072
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# SQLite writes the database and its -wal/-shm files here; the bot runs as the image's unprivileged user.
RUN mkdir -p /data && chown node:node /data
VOLUME /data
USER node
EXPOSE 9464
# The image has no curl, so node asks /healthz. Unsetting HTTP_PORT turns the endpoints off: then drop this check too.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+process.env.HTTP_PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# The bot stops on SIGTERM: answers under way get SHUTDOWN_TIMEOUT_MS (8 s), inside Docker's 10 s.
STOPSIGNAL SIGTERM
# The same command as `npm start` and deploy/contextcord.service (a test holds the three together).
CMD ["node", "--max-semi-space-size=4", "dist/src/index.js"]
