import { describe, expect, it } from 'vitest';
import { DROPOFF_DISTANCE, nodeAtDistance, sampleDistance } from './trips.js';
import { createCity, createRng } from '@fleetstream/geo';

describe('trip distances', () => {
  it('are lognormal around the median, clipped to the bounds, the same for the same seed', () => {
    const draw = (seed: number) => {
      const rnd = createRng(seed);
      return Array.from({ length: 4000 }, () => sampleDistance(rnd, DROPOFF_DISTANCE));
    };
    const d = draw(1).sort((a, b) => a - b);
    expect(d[2000]! / DROPOFF_DISTANCE.medianM).toBeGreaterThan(0.95);
    expect(d[2000]! / DROPOFF_DISTANCE.medianM).toBeLessThan(1.05);
    expect(d[0]).toBeGreaterThanOrEqual(DROPOFF_DISTANCE.minM);
    expect(d.at(-1)).toBeLessThanOrEqual(DROPOFF_DISTANCE.maxM);
    // A long tail: the mean is above the median.
    expect(d.reduce((a, b) => a + b, 0) / d.length).toBeGreaterThan(d[2000]!);
    expect(draw(1)).toEqual(draw(1));
  });

  it('find a node about that far, never the start, inside the city', () => {
    const city = createCity({ center: { lat: 52.52, lng: 13.405 }, radiusM: 3000, seed: 4 });
    const rnd = createRng(2);
    const from = city.nearestNode(0, 0);
    for (const want of [300, 1000, 2000]) {
      const n = nodeAtDistance(city, rnd, from, want);
      expect(n).not.toBe(from);
      const got = Math.hypot(city.x[n]! - city.x[from]!, city.y[n]! - city.y[from]!);
      expect(Math.abs(got - want)).toBeLessThan(want * 0.15);
    }
    // Further than the city reaches: as far as it goes.
    const edge = nodeAtDistance(city, rnd, from, 50_000);
    expect(Math.hypot(city.x[edge]!, city.y[edge]!)).toBeGreaterThan(2500);
  });
});
