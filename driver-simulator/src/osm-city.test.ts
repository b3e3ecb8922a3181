import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BUNDLED_CITIES, buildOsmCity, readOsmPbf, type OsmRoads } from './osm-city.js';
import { isDrivable } from './osm-tags.js';
import { cityGeoJson, type City } from './road-graph.js';
import { createRouter } from './route.js';
import { createRng } from './rng.js';

/** Directed moves the graph allows, as "from>to". */
function legalMoves(city: City): Set<string> {
  const legal = new Set<string>();
  for (const r of city.roads) {
    legal.add(`${r.from}>${r.to}`);
    if (!r.oneway) legal.add(`${r.to}>${r.from}`);
  }
  return legal;
}

/** A tiny extract: a block of four corners 100 m apart, one side one-way, plus distractions. */
function block(): OsmRoads {
  const deg = 100 / 111_320;
  const at: Record<number, { lat: number; lon: number }> = {
    1: { lat: 43.7, lon: 7.4 },
    2: { lat: 43.7, lon: 7.4 + deg * 1.38 },
    3: { lat: 43.7 + deg, lon: 7.4 + deg * 1.38 },
    4: { lat: 43.7 + deg, lon: 7.4 },
    5: { lat: 43.7 + 2 * deg, lon: 7.4 },
  };
  return {
    position: (id) => at[id],
    ways: [
      { id: 10, nodes: [1, 2], tags: { highway: 'residential', oneway: 'yes' } },
      { id: 11, nodes: [3, 2], tags: { highway: 'residential' } },
      { id: 12, nodes: [4, 3], tags: { highway: 'residential', oneway: '-1' } },
      { id: 13, nodes: [4, 1], tags: { highway: 'residential' } },
      // A footway across the block would be a short cut: it must not be driven.
      { id: 14, nodes: [1, 3], tags: { highway: 'footway' } },
      // A one-way dead end: once in, no way out, so it is not part of the network.
      { id: 15, nodes: [4, 5], tags: { highway: 'service', oneway: 'yes' } },
      { id: 16, nodes: [1, 99], tags: { highway: 'residential' } }, // 99 is off the extract
    ],
  };
}

describe('buildOsmCity', () => {
  const { city, stats } = buildOsmCity(block(), 'block');
  const node = (lat: number, lng: number) =>
    city.nearestNode(city.projection.x(lng), city.projection.y(lat));
  const [n1, n2, n3, n4] = [
    node(43.7, 7.4),
    node(43.7, 7.4 + 0.00124),
    node(43.7009, 7.4 + 0.00124),
    node(43.7009, 7.4),
  ];

  it('keeps drivable ways only, in the largest strongly connected part', () => {
    expect(stats).toMatchObject({ drivableWays: 6, nodes: 5, keptNodes: 4, components: 2 });
    expect(city.roads.map((r) => r.wayId).sort()).toEqual([10, 11, 12, 13]);
    expect(city.attribution).toBe('© OpenStreetMap contributors');
  });

  it('routes one-way streets in their direction only: oneway=yes and oneway=-1', () => {
    const router = createRouter(city);
    expect(Array.from(router.route(n1, n2)!.nodes)).toEqual([n1, n2]);
    // Against the one-way 1→2, the long way round; 3→4 is one-way (-1 on 4→3) too.
    expect(Array.from(router.route(n2, n1)!.nodes)).toEqual([n2, n3, n4, n1]);
    expect(Array.from(router.route(n4, n3)!.nodes)).toEqual([n4, n1, n2, n3]);
  });

  it('writes GeoJSON whose coordinate order is the direction of travel', () => {
    const geo = cityGeoJson(city);
    expect(geo.attribution).toBe('© OpenStreetMap contributors');
    const oneways = geo.features.filter((f) => f.properties.oneway);
    expect(oneways.map((f) => f.geometry.coordinates[0])).toEqual(
      expect.arrayContaining([
        [7.4, 43.7],
        [city.projection.toLatLng(city.x[n3]!, city.y[n3]!).lng, 43.700898],
      ]),
    );
    expect(oneways).toHaveLength(2);
  });
});

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
