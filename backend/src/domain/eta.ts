import { haversineMeters } from '@fleetstream/geo';

/**
 * The one ETA model: the customer page shows it as a range and the "nearby" notification
 * decides on it, so the two cannot tell the customer different things. From the remaining route
 * distance and the courier's recent speeds: the fast end assumes the best recent pace holds, the
 * slow end the worst, each bounded to what city couriers do. While still heading to the pickup,
 * the wait there widens the range.
 */
export interface EtaOptions {
  /** Slowest and fastest plausible average speeds (m/s). @default [2.5, 12] */
  speedBoundsMps?: readonly [number, number];
  /** Pickup wait still ahead: [shortest, longest] seconds. @default [0, 0] */
  waitS?: readonly [number, number];
}

export interface EtaRange {
  minS: number;
  maxS: number;
}

/** The pace assumed before the courier has moved. */
const DEFAULT_PACE_MPS = 6;

export function etaRange(
  remainingM: number,
  recentSpeedsMps: readonly number[],
  o: EtaOptions = {},
): EtaRange {
  const [lo, hi] = o.speedBoundsMps ?? [2.5, 12];
  const [waitMin, waitMax] = o.waitS ?? [0, 0];
  // The mean of the moving ones (a loop: this runs for every fix live-push applies).
  let sum = 0;
  let moving = 0;
  for (const v of recentSpeedsMps)
    if (v > 0.5) {
      sum += v;
      moving++;
    }
  const mean = moving > 0 ? sum / moving : DEFAULT_PACE_MPS;
  // Recent pace varies with lights and turns: ±25 % around the mean, within the bounds.
  const fast = Math.min(hi, Math.max(lo, mean * 1.25));
  const slow = Math.min(hi, Math.max(lo, mean * 0.75));
  return {
    minS: Math.round(remainingM / fast + waitMin),
    maxS: Math.round(remainingM / slow + waitMax),
  };
}

/** Speeds a history keeps. */
export const SPEEDS_KEPT = 30;

/** Keeps the last `n` speeds, oldest first. */
export function pushSpeed(history: readonly number[], speed: number, n = SPEEDS_KEPT): number[] {
  // One copy: of the last n − 1 (a spread and then a slice made two for a full history).
  const next = history.slice(Math.max(0, history.length - n + 1));
  next.push(speed);
  return next;
}

/**
 * pushSpeed in place, for a history its holder owns: live-push adds one for every fix, and a
 * new array each time was garbage that lived until the delivery's next fix.
 */
export function addSpeed(history: number[], speed: number, n = SPEEDS_KEPT): void {
  history.push(speed);
  if (history.length > n) history.splice(0, history.length - n);
}

/**
 * The speed a fix adds to the history: what the device reports, else what the move from the
 * previous fix measures; undefined when neither is known (first fix, or no time passed).
 */
export function speedOf(
  fix: { lat: number; lng: number; ts: number; speedMps?: number | undefined },
  prev: { lat: number; lng: number; ts: number } | null | undefined,
): number | undefined {
  if (fix.speedMps !== undefined) return fix.speedMps;
  if (!prev || fix.ts <= prev.ts) return undefined;
  // A tenth of a m/s is finer than GPS can tell, and keeps stored histories short.
  return Math.round((haversineMeters(prev, fix) / ((fix.ts - prev.ts) / 1000)) * 10) / 10;
}
