import { describe, expect, it } from 'vitest';
import type { LocationRecord, PositionRecord } from '@fleetstream/contracts';
import { decodeLocationRecord, encodeLocationRecord } from '@fleetstream/contracts';
import { NO_FAULTS, type FaultOptions } from './faults.js';
import { createFleet, type FleetOptions } from './fleet.js';
import { type City, createCity, pointSegmentDistance } from '@fleetstream/geo';

const T0 = 1_700_000_000_000;
const center = { lat: 52.52, lng: 13.405 };
const city = createCity({ center, radiusM: 1500, seed: 3 });

interface Sent {
  tick: number;
  record: LocationRecord;
}

function run(o: Partial<FleetOptions> & { faults?: Partial<FaultOptions> }, ticks: number) {
  const fleet = createFleet({ drivers: 40, seed: 1, center, radiusM: 1500, city, ...o });
  const sent: Sent[] = [];
  for (let t = 0; t < ticks; t++)
    for (const record of fleet.tick(T0 + t * 1000, 1)) sent.push({ tick: t, record });
  return { fleet, sent, records: sent.map((s) => s.record) };
}

const positions = (records: LocationRecord[]) =>
  records.filter((r): r is PositionRecord => r.type === 'position');

/** Distance from a fix to the nearest open road, in metres (brute force: small city). */
function distanceToRoad(c: City, r: PositionRecord): number {
  const px = c.projection.x(r.lng);
  const py = c.projection.y(r.lat);
  let best = Infinity;
  for (const road of c.roads) {
    if (road.closed) continue;
    const [a, b] = [road.from, road.to];
    best = Math.min(best, pointSegmentDistance(px, py, c.x[a]!, c.y[a]!, c.x[b]!, c.y[b]!));
  }
  return best;
}

const byDriver = (records: LocationRecord[]) => {
  const m = new Map<string, LocationRecord[]>();
  for (const r of records) m.set(r.driverId, [...(m.get(r.driverId) ?? []), r]);
  return m;
};

