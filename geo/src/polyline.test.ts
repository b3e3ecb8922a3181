import { describe, expect, it } from 'vitest';
import { pointAt, polylineLength, progressAlong, project, toPolyline } from './polyline.js';
import { offsetBy } from './projection.js';

// An L-shaped route: ~111 m north, then ~68 m east (at 52.5° N).
const line = toPolyline([
  { lat: 52.5, lng: 13.4 },
  { lat: 52.501, lng: 13.4 },
  { lat: 52.501, lng: 13.401 },
]);

describe('polyline', () => {
  it('measures its length', () => {
    expect(polylineLength(line)).toBeCloseTo(111.32 + 67.77, 0);
  });

  it('interpolates along the line, around the corner', () => {
    const mid = pointAt(line, 55.66);
    expect(mid.lat).toBeCloseTo(52.5005, 5);
    expect(mid.lng).toBeCloseTo(13.4, 6);
    expect(mid.headingDeg).toBeCloseTo(0, 0);
    const afterCorner = pointAt(line, 111.32 + 33.9);
    expect(afterCorner.lat).toBeCloseTo(52.501, 6);
    expect(afterCorner.lng).toBeCloseTo(13.4005, 4);
    expect(afterCorner.headingDeg).toBeCloseTo(90, 0);
  });

  it('clamps to its ends', () => {
    expect(pointAt(line, -10)).toMatchObject({ lat: 52.5, lng: 13.4 });
    expect(pointAt(line, 1e6)).toMatchObject({ lat: 52.501, lng: 13.401 });
  });

  it('projects a nearby point onto the line', () => {
    const p = project(line, { lat: 52.5005, lng: 13.40005 }); // ~3.4 m east of the first leg
    expect(p.s).toBeCloseTo(55.66, 0);
    expect(p.offM).toBeCloseTo(3.39, 1);
  });

  it('searches only ahead of a hint', () => {
    // Near the start, but the vehicle is known to be past the corner already.
    expect(project(line, { lat: 52.5001, lng: 13.4 }, 120).s).toBeGreaterThanOrEqual(111);
  });

  it('tracks progress forward only, with the distance left', () => {
    const total = polylineLength(line);
    const a = progressAlong(line, { lat: 52.5005, lng: 13.40005 });
    expect(a.remainingM).toBeCloseTo(total - 55.66, 0);
    // A fix a little behind (GPS noise) keeps the progress made.
    const b = progressAlong(line, { lat: 52.5004, lng: 13.4 }, a.s);
    expect(b.s).toBe(a.s);
    // Past the end: nothing left, never negative.
    expect(progressAlong(line, { lat: 52.501, lng: 13.402 }, b.s).remainingM).toBe(0);
  });

  it('finds a fix on the stretch ahead first: a street the route takes twice counts where the vehicle is', () => {
    // 2 km east, 4 m north, back west beside the way out.
    const start = { lat: 52.5, lng: 13.4 };
    const far = offsetBy(start, 2000, 90);
    const back = toPolyline([start, far, offsetBy(far, 4, 0), offsetBy(start, 4, 0)]);
    // 100 m out, 3 m north: 3 m off the way out, 1 m off the way back.
    const fix = offsetBy(offsetBy(start, 100, 90), 3, 0);
    expect(progressAlong(back, fix, 0).s).toBeCloseTo(100, 0);
    // Searched to its end, the line's nearest point is on the way back.
    expect(project(back, fix).s).toBeGreaterThan(3800);
  });

  it('finds a fix past the stretch ahead by searching the rest (after a gap in the fixes)', () => {
    const start = { lat: 52.5, lng: 13.4 };
    const long = toPolyline(Array.from({ length: 11 }, (_, i) => offsetBy(start, i * 300, 90)));
    const at = progressAlong(long, offsetBy(start, 2500, 90), 0);
    expect(at.s).toBeCloseTo(2500, 0);
    expect(at.offM).toBeLessThan(1);
  });
});
