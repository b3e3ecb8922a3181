import { describe, expect, it } from 'vitest';
import type { LocationRecord } from '@fleetstream/contracts';
import { cityGeoJson, createRoadNetwork, polylineLength, toPolyline } from '@fleetstream/geo';
import { DEFAULT_MILESTONE_SETTINGS } from '@fleetstream/backend/domain/milestones';
import {
  applyPartition,
  type PartitionRecord,
} from '@fleetstream/backend/domain/milestone-partition';
import { createRouteProgress } from '@fleetstream/backend/domain/route-progress';
import { createFleet } from '@fleetstream/driver-simulator/fleet';
import { openCity } from '@fleetstream/driver-simulator/open-city';

const T0 = Date.UTC(2026, 0, 5, 12);
const HOUR_S = 3600;

const quantile = (xs: readonly number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

/**
 * The demo, without Kafka: the default fleet (Monaco, GPS faults on, seeded) drives for an hour
 * of device time, and its trace goes through the notifications group's own decision function
 * with the road network the simulator writes for the backend, as one partition.
 */
function replayDemo() {
  const { city } = openCity({
    city: 'monaco',
    osm: null,
    center: { lat: 0, lng: 0 },
    radiusM: 0,
    seed: 42,
  });
  const roads = createRoadNetwork(JSON.parse(JSON.stringify(cityGeoJson(city))));
  const fleet = createFleet({ drivers: 50, seed: 42, city, startupS: 30 });
  const records: PartitionRecord[] = [];
  for (let s = 0; s < HOUR_S; s++)
    for (const record of fleet.tick(T0 + s * 1000, 1))
      records.push({ offset: String(records.length), record });
  const { decided } = applyPartition(
    records,
    () => undefined,
    [],
    DEFAULT_MILESTONE_SETTINGS,
    createRouteProgress(() => roads),
  );
  return {
    records: records.map((r) => r.record),
    notifications: decided.map((d) => d.notification),
    roads,
  };
}

describe('a replayed demo trace through the milestone rules', () => {
  const { records, notifications, roads } = replayDemo();
  const at = (milestone: string) =>
    new Map(
      notifications.filter((n) => n.milestone === milestone).map((n) => [n.deliveryId, n.ts]),
    );
  const pickedUp = at('picked_up');
  const nearby = at('nearby');
  const gapsS = [...nearby].map(([id, ts]) => (ts - pickedUp.get(id)!) / 1000);

  it('never says "nearby" within 60 s of "picked up" (device time)', () => {
    expect(pickedUp.size).toBeGreaterThan(150);
    for (const [id] of nearby) expect(pickedUp.has(id)).toBe(true);
    expect(Math.min(...gapsS)).toBeGreaterThanOrEqual(60);
    // Still sent, and minutes into the ride: most deliveries get it, well after the pickup.
    expect(nearby.size / pickedUp.size).toBeGreaterThan(0.7);
    expect(quantile(gapsS, 0.5)).toBeGreaterThan(180);
  });

  it('comes from trips of realistic length: a median of 2–4 km by road', () => {
    const lengthsKm = records.flatMap((r: LocationRecord) => {
      if (r.type !== 'trip' || r.status !== 'assigned' || !r.pickup || !r.dropoff) return [];
      const path = roads.route(r.pickup, r.dropoff);
      return path ? [polylineLength(toPolyline(path)) / 1000] : [];
    });
    expect(quantile(lengthsKm, 0.5)).toBeGreaterThan(2);
    expect(quantile(lengthsKm, 0.5)).toBeLessThan(4);
    expect(quantile(lengthsKm, 0.1)).toBeGreaterThan(0.5);
  });
});
