import type { LatLng, LocationRecord, TripStatus } from '@fleetstream/contracts';
import {
  ARRIVED,
  CANCEL,
  advance,
  createDriver,
  rebootApp,
  startRoute,
  truePosition,
  type Driver,
} from './driver.js';
import {
  DEFAULT_FAULTS,
  beginTick,
  emit,
  fixError,
  type FaultOptions,
  type FixError,
} from './faults.js';
import {
  DROPOFF_DISTANCE,
  PICKUP_DISTANCE,
  nodeAtDistance,
  sampleDistance,
  type DistanceDistribution,
} from './trips.js';
import { type City, createCity, createRouter, round6, uniform } from '@fleetstream/geo';

export { driverId } from './driver.js';

export interface FleetOptions {
  drivers: number;
  seed: number;
  /** Centre and radius of the synthetic city built from the seed when `city` is absent. */
  center?: LatLng;
  radiusM?: number;
  /** The road graph to drive (a loaded OSM extract, or a synthetic city built beforehand). */
  city?: City;
  /** Fault knobs; unset ones take DEFAULT_FAULTS. */
  faults?: Partial<FaultOptions>;
  /** Seconds a driver waits at the restaurant, [min, max]. @default [20, 60] */
  pickupWaitS?: readonly [number, number];
  /** Seconds at the customer's door before `delivered`. @default [30, 90] */
  handoverS?: readonly [number, number];
  /** Share of deliveries cancelled on the way to the pickup. @default 0.03 */
  cancelRate?: number;
  /** Straight-line distance courier → pickup. @default PICKUP_DISTANCE (median 800 m) */
  pickupDistance?: DistanceDistribution;
  /** Straight-line distance pickup → dropoff. @default DROPOFF_DISTANCE (median 1.9 km) */
  dropoffDistance?: DistanceDistribution;
  /** Chance of stopping (traffic light, crossing) at each junction. @default 0.08 */
  stopRate?: number;
  /** Part of every delivery id, so runs do not reuse ids. @default derived from the seed */
  runId?: string;
  /**
   * The run's app session, sent on every record: a second run with the same driver ids (seq from
   * 1 again) is then a new session that supersedes the first run's, not a stream of duplicates.
   * The CLI picks a fresh one per run (`newRunSession`). At most 48 characters (reboots append
   * `.<n>`). @default derived from the seed, so tests stay deterministic
   */
  session?: string;
  /**
   * Chance per driver per minute of fleet time that the phone restarts the app while on a
   * delivery: a new session, seq from 1 (see `rebootApp`). @default 0
   */
  rebootRate?: number;
  /** Drivers log in spread over this many seconds, so routing load is spread too. @default drivers/500, 10…120 */
  startupS?: number;
}

export interface FleetStats {
  /** Drivers currently on a delivery. */
  active: number;
  assigned: number;
  delivered: number;
  cancelled: number;
  dropouts: number;
  outliers: number;
  /** App restarts (`rebootRate`). */
  reboots: number;
}

export interface Fleet {
  readonly city: City;
  readonly size: number;
  readonly stats: Readonly<FleetStats>;
  /**
   * Advances the drivers of one part (index % parts === part) by dtS seconds and returns the
   * records their phones send at `now` (epoch ms), in per-driver seq order. Pure: no I/O.
   */
  tick(now: number, dtS: number, part?: number, parts?: number): LocationRecord[];
}

/**
 * A fleet of couriers driving a seeded road graph through the trip lifecycle
 * assigned → (drive) → picked_up → (drive) → delivered → next, occasionally cancelled, each with
 * a phone that adds GPS noise, outliers, dropouts, duplicates and clock skew. Deterministic for
 * the options and the sequence of tick calls.
 */
