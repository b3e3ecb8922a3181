import { haversineMeters as distanceM } from '@fleetstream/geo';
import type { DeliveryState, MilestoneSettings } from './milestones.js';

/** Metres left to the dropoff: along the route when known, else straight line × detour. */
function remainingMeters(
  s: DeliveryState,
  settings: MilestoneSettings,
  remainingM?: number,
): number | null {
  if (!s.last || !s.dropoff) return null;
  return remainingM ?? distanceM(s.last, s.dropoff) * settings.detourFactor;
}

/** Estimated seconds to the dropoff, from remaining road distance and recent speed. */
export function etaSeconds(
  s: DeliveryState,
  settings: MilestoneSettings,
  remainingM?: number,
): number | null {
  const remaining = remainingMeters(s, settings, remainingM);
  if (remaining === null) return null;
  // A courier standing at a light is not infinitely far away: never assume under 2 m/s.
  const speed = Math.max(2, s.speedMps ?? settings.defaultSpeedMps);
  return remaining / speed;
}

/**
 * "Nearby" only when it tells the customer something new: not on the heels of "picked up"
 * (a short trip is near from the start, and two messages seconds apart read as a bug), and only
 * once the courier is close both in time and on the road (a fast ETA alone fires early on a
 * ring road; distance alone fires early for a courier stuck in traffic).
 */
export function isNearby(
  s: DeliveryState,
  ts: number,
  settings: MilestoneSettings,
  remainingM?: number,
): boolean {
  if (s.pickedUpAt !== undefined && ts - s.pickedUpAt < settings.nearbyAfterPickupS * 1000)
    return false;
  const remaining = remainingMeters(s, settings, remainingM);
  if (remaining === null || remaining > settings.nearbyRadiusM) return false;
  const eta = etaSeconds(s, settings, remaining);
  return eta !== null && eta <= settings.nearbyMinutes * 60;
}
