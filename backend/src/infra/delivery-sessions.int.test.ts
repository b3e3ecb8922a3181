import { describe, expect, it } from 'vitest';
import { carriedFixes } from '@fleetstream/contracts';
import { listenToFeed } from '../testing/live-feed-listener.js';
import {
  position,
  stateOf,
  trip,
  useDeliveryStoreContext,
} from '../testing/delivery-store-harness.js';
import { createDeliveryStore, type DeliveryUpdate } from './delivery-store.js';

/** A driver app restarted mid-delivery (seq from 1 in a new session), as the store sees it. */
const h = useDeliveryStoreContext('delivery-sessions');

describe('driver sessions', () => {
  /** An update of delivery `d` in session `session` (undefined = the default session). */
  const inSession = (u: DeliveryUpdate, session: string | undefined, tsOffset = 0) =>
    u.type === 'trip'
      ? { ...u, trip: { ...u.trip, session, ts: u.trip.ts + tsOffset } }
      : { ...u, position: { ...u.position, session, ts: u.position.ts + tsOffset } };

  it('follows a restarted app (seq from 1) and skips the dead one, across chunks and replays', async () => {
    const prefix = `${h.t.ctx.config.redis.prefix}reboot:`;
    const store = createDeliveryStore(h.t.redis, { prefix, trailLength: 50 });
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
    const state = await stateOf(h.t, prefix, ['r']);
    // Kafka redelivers everything from the start (a reset, a new owner): nothing changes.
    expect(await store.applyUpdates([...before, ...after], now + 1)).toEqual(
      [...before, ...after].map(() => false),
    );
    expect(await stateOf(h.t, prefix, ['r'])).toEqual(state);
  });

  it('publishes each applied update with the rev it got, so customers can order them', async () => {
    const prefix = `${h.t.ctx.config.redis.prefix}rev:`;
    const store = createDeliveryStore(h.t.redis, { prefix });
    const revs: number[] = [];
    const carried: number[][] = [];
    const stop = await listenToFeed(h.subscriber, prefix, (_id, json) => {
      const m = JSON.parse(json) as { rev: number; trail?: number[][] };
      revs.push(m.rev);
      carried.push(carriedFixes(m).map((p) => p.seq));
    });
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
      // The status, and the latest position (rev 4, seq 2 of session x) carrying the two
      // applied before it in the chunk: seq 7 of the first session and seq 1 of x.
      await expect.poll(() => revs.length).toBe(2);
      expect(revs).toEqual([1, 4]);
      expect(carried).toEqual([[], [7, 1]]);
    } finally {
      await stop();
    }
  });
});
