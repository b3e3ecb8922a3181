import { headingOf } from './earth.js';
import type { City } from './road-graph.js';

/**
 * A drivable path: nodes[0] → nodes[last], with per-segment speed limit and heading, and the
 * highest speed at which each node can be passed (slow for turns, zero at the end).
 */
export interface Route {
  readonly nodes: Int32Array;
  readonly segLen: Float64Array;
  readonly segSpeed: Float64Array;
  readonly segHeading: Float64Array;
  /** nodeSpeed[k] limits the speed when passing nodes[k]; the last is 0 (stop). */
  readonly nodeSpeed: Float64Array;
  /** 1 where nodes[k] is a junction: where a courier may have to stop (lights, give way). */
  readonly nodeJunction: Uint8Array;
  readonly lengthM: number;
  /** Free-flow travel time at the speed limits, in seconds. */
  readonly travelTimeS: number;
}

export interface Router {
  /** Fastest legal route (one-way respected, closed roads avoided), or null if none. */
  route(from: number, to: number): Route | null;
}

/** Speed at which a turn of `deg` degrees can be taken: straight on is unlimited. */
export function turnSpeedMps(deg: number): number {
  const a = Math.abs(deg) > 180 ? 360 - Math.abs(deg) : Math.abs(deg);
  if (a < 20) return Infinity;
  // About 7 m/s for a gentle bend, 4 m/s at a right angle, 2 m/s for a U-turn.
  return Math.max(2, 8 - a / 22.5);
}

/** Even straight on, a junction is crossed carefully: about 25 km/h. */
export const JUNCTION_MPS = 7;

/**
 * A* by travel time over the city's arcs. The search state lives in typed arrays allocated
 * once per router and reset by a visit stamp, so a route costs no garbage but its result.
 */
export function createRouter(city: City): Router {
  const n = city.nodeCount;
  const g = new Float64Array(n);
  const viaArc = new Int32Array(n);
  const stamp = new Uint32Array(n);
  const done = new Uint32Array(n);
  let run = 0;
  const heapCap = city.arcTo.length + 2;
  const heapNode = new Int32Array(heapCap);
  const heapKey = new Float64Array(heapCap);
  let size = 0;
  const arcFrom = new Int32Array(city.arcTo.length);
  for (let v = 0; v < n; v++)
    for (let a = city.arcStart[v]!; a < city.arcStart[v + 1]!; a++) arcFrom[a] = v;
  const arcTime = Float64Array.from(city.arcRoad, (r) => {
    const road = city.roads[r]!;
    return road.lengthM / road.speedMps;
  });
  const { x, y } = city;

  const push = (node: number, key: number) => {
    let i = size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heapKey[parent]! <= key) break;
      heapNode[i] = heapNode[parent]!;
      heapKey[i] = heapKey[parent]!;
      i = parent;
    }
    heapNode[i] = node;
    heapKey[i] = key;
  };
  const pop = () => {
    const top = heapNode[0]!;
    const lastNode = heapNode[--size]!;
    const lastKey = heapKey[size]!;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= size) break;
      if (c + 1 < size && heapKey[c + 1]! < heapKey[c]!) c++;
      if (heapKey[c]! >= lastKey) break;
      heapNode[i] = heapNode[c]!;
      heapKey[i] = heapKey[c]!;
      i = c;
    }
    heapNode[i] = lastNode;
    heapKey[i] = lastKey;
    return top;
  };

  function route(from: number, to: number): Route | null {
    run++;
    size = 0;
    const inv = 1 / city.maxSpeedMps;
    const tx = x[to]!;
    const ty = y[to]!;
    g[from] = 0;
    stamp[from] = run;
    viaArc[from] = -1;
    push(from, Math.hypot(x[from]! - tx, y[from]! - ty) * inv);
    let found = false;
    while (size > 0) {
      const v = pop();
      if (done[v] === run) continue;
      done[v] = run;
      if (v === to) {
        found = true;
        break;
      }
      const gv = g[v]!;
      for (let a = city.arcStart[v]!; a < city.arcStart[v + 1]!; a++) {
        const w = city.arcTo[a]!;
        const gw = gv + arcTime[a]!;
        if (stamp[w] === run && gw >= g[w]!) continue;
        stamp[w] = run;
        g[w] = gw;
        viaArc[w] = a;
        push(w, gw + Math.hypot(x[w]! - tx, y[w]! - ty) * inv);
      }
    }
    if (!found) return null;
    let hops = 0;
    for (let v = to; v !== from; v = arcFrom[viaArc[v]!]!) hops++;
    const nodes = new Int32Array(hops + 1);
    const arcs = new Int32Array(hops);
    for (let v = to, k = hops; v !== from; v = arcFrom[viaArc[v]!]!) {
      arcs[--k] = viaArc[v]!;
      nodes[k] = arcFrom[viaArc[v]!]!;
    }
    nodes[hops] = to;
    return buildRoute(city, nodes, arcs, g[to]!);
  }
  return { route };
}

function buildRoute(city: City, nodes: Int32Array, arcs: Int32Array, timeS: number): Route {
  const hops = arcs.length;
  const segLen = new Float64Array(hops);
  const segSpeed = new Float64Array(hops);
  const segHeading = new Float64Array(hops);
  const nodeSpeed = new Float64Array(hops + 1);
  const nodeJunction = Uint8Array.from(nodes, (n) => city.junction[n]!);
  let lengthM = 0;
  for (let k = 0; k < hops; k++) {
    const road = city.roads[city.arcRoad[arcs[k]!]!]!;
    const [a, b] = [nodes[k]!, nodes[k + 1]!];
    segLen[k] = road.lengthM;
    segSpeed[k] = road.speedMps;
    segHeading[k] = headingOf(city.x[b]! - city.x[a]!, city.y[b]! - city.y[a]!);
    lengthM += road.lengthM;
  }
  nodeSpeed[0] = Infinity;
  for (let k = 1; k < hops; k++) {
    const turn = turnSpeedMps(segHeading[k]! - segHeading[k - 1]!);
    nodeSpeed[k] = nodeJunction[k] ? Math.min(turn, JUNCTION_MPS) : turn;
  }
  nodeSpeed[hops] = 0;
  return {
    nodes,
    segLen,
    segSpeed,
    segHeading,
    nodeSpeed,
    nodeJunction,
    lengthM,
    travelTimeS: timeS,
  };
}
