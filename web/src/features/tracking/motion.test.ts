import { describe, expect, it } from 'vitest';
import { flatDistanceM, toPolyline } from '@fleetstream/geo';
import { deadReckon, isCorrection, planSegment, positionAt } from './motion.js';

// A route ~111 m north, then ~68 m east.
const line = toPolyline([
  { lat: 52.5, lng: 13.4 },
  { lat: 52.501, lng: 13.4 },
  { lat: 52.501, lng: 13.401 },
]);
const start = { lat: 52.5008, lng: 13.4 };
const afterCorner = { lat: 52.501, lng: 13.4003, speedMps: 8 };

describe('motion along the route', () => {
  it('glides around the corner, not across the block', () => {
    const seg = planSegment(start, afterCorner, line, 0);
    expect(seg.along).not.toBeNull();
    const mid = positionAt(seg, 500);
    expect(mid.mode).toBe('moving');
    // Halfway along ~43 m of route is ~21 m: on the first leg just before the corner, or just
    // after it — on the route either way, which a straight line would not be.
    const offRoute = Math.min(
      Math.abs(mid.lng - 13.4) * 111_320 * Math.cos((52.5 * Math.PI) / 180),
      Math.abs(mid.lat - 52.501) * 111_320,
    );
    expect(offRoute).toBeLessThan(0.5);
    expect(positionAt(seg, 1000)).toMatchObject({
      lat: afterCorner.lat,
      lng: expect.closeTo(afterCorner.lng, 7),
    });
  });

  it('moves a bounded distance per frame', () => {
    const seg = planSegment(start, afterCorner, line, 0);
    let prev = positionAt(seg, 0);
    for (let t = 16; t <= 1000; t += 16) {
      const p = positionAt(seg, t);
      expect(flatDistanceM(prev, p)).toBeLessThan(2); // ~43 m per second at 60 fps
      prev = p;
    }
  });

  it('glides straight when the fix is off the route', () => {
    const seg = planSegment(start, { lat: 52.5004, lng: 13.4008 }, line, 0);
    expect(seg.along).toBeNull();
  });

  it('jumps (a documented correction) when the fix is far away', () => {
    const far = { lat: 52.51, lng: 13.4 };
    expect(isCorrection(start, far)).toBe(true);
    const seg = planSegment(start, far, line, 0);
    expect(seg.durationMs).toBe(0);
    expect(positionAt(seg, 0)).toMatchObject({ lat: far.lat, lng: far.lng });
  });
});

describe('dead reckoning', () => {
  const seg = planSegment(start, afterCorner, line, 0);
  it('keeps moving at the last speed along the route', () => {
    const p = deadReckon(seg, 2);
    expect(p.mode).toBe('estimated');
    expect(flatDistanceM(afterCorner, p)).toBeCloseTo(16, 0);
  });
  it('stops after the limit, and at the end of the route', () => {
    const five = deadReckon(seg, 5, { deadReckonS: 5 });
    expect(deadReckon(seg, 60, { deadReckonS: 5 })).toEqual(five);
    expect(five.mode).toBe('still');
    const longer = deadReckon(seg, 60, { deadReckonS: 30 });
    expect(longer.lat).toBeCloseTo(52.501, 6);
    expect(longer.lng).toBeCloseTo(13.401, 6); // the route's end, not beyond
  });
  it('does not invent motion for a courier standing still', () => {
    const still = planSegment(start, { ...afterCorner, speedMps: 0 }, line, 0);
    expect(deadReckon(still, 3)).toMatchObject({
      lat: afterCorner.lat,
      lng: afterCorner.lng,
      mode: 'still',
    });
  });
});
