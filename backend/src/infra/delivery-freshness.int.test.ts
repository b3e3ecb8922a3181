import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TripRecord } from '@fleetstream/contracts';
import { freshnessBounds, type FreshnessRules } from '../domain/delivery-freshness.js';
import { positionUpdate, testLogger, tripUpdate } from '../testing/fixtures.js';
import { createTestContext, testNamespace } from '../testing/test-context.js';
import { createAbandonedDeliveries } from './abandoned-deliveries.js';
import { NO_PARTITION } from './delivery-keys.js';
import { createDeliveryStore } from './delivery-store.js';

let t: Awaited<ReturnType<typeof createTestContext>>;
beforeAll(async () => {
  t = await createTestContext(['live-push'], testNamespace('delivery-freshness'));
});
afterAll(async () => t?.close());

const position = (deliveryId: string, ts: number, seq = 1) => positionUpdate(deliveryId, seq, ts);
const trip = (deliveryId: string, ts: number, seq: number, status: TripRecord['status']) =>
  tripUpdate(deliveryId, seq, ts, status);

const rules: FreshnessRules = {
  staleAfterMs: 10_000,
  offlineAfterMs: 60_000,
  abandonAfterMs: 30 * 60_000,
};

it('counts active deliveries by why their position is old: the pipeline, a silent or a quiet courier', async () => {
  const store = createDeliveryStore(t.redis, { prefix: `${t.ctx.config.redis.prefix}f:` });
  const now = Date.now();
  await store.applyUpdates(
    [
      position('fresh-1', now - 2_000),
      position('fresh-2', now - 9_000),
      position('quiet', now - 30_000),
      position('silent', now - 5 * 60_000),
    ],
    now,
  );
  // Caught up: the 30 s one is a quiet courier, the 5 min one silent, none the pipeline's.
  expect(await store.activeFreshness(freshnessBounds(now, rules, 0))).toEqual({
    active: 4,
    fresh: 2,
    lagging: 0,
    quiet: 1,
    silent: 1,
  });
  // Live-push 40 s behind: the 30 s one is what the backlog explains.
  expect(await store.activeFreshness(freshnessBounds(now, rules, 40_000))).toEqual({
    active: 4,
    fresh: 2,
    lagging: 1,
    quiet: 0,
    silent: 1,
  });
  // 10 min behind: nobody can be told silent.
  expect(await store.activeFreshness(freshnessBounds(now, rules, 600_000))).toMatchObject({
    lagging: 2,
    silent: 0,
  });
});

it('drops abandoned deliveries once, with an event; a finished one is listed in the finished set', async () => {
  const prefix = `${t.ctx.config.redis.prefix}a:`;
  const store = createDeliveryStore(t.redis, { prefix });
  const abandoned = createAbandonedDeliveries(t.redis, store.keys, {
    log: testLogger(),
    abandonAfterS: rules.abandonAfterMs / 1000,
  });
  const now = Date.now();
  await store.applyUpdates(
    [
      trip('gone', now - 40 * 60_000, 1, 'assigned'),
      position('gone', now - 31 * 60_000, 2),
      position('live', now - 1_000),
      trip('done', now - 5_000, 1, 'assigned'),
      trip('done', now - 4_000, 2, 'delivered'),
      trip('old-done', now - 3 * 3600_000, 1, 'assigned'),
      trip('old-done', now - 3 * 3600_000, 2, 'cancelled'),
    ],
    now,
  );
  expect(await t.redis.zrange(store.keys.finished(NO_PARTITION), 0, -1, 'WITHSCORES')).toEqual([
    'old-done',
    String(now - 3 * 3600_000),
    'done',
    String(now - 4_000),
  ]);
  const bounds = freshnessBounds(now, rules, 0);
  const events = await abandoned.sweep(now, bounds.abandonBefore, now - 2 * 3600_000);
  expect(events).toEqual([
    {
      at: now,
      deliveryId: 'gone',
      driverId: 'drv-gone',
      status: 'assigned',
      lastSeenTs: now - 31 * 60_000,
    },
  ]);
  expect(await abandoned.sweep(now, bounds.abandonBefore, now - 2 * 3600_000)).toEqual([]);
  expect((await t.redis.zrange(store.keys.active(NO_PARTITION), 0, -1)).sort()).toEqual(['live']);
  expect(await t.redis.zrange(store.keys.finished(NO_PARTITION), 0, -1)).toEqual(['done']);
  expect(await abandoned.recent()).toEqual({ abandoned: events, total: 1 });

  // Live-push 10 min behind: a delivery silent for 31 min is not abandoned (its news may be
  // in the backlog).
  await store.applyUpdates([position('maybe', now - 31 * 60_000)], now);
  const lagging = freshnessBounds(now, rules, 600_000);
  expect(await abandoned.sweep(now, lagging.abandonBefore, 0)).toEqual([]);
  // Re-assigned after delivery: back in the active set, out of the finished one.
  await store.applyUpdates([trip('done', now - 1_000, 3, 'assigned')], now);
  expect(await t.redis.zscore(store.keys.finished(NO_PARTITION), 'done')).toBeNull();
  expect(await t.redis.zscore(store.keys.active(NO_PARTITION), 'done')).toBe(String(now - 1_000));
});
