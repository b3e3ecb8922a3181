import type { LocationRecord } from '@fleetstream/contracts';
import {
  DEFAULT_SEGMENT_RULES,
  TRIP_DURATION_BOUNDS_S,
  durationBucket,
  heatCell,
  segment,
  timeKeys,
  type Fix,
  type SegmentRules,
} from './analytics.js';
import { isApplied, judgeRecord, type SessionCursor } from './driver-session.js';

/**
 * The analytics rules for one partition, as a pure function of (the partition's state, a chunk
 * of its records): the group member that owns a partition keeps its state in memory, applies
 * chunks here, and writes the effects back with the chunk's offset in one atomic step (Kafka
 * Streams' state store and changelog). Before, every record read and wrote its driver's state
 * in Redis from a Lua script: most of the group's Redis cost.
 */

/** What a partition remembers of one driver. */
export interface DriverState {
  cursor: SessionCursor;
  /** The last applied fix: the next segment is measured from it (across sessions too). */
  last?: Fix;
  /** Device time of the driver's last applied record, for forgetting drivers gone quiet. */
  seenTs: number;
}

/** Device times of a delivery's trip events so far. */
export interface TripState {
  assigned?: number;
  pickedUp?: number;
  seenTs: number;
}

export interface PartitionState {
  /** Last applied offset; -1 when nothing was applied. */
  applied: number;
  drivers: Map<string, DriverState>;
  trips: Map<string, TripState>;
}

export const emptyPartitionState = (): PartitionState => ({
  applied: -1,
  drivers: new Map(),
  trips: new Map(),
});

/** Integer totals; `distanceM` is the one float. */
export const TOTAL_FIELDS = [
  'fixes',
  'tripEvents',
  'duplicates',
  'replays',
  'stale',
  'sessions',
  'outliers',
  'completed',
  'cancelled',
  'movingMs',
] as const;
export type TotalField = (typeof TOTAL_FIELDS)[number];

export interface HistogramDelta {
  /** bucket index → count added */
  buckets: Map<number, number>;
  count: number;
  sumS: number;
}

/** Everything a chunk adds to the shared aggregates, summed over the chunk. */
export interface ChunkEffects {
  totals: Record<TotalField, number>;
  distanceM: number;
  /** epoch minute → second → fixes */
  fixesPerSecond: Map<number, Map<number, number>>;
  /** epoch minute → drivers with a fix in it */
  driversPerMinute: Map<number, Set<string>>;
  /** heat window → cell → fixes */
  heat: Map<number, Map<string, number>>;
  /** driver → metres added (every driver with a fix appears, 0 included) */
  distanceByDriver: Map<string, number>;
  assignedToDelivered: HistogramDelta;
  pickedUpToDelivered: HistogramDelta;
  /** Drivers and trips whose state changed (to write back), and trips that ended (to delete). */
  changedDrivers: Set<string>;
  changedTrips: Set<string>;
  endedTrips: Set<string>;
}

export interface AnalyticsRules {
  segment: SegmentRules;
  heatCellDeg: number;
  bounds: readonly number[];
}

export const DEFAULT_ANALYTICS_RULES: AnalyticsRules = {
  segment: DEFAULT_SEGMENT_RULES,
  heatCellDeg: 0.005,
  bounds: TRIP_DURATION_BOUNDS_S,
};

const histogramDelta = (): HistogramDelta => ({ buckets: new Map(), count: 0, sumS: 0 });

function observe(h: HistogramDelta, ms: number, bounds: readonly number[]) {
  const s = Math.max(0, ms) / 1000;
  const b = durationBucket(s, bounds);
  h.buckets.set(b, (h.buckets.get(b) ?? 0) + 1);
  h.count++;
  h.sumS += s;
}

const bump = <K>(m: Map<K, number>, k: K, n = 1) => m.set(k, (m.get(k) ?? 0) + n);

/**
 * Applies a chunk's records (in partition order, with their offsets) to `state`, in place, and
 * returns what they add to the aggregates. A record at or below `state.applied` is a replay
 * (redelivered after a crash or rebalance) and changes nothing; otherwise its driver's
 * (session, seq) decides (`judgeRecord`). `lastOffset` is the chunk's last offset, invalid
 * records included, so they are never looked at again.
 */
