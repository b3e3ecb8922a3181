import { describe, expect, it } from 'vitest';
import { createCity } from './city.js';
import type { City } from './road-graph.js';
import { createRouter, turnSpeedMps } from './route.js';
import { createRng } from './rng.js';

const city = createCity({ center: { lat: 48.8566, lng: 2.3522 }, radiusM: 2500, seed: 9 });

/** Plain Dijkstra over the roads themselves, as the reference. */
function fastestTime(c: City, from: number, to: number): number {
  const best = new Float64Array(c.nodeCount).fill(Infinity);
  const done = new Uint8Array(c.nodeCount);
  best[from] = 0;
  for (;;) {
    let v = -1;
    for (let k = 0; k < c.nodeCount; k++) if (!done[k] && (v < 0 || best[k]! < best[v]!)) v = k;
    if (v < 0 || best[v] === Infinity) return Infinity;
    if (v === to) return best[v]!;
    done[v] = 1;
    for (const r of c.roads) {
      if (r.closed) continue;
      const t = best[v]! + r.lengthM / r.speedMps;
      if (r.from === v && t < best[r.to]!) best[r.to] = t;
      if (!r.oneway && r.to === v && t < best[r.from]!) best[r.from] = t;
    }
  }
}

describe('createRouter', () => {
  const router = createRouter(city);
  const rnd = createRng(1);
  const pairs = Array.from({ length: 200 }, () => [city.randomNode(rnd), city.randomNode(rnd)]);
  const legal = new Set<string>();
  for (const r of city.roads) {
    if (r.closed) continue;
    legal.add(`${r.from}>${r.to}`);
    if (!r.oneway) legal.add(`${r.to}>${r.from}`);
  }

  it('routes between any two intersections over open roads, one-way streets the right way only', () => {
    for (const [a, b] of pairs) {
      const route = router.route(a!, b!)!;
      expect(route).not.toBeNull();
      expect(route.nodes[0]).toBe(a);
      expect(route.nodes.at(-1)).toBe(b);
      for (let k = 0; k + 1 < route.nodes.length; k++)
        expect(legal.has(`${route.nodes[k]}>${route.nodes[k + 1]}`)).toBe(true);
    }
  });

  it('finds the fastest route', () => {
    for (const [a, b] of pairs.slice(0, 8)) {
      const route = router.route(a!, b!)!;
      expect(route.travelTimeS).toBeCloseTo(fastestTime(city, a!, b!), 6);
      const sum = route.segLen.reduce((s, l, k) => s + l / route.segSpeed[k]!, 0);
      expect(sum).toBeCloseTo(route.travelTimeS, 6);
    }
  });

  it('slows down for turns and stops at the end', () => {
    expect(turnSpeedMps(5)).toBe(Infinity);
    expect(turnSpeedMps(90)).toBe(4);
    expect(turnSpeedMps(-90)).toBe(4);
    expect(turnSpeedMps(180)).toBe(2);
    const route = router.route(pairs[0]![0]!, pairs[0]![1]!)!;
    expect(route.nodeSpeed.at(-1)).toBe(0);
  });
});
