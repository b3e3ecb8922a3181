import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import type { Milestone, NotificationRecord } from '@fleetstream/contracts';
import { createTestContext, testNamespace } from '../testing/test-context.js';
import { newDeliveryState } from '../domain/milestones.js';
import { createNotificationStore, type OutboxEntry } from './notification-store.js';

let t: Awaited<ReturnType<typeof createTestContext>>;

beforeAll(async () => {
  t = await createTestContext(['notifications'], testNamespace('nt-store'));
});
afterAll(async () => t?.close());

const note = (deliveryId: string, milestone: Milestone): NotificationRecord => ({
  type: 'notification',
  v: 1,
  id: `${deliveryId}:${milestone}`,
  deliveryId,
  driverId: 'drv-1',
  milestone,
  ts: 1_800_000_000_000,
  message: milestone,
});

it('reads the outbox back in the order it was decided, across chunks', async () => {
  const store = t.ctx.stores.notifications;
  const chunk = (
    expectedApplied: string,
    newApplied: string,
    outbox: [string, NotificationRecord][],
  ) =>
    store.commitChunk({
      topic: 'loc',
      partition: 0,
      expectedApplied,
      newApplied,
      states: [],
      outbox: outbox.map(([sourceOffset, notification]) => ({ sourceOffset, notification })),
      watch: new Map(),
    });
  // Many entries of one chunk, so a hash's own order would almost surely differ.
  const first: [string, NotificationRecord][] = [];
  for (let i = 0; i < 40; i++) {
    first.push([String(10 + Math.floor(i / 4)), note(`d${i}`, 'picked_up')]);
    first.push([String(10 + Math.floor(i / 4)), note(`d${i}`, 'nearby')]);
  }
  expect(await chunk('-1', '19', first)).not.toBeNull();
  const after = await chunk('19', '25', [
    ['25', note('d0', 'delivered')],
    ['21', note('d1', 'arrived')],
  ]);
  const expected = [...first.map(([o, n]) => `${o} ${n.id}`), '21 d1:arrived', '25 d0:delivered'];
  const order = (entries: OutboxEntry[] | null) =>
    entries?.map((e) => `${e.sourceOffset} ${e.notification.id}`);
  // The outbox as the commit returns it, as read alone, and as a chunk's load reads it.
  expect(order(after)).toEqual(expected);
  expect(order(await store.outbox('loc', 0))).toEqual(expected);
  const start = await store.load({
    topic: 'loc',
    partition: 0,
    deliveryIds: [],
    silentBefore: null,
  });
  expect(order(start.outbox)).toEqual(expected);
  // A stale worker computed its chunk from an older applied offset: it changes nothing.
  expect(await chunk('19', '30', [['30', note('d2', 'picked_up')]])).toBeNull();
  expect(order(await store.outbox('loc', 0))).toEqual(expected);
});

it('loads what a chunk starts from in one call', async () => {
  const store = t.ctx.stores.notifications;
  const state = (deliveryId: string, lastTs: number) => ({
    ...newDeliveryState(deliveryId, 'drv-1'),
    status: 'picked_up' as const,
    last: { lat: 52.5, lng: 13.4, ts: lastTs },
  });
  const empty = await store.load({
    topic: 'load',
    partition: 3,
    deliveryIds: ['a'],
    silentBefore: 1,
  });
  expect(empty).toEqual({ applied: '-1', states: new Map(), silent: new Map(), outbox: [] });

  const watch = new Map<string, number | null>([
    ['a', 1000],
    ['b', 5000],
    ['c', 9000],
  ]);
  const states = [state('a', 1000), state('b', 5000), state('c', 9000)];
  expect(
    await store.commitChunk({
      topic: 'load',
      partition: 3,
      expectedApplied: '-1',
      newApplied: '41',
      states,
      outbox: [{ sourceOffset: '40', notification: note('b', 'picked_up') }],
      watch,
    }),
  ).toHaveLength(1);
  const start = await store.load({
    topic: 'load',
    partition: 3,
    deliveryIds: ['c', 'missing', 'a'],
    silentBefore: 5000,
  });
  expect(start.applied).toBe('41');
  expect([...start.states.keys()]).toEqual(['c', 'a']);
  expect(start.states.get('c')).toEqual(states[2]);
  // Strictly older than the bound: 'b' at exactly 5000 is not silent yet.
  expect([...start.silent.entries()]).toEqual([['a', states[0]]]);
  expect(start.outbox.map((e) => e.notification.id)).toEqual(['b:picked_up']);
  // Another partition's offset, watch list and outbox are its own.
  expect(
    await store.load({ topic: 'load', partition: 4, deliveryIds: [], silentBefore: 1e12 }),
  ).toEqual({ applied: '-1', states: new Map(), silent: new Map(), outbox: [] });
});

