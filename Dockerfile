# syntax=docker/dockerfile:1
# Two images: the four paytrace services (the default target, `runtime`, last below;
# docker-compose.yml picks the service by command) and the web UI (`--target ui`).

FROM node:24.21.0-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.base.json ./
COPY services/package.json services/
COPY auth/package.json auth/
COPY balance/package.json balance/
COPY payments/package.json payments/
COPY gateway/package.json gateway/
# Every workspace the lockfile lists: npm ci quietly skips one whose package.json is missing, and
# the UI's build below needs the UI's workspace packages and their dependencies.
COPY loadtest/package.json loadtest/
COPY faults/package.json faults/
COPY trace-analysis/package.json trace-analysis/
COPY metrics-analysis/package.json metrics-analysis/
COPY devstack/package.json devstack/
COPY lab/package.json lab/
COPY ui/package.json ui/
# Build tools only: no install scripts (the embedded Postgres is for running natively, not here;
# esbuild runs from its platform package without its postinstall).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY services/ services/
COPY auth/ auth/
COPY balance/ balance/
COPY payments/ payments/
COPY gateway/ gateway/
RUN npx tsc -b

# The web UI: its server and everything it imports (the trace and metrics analysis and the fault catalog,
# TypeScript source; nothing of the dev stack) bundled by esbuild into one ESM file, so its image
# needs no node_modules. The banner gives bundled CommonJS packages their `require`.
FROM build AS ui-build
COPY trace-analysis/src/ trace-analysis/src/
COPY metrics-analysis/src/ metrics-analysis/src/
COPY faults/src/ faults/src/
# The load tests' traffic mix: the fault catalog imports its accounts.
COPY loadtest/traffic-mix.js loadtest/
COPY ui/src/ ui/src/
RUN npx esbuild ui/src/server.ts --bundle --platform=node --format=esm --target=node24 \
      --outfile=ui/dist/server.mjs \
      "--banner:js=import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);"

FROM node:24.21.0-bookworm-slim AS ui
ENV NODE_ENV=production
WORKDIR /app
COPY --from=ui-build /app/ui/dist/server.mjs ui/dist/server.mjs
# Beside dist/, where the server finds it: new URL('../public/', import.meta.url).
COPY ui/public/ ui/public/
USER node
ENV HOST=0.0.0.0 PORT=16600
EXPOSE 16600
CMD ["node", "ui/dist/server.mjs"]

# The services' image; the last stage, so `docker build .` (and compose's `build: .`) makes it.
FROM node:24.21.0-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# The services' workspaces only: npm ci skips devstack and the UI (no package.json here), so
# their dependencies stay out of this image.
COPY package.json package-lock.json ./
COPY services/package.json services/
COPY auth/package.json auth/
COPY balance/package.json balance/
COPY payments/package.json payments/
COPY gateway/package.json gateway/
# Production dependencies only.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/services/dist services/dist
COPY --from=build /app/auth/dist auth/dist
COPY --from=build /app/balance/dist balance/dist
COPY --from=build /app/payments/dist payments/dist
COPY --from=build /app/gateway/dist gateway/dist
USER node
ENV HOST=0.0.0.0
# docker-compose.yml sets the command per service, e.g.
#   node --import @paytrace/services/telemetry gateway/dist/server.js
CMD ["node", "--import", "@paytrace/services/telemetry", "gateway/dist/server.js"]
