import type { LatLng } from './earth.js';
import { createProjection, type Projection } from './projection.js';
import type { Rng } from './rng.js';
import { largestStronglyConnected } from './strongly-connected.js';

export type RoadKind = 'street' | 'arterial';

/** Cruising speed by kind where nothing finer is known (the synthetic city, bare GeoJSON). */
export const DEFAULT_SPEED_MPS: Readonly<Record<RoadKind, number>> = {
  street: 30 / 3.6,
  arterial: 50 / 3.6,
};

/** One piece of road between two graph nodes; a one-way road runs from `from` to `to`. */
export interface Road {
  from: number;
  to: number;
  kind: RoadKind;
  oneway: boolean;
  /** Closed roads (works, events) are drawn but never routed over. */
  closed: boolean;
  /** Cruising speed of a courier on this road (not the legal limit). */
  speedMps: number;
  lengthM: number;
  /** The OSM way it belongs to: consecutive roads of one way are drawn as one line. */
  wayId?: number;
}

/**
 * A road graph in local metres around a centre. Directed arcs are stored compressed (CSR) so
 * routing runs over typed arrays without allocating.
 */
export interface City {
  /** What it is, for logs: "synthetic" or the OSM extract's name. */
  readonly name: string;
  /** Credit the map must show for this data ("© OpenStreetMap contributors"), if any. */
  readonly attribution?: string;
  readonly projection: Projection;
  /** Every node lies within this distance of the centre, in metres. */
  readonly radiusM: number;
  readonly nodeCount: number;
  readonly x: Float64Array;
  readonly y: Float64Array;
  /** 1 where three or more roads meet: where lights, crossings and give-ways are. */
  readonly junction: Uint8Array;
  readonly roads: readonly Road[];
  /** Arcs leaving node n are arcStart[n] … arcStart[n+1]-1; closed roads have no arcs. */
  readonly arcStart: Int32Array;
  readonly arcTo: Int32Array;
  readonly arcRoad: Int32Array;
  readonly maxSpeedMps: number;
  nearestNode(x: number, y: number): number;
  /** A node of the delivery area, uniformly. */
  randomNode(rnd: Rng): number;
  /** Whether deliveries may start or end at this node (the whole graph unless an area is set). */
  inArea(node: number): boolean;
}

/**
 * Where deliveries happen, when that is less than the whole graph: an extract reaches beyond
 * the city it is cut for, and its roads there stay routable, but nobody orders up a hillside.
 */
export interface DeliveryArea {
  center: LatLng;
  radiusM: number;
}

/** The graph's legal moves as adjacency lists (closed roads left out), both directions. */
export function adjacency(count: number, roads: readonly Road[]) {
  const fwd: number[][] = Array.from({ length: count }, () => []);
  const back: number[][] = Array.from({ length: count }, () => []);
  for (const r of roads) {
    if (r.closed) continue;
    fwd[r.from]!.push(r.to);
    back[r.to]!.push(r.from);
    if (!r.oneway) {
      fwd[r.to]!.push(r.from);
      back[r.from]!.push(r.to);
    }
  }
  return { fwd, back };
}

/** Keeps the nodes where `keep` is set, and the roads between two kept nodes, renumbered. */
export function keepNodes(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  roads: readonly Road[],
  keep: Uint8Array,
): { x: Float64Array; y: Float64Array; roads: Road[] } {
  const newId = new Int32Array(keep.length).fill(-1);
  const x: number[] = [];
  const y: number[] = [];
  for (let k = 0; k < keep.length; k++) {
    if (!keep[k]) continue;
    newId[k] = x.length;
    x.push(xs[k]!);
    y.push(ys[k]!);
  }
  const kept: Road[] = [];
  for (const r of roads) {
    const [from, to] = [newId[r.from]!, newId[r.to]!];
    if (from >= 0 && to >= 0) kept.push({ ...r, from, to });
  }
  return { x: Float64Array.from(x), y: Float64Array.from(y), roads: kept };
}

export interface IndexOptions {
  name: string;
  attribution?: string;
  area?: DeliveryArea;
  center: LatLng;
  radiusM: number;
  x: Float64Array;
  y: Float64Array;
  roads: Road[];
}

