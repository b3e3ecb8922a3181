import { describe, expect, it } from 'vitest';
import type { TripRecord } from '@fleetstream/contracts';
import { assignedTrip, deliveryPosition } from '../testing/fixtures.js';
import {
  CARRIED_TRAIL_MAX,
  carriedTrail,
  emptyLiveState,
  planLiveChunk,
  TRAIL_TRIM_EVERY,
  type DeliveryUpdate,
  type LiveDeliveryState,
} from './live-delivery.js';

/** A position of delivery `id` at device time `seq` seconds, of the default or given session. */
const position = (deliveryId: string, seq: number, session?: string): DeliveryUpdate => ({
  type: 'position',
  position: {
    ...deliveryPosition(deliveryId, seq),
    ts: 1_000 * seq,
    ...(session ? { session } : {}),
  },
});
const trip = (deliveryId: string, seq: number, status: TripRecord['status']): DeliveryUpdate => ({
  type: 'trip',
  trip: { ...assignedTrip(deliveryId, seq), status, ts: 1_000 * seq },
});

const fromEmpty = (updates: DeliveryUpdate[], states = new Map<string, LiveDeliveryState>()) =>
  planLiveChunk(updates, (id) => states.get(id) ?? emptyLiveState(), 5);

describe('planLiveChunk', () => {
  it('applies newer seqs, skips duplicates and counts one revision per applied update', () => {
    const plan = fromEmpty([
      position('a', 1),
      position('a', 3),
      position('a', 2),
      position('a', 3),
    ]);
    expect(plan.applied).toEqual([true, true, false, false]);
    const a = plan.changes.get('a')!;
    expect(a.state.rev).toBe(2);
    expect(a.state.cursor).toEqual({ session: '', seq: 3, superseded: [] });
    expect(a.position).toMatchObject({ seq: 3, rev: 2, appliedAt: 5 });
    expect(a.trail.map((p) => p.seq)).toEqual([1, 3]);
    // The latest position is published, carrying the one before it.
    expect(a.messages.map((m) => m.rev)).toEqual([2]);
    expect(carriedTrail(a).map((p) => p.seq)).toEqual([1]);
  });

  it("publishes a chunk's statuses in order and its latest position, the earlier ones carried", () => {
    const plan = fromEmpty([
      trip('a', 1, 'assigned'),
      position('a', 2),
      position('a', 3),
      trip('a', 4, 'picked_up'),
      position('a', 5),
      position('b', 1),
    ]);
    const a = plan.changes.get('a')!;
    expect(a.messages.map((m) => [m.type, m.seq, m.rev])).toEqual([
      ['status', 1, 1],
      ['status', 4, 4],
      ['position', 5, 5],
    ]);
    expect(a.position).toBe(a.messages[2]);
    expect(carriedTrail(a).map((p) => p.seq)).toEqual([2, 3]);
    // Every applied position is still in the stored trail.
    expect(a.trail.map((p) => p.seq)).toEqual([2, 3, 5]);
    const b = plan.changes.get('b')!;
    expect(b.messages.map((m) => m.seq)).toEqual([1]);
    expect(carriedTrail(b)).toEqual([]);
  });

  it('carries at most CARRIED_TRAIL_MAX earlier positions, the latest ones', () => {
    const n = CARRIED_TRAIL_MAX + 20;
    const plan = fromEmpty(Array.from({ length: n }, (_, i) => position('a', i + 1)));
    const carried = carriedTrail(plan.changes.get('a')!).map((p) => p.seq);
    expect(carried).toHaveLength(CARRIED_TRAIL_MAX);
    expect(carried[0]).toBe(n - CARRIED_TRAIL_MAX);
    expect(carried.at(-1)).toBe(n - 1);
  });

  it('follows a new session and never applies the superseded one again', () => {
    const plan = fromEmpty([
      position('a', 7, 's1'),
      position('a', 1, 's2'),
      position('a', 8, 's1'),
      position('a', 2, 's2'),
    ]);
    expect(plan.applied).toEqual([true, true, false, true]);
    const a = plan.changes.get('a')!;
    expect(a.supersededChanged).toBe(true);
    expect(a.state.cursor).toEqual({ session: 's2', seq: 2, superseded: ['s1'] });
  });

  it('judges against the given state and moves it on in place', () => {
    const state: LiveDeliveryState = {
      cursor: { session: '', seq: 10, superseded: [] },
      rev: 40,
      status: 'picked_up',
      storedRev: '40',
      driverId: 'drv-a',
    };
    const plan = fromEmpty([position('a', 10), position('a', 11)], new Map([['a', state]]));
    expect(plan.applied).toEqual([false, true]);
    expect(plan.changes.get('a')!.state).toBe(state);
    expect(state).toMatchObject({ rev: 41, status: 'picked_up', cursor: { seq: 11 } });
    // Known driver and session: only what changed is written.
    expect(plan.changes.get('a')).toMatchObject({ driverChanged: false, sessionChanged: false });
  });

  it('keeps a delivery in the active set until it finishes, by device time', () => {
    const plan = fromEmpty([trip('a', 1, 'assigned'), position('a', 2), trip('b', 1, 'assigned')]);
    expect(plan.changes.get('a')!.activeScore).toBe(2_000);
    const done = fromEmpty([trip('a', 1, 'assigned'), trip('a', 3, 'delivered'), position('a', 4)]);
    const a = done.changes.get('a')!;
    expect(a.activeScore).toBeNull();
    expect(a.state.status).toBe('delivered');
    // Positions after the end are still stored and published, but do not make it active again.
    expect(done.applied).toEqual([true, true, true]);
  });

  it('asks for a trail trim each time the revision passes a multiple of the trim interval', () => {
    const updates = Array.from({ length: TRAIL_TRIM_EVERY * 2 }, (_, i) => position('a', i + 1));
    const first = fromEmpty(updates.slice(0, TRAIL_TRIM_EVERY - 1));
    expect(first.changes.get('a')!.trimTrail).toBe(false);
    expect(fromEmpty(updates).changes.get('a')!.trimTrail).toBe(true);
  });
});
