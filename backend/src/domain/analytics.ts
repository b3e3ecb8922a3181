import type { LatLng, LocationRecord } from '@fleetstream/contracts';
import { isApplied, judgeRecord, type SessionCursor } from './driver-session.js';
import { EARTH_RADIUS_M, haversineMeters } from '@fleetstream/geo';

export { EARTH_RADIUS_M, haversineMeters };

/**
 * The rules of the analytics aggregates, as pure functions. The Redis script in
 * infra/analytics-store.ts applies the same rules (it has to, to be atomic with the offsets);
 * `computeGroundTruth` below is the reference the tests hold it to.
 */

/**
 * Which segments between two consecutive fixes of a driver count towards distance and moving
 * time. A segment counts when its time step is positive and at most `maxGapMs`, and its implied
 * speed is at most `maxSpeedMps`: a GPS jump or a device clock going back is left out, and so
 * is a long silence (a straight line over a gap says little about the road driven). The later
 * fix always becomes the driver's last fix, so one bad fix costs at most two segments and a
 * real relocation does not block a driver forever.
 */
export interface SegmentRules {
  /** @default 60 (216 km/h) */
  maxSpeedMps: number;
  /** @default 300 000 (5 min) */
  maxGapMs: number;
}

export const DEFAULT_SEGMENT_RULES: SegmentRules = { maxSpeedMps: 60, maxGapMs: 300_000 };

/** Upper bounds (seconds) of the trip duration histogram buckets; one more bucket holds the rest. */
export const TRIP_DURATION_BOUNDS_S: readonly number[] = [
  60, 120, 300, 600, 900, 1200, 1800, 2700, 3600, 5400,
];

/** Time buckets of the heat grid, by device time. */
export const HEAT_WINDOW_MS = 5 * 60_000;

export interface Fix extends LatLng {
  ts: number;
}

export interface Segment {
  counted: boolean;
  meters: number;
  ms: number;
}

/** The segment from `prev` to `next` under `rules`. */
export function segment(
  prev: Fix,
  next: Fix,
  rules: SegmentRules = DEFAULT_SEGMENT_RULES,
): Segment {
  const meters = haversineMeters(prev, next);
  const ms = next.ts - prev.ts;
  const counted = ms > 0 && ms <= rules.maxGapMs && meters / (ms / 1000) <= rules.maxSpeedMps;
  return { counted, meters, ms };
}

/** The heat grid cell of a point, `row:col` with row = ⌊lat / cellDeg⌋, col = ⌊lng / cellDeg⌋. */
export function heatCell(lat: number, lng: number, cellDeg: number): string {
  return `${Math.floor(lat / cellDeg)}:${Math.floor(lng / cellDeg)}`;
}

/** South-west corner of a cell from `heatCell`, or null when the key is not one. */
export function heatCellCorner(cell: string, cellDeg: number): LatLng | null {
  const m = /^(-?\d+):(-?\d+)$/.exec(cell);
  if (!m) return null;
  // Rounded so 12.3 * 0.005 prints as 0.0615, not 0.061500000000000006.
  const round = (x: number) => Math.round(x * 1e9) / 1e9;
  return { lat: round(Number(m[1]) * cellDeg), lng: round(Number(m[2]) * cellDeg) };
}

/** Index of the histogram bucket for a duration: the first bound it does not exceed. */
export function durationBucket(
  seconds: number,
  bounds: readonly number[] = TRIP_DURATION_BOUNDS_S,
) {
  const i = bounds.findIndex((b) => seconds <= b);
  return i === -1 ? bounds.length : i;
}

/** Time keys of a device timestamp: its epoch minute, second within it, and heat window. */
export function timeKeys(ts: number) {
  return {
    minute: Math.floor(ts / 60_000),
    second: Math.floor(ts / 1000) % 60,
    heatWindow: Math.floor(ts / HEAT_WINDOW_MS),
  };
}

export interface Histogram {
  buckets: number[];
  count: number;
  sumS: number;
}

const emptyHistogram = (bounds: readonly number[]): Histogram => ({
  buckets: new Array<number>(bounds.length + 1).fill(0),
  count: 0,
  sumS: 0,
});

/** Adds one duration (ms, clamped at 0) to a histogram. */
export function observeDuration(
  h: Histogram,
  ms: number,
  bounds: readonly number[] = TRIP_DURATION_BOUNDS_S,
): void {
  const s = Math.max(0, ms) / 1000;
  h.buckets[durationBucket(s, bounds)]!++;
  h.count++;
  h.sumS += s;
}