it('keeps a state route apart, written once, and reads states of older writers with theirs', async () => {
  const prefix = `${t.ctx.config.redis.prefix}routes:`;
  const store = createNotificationStore(t.redis, prefix);
  const route: [number, number][] = [
    [43.73, 7.42],
    [43.731, 7.421],
    [43.732, 7.423],
  ];
  const state = { ...newDeliveryState('dlv-r', 'drv-r'), status: 'picked_up' as const, route };
  const commit = (expectedApplied: string, newApplied: string) =>
    store.commitChunk({
      topic: 'loc',
      partition: 0,
      expectedApplied,
      newApplied,
      states: [state],
      outbox: [],
      watch: new Map(),
    });
  expect(await commit('-1', '0')).toEqual([]);
  const stored = JSON.parse((await t.redis.get(`${prefix}nt:{loc:0}:d:dlv-r`))!) as object;
  expect(stored).not.toHaveProperty('route');
  expect(JSON.parse((await t.redis.get(`${prefix}nt:{loc:0}:r:dlv-r`))!)).toEqual(route);
  // The same route again (the next fix's state) is not written again.
  await t.redis.del(`${prefix}nt:{loc:0}:r:dlv-r`);
  expect(await commit('0', '1')).toEqual([]);
  expect(await t.redis.exists(`${prefix}nt:{loc:0}:r:dlv-r`)).toBe(0);
  // Another member (a store of its own) reads state and route back together.
  await t.redis.set(`${prefix}nt:{loc:0}:r:dlv-r`, JSON.stringify(route));
  const other = createNotificationStore(t.redis, prefix);
  expect((await other.states('loc', 0, ['dlv-r'])).get('dlv-r')).toEqual(state);
  const loaded = await other.load({
    topic: 'loc',
    partition: 0,
    deliveryIds: ['dlv-r'],
    silentBefore: null,
  });
  expect(loaded.states.get('dlv-r')).toEqual(state);
  // A state an older writer stored with its route inside.
  await t.redis.set(
    `${prefix}nt:{loc:0}:d:dlv-old`,
    JSON.stringify({ ...state, deliveryId: 'dlv-old' }),
  );
  expect((await other.states('loc', 0, ['dlv-old'])).get('dlv-old')?.route).toEqual(route);
});

it.skipIf(inject('redisUrl').includes('+cluster://'))(
  'moves a partition written in the layout of before to its own keys, and reads its states',
  async () => {
    const prefix = `${t.ctx.config.redis.prefix}legacy:`;
    const P = `${prefix}nt:`;
    const state = { ...newDeliveryState('dlv-l', 'drv-l'), status: 'picked_up' as const };
    const entry = { sourceOffset: '4', notification: note('dlv-l', 'picked_up') };
    await t.redis.hset(`${P}applied`, 'loc:1', '5');
    await t.redis.hset(`${P}outbox:loc:1`, entry.notification.id, JSON.stringify(entry));
    await t.redis.zadd(`${P}watch:loc:1`, 1_800_000_000_000, 'dlv-l');
    await t.redis.set(`${P}d:dlv-l`, JSON.stringify({ ...state, r: 0 }));
    const store = createNotificationStore(t.redis, prefix);
    const start = await store.load({
      topic: 'loc',
      partition: 1,
      deliveryIds: ['dlv-l'],
      silentBefore: 1_900_000_000_000,
    });
    expect(start).toEqual({
      applied: '5',
      states: new Map([['dlv-l', state]]),
      silent: new Map([['dlv-l', state]]),
      outbox: [entry],
    });
    expect(await store.watched('loc', 1)).toEqual(new Map([['dlv-l', 1_800_000_000_000]]));
    expect((await store.states('loc', 1, ['dlv-l'])).get('dlv-l')).toEqual(state);
    expect(await t.redis.hexists(`${P}applied`, 'loc:1')).toBe(0);
    expect(await store.applied('loc', 1)).toBe('5');
    const next = { ...state, lastSeq: 7 };
    const commit = (expectedApplied: string) =>
      store.commitChunk({
        topic: 'loc',
        partition: 1,
        expectedApplied,
        newApplied: '9',
        states: [next],
        outbox: [],
        watch: new Map([['dlv-l', null]]),
      });
    expect(await commit('-1')).toBeNull();
    expect(await commit('5')).toEqual([entry]);
    expect((await store.states('loc', 1, ['dlv-l'])).get('dlv-l')).toEqual(next);
  },
);
