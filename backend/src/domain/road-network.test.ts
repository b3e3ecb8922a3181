import { describe, expect, it } from 'vitest';
import { createRoadNetwork } from './road-network.js';

const line = (coords: Point[], properties: Record<string, unknown>) => ({
  type: 'Feature',
  geometry: { type: 'LineString', coordinates: coords },
  properties,
});
// A block about 110 m a side: corners A (south-west), B (south-east), C (north-east), D.
type Point = [number, number];
const A: Point = [7.4, 43.7];
const B: Point = [7.4014, 43.7];
const C: Point = [7.4014, 43.701];
const D: Point = [7.4, 43.701];
const at = ([lng, lat]: Point) => ({ lat, lng });
const street = { kind: 'street', closed: false, speedKmh: 25 };

describe('createRoadNetwork', () => {
  const roads = createRoadNetwork({
    type: 'FeatureCollection',
    features: [
      line([A, B], { ...street, oneway: true }),
      line([B, C, D], { ...street, oneway: false }),
      line([D, A], { ...street, oneway: false }),
    ],
  });

  it('routes one-way roads in their coordinate order only', () => {
    expect(roads.route(at(A), at(B))).toEqual([at(A), at(A), at(B), at(B)]);
    // B to A against the one-way: the long way round, B → C → D → A.
    expect(roads.route(at(B), at(A))).toEqual([at(B), at(B), at(C), at(D), at(A), at(A)]);
  });

  it('drives each road at its speedKmh', () => {
    const slowBack = createRoadNetwork({
      type: 'FeatureCollection',
      features: [
        line([A, B], { ...street, oneway: false, speedKmh: 2 }),
        line([B, C, D], { ...street, oneway: false, speedKmh: 50 }),
        line([D, A], { ...street, oneway: false, speedKmh: 50 }),
      ],
    });
    // 110 m at 2 km/h is slower than 330 m at 50 km/h.
    expect(slowBack.route(at(A), at(B))).toEqual([at(A), at(A), at(D), at(C), at(B), at(B)]);
  });
});
