/**
 * ETA as a range, from the remaining route distance and the courier's recent speeds: the fast
 * end assumes the best recent pace holds, the slow end the worst, each bounded to what city
 * couriers do. While still heading to the pickup, the wait there widens the range.
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

export function etaRange(
  remainingM: number,
  recentSpeedsMps: readonly number[],
  o: EtaOptions = {},
): EtaRange {
  const [lo, hi] = o.speedBoundsMps ?? [2.5, 12];
  const [waitMin, waitMax] = o.waitS ?? [0, 0];
  const moving = recentSpeedsMps.filter((v) => v > 0.5);
  const mean = moving.length > 0 ? moving.reduce((a, b) => a + b, 0) / moving.length : 6;
  // Recent pace varies with lights and turns: ±25 % around the mean, within the bounds.
  const fast = Math.min(hi, Math.max(lo, mean * 1.25));
  const slow = Math.min(hi, Math.max(lo, mean * 0.75));
  return {
    minS: Math.round(remainingM / fast + waitMin),
    maxS: Math.round(remainingM / slow + waitMax),
  };
}

/** Keeps the last `n` speeds, oldest first. */
export function pushSpeed(history: readonly number[], speed: number, n = 30): number[] {
  const next = [...history, speed];
  return next.length > n ? next.slice(next.length - n) : next;
}
