import { type LatLng, type LocationRecord, type Route } from '@fleetstream/contracts';
import { polylineLength, project, toPolyline, type Polyline } from '@fleetstream/geo';
import type { DeliveryState } from './milestones.js';
import type { RoadNetwork } from '@fleetstream/geo';

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
export const toRoute = (points: readonly LatLng[]): Route =>
  points.map((p) => [round6(p.lat), round6(p.lng)] as [number, number]);
export const fromRoute = (r: Route): LatLng[] => r.map(([lat, lng]) => ({ lat, lng }));

/**
 * Road distance left to the dropoff, for milestone detection: the route to the dropoff is
 * planned at pickup on the road network (when there is one), kept in the delivery's state, and
 * each fix is projected on it. Mutates `state` (a fresh copy per chunk) with the route and the
 * progress; undefined means "no route: use the straight line".
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
      }
      return undefined;
    }
    if (!state.route || state.route.length < 2) return undefined;
    let line = lines.get(state.route);
    if (!line) lines.set(state.route, (line = toPolyline(fromRoute(state.route))));
    const s = Math.max(
      state.routeS ?? 0,
      project(line, r, Math.max(0, (state.routeS ?? 0) - 50)).s,
    );
    state.routeS = s;
    return polylineLength(line) - s;
  };
}
