import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { cruiseSpeedMps, isDrivable, onewayOf, roadKindOf, type OsmTags } from './osm-tags.js';
import {
  connectedCity,
  type City,
  type ConnectedCityStats,
  type DegreeRoad,
  type DeliveryArea,
} from './road-graph.js';

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
export interface OsmCityStats extends ConnectedCityStats {
  drivableWays: number;
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
  const roads: DegreeRoad[] = chains.flatMap(({ way, oneway, ids }) => {
    const kind = roadKindOf(way.tags);
    const speedMps = cruiseSpeedMps(way.tags);
    return ids.slice(1).map((to, k) => {
      const from = ids[k]!;
      return { from, to, kind, oneway, closed: false, speedMps, wayId: way.id };
    });
  });
  const { city, stats } = connectedCity({
    name,
    attribution: OSM_ATTRIBUTION,
    ...(area ? { area } : {}),
    lat,
    lng: lon,
    roads,
  });
  return { city, stats: { drivableWays: drivable.length, ...stats } };
}

/** Loads the drivable road graph of an .osm.pbf file, named after the file. */
export function loadOsmCity(
  file: string,
  area?: DeliveryArea,
): { city: City; stats: OsmCityStats } {
  const name = path.basename(file).replace(/\.osm\.pbf$/, '');
  return buildOsmCity(readOsmPbf(fs.readFileSync(file)), name, area);
}
