import type { LatLng } from '@fleetstream/contracts';
import { createProjection, type Projection } from './geo.js';
import { createRng, type Rng } from './rng.js';

export type RoadKind = 'street' | 'arterial';

export interface CityOptions {
  center: LatLng;
  /** Roads are laid out within this distance of the centre, in metres. */
  radiusM: number;
  /** The same seed gives the same road graph. */
  seed: number;
  /** Distance between parallel streets, in metres. @default 120 */
  blockM?: number;
}

/** One piece of road between two intersections; a one-way road runs from `from` to `to`. */
export interface Road {
  from: number;
  to: number;
  kind: RoadKind;
  oneway: boolean;
  /** Closed roads (works, events) are drawn but never routed over. */
  closed: boolean;
  speedMps: number;
  lengthM: number;
}

/**
 * A synthetic road graph in local metres around the centre. Directed arcs are stored
 * compressed (CSR) so routing runs over typed arrays without allocating.
 */
export interface City {
  readonly projection: Projection;
  readonly radiusM: number;
  readonly nodeCount: number;
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly roads: readonly Road[];
  /** Arcs leaving node n are arcStart[n] … arcStart[n+1]-1; closed roads have no arcs. */
  readonly arcStart: Int32Array;
  readonly arcTo: Int32Array;
  readonly arcRoad: Int32Array;
  readonly maxSpeedMps: number;
  nearestNode(x: number, y: number): number;
  randomNode(rnd: Rng): number;
}

const STREET_MPS = 30 / 3.6;
const ARTERIAL_MPS = 50 / 3.6;
const ARTERIAL_EVERY = 6;

/**
 * Builds a deterministic city: a slightly rotated grid of streets with jittered intersections,
 * straighter and faster arterials every few blocks, some one-way streets, a few closed roads
 * and a few missing links. Only the largest strongly connected part is kept, so every node can
 * reach every other one by legal moves.
 */
export function createCity(o: CityOptions): City {
  const rnd = createRng(o.seed ^ 0x5eed0c17);
  const block = o.blockM ?? 120;
  const n = Math.ceil(o.radiusM / block);
  const side = 2 * n + 1;
  const angle = (rnd() - 0.5) * 0.6;
  const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
  const shiftI = Math.floor(rnd() * ARTERIAL_EVERY);
  const shiftJ = Math.floor(rnd() * ARTERIAL_EVERY);
  const arterialCol = (i: number) =>
    (((i + shiftI) % ARTERIAL_EVERY) + ARTERIAL_EVERY) % ARTERIAL_EVERY === 0;
  const arterialRow = (j: number) =>
    (((j + shiftJ) % ARTERIAL_EVERY) + ARTERIAL_EVERY) % ARTERIAL_EVERY === 0;
  // Whole streets are one-way, in one direction, as in real grids.
  const lineOneway = (arterial: boolean) => (arterial || rnd() > 0.2 ? 0 : rnd() < 0.5 ? 1 : -1);
  const colOneway = Array.from({ length: side }, (_, k) => lineOneway(arterialCol(k - n)));
  const rowOneway = Array.from({ length: side }, (_, k) => lineOneway(arterialRow(k - n)));

  const gridId = new Int32Array(side * side).fill(-1);
  const xs: number[] = [];
  const ys: number[] = [];
  for (let j = -n; j <= n; j++) {
    for (let i = -n; i <= n; i++) {
      const straight = arterialCol(i) || arterialRow(j);
      const jitter = straight ? 0.03 : 0.18;
      const gx = (i + (rnd() - 0.5) * 2 * jitter) * block;
      const gy = (j + (rnd() - 0.5) * 2 * jitter) * block;
      const x = gx * cos - gy * sin;
      const y = gx * sin + gy * cos;
      if (Math.hypot(x, y) > o.radiusM) continue;
      gridId[(j + n) * side + (i + n)] = xs.length;
      xs.push(x);
      ys.push(y);
    }
  }
  const roads: Road[] = [];
  const link = (a: number, b: number, kind: RoadKind, dir: number) => {
    if (a < 0 || b < 0) return;
    if (kind === 'street' && rnd() < 0.06) return; // a missing link: irregular blocks
    const closed = rnd() < (kind === 'arterial' ? 0.004 : 0.012);
    const [from, to] = dir < 0 ? [b, a] : [a, b];
    const lengthM = Math.hypot(xs[to]! - xs[from]!, ys[to]! - ys[from]!);
    const speedMps = kind === 'arterial' ? ARTERIAL_MPS : STREET_MPS;
    roads.push({ from, to, kind, oneway: dir !== 0, closed, speedMps, lengthM });
  };
  for (let j = 0; j < side; j++) {
    for (let i = 0; i < side; i++) {
      const id = gridId[j * side + i]!;
      if (i + 1 < side) {
        const kind = arterialRow(j - n) ? 'arterial' : 'street';
        link(id, gridId[j * side + i + 1]!, kind, rowOneway[j]!);
      }
      if (j + 1 < side) {
        const kind = arterialCol(i - n) ? 'arterial' : 'street';
        link(id, gridId[(j + 1) * side + i]!, kind, colOneway[i]!);
      }
    }
  }
  return compact(o, xs, ys, roads);
}

