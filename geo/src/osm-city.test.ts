import { describe, expect, it } from 'vitest';
import { buildOsmCity, type OsmRoads } from './osm-city.js';
import { cityGeoJson } from './road-geojson.js';
import { createRouter } from './route.js';

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
