import { describe, expect, it } from 'vitest';
import type { LocationRecord } from '@fleetstream/contracts';
import { decodeLocationRecord, encodeLocationRecord } from '@fleetstream/contracts';
import { createFleet } from './fleet.js';

function run(seed: number, ticks: number) {
  const fleet = createFleet({
    drivers: 20,
    seed,
    center: { lat: 52.52, lng: 13.405 },
    radiusM: 800,
    pickupWaitS: 5,
  });
  const out: LocationRecord[] = [];
  for (let t = 0; t < ticks; t++) out.push(...fleet.tick(1_700_000_000_000 + t * 1000, 1));
  return out;
}

describe('createFleet', () => {
  it('emits valid records with strictly increasing seq per driver', () => {
    const records = run(1, 600);
    const last = new Map<string, number>();
    for (const r of records) {
      expect(decodeLocationRecord(encodeLocationRecord(r)).ok).toBe(true);
      expect(r.seq).toBeGreaterThan(last.get(r.driverId) ?? 0);
      last.set(r.driverId, r.seq);
    }
    expect(last.size).toBe(20);
  });

  it('runs each delivery through assigned → picked_up → delivered in order', () => {
    const records = run(2, 900);
    const byDelivery = new Map<string, string[]>();
    for (const r of records) {
      if (r.type !== 'trip') continue;
      byDelivery.set(r.deliveryId, [...(byDelivery.get(r.deliveryId) ?? []), r.status]);
    }
    const completed = [...byDelivery.values()].filter((s) => s.includes('delivered'));
    expect(completed.length).toBeGreaterThan(5);
    for (const s of byDelivery.values()) {
      expect([
        'assigned',
        'assigned,picked_up',
        'assigned,picked_up,delivered',
        'assigned,cancelled',
      ]).toContain(s.join(','));
    }
  });

  it('is deterministic for a seed', () => {
    expect(run(7, 50)).toEqual(run(7, 50));
  });
});
