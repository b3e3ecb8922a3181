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

describe('createRoadNetwork on a grid', () => {
  // A 3×3 grid 0.001° apart; the middle row's east leg is one-way west, one road is closed.
  const at = (r: number, c: number) => [13.4 + c * 0.001, 52.5 + r * 0.001];
  const road = (a: number[], b: number[], p: Record<string, unknown> = {}) => ({
    type: 'Feature',
    geometry: { type: 'LineString', coordinates: [a, b] },
    properties: { kind: 'street', oneway: false, closed: false, ...p },
  });
  const fc = {
    type: 'FeatureCollection',
    features: [
      road(at(0, 0), at(0, 1)),
      road(at(0, 1), at(0, 2)),
      road(at(1, 0), at(1, 1)),
      road(at(1, 2), at(1, 1), { oneway: true }),
      road(at(2, 0), at(2, 1)),
      road(at(2, 1), at(2, 2)),
      road(at(0, 0), at(1, 0)),
      road(at(1, 0), at(2, 0)),
      road(at(0, 1), at(1, 1), { closed: true }),
      road(at(1, 1), at(2, 1)),
      road(at(0, 2), at(1, 2)),
      road(at(1, 2), at(2, 2)),
    ],
  };
  const net = createRoadNetwork(fc);
  const pt = (r: number, c: number) => ({ lat: 52.5 + r * 0.001, lng: 13.4 + c * 0.001 });

  it('routes along roads, respecting one-way and closed roads', () => {
    expect(net.nodes).toBe(9);
    // (1,1) → (1,2): the direct road is one-way the other way; go round by the bottom row.
    const r = net.route(pt(1, 1), pt(1, 2))!;
    const inner = r
      .slice(1, -1)
      .map((p) => `${Math.round((p.lat - 52.5) * 1000)},${Math.round((p.lng - 13.4) * 1000)}`);
    expect(inner).toEqual(['1,1', '2,1', '2,2', '1,2']);
    // (0,1) → (1,1): the closed road is not used.
    const r2 = net.route(pt(0, 1), pt(1, 1))!.slice(1, -1);
    expect(r2.length).toBeGreaterThan(2);
  });
});
