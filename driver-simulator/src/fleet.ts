import type { LatLng, LocationRecord, TripStatus } from '@fleetstream/contracts';
import { bearingDeg, distanceM, moveTowards, randomPointNear } from './geo.js';
import { createRng } from './rng.js';

export interface FleetOptions {
  drivers: number;
  seed: number;
  center: LatLng;
  radiusM: number;
  /** Cruising speed; each driver varies around it. @default 8 */
  speedMps?: number;
  /** Seconds a driver waits at the pickup. @default 30 */
  pickupWaitS?: number;
  /** Share of deliveries cancelled while driving to the pickup. @default 0.03 */
  cancelRate?: number;
}

type Phase = 'to_pickup' | 'at_pickup' | 'to_dropoff';

interface Driver {
  id: string;
  seq: number;
  pos: LatLng;
  speedMps: number;
  headingDeg: number;
  phase: Phase;
  deliveryId: string;
  deliveryNo: number;
  pickup: LatLng;
  dropoff: LatLng;
  waitUntil: number;
}

/** Zero-padded ids sort naturally: drv-00042. */
export const driverId = (i: number) => `drv-${String(i).padStart(5, '0')}`;

/**
 * A fleet of drivers running the trip lifecycle assigned → picked_up → delivered (or
 * cancelled) → next delivery, each emitting its own strictly increasing `seq`. Deterministic
 * for a seed and a sequence of tick times.
 */
export function createFleet(o: FleetOptions) {
  const rnd = createRng(o.seed);
  const baseSpeed = o.speedMps ?? 8;
  const waitMs = (o.pickupWaitS ?? 30) * 1000;
  const cancelRate = o.cancelRate ?? 0.03;
  const drivers: Driver[] = [];
  const runId = Math.floor(rnd() * 36 ** 4)
    .toString(36)
    .padStart(4, '0');

  const assign = (d: Driver, now: number, out: LocationRecord[]) => {
    d.deliveryNo++;
    d.deliveryId = `dlv-${runId}-${d.id.slice(4)}-${d.deliveryNo}`;
    d.pickup = randomPointNear(o.center, o.radiusM, rnd);
    d.dropoff = randomPointNear(o.center, o.radiusM, rnd);
    d.phase = 'to_pickup';
    out.push(trip(d, now, 'assigned'));
  };
  const trip = (d: Driver, ts: number, status: TripStatus): LocationRecord => ({
    type: 'trip',
    v: 1,
    driverId: d.id,
    deliveryId: d.deliveryId,
    seq: ++d.seq,
    ts,
    status,
    ...(status === 'assigned' ? { pickup: d.pickup, dropoff: d.dropoff } : {}),
  });

  for (let i = 1; i <= o.drivers; i++) {
    const pos = randomPointNear(o.center, o.radiusM, rnd);
    drivers.push({
      id: driverId(i),
      seq: 0,
      pos,
      speedMps: baseSpeed * (0.7 + 0.6 * rnd()),
      headingDeg: 0,
      phase: 'to_pickup',
      deliveryId: '',
      deliveryNo: 0,
      pickup: pos,
      dropoff: pos,
      waitUntil: 0,
    });
  }

  /** Advances every driver by `dtS` seconds and returns the records they emit at `now`. */
  function tick(now: number, dtS: number): LocationRecord[] {
    const out: LocationRecord[] = [];
    for (const d of drivers) {
      if (d.deliveryNo === 0) assign(d, now, out);
      const target = d.phase === 'to_pickup' ? d.pickup : d.dropoff;
      if (d.phase !== 'at_pickup') {
        const next = moveTowards(d.pos, target, d.speedMps * dtS);
        if (distanceM(d.pos, next) > 0.5)
          d.headingDeg = Math.round(bearingDeg(d.pos, next) * 10) / 10;
        d.pos = next;
      }
      out.push({
        type: 'position',
        v: 1,
        driverId: d.id,
        deliveryId: d.deliveryId,
        seq: ++d.seq,
        ts: now,
        lat: round6(d.pos.lat),
        lng: round6(d.pos.lng),
        speedMps: d.phase === 'at_pickup' ? 0 : Math.round(d.speedMps * 10) / 10,
        headingDeg: d.headingDeg,
        accuracyM: 5,
      });
      if (d.phase === 'to_pickup' && rnd() < (cancelRate * dtS) / 120) {
        out.push(trip(d, now, 'cancelled'));
        assign(d, now, out);
      } else if (d.phase === 'to_pickup' && distanceM(d.pos, d.pickup) < 1) {
        d.phase = 'at_pickup';
        d.waitUntil = now + waitMs * (0.5 + rnd());
      } else if (d.phase === 'at_pickup' && now >= d.waitUntil) {
        d.phase = 'to_dropoff';
        out.push(trip(d, now, 'picked_up'));
      } else if (d.phase === 'to_dropoff' && distanceM(d.pos, d.dropoff) < 1) {
        out.push(trip(d, now, 'delivered'));
        assign(d, now, out);
      }
    }
    return out;
  }

  return { tick, size: drivers.length };
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
