import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { LagSnapshot } from '@fleetstream/contracts';
import { startHeartbeat } from '../../health.js';
import type { OpsStore } from '../../infra/ops-store.js';
import { createTestContext, testNamespace } from '../../testing/test-context.js';
import { metricsRoutes } from './metrics.js';

let t: Awaited<ReturnType<typeof createTestContext>>;
let stopHeartbeat: () => Promise<void>;
let server: ReturnType<ReturnType<typeof express>['listen']>;
let snapshots = 0;

const snapshot = {
  groups: [
    {
      groupId: 'ns.analytics',
      partitions: [
        { partition: 0, lag: 12, timeLagMs: 1500, consumeRate: 40, produceRate: 42 },
        { partition: 1, lag: 0, timeLagMs: 0, consumeRate: 38, produceRate: 38 },
      ],
    },
  ],
} as unknown as LagSnapshot;

beforeAll(async () => {
  t = await createTestContext(['gateway'], testNamespace('metrics'));
  stopHeartbeat = startHeartbeat(t.ctx, 'analytics', () => ({
    ready: true,
    detail: { consumed: 7, deadLettered: 1 },
  }));
  const opsStore = {
    snapshot: () => {
      snapshots++;
      return Promise.resolve(snapshot);
    },
  } as unknown as OpsStore;
  // Two notifications the sink could not take, one of them given up on (no retry time).
  const parked = t.ctx.stores.parked;
  const parkedAt = Date.now() - 60_000;
  for (const [i, retryAt] of [
    [1, Date.now() + 5_000],
    [2, null],
  ] as const)
    await parked.park(
      {
        notification: {
          type: 'notification',
          v: 1,
          id: `dlv-${i}:delivered`,
          deliveryId: `dlv-${i}`,
          driverId: `drv-${i}`,
          milestone: 'delivered',
          ts: parkedAt,
          message: 'Your order was delivered.',
        },
        reason: 'HTTP 503',
        parkedAt,
        attempts: 1,
      },
      retryAt,
    );
  const app = express().use(metricsRoutes(t.ctx, { opsStore, connections: () => ({ track: 3 }) }));
  await new Promise<void>((r) => (server = app.listen(0, '127.0.0.1', () => r())));
});

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await stopHeartbeat?.();
  await t?.close();
});

it('serves role, connection and lag figures, reading the ops snapshot once per scrape', async () => {
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
  await expect
    .poll(async () => (await (await fetch(url)).text()).includes('fleetstream_role_up{'), {
      timeout: 10_000,
    })
    .toBe(true);
  snapshots = 0;
  const text = await (await fetch(url)).text();
  expect(snapshots).toBe(1);
  const instance = t.ctx.config.instanceId;
  expect(text).toContain(`fleetstream_role_up{role="analytics",instance="${instance}"} 1`);
  expect(text).toContain(
    `fleetstream_role_counter{role="analytics",instance="${instance}",counter="consumed"} 7`,
  );
  expect(text).toContain('fleetstream_ws_connections{endpoint="track"} 3');
  expect(text).toContain('fleetstream_consumer_lag_records{group="ns.analytics",partition="0"} 12');
  expect(text).toContain(
    'fleetstream_consumer_time_lag_seconds{group="ns.analytics",partition="0"} 1.5',
  );
  expect(text).toContain('fleetstream_produce_rate{group="ns.analytics",partition="1"} 38');
  expect(text).toContain('fleetstream_notifications_parked 2');
  expect(text).toContain('fleetstream_notifications_dead 1');
  const age = Number(
    /^fleetstream_notifications_parked_oldest_age_seconds (\S+)$/m.exec(text)?.[1],
  );
  expect(age).toBeGreaterThanOrEqual(60);
});
