#!/usr/bin/env node
// Container health check of a backend role (Dockerfile HEALTHCHECK). Every role reports its
// readiness to Redis every 2 s (backend/src/health.ts); this container is healthy when all of
// its own reports are fresh and ready. Its instance id is INSTANCE_ID or `<hostname>-<pid>`,
// and the hostname is the container's, so a scaled-out service checks each replica on its own.
import os from 'node:os';
import Redis from 'ioredis';

const STALE_MS = 10_000;
const prefix = process.env.REDIS_PREFIX ?? 'fleetstream:';
const instance = process.env.INSTANCE_ID;
const mine = (id) => (instance ? id === instance : id.startsWith(`${os.hostname()}-`));

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
  lazyConnect: true,
  connectTimeout: 3_000,
  maxRetriesPerRequest: 0,
  enableOfflineQueue: false,
});
// Failures are reported once below, not by ioredis's unhandled-error warning.
redis.on('error', () => undefined);
let code = 1;
try {
  await redis.connect();
  const reports = Object.values(await redis.hgetall(`${prefix}health`))
    .map((raw) => JSON.parse(raw))
    .filter((r) => mine(String(r.instance)) && Date.now() - r.at <= STALE_MS);
  if (reports.length === 0) process.stderr.write('no fresh heartbeat from this container\n');
  else if (!reports.every((r) => r.ready))
    process.stderr.write(`not ready: ${reports.map((r) => r.role).join(', ')}\n`);
  else code = 0;
} catch (err) {
  process.stderr.write(`health check failed: ${err.message}\n`);
} finally {
  redis.disconnect();
}
process.exit(code);
