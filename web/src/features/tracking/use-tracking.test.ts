import { describe, expect, it } from 'vitest';
import type { PositionMessage, SnapshotMessage } from '@fleetstream/contracts';
import { reduceTracking, type TrackingState } from './use-tracking.js';

const empty: TrackingState = {
  connection: { kind: 'live' },
  delivery: null,
  position: null,
  trail: [],
  seq: -1,
  notifications: [],
  route: null,
};
const snapshot: SnapshotMessage = {
  type: 'snapshot',
  delivery: {
    deliveryId: 'd',
    driverId: 'v',
    status: 'assigned',
    pickup: null,
    dropoff: null,
    statusTs: 1,
  },
  position: null,
  trail: [],
  seq: 5,
  notifications: [],
};
const pos = (seq: number): PositionMessage => ({
  type: 'position',
  deliveryId: 'd',
  driverId: 'v',
  seq,
  ts: seq,
  lat: seq,
  lng: 0,
  appliedAt: seq,
});

describe('reduceTracking', () => {
  it('never shows an older position after a newer one', () => {
    let s = reduceTracking(empty, snapshot);
    s = reduceTracking(s, pos(4)); // already in the snapshot
    expect(s.position).toBeNull();
    s = reduceTracking(s, pos(7));
    s = reduceTracking(s, pos(6));
    expect(s.position?.seq).toBe(7);
    expect(s.trail.map((p) => p.seq)).toEqual([7]);
  });

  it('draws the fixes a position carries before it, those not shown yet', () => {
    let s = reduceTracking(empty, snapshot);
    s = reduceTracking(s, pos(7));
    s = reduceTracking(s, {
      ...pos(11),
      trail: [6, 8, 9, 10].map((q) => [q, 0, q, q] as [number, number, number, number]),
    });
    expect(s.position?.seq).toBe(11);
    expect(s.trail.map((p) => p.seq)).toEqual([7, 8, 9, 10, 11]);
    expect(s.trail[1]).toEqual({ lat: 8, lng: 0, ts: 8, seq: 8 });
  });

  it('follows the courier when the driver app restarts (seq from 1, rev still rising)', () => {
    let s = reduceTracking(empty, { ...snapshot, seq: 22, rev: 22 });
    s = reduceTracking(s, { ...pos(1), rev: 23 });
    s = reduceTracking(s, { ...pos(2), rev: 24 });
    s = reduceTracking(s, { ...pos(1), rev: 23 }); // a resend: already shown
    expect(s.position).toMatchObject({ seq: 2, rev: 24 });
    expect(s.trail.map((p) => p.seq)).toEqual([1, 2]);
  });

  it('applies status changes in order', () => {
    let s = reduceTracking(empty, snapshot);
    s = reduceTracking(s, {
      type: 'status',
      deliveryId: 'd',
      seq: 9,
      status: 'picked_up',
      ts: 9,
      pickup: null,
      dropoff: null,
    });
    s = reduceTracking(s, {
      type: 'status',
      deliveryId: 'd',
      seq: 8,
      status: 'assigned',
      ts: 8,
      pickup: null,
      dropoff: null,
    });
    expect(s.delivery?.status).toBe('picked_up');
  });

  it('shows each notification once', () => {
    let s = reduceTracking(empty, snapshot);
    const n = {
      type: 'notification' as const,
      id: 'd:picked_up',
      deliveryId: 'd',
      milestone: 'picked_up' as const,
      ts: 1,
      message: 'Picked up',
    };
    s = reduceTracking(s, n);
    s = reduceTracking(s, n);
    expect(s.notifications).toHaveLength(1);
  });

  it('keeps a newer position when a reconnect brings an older snapshot', () => {
    let s = reduceTracking(empty, snapshot);
    s = reduceTracking(s, pos(9));
    s = reduceTracking(s, {
      ...snapshot,
      seq: 7,
      position: pos(7),
      delivery: { ...snapshot.delivery, status: 'picked_up' },
    });
    expect(s.position?.seq).toBe(9);
    expect(s.delivery?.status).toBe('picked_up');
  });
});
