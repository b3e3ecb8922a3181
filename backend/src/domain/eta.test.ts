import { describe, expect, it } from 'vitest';
import { etaRange, pushSpeed } from './eta.js';
import { createRoadNetwork } from './road-network.js';

describe('etaRange', () => {
  it('brackets the time at the recent mean speed', () => {
    // 3 km at a steady 8 m/s is 375 s; the range is ±25 % of the pace.
    const r = etaRange(3000, [8, 8, 8, 8]);
    expect(r).toEqual({ minS: 300, maxS: 500 });
    expect(r.minS).toBeLessThanOrEqual(375);
    expect(r.maxS).toBeGreaterThanOrEqual(375);
  });

  it('ignores standing still and bounds implausible speeds', () => {
    expect(etaRange(1200, [0, 0, 40, 40])).toEqual({ minS: 100, maxS: 100 }); // capped at 12 m/s
    expect(etaRange(1200, [0, 0])).toEqual({ minS: 160, maxS: 267 }); // no pace yet: 6 m/s
  });

  it('adds the pickup wait still ahead', () => {
    expect(etaRange(3000, [8], { waitS: [60, 300] })).toEqual({ minS: 360, maxS: 800 });
  });

  it('keeps a bounded speed history', () => {
    let h: number[] = [];
    for (let i = 0; i < 40; i++) h = pushSpeed(h, i, 30);
    expect(h).toHaveLength(30);
    expect(h[0]).toBe(10);
  });
});

describe('createRoadNetwork', () => {
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
