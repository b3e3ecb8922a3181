import { describe, expect, it } from 'vitest';
import type { PositionMessage, StatusMessage } from '@fleetstream/contracts';
import { emptyDeliveryReplay, reduceDeliveryReplay } from './use-delivery-replay.js';

const pos = (ts: number): PositionMessage => ({
  type: 'position',
  deliveryId: 'd',
  driverId: 'v',
  seq: ts,
  ts,
  lat: 52 + ts / 1e6,
  lng: 13,
  appliedAt: ts,
  etaMinS: 240,
  etaMaxS: 360,
});
const status = (s: StatusMessage['status'], ts: number): StatusMessage => ({
  type: 'status',
  deliveryId: 'd',
  seq: ts,
  status: s,
  ts,
  pickup: { lat: 52, lng: 13 },
  dropoff: { lat: 52.01, lng: 13 },
  route: [
    [52, 13],
    [52.01, 13],
  ],
});
const play = (...ms: Parameters<typeof reduceDeliveryReplay>[1][]) =>
  ms.reduce(reduceDeliveryReplay, emptyDeliveryReplay);

describe('reduceDeliveryReplay', () => {
  it('grows the trail and keeps what the customer saw then', () => {
    const s = play(status('assigned', 100), pos(200), pos(300), status('picked_up', 400), pos(500));
    expect(s.trail.map((p) => p.ts)).toEqual([200, 300, 500]);
    expect(s.position?.etaMinS).toBe(240);
    expect(s.trip).toEqual({ status: 'picked_up', ts: 400 });
    expect(s.route?.points).toHaveLength(2);
    expect(s.dropoff).toEqual({ lat: 52.01, lng: 13 });
  });

  it('keeps each notification once', () => {
    const note = {
      type: 'notification',
      id: 'd:picked_up',
      deliveryId: 'd',
      milestone: 'picked_up',
      ts: 400,
      message: 'Picked up',
    } as const;
    expect(play(note, note).notifications).toHaveLength(1);
  });

  it('after a seek, clears the picture, then takes the snapshot of the delivery as it was', () => {
    const before = play(status('assigned', 100), pos(200), status('picked_up', 400), pos(500), {
      type: 'notification',
      id: 'd:picked_up',
      deliveryId: 'd',
      milestone: 'picked_up',
      ts: 400,
      message: 'Picked up',
    });
    const seeked = reduceDeliveryReplay(before, {
      type: 'replay-state',
      at: 250,
      speed: 10,
      playing: true,
      seeked: true,
    });
    expect(seeked).toMatchObject({ trip: null, position: null, trail: [], notifications: [] });
    expect(seeked.dropoff).toEqual({ lat: 52.01, lng: 13 });
    const then = reduceDeliveryReplay(seeked, {
      type: 'snapshot',
      delivery: {
        deliveryId: 'd',
        driverId: 'v',
        status: 'assigned',
        pickup: { lat: 52, lng: 13 },
        dropoff: { lat: 52.01, lng: 13 },
        statusTs: 100,
      },
      position: pos(200),
      trail: [{ lat: 52, lng: 13, ts: 200, seq: 200 }],
      seq: 200,
      notifications: [],
      route: [
        [52, 13],
        [52.01, 13],
      ],
    });
    expect(then.trip).toEqual({ status: 'assigned', ts: 100 });
    expect(then.trail).toHaveLength(1);
    expect(then.position?.ts).toBe(200);
    expect(then.route?.points).toHaveLength(2);
    // A plain clock tick changes nothing.
    expect(
      reduceDeliveryReplay(before, {
        type: 'replay-state',
        at: 600,
        speed: 10,
        playing: true,
        seeked: false,
      }),
    ).toBe(before);
  });
});
