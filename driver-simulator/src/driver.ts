import type { LatLng } from '@fleetstream/contracts';
import { createDevice, type Device, type FaultOptions } from './faults.js';
import { type City, deriveRng, type Rng, type Route, uniform } from '@fleetstream/geo';

export type Phase = 'idle' | 'to_pickup' | 'at_pickup' | 'to_dropoff' | 'at_dropoff';

/** One courier: lifecycle state, position on its route, driving style and phone. Mutable. */
export interface Driver {
  id: string;
  num: string;
  rnd: Rng;
  device: Device;
  /** The app's current session (see the contract's `SessionSchema`); seq counts within it. */
  session: string;
  /** App restarts so far: each starts session `<run session>.<n>` with seq from 1. */
  reboots: number;
  /** Decides reboots, apart from `rnd`, so the reboot knob never changes how drivers move. */
  bootRnd: Rng;
  seq: number;
  phase: Phase;
  deliveryId: string | null;
  deliveries: number;
  /** The last node reached (where an idle or waiting driver stands). */
  node: number;
  pickup: LatLng;
  dropoff: LatLng;
  route: Route | null;
  /** The drop-off leg, planned at assignment. */
  next: Route | null;
  seg: number;
  off: number;
  travelled: number;
  v: number;
  headingDeg: number;
  untilMs: number;
  holdS: number;
  stopAtNext: boolean;
  cancelAtM: number;
  accel: number;
  decel: number;
  pace: number;
}

/** Zero-padded ids sort naturally: drv-00042. */
export const driverId = (i: number) => `drv-${String(i).padStart(5, '0')}`;

/**
 * Driver i (1-based) of the fleet, with its own random stream, at a random intersection, its
 * app started in `session`.
 */
export function createDriver(
  i: number,
  seed: number,
  city: City,
  faults: FaultOptions,
  session: string,
): Driver {
  const rnd = deriveRng(seed, i);
  const node = city.randomNode(rnd);
  const at = city.projection.toLatLng(city.x[node]!, city.y[node]!);
  return {
    id: driverId(i),
    num: String(i),
    rnd,
    device: createDevice(rnd, faults),
    session,
    reboots: 0,
    // A stream of its own: derived from a seed no driver's movement uses.
    bootRnd: deriveRng(seed ^ 0x5e55, i),
    seq: 0,
    phase: 'idle',
    deliveryId: null,
    deliveries: 0,
    node,
    pickup: at,
    dropoff: at,
    route: null,
    next: null,
    seg: 0,
    off: 0,
    travelled: 0,
    v: 0,
    headingDeg: Math.floor(rnd() * 360),
    untilMs: -1,
    holdS: 0,
    stopAtNext: false,
    cancelAtM: -1,
    accel: uniform(rnd, 1, 2),
    decel: uniform(rnd, 2, 3),
    pace: uniform(rnd, 0.8, 1.05),
  };
}

/**
 * The phone restarts the app: a new session whose seq starts again from 1, and whatever the
 * dead app had buffered while offline is gone with it (it was never sent).
 */
export function rebootApp(d: Driver, runSession: string): void {
  d.reboots++;
  d.session = `${runSession}.${d.reboots}`;
  d.seq = 0;
  d.device.offlineS = 0;
  d.device.buffer.length = 0;
}

export function startRoute(d: Driver, route: Route, phase: Phase): void {
  d.phase = phase;
  d.route = route.segLen.length > 0 ? route : null;
  d.seg = 0;
  d.off = 0;
  d.travelled = 0;
  d.stopAtNext = false;
}

/** Braking from 70 km/h at 2 m/s² takes about this far. */
const LOOKAHEAD_M = 100;

export const MOVING = 0;
export const ARRIVED = 1;
export const CANCEL = 2;

/**
 * Moves a driver along its route for dtS seconds: accelerates, brakes in time for turns, for
 * random stops (lights, crossings) and for the end of the route. Stops at a node to report
 * CANCEL once past `cancelAtM` on the way to a pickup.
 */
export function advance(d: Driver, dtS: number, stopRate: number): number {
  const r = d.route;
  if (!r) return ARRIVED;
  if (d.holdS > 0) {
    d.holdS -= dtS;
    d.v = 0;
    return MOVING;
  }
  const last = r.segLen.length - 1;
  // Brake in time for whatever comes within braking distance: a real road's bends, junctions and
  // slower roads can be a few metres apart, so looking at the next node alone is not enough.
  let allowed = r.segSpeed[d.seg]! * d.pace;
  let ahead = r.segLen[d.seg]! - d.off;
  for (let k = d.seg; ; k++) {
    let nodeV = k === d.seg && d.stopAtNext ? 0 : r.nodeSpeed[k + 1]! * d.pace;
    if (k < last) nodeV = Math.min(nodeV, r.segSpeed[k + 1]! * d.pace);
    allowed = Math.min(allowed, Math.sqrt(nodeV * nodeV + 2 * d.decel * ahead));
    if (k === last || ahead > LOOKAHEAD_M) break;
    ahead += r.segLen[k + 1]!;
  }
  const v = Math.min(d.v + d.accel * dtS, allowed);
  let dist = ((d.v + v) / 2) * dtS;
  d.v = v;
  d.headingDeg = r.segHeading[d.seg]!;
  while (dist > 0) {
    const left = r.segLen[d.seg]! - d.off;
    if (dist < left) {
      d.off += dist;
      d.travelled += dist;
      return MOVING;
    }
    dist -= left;
    d.travelled += left;
    d.node = r.nodes[d.seg + 1]!;
    if (d.seg === last) {
      d.off = r.segLen[d.seg]!;
      d.v = 0;
      return ARRIVED;
    }
    d.seg++;
    d.off = 0;
    if (d.cancelAtM >= 0 && d.phase === 'to_pickup' && d.travelled >= d.cancelAtM) return CANCEL;
    if (d.stopAtNext) {
      d.stopAtNext = false;
      d.holdS = uniform(d.rnd, 5, 35);
      d.v = 0;
      return MOVING;
    }
    // Lights and give-ways are at junctions, not at the bends of a road.
    d.stopAtNext = d.seg < last && r.nodeJunction[d.seg + 1] === 1 && d.rnd() < stopRate;
  }
  return MOVING;
}

/** The driver's true position in city metres, written into `out`. */
export function truePosition(d: Driver, city: City, out: { x: number; y: number }): void {
  const r = d.route;
  if (r && (d.phase === 'to_pickup' || d.phase === 'to_dropoff')) {
    const [a, b] = [r.nodes[d.seg]!, r.nodes[d.seg + 1]!];
    const t = d.off / r.segLen[d.seg]!;
    out.x = city.x[a]! + (city.x[b]! - city.x[a]!) * t;
    out.y = city.y[a]! + (city.y[b]! - city.y[a]!) * t;
  } else {
    out.x = city.x[d.node]!;
    out.y = city.y[d.node]!;
  }
}
