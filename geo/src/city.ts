import type { LatLng } from './earth.js';
import { cityGeoJson, type RoadFeatureCollection } from './road-geojson.js';
import {
  DEFAULT_SPEED_MPS,
  adjacency,
  indexCity,
  keepNodes,
  type City,
  type Road,
  type RoadKind,
} from './road-graph.js';
import { createRng } from './rng.js';

export interface CityOptions {
  center: LatLng;
  /** Roads are laid out within this distance of the centre, in metres. */
  radiusM: number;
  /** The same seed gives the same road graph. */
  seed: number;
  /** Distance between parallel streets, in metres. @default 120 */
  blockM?: number;
}

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
    const speedMps = DEFAULT_SPEED_MPS[kind];
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
  const { fwd, back } = adjacency(count, roads);
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
  const both = f.map((v, k) => v & b[k]!);
  const kept = keepNodes(xs, ys, roads, both);
  return indexCity({ name: 'synthetic', center: o.center, radiusM: o.radiusM, ...kept });
}

/** The GeoJSON of the road graph the simulator drives on for these options. */
export function roadGraphGeoJson(o: CityOptions): RoadFeatureCollection {
  return cityGeoJson(createCity(o));
}
