import type { LatLng } from './earth.js';
import { cityFromGeoJson } from './road-geojson.js';
import { createRouter } from './route.js';

/**
 * Routing between points in degrees over a road network given as GeoJSON (the file the
 * simulator writes with `--geojson`): the same graph and the same A* the simulator's couriers
 * drive by, so the route the server plans is the one they take.
 */
export interface RoadNetwork {
  readonly nodes: number;
  /** The fastest road path from one point to another, ends included; null when unreachable. */
  route(from: LatLng, to: LatLng): LatLng[] | null;
}

/**
 * A point further than this from every road is off the map: a road path from a node that far
 * away would be a fiction, and the straight line the caller falls back to is more honest.
 */
const MAX_SNAP_M = 1000;

export function createRoadNetwork(geojson: unknown): RoadNetwork {
  const { city } = cityFromGeoJson(geojson);
  const router = createRouter(city);
  const p = city.projection;
  const snap = (q: LatLng): number | null => {
    const [x, y] = [p.x(q.lng), p.y(q.lat)];
    const n = city.nearestNode(x, y);
    return n >= 0 && Math.hypot(city.x[n]! - x, city.y[n]! - y) <= MAX_SNAP_M ? n : null;
  };
  return {
    nodes: city.nodeCount,
    route(from, to) {
      const [s, t] = [snap(from), snap(to)];
      if (s === null || t === null) return null;
      const path = router.route(s, t);
      if (!path) return null;
      return [from, ...Array.from(path.nodes, (n) => p.toLatLng(city.x[n]!, city.y[n]!)), to];
    },
  };
}
