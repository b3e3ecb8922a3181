import type { LatLng } from '@fleetstream/contracts';
import { flatDistanceM } from '@fleetstream/geo';

/**
 * Routing over a road network given as GeoJSON LineStrings (the simulator's `--geojson`, or any
 * extract with the same properties): `oneway` roads run in their coordinate order only, `closed`
 * roads are left out, and each road is driven at its `speedKmh` (the simulator's cruising speed
 * for its class; without it, `arterial` roads are faster than streets). Fastest path by A*.
 */
export interface RoadNetwork {
  readonly nodes: number;
  /** The fastest road path from one point to another, ends included; null when unreachable. */
  route(from: LatLng, to: LatLng): LatLng[] | null;
}

interface Feature {
  geometry?: { type?: string; coordinates?: unknown };
  properties?: { oneway?: unknown; closed?: unknown; kind?: unknown; speedKmh?: unknown } | null;
}

const SPEED_MPS = { arterial: 50 / 3.6, street: 30 / 3.6 };
const CELL_DEG = 0.002;

export function createRoadNetwork(geojson: unknown): RoadNetwork {
  const features = ((geojson as { features?: unknown }).features ?? []) as Feature[];
  const lat: number[] = [];
  const lng: number[] = [];
  const index = new Map<string, number>();
  const edges: { to: number; cost: number }[][] = [];
  // The A* estimate divides distance by the fastest road's speed, so it never overestimates.
  let maxSpeed = SPEED_MPS.arterial;
  const node = (c: unknown): number | null => {
    if (!Array.isArray(c) || typeof c[0] !== 'number' || typeof c[1] !== 'number') return null;
    const key = `${c[0].toFixed(7)},${c[1].toFixed(7)}`;
    let i = index.get(key);
    if (i === undefined) {
      i = lat.length;
      index.set(key, i);
      lng.push(c[0]);
      lat.push(c[1]);
      edges.push([]);
    }
    return i;
  };
  for (const f of features) {
    if (f.geometry?.type !== 'LineString' || !Array.isArray(f.geometry.coordinates)) continue;
    if (f.properties?.closed === true) continue;
    const given = f.properties?.speedKmh;
    const speed =
      typeof given === 'number' && given >= 1
        ? given / 3.6
        : f.properties?.kind === 'arterial'
          ? SPEED_MPS.arterial
          : SPEED_MPS.street;
    maxSpeed = Math.max(maxSpeed, speed);
    const ids = f.geometry.coordinates.map(node);
    for (let i = 1; i < ids.length; i++) {
      const a = ids[i - 1];
      const b = ids[i];
      if (a == null || b == null) continue;
      const cost =
        flatDistanceM({ lat: lat[a]!, lng: lng[a]! }, { lat: lat[b]!, lng: lng[b]! }) / speed;
      edges[a]!.push({ to: b, cost });
      if (f.properties?.oneway !== true) edges[b]!.push({ to: a, cost });
    }
  }
  // A coarse grid finds the nearest node without scanning them all.
  const grid = new Map<string, number[]>();
  const cell = (la: number, ln: number) =>
    `${Math.floor(la / CELL_DEG)},${Math.floor(ln / CELL_DEG)}`;
  for (let i = 0; i < lat.length; i++) {
    const k = cell(lat[i]!, lng[i]!);
    const list = grid.get(k) ?? [];
    list.push(i);
    grid.set(k, list);
  }
  const nearest = (p: LatLng, wantOut: boolean): number | null => {
    const cy = Math.floor(p.lat / CELL_DEG);
    const cx = Math.floor(p.lng / CELL_DEG);
    for (let r = 0; r <= 5; r++) {
      let best: number | null = null;
      let bestD = Infinity;
      for (let dy = -r; dy <= r; dy++) {
        for (let dx = -r; dx <= r; dx++) {
          for (const i of grid.get(`${cy + dy},${cx + dx}`) ?? []) {
            if (wantOut && edges[i]!.length === 0) continue;
            const d = flatDistanceM(p, { lat: lat[i]!, lng: lng[i]! });
            if (d < bestD) {
              bestD = d;
              best = i;
            }
          }
        }
      }
      if (best !== null) return best;
    }
    return null;
  };

  return {
    nodes: lat.length,
    route(from, to) {
      const s = nearest(from, true);
      const t = nearest(to, false);
      if (s === null || t === null) return null;
      const path = aStar(
        s,
        t,
        edges,
        (i) => flatDistanceM({ lat: lat[i]!, lng: lng[i]! }, to) / maxSpeed,
      );
      if (!path) return null;
      return [from, ...path.map((i) => ({ lat: lat[i]!, lng: lng[i]! })), to];
    },
  };
}

function aStar(
  s: number,
  t: number,
  edges: { to: number; cost: number }[][],
  h: (i: number) => number,
): number[] | null {
  const g = new Map<number, number>([[s, 0]]);
  const prev = new Map<number, number>();
  const heap = new MinHeap();
  heap.push(s, h(s));
  const done = new Set<number>();
  while (heap.size > 0) {
    const u = heap.pop()!;
    if (u === t) {
      const path = [t];
      for (let v = t; prev.has(v);) path.push((v = prev.get(v)!));
      return path.reverse();
    }
    if (done.has(u)) continue;
    done.add(u);
    for (const e of edges[u]!) {
      const cost = g.get(u)! + e.cost;
      if (cost < (g.get(e.to) ?? Infinity)) {
        g.set(e.to, cost);
        prev.set(e.to, u);
        heap.push(e.to, cost + h(e.to));
      }
    }
  }
  return null;
}

/** A binary min-heap of node ids by priority. */
class MinHeap {
  private ids: number[] = [];
  private keys: number[] = [];
  get size() {
    return this.ids.length;
  }
  push(id: number, key: number) {
    this.ids.push(id);
    this.keys.push(key);
    let i = this.ids.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.keys[p]! <= key) break;
      this.swap(i, p);
      i = p;
    }
  }
  pop(): number | undefined {
    if (this.ids.length === 0) return undefined;
    const top = this.ids[0];
    const lastId = this.ids.pop()!;
    const lastKey = this.keys.pop()!;
    if (this.ids.length > 0) {
      this.ids[0] = lastId;
      this.keys[0] = lastKey;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.keys.length && this.keys[l]! < this.keys[m]!) m = l;
        if (r < this.keys.length && this.keys[r]! < this.keys[m]!) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }
  private swap(a: number, b: number) {
    [this.ids[a], this.ids[b]] = [this.ids[b]!, this.ids[a]!];
    [this.keys[a], this.keys[b]] = [this.keys[b]!, this.keys[a]!];
  }
}
