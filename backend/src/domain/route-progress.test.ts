import { describe, expect, it } from 'vitest';
import { polylineLength, toPolyline } from '@fleetstream/geo';
import { OFF_ROUTE_M, REPLAN_EVERY_MS, followRoute } from './route-progress.js';

const METRE_LAT = 1 / 111_320;
const north = (m: number, eastM = 0) => ({
  lat: 52.5 + m * METRE_LAT,
  lng: 13.4 + (eastM * METRE_LAT) / Math.cos((52.5 * Math.PI) / 180),
});
// A straight road 1 km north.
const line = toPolyline([north(0), north(1000)]);
const T0 = 1_763_784_742_000;

describe('followRoute', () => {
  it('gives the distance left along the route, never going back', () => {
    const a = followRoute({ line, s: 0, plannedAt: T0 }, { ...north(300), ts: T0 + 1000 }, null);
    expect(a.remainingM).toBeCloseTo(polylineLength(line) - 300, 0);
    const b = followRoute(a, { ...north(290), ts: T0 + 2000 }, null);
    expect(b.s).toBe(a.s);
    expect(b.replanned).toBe(false);
  });

  it('plans again from the fix once off the route, at most every REPLAN_EVERY_MS', () => {
    const off = north(300, OFF_ROUTE_M + 50);
    const detour = (from: { lat: number; lng: number }) => [from, north(1000)];
    const early = followRoute(
      { line, s: 250, plannedAt: T0 },
      { ...off, ts: T0 + REPLAN_EVERY_MS / 2 },
      detour,
    );
    expect(early.replanned).toBe(false);
    const late = followRoute(
      { line, s: 250, plannedAt: T0 },
      { ...off, ts: T0 + REPLAN_EVERY_MS + 1 },
      detour,
    );
    expect(late.replanned).toBe(true);
    expect(late.plannedAt).toBe(T0 + REPLAN_EVERY_MS + 1);
    // Progress starts again on the new route: all of it is still ahead.
    expect(late.s).toBe(0);
    expect(late.remainingM).toBeCloseTo(polylineLength(toPolyline(detour(off))), 6);
  });
});
