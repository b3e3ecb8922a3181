import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { carriedFixes } from '@fleetstream/contracts';
import { deliveryKeys } from '../infra/delivery-keys.js';
import { createDeliveryStore } from '../infra/delivery-store.js';
import type { Subscriber } from '../infra/redis-pubsub.js';
import { asSortedSetTrail, deliveryPlaceOf } from '../testing/delivery-store-harness.js';
import { partitionPositions, testLogger } from '../testing/fixtures.js';
import { listenToFeed } from '../testing/live-feed-listener.js';
import { createTestContext, testNamespace } from '../testing/test-context.js';
import { createLivePartitions } from './live-partitions.js';

let t: Awaited<ReturnType<typeof createTestContext>>;
let subscriber: Subscriber;

beforeAll(async () => {
  t = await createTestContext(['live-push'], testNamespace('live-partitions'));
  subscriber = t.ctx.pubsub.subscriber();
});
afterAll(async () => {
  subscriber.close();
  await t.close();
});

const ts0 = Date.now() - 60_000;
/** Positions of delivery `id` with these seqs, at offsets from `from` of one partition. */
const records = (id: string, from: number, seqs: number[]) =>
  partitionPositions(id, from, seqs, ts0);

/**
 * Every rev published on the live feed under `prefix` (partition loc:0), in order, a position's
 * carried fixes before it (by seq, which in these tests' single sessions is the rev).
 */
async function listen(prefix: string) {
  const revs: number[] = [];
  await listenToFeed(
    subscriber,
    prefix,
    (_id, json) => {
      const m = JSON.parse(json) as { rev: number; trail?: number[][] };
      for (const fix of carriedFixes(m)) revs.push(fix.seq);
      revs.push(m.rev);
    },
    ['loc:0'],
  );
  return revs;
}

