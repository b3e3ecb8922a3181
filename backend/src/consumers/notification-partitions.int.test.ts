import { afterAll, beforeAll, expect, it } from 'vitest';
import type { NotificationRecord } from '@fleetstream/contracts';
import { newDeliveryState, type DeliveryState } from '../domain/milestones.js';
import type { ChunkRequest } from '../infra/notification-store.js';
import { createTestContext, testNamespace } from '../testing/test-context.js';
import { createNotificationPartitions } from './notification-partitions.js';

let t: Awaited<ReturnType<typeof createTestContext>>;

beforeAll(async () => {
  t = await createTestContext(['notifications'], testNamespace('nt-partitions'));
});
afterAll(async () => t?.close());

const state = (deliveryId: string, lastTs: number): DeliveryState => ({
  ...newDeliveryState(deliveryId, 'drv-1'),
  status: 'picked_up',
  last: { lat: 52.5, lng: 13.4, ts: lastTs },
});
const note = (deliveryId: string): NotificationRecord => ({
  type: 'notification',
  v: 1,
  id: `${deliveryId}:picked_up`,
  deliveryId,
  driverId: 'drv-1',
  milestone: 'picked_up',
  ts: 1_800_000_000_000,
  message: 'picked up',
});

it('a partition held in memory starts each chunk from what Redis holds, through commits and clears', async () => {
  const store = t.ctx.stores.notifications;
  const partitions = createNotificationPartitions(store);
  const at = (deliveryIds: string[], silentBefore: number | null): ChunkRequest => ({
    topic: 'loc',
    partition: 0,
    deliveryIds,
    silentBefore,
  });
  /** Applies a chunk's effect to Redis and to the held partition, as the consumer does. */
  const commit = async (
    expectedApplied: string,
    newApplied: string,
    states: DeliveryState[],
    watch: [string, number | null][],
    outbox: { sourceOffset: string; notification: NotificationRecord }[],
  ) => {
    const w = new Map(watch);
    const after = await store.commitChunk({
      topic: 'loc',
      partition: 0,
      expectedApplied,
      newApplied,
      states,
      outbox,
      watch: w,
    });
    if (!after) throw new Error('fixture: commit refused');
    partitions.committed('loc', 0, { applied: newApplied, states, watch: w, outbox: after });
  };
  const same = async (request: ChunkRequest) => {
    const { restored: _, ...held } = await partitions.load(request);
    expect(held).toEqual(await store.load(request));
  };

  await same(at(['a', 'b'], 1));
  await commit(
    '-1',
    '9',
    [state('a', 1000), state('b', 5000)],
    [
      ['a', 1000],
      ['b', 5000],
    ],
    [{ sourceOffset: '9', notification: note('a') }],
  );
  // Known and unknown deliveries, the silent one ('a'), the outbox.
  await same(at(['b', 'c'], 2000));
  await commit(
    '9',
    '20',
    [state('c', 8000), state('a', 9000)],
    [
      ['c', 8000],
      ['a', null],
    ],
    [{ sourceOffset: '15', notification: note('c') }],
  );
  await same(at(['a', 'c'], 8500));
  partitions.cleared('loc', 0, new Set(['a:picked_up']));
  await store.clearOutbox('loc', 0, ['a:picked_up']);
  await same(at(['a', 'b', 'c'], 1e12));
  // Another member wrote the partition meanwhile: the stale commit is refused, and once the
  // partition is dropped (as the consumer does) the next chunk reads what the other wrote.
  await store.commitChunk({
    topic: 'loc',
    partition: 0,
    expectedApplied: '20',
    newApplied: '30',
    states: [state('b', 29_000)],
    outbox: [],
    watch: new Map([['b', 29_000]]),
  });
  expect((await partitions.load(at(['b'], null))).applied).toBe('20');
  partitions.drop('loc', 0);
  await same(at(['b'], 10_000));
});
