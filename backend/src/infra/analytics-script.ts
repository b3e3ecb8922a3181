import type { ChunkEffects, DriverState, TripState } from '../domain/analytics-partition.js';

/**
 * The Redis Lua script that writes one chunk's effects on the analytics aggregates, with the
 * partition's new state and applied offset, in one atomic step: that is where the exactly-once
 * effect comes from. The decisions were taken in TypeScript (domain/analytics-partition.ts) by
 * the member that owns the partition, from the state it holds in memory; the script only adds.
 *
 * Every key it touches is the partition's own, under one hash tag ({@link partitionRoot}), so
 * it runs on one node of a Redis Cluster as on a standalone Redis; readers add the partitions'
 * aggregates up (analytics-queries.ts).
 *
 * It is a compare-and-set on the partition's applied offset: it writes only when the stored
 * offset is still the one the member's state was built on. A chunk applied twice (redelivered
 * after a crash between this write and the Kafka commit), or written by a zombie member whose
 * partition has moved on, finds another offset and changes nothing; the member then reloads
 * the partition's state and applies the chunk again from there.
 *
 * KEYS: the partition's offset key (the script's slot). ARGV: the partition root, expected
 * offset, new offset, retention of time keys (s), effects JSON (see {@link encodeChunkWrite}).
 * Returns {1} when written, or {0, stored offset}.
 */
export const WRITE_ANALYTICS_CHUNK = `
local R = ARGV[1]
local stored = redis.call('GET', KEYS[1]) or '-1'
if stored ~= ARGV[2] then return { 0, stored } end
local retention = ARGV[4]
local fx = cjson.decode(ARGV[5])
local function num(x) return string.format('%.17g', x) end
local totals = R .. 'totals'
for f, n in pairs(fx.t) do redis.call('HINCRBY', totals, f, n) end
if fx.d ~= 0 then redis.call('HINCRBYFLOAT', totals, 'distanceM', num(fx.d)) end
-- [key suffix, {field, n, field, n, ...}] counters that expire after the retention
for _, e in ipairs(fx.c) do
  local k = R .. e[1]
  local fields = e[2]
  for i = 1, #fields, 2 do redis.call('HINCRBY', k, fields[i], fields[i + 1]) end
  redis.call('EXPIRE', k, retention)
end
for _, e in ipairs(fx.hll) do
  local k = R .. 'hll:' .. e[1]
  redis.call('PFADD', k, unpack(e[2]))
  redis.call('EXPIRE', k, retention)
end
for i = 1, #fx.dist, 2 do redis.call('ZINCRBY', R .. 'dist', num(fx.dist[i + 1]), fx.dist[i]) end
for _, h in ipairs(fx.h) do
  local k = R .. 'hist:' .. h[1]
  local b = h[2]
  for i = 1, #b, 2 do redis.call('HINCRBY', k, 'b' .. b[i], b[i + 1]) end
  redis.call('HINCRBY', k, 'count', h[3])
  redis.call('HINCRBYFLOAT', k, 'sumS', num(h[4]))
end
if #fx.drv > 0 then redis.call('HSET', R .. 'drivers', unpack(fx.drv)) end
if #fx.drvDel > 0 then redis.call('HDEL', R .. 'drivers', unpack(fx.drvDel)) end
if #fx.trip > 0 then redis.call('HSET', R .. 'trips', unpack(fx.trip)) end
if #fx.tripDel > 0 then redis.call('HDEL', R .. 'trips', unpack(fx.tripDel)) end
redis.call('SET', KEYS[1], ARGV[3])
return { 1 }
`;

/**
 * Where a partition's aggregates and state live, under the analytics prefix A: every key
 * starts with `A part:{topic:partition}:`, whose braces make it one hash slot of a cluster.
 */
export const partitionRoot = (A: string, field: string) => `${A}part:{${field}}:`;

/** A partition's keys (the script builds the aggregates' names from the root). */
export const partitionKeys = (A: string, field: string) => {
  const root = partitionRoot(A, field);
  return {
    root,
    offset: `${root}offset`,
    drivers: `${root}drivers`,
    dist: `${root}dist`,
    trips: `${root}trips`,
  };
};

/**
 * Before the aggregates were kept per partition (2026-12), one set of them sat directly under
 * A, with the applied offsets in the `A offsets` hash and a partition's state in
 * `A part:topic:partition:drivers|trips`. Readers still add those aggregates in. A partition's
 * state and offset move to its own keys, in one step, the first time a member loads it, and so
 * do its drivers' distances (one member per driver in the whole fleet's sorted set, which
 * readers would otherwise count twice). KEYS: new offset, drivers, trips, dist; old offsets
 * hash, drivers, trips, dist. ARGV: the partition's field in the old hash. A standalone Redis
 * only: a cluster never had them.
 */