export function createFleet(o: FleetOptions): Fleet {
  const city =
    o.city ??
    createCity({
      center: o.center ?? { lat: 52.52, lng: 13.405 },
      radiusM: o.radiusM ?? 5000,
      seed: o.seed,
    });
  const router = createRouter(city);
  const f: FaultOptions = { ...DEFAULT_FAULTS, ...o.faults };
  const [waitMin, waitMax] = o.pickupWaitS ?? [20, 60];
  const [handoverMin, handoverMax] = o.handoverS ?? [30, 90];
  const cancelRate = o.cancelRate ?? 0.03;
  const stopRate = o.stopRate ?? 0.2;
  const startupS = o.startupS ?? Math.min(120, Math.max(10, o.drivers / 500));
  const pickupDistance = o.pickupDistance ?? PICKUP_DISTANCE;
  const dropoffDistance = o.dropoffDistance ?? DROPOFF_DISTANCE;
  const runId = o.runId ?? (o.seed >>> 0).toString(36);
  const { x, y, projection: p } = city;
  const stats: FleetStats = {
    active: 0,
    assigned: 0,
    delivered: 0,
    cancelled: 0,
    dropouts: 0,
    outliers: 0,
    reboots: 0,
  };
  const session = o.session ?? `sim-${runId}`;
  if (session.length < 1 || session.length > 48)
    throw new RangeError(`session must have 1 to 48 characters, got ${session.length}`);
  const rebootRate = o.rebootRate ?? 0;
  const err: FixError = { dx: 0, dy: 0, accuracyM: 0, outlier: false };

  const drivers: Driver[] = [];
  for (let i = 1; i <= o.drivers; i++) drivers.push(createDriver(i, o.seed, city, f, session));
  const at = { x: 0, y: 0 };

  const trip = (d: Driver, ts: number, status: TripStatus, out: LocationRecord[]) => {
    const r: LocationRecord = {
      type: 'trip',
      v: 1,
      driverId: d.id,
      deliveryId: d.deliveryId!,
      session: d.session,
      seq: ++d.seq,
      ts,
      status,
      pickup: d.pickup,
      dropoff: d.dropoff,
    };
    emit(d.device, d.rnd, f, r, out);
  };

  const assign = (d: Driver, ts: number, out: LocationRecord[]) => {
    const pickupNode = nodeAtDistance(city, d.rnd, d.node, sampleDistance(d.rnd, pickupDistance));
    const dropoffNode = nodeAtDistance(
      city,
      d.rnd,
      pickupNode,
      sampleDistance(d.rnd, dropoffDistance),
    );
    const toPickup = router.route(d.node, pickupNode);
    const toDropoff = router.route(pickupNode, dropoffNode);
    if (!toPickup || !toDropoff || pickupNode === dropoffNode) return; // try again next tick
    d.deliveryId = `dlv-${runId}-${d.num}-${++d.deliveries}`;
    d.pickup = p.toLatLng(x[pickupNode]!, y[pickupNode]!);
    d.dropoff = p.toLatLng(x[dropoffNode]!, y[dropoffNode]!);
    d.cancelAtM = d.rnd() < cancelRate ? toPickup.lengthM * uniform(d.rnd, 0.1, 0.9) : -1;
    d.next = toDropoff;
    startRoute(d, toPickup, 'to_pickup');
    stats.assigned++;
    stats.active++;
    trip(d, ts, 'assigned', out);
  };

  const finish = (
    d: Driver,
    ts: number,
    status: TripStatus,
    out: LocationRecord[],
    idleS: number,
  ) => {
    trip(d, ts, status, out);
    d.phase = 'idle';
    d.deliveryId = null;
    d.route = d.next = null;
    d.v = 0;
    d.untilMs = ts + idleS * 1000;
    stats.active--;
  };

  function tick(now: number, dtS: number, part = 0, parts = 1): LocationRecord[] {
    const out: LocationRecord[] = [];
    const ts0 = Math.round(now);
    let routeBudget = Math.ceil(drivers.length / parts / 20) + 5;
    for (let i = part; i < drivers.length; i += parts) {
      const d = drivers[i]!;
      const ts = ts0 + d.device.skewMs;
      // Always one draw per tick, so the reboots of a run do not depend on anything but time.
      const reboot = d.bootRnd() < 1 - (1 - rebootRate) ** (dtS / 60);
      if (reboot && d.phase !== 'idle') {
        rebootApp(d, session);
        stats.reboots++;
      }
      if (beginTick(d.device, d.rnd, f, dtS, out)) stats.dropouts++;
      if (d.phase === 'idle') {
        if (d.untilMs < 0) d.untilMs = ts + d.rnd() * startupS * 1000;
        else if (ts >= d.untilMs && routeBudget > 0) {
          routeBudget--;
          assign(d, ts, out);
        }
      } else if (d.phase === 'at_pickup') {
        if (ts >= d.untilMs) {
          trip(d, ts, 'picked_up', out);
          startRoute(d, d.next!, 'to_dropoff');
        }
      } else if (d.phase === 'at_dropoff') {
        if (ts >= d.untilMs) {
          stats.delivered++;
          finish(d, ts, 'delivered', out, uniform(d.rnd, 5, 30));
        }
      } else {
        const event = advance(d, dtS, stopRate);
        if (event === CANCEL) {
          stats.cancelled++;
          finish(d, ts, 'cancelled', out, uniform(d.rnd, 5, 20));
        } else if (event === ARRIVED && d.phase === 'to_pickup') {
          d.phase = 'at_pickup';
          d.untilMs = ts + uniform(d.rnd, waitMin, waitMax) * 1000;
        } else if (event === ARRIVED) {
          // Parking, walking up and handing over take a while at the door.
          d.phase = 'at_dropoff';
          d.untilMs = ts + uniform(d.rnd, handoverMin, handoverMax) * 1000;
        }
      }
      position(d, ts, out);
    }
    return out;
  }

  const position = (d: Driver, ts: number, out: LocationRecord[]) => {
    truePosition(d, city, at);
    fixError(d.rnd, f, err);
    if (err.outlier) stats.outliers++;
    const jitter = (d.rnd() - 0.5) * 0.4;
    const speed = d.v > 0 && f.noiseM > 0 ? Math.max(0, d.v + jitter) : d.v;
    emit(
      d.device,
      d.rnd,
      f,
      {
        type: 'position',
        v: 1,
        driverId: d.id,
        deliveryId: d.deliveryId,
        session: d.session,
        seq: ++d.seq,
        ts,
        lat: round6(p.lat(at.y + err.dy)),
        lng: round6(p.lng(at.x + err.dx)),
        speedMps: Math.round(speed * 10) / 10,
        headingDeg: (Math.round(d.headingDeg * 10) / 10) % 360,
        accuracyM: err.accuracyM,
      },
      out,
    );
  };

  return { city, size: drivers.length, stats, tick };
}
