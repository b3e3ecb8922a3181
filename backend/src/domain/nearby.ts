import { haversineMeters as distanceM } from '@fleetstream/geo';
import { etaRange } from './eta.js';
import type { DeliveryState, MilestoneSettings } from './milestones.js';

/**
 * "Nearby" only when it tells the customer something new: not on the heels of "picked up"
 * (a short trip is near from the start, and two messages seconds apart read as a bug), and only
 * once the courier is close both in time and on the road (a fast ETA alone fires early on a
 * ring road; distance alone fires early for a courier stuck in traffic).
 *
 * Time is the page's ETA model (`etaRange`), judged on its slow end: when "nearby" arrives, the
 * page shows at most `nearbyMinutes` ("3–5 min"), never "4–7 min" beside "nearly there".
 * `remainingM` is the road distance left when a route is known, else straight line × detour.
 */
export function isNearby(
  s: DeliveryState,
  ts: number,
  settings: MilestoneSettings,
  remainingM?: number,
): boolean {
  if (s.pickedUpAt !== undefined && ts - s.pickedUpAt < settings.nearbyAfterPickupS * 1000)
    return false;
  if (!s.last || !s.dropoff) return false;
  const remaining = remainingM ?? distanceM(s.last, s.dropoff) * settings.detourFactor;
  if (remaining > settings.nearbyRadiusM) return false;
  return etaRange(remaining, s.speeds ?? []).maxS <= settings.nearbyMinutes * 60;
}
