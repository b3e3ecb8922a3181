import { describe, expect, it } from 'vitest';
import type { LocationRecord } from '@fleetstream/contracts';
import { analyticsTrace } from '../testing/analytics-trace.js';
import {
  DEFAULT_SEGMENT_RULES,
  TRIP_DURATION_BOUNDS_S,
  avgSpeedKmh,
  computeGroundTruth,
  durationBucket,
  haversineMeters,
  heatCell,
  heatCellCorner,
  segment,
  timeKeys,
} from './analytics.js';

const T0 = 1_763_784_742_000;
const pos = (driverId: string, seq: number, ts: number, lat: number, lng: number) =>
  ({ type: 'position', v: 1, driverId, deliveryId: null, seq, ts, lat, lng }) as LocationRecord;
const trip = (
  driverId: string,
  seq: number,
  ts: number,
  status: 'assigned' | 'picked_up' | 'delivered' | 'cancelled',
  deliveryId = 'dlv-1',
) =>
  ({
    type: 'trip',
    v: 1,
    driverId,
    deliveryId,
    seq,
    ts,
    status,
    ...(status === 'assigned'
      ? { pickup: { lat: 52.5, lng: 13.4 }, dropoff: { lat: 52.51, lng: 13.41 } }
      : {}),
  }) as LocationRecord;

describe('haversineMeters', () => {
  it('measures one degree of latitude as about 111.2 km', () => {
    expect(haversineMeters({ lat: 0, lng: 0 }, { lat: 1, lng: 0 })).toBeCloseTo(111_195, 0);
  });
  it('is symmetric and zero for the same point', () => {
    const a = { lat: 52.52, lng: 13.405 };
    const b = { lat: 48.8566, lng: 2.3522 };
    expect(haversineMeters(a, a)).toBe(0);
    expect(haversineMeters(a, b)).toBeCloseTo(haversineMeters(b, a), 6);
    // Berlin–Paris: about 877.5 km on a great circle.
    expect(Math.abs(haversineMeters(a, b) / 1000 - 877.5)).toBeLessThan(0.5);
  });
  it('handles antipodes without NaN', () => {
    expect(haversineMeters({ lat: 0, lng: 0 }, { lat: 0, lng: 180 })).toBeCloseTo(
      Math.PI * 6_371_008.8,
      3,
    );
  });
});

describe('segment', () => {
  const a = { lat: 52.5, lng: 13.4, ts: T0 };
  it('counts a plausible move', () => {
    const s = segment(a, { lat: 52.5001, lng: 13.4, ts: T0 + 1000 });
    expect(s.counted).toBe(true);
    expect(s.meters).toBeCloseTo(11.12, 2);
    expect(s.ms).toBe(1000);
  });
  it('leaves out jumps above the speed limit, clocks going back and long silences', () => {
    expect(segment(a, { lat: 52.51, lng: 13.4, ts: T0 + 1000 }).counted).toBe(false); // 1.1 km/s
    expect(segment(a, { lat: 52.5001, lng: 13.4, ts: T0 }).counted).toBe(false);
    expect(segment(a, { lat: 52.5001, lng: 13.4, ts: T0 - 1000 }).counted).toBe(false);
    const gap = DEFAULT_SEGMENT_RULES.maxGapMs;
    expect(segment(a, { lat: 52.5001, lng: 13.4, ts: T0 + gap }).counted).toBe(true);
    expect(segment(a, { lat: 52.5001, lng: 13.4, ts: T0 + gap + 1 }).counted).toBe(false);
  });
  it('takes the limit inclusively', () => {
    const next = { lat: 52.5 + 60 / 111_195, lng: 13.4, ts: T0 + 1000 };
    const rules = { maxSpeedMps: haversineMeters(a, next), maxGapMs: 1000 };
    expect(segment(a, next, rules).counted).toBe(true);
  });
});

describe('heat cells', () => {
  it('floors to the grid, negative coordinates included', () => {
    expect(heatCell(52.5201, 13.4049, 0.01)).toBe('5252:1340');
    expect(heatCell(-33.8688, -151.2093, 0.01)).toBe('-3387:-15121');
    expect(heatCell(0, 0, 0.005)).toBe('0:0');
  });
  it('gives back the south-west corner', () => {
    expect(heatCellCorner('5252:1340', 0.01)).toEqual({ lat: 52.52, lng: 13.4 });
    expect(heatCellCorner('-3387:-15121', 0.01)).toEqual({ lat: -33.87, lng: -151.21 });
    expect(heatCellCorner('nonsense', 0.01)).toBeNull();
  });
});

describe('durationBucket', () => {
  it('puts a duration in the first bucket whose bound it does not exceed', () => {
    expect(durationBucket(0)).toBe(0);
    expect(durationBucket(60)).toBe(0);
    expect(durationBucket(60.001)).toBe(1);
    expect(durationBucket(3600)).toBe(TRIP_DURATION_BOUNDS_S.indexOf(3600));
    expect(durationBucket(1e9)).toBe(TRIP_DURATION_BOUNDS_S.length);
  });
});

describe('timeKeys', () => {
  it('splits a timestamp into minute, second and heat window', () => {
    const k = timeKeys(Date.UTC(2025, 0, 1, 12, 7, 42, 999));
    expect(k.second).toBe(42);
    expect(k.minute * 60_000).toBe(Date.UTC(2025, 0, 1, 12, 7));
    expect(k.heatWindow * 300_000).toBe(Date.UTC(2025, 0, 1, 12, 5));
  });
});

