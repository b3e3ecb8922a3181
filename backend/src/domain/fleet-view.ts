import {
  FLEET_MAX_COURIERS,
  FLEET_STATES,
  courierStateAfter,
  type CourierState,
  type FleetCluster,
  type FleetCourier,
  type FleetSnapshotMessage,
  type FleetState,
  type FleetStateCounts,
  type FleetViewport,
  type LocationRecord,
  type TripStatus,
} from '@fleetstream/contracts';

interface Courier {
  driverId: string;
  deliveryId: string | null;
  lat: number;
  lng: number;
  /** Device time of the last fix. */
  ts: number;
  /** When the broker stored it: silence is judged on this, not on a phone's clock. */
  seenAt: number;
  state: CourierState;
}

/** A cluster spans about this many screen pixels. */
const CLUSTER_PX = 60;
const round5 = (x: number) => Math.round(x * 1e5) / 1e5;
const zeroCounts = (): FleetStateCounts =>
  Object.fromEntries(FLEET_STATES.map((s) => [s, 0])) as FleetStateCounts;

/**
 * Every courier's last position and state, from the location stream, and what a map showing a
 * viewport needs of it: the couriers in it, or clusters of them when there are too many.
 */
export function createFleetView(offlineAfterMs: number) {
  const couriers = new Map<string, Courier>();
  /** Statuses known before the stream showed the courier (their trip event is older). */
  const seeds = new Map<string, { deliveryId: string; state: CourierState }>();
  const stateOf = (c: Courier, now: number): FleetState =>
    now - c.seenAt > offlineAfterMs ? 'offline' : c.state;

  return {
    /** A record of the stream, stored by the broker at `storedAt`. */
    apply(r: LocationRecord, storedAt: number): void {
      const c = couriers.get(r.driverId);
      if (r.type === 'trip') {
        const deliveryId =
          r.status === 'delivered' || r.status === 'cancelled' ? null : r.deliveryId;
        if (c) {
          c.state = courierStateAfter(r.status);
          c.deliveryId = deliveryId;
          c.seenAt = Math.max(c.seenAt, storedAt);
        } else
          seeds.set(r.driverId, { deliveryId: r.deliveryId, state: courierStateAfter(r.status) });
        return;
      }
      if (c && r.ts < c.ts) return; // an older fix arriving late: the map keeps the newer one
      const seed = seeds.get(r.driverId);
      const state =
        c?.state ??
        (seed && seed.deliveryId === r.deliveryId
          ? seed.state
          : r.deliveryId
            ? 'to_customer'
            : 'idle');
      couriers.set(r.driverId, {
        driverId: r.driverId,
        deliveryId: r.deliveryId,
        lat: r.lat,
        lng: r.lng,
        ts: r.ts,
        seenAt: Math.max(c?.seenAt ?? 0, storedAt),
        state,
      });
    },
    /** What the platform already knows of a delivery's status (before the stream says it). */
    seed(driverId: string, deliveryId: string, status: TripStatus): void {
      const c = couriers.get(driverId);
      if (!c) seeds.set(driverId, { deliveryId, state: courierStateAfter(status) });
    },
    snapshot(viewport: FleetViewport | null, now: number): FleetSnapshotMessage {
      const counts = zeroCounts();
      const inView: Courier[] = [];
      const padLat = viewport ? (viewport.north - viewport.south) * 0.1 : 0;
      const padLng = viewport ? (viewport.east - viewport.west) * 0.1 : 0;
      for (const c of couriers.values()) {
        counts[stateOf(c, now)]++;
        if (
          viewport &&
          c.lat >= viewport.south - padLat &&
          c.lat <= viewport.north + padLat &&
          c.lng >= viewport.west - padLng &&
          c.lng <= viewport.east + padLng
        )
          inView.push(c);
      }
      const few = inView.length <= FLEET_MAX_COURIERS;
      return {
        type: 'fleet',
        at: now,
        total: couriers.size,
        counts,
        couriers: few
          ? inView.map((c): FleetCourier => [
              c.driverId,
              c.deliveryId,
              round5(c.lat),
              round5(c.lng),
              c.ts,
              stateOf(c, now),
            ])
          : null,
        clusters: few ? null : cluster(inView, viewport!.zoom, (c) => stateOf(c, now)),
        offlineAfterS: offlineAfterMs / 1000,
      };
    },
    get size() {
      return couriers.size;
    },
  };
}

/** Couriers grouped by a grid of about CLUSTER_PX pixels at this zoom, placed at their mean. */
function cluster(
  members: readonly Courier[],
  zoom: number,
  stateOf: (c: Courier) => FleetState,
): FleetCluster[] {
  const cell = (CLUSTER_PX * 360) / (256 * 2 ** zoom);
  const cells = new Map<
    string,
    { lat: number; lng: number; count: number; counts: FleetStateCounts }
  >();
  for (const c of members) {
    const key = `${Math.floor(c.lat / cell)}:${Math.floor(c.lng / cell)}`;
    let g = cells.get(key);
    if (!g) cells.set(key, (g = { lat: 0, lng: 0, count: 0, counts: zeroCounts() }));
    g.lat += c.lat;
    g.lng += c.lng;
    g.count++;
    g.counts[stateOf(c)]++;
  }
  return [...cells.values()].map((g) => ({
    lat: round5(g.lat / g.count),
    lng: round5(g.lng / g.count),
    count: g.count,
    counts: g.counts,
  }));
}
