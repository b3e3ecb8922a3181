import { afterAll, beforeAll, expect, it } from 'vitest';
import type { PositionRecord } from '@fleetstream/contracts';
import { createTestContext, testNamespace } from '../testing/test-context.js';
import { createDeliveryStore, type DeliveryUpdate } from './delivery-store.js';

let t: Awaited<ReturnType<typeof createTestContext>>;
beforeAll(async () => {
  t = await createTestContext(['live-push'], testNamespace('delivery-freshness'));
});
afterAll(async () => t?.close());

const position = (deliveryId: string, ts: number): DeliveryUpdate => ({
  type: 'position',
  position: {
    type: 'position',
    v: 1,
    driverId: `drv-${deliveryId}`,
    deliveryId,
    seq: 1,
    ts,
    lat: 52.5,
    lng: 13.4,
  } satisfies PositionRecord & { deliveryId: string },
});

it("counts active deliveries and those whose last position is fresh, from each one's age", async () => {
  const store = createDeliveryStore(t.ctx.redis, { prefix: t.ctx.config.redis.prefix });
  const now = Date.now();
  // Fresh, a courier silent for a minute, and one silent past the active set's 30 minutes.
  await store.applyUpdates(
    [
      position('fresh-1', now - 2_000),
      position('fresh-2', now - 9_000),
      position('silent', now - 60_000),
      position('gone', now - 31 * 60_000),
    ],
    now,
  );
  expect(await store.activeFreshness(now, 10_000)).toEqual({ active: 3, fresh: 2 });
  expect(await store.activeFreshness(now, 120_000)).toEqual({ active: 3, fresh: 3 });
  expect(await t.ctx.redis.zscore(`${t.ctx.config.redis.prefix}active`, 'gone')).toBeNull();
});
