import { describe, expect, it } from 'vitest';
import { EARTH_RADIUS_M, M_PER_DEG_LAT, haversineMeters, headingOf, mPerDegLng } from './earth.js';
import { createProjection, offsetBy, pointSegmentDistance } from './projection.js';
import { flatDistanceM } from './polyline.js';

describe('one Earth for every distance', () => {
  it('has one metres-per-degree, from the radius the haversine uses', () => {
    expect(M_PER_DEG_LAT).toBeCloseTo((EARTH_RADIUS_M * Math.PI) / 180, 6);
    expect(M_PER_DEG_LAT).toBeCloseTo(111_195.08, 1);
    // A degree of latitude measured both ways: the flat and the great-circle figure agree.
    const a = { lat: 52.5, lng: 13.4 };
    const b = { lat: 53.5, lng: 13.4 };
    expect(haversineMeters(a, b)).toBeCloseTo(M_PER_DEG_LAT, 3);
    expect(flatDistanceM(a, b)).toBeCloseTo(M_PER_DEG_LAT, 3);
    expect(mPerDegLng(60)).toBeCloseTo(M_PER_DEG_LAT / 2, 6);
  });

  it('agrees with itself within a city: flat and great-circle metres, offsets and projection', () => {
    const from = { lat: 52.52, lng: 13.405 };
    const to = offsetBy(from, 1000, 60);
    expect(haversineMeters(from, to)).toBeCloseTo(1000, 0);
    expect(flatDistanceM(from, to)).toBeCloseTo(1000, 0);
    const p = createProjection(from);
    const x = p.x(to.lng);
    const y = p.y(to.lat);
    expect(Math.hypot(x, y)).toBeCloseTo(1000, 6);
    expect(headingOf(x, y)).toBeCloseTo(60, 6);
    expect(p.toLatLng(x, y)).toEqual({
      lat: Math.round(to.lat * 1e6) / 1e6,
      lng: Math.round(to.lng * 1e6) / 1e6,
    });
  });

  it('gives compass headings and distances to segments', () => {
    expect([headingOf(0, 1), headingOf(1, 0), headingOf(0, -1), headingOf(-1, 0)]).toEqual([
      0, 90, 180, 270,
    ]);
    expect(pointSegmentDistance(5, 3, 0, 0, 10, 0)).toBe(3);
    expect(pointSegmentDistance(-4, 3, 0, 0, 10, 0)).toBe(5);
  });
});
