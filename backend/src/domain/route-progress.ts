import { type LatLng, type LocationRecord, type Route } from '@fleetstream/contracts';
import { progressAlong, toPolyline, type Polyline, type RoadNetwork } from '@fleetstream/geo';
import type { DeliveryState } from './milestones.js';

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
export const toRoute = (points: readonly LatLng[]): Route =>
  points.map((p) => [round6(p.lat), round6(p.lng)] as [number, number]);
export const fromRoute = (r: Route): LatLng[] => r.map(([lat, lng]) => ({ lat, lng }));

/** Further off the planned route than this, the courier took another way: plan again… */
export const OFF_ROUTE_M = 120;
/** …but at most this often (device time), so a GPS glitch or a missing road costs little. */
export const REPLAN_EVERY_MS = 30_000;

/** A planned route and the progress along it; `plannedAt` is the device time it was planned. */
export interface FollowedRoute {
  line: Polyline;
  s: number;
  plannedAt: number;
}

/**
 * The one distance-left rule, for the customer page (live-push) and the notifications group,
 * so that both estimate from the same metres: the fix is projected on the planned route, never
 * going back along it; off the route for long enough, the route is planned again from the fix
 * (`replan`, null when there is nothing better to plan with).
 */
export function followRoute(
  f: FollowedRoute,
  fix: LatLng & { ts: number },
  replan: ((from: LatLng) => LatLng[]) | null,
): FollowedRoute & { remainingM: number; replanned: boolean } {
  const at = progressAlong(f.line, fix, f.s);
  if (at.offM > OFF_ROUTE_M && replan && fix.ts - f.plannedAt > REPLAN_EVERY_MS) {
    const line = toPolyline(replan(fix));
    // Progress on the old line means nothing on the new one, which starts at the fix.
    const fresh = progressAlong(line, fix);
    return { line, s: fresh.s, plannedAt: fix.ts, remainingM: fresh.remainingM, replanned: true };
  }
  // Not a spread of `f`: live-push passes its whole tracked delivery, and follows every fix.
  return {
    line: f.line,
    s: at.s,
    plannedAt: f.plannedAt,
    remainingM: at.remainingM,
    replanned: false,
  };
}

/**
 * Road distance left to the dropoff, for milestone detection: the route to the dropoff is
 * planned at pickup on the road network (when there is one), kept in the delivery's state, and
 * followed by `followRoute` as live-push follows the page's. Mutates `state` (a fresh copy per
 * chunk) with the route and the progress; undefined means "no route: use the straight line".
 */
export function createRouteProgress(roads: () => RoadNetwork | null) {
  /** A delivery's route as a polyline, built once per chunk rather than once per fix. */
  const lines = new WeakMap<NonNullable<DeliveryState['route']>, Polyline>();
  return (state: DeliveryState, r: LocationRecord): number | undefined => {
    if (r.type === 'trip') {
      if (r.status === 'picked_up' && state.last && (r.dropoff ?? state.dropoff)) {
        const to = r.dropoff ?? state.dropoff!;
        const path = roads()?.route(state.last, to);
        state.route = path ? toRoute(path) : undefined;
        state.routeS = 0;
        state.routePlannedAt = r.ts;
      }
      return undefined;
    }
    if (!state.route || state.route.length < 2) return undefined;
    let line = lines.get(state.route);
    if (!line) lines.set(state.route, (line = toPolyline(fromRoute(state.route))));
    const network = roads();
    const dropoff = state.dropoff;
    const followed = followRoute(
      { line, s: state.routeS ?? 0, plannedAt: state.routePlannedAt ?? 0 },
      r,
      // Rounded as stored, so a replay that splits the records into other chunks agrees.
      network && dropoff
        ? (from) => fromRoute(toRoute(network.route(from, dropoff) ?? [from, dropoff]))
        : null,
    );
    if (followed.replanned) {
      state.route = toRoute(followed.line.points);
      lines.set(state.route, followed.line);
      state.routePlannedAt = followed.plannedAt;
    }
    state.routeS = followed.s;
    return followed.remainingM;
  };
}
