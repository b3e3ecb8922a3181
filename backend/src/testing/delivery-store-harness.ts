import { afterAll, beforeAll } from 'vitest';
import { carriedFixes, type TripRecord } from '@fleetstream/contracts';
import { deliveryKeys, sourcePlace } from '../infra/delivery-keys.js';
import type { DeliveryUpdate } from '../infra/delivery-store.js';
import type { Subscriber } from '../infra/redis-pubsub.js';
import { positionUpdate, tripUpdate } from './fixtures.js';
import { listenToFeed } from './live-feed-listener.js';
import { createTestContext, testNamespace, type TestContext } from './test-context.js';

/**
 * What the delivery store's integration tests share: a test context with a feed subscriber
 * (opened before and closed after the file's tests), updates of made-up deliveries, and
 * readers of what the store left in Redis and published.
 */
export function useDeliveryStoreContext(name: string) {
  const h = {} as { t: TestContext; subscriber: Subscriber };
  beforeAll(async () => {
    h.t = await createTestContext(['live-push'], testNamespace(name));
    h.subscriber = h.t.ctx.pubsub.subscriber();
  });
  afterAll(async () => {
    await h.subscriber?.close();
    await h.t?.close();
  });
  return h;
}

export const ts0 = Date.now() - 60_000;
export const position = (deliveryId: string, seq: number): DeliveryUpdate =>
  positionUpdate(deliveryId, seq, ts0 + seq * 1000, 1e-4);
export const trip = (deliveryId: string, seq: number, status: TripRecord['status']) =>
  tripUpdate(deliveryId, seq, ts0 + seq * 1000, status);

/** The keys of a delivery's home source, where it is written (under a store's prefix). */
export async function deliveryPlaceOf(t: TestContext, prefix: string, id: string) {
  const keys = deliveryKeys(prefix);
  const home = await t.redis.get(keys.home(id));
  if (!home) throw new Error(`delivery ${id} has no home under ${prefix}`);
  return sourcePlace(keys, home);
}

/** Everything the store keeps about these deliveries, TTLs as present or not. */
export async function stateOf(t: TestContext, prefix: string, ids: string[]) {
  const r = t.redis;
  const out: Record<string, unknown> = {};
  for (const id of ids) {
    const place = await deliveryPlaceOf(t, prefix, id);
    const hash = await r.hgetall(place.delivery(id));
    delete hash.updatedAt;
    out[id] = {
      hash,
      // What a snapshot shows (these tests keep 3 points): older ones are trimmed now and then.
      trail: await r.lrange(place.trail(id), -3, -1),
      hashExpires: (await r.ttl(place.delivery(id))) > 0,
      trailExpires: (await r.ttl(place.trail(id))) > 0,
      active: await r.zscore(place.active, id),
    };
  }
  return out;
}

/** Follows the live feed; returns the messages received so far, by delivery channel name. */
export async function listen(subscriber: Subscriber, prefix: string) {
  const got: { channel: string; seq: number; type: string }[] = [];
  const stop = await listenToFeed(subscriber, prefix, (id, json) => {
    const m = JSON.parse(json) as { seq: number; type: string; trail?: number[][] };
    // The fixes a position carries (domain/live-delivery.ts carriedTrail), before it.
    for (const fix of carriedFixes(m))
      got.push({ channel: `live:${id}`, seq: fix.seq, type: 'carried' });
    got.push({ channel: `live:${id}`, seq: m.seq, type: m.type });
  });
  return {
    got,
    async waitFor(n: number) {
      for (let i = 0; i < 200 && got.length < n; i++) await new Promise((r) => setTimeout(r, 10));
      return got;
    },
    stop,
  };
}

/**
 * Rewrites a trail the way versions before 2026-12-07 kept it: a sorted set of its points
 * scored by revision, its TTL kept.
 */
export async function asSortedSetTrail(t: TestContext, key: string): Promise<void> {
  const points = await t.redis.lrange(key, 0, -1);
  if (points.length === 0) throw new Error(`fixture: ${key} holds no trail`);
  const ttl = await t.redis.pttl(key);
  const m = t.redis.multi().del(key);
  m.zadd(key, ...points.flatMap((p, i) => [i + 1, p]));
  if (ttl > 0) m.pexpire(key, ttl);
  await m.exec();
  if ((await t.redis.type(key)) !== 'zset') throw new Error(`fixture: ${key} is no sorted set`);
}
