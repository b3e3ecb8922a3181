import type { LocationRecord } from '@fleetstream/contracts';
import { DEFAULT_SEGMENT_RULES, TRIP_DURATION_BOUNDS_S } from '../domain/analytics.js';
import {
  applyAnalyticsChunk,
  emptyPartitionState,
  forgetQuiet,
  type AnalyticsRules,
  type PartitionState,
} from '../domain/analytics-partition.js';
import {
  MOVE_LEGACY_PARTITION,
  WRITE_ANALYTICS_CHUNK,
  decodeDriver,
  decodeTrip,
  encodeChunkWrite,
  partitionKeys,
} from './analytics-script.js';
import { createAnalyticsQueries } from './analytics-queries.js';
import { isCluster, type RedisClient } from './redis.js';

/**
 * The analytics aggregates in Redis, kept per Kafka partition so that one chunk's write touches
 * one hash slot (a Redis Cluster runs it on one node). Keys, with A = prefix + `an:` and
 * R = `A part:{topic:partition}:` (the braces are the slot's hash tag), and what bounds their
 * memory:
 * - `A parts` set of the `topic:partition` fields that have an R (readers add them up)
 * - `R offset` last applied offset
 * - `R totals` hash of counters since the start (fixed size)
 * - `R drivers` hash driverId → the driver's state in that partition (session, seq, superseded
 *   sessions, last fix): the owning member's state store, read once when it takes the
 *   partition; a driver quiet for `driverTtlS` (device time) is forgotten
 * - `R dist` sorted set driverId → metres driven (one member per driver of the partition)
 * - `R fps:{epochMinute}` hash second → fixes, `R hll:{epochMinute}` HyperLogLog of drivers
 *   (≤ 12 KB), `R heat:{5-minute window}` hash cell → fixes: each expires `retentionS` after
 *   its last write
 * - `R trips` hash deliveryId → assigned / picked_up times: deleted on delivered or
 *   cancelled, forgotten `tripTtlS` after its last event (abandoned trips)
 * - `R hist:a`, `R hist:p` duration histograms (fixed size)
 * Time keys use device time (`ts`), so a replay lands in the same buckets. A driver's records
 * are all in one partition (the key is the driver), so the partitions' driver counts add up.
 * Aggregates written before this layout stay directly under A and are added in by readers.
 */
export interface AnalyticsStoreOptions {
  /** Redis key prefix of the deployment; `an:` is appended. */
  prefix: string;
  /** Lifetime of time-series and heat keys after their last write. @default 7200 */
  retentionS?: number;
  /** Side of a heat grid cell in degrees. @default 0.005 (about 550 m of latitude) */
  heatCellDeg?: number;
  /** @default 60 */
  maxSpeedMps?: number;
  /** @default 300 000 */
  maxGapMs?: number;
  /** @default 86 400 */
  driverTtlS?: number;
  /** @default 43 200 */
  tripTtlS?: number;
  /** Minutes of device time `activeDrivers` looks back. @default 5 */
  activeWindowMin?: number;
}

/** One decoded record with its Kafka offset. */
export interface OffsetRecord {
  offset: string;
  record: LocationRecord;
}

export interface ChunkResult {
  applied: number;
  duplicates: number;
  replays: number;
  /** Records of a session their driver had already superseded. */
  stale: number;
}

type Scripted = RedisClient & {
  fsWriteAnalyticsChunk(...args: string[]): Promise<[number, string?]>;
  fsMoveLegacyAnalytics(...args: string[]): Promise<number>;
};

/** How often (device time) a partition's quiet drivers and abandoned trips are forgotten. */
const FORGET_EVERY_MS = 10 * 60_000;

