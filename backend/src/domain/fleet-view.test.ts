import { describe, expect, it } from 'vitest';
import type { LocationRecord } from '@fleetstream/contracts';
import { createFleetView } from './fleet-view.js';

const fix = (driverId: string, ts: number, lat = 43.7, deliveryId: string | null = null) =>
  ({ type: 'position', v: 1, driverId, deliveryId, seq: ts, ts, lat, lng: 7.4 }) as LocationRecord;
const view = { type: 'viewport', south: 43, west: 7, north: 44, east: 8, zoom: 14 } as const;

describe('fleet view', () => {
  it('keeps the newest fix per courier, its state from trip events, offline after silence', () => {
    const f = createFleetView(10_000);
    f.seed('b', 'd1', 'picked_up');
    f.apply(fix('a', 2000), 2000);
    f.apply(fix('a', 1000, 43.9), 2100); // older fix, late: ignored
    f.apply(fix('b', 2000, 43.71, 'd1'), 2000);
    f.apply(fix('c', 2000, 50), 2000); // outside the viewport
    let s = f.snapshot(view, 5000);
    expect(s.total).toBe(3);
    expect(s.couriers).toEqual([
      ['a', null, 43.7, 7.4, 2000, 'idle'],
      ['b', 'd1', 43.71, 7.4, 2000, 'to_customer'],
    ]);
    f.apply(
      {
        type: 'trip',
        v: 1,
        driverId: 'b',
        deliveryId: 'd1',
        seq: 3000,
        ts: 3000,
        status: 'delivered',
      },
      3000,
    );
    f.apply(fix('a', 14_000), 14_000);
    s = f.snapshot(view, 14_500);
    expect(s.couriers!.map((c) => [c[0], c[5]])).toEqual([
      ['a', 'idle'],
      ['b', 'offline'],
    ]);
    expect(s.counts).toEqual({ to_pickup: 0, to_customer: 0, idle: 1, offline: 2 });
  });

  it('clusters a viewport with more couriers than it sends one by one', () => {
    const f = createFleetView(60_000);
    for (let i = 0; i < 3000; i++) f.apply(fix(`d${i}`, 1000, 43 + (i % 50) * 0.01), 1000);
    const s = f.snapshot({ ...view, zoom: 8 }, 2000);
    expect(s.couriers).toBeNull();
    expect(s.clusters!.reduce((n, c) => n + c.count, 0)).toBe(3000);
    expect(s.clusters!.length).toBeLessThan(50);
  });
});
