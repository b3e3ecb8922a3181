import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PositionRecord, TripRecord } from '@fleetstream/contracts';
import { tripUpdate } from '../testing/fixtures.js';
import { listenToFeed } from '../testing/live-feed-listener.js';
import { createTestContext, testNamespace } from '../testing/test-context.js';
import { createDeliveryStore, type DeliveryUpdate } from './delivery-store.js';
import type { Subscriber } from './redis-pubsub.js';

let t: Awaited<ReturnType<typeof createTestContext>>;
let subscriber: Subscriber;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  t = await createTestContext(['live-push'], testNamespace('delivery-store'));
  subscriber = t.ctx.pubsub.subscriber();
  cleanups.push(t.close, async () => subscriber.close());
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const ts0 = Date.now() - 60_000;
const position = (deliveryId: string, seq: number): DeliveryUpdate => ({
  type: 'position',
  position: {
    type: 'position',
    v: 1,
    driverId: `drv-${deliveryId}`,
    deliveryId,
    seq,
    ts: ts0 + seq * 1000,
    lat: 52.5 + seq * 1e-4,
    lng: 13.4,
    speedMps: 8,
  } satisfies PositionRecord & { deliveryId: string },
});
const trip = (deliveryId: string, seq: number, status: TripRecord['status']) =>
  tripUpdate(deliveryId, seq, ts0 + seq * 1000, status);

/** Everything the store keeps about these deliveries, TTLs as present or not. */
async function stateOf(prefix: string, ids: string[]) {
  const r = t.redis;
  const out: Record<string, unknown> = {};
  for (const id of ids) {
    const hash = await r.hgetall(`${prefix}dlv:${id}`);
    delete hash.updatedAt;
    out[id] = {
      hash,
      // What a snapshot shows (these tests keep 3 points): older ones are trimmed now and then.
      trail: await r.zrange(`${prefix}dlv:${id}:trail`, -3, -1, 'WITHSCORES'),
      hashExpires: (await r.ttl(`${prefix}dlv:${id}`)) > 0,
      trailExpires: (await r.ttl(`${prefix}dlv:${id}:trail`)) > 0,
      active: await r.zscore(`${prefix}active`, id),
    };
  }
  return out;
}

