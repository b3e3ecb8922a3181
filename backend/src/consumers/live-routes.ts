import {
  type LatLng,
  type PositionRecord,
  type Route,
  type TripRecord,
} from '@fleetstream/contracts';
import { project, polylineLength, toPolyline, type Polyline } from '@fleetstream/geo';
import { etaRange, pushSpeed } from '../domain/eta.js';
import { fromRoute, toRoute } from '../domain/route-progress.js';
import type { Logger } from '../infra/logger.js';
import { roadNetworkFile } from './road-network-file.js';

/** Further off the planned route than this, the courier took another way: plan again. */
const OFF_ROUTE_M = 120;
const REPLAN_EVERY_MS = 30_000;
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
  plannedAt: number;
  target: LatLng | null;
  pickup: LatLng | null;
}

/**
 * Planned routes and ETA ranges for live-push: a route is planned on the road network when a
 * delivery is assigned (via the pickup) and when it is picked up, stored with the delivery so
 * any worker can continue it, and every fix is projected onto it for the distance left.
 * Without a road network, routes are straight lines.
 */
export function createLiveRoutes(o: { cityGeoJson: string | undefined; log: Logger }) {
  const tracked = new Map<string, Tracked>();
  const lastPosition = new Map<string, LatLng>();
  /** Deliveries known to have no stored route, so they are not looked up on every chunk. */
  const unrouted = new Set<string>();

  const roads = roadNetworkFile(o.cityGeoJson, o.log);
  const leg = (from: LatLng, to: LatLng): LatLng[] => roads()?.route(from, to) ?? [from, to];

  const remember = (id: string, t: Tracked) => {
    if (tracked.size >= MAX_CACHED) tracked.delete(tracked.keys().next().value!);
    tracked.set(id, t);
  };

  return {
    /** The route to store and announce for a trip event (null when the delivery is over). */
    plan(t: TripRecord, now: number): Route | null {
      unrouted.delete(t.deliveryId);
      if (t.status === 'delivered' || t.status === 'cancelled') {
        tracked.delete(t.deliveryId);
        return null;
      }
      const here = lastPosition.get(t.driverId) ?? t.pickup;
      const pickup = t.pickup ?? tracked.get(t.deliveryId)?.pickup ?? null;
      const dropoff = t.dropoff ?? tracked.get(t.deliveryId)?.target ?? null;
      if (!dropoff) return null;
      let points: LatLng[];
      let pickupS = 0;
      if (t.status === 'assigned' && pickup) {
        const first = here ? leg(here, pickup) : [pickup];
        pickupS = polylineLength(toPolyline(first));
        points = [...first, ...leg(pickup, dropoff).slice(1)];
      } else {
        points = leg(here ?? pickup ?? dropoff, dropoff);
      }
      remember(t.deliveryId, {
        line: toPolyline(points),
        pickupS,
        status: t.status,
        s: 0,
        speeds: [],
        plannedAt: now,
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
        plannedAt: Date.now(),
        target: points.at(-1)!,
        pickup: null,
      });
    },

    /** Progress and ETA range for a fix; replans (locally) when the courier left the route. */
    eta(
      p: PositionRecord & { deliveryId: string },
      now: number,
    ): { remainingM: number; etaMinS: number; etaMaxS: number } | undefined {
      lastPosition.set(p.driverId, { lat: p.lat, lng: p.lng });
      const t = tracked.get(p.deliveryId);
      if (!t) return undefined;
      let at = project(t.line, p, Math.max(0, t.s - 50));
      if (at.offM > OFF_ROUTE_M && t.target && now - t.plannedAt > REPLAN_EVERY_MS) {
        const heading =
          t.status === 'assigned' && t.pickup && t.s < t.pickupS ? t.pickup : t.target;
        const points =
          heading === t.target
            ? leg(p, t.target)
            : [...leg(p, heading), ...leg(heading, t.target).slice(1)];
        t.line = toPolyline(points);
        t.pickupS = heading === t.target ? 0 : polylineLength(toPolyline(leg(p, heading)));
        t.plannedAt = now;
        at = project(t.line, p);
      }
      t.s = Math.max(t.s, at.s);
      if (p.speedMps !== undefined) t.speeds = pushSpeed(t.speeds, p.speedMps);
      const remainingM = Math.max(0, polylineLength(t.line) - t.s);
      const waitS = t.status === 'assigned' && t.s < t.pickupS ? PICKUP_WAIT_S : ([0, 0] as const);
      const range = etaRange(remainingM, t.speeds, { waitS });
      return { remainingM: Math.round(remainingM), etaMinS: range.minS, etaMaxS: range.maxS };
    },
  };
}

export type LiveRoutes = ReturnType<typeof createLiveRoutes>;