it('applies each offset once: a redelivered chunk, and a member the partition moved away from, publish nothing twice', async () => {
  const prefix = `${t.ctx.config.redis.prefix}fence:`;
  const store = createDeliveryStore(t.redis, { prefix });
  const revs = await listen(prefix);
  const log = testLogger();
  const a = createLivePartitions(store, log);
  const b = createLivePartitions(store, log);
  const topic = 'loc';
  const now = Date.now();

  // Member a applies offsets 0–4; b, which took the partition over, reads the stored state.
  expect((await a.apply(topic, 0, records('x', 0, [1, 2, 3, 4, 5]), 4, now)).applied).toEqual(
    Array(5).fill(true),
  );
  // Kafka redelivers 3–7 to b (a's commit of 3–4 was lost): 3–4 are skipped by offset.
  const redelivered = await b.apply(topic, 0, records('x', 3, [4, 5, 6, 7, 8]), 7, now);
  expect(redelivered).toMatchObject({ applied: [false, false, true, true, true], replays: 2 });
  // a still believes it owns the partition (a zombie) and writes 5–9 from its stale state: the
  // fence makes it read the partition again, and only 8–9 are new.
  const zombie = await a.apply(topic, 0, records('x', 5, [6, 7, 8, 9, 10]), 9, now);
  expect(zombie.applied).toEqual([false, false, false, true, true]);
  expect(await store.appliedOffset(topic, 0)).toBe(9);

  const snap = await store.snapshot('x');
  expect(snap).toMatchObject({ seq: 10, rev: 10 });
  expect(snap?.trail.map((p) => p.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  // A marker published after everything: once it arrives, any double publish would have too.
  await b.apply(topic, 0, records('x', 10, [11]), 10, now);
  for (let i = 0; i < 200 && revs.length < 11; i++) await new Promise((r) => setTimeout(r, 10));
  expect(revs).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
});

it('a member that gets a partition back reads it again instead of judging from what it had', async () => {
  const prefix = `${t.ctx.config.redis.prefix}retain:`;
  const store = createDeliveryStore(t.redis, { prefix });
  const a = createLivePartitions(store, testLogger());
  await a.apply('loc', 1, records('y', 0, [1, 2]), 1, Date.now());
  // Someone else applies the next records while a does not own the partition.
  a.retain(new Map([['loc', [0]]]));
  await createLivePartitions(store, testLogger()).apply(
    'loc',
    1,
    records('y', 2, [3]),
    2,
    Date.now(),
  );
  // Back with a: it reads the partition again instead of judging from what it had.
  a.retain(new Map([['loc', [0, 1]]]));
  const back = await a.apply('loc', 1, records('y', 3, [3, 4]), 4, Date.now());
  expect(back.applied).toEqual([false, true]);
  expect((await store.snapshot('y'))?.rev).toBe(4);
});

it('a delivery written through another partition meanwhile (partitions added) is read again, not overwritten', async () => {
  const prefix = `${t.ctx.config.redis.prefix}moved:`;
  const store = createDeliveryStore(t.redis, { prefix });
  const a = createLivePartitions(store, testLogger());
  const b = createLivePartitions(store, testLogger());
  // The driver's records went to partition 0, then (more partitions) to partition 1.
  await a.apply('loc', 0, records('z', 0, [1, 2, 3]), 2, Date.now());
  await b.apply('loc', 1, records('z', 0, [4, 5, 6]), 2, Date.now());
  // Partition 0 still holds an older copy of seq 4: from a's memory it would look new.
  const late = await a.apply('loc', 0, records('z', 3, [4]), 3, Date.now());
  expect(late.applied).toEqual([false]);
  expect(await store.snapshot('z')).toMatchObject({ seq: 6, rev: 6 });
});

it.skipIf(inject('redisUrl').includes('+cluster://'))(
  'takes a partition and its deliveries over from the key layout of before, where it left off',
  async () => {
    const prefix = `${t.ctx.config.redis.prefix}legacy:`;
    const keys = deliveryKeys(prefix);
    const old = createDeliveryStore(t.redis, { prefix });
    // Written as before: the delivery directly under the prefix, the offset in one hash.
    await createLivePartitions(old, testLogger()).apply('loc', 0, records('w', 0, [1, 2]), 1, ts0);
    const place = await deliveryPlaceOf(t, prefix, 'w');
    const l = keys.legacy;
    await t.redis.rename(place.delivery('w'), l.delivery('w'));
    await t.redis.rename(place.trail('w'), l.trail('w'));
    await asSortedSetTrail(t, l.trail('w'));
    await t.redis.zadd(l.active, (await t.redis.zscore(place.active, 'w'))!, 'w');
    await t.redis.hset(l.offsets, 'loc:0', (await t.redis.get(keys.offset('loc:0')))!);
    await t.redis.del(place.active, keys.offset('loc:0'), keys.home('w'));
    expect(await old.snapshot('w')).toMatchObject({ seq: 2, rev: 2 });

    const store = createDeliveryStore(t.redis, { prefix });
    const revs = await listen(prefix);
    const member = createLivePartitions(store, testLogger());
    expect(await member.apply('loc', 0, records('w', 0, [1, 2, 3]), 2, ts0)).toMatchObject({
      applied: [false, false, true],
      replays: 2,
    });
    expect(await store.snapshot('w')).toMatchObject({ seq: 3, rev: 3 });
    expect((await store.snapshot('w'))?.trail.map((p) => p.seq)).toEqual([1, 2, 3]);
    await expect.poll(() => revs).toEqual([3]);
    expect((await store.listActive(10, Date.now(), 3_600_000)).map((d) => d.deliveryId)).toEqual([
      'w',
    ]);
    expect(await t.redis.exists(l.delivery('w'), l.trail('w'))).toBe(0);
    expect(await t.redis.zscore(l.active, 'w')).toBeNull();
  },
);

it('finishes a move to another partition that stopped half-way, and takes back a copy moved to nowhere', async () => {
  const prefix = `${t.ctx.config.redis.prefix}half:`;
  const keys = deliveryKeys(prefix);
  const store = createDeliveryStore(t.redis, { prefix });
  const a = createLivePartitions(store, testLogger());
  const now = Date.now();
  await a.apply('loc', 0, records('h', 0, [1, 2, 3]), 2, now);
  await a.apply('loc', 2, records('k', 0, [1, 2]), 1, now);
  // Partition 1's member took h (marked it moved) and stopped before writing its copy.
  const score = (await t.redis.zscore(keys.active('loc:0'), 'h'))!;
  await t.redis.hset(keys.delivery('loc:0', 'h'), {
    rev: 'moved',
    rev0: '3',
    movedTo: 'loc:1',
    ttl0: '-1',
    activeScore: score,
  });
  await t.redis.zrem(keys.active('loc:0'), 'h');
  // Its trail as versions before 2026-12-07 kept it.
  await asSortedSetTrail(t, keys.trail('loc:0', 'h'));
  expect(await store.snapshot('h')).toBeNull();
  const b = createLivePartitions(store, testLogger());
  expect((await b.apply('loc', 1, records('h', 0, [4]), 0, now)).applied).toEqual([true]);
  expect(await store.snapshot('h')).toMatchObject({ seq: 4, rev: 4 });
  expect((await store.snapshot('h'))?.trail.map((p) => p.seq)).toEqual([1, 2, 3, 4]);
  expect(await t.redis.type(keys.trail('loc:1', 'h'))).toBe('list');
  expect(await t.redis.get(keys.home('h'))).toBe('loc:1');
  expect(await t.redis.zscore(keys.active('loc:1'), 'h')).not.toBeNull();

  // k was marked moved to partition 3, whose member stopped before writing anything.
  await t.redis.hset(keys.delivery('loc:2', 'k'), {
    rev: 'moved',
    rev0: '2',
    movedTo: 'loc:3',
    ttl0: '-1',
  });
  const c = createLivePartitions(store, testLogger());
  expect(await c.apply('loc', 2, records('k', 0, [1, 2, 3]), 2, now)).toMatchObject({
    applied: [false, false, true],
    replays: 2,
  });
  expect(await store.snapshot('k')).toMatchObject({ seq: 3, rev: 3 });
  expect(await t.redis.hget(keys.delivery('loc:2', 'k'), 'movedTo')).toBeNull();
});
