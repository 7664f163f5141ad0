# syntax=docker/dockerfile:1
# One image for the four paytrace services; docker-compose.yml picks the service by command.

FROM node:24.21.0-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.base.json ./
COPY services/package.json services/
COPY auth/package.json auth/
COPY balance/package.json balance/
COPY payments/package.json payments/
COPY gateway/package.json gateway/
# Build tools only: no install scripts (the embedded Postgres is for running natively, not here).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY services/ services/
COPY auth/ auth/
COPY balance/ balance/
COPY payments/ payments/
COPY gateway/ gateway/
RUN npx tsc -b

FROM node:24.21.0-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
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
