import {
  DEFAULT_SPEED_MPS,
  connectedCity,
  type City,
  type ConnectedCityStats,
  type DegreeRoad,
  type Road,
  type RoadKind,
} from './road-graph.js';

export interface RoadFeature {
  type: 'Feature';
  geometry: { type: 'LineString'; coordinates: [number, number][] };
  properties: { kind: RoadKind; oneway: boolean; closed: boolean; speedKmh: number };
}
export interface RoadFeatureCollection {
  type: 'FeatureCollection';
  /** A foreign member (RFC 7946 §6.1): the credit the web map shows with these roads. */
  attribution?: string;
  features: RoadFeature[];
}

/**
 * The road graph as GeoJSON, [lng, lat] from `from` to `to`, so a one-way road's coordinate
 * order is its direction of travel (the backend's router reads it so). Consecutive roads of one
 * OSM way with the same properties become one LineString, which keeps the file small.
 */
export function cityGeoJson(city: City): RoadFeatureCollection {
  const p = city.projection;
  const at = (n: number): [number, number] => {
    const ll = p.toLatLng(city.x[n]!, city.y[n]!);
    return [ll.lng, ll.lat];
  };
  const features: RoadFeature[] = [];
  let prev: Road | null = null;
  for (const r of city.roads) {
    const speedKmh = Math.round(r.speedMps * 3.6);
    const last = features.at(-1);
    const continues =
      prev !== null &&
      last !== undefined &&
      r.wayId !== undefined &&
      r.wayId === prev.wayId &&
      r.from === prev.to &&
      r.oneway === prev.oneway &&
      r.closed === prev.closed &&
      r.kind === prev.kind &&
      speedKmh === last.properties.speedKmh;
    if (continues) last.geometry.coordinates.push(at(r.to));
    else
      features.push({
        type: 'Feature',
        geometry: { type: 'LineString', coordinates: [at(r.from), at(r.to)] },
        properties: { kind: r.kind, oneway: r.oneway, closed: r.closed, speedKmh },
      });
    prev = r;
  }
  return {
    type: 'FeatureCollection',
    ...(city.attribution ? { attribution: city.attribution } : {}),
    features,
  };
}

interface LooseFeature {
  geometry?: { type?: string; coordinates?: unknown };
  properties?: { oneway?: unknown; closed?: unknown; kind?: unknown; speedKmh?: unknown } | null;
}

/**
 * Reads a road graph back from GeoJSON LineStrings (what `cityGeoJson` writes, or any extract
 * with the same properties): a `oneway` road runs in its coordinate order only, a `closed` one
 * is kept for drawing but never routed over, and each is driven at its `speedKmh` (without it,
 * at its kind's default). Points with the same coordinates (to 1e-7°) are one node.
 */
export function cityFromGeoJson(
  geojson: unknown,
  name = 'geojson',
): { city: City; stats: ConnectedCityStats } {
  const collection = geojson as { features?: unknown; attribution?: unknown };
  const features = (
    Array.isArray(collection.features) ? collection.features : []
  ) as (LooseFeature | null)[];
  const lat: number[] = [];
  const lng: number[] = [];
  const index = new Map<string, number>();
  const node = (c: unknown): number => {
    if (!Array.isArray(c) || typeof c[0] !== 'number' || typeof c[1] !== 'number') return -1;
    const key = `${c[0].toFixed(7)},${c[1].toFixed(7)}`;
    let i = index.get(key);
    if (i === undefined) {
      index.set(key, (i = lat.length));
      lng.push(c[0]);
      lat.push(c[1]);
    }
    return i;
  };
  const roads: DegreeRoad[] = [];
  for (const f of features) {
    if (f?.geometry?.type !== 'LineString' || !Array.isArray(f.geometry.coordinates)) continue;
    const p = f.properties ?? {};
    const kind: RoadKind = p.kind === 'arterial' ? 'arterial' : 'street';
    const given = p.speedKmh;
    const speedMps =
      typeof given === 'number' && given >= 1 ? given / 3.6 : DEFAULT_SPEED_MPS[kind];
    const [oneway, closed] = [p.oneway === true, p.closed === true];
    const ids = f.geometry.coordinates.map(node);
    for (let k = 1; k < ids.length; k++)
      roads.push({ from: ids[k - 1]!, to: ids[k]!, kind, oneway, closed, speedMps });
  }
  const attribution = typeof collection.attribution === 'string' ? collection.attribution : '';
  return connectedCity({ name, ...(attribution ? { attribution } : {}), lat, lng, roads });
}