describe('computeGroundTruth', () => {
  it('counts fixes, distance, trips and durations, skipping duplicates and stale records', () => {
    const records: LocationRecord[] = [
      trip('d1', 1, T0, 'assigned'),
      pos('d1', 2, T0 + 1000, 52.5, 13.4),
      pos('d1', 3, T0 + 2000, 52.5001, 13.4),
      pos('d1', 3, T0 + 2000, 52.5001, 13.4), // producer duplicate
      trip('d1', 4, T0 + 30_000, 'picked_up'),
      pos('d1', 2, T0 + 1000, 52.5, 13.4), // stale resend
      pos('d1', 5, T0 + 31_000, 52.6, 13.4), // GPS jump: left out
      pos('d1', 6, T0 + 32_000, 52.5002, 13.4), // the jump back: left out too
      trip('d1', 7, T0 + 150_000, 'delivered'),
      trip('d2', 1, T0, 'assigned', 'dlv-2'),
      trip('d2', 2, T0 + 5000, 'cancelled', 'dlv-2'),
      pos('d2', 3, T0 + 6000, 40, 10),
    ];
    const t = computeGroundTruth(records, { heatCellDeg: 0.01 });
    expect(t.fixes).toBe(5);
    expect(t.tripEvents).toBe(5);
    expect(t.duplicatesSkipped).toBe(2);
    expect(t.outliers).toBe(2);
    expect(t.distanceM).toBeCloseTo(
      haversineMeters({ lat: 52.5, lng: 13.4 }, { lat: 52.5001, lng: 13.4 }),
      9,
    );
    expect(t.movingMs).toBe(1000);
    expect(t.tripsCompleted).toBe(1);
    expect(t.cancellations).toBe(1);
    expect(t.drivers).toBe(2);
    expect(t.distanceByDriverM.get('d2')).toBe(0);
    // assigned at T0, delivered at T0 + 150 s; picked up at T0 + 30 s.
    expect(t.assignedToDelivered).toMatchObject({ count: 1, sumS: 150 });
    expect(t.assignedToDelivered.buckets[durationBucket(150)]).toBe(1);
    expect(t.pickedUpToDelivered).toMatchObject({ count: 1, sumS: 120 });
    expect(t.pickedUpToDelivered.buckets[durationBucket(120)]).toBe(1);
    expect(t.fixesByCell.get('5250:1340')).toBe(3);
    expect([...t.fixesByCell.values()].reduce((a, b) => a + b, 0)).toBe(5);
  });

  it('is unchanged by any number of repeats of records it has seen', () => {
    const trace = analyticsTrace({ drivers: 5, steps: 200, startTs: T0, duplicateRate: 0 });
    const once = computeGroundTruth(trace);
    const twice = computeGroundTruth([...trace, ...trace]);
    expect(twice.duplicatesSkipped).toBe(trace.length);
    expect({ ...twice, duplicatesSkipped: 0 }).toEqual({ ...once, duplicatesSkipped: 0 });
  });

  it('counts every fix of a driver app restarted mid-delivery once, the new session at once', () => {
    const trace = analyticsTrace({ drivers: 12, steps: 150, startTs: T0, reboots: 10, seed: 3 });
    const sessions = new Set(trace.map((r) => `${r.driverId}/${r.session ?? ''}`));
    // 12 drivers, 10 of them with a second session.
    expect(sessions.size).toBe(22);
    const fixes = new Set(
      trace.flatMap((r) => (r.type === 'position' ? [`${r.driverId}/${r.session}/${r.seq}`] : [])),
    );
    const t = computeGroundTruth(trace);
    expect(t.fixes).toBe(fixes.size);
    expect(t.sessionsStarted).toBe(10);
    // Two late records of each dead app, and any producer duplicate of them.
    expect(t.staleSessionSkipped).toBeGreaterThanOrEqual(20);
    // Without sessions, the restarted apps' records would mostly be taken for duplicates.
    const unsessioned = computeGroundTruth(trace.map(({ session: _, ...r }) => r));
    expect(unsessioned.fixes).toBeLessThan(t.fixes - 100);
    expect(t.tripsCompleted).toBeGreaterThan(unsessioned.tripsCompleted);
  });

  it('finds in the test trace every kind of record the acceptance tests need', () => {
    const t = computeGroundTruth(analyticsTrace({ drivers: 10, steps: 300, startTs: T0 }));
    expect(t.fixes).toBeGreaterThan(2500);
    expect(t.duplicatesSkipped).toBeGreaterThan(50);
    expect(t.outliers).toBeGreaterThan(10);
    expect(t.tripsCompleted).toBeGreaterThan(10);
    expect(t.cancellations).toBeGreaterThan(0);
    expect(avgSpeedKmh(t.distanceM, t.movingMs)).toBeGreaterThan(20);
    expect(avgSpeedKmh(t.distanceM, t.movingMs)).toBeLessThan(60);
  });
});

describe('avgSpeedKmh', () => {
  it('is distance over moving time, 0 without time', () => {
    expect(avgSpeedKmh(10_000, 3_600_000)).toBe(10);
    expect(avgSpeedKmh(0, 0)).toBe(0);
  });
});