/** Totals as the analytics group must end up with after applying `records` once each. */
export interface AnalyticsTruth {
  fixes: number;
  tripEvents: number;
  duplicatesSkipped: number;
  /** Records of a session their driver had already superseded. */
  staleSessionSkipped: number;
  sessionsStarted: number;
  outliers: number;
  distanceM: number;
  movingMs: number;
  tripsCompleted: number;
  cancellations: number;
  drivers: number;
  distanceByDriverM: Map<string, number>;
  assignedToDelivered: Histogram;
  pickedUpToDelivered: Histogram;
  fixesByCell: Map<string, number>;
}

/** Average speed in km/h from a distance and the time it took; 0 when no time counted. */
export const avgSpeedKmh = (distanceM: number, movingMs: number) =>
  movingMs > 0 ? distanceM / 1000 / (movingMs / 3_600_000) : 0;

/**
 * The reference model of the aggregates: records in the order one partition delivers them
 * (per-driver order is all that matters), each applied unless it is not newer than its driver's
 * last one by (session, seq) (`judgeRecord`: producer duplicates, stale resends, records of a
 * superseded session). A driver's last fix carries over into its new session.
 */
export function computeGroundTruth(
  records: Iterable<LocationRecord>,
  o: { rules?: SegmentRules; heatCellDeg?: number; bounds?: readonly number[] } = {},
): AnalyticsTruth {
  const rules = o.rules ?? DEFAULT_SEGMENT_RULES;
  const bounds = o.bounds ?? TRIP_DURATION_BOUNDS_S;
  const t: AnalyticsTruth = {
    fixes: 0,
    tripEvents: 0,
    duplicatesSkipped: 0,
    staleSessionSkipped: 0,
    sessionsStarted: 0,
    outliers: 0,
    distanceM: 0,
    movingMs: 0,
    tripsCompleted: 0,
    cancellations: 0,
    drivers: 0,
    distanceByDriverM: new Map(),
    assignedToDelivered: emptyHistogram(bounds),
    pickedUpToDelivered: emptyHistogram(bounds),
    fixesByCell: new Map(),
  };
  const cursors = new Map<string, SessionCursor>();
  const lastFix = new Map<string, Fix>();
  const trips = new Map<string, { assigned?: number; pickedUp?: number }>();
  for (const r of records) {
    const { verdict, cursor } = judgeRecord(cursors.get(r.driverId), r);
    if (verdict === 'duplicate') t.duplicatesSkipped++;
    if (verdict === 'stale') t.staleSessionSkipped++;
    if (!isApplied(verdict)) continue;
    if (verdict === 'new-session') t.sessionsStarted++;
    cursors.set(r.driverId, cursor);
    if (r.type === 'position') {
      t.fixes++;
      if (o.heatCellDeg) {
        const cell = heatCell(r.lat, r.lng, o.heatCellDeg);
        t.fixesByCell.set(cell, (t.fixesByCell.get(cell) ?? 0) + 1);
      }
      if (!t.distanceByDriverM.has(r.driverId)) t.distanceByDriverM.set(r.driverId, 0);
      const prev = lastFix.get(r.driverId);
      if (prev) {
        const s = segment(prev, r, rules);
        if (s.counted) {
          t.distanceM += s.meters;
          t.movingMs += s.ms;
          t.distanceByDriverM.set(r.driverId, t.distanceByDriverM.get(r.driverId)! + s.meters);
        } else t.outliers++;
      }
      lastFix.set(r.driverId, { lat: r.lat, lng: r.lng, ts: r.ts });
      continue;
    }
    t.tripEvents++;
    const trip = trips.get(r.deliveryId) ?? {};
    switch (r.status) {
      case 'assigned':
        trips.set(r.deliveryId, { assigned: r.ts });
        break;
      case 'picked_up':
        trips.set(r.deliveryId, { ...trip, pickedUp: r.ts });
        break;
      case 'delivered':
        t.tripsCompleted++;
        if (trip.assigned !== undefined)
          observeDuration(t.assignedToDelivered, r.ts - trip.assigned, bounds);
        if (trip.pickedUp !== undefined)
          observeDuration(t.pickedUpToDelivered, r.ts - trip.pickedUp, bounds);
        trips.delete(r.deliveryId);
        break;
      case 'cancelled':
        t.cancellations++;
        trips.delete(r.deliveryId);
        break;
    }
  }
  t.drivers = t.distanceByDriverM.size;
  return t;
}
