import { describe, expect, it } from 'vitest';
import type { LocationRecord, PositionRecord } from '@fleetstream/contracts';
import { NO_FAULTS, type FaultOptions } from './faults.js';
import { createFleet } from './fleet.js';
import { createCity } from '@fleetstream/geo';

const T0 = 1_700_000_000_000;
const center = { lat: 52.52, lng: 13.405 };
const city = createCity({ center, radiusM: 2000, seed: 5 });

/** 200 drivers for 10 minutes with one fault turned up, the others off. */
function run(faults: Partial<FaultOptions>) {
  const fleet = createFleet({
    drivers: 200,
    seed: 11,
    center,
    radiusM: 2000,
    city,
    faults: { ...NO_FAULTS, ...faults },
  });
  const sent: { tick: number; record: LocationRecord }[] = [];
  for (let t = 0; t < 600; t++)
    for (const record of fleet.tick(T0 + t * 1000, 1)) sent.push({ tick: t, record });
  return { fleet, sent };
}

/** Within `tol` (relative) of the expected rate. */
const near = (measured: number, expected: number, tol = 0.15) => {
  expect(measured).toBeGreaterThan(expected * (1 - tol));
  expect(measured).toBeLessThan(expected * (1 + tol));
};

describe('GPS faults', () => {
  it('sends duplicates at the configured rate, as exact re-sends of the same record', () => {
    const { sent } = run({ duplicateRate: 0.02 });
    let dups = 0;
    for (let i = 1; i < sent.length; i++) {
      const [a, b] = [sent[i - 1]!.record, sent[i]!.record];
      if (a.driverId === b.driverId && a.seq === b.seq) {
        expect(b).toBe(a);
        dups++;
      }
    }
    near(dups / (sent.length - dups), 0.02);
  });

  it('makes outliers at the configured rate, about the configured distance off', () => {
    const { fleet, sent } = run({ outlierRate: 0.01, outlierM: 50 });
    const fixes = sent.filter((s) => s.record.type === 'position').length;
    near(fleet.stats.outliers / fixes, 0.01);
    // Against the same run without outliers, the shifted fixes are 35–70 m away.
    const clean = run({}).sent;
    let far = 0;
    for (let i = 0; i < sent.length; i++) {
      const [a, b] = [sent[i]!.record as PositionRecord, clean[i]!.record as PositionRecord];
      if (a.type !== 'position') continue;
      const d = Math.hypot(
        city.projection.x(a.lng) - city.projection.x(b.lng),
        city.projection.y(a.lat) - city.projection.y(b.lat),
      );
      if (d > 1) {
        expect(d).toBeGreaterThan(34);
        expect(d).toBeLessThan(71);
        far++;
      }
    }
    expect(far).toBe(fleet.stats.outliers);
  });

  it('drops out at the configured rate, then sends the buffered fixes with their own ts and seq', () => {
    const { fleet, sent } = run({ dropoutRate: 0.01, dropoutMaxS: 30 });
    const lastSeq = new Map<string, number>();
    const lastTick = new Map<string, number>();
    let bursts = 0;
    let onTime = 0;
    for (const { tick, record } of sent) {
      expect(record.seq).toBeGreaterThan(lastSeq.get(record.driverId) ?? 0);
      lastSeq.set(record.driverId, record.seq);
      if (record.type !== 'position') continue;
      const fixTick = (record.ts - T0) / 1000;
      expect(fixTick).toBeLessThanOrEqual(tick);
      if (fixTick === tick) onTime++;
      // The first fix of a burst: older than its send tick, after a fix sent on time.
      if (fixTick < tick && (lastTick.get(record.driverId) ?? -1) < tick) bursts++;
      lastTick.set(record.driverId, tick);
    }
    // Each dropout that ended shows up as one burst; a few are still running at the end.
    expect(bursts).toBeLessThanOrEqual(fleet.stats.dropouts);
    expect(bursts).toBeGreaterThan(fleet.stats.dropouts - 200);
    near(fleet.stats.dropouts / onTime, 0.01);
  });

  it('skews the clocks of the configured share of phones, by at most the maximum', () => {
    const { sent } = run({ skewRate: 0.3, skewMaxMs: 2000 });
    const skew = new Map<string, number>();
    for (const { tick, record } of sent) {
      const offset = record.ts - (T0 + tick * 1000);
      expect(skew.get(record.driverId) ?? offset).toBe(offset); // constant per device
      skew.set(record.driverId, offset);
      expect(Math.abs(offset)).toBeLessThanOrEqual(2000);
    }
    const skewed = [...skew.values()].filter((s) => s !== 0).length;
    near(skewed / skew.size, 0.3, 0.25);
  });

  it('turns every fault off with the knobs at zero', () => {
    const { sent, fleet } = run({});
    expect(fleet.stats.outliers + fleet.stats.dropouts).toBe(0);
    for (const { tick, record } of sent) expect(record.ts).toBe(T0 + tick * 1000);
  });
});