/** Follows the live feed; returns the messages received so far, by delivery channel name. */
async function listen(prefix: string) {
  const got: { channel: string; seq: number; type: string }[] = [];
  const stop = await listenToFeed(subscriber, prefix, (id, json) => {
    const m = JSON.parse(json) as { seq: number; type: string };
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
    const one = `${t.ctx.config.redis.prefix}one:`;
    const many = `${t.ctx.config.redis.prefix}many:`;
    const single = createDeliveryStore(t.redis, { prefix: one, trailLength: 3 });
    const batched = createDeliveryStore(t.redis, { prefix: many, trailLength: 3 });
    const now = Date.now();
    const singly: boolean[] = [];
    for (const u of chunk) singly.push((await single.applyUpdates([u], now))[0]!);
    const feed = await listen(many);
    try {
      expect(await batched.applyUpdates(chunk, now)).toEqual(expected);
      expect(singly).toEqual(expected);
      expect(await stateOf(many, ['a', 'b', 'c'])).toEqual(await stateOf(one, ['a', 'b', 'c']));
      expect(await stateOf(many, ['a', 'b', 'c'])).toMatchObject({
        a: { hash: { seq: '8', status: 'picked_up' }, active: String(ts0 + 8000) },
        b: { hash: { seq: '5', status: 'delivered' }, active: null, hashExpires: true },
        c: { hash: { seq: '3', status: 'cancelled' }, active: null, trailExpires: true },
      });
      expect(await t.redis.zrange(`${many}dlv:a:trail`, -3, -1)).toHaveLength(3);
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
      // Each delivery's channel gets its messages in order (different channels need none).
      const byChannel = (list: { channel: string }[]) => {
        const out = new Map<string, unknown[]>();
        for (const m of list) out.set(m.channel, [...(out.get(m.channel) ?? []), m]);
        return out;
      };
      expect(byChannel(await feed.waitFor(published.length))).toEqual(byChannel(published));
    } finally {
      await feed.stop();
    }
  });

  it('changes and publishes nothing when a chunk is applied again (a resend or redelivery)', async () => {
    const prefix = `${t.ctx.config.redis.prefix}again:`;
    const store = createDeliveryStore(t.redis, { prefix, trailLength: 3 });
    const now = Date.now();
    await store.applyUpdates(chunk, now);
    const before = await stateOf(prefix, ['a', 'b']);
    const feed = await listen(prefix);
    try {
      expect(await store.applyUpdates(chunk, now + 1000)).toEqual(chunk.map(() => false));
      // A marker after the replay: once it arrives, anything the replay published would have.
      expect(await store.applyUpdates([position('a', 100)], now)).toEqual([true]);
      expect(await feed.waitFor(1)).toEqual([{ channel: 'live:a', seq: 100, type: 'position' }]);
      const after = await stateOf(prefix, ['b']);
      expect(after).toEqual({ b: before.b });
    } finally {
      await feed.stop();
    }
  });

  it('keeps the single-update API for callers with one record', async () => {
    const prefix = `${t.ctx.config.redis.prefix}single:`;
    const store = createDeliveryStore(t.redis, { prefix });
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
  it('keeps at most trailLength + 32 points, and a snapshot shows the newest trailLength', async () => {
    const prefix = `${t.ctx.config.redis.prefix}trail:`;
    const store = createDeliveryStore(t.redis, { prefix, trailLength: 10 });
    const now = Date.now();
    await store.applyUpdates([trip('l', 1, 'assigned')], now);
    let seq = 1;
    let most = 0;
    // Chunks of 1 to 7 positions, 300 in all.
    for (let n = 1; seq < 300; n = (n % 7) + 1) {
      const chunk = Array.from({ length: n }, () => position('l', ++seq));
      await store.applyUpdates(chunk, now);
      most = Math.max(most, await t.redis.zcard(`${prefix}dlv:l:trail`));
      const snap = await store.snapshot('l');
      expect(snap?.trail.map((p) => p.seq)).toEqual(
        Array.from(
          { length: Math.min(10, seq - 1) },
          (_, k) => seq - Math.min(10, seq - 1) + 1 + k,
        ),
      );
    }
    expect(most).toBeLessThanOrEqual(10 + 32);
    expect(most).toBeGreaterThan(10);
  });
});

describe('driver sessions', () => {
  /** An update of delivery `d` in session `session` (undefined = the default session). */
  const inSession = (u: DeliveryUpdate, session: string | undefined, tsOffset = 0) =>
    u.type === 'trip'
      ? { ...u, trip: { ...u.trip, session, ts: u.trip.ts + tsOffset } }
      : { ...u, position: { ...u.position, session, ts: u.position.ts + tsOffset } };

  it('follows a restarted app (seq from 1) and skips the dead one, across chunks and replays', async () => {
    const prefix = `${t.ctx.config.redis.prefix}reboot:`;
    const store = createDeliveryStore(t.redis, { prefix, trailLength: 50 });
    const now = Date.now();
    // Default session up to seq 22, then session "b" from seq 1 with later device times.
    const before = [
      trip('r', 1, 'assigned'),
      trip('r', 2, 'picked_up'),
      ...Array.from({ length: 20 }, (_, i) => position('r', i + 3)),
    ];
    const after = [
      ...Array.from({ length: 10 }, (_, i) => inSession(position('r', i + 1), 'b', 60_000)),
      inSession(trip('r', 11, 'delivered'), 'b', 60_000),
    ];
    // The dead app's last record retried late, a duplicate of the new one's: both skipped.
    const late = [before.at(-1)!, after[3]!];
    expect(await store.applyUpdates(before, now)).toEqual(before.map(() => true));
    const applied = await store.applyUpdates(
      [...after.slice(0, 4), ...late, ...after.slice(4)],
      now,
    );
    expect(applied).toEqual([
      ...after.slice(0, 4).map(() => true),
      false,
      false,
      ...after.slice(4).map(() => true),
    ]);

    const snap = await store.snapshot('r');
    expect(snap).toMatchObject({ seq: 11, rev: before.length + after.length });
    expect(snap?.delivery.status).toBe('delivered');
    expect(snap?.position).toMatchObject({ seq: 10, rev: before.length + after.length - 1 });
    // The trail is in the order the updates were applied: the new session's points last.
    expect(snap?.trail.map((p) => p.seq)).toEqual([
      ...Array.from({ length: 20 }, (_, i) => i + 3),
      ...Array.from({ length: 10 }, (_, i) => i + 1),
    ]);
    const state = await stateOf(prefix, ['r']);
    // Kafka redelivers everything from the start (a reset, a new owner): nothing changes.
    expect(await store.applyUpdates([...before, ...after], now + 1)).toEqual(
      [...before, ...after].map(() => false),
    );
    expect(await stateOf(prefix, ['r'])).toEqual(state);
  });

  it('publishes each applied update with the rev it got, so customers can order them', async () => {
    const prefix = `${t.ctx.config.redis.prefix}rev:`;
    const store = createDeliveryStore(t.redis, { prefix });
    const revs: number[] = [];
    const stop = await listenToFeed(subscriber, prefix, (_id, json) =>
      revs.push((JSON.parse(json) as { rev: number }).rev),
    );
    try {
      const updates = [
        trip('q', 1, 'assigned'),
        position('q', 7),
        inSession(position('q', 1), 'x'),
        inSession(position('q', 2), 'x'),
        position('q', 8),
      ];
      expect(await store.applyUpdates(updates, Date.now())).toEqual([
        true,
        true,
        true,
        true,
        false,
      ]);
      await expect.poll(() => revs.length).toBe(4);
      expect(revs).toEqual([1, 2, 3, 4]);
    } finally {
      await stop();
    }
  });
});
