import type { LagStatus } from '@fleetstream/contracts';

/**
 * Lag math for the ops role, pure. Offsets are plain numbers here (they stay far below 2^53).
 *
 * Status rules, evaluated per partition over the last `windowSamples` polls (Burrow's spirit):
 * - STOP: nobody owns the partition, or the group never committed on it though it has records.
 * - REWIND: the committed offset went backwards within the window (an offset reset).
 * - OK: no lag now.
 * - STALL: owned, lag > 0, and the committed offset did not move across a full window.
 * - WARN: the committed offset moves, but lag grew across the window and is at least warnMinLag.
 * - OK otherwise.
 * A group takes the worst status of its partitions.
 */
export interface LagSettings {
  /** Polls in the evaluation window. @default 10 */
  windowSamples: number;
  /** Lag below this never warns (noise at high rates). @default 100 */
  warnMinLag: number;
}

export interface PartitionSample {
  at: number;
  /** -1 = no commit. */
  committed: number;
  end: number;
  low: number;
  owned: boolean;
}

const SEVERITY: Record<LagStatus, number> = { OK: 0, WARN: 1, REWIND: 2, STALL: 3, STOP: 4 };

/** Lag in records: max(0, end − committed); with no commit, everything retained (end − low). */
export function partitionLag(committed: number, end: number, low: number): number {
  if (committed < 0) return Math.max(0, end - low);
  return Math.max(0, end - committed);
}

/** Committed below the low watermark: records were deleted by retention before being consumed. */
export function expiredUnprocessed(committed: number, low: number): boolean {
  return committed >= 0 && committed < low;
}

/**
 * How long ago the partition's end offset was where the group's committed offset is now,
 * interpolated between (end offset, time) samples as kafka-lag-exporter does. 0 when caught up;
 * beyond the oldest sample, extrapolated with the rate of the oldest two distinct samples.
 */
export function timeLagMs(
  history: readonly { at: number; end: number }[],
  committed: number,
  now: number,
): number {
  if (history.length === 0) return 0;
  const latest = history[history.length - 1]!;
  if (committed >= latest.end) return 0;
  for (let i = history.length - 1; i > 0; i--) {
    const hi = history[i]!;
    const lo = history[i - 1]!;
    if (committed >= lo.end && committed < hi.end) {
      const f = hi.end === lo.end ? 1 : (committed - lo.end) / (hi.end - lo.end);
      // The record at `committed` was written between lo.at and hi.at.
      return Math.max(0, now - (lo.at + f * (hi.at - lo.at)));
    }
  }
  const oldest = history[0]!;
  const next = history.find((h) => h.end > oldest.end);
  if (!next) return Math.max(0, now - oldest.at);
  const rate = (next.end - oldest.end) / (next.at - oldest.at);
  return Math.max(0, now - (oldest.at - (oldest.end - committed) / rate));
}

/** Records per second between the first and last sample of a window. */
export function ratePerSec(samples: readonly { at: number; value: number }[]): number {
  // Samples before a group's first commit (-1) carry no rate information.
  const known = samples.filter((s) => s.value >= 0);
  if (known.length < 2) return 0;
  const a = known[0]!;
  const b = known[known.length - 1]!;
  if (b.at <= a.at) return 0;
  return Math.max(0, (b.value - a.value) / ((b.at - a.at) / 1000));
}

/** Seconds to drain `lag` at current rates, or diverging when consumption cannot catch up. */
export function catchUp(
  lag: number,
  consumeRate: number,
  produceRate: number,
): { etaS: number | null; diverging: boolean } {
  if (lag <= 0) return { etaS: null, diverging: false };
  const net = consumeRate - produceRate;
  if (net <= 0) return { etaS: null, diverging: true };
  return { etaS: lag / net, diverging: false };
}

export function evaluatePartition(
  window: readonly PartitionSample[],
  settings: LagSettings,
): LagStatus {
  const last = window[window.length - 1];
  if (!last) return 'OK';
  if (!last.owned) return 'STOP';
  if (last.committed < 0) return last.end > last.low ? 'STOP' : 'OK';
  for (let i = 1; i < window.length; i++) {
    const prev = window[i - 1]!;
    if (prev.committed >= 0 && window[i]!.committed < prev.committed) return 'REWIND';
  }
  const lagNow = partitionLag(last.committed, last.end, last.low);
  if (lagNow === 0) return 'OK';
  const full = window.length >= settings.windowSamples;
  const first = window[0]!;
  if (full && window.every((s) => s.committed === first.committed && s.owned)) return 'STALL';
  const lagThen = partitionLag(first.committed, first.end, first.low);
  if (full && lagNow > lagThen && lagNow >= settings.warnMinLag) return 'WARN';
  return 'OK';
}

/** The worst of several statuses (OK for none). */
export function worstStatus(statuses: Iterable<LagStatus>): LagStatus {
  let worst: LagStatus = 'OK';
  for (const s of statuses) if (SEVERITY[s] > SEVERITY[worst]) worst = s;
  return worst;
}
