# syntax=docker/dockerfile:1
# One image for every fleetstream process: the backend roles run as
#   node backend/dist/main.js <gateway|live-push|analytics|notifications|ops|setup-topics>
# and the demo fleet as
#   node driver-simulator/dist/cli.js --drivers 50
# docker-compose.yml runs each role as its own service from this image.

ARG NODE_IMAGE=node:20-bookworm-slim

# --- build: every dependency, TypeScript to dist/, the web app bundled by Vite ---------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Manifests first, so the dependency layer is reused until package-lock.json changes.
COPY package.json package-lock.json ./
COPY contracts/package.json contracts/
COPY geo/package.json geo/
COPY kafka/package.json kafka/
COPY infra/package.json infra/
COPY backend/package.json backend/
COPY driver-simulator/package.json driver-simulator/
COPY web/package.json web/
# The test kit, end-to-end suites and benchmarks are workspaces too: npm ci needs their manifests.
COPY testkit/package.json testkit/
COPY e2e/package.json e2e/
COPY bench/package.json bench/
RUN npm ci --no-audit --no-fund
COPY tsconfig.base.json ./
COPY contracts contracts
COPY geo geo
COPY kafka kafka
COPY backend backend
COPY driver-simulator driver-simulator
COPY web web
# contracts, geo and kafka first: the others import their dist/ at run time (package exports
# "default").
RUN npm run build -w contracts -w geo -w kafka -w backend -w driver-simulator -w web
# The road network the demo fleet drives (its default city), for the backend to route on and
# serve at /api/city.geojson: the same streets in every container.
RUN node driver-simulator/dist/cli.js --geojson data/city.geojson --geojson-only

# --- runtime: production dependencies and the built output only, as a non-root user ---------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    LOG_FORMAT=json \
    WEB_DIST=/app/web/dist \
    CITY_GEOJSON=/app/data/city.geojson \
    PORT=8080
WORKDIR /app
COPY package.json package-lock.json ./
COPY contracts/package.json contracts/
COPY geo/package.json geo/
COPY kafka/package.json kafka/
COPY infra/package.json infra/
COPY backend/package.json backend/
COPY driver-simulator/package.json driver-simulator/
COPY web/package.json web/
COPY testkit/package.json testkit/
COPY e2e/package.json e2e/
COPY bench/package.json bench/
RUN npm ci --omit=dev --no-audit --no-fund \
      -w contracts -w geo -w kafka -w backend -w driver-simulator \
    && npm cache clean --force
COPY --from=build /app/contracts/dist contracts/dist
COPY --from=build /app/geo/dist geo/dist
COPY --from=build /app/kafka/dist kafka/dist
COPY --from=build /app/backend/dist backend/dist
COPY --from=build /app/driver-simulator/dist driver-simulator/dist
# The bundled OpenStreetMap extract the demo fleet drives, with its licence notice.
COPY driver-simulator/data driver-simulator/data
COPY --from=build /app/web/dist web/dist
COPY --from=build /app/data/city.geojson data/city.geojson
COPY infra/docker/healthcheck.mjs infra/docker/healthcheck.mjs
# The image's own "node" user (uid 1000); nothing under /app is writable by it.
USER node
EXPOSE 8080
# Healthy when this container's roles report ready to Redis (see infra/docker/healthcheck.mjs).
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "infra/docker/healthcheck.mjs"]
CMD ["node", "backend/dist/main.js", "gateway"]
