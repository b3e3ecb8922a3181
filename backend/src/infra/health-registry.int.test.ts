import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { testLogger } from '../testing/fixtures.js';
import { createHealthRegistry } from './health-registry.js';
import { createRedis, type RedisClient } from './redis.js';

// Runs on the standalone Redis and again on the local 3-primary cluster (no replicas).
const url = inject('redisUrl');
const onCluster = url.includes('+cluster://');
let redis: RedisClient;

beforeAll(async () => {
  redis = await createRedis({ url, log: testLogger(), name: 'health' });
});
afterAll(async () => {
  await redis.quit();
});

it('reports Redis node by node: the one server, or each primary of the cluster', async () => {
  const health = await createHealthRegistry(redis, 'health-test:').check();
  expect(health).toMatchObject({ ok: true, mode: onCluster ? 'cluster' : 'standalone' });
  expect(health.nodes).toHaveLength(onCluster ? 3 : 1);
  for (const node of health.nodes) {
    expect(node).toMatchObject({ role: 'primary', ok: true });
    expect(node.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(node.pingMs).toBeGreaterThanOrEqual(0);
  }
  const ports = health.nodes.map((n) => n.address.split(':')[1]);
  expect(ports.every((p) => url.includes(`:${p}`))).toBe(true);
});

it('reports Redis down at once while the client is not connected', async () => {
  const other = await createRedis({ url, log: testLogger(), name: 'health-down' });
  const ended = new Promise((resolve) => other.once('end', resolve));
  other.disconnect();
  await ended;
  const health = await createHealthRegistry(other, 'health-test:').check();
  expect(health.ok).toBe(false);
  expect(health.error).toMatch(/^redis (end|close|wait)/);
});
