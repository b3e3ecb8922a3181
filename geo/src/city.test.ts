import { describe, expect, it } from 'vitest';
import { createCity, roadGraphGeoJson } from './city.js';
import { cityGeoJson } from './road-geojson.js';

const center = { lat: 52.52, lng: 13.405 };

describe('createCity', () => {
  const city = createCity({ center, radiusM: 3000, seed: 42 });

  it('is the same city for the same seed and another for another seed', () => {
    expect(roadGraphGeoJson({ center, radiusM: 3000, seed: 42 })).toEqual(cityGeoJson(city));
    expect(roadGraphGeoJson({ center, radiusM: 3000, seed: 43 })).not.toEqual(cityGeoJson(city));
  });

  it('has streets and faster arterials, some one-way and a few closed roads', () => {
    const count = (p: (r: (typeof city.roads)[number]) => boolean) => city.roads.filter(p).length;
    const n = city.roads.length;
    expect(n).toBeGreaterThan(1000);
    expect(count((r) => r.kind === 'arterial') / n).toBeGreaterThan(0.15);
    expect(count((r) => r.kind === 'arterial') / n).toBeLessThan(0.5);
    expect(count((r) => r.oneway) / n).toBeGreaterThan(0.05);
    expect(count((r) => r.closed)).toBeGreaterThan(0);
    expect(count((r) => r.closed) / n).toBeLessThan(0.03);
    for (const r of city.roads) {
      expect(r.speedMps).toBe(r.kind === 'arterial' ? 50 / 3.6 : 30 / 3.6);
      expect(r.lengthM).toBeGreaterThan(40);
      expect(r.lengthM).toBeLessThan(200);
    }
  });

  it('lies within the radius', () => {
    for (let k = 0; k < city.nodeCount; k++)
      expect(Math.hypot(city.x[k]!, city.y[k]!)).toBeLessThanOrEqual(3000);
  });

  it('finds the nearest intersection', () => {
    for (const [px, py] of [
      [0, 0],
      [1234, -567],
      [-2900, 10],
    ] as const) {
      const got = city.nearestNode(px, py);
      let best = 0;
      for (let k = 1; k < city.nodeCount; k++)
        if (
          Math.hypot(city.x[k]! - px, city.y[k]! - py) <
          Math.hypot(city.x[best]! - px, city.y[best]! - py)
        )
          best = k;
      expect(got).toBe(best);
    }
  });

  it('is GeoJSON: one LineString per road, [lng, lat] in travel direction, with kind, oneway, closed, speed', () => {
    const geo = cityGeoJson(city);
    expect(geo.type).toBe('FeatureCollection');
    expect(geo.features).toHaveLength(city.roads.length);
    const f = geo.features[0]!;
    expect(f.geometry.type).toBe('LineString');
    expect(Object.keys(f.properties).sort()).toEqual(['closed', 'kind', 'oneway', 'speedKmh']);
    const r = city.roads[0]!;
    const from = city.projection.toLatLng(city.x[r.from]!, city.y[r.from]!);
    expect(f.geometry.coordinates[0]).toEqual([from.lng, from.lat]);
    for (const { geometry } of geo.features)
      for (const [lng, lat] of geometry.coordinates) {
        expect(Math.abs(lat - 52.52)).toBeLessThan(0.03);
        expect(Math.abs(lng - 13.405)).toBeLessThan(0.05);
      }
  });
});
