import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestContext, testNamespace } from '../testing/test-context.js';
import { createDeliveryStore } from './delivery-store.js';
import { legacyKeyMove } from './redis.js';

let t: Awaited<ReturnType<typeof createTestContext>>;

beforeAll(async () => {
  t = await createTestContext(['notifications'], testNamespace('redis-layout'));
});
afterAll(async () => t?.close());

it('moves keys from their names of before once, and never over a key already moved', async () => {
  const p = t.ctx.config.redis.prefix;
  await t.redis.set(`${p}old-a`, 'a');
  await t.redis.set(`${p}old-b`, 'b-old');
  await t.redis.set(`${p}{x}:b`, 'b-new');
  const move = legacyKeyMove(t.redis, [
    [`${p}old-a`, `${p}{x}:a`],
    [`${p}old-b`, `${p}{x}:b`],
    [`${p}old-c`, `${p}{x}:c`],
  ]);
  await Promise.all([move(), move()]);
  expect(await t.redis.mget(`${p}{x}:a`, `${p}{x}:b`, `${p}old-a`, `${p}old-b`)).toEqual([
    'a',
    'b-new',
    null,
    'b-old',
  ]);
  expect(await t.redis.exists(`${p}{x}:c`)).toBe(0);
  // Once: a key of the old name written later stays where it is.
  await t.redis.set(`${p}old-a`, 'again');
  await move();
  expect(await t.redis.get(`${p}old-a`)).toBe('again');
});

it("forwards a notification once across the move of a delivery's notes to their hash tag", async () => {
  const store = createDeliveryStore(t.redis, { prefix: `${t.ctx.config.redis.prefix}notes:` });
  const k = store.keys;
  const note = (milestone: 'picked_up' | 'nearby') => ({
    type: 'notification' as const,
    v: 1 as const,
    id: `dlv-n:${milestone}`,
    deliveryId: 'dlv-n',
    driverId: 'drv-n',
    milestone,
    ts: 1_800_000_000_000,
    message: milestone,
  });
  // What an older writer left: the first note forwarded, under the names of before.
  await t.redis.sadd(k.legacy.noteIds('dlv-n'), 'dlv-n:picked_up');
  await t.redis.rpush(k.legacy.notes('dlv-n'), '{"id":"dlv-n:picked_up"}');
  expect(await store.applyNotification(note('picked_up'))).toBe(false);
  expect(await store.applyNotification(note('nearby'))).toBe(true);
  const notes = await t.redis.lrange(k.notes('dlv-n'), 0, -1);
  expect(notes.map((n) => (JSON.parse(n) as { id: string }).id)).toEqual([
    'dlv-n:picked_up',
    'dlv-n:nearby',
  ]);
  expect(await t.redis.exists(k.legacy.notes('dlv-n'), k.legacy.noteIds('dlv-n'))).toBe(0);
});
