import {
  type LatLng,
  type PositionRecord,
  type Route,
  type TripRecord,
} from '@fleetstream/contracts';
import { polylineLength, toPolyline, type Polyline } from '@fleetstream/geo';
import { addSpeed, etaRange, speedOf } from '../domain/eta.js';
import { followRoute, fromRoute, toRoute } from '../domain/route-progress.js';
import type { Logger } from '../infra/logger.js';
import { roadNetworkFile } from './road-network-file.js';

const MAX_CACHED = 50_000;
/** The restaurant wait still ahead while heading to the pickup. */
const PICKUP_WAIT_S: readonly [number, number] = [20, 180];

interface Tracked {
  line: Polyline;
  /** Metres along the line where the pickup is (0 once picked up). */
  pickupS: number;
  status: TripRecord['status'];
  s: number;
  speeds: number[];
  /** Device time of the plan: replanning is paced by device time, as in the notifications. */
  plannedAt: number;
  target: LatLng | null;
  pickup: LatLng | null;
}

/**
 * Planned routes and ETA ranges for live-push: a route is planned on the road network when a
 * delivery is assigned (via the pickup) and when it is picked up, stored with the delivery so
 * any worker can continue it, and every fix is followed along it (`followRoute`, the rule the
 * notifications group follows too) for the distance left. Without a road network, routes are
 * straight lines. The clock arguments are unused: device time decides, as it does for the
 * notifications, so both replan at the same fixes.
 */
export function createLiveRoutes(o: { cityGeoJson: string | undefined; log: Logger }) {
  const tracked = new Map<string, Tracked>();
  const lastPosition = new Map<string, LatLng & { ts: number }>();
  /** Deliveries known to have no stored route, so they are not looked up on every chunk. */
  const unrouted = new Set<string>();

  const roads = roadNetworkFile(o.cityGeoJson, o.log);
  const leg = (from: LatLng, to: LatLng): LatLng[] => roads()?.route(from, to) ?? [from, to];
  /** From here to the target by way of the pickup, and where on the way the pickup is. */
  const viaPickup = (from: LatLng, pickup: LatLng, target: LatLng) => {
    const first = leg(from, pickup);
    return {
      points: [...first, ...leg(pickup, target).slice(1)],
      pickupS: polylineLength(toPolyline(first)),
    };
  };

  const remember = (id: string, t: Tracked) => {
    if (tracked.size >= MAX_CACHED) tracked.delete(tracked.keys().next().value!);
    tracked.set(id, t);
  };

  return {
    /** The route to store and announce for a trip event (null when the delivery is over). */
    plan(t: TripRecord): Route | null {
      unrouted.delete(t.deliveryId);
      if (t.status === 'delivered' || t.status === 'cancelled') {
        tracked.delete(t.deliveryId);
        return null;
      }
      const last = lastPosition.get(t.driverId);
      const here = last ? { lat: last.lat, lng: last.lng } : t.pickup;
      const pickup = t.pickup ?? tracked.get(t.deliveryId)?.pickup ?? null;
      const dropoff = t.dropoff ?? tracked.get(t.deliveryId)?.target ?? null;
      if (!dropoff) return null;
      let points: LatLng[];
      let pickupS = 0;
      if (t.status === 'assigned' && pickup) {
        ({ points, pickupS } = here
          ? viaPickup(here, pickup, dropoff)
          : { points: [pickup, ...leg(pickup, dropoff).slice(1)], pickupS: 0 });
      } else {
        points = leg(here ?? pickup ?? dropoff, dropoff);
      }
      remember(t.deliveryId, {
        line: toPolyline(points),
        pickupS,
        status: t.status,
        s: 0,
        speeds: [],
        plannedAt: t.ts,
        target: dropoff,
        pickup,
      });
      return toRoute(points);
    },

    /** Deliveries among these whose route this worker does not hold (e.g. after a restart). */
    missing: (ids: readonly string[]) => ids.filter((id) => !tracked.has(id) && !unrouted.has(id)),
    /** Adopts a route another worker planned. */
    adopt(id: string, route: Route | null, status: TripRecord['status']) {
      if (!route || route.length < 2) {
        if (unrouted.size >= MAX_CACHED) unrouted.clear();
        unrouted.add(id);
        return;
      }
      const points = fromRoute(route);
      remember(id, {
        line: toPolyline(points),
        pickupS: 0,
        status,
        s: 0,
        speeds: [],
        // When it was planned is not stored: off the route, plan again at once.
        plannedAt: 0,
        target: points.at(-1)!,
        pickup: null,
      });
    },

    /** Progress and ETA range for a fix; replans (locally) when the courier left the route. */
    eta(
      p: PositionRecord & { deliveryId: string },
    ): { remainingM: number; etaMinS: number; etaMaxS: number } | undefined {
      const prev = lastPosition.get(p.driverId);
      const t = tracked.get(p.deliveryId);
      const speed = t ? speedOf(p, prev) : undefined;
      // Updated in place: one object per driver, not one per fix.
      if (prev) {
        prev.lat = p.lat;
        prev.lng = p.lng;
        prev.ts = p.ts;
      } else lastPosition.set(p.driverId, { lat: p.lat, lng: p.lng, ts: p.ts });
      if (!t) return undefined;
      const { target, pickup } = t;
      const towardPickup = t.status === 'assigned' && pickup !== null && t.s < t.pickupS;
      const followed = followRoute(
        t,
        p,
        target &&
          ((from) => {
            if (!towardPickup) {
              t.pickupS = 0;
              return leg(from, target);
            }
            const via = viaPickup(from, pickup, target);
            t.pickupS = via.pickupS;
            return via.points;
          }),
      );
      t.line = followed.line;
      t.s = followed.s;
      t.plannedAt = followed.plannedAt;
      if (speed !== undefined) addSpeed(t.speeds, speed);
      const waitS = t.status === 'assigned' && t.s < t.pickupS ? PICKUP_WAIT_S : ([0, 0] as const);
      const range = etaRange(followed.remainingM, t.speeds, { waitS });
      return {
        remainingM: Math.round(followed.remainingM),
        etaMinS: range.minS,
        etaMaxS: range.maxS,
      };
    },
  };
}

export type LiveRoutes = ReturnType<typeof createLiveRoutes>;