export function applyAnalyticsChunk(
  state: PartitionState,
  records: readonly { offset: number; record: LocationRecord }[],
  lastOffset: number,
  rules: AnalyticsRules = DEFAULT_ANALYTICS_RULES,
): ChunkEffects {
  const fx: ChunkEffects = {
    totals: Object.fromEntries(TOTAL_FIELDS.map((f) => [f, 0])) as Record<TotalField, number>,
    distanceM: 0,
    fixesPerSecond: new Map(),
    driversPerMinute: new Map(),
    heat: new Map(),
    distanceByDriver: new Map(),
    assignedToDelivered: histogramDelta(),
    pickedUpToDelivered: histogramDelta(),
    changedDrivers: new Set(),
    changedTrips: new Set(),
    endedTrips: new Set(),
  };
  const t = fx.totals;
  for (const { offset, record: r } of records) {
    if (offset <= state.applied) {
      t.replays++;
      continue;
    }
    const driver = state.drivers.get(r.driverId);
    const { verdict, cursor } = judgeRecord(driver?.cursor, r);
    if (verdict === 'duplicate') t.duplicates++;
    if (verdict === 'stale') t.stale++;
    if (!isApplied(verdict)) continue;
    if (verdict === 'new-session') t.sessions++;
    const d: DriverState = driver ?? { cursor, seenTs: r.ts };
    d.cursor = cursor;
    d.seenTs = Math.max(d.seenTs, r.ts);
    state.drivers.set(r.driverId, d);
    fx.changedDrivers.add(r.driverId);
    if (r.type === 'position') {
      t.fixes++;
      const k = timeKeys(r.ts);
      let perSecond = fx.fixesPerSecond.get(k.minute);
      if (!perSecond) fx.fixesPerSecond.set(k.minute, (perSecond = new Map()));
      bump(perSecond, k.second);
      let minuteDrivers = fx.driversPerMinute.get(k.minute);
      if (!minuteDrivers) fx.driversPerMinute.set(k.minute, (minuteDrivers = new Set()));
      minuteDrivers.add(r.driverId);
      let cells = fx.heat.get(k.heatWindow);
      if (!cells) fx.heat.set(k.heatWindow, (cells = new Map()));
      bump(cells, heatCell(r.lat, r.lng, rules.heatCellDeg));
      bump(fx.distanceByDriver, r.driverId, 0);
      if (d.last) {
        const s = segment(d.last, r, rules.segment);
        if (s.counted) {
          fx.distanceM += s.meters;
          t.movingMs += s.ms;
          bump(fx.distanceByDriver, r.driverId, s.meters);
        } else t.outliers++;
      }
      d.last = { lat: r.lat, lng: r.lng, ts: r.ts };
      continue;
    }
    t.tripEvents++;
    const trip = state.trips.get(r.deliveryId);
    switch (r.status) {
      case 'assigned':
        // A new assignment starts the trip again, whatever an earlier one left.
        state.trips.set(r.deliveryId, { assigned: r.ts, seenTs: r.ts });
        fx.changedTrips.add(r.deliveryId);
        fx.endedTrips.delete(r.deliveryId);
        break;
      case 'picked_up':
        state.trips.set(r.deliveryId, { ...trip, pickedUp: r.ts, seenTs: r.ts });
        fx.changedTrips.add(r.deliveryId);
        fx.endedTrips.delete(r.deliveryId);
        break;
      case 'delivered':
      case 'cancelled':
        if (r.status === 'delivered') {
          t.completed++;
          if (trip?.assigned !== undefined)
            observe(fx.assignedToDelivered, r.ts - trip.assigned, rules.bounds);
          if (trip?.pickedUp !== undefined)
            observe(fx.pickedUpToDelivered, r.ts - trip.pickedUp, rules.bounds);
        } else t.cancelled++;
        state.trips.delete(r.deliveryId);
        fx.changedTrips.delete(r.deliveryId);
        fx.endedTrips.add(r.deliveryId);
        break;
    }
  }
  state.applied = Math.max(state.applied, lastOffset);
  return fx;
}

/**
 * Drivers and trips quiet for longer than their time to live (by device time, against the
 * newest record the partition has seen), removed from `state`; their ids are returned so the
 * stored copy can forget them too. Memory then follows the active fleet, not every driver ever.
 */
export function forgetQuiet(
  state: PartitionState,
  nowTs: number,
  o: { driverTtlMs: number; tripTtlMs: number },
): { drivers: string[]; trips: string[] } {
  const drivers: string[] = [];
  const trips: string[] = [];
  for (const [id, d] of state.drivers)
    if (nowTs - d.seenTs > o.driverTtlMs) {
      state.drivers.delete(id);
      drivers.push(id);
    }
  for (const [id, tr] of state.trips)
    if (nowTs - tr.seenTs > o.tripTtlMs) {
      state.trips.delete(id);
      trips.push(id);
    }
  return { drivers, trips };
}
