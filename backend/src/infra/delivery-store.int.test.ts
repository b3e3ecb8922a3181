import { describe, expect, it } from 'vitest';
import {
  asSortedSetTrail,
  deliveryPlaceOf,
  listen,
  position,
  stateOf,
  ts0,
  trip,
  useDeliveryStoreContext,
} from '../testing/delivery-store-harness.js';
import { TRAIL_TRIM_EVERY } from '../domain/live-delivery.js';
import { createDeliveryStore, type DeliveryUpdate } from './delivery-store.js';

const h = useDeliveryStoreContext('delivery-store');

describe('applyUpdates', () => {
  // Out of order and duplicate seqs, a delivery finished and then still sending, a trail longer
  // than its cap, two deliveries interleaved: the chunk's effect must be that of applying the
  // updates one by one.
  const chunk: DeliveryUpdate[] = [
    trip('a', 1, 'assigned'),
    trip('b', 1, 'assigned'),
    position('a', 2),
    position('a', 4),
    position('a', 3),
    position('b', 2),
    trip('a', 5, 'picked_up'),
    position('a', 5),
    position('a', 6),
    position('a', 7),
    position('b', 3),
    trip('b', 4, 'delivered'),
    position('b', 5),
    position('b', 4),
    position('a', 8),
    // A trail that only this chunk creates, on a delivery finished within it.
    position('c', 1),
    trip('c', 2, 'cancelled'),
    position('c', 3),
    position('c', 3),
  ];
  const expected = chunk.map((u) => {
    const seq = u.type === 'trip' ? u.trip.seq : u.position.seq;
    const id = u.type === 'trip' ? u.trip.deliveryId : u.position.deliveryId;
    const before = chunk
      .slice(0, chunk.indexOf(u))
      .filter((x) => (x.type === 'trip' ? x.trip.deliveryId : x.position.deliveryId) === id)
      .map((x) => (x.type === 'trip' ? x.trip.seq : x.position.seq));
    return before.every((s) => s < seq);
  });

  it("applies a chunk like one update at a time, publishing each new one in its delivery's order", async () => {
    const one = `${h.t.ctx.config.redis.prefix}one:`;
    const many = `${h.t.ctx.config.redis.prefix}many:`;
    const single = createDeliveryStore(h.t.redis, { prefix: one, trailLength: 3 });
    const batched = createDeliveryStore(h.t.redis, { prefix: many, trailLength: 3 });
    const now = Date.now();
    const singly: boolean[] = [];
    for (const u of chunk) singly.push((await single.applyUpdates([u], now))[0]!);
    const feed = await listen(h.subscriber, many);
    try {
      expect(await batched.applyUpdates(chunk, now)).toEqual(expected);
      expect(singly).toEqual(expected);
      expect(await stateOf(h.t, many, ['a', 'b', 'c'])).toEqual(
        await stateOf(h.t, one, ['a', 'b', 'c']),
      );
      expect(await stateOf(h.t, many, ['a', 'b', 'c'])).toMatchObject({
        a: { hash: { seq: '8', status: 'picked_up' }, active: String(ts0 + 8000) },
        b: { hash: { seq: '5', status: 'delivered' }, active: null, hashExpires: true },
        c: { hash: { seq: '3', status: 'cancelled' }, active: null, trailExpires: true },
      });
      expect(
        await h.t.redis.lrange((await deliveryPlaceOf(h.t, many, 'a')).trail('a'), -3, -1),
      ).toHaveLength(3);
      const published = chunk.flatMap((u, i) =>
        expected[i]
          ? [
              u.type === 'trip'
                ? { channel: `live:${u.trip.deliveryId}`, seq: u.trip.seq, type: 'status' }
                : {
                    channel: `live:${u.position.deliveryId}`,
                    seq: u.position.seq,
                    type: 'position',
                  },
            ]
          : [],
      );
      // Each delivery's channel gets its statuses in order, and its positions in order, each
      // alone or carried by a later one of the chunk (different channels need no order).
      const byChannel = (list: { channel: string; type: string; seq: number }[]) => {
        const out = new Map<string, string[]>();
        for (const m of list) {
          const kind = m.type === 'status' ? 'status' : 'position';
          out.set(m.channel, [...(out.get(m.channel) ?? []), `${kind} ${m.seq}`]);
        }
        const split = (kind: string) =>
          new Map([...out].map(([c, l]) => [c, l.filter((x) => x.startsWith(kind))]));
        return { statuses: split('status'), positions: split('position') };
      };
      const got = await feed.waitFor(published.length);
      expect(byChannel(got)).toEqual(byChannel(published));
      // Only a delivery's latest position of the chunk went out on its own.
      expect(got.filter((m) => m.type === 'position').map((m) => [m.channel, m.seq])).toEqual([
        ['live:a', 8],
        ['live:b', 5],
        ['live:c', 3],
      ]);
    } finally {
      await feed.stop();
    }
  });

  it('changes and publishes nothing when a chunk is applied again (a resend or redelivery)', async () => {
    const prefix = `${h.t.ctx.config.redis.prefix}again:`;
    const store = createDeliveryStore(h.t.redis, { prefix, trailLength: 3 });
    const now = Date.now();
    await store.applyUpdates(chunk, now);
    const before = await stateOf(h.t, prefix, ['a', 'b']);
    const feed = await listen(h.subscriber, prefix);
    try {
      expect(await store.applyUpdates(chunk, now + 1000)).toEqual(chunk.map(() => false));
      // A marker after the replay: once it arrives, anything the replay published would have.
      expect(await store.applyUpdates([position('a', 100)], now)).toEqual([true]);
      expect(await feed.waitFor(1)).toEqual([{ channel: 'live:a', seq: 100, type: 'position' }]);
      const after = await stateOf(h.t, prefix, ['b']);
      expect(after).toEqual({ b: before.b });
    } finally {
      await feed.stop();
    }
  });

  it('keeps the single-update API for callers with one record', async () => {
    const prefix = `${h.t.ctx.config.redis.prefix}single:`;
    const store = createDeliveryStore(h.t.redis, { prefix });
    const now = Date.now();
    const assigned = chunk[0]!;
    if (assigned.type !== 'trip') throw new Error('fixture');
    expect(await store.applyTrip(assigned.trip, now, assigned.route)).toBe(true);
    const p = position('a', 2);
    if (p.type !== 'position') throw new Error('fixture');
    expect(
      await store.applyPosition(p.position, now, { remainingM: 10, etaMinS: 1, etaMaxS: 2 }),
    ).toBe(true);
    expect(await store.applyPosition(p.position, now)).toBe(false);
    const snap = await store.snapshot('a');
    expect(snap?.seq).toBe(2);
    expect(snap?.position).toMatchObject({ seq: 2, remainingM: 10, appliedAt: now });
    expect(snap?.route).toEqual(assigned.route);
    expect(await store.listActive(10, Date.now())).toEqual([
      expect.objectContaining({ deliveryId: 'a', status: 'assigned' }),
    ]);
  });
});