/** Builds the arc arrays, the junction flags and a bucket grid for nearest-node look-ups. */
export function indexCity(o: IndexOptions): City {
  const { x, y, roads } = o;
  const nodeCount = x.length;
  const arcs: [number, number, number][] = [];
  // Distinct neighbours per node: a shape point of a curved road has two, a junction three.
  const neighbours: Set<number>[] = Array.from({ length: nodeCount }, () => new Set());
  let maxSpeedMps = 0;
  for (let k = 0; k < roads.length; k++) {
    const r = roads[k]!;
    neighbours[r.from]!.add(r.to);
    neighbours[r.to]!.add(r.from);
    if (r.closed) continue;
    maxSpeedMps = Math.max(maxSpeedMps, r.speedMps);
    arcs.push([r.from, r.to, k]);
    if (!r.oneway) arcs.push([r.to, r.from, k]);
  }
  arcs.sort((a, b) => a[0] - b[0]);
  const arcStart = new Int32Array(nodeCount + 1);
  for (const [from] of arcs) arcStart[from + 1]!++;
  for (let k = 0; k < nodeCount; k++) arcStart[k + 1]! += arcStart[k]!;
  const arcTo = Int32Array.from(arcs, (a) => a[1]);
  const arcRoad = Int32Array.from(arcs, (a) => a[2]);
  const junction = Uint8Array.from(neighbours, (s) => (s.size >= 3 ? 1 : 0));

  const cell = 200;
  const cells = Math.ceil((2 * o.radiusM) / cell) + 1;
  const cellOf = (v: number) =>
    Math.min(cells - 1, Math.max(0, Math.floor((v + o.radiusM) / cell)));
  const bucketStart = new Int32Array(cells * cells + 1);
  for (let k = 0; k < nodeCount; k++) bucketStart[cellOf(y[k]!) * cells + cellOf(x[k]!) + 1]!++;
  for (let k = 0; k < cells * cells; k++) bucketStart[k + 1]! += bucketStart[k]!;
  const fill = bucketStart.slice(0, cells * cells);
  const bucket = new Int32Array(nodeCount);
  for (let k = 0; k < nodeCount; k++) bucket[fill[cellOf(y[k]!) * cells + cellOf(x[k]!)]!++] = k;

  function nearestNode(px: number, py: number): number {
    const [cx, cy] = [cellOf(px), cellOf(py)];
    let best = -1;
    let bestD = Infinity;
    for (let ring = 0; ring < cells; ring++) {
      for (let j = cy - ring; j <= cy + ring; j++) {
        for (let i = cx - ring; i <= cx + ring; i++) {
          if (i < 0 || j < 0 || i >= cells || j >= cells) continue;
          if (Math.max(Math.abs(i - cx), Math.abs(j - cy)) !== ring) continue;
          for (let q = bucketStart[j * cells + i]!; q < bucketStart[j * cells + i + 1]!; q++) {
            const k = bucket[q]!;
            const d = Math.hypot(x[k]! - px, y[k]! - py);
            if (d < bestD) [best, bestD] = [k, d];
          }
        }
      }
      // Anything in a further ring is at least `ring * cell` away.
      if (best >= 0 && bestD <= ring * cell) break;
    }
    return best;
  }

  const projection = createProjection(o.center);
  const area = o.area;
  const [ax, ay] = area ? [projection.x(area.center.lng), projection.y(area.center.lat)] : [0, 0];
  const inArea = (n: number) => !area || Math.hypot(x[n]! - ax, y[n]! - ay) <= area.radiusM;
  const areaNodes = area
    ? Int32Array.from({ length: nodeCount }, (_, k) => k).filter(inArea)
    : null;
  if (areaNodes?.length === 0) throw new Error(`${o.name}: no roads in the delivery area`);

  return {
    name: o.name,
    ...(o.attribution ? { attribution: o.attribution } : {}),
    projection,
    radiusM: o.radiusM,
    nodeCount,
    x,
    y,
    junction,
    roads,
    arcStart,
    arcTo,
    arcRoad,
    maxSpeedMps,
    nearestNode,
    randomNode: areaNodes
      ? (rnd) => areaNodes[Math.floor(rnd() * areaNodes.length)]!
      : (rnd) => Math.floor(rnd() * nodeCount),
    inArea,
  };
}

/** A road between nodes given in degrees, before projection; its length is measured here. */
export type DegreeRoad = Omit<Road, 'lengthM'>;

/** What building kept and left out, for log lines and the docs. */
export interface ConnectedCityStats {
  /** Graph nodes and directed roads before the largest strongly connected part was taken. */
  nodes: number;
  roads: number;
  components: number;
  keptNodes: number;
  keptRoads: number;
}

/**
 * A road graph from nodes in degrees (an OSM extract, a GeoJSON file): projected around the
 * middle of their bounding box, with only the largest strongly connected part kept, so every
 * node can reach every other one by legal moves and a route between two snapped points exists.
 */
export function connectedCity(o: {
  name: string;
  attribution?: string;
  area?: DeliveryArea;
  lat: readonly number[];
  lng: readonly number[];
  roads: readonly DegreeRoad[];
}): { city: City; stats: ConnectedCityStats } {
  const { lat, lng } = o;
  if (lat.length === 0) throw new Error(`${o.name}: no roads`);
  const center = {
    lat: (Math.min(...lat) + Math.max(...lat)) / 2,
    lng: (Math.min(...lng) + Math.max(...lng)) / 2,
  };
  const p = createProjection(center);
  const xs = Float64Array.from(lng, (l) => p.x(l));
  const ys = Float64Array.from(lat, (l) => p.y(l));
  const roads: Road[] = [];
  for (const r of o.roads) {
    if (r.from < 0 || r.to < 0 || r.from === r.to) continue;
    const lengthM = Math.hypot(xs[r.to]! - xs[r.from]!, ys[r.to]! - ys[r.from]!);
    if (lengthM > 0) roads.push({ ...r, lengthM });
  }
  const { fwd } = adjacency(lat.length, roads);
  const largest = largestStronglyConnected(fwd);
  const kept = keepNodes(xs, ys, roads, largest.keep);
  let radiusM = 0;
  for (let k = 0; k < kept.x.length; k++)
    radiusM = Math.max(radiusM, Math.hypot(kept.x[k]!, kept.y[k]!));
  const city = indexCity({
    name: o.name,
    ...(o.attribution ? { attribution: o.attribution } : {}),
    ...(o.area ? { area: o.area } : {}),
    center,
    radiusM: Math.ceil(radiusM) + 1,
    ...kept,
  });
  return {
    city,
    stats: {
      nodes: lat.length,
      roads: roads.length,
      components: largest.components,
      keptNodes: city.nodeCount,
      keptRoads: city.roads.length,
    },
  };
}
