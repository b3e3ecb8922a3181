import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { carriedFixes } from '@fleetstream/contracts';
import { createLivePartitions } from '../consumers/live-partitions.js';
import { feedPattern } from '../domain/live-feed.js';
import { createDeliveryStore } from '../infra/delivery-store.js';
import { isCluster } from '../infra/redis.js';
import { partitionPositions, testLogger } from '../testing/fixtures.js';
import { createTestContext, testNamespace, type TestContext } from '../testing/test-context.js';
import { createSubscriptions, liveFeedOf } from './subscriptions.js';

// The gateway's live feed on either kind of Redis: on one server a pattern subscription, on a
// Redis Cluster sharded pub/sub, each partition's channel subscribed on the node of its slot.

let t: TestContext;
const cleanups: (() => unknown)[] = [];
beforeAll(async () => {
  t = await createTestContext(['gateway'], testNamespace('subscriptions'));
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  await t.close();
});

const ts0 = Date.now() - 60_000;
const positionsOf = (id: string, seqs: number[]) => partitionPositions(id, 0, seqs, ts0);

/** A store under a prefix of the test's own, and a live-push member writing through it. */
function liveUnder(name: string) {
  const prefix = `${t.ctx.config.redis.prefix}${name}:`;
  const store = createDeliveryStore(t.redis, { prefix });
  return { prefix, store, live: createLivePartitions(store, testLogger()) };
}

/** A gateway's subscriptions over that store, as gateway/server.ts builds them. */
function gatewayFeed({ prefix, store }: ReturnType<typeof liveUnder>, everyMs: number) {
  const subscriber = t.ctx.pubsub.subscriber();
  const subscriptions = createSubscriptions(
    subscriber,
    liveFeedOf(store, prefix, t.ctx.pubsub.sharded, everyMs),
    testLogger(),
  );
  cleanups.push(
    () => subscriptions.close(),
    () => subscriber.close(),
  );
  /** The seqs each followed delivery received, in order, a position's carried fixes first. */
  const got = new Map<string, number[]>();
  const follow = (id: string) => {
    got.set(id, []);
    return subscriptions.addDelivery(id, (m) => {
      const message = JSON.parse(m.payload.toString()) as { seq: number; trail?: number[][] };
      got.get(id)!.push(...carriedFixes(message).map((p) => p.seq), message.seq);
    });
  };
  return { got, follow };
}

it('hands each delivery its own messages, once and in order, from every partition', async () => {
  const under = liveUnder('feed');
  const { live } = under;
  // Three deliveries on three partitions: written once before the gateway starts, so each has
  // a home, then followed, then written on.
  const ids = ['a', 'b', 'c'];
  for (const [p, id] of ids.entries()) await live.apply('loc', p, positionsOf(id, [1]), 0, ts0);
  const { got, follow } = gatewayFeed(under, 60_000);
  for (const id of ids) await follow(id);
  for (const [p, id] of ids.entries())
    await live.apply('loc', p, positionsOf(id, [1, 2, 3, 4]), 3, ts0);
  for (const id of ids) await expect.poll(() => got.get(id)).toEqual([2, 3, 4]);
});

it.runIf(inject('redisUrl').includes('+cluster://'))(
  'on a Redis Cluster publishes each partition on its own slot: a pattern subscriber hears nothing, each channel has its subscriber on the node serving it',
  async () => {
    const under = liveUnder('shard');
    const { prefix, store, live } = under;
    const cluster = t.redis;
    if (!isCluster(cluster)) throw new Error('not on a Redis Cluster');
    // A classic pattern subscriber on every primary: SPUBLISH reaches none of them.
    const heard: string[] = [];
    for (const node of cluster.nodes('master')) {
      const sub = node.duplicate();
      cleanups.push(() => sub.disconnect());
      sub.on('pmessage', (_p: string, channel: string) => heard.push(channel));
      await sub.psubscribe(feedPattern(prefix));
    }
    const partitions = [0, 1, 2, 3, 4, 5];
    for (const p of partitions) await live.apply('loc', p, positionsOf(`d${p}`, [1]), 0, ts0);
    const { got, follow } = gatewayFeed(under, 60_000);
    for (const p of partitions) await follow(`d${p}`);
    for (const p of partitions) await live.apply('loc', p, positionsOf(`d${p}`, [1, 2]), 1, ts0);
    for (const p of partitions) await expect.poll(() => got.get(`d${p}`)).toEqual([2]);
    expect(heard).toEqual([]);
    // Each partition's channel is subscribed once, on the node that serves its slot, and the
    // partitions are spread over more than one node.
    const servedBy = new Set<string>();
    for (const p of partitions) {
      const channel = store.keys.feed(`loc:${p}`);
      const slot = Number(await t.redis.call('CLUSTER', 'KEYSLOT', channel));
      const owner = cluster.slots[slot]![0]!;
      for (const n of cluster.nodes('master')) {
        const node = `${n.options.host}:${n.options.port}`;
        const count = node === owner ? 1 : 0;
        expect(await n.call('PUBSUB', 'SHARDNUMSUB', channel)).toEqual([channel, count]);
      }
      servedBy.add(owner);
    }
    expect(servedBy.size).toBeGreaterThan(1);
  },
);

it('follows a partition first written after it started, within its look-again period', async () => {
  const under = liveUnder('later');
  const { got, follow } = gatewayFeed(under, 100);
  // Followed before it is ever written: it has no home yet, so its partition is found later.
  await follow('n');
  let seq = 0;
  const write = async () => {
    seq++;
    await under.live.apply('loc', 9, partitionPositions('n', seq - 1, [seq], ts0), seq - 1, ts0);
  };
  await expect
    .poll(async () => {
      await write();
      return got.get('n')!.length;
    })
    .toBeGreaterThan(0);
  // From then on it gets every message, in order.
  await write();
  await expect.poll(() => got.get('n')!.at(-1)).toBe(seq);
  const seqs = got.get('n')!;
  expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
  expect(seqs.slice(-2)).toEqual([seq - 1, seq]);
});
