import { describe, expect, it } from 'vitest';
import type { LocationRecord } from '@fleetstream/contracts';
import { createFleetFrames } from './replay-fleet.js';

const fix = (driverId: string, seq: number, deliveryId: string | null = null): LocationRecord => ({
  type: 'position',
  v: 1,
  driverId,
  deliveryId,
  seq,
  ts: 1_000 * seq,
  lat: 43.7 + seq * 1.234567e-5,
  lng: 7.4,
});

describe('fleet frames', () => {
  it('keeps one position per courier per frame, with its state after trip events', () => {
    const f = createFleetFrames();
    for (let seq = 1; seq <= 60; seq++) f.add(fix('a', seq));
    f.add({
      type: 'trip',
      v: 1,
      driverId: 'b',
      deliveryId: 'd1',
      seq: 1,
      ts: 500,
      status: 'assigned',
      pickup: { lat: 1, lng: 1 },
      dropoff: { lat: 2, lng: 2 },
    });
    f.add(fix('b', 2, 'd1'));
    expect(f.take()).toEqual([
      ['a', null, 43.70074, 7.4, 60_000, 'idle'],
      ['b', 'd1', 43.70002, 7.4, 2_000, 'to_pickup'],
    ]);
    expect(f.take()).toEqual([]);
    f.add(fix('b', 3, 'd1'));
    f.add({
      type: 'trip',
      v: 1,
      driverId: 'b',
      deliveryId: 'd1',
      seq: 4,
      ts: 4_000,
      status: 'picked_up',
    } as LocationRecord);
    expect(f.take()).toEqual([['b', 'd1', 43.70004, 7.4, 3_000, 'to_customer']]);
  });
});
