import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createRng, createRouter, isDrivable, type City } from '@fleetstream/geo';
import { buildOsmCity, readOsmPbf } from '@fleetstream/geo/osm';
import { BUNDLED_CITIES } from './open-city.js';

/** Directed moves the graph allows, as "from>to". */
function legalMoves(city: City): Set<string> {
  const legal = new Set<string>();
  for (const r of city.roads) {
    legal.add(`${r.from}>${r.to}`);
    if (!r.oneway) legal.add(`${r.to}>${r.from}`);
  }
  return legal;
}

describe('the bundled Monaco extract', () => {
  const bytes = fs.readFileSync(fileURLToPath(BUNDLED_CITIES.monaco.file));
  const started = performance.now();
  const osm = readOsmPbf(bytes);
  const { city, stats } = buildOsmCity(osm, 'monaco');
  const loadMs = performance.now() - started;

  it('loads in well under two seconds into one strongly connected road network', () => {
    expect(loadMs).toBeLessThan(2000);
    expect(stats.keptNodes).toBeGreaterThan(10_000);
    expect(stats.keptNodes / stats.nodes).toBeGreaterThan(0.8);
    expect(city.roads.filter((r) => r.oneway).length / city.roads.length).toBeGreaterThan(0.2);
    // Monaco is about 2 km across; the extract reaches a little into France.
    expect(distanceToMonaco(city)).toBeLessThan(1500);
  });

  it('delivers inside its area, routing over the whole network', () => {
    const { area } = BUNDLED_CITIES.monaco;
    const inside = buildOsmCity(osm, 'monaco', area).city;
    const p = inside.projection;
    const rnd = createRng(5);
    for (let i = 0; i < 200; i++) {
      const n = inside.randomNode(rnd);
      expect(inside.inArea(n)).toBe(true);
      const off = Math.hypot(
        inside.x[n]! - p.x(area.center.lng),
        inside.y[n]! - p.y(area.center.lat),
      );
      expect(off).toBeLessThanOrEqual(area.radiusM);
    }
    expect(inside.nodeCount).toBe(city.nodeCount);
  });

  it('has only drivable ways, and only what the extract tags as such', () => {
    const tagsOf = new Map(osm.ways.map((w) => [w.id, w.tags]));
    for (const r of city.roads) expect(isDrivable(tagsOf.get(r.wayId!)!)).toBe(true);
  });

  it('routes between any two nodes, one-way streets the right way only', () => {
    const router = createRouter(city);
    const legal = legalMoves(city);
    const rnd = createRng(3);
    for (let i = 0; i < 100; i++) {
      const [a, b] = [city.randomNode(rnd), city.randomNode(rnd)];
      const route = router.route(a, b)!;
      expect(route).not.toBeNull();
      for (let k = 0; k + 1 < route.nodes.length; k++)
        expect(legal.has(`${route.nodes[k]}>${route.nodes[k + 1]}`)).toBe(true);
    }
  });
});

/** Metres from the network's centre to Monaco's (Place du Casino is at 43.7396, 7.4276). */
function distanceToMonaco(city: City): number {
  const p = city.projection;
  return Math.hypot(p.x(7.4276), p.y(43.7396));
}
