import type { PositionRecord } from '@fleetstream/contracts';

/**
 * The fixes of out-of-order.int.test.ts: drivers whose fixes reach the broker out of seq order,
 * some twice, most of them past-dated and the last ones slightly ahead of the broker's clock,
 * with a few far outside the clock-skew tolerance (RECORD_MAX_FUTURE_MS, RECORD_MAX_AGE_MS).
 */
export const MAX_FUTURE_MS = 120_000;
export const MAX_AGE_MS = 3_600_000;
export const GROUPS = ['live-push', 'analytics', 'notifications'] as const;
export const DRIVERS = 6;
export const LAST_SEQ = 64;
/** Seqs dead-lettered for their device time (relative to now): too old or too far ahead. */
export const OUT_OF_TOLERANCE = new Map([
  [20, -3 * 3_600_000],
  [30, 3_600_000],
  [40, -26 * 3_600_000],
  [63, 30 * 60_000],
  [64, 2 * 3_600_000],
]);
/** The newest accepted fix of each driver. */
export const MAX_VALID_SEQ = 62;

export const driverId = (d: number) => `drv-ooo-${d}`;
export const deliveryId = (d: number) => `dlv-ooo-${d}`;

/**
 * One driver's fixes. In tolerance, device time runs from 50 min ago (past-dated, under the
 * 1 h limit) to 90 s ahead (under the 2 min tolerance), increasing with seq; the seqs of
 * OUT_OF_TOLERANCE carry times far outside. Sent in shuffled windows of 8, with one fix in 8
 * sent again a few records later and one out-of-tolerance fix sent twice.
 */
export function driverFixes(d: number, now: number, random: () => number): PositionRecord[] {
  const start = now - 50 * 60_000;
  const step = (50 * 60_000 + 90_000) / (MAX_VALID_SEQ - 3);
  const fixes: PositionRecord[] = [];
  for (let seq = 3; seq <= LAST_SEQ; seq++) {
    const skew = OUT_OF_TOLERANCE.get(seq);
    fixes.push({
      type: 'position',
      v: 1,
      driverId: driverId(d),
      deliveryId: deliveryId(d),
      seq,
      ts: skew === undefined ? Math.round(start + (seq - 3) * step) : now + skew,
      lat: 52.5 + d * 0.01 + seq * 1e-4,
      lng: 13.4 + seq * 1e-4,
      speedMps: 6,
      headingDeg: 0,
      accuracyM: 5,
    });
  }
  const order: PositionRecord[] = [];
  for (let i = 0; i < fixes.length; i += 8) {
    const window = fixes.slice(i, i + 8);
    for (let j = window.length - 1; j > 0; j--) {
      const k = Math.floor(random() * (j + 1));
      [window[j], window[k]] = [window[k]!, window[j]!];
    }
    order.push(...window);
  }
  for (let i = order.length - 1; i >= 0; i--)
    if (random() < 1 / 8)
      order.splice(Math.min(order.length, i + 3 + Math.floor(random() * 12)), 0, order[i]!);
  order.push(fixes.find((f) => f.seq === 63)!);
  return order;
}