/** Keeps the strongly connected part around the centre and builds the arc arrays. */
function compact(o: CityOptions, xs: number[], ys: number[], roads: Road[]): City {
  const count = xs.length;
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
  let start = 0;
  for (let k = 1; k < count; k++)
    if (Math.hypot(xs[k]!, ys[k]!) < Math.hypot(xs[start]!, ys[start]!)) start = k;
  const reach = (adj: number[][]) => {
    const seen = new Uint8Array(count);
    const stack = [start];
    seen[start] = 1;
    while (stack.length > 0) {
      for (const m of adj[stack.pop()!]!) {
        if (seen[m]) continue;
        seen[m] = 1;
        stack.push(m);
      }
    }
    return seen;
  };
  const [f, b] = [reach(fwd), reach(back)];
  const newId = new Int32Array(count).fill(-1);
  const x: number[] = [];
  const y: number[] = [];
  for (let k = 0; k < count; k++) {
    if (!f[k] || !b[k]) continue;
    newId[k] = x.length;
    x.push(xs[k]!);
    y.push(ys[k]!);
  }
  const kept: Road[] = [];
  for (const r of roads) {
    const [from, to] = [newId[r.from]!, newId[r.to]!];
    if (from >= 0 && to >= 0) kept.push({ ...r, from, to });
  }
  return indexCity(o, Float64Array.from(x), Float64Array.from(y), kept);
}

function indexCity(o: CityOptions, x: Float64Array, y: Float64Array, roads: Road[]): City {
  const nodeCount = x.length;
  const arcs: [number, number, number][] = [];
  for (let k = 0; k < roads.length; k++) {
    const r = roads[k]!;
    if (r.closed) continue;
    arcs.push([r.from, r.to, k]);
    if (!r.oneway) arcs.push([r.to, r.from, k]);
  }
  arcs.sort((a, b) => a[0] - b[0]);
  const arcStart = new Int32Array(nodeCount + 1);
  for (const [from] of arcs) arcStart[from + 1]!++;
  for (let k = 0; k < nodeCount; k++) arcStart[k + 1]! += arcStart[k]!;
  const arcTo = Int32Array.from(arcs, (a) => a[1]);
  const arcRoad = Int32Array.from(arcs, (a) => a[2]);

  // A coarse bucket grid for nearest-node look-ups (pickups, drop-offs, start positions).
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

  return {
    projection: createProjection(o.center),
    radiusM: o.radiusM,
    nodeCount,
    x,
    y,
    roads,
    arcStart,
    arcTo,
    arcRoad,
    maxSpeedMps: ARTERIAL_MPS,
    nearestNode,
    randomNode: (rnd) => Math.floor(rnd() * nodeCount),
  };
}

export interface RoadFeature {
  type: 'Feature';
  geometry: { type: 'LineString'; coordinates: [number, number][] };
  properties: { kind: RoadKind; oneway: boolean; closed: boolean };
}
export interface RoadFeatureCollection {
  type: 'FeatureCollection';
  features: RoadFeature[];
}

/**
 * The road graph as GeoJSON: one LineString per road, [lng, lat] from `from` to `to`, so a
 * one-way road's coordinate order is its direction of travel.
 */
export function cityGeoJson(city: City): RoadFeatureCollection {
  const p = city.projection;
  const at = (n: number): [number, number] => {
    const ll = p.toLatLng(city.x[n]!, city.y[n]!);
    return [ll.lng, ll.lat];
  };
  return {
    type: 'FeatureCollection',
    features: city.roads.map((r) => ({
      type: 'Feature',
      geometry: { type: 'LineString', coordinates: [at(r.from), at(r.to)] },
      properties: { kind: r.kind, oneway: r.oneway, closed: r.closed },
    })),
  };
}

/** The GeoJSON of the road graph the simulator drives on for these options. */
export function roadGraphGeoJson(o: CityOptions): RoadFeatureCollection {
  return cityGeoJson(createCity(o));
}
