import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createProjection } from '@fleetstream/geo';
import { cruiseSpeedMps, isDrivable, onewayOf, roadKindOf, type OsmTags } from './osm-tags.js';
import {
  adjacency,
  indexCity,
  keepNodes,
  type City,
  type DeliveryArea,
  type Road,
} from './road-graph.js';
import { largestStronglyConnected } from './scc.js';

type OsmElement =
  | { type: 'node'; id: number; lat: number; lon: number }
  | { type: 'way'; id: number; nodes: number[]; tags: Record<string, string> }
  | { type: 'relation'; id: number };
/**
 * tiny-osmpbf (CommonJS, no types): parses a whole .osm.pbf, calling the handler per element.
 * Loaded with require so its type is declared here, where it is used, for every workspace that
 * compiles this file.
 */
const parseOsmPbf = createRequire(import.meta.url)('tiny-osmpbf') as (
  bytes: Uint8Array,
  handler: (e: OsmElement) => void,
) => void;

/** The ways of an extract that may matter for roads, and a look-up of node positions. */
export interface OsmRoads {
  ways: readonly { id: number; nodes: readonly number[]; tags: OsmTags }[];
  position(nodeId: number): { lat: number; lon: number } | undefined;
}

/** What the ODbL asks wherever OSM data is shown. */
export const OSM_ATTRIBUTION = '© OpenStreetMap contributors';

/** What loading kept and left out, for the log line and the docs. */
export interface OsmCityStats {
  drivableWays: number;
  /** Graph nodes and directed roads before the largest strongly connected part was taken. */
  nodes: number;
  roads: number;
  components: number;
  keptNodes: number;
  keptRoads: number;
}

/** Reads the ways tagged `highway` and every node position from an .osm.pbf file's bytes. */
export function readOsmPbf(bytes: Uint8Array): OsmRoads {
  const index = new Map<number, number>();
  const lat: number[] = [];
  const lon: number[] = [];
  const ways: { id: number; nodes: number[]; tags: OsmTags }[] = [];
  parseOsmPbf(bytes, (e) => {
    if (e.type === 'node') {
      index.set(e.id, lat.length);
      lat.push(e.lat);
      lon.push(e.lon);
    } else if (e.type === 'way' && e.tags.highway !== undefined) {
      ways.push({ id: e.id, nodes: e.nodes, tags: e.tags });
    }
  });
  return {
    ways,
    position(id) {
      const i = index.get(id);
      return i === undefined ? undefined : { lat: lat[i]!, lon: lon[i]! };
    },
  };
}

/**
 * The drivable road graph of an extract: every node of a drivable way becomes a graph node (so
 * couriers follow the road's real shape), every pair of consecutive nodes a road, one-way where
 * OSM says so and stored in its direction of travel. Only the largest strongly connected part
 * is kept, so every node can reach every other one by legal moves.
 */
export function buildOsmCity(
  osm: OsmRoads,
  name: string,
  area?: DeliveryArea,
): { city: City; stats: OsmCityStats } {
  const drivable = osm.ways.filter((w) => isDrivable(w.tags));
  const id = new Map<number, number>();
  const lat: number[] = [];
  const lon: number[] = [];
  const node = (osmId: number): number => {
    let i = id.get(osmId);
    if (i !== undefined) return i;
    const p = osm.position(osmId);
    if (!p) return -1; // cut off at the extract's edge
    i = lat.length;
    id.set(osmId, i);
    lat.push(p.lat);
    lon.push(p.lon);
    return i;
  };
  const chains = drivable.map((w) => {
    const dir = onewayOf(w.tags);
    // A way one-way against its node order is stored reversed, so roads run in travel order.
    const refs = dir === -1 ? [...w.nodes].reverse() : w.nodes;
    return { way: w, oneway: dir !== 0, ids: refs.map(node) };
  });
  if (lat.length === 0) throw new Error(`${name}: no drivable roads in the extract`);
  const center = {
    lat: (Math.min(...lat) + Math.max(...lat)) / 2,
    lng: (Math.min(...lon) + Math.max(...lon)) / 2,
  };
  const p = createProjection(center);
  const xs = Float64Array.from(lon, (l) => p.x(l));
  const ys = Float64Array.from(lat, (l) => p.y(l));
  const roads: Road[] = [];
  for (const { way, oneway, ids } of chains) {
    const kind = roadKindOf(way.tags);
    const speedMps = cruiseSpeedMps(way.tags);
    for (let k = 1; k < ids.length; k++) {
      const [from, to] = [ids[k - 1]!, ids[k]!];
      if (from < 0 || to < 0 || from === to) continue;
      const lengthM = Math.hypot(xs[to]! - xs[from]!, ys[to]! - ys[from]!);
      if (lengthM === 0) continue;
      roads.push({ from, to, kind, oneway, closed: false, speedMps, lengthM, wayId: way.id });
    }
  }
  const { fwd } = adjacency(lat.length, roads);
  const largest = largestStronglyConnected(fwd);
  const kept = keepNodes(xs, ys, roads, largest.keep);
  let radiusM = 0;
  for (let k = 0; k < kept.x.length; k++)
    radiusM = Math.max(radiusM, Math.hypot(kept.x[k]!, kept.y[k]!));
  const city = indexCity({
    name,
    attribution: OSM_ATTRIBUTION,
    ...(area ? { area } : {}),
    center,
    radiusM: Math.ceil(radiusM) + 1,
    ...kept,
  });
  return {
    city,
    stats: {
      drivableWays: drivable.length,
      nodes: lat.length,
      roads: roads.length,
      components: largest.components,
      keptNodes: city.nodeCount,
      keptRoads: city.roads.length,
    },
  };
}

/** Loads the drivable road graph of an .osm.pbf file, named after the file. */
export function loadOsmCity(
  file: string,
  area?: DeliveryArea,
): { city: City; stats: OsmCityStats } {
  const name = path.basename(file).replace(/\.osm\.pbf$/, '');
  return buildOsmCity(readOsmPbf(fs.readFileSync(file)), name, area);
}

/** The OSM extracts shipped with the simulator, by name (see data/LICENSE.md). */
export const BUNDLED_CITIES = {
  monaco: {
    file: new URL('../data/monaco.osm.pbf', import.meta.url),
    // The principality from Fontvieille to Larvotto, with the streets of Beausoleil and
    // Cap-d'Ail that run into it; the extract's hillside roads above stay for routing only.
    area: { center: { lat: 43.737, lng: 7.426 }, radiusM: 1700 },
  },
} as const satisfies Record<string, { file: URL; area: DeliveryArea }>;
export type BundledCity = keyof typeof BUNDLED_CITIES;