describe('trail', () => {
  it('keeps at most trailLength + TRAIL_TRIM_EVERY points, and a snapshot shows the newest trailLength', async () => {
    const prefix = `${h.t.ctx.config.redis.prefix}trail:`;
    const store = createDeliveryStore(h.t.redis, { prefix, trailLength: 10 });
    const now = Date.now();
    await store.applyUpdates([trip('l', 1, 'assigned')], now);
    let seq = 1;
    let most = 0;
    // Chunks of 1 to 7 positions, 300 in all.
    for (let n = 1; seq < 300; n = (n % 7) + 1) {
      const chunk = Array.from({ length: n }, () => position('l', ++seq));
      await store.applyUpdates(chunk, now);
      most = Math.max(
        most,
        await h.t.redis.llen((await deliveryPlaceOf(h.t, prefix, 'l')).trail('l')),
      );
      const snap = await store.snapshot('l');
      expect(snap?.trail.map((p) => p.seq)).toEqual(
        Array.from(
          { length: Math.min(10, seq - 1) },
          (_, k) => seq - Math.min(10, seq - 1) + 1 + k,
        ),
      );
    }
    expect(most).toBeLessThanOrEqual(10 + TRAIL_TRIM_EVERY);
    expect(most).toBeGreaterThan(10);
  });

  it('keeps a trail of the default length, one fix at a time, compact', async () => {
    const prefix = `${h.t.ctx.config.redis.prefix}trail-compact:`;
    const store = createDeliveryStore(h.t.redis, { prefix });
    const now = Date.now();
    await store.applyUpdates([trip('m', 1, 'assigned')], now);
    // Coordinates at full precision, as a device or a simulation sends them.
    const fix = (seq: number): DeliveryUpdate => {
      const u = position('m', seq);
      if (u.type !== 'position') throw new Error('fixture: a position');
      const at = { lat: 43.731456789123 + seq / 3e5, lng: 7.419876543219 - seq / 7e5 };
      return { ...u, position: { ...u.position, ...at } };
    };
    for (let seq = 2; seq <= 300; seq++) await store.applyUpdates([fix(seq)], now);
    const trail = (await deliveryPlaceOf(h.t, prefix, 'm')).trail('m');
    expect(await h.t.redis.llen(trail)).toBeLessThanOrEqual(128);
    // One list node of short members: about 7 kB. A sorted set of JSON points took 23 kB.
    expect(await h.t.redis.memory('USAGE', trail)).toBeLessThan(8_000);
    expect((await store.snapshot('m'))?.trail.map((p) => p.seq)).toEqual(
      Array.from({ length: 100 }, (_, k) => 201 + k),
    );
  });

  it('reads a trail kept as a sorted set (before 2026-12-07) and makes it a list when next written', async () => {
    const prefix = `${h.t.ctx.config.redis.prefix}trail-zset:`;
    const store = createDeliveryStore(h.t.redis, { prefix, trailLength: 5 });
    const now = Date.now();
    await store.applyUpdates([trip('s', 1, 'assigned'), position('s', 2), position('s', 3)], now);
    await store.applyUpdates([position('s', 4)], now);
    const trail = (await deliveryPlaceOf(h.t, prefix, 's')).trail('s');
    await h.t.redis.expire(trail, 5000);
    await asSortedSetTrail(h.t, trail);
    expect((await store.snapshot('s'))?.trail.map((p) => p.seq)).toEqual([2, 3, 4]);

    await store.applyUpdates([position('s', 5), position('s', 6)], now);
    expect(await h.t.redis.type(trail)).toBe('list');
    expect((await store.snapshot('s'))?.trail.map((p) => p.seq)).toEqual([2, 3, 4, 5, 6]);
    expect(await h.t.redis.ttl(trail)).toBeGreaterThan(4000);
  });
});
