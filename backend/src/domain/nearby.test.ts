import { describe, expect, it } from 'vitest';
import { etaRange } from './eta.js';
import { DEFAULT_MILESTONE_SETTINGS as S, newDeliveryState } from './milestones.js';
import { isNearby } from './nearby.js';

const dropoff = { lat: 52.52, lng: 13.405 };
const T0 = 1_763_784_742_000;

/** A delivery picked up long ago, last seen at the dropoff, with these recent speeds. */
const state = (speeds: number[]) => ({
  ...newDeliveryState('dlv', 'drv'),
  status: 'picked_up' as const,
  dropoff,
  pickedUpAt: T0,
  last: { ...dropoff, ts: T0 + 600_000 },
  speeds,
});
const at = T0 + 600_000;

describe('isNearby', () => {
  it('decides on the slow end of the ETA range the page shows', () => {
    // 900 m at a recent 3 m/s: the page says "4–6 min" (2.5 m/s at the slow end: 360 s).
    const slow = state([3, 3, 3]);
    expect(etaRange(900, slow.speeds).maxS).toBeGreaterThan(S.nearbyMinutes * 60);
    expect(isNearby(slow, at, S, 900)).toBe(false);
    // 900 m at a recent 8 m/s: "2–3 min" (6 m/s at the slow end: 150 s).
    const fast = state([8, 8, 8]);
    expect(etaRange(900, fast.speeds).maxS).toBeLessThanOrEqual(S.nearbyMinutes * 60);
    expect(isNearby(fast, at, S, 900)).toBe(true);
  });

  it('agrees with the page at every distance and pace', () => {
    for (const pace of [0, 2, 3, 4, 6, 8, 12])
      for (let m = 0; m <= S.nearbyRadiusM; m += 50) {
        const s = state([pace, pace]);
        const pageMaxMin = Math.round(etaRange(m, s.speeds).maxS / 60);
        if (isNearby(s, at, S, m)) expect(pageMaxMin).toBeLessThanOrEqual(S.nearbyMinutes);
      }
  });

  it('is never sent beyond the radius or right after the pickup', () => {
    expect(isNearby(state([12]), at, S, S.nearbyRadiusM + 1)).toBe(false);
    expect(isNearby(state([8]), T0 + 1000, S, 100)).toBe(false);
  });
});