export const MOVE_LEGACY_PARTITION = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local o = redis.call('HGET', KEYS[5], ARGV[1])
if not o then return 0 end
if redis.call('EXISTS', KEYS[6]) == 1 then redis.call('RENAME', KEYS[6], KEYS[2]) end
if redis.call('EXISTS', KEYS[7]) == 1 then redis.call('RENAME', KEYS[7], KEYS[3]) end
for _, d in ipairs(redis.call('HKEYS', KEYS[2])) do
  local m = redis.call('ZSCORE', KEYS[8], d)
  if m then
    redis.call('ZINCRBY', KEYS[4], m, d)
    redis.call('ZREM', KEYS[8], d)
  end
end
redis.call('SET', KEYS[1], o)
redis.call('HDEL', KEYS[5], ARGV[1])
return 1
`;

/** A driver's state as stored: short keys, since one is kept per driver of the partition. */
export const encodeDriver = (d: DriverState) =>
  JSON.stringify({
    s: d.cursor.session,
    q: d.cursor.seq,
    x: d.cursor.superseded,
    l: d.last ? [d.last.lat, d.last.lng, d.last.ts] : null,
    n: d.seenTs,
  });

export function decodeDriver(json: string): DriverState {
  const v = JSON.parse(json) as {
    s: string;
    q: number;
    x: string[];
    l: [number, number, number] | null;
    n: number;
  };
  return {
    cursor: { session: v.s, seq: v.q, superseded: v.x },
    ...(v.l ? { last: { lat: v.l[0], lng: v.l[1], ts: v.l[2] } } : {}),
    seenTs: v.n,
  };
}

export const encodeTrip = (t: TripState) =>
  JSON.stringify({ a: t.assigned ?? null, p: t.pickedUp ?? null, n: t.seenTs });

export function decodeTrip(json: string): TripState {
  const v = JSON.parse(json) as { a: number | null; p: number | null; n: number };
  return {
    ...(v.a !== null ? { assigned: v.a } : {}),
    ...(v.p !== null ? { pickedUp: v.p } : {}),
    seenTs: v.n,
  };
}

/** What the script writes for one chunk: the effects, and the partition's changed state. */
export interface ChunkWrite {
  effects: ChunkEffects;
  drivers: ReadonlyMap<string, DriverState>;
  trips: ReadonlyMap<string, TripState>;
  forgottenDrivers: readonly string[];
  forgottenTrips: readonly string[];
}

/** The effects JSON of {@link WRITE_ANALYTICS_CHUNK}: flat arrays, the shape Lua's unpack takes. */
export function encodeChunkWrite(w: ChunkWrite): string {
  const fx = w.effects;
  const t: Record<string, number> = {};
  for (const [f, n] of Object.entries(fx.totals)) if (n !== 0) t[f] = n;
  const counters: [string, (string | number)[]][] = [];
  for (const [minute, perSecond] of fx.fixesPerSecond)
    counters.push([`fps:${minute}`, [...perSecond].flat()]);
  for (const [window, cells] of fx.heat) counters.push([`heat:${window}`, [...cells].flat()]);
  const hist = (
    [
      ['a', fx.assignedToDelivered],
      ['p', fx.pickedUpToDelivered],
    ] as const
  )
    .filter(([, h]) => h.count > 0)
    .map(([name, h]) => [name, [...h.buckets].flat(), h.count, h.sumS]);
  const drv: string[] = [];
  for (const id of fx.changedDrivers) {
    const d = w.drivers.get(id);
    if (d) drv.push(id, encodeDriver(d));
  }
  const trip: string[] = [];
  for (const id of fx.changedTrips) {
    const tr = w.trips.get(id);
    if (tr) trip.push(id, encodeTrip(tr));
  }
  return JSON.stringify({
    // An empty Lua table decodes from both [] and {}: the script only iterates these.
    t,
    d: fx.distanceM,
    c: counters,
    hll: [...fx.driversPerMinute].map(([minute, ds]) => [minute, [...ds]]),
    dist: [...fx.distanceByDriver].flat(),
    h: hist,
    drv,
    drvDel: [...w.forgottenDrivers],
    trip,
    tripDel: [...fx.endedTrips, ...w.forgottenTrips],
  });
}
