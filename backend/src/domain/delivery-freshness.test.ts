import { describe, expect, it } from 'vitest';
import {
  classifyFreshness,
  freshnessBounds,
  freshnessRanges,
  isOffline,
  pipelineLagOf,
  type FreshnessRules,
} from './delivery-freshness.js';

const rules: FreshnessRules = {
  staleAfterMs: 10_000,
  offlineAfterMs: 60_000,
  abandonAfterMs: 1_800_000,
};
const now = 1_000_000_000;
const ago = (s: number) => now - s * 1000;

describe('classifyFreshness', () => {
  it('with the pipeline caught up, an old position is the courier’s: quiet, then silent', () => {
    const b = freshnessBounds(now, rules, 0);
    expect([0, 10, 11, 59, 60, 61, 3600].map((s) => classifyFreshness(ago(s), b))).toEqual([
      'fresh',
      'fresh',
      'quiet',
      'quiet',
      'quiet',
      'silent',
      'silent',
    ]);
  });

  it('discounts the pipeline’s lag: what the backlog explains is lagging, not silent', () => {
    const b = freshnessBounds(now, rules, 300_000);
    expect([5, 11, 310, 311, 360, 361].map((s) => classifyFreshness(ago(s), b))).toEqual([
      'fresh',
      'lagging',
      'lagging',
      'quiet',
      'quiet',
      'silent',
    ]);
    expect(isOffline(ago(361), b)).toBe(true);
    expect(isOffline(ago(100), b)).toBe(false);
    expect(b.abandonBefore).toBe(ago(1800 + 300));
  });

  it('calls every stale one offline when the offline threshold is below the stale one', () => {
    const b = freshnessBounds(now, { ...rules, offlineAfterMs: 5_000 }, 0);
    expect([4, 8, 11].map((s) => classifyFreshness(ago(s), b))).toEqual([
      'fresh',
      'fresh',
      'silent',
    ]);
    expect(isOffline(ago(8), b)).toBe(true);
  });

  it('ignores a negative or unknown lag', () => {
    expect(freshnessBounds(now, rules, -5)).toEqual(freshnessBounds(now, rules, 0));
    expect(freshnessBounds(now, rules, NaN)).toEqual(freshnessBounds(now, rules, 0));
  });
});

describe('freshnessRanges', () => {
  it('partitions the scores the way classifyFreshness does', () => {
    for (const lag of [0, 5_000, 50_000, 300_000]) {
      for (const o of [rules, { ...rules, offlineAfterMs: 5_000 }]) {
        const b = freshnessBounds(now, o, lag);
        const r = freshnessRanges(b);
        for (let s = 0; s < 800; s += 0.5) {
          const ts = ago(s);
          const inRange = (k: keyof typeof r) => ts >= r[k][0] && ts < r[k][1];
          const bucket = classifyFreshness(ts, b);
          expect([bucket, inRange('fresh'), inRange('lagging'), inRange('silent')]).toEqual([
            bucket,
            bucket === 'fresh',
            bucket === 'lagging',
            bucket === 'silent',
          ]);
        }
      }
    }
  });
});

describe('pipelineLagOf', () => {
  const snapshot = {
    at: now,
    groups: [
      { groupId: 'ns.live-push', timeLagMs: 4_000 },
      { groupId: 'ns.analytics', timeLagMs: 90_000 },
    ],
  };
  it("takes live-push's time lag from a recent snapshot, 0 from none or an old one", () => {
    expect(pipelineLagOf(snapshot, 'ns.live-push', now + 1000)).toBe(4_000);
    expect(pipelineLagOf(snapshot, 'ns.live-push', now + 120_000)).toBe(0);
    expect(pipelineLagOf(null, 'ns.live-push', now)).toBe(0);
    expect(pipelineLagOf(snapshot, 'other', now)).toBe(0);
  });
});
