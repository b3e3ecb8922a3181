import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createLivePartitions } from '../consumers/live-partitions.js';
import { partitionPositions, testLogger } from '../testing/fixtures.js';
import { createTestContext, testNamespace } from '../testing/test-context.js';
import { Redis } from 'ioredis';
import { createDeliveryStore } from './delivery-store.js';

let t: Awaited<ReturnType<typeof createTestContext>>;
// MONITOR, which these tests watch the script calls with, needs a standalone Redis.
const onCluster = inject('redisUrl').includes('+cluster://');

beforeAll(async () => {
  t = await createTestContext(['live-push'], testNamespace('live-chunk'));
});
afterAll(async () => {
  await t.close();
});

const ts0 = Date.now() - 60_000;
const records = (id: string, from: number, seqs: number[]) =>
  partitionPositions(id, from, seqs, ts0);

/** Script calls on keys under `prefix`, as Redis saw them. */
async function scriptCalls(prefix: string) {
  if (!(t.redis instanceof Redis)) throw new Error('MONITOR needs a standalone Redis');
  const monitor = await t.redis.monitor();
  const calls: string[] = [];
  monitor.on('monitor', (_time: string, args: string[]) => {
    if (/^evalsha$/i.test(args[0] ?? '') && args[3]?.startsWith(prefix)) calls.push(args.join(' '));
  });
  return { calls, stop: () => monitor.disconnect() };
}

it.skipIf(onCluster)(
  'writes the chunks of one event-loop turn (a fetch of several partitions) in one script call',
  async () => {
    const prefix = `${t.ctx.config.redis.prefix}merge:`;
    const store = createDeliveryStore(t.redis, { prefix });
    const member = createLivePartitions(store, testLogger());
    const now = Date.now();
    // The partitions' states are read first, so that the next chunks meet at the write.
    for (const p of [0, 1, 2]) await member.apply('loc', p, records(`d${p}`, 0, [1]), 0, now);
    const seen = await scriptCalls(prefix);
    try {
      const results = await Promise.all(
        [0, 1, 2].map((p) => member.apply('loc', p, records(`d${p}`, 1, [2, 3]), 2, now)),
      );
      expect(results.map((r) => r.applied)).toEqual([
        [true, true],
        [true, true],
        [true, true],
      ]);
      await expect.poll(() => seen.calls.length).toBe(1);
      for (const p of [0, 1, 2]) {
        expect(await store.appliedOffset('loc', p)).toBe(2);
        expect((await store.snapshot(`d${p}`))?.trail.map((x) => x.seq)).toEqual([1, 2, 3]);
      }
    } finally {
      seen.stop();
    }
  },
);

it.skipIf(onCluster)(
  'gives each chunk its own answer when a merged call meets a partition that moved on',
  async () => {
    const prefix = `${t.ctx.config.redis.prefix}moved:`;
    const store = createDeliveryStore(t.redis, { prefix });
    const log = testLogger();
    const a = createLivePartitions(store, log);
    const b = createLivePartitions(store, log);
    const now = Date.now();
    for (const p of [0, 1]) await a.apply('loc', p, records(`e${p}`, 0, [1]), 0, now);
    // Partition 0 moves to b, which applies offsets 1–2; a does not know.
    await b.apply('loc', 0, records('e0', 1, [2, 3]), 2, now);
    const seen = await scriptCalls(prefix);
    try {
      // a writes both partitions in one turn: the merged call fails on partition 0's offset, then
      // partition 1 is written alone and partition 0 is read again (only offset 3 is new).
      const [p0, p1] = await Promise.all([
        a.apply('loc', 0, records('e0', 1, [2, 3, 4]), 3, now),
        a.apply('loc', 1, records('e1', 1, [2]), 1, now),
      ]);
      expect(p0).toMatchObject({ applied: [false, false, true], replays: 2 });
      expect(p1.applied).toEqual([true]);
      expect(seen.calls.length).toBeGreaterThanOrEqual(2);
      expect((await store.snapshot('e0'))?.trail.map((x) => x.seq)).toEqual([1, 2, 3, 4]);
      expect((await store.snapshot('e1'))?.trail.map((x) => x.seq)).toEqual([1, 2]);
    } finally {
      seen.stop();
    }
  },
);

it('keeps each delivery its latest position as published, found in the feed frame by bytes, whatever its ids hold', async () => {
  const prefix = `${t.ctx.config.redis.prefix}bytes:`;
  const store = createDeliveryStore(t.redis, { prefix });
  const member = createLivePartitions(store, testLogger());
  // Ids of several bytes a character, and of one, written in the same chunk: a position read
  // out of the frame one byte off would not parse, or would be another delivery's.
  const ids = ['dlv-é-東京-🚲', 'dlv-plain', 'ünïcödé'];
  /** Each delivery's positions `seqs`, from offset `from` on. */
  const chunk = (from: number, seqs: number[]) => {
    const parts = ids.map((id, k) => records(id, from + seqs.length * k, seqs));
    return {
      updates: parts.flatMap((c, k) =>
        c.updates.map((u) =>
          u.type === 'position'
            ? { ...u, position: { ...u.position, driverId: `drv-${ids[k]}` } }
            : u,
        ),
      ),
      offsets: parts.flatMap((c) => c.offsets),
    };
  };
  // Two fixes a delivery: the latest is published carrying the first, and kept without it.
  const first = await member.apply('loc', 0, chunk(0, [1, 2]), 5, Date.now());
  expect(first.applied.every(Boolean)).toBe(true);
  for (const id of ids) {
    const snapshot = await store.snapshot(id);
    expect(snapshot?.position).toMatchObject({ deliveryId: id, driverId: `drv-${id}`, seq: 2 });
    expect(snapshot?.position).not.toHaveProperty('trail');
  }
  // One a delivery: its hash takes it out of the frame.
  const second = await member.apply('loc', 0, chunk(6, [3]), 8, Date.now());
  expect(second.applied.every(Boolean)).toBe(true);
  for (const id of ids) {
    const snapshot = await store.snapshot(id);
    expect(snapshot?.position).toMatchObject({ deliveryId: id, driverId: `drv-${id}`, seq: 3 });
    expect(snapshot?.trail.map((x) => x.seq)).toEqual([1, 2, 3]);
  }
});

it('appends a trail of thousands of points in one chunk (a phone that sends what it buffered offline)', async () => {
  const prefix = `${t.ctx.config.redis.prefix}long:`;
  const store = createDeliveryStore(t.redis, { prefix });
  const member = createLivePartitions(store, testLogger());
  // More than Lua's unpack takes at once (about 8,000 values): the points go in pieces.
  const seqs = Array.from({ length: 9_000 }, (_, i) => i + 1);
  const result = await member.apply('loc', 0, records('dlv-offline', 0, seqs), 8_999, Date.now());
  expect(result.applied.every(Boolean)).toBe(true);
  const snapshot = await store.snapshot('dlv-offline');
  expect(snapshot?.position).toMatchObject({ seq: 9_000 });
  // Trimmed to its length (100) in the same call: the newest points, in order.
  expect(snapshot?.trail.map((x) => x.seq)).toEqual(seqs.slice(-100));
  expect(await t.redis.llen(`${prefix}lp:{loc:0}:dlv:dlv-offline:trail`)).toBe(100);
});
