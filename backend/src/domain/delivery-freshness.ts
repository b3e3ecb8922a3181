/**
 * How old a delivery's last record may be, and why it is old. The active set is scored by the
 * device time of each delivery's last applied record, so every judgement here is a bound on
 * that score: counts are then a few range counts in Redis, whatever the fleet size.
 *
 * A position is old either because live-push has not applied the newer ones yet (the pipeline
 * lags) or because the courier sent none (silent). The pipeline's share is its time lag: a
 * courier sending all along has a last applied record about that old. So the lag is discounted
 * before a courier is called silent, and a stale position no older than the lag plus the
 * freshness threshold is the pipeline's doing.
 */

/** The thresholds, in ms. */
export interface FreshnessRules {
  /** Customers count as affected past this (OPS_STALE_AFTER_S). */
  staleAfterMs: number;
  /** A courier silent this long is offline (COURIER_OFFLINE_AFTER_S). */
  offlineAfterMs: number;
  /** A delivery silent this long is abandoned and leaves the active set (DELIVERY_ABANDON_AFTER_S). */
  abandonAfterMs: number;
}

/** Bounds on a delivery's last device time, at one instant. */
export interface FreshnessBounds {
  /** Fresh: last record at or after this. */
  freshFrom: number;
  /** Stale because of the pipeline: at or after this, and before freshFrom. */
  laggingFrom: number;
  /** Offline (the courier silent): before this. */
  offlineBefore: number;
  /** Abandoned: before this. */
  abandonBefore: number;
}

export type Freshness = 'fresh' | 'lagging' | 'quiet' | 'silent';

/**
 * The bounds at `now`, discounting `pipelineLagMs` (live-push's time lag; its slowest
 * partition's, so a courier is called silent only when no partition's backlog can explain it).
 */
export function freshnessBounds(
  now: number,
  rules: FreshnessRules,
  pipelineLagMs: number,
): FreshnessBounds {
  const lag = Math.max(0, Number.isFinite(pipelineLagMs) ? pipelineLagMs : 0);
  const freshFrom = now - rules.staleAfterMs;
  const offlineBefore = now - rules.offlineAfterMs - lag;
  return {
    freshFrom,
    laggingFrom: Math.max(offlineBefore, freshFrom - lag),
    offlineBefore,
    abandonBefore: now - rules.abandonAfterMs - lag,
  };
}

/** Why (or whether) a customer sees an old position, from the delivery's last device time. */
export function classifyFreshness(lastTs: number, b: FreshnessBounds): Freshness {
  if (lastTs >= b.freshFrom) return 'fresh';
  if (lastTs < b.offlineBefore) return 'silent';
  if (lastTs >= b.laggingFrom) return 'lagging';
  return 'quiet';
}

/** Whether a delivery with this last device time has an offline courier. */
export const isOffline = (lastTs: number, b: FreshnessBounds) => lastTs < b.offlineBefore;

/**
 * Score ranges of each bucket for range counts, as [min, max) pairs (min inclusive, max
 * exclusive; an empty range has min ≥ max). `quiet` is what the other three leave.
 */
export function freshnessRanges(
  b: FreshnessBounds,
): Record<Exclude<Freshness, 'quiet'>, [number, number]> {
  return {
    fresh: [b.freshFrom, Infinity],
    lagging: [b.laggingFrom, b.freshFrom],
    silent: [-Infinity, Math.min(b.offlineBefore, b.freshFrom)],
  };
}

/** The rules from the configuration's thresholds (seconds). */
export const freshnessRulesOf = (c: {
  ops: { staleAfterS: number };
  couriers: { offlineAfterS: number };
  deliveries: { abandonAfterS: number };
}): FreshnessRules => ({
  staleAfterMs: c.ops.staleAfterS * 1000,
  offlineAfterMs: c.couriers.offlineAfterS * 1000,
  abandonAfterMs: c.deliveries.abandonAfterS * 1000,
});

/** A lag snapshot older than this says nothing about the pipeline now (the ops role is down). */
export const LAG_SNAPSHOT_MAX_AGE_MS = 60_000;

/**
 * Live-push's time lag (its slowest partition's) from the ops role's latest lag snapshot, or 0
 * when there is none recent enough to tell.
 */
export function pipelineLagOf(
  snapshot: { at: number; groups: readonly { groupId: string; timeLagMs: number }[] } | null,
  livePushGroup: string,
  now: number,
): number {
  if (!snapshot || now - snapshot.at > LAG_SNAPSHOT_MAX_AGE_MS) return 0;
  return snapshot.groups.find((g) => g.groupId === livePushGroup)?.timeLagMs ?? 0;
}