describe('createFleet', () => {
  const { records, fleet } = run({}, 900);

  it('emits only valid records, seq strictly increasing per driver apart from exact re-sends', () => {
    for (const r of records) expect(decodeLocationRecord(encodeLocationRecord(r)).ok).toBe(true);
    for (const list of byDriver(records).values()) {
      for (let i = 1; i < list.length; i++) {
        const [prev, cur] = [list[i - 1]!, list[i]!];
        if (cur.seq === prev.seq) expect(cur).toEqual(prev);
        else expect(cur.seq).toBeGreaterThan(prev.seq);
      }
    }
    expect(byDriver(records).size).toBe(40);
  });

  it('runs every delivery through a valid lifecycle, one delivery at a time', () => {
    const before: Record<string, string> = {
      assigned: 'none',
      picked_up: 'assigned',
      delivered: 'picked_up',
      cancelled: 'assigned',
    };
    let completed = 0;
    for (const list of byDriver(records).values()) {
      let current: string | null = null;
      let status = 'none';
      // Exact re-sends are the duplicate fault; a consumer drops them by seq.
      const distinct = list.filter((r, i) => i === 0 || r.seq !== list[i - 1]!.seq);
      for (const r of distinct) {
        if (r.type === 'position') {
          expect(r.deliveryId).toBe(current);
          continue;
        }
        expect(before[r.status]).toBe(status);
        if (r.status === 'assigned') {
          expect(r.pickup && r.dropoff).toBeTruthy();
          current = r.deliveryId;
        }
        expect(r.deliveryId).toBe(current);
        status = r.status;
        if (r.status === 'delivered') completed++;
        if (r.status === 'delivered' || r.status === 'cancelled') {
          current = null;
          status = 'none';
        }
      }
    }
    // 15 minutes: most drivers finish at least one delivery.
    expect(completed).toBeGreaterThan(30);
    expect(fleet.stats.delivered).toBe(completed);
  });

  it('gives the same records for the same seed, other records for another', () => {
    expect(run({ seed: 7 }, 120).records).toEqual(run({ seed: 7 }, 120).records);
    expect(run({ seed: 8 }, 120).records).not.toEqual(run({ seed: 7 }, 120).records);
  });

  it('sends its session on every record; a reboot starts a new one with seq from 1', () => {
    expect(new Set(records.map((r) => r.session))).toEqual(new Set([records[0]!.session]));
    const rebooted = run({ session: 'run-a', rebootRate: 0.5 }, 600);
    expect(rebooted.fleet.stats.reboots).toBeGreaterThan(20);
    let restarts = 0;
    for (const list of byDriver(rebooted.records).values()) {
      for (let i = 1; i < list.length; i++) {
        const [prev, cur] = [list[i - 1]!, list[i]!];
        if (cur.session === prev.session) {
          if (cur.seq === prev.seq) expect(cur).toEqual(prev);
          else expect(cur.seq).toBeGreaterThan(prev.seq);
          continue;
        }
        restarts++;
        expect(cur.session).toMatch(/^run-a\.\d+$/);
        expect(cur.seq).toBe(1);
        // Mid-delivery: the new session goes on with the same delivery.
        expect(cur.deliveryId ?? prev.deliveryId).toBe(prev.deliveryId ?? cur.deliveryId);
      }
    }
    // Fewer only when an app went offline at once and was restarted again before it sent anything.
    expect(restarts).toBeGreaterThan(0);
    expect(restarts).toBeLessThanOrEqual(rebooted.fleet.stats.reboots);
  });

  it('moves drivers the same whatever the reboot rate (reboots draw from their own stream)', () => {
    const strip = (rs: LocationRecord[]) =>
      positions(rs).map((r) => `${r.driverId} ${r.ts} ${r.lat} ${r.lng}`);
    const faults = NO_FAULTS;
    expect(strip(run({ faults, rebootRate: 0.3 }, 300).records)).toEqual(
      strip(run({ faults }, 300).records),
    );
  });

  // Same drivers, same records, as long as the per-tick routing budget is not exhausted.
  it('does not depend on how the drivers are split into parts of a tick', () => {
    const whole = createFleet({ drivers: 5, seed: 2, center, radiusM: 1500, city, startupS: 0 });
    const split = createFleet({ drivers: 5, seed: 2, center, radiusM: 1500, city, startupS: 0 });
    const a: LocationRecord[] = [];
    const b: LocationRecord[] = [];
    for (let t = 0; t < 200; t++) {
      a.push(...whole.tick(T0 + t * 1000, 1));
      for (let part = 0; part < 3; part++) b.push(...split.tick(T0 + t * 1000, 1, part, 3));
    }
    const key = (r: LocationRecord) => `${r.driverId}/${r.seq}`;
    expect(b.map(key).sort()).toEqual(a.map(key).sort());
  });

  it('keeps every fix exactly on an open road when the phones are perfect', () => {
    const exact = positions(run({ faults: NO_FAULTS, drivers: 15 }, 400).records);
    const worst = Math.max(...exact.map((r) => distanceToRoad(city, r)));
    expect(worst).toBeLessThan(0.5); // 6-decimal rounding only
    // and they move at courier speeds: at most 5 % over the fastest limit
    expect(Math.max(...exact.map((r) => r.speedMps!))).toBeLessThanOrEqual((50 / 3.6) * 1.05);
  });

  it('keeps noisy fixes within the noise model of a road', () => {
    const fixes = positions(records);
    const d = fixes.map((r) => distanceToRoad(city, r));
    const ordinary = d.filter((x) => x < 25);
    const rms = Math.sqrt(ordinary.reduce((s, x) => s + x * x, 0) / ordinary.length);
    // 5 m is the 68 % radius, so the error across a road has σ ≈ 5 / 1.51 ≈ 3.3 m.
    expect(rms).toBeGreaterThan(2.3);
    expect(rms).toBeLessThan(4);
    expect(Math.max(...d)).toBeLessThan(50 * 1.4 + 25);
  });
});
