import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Milestone, NotificationRecord } from '@fleetstream/contracts';
import { createTestContext, testNamespace } from '../testing/test-context.js';
import { createNotificationStore } from './notification-store.js';

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
  const store = createNotificationStore(t.ctx.redis, t.ctx.config.redis.prefix);
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
  expect(await chunk('-1', '19', first)).toBe(true);
  expect(
    await chunk('19', '25', [
      ['25', note('d0', 'delivered')],
      ['21', note('d1', 'arrived')],
    ]),
  ).toBe(true);
  const ids = (await store.outbox('loc', 0)).map((e) => `${e.sourceOffset} ${e.notification.id}`);
  expect(ids).toEqual([
    ...first.map(([o, n]) => `${o} ${n.id}`),
    '21 d1:arrived',
    '25 d0:delivered',
  ]);
});