export function createAnalyticsStore(redis: RedisClient, o: AnalyticsStoreOptions) {
  const P = `${o.prefix}an:`;
  const retentionS = o.retentionS ?? 7200;
  const heatCellDeg = o.heatCellDeg ?? 0.005;
  const activeWindowMin = o.activeWindowMin ?? 5;
  const bounds = TRIP_DURATION_BOUNDS_S;
  const rules: AnalyticsRules = {
    segment: {
      maxSpeedMps: o.maxSpeedMps ?? DEFAULT_SEGMENT_RULES.maxSpeedMps,
      maxGapMs: o.maxGapMs ?? DEFAULT_SEGMENT_RULES.maxGapMs,
    },
    heatCellDeg,
    bounds,
  };
  const ttl = {
    driverTtlMs: (o.driverTtlS ?? 86_400) * 1000,
    tripTtlMs: (o.tripTtlS ?? 43_200) * 1000,
  };
  const r = redis as Scripted;
  if (!('fsWriteAnalyticsChunk' in redis)) {
    redis.defineCommand('fsWriteAnalyticsChunk', { numberOfKeys: 1, lua: WRITE_ANALYTICS_CHUNK });
    redis.defineCommand('fsMoveLegacyAnalytics', { numberOfKeys: 8, lua: MOVE_LEGACY_PARTITION });
  }
  const legacy = {
    offsets: `${P}offsets`,
    drivers: (field: string) => `${P}part:${field}:drivers`,
    trips: (field: string) => `${P}part:${field}:trips`,
  };

  /**
   * The state of each partition this member applied chunks of, in memory (it owns them: no
   * one else writes their state while it does). Loaded from Redis the first time, and again
   * whenever a write finds that the stored offset moved on (the partition was someone
   * else's meanwhile) or a write failed.
   */
  const states = new Map<string, PartitionState & { forgetAt: number }>();

  async function loadPartition(field: string) {
    const keys = partitionKeys(P, field);
    // Readers find the partition's aggregates through the set: listed before the first write.
    await redis.sadd(`${P}parts`, field);
    if (!isCluster(redis)) {
      const now = [keys.offset, keys.drivers, keys.trips, keys.dist];
      const old = [legacy.offsets, legacy.drivers(field), legacy.trips(field), `${P}dist`];
      await r.fsMoveLegacyAnalytics(...now, ...old, field);
    }
    const [offset, drivers, trips] = await Promise.all([
      redis.get(keys.offset),
      redis.hgetall(keys.drivers),
      redis.hgetall(keys.trips),
    ]);
    const state = {
      ...emptyPartitionState(),
      applied: offset === null ? -1 : Number(offset),
      forgetAt: 0,
    };
    for (const [id, json] of Object.entries(drivers)) state.drivers.set(id, decodeDriver(json));
    for (const [id, json] of Object.entries(trips)) state.trips.set(id, decodeTrip(json));
    states.set(field, state);
    return state;
  }

  const offsetField = (topic: string, partition: number) => `${topic}:${partition}`;

  return {
    heatCellDeg,

    /** The last applied offset of a partition, or -1. */
    async appliedOffset(topic: string, partition: number): Promise<number> {
      const field = offsetField(topic, partition);
      const v =
        (await redis.get(partitionKeys(P, field).offset)) ??
        (await redis.hget(legacy.offsets, field));
      return v === null ? -1 : Number(v);
    },

    /** Every partition's last applied offset, by `topic:partition`. */
    async appliedOffsets(): Promise<Record<string, number>> {
      const [fields, old] = await Promise.all([
        redis.smembers(`${P}parts`),
        redis.hgetall(legacy.offsets),
      ]);
      const now = await Promise.all(fields.map((f) => redis.get(partitionKeys(P, f).offset)));
      const all: Record<string, number> = {};
      for (const [f, v] of Object.entries(old)) all[f] = Number(v);
      fields.forEach((f, i) => {
        const v = now[i];
        if (v !== null && v !== undefined) all[f] = Number(v);
      });
      return all;
    },

    /**
     * Applies a chunk of one partition atomically, exactly once per offset. `lastOffset` is the
     * chunk's last offset, invalid records included, so they are never looked at again.
     */
    async applyChunk(
      topic: string,
      partition: number,
      lastOffset: string,
      records: readonly OffsetRecord[],
    ): Promise<ChunkResult> {
      const field = offsetField(topic, partition);
      const chunk = records.map((x) => ({ offset: Number(x.offset), record: x.record }));
      for (let attempt = 0; ; attempt++) {
        const state = states.get(field) ?? (await loadPartition(field));
        const expected = String(state.applied);
        // The state is changed in place; any failure below drops it, to be loaded again.
        states.delete(field);
        const effects = applyAnalyticsChunk(state, chunk, Number(lastOffset), rules);
        const newest = chunk.reduce((m, x) => Math.max(m, x.record.ts), 0);
        const forgotten =
          newest >= state.forgetAt ? forgetQuiet(state, newest, ttl) : { drivers: [], trips: [] };
        if (newest >= state.forgetAt) state.forgetAt = newest + FORGET_EVERY_MS;
        const keys = partitionKeys(P, field);
        const [written] = await r.fsWriteAnalyticsChunk(
          keys.offset,
          keys.root,
          expected,
          String(state.applied),
          String(retentionS),
          encodeChunkWrite({
            effects,
            drivers: state.drivers,
            trips: state.trips,
            forgottenDrivers: forgotten.drivers,
            forgottenTrips: forgotten.trips,
          }),
        );
        if (written === 1) {
          states.set(field, state);
          const t = effects.totals;
          return {
            applied: t.fixes + t.tripEvents,
            duplicates: t.duplicates,
            replays: t.replays,
            stale: t.stale,
          };
        }
        // Someone else applied this partition meanwhile: start again from what they wrote.
        if (attempt >= 3)
          throw new Error(`analytics partition ${field} keeps moving under this member`);
      }
    },

    /** Forgets the in-memory state of partitions this member no longer owns. */
    release(topic: string, partition: number) {
      states.delete(offsetField(topic, partition));
    },

    ...createAnalyticsQueries(redis, { P, activeWindowMin, heatCellDeg }),
  };
}

export type AnalyticsStore = ReturnType<typeof createAnalyticsStore>;
