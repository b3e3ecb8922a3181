import type { DeliveryState } from '../domain/milestones.js';
import type { DecidedNotification } from '../domain/milestone-partition.js';
import { sourceOf } from './delivery-keys.js';
import { isCluster, type RedisClient } from './redis.js';

/**
 * Detection state of the notifications group, in Redis, kept per Kafka partition: with
 * P = prefix + `nt:` and R = `P{topic:partition}:` (the braces are a cluster hash slot, so a
 * chunk's scripts touch one node of a Redis Cluster):
 * - `R applied` last offset whose effect is in the state
 * - `R d:{deliveryId}` JSON DeliveryState without its route (expires a day after its last
 *   update); `r: 1` in it when the route is kept apart
 * - `R r:{deliveryId}` JSON road route to the dropoff, planned at pickup and written then
 *   only: rewriting a few hundred points with every fix's state was most of a chunk's bytes
 * - `R outbox` hash id → notification (with its source offset) decided but not yet known to be
 *   committed to Kafka
 * - `R watch` sorted set deliveryId → last fix time, for deliveries en route, to notice
 *   couriers who stop sending
 * - `P sunk` set of notification ids a sink has delivered
 * A delivery's records come from its driver's partition, so its state is that partition's.
 *
 * A chunk costs two round trips to Redis: one script reads everything it needs (the applied
 * offset, the states of its deliveries, the silent deliveries with their states, the outbox);
 * another writes its new states, its outbox entries and its last offset, after checking the
 * applied offset is still the one the chunk was computed from, so a stale worker (a zombie after
 * a rebalance) fails instead of overwriting newer state, and reads the outbox back.
 *
 * Before this layout (2026-12) the offsets were one hash (`P applied`), the states
 * `P d:{id}` / `P r:{id}`, outbox and watch `P outbox:{topic}:{partition}`: on a standalone
 * Redis, a partition's offset, outbox and watch list move to its keys the first time a member
 * loads it, and a state not found under the partition is read from where it was.
 */
const LOAD_CHUNK = `
local applied = redis.call('GET', KEYS[1]) or '-1'
local function state(id)
  local v = redis.call('GET', ARGV[1] .. id)
  if not v and ARGV[4] ~= '' then v = redis.call('GET', ARGV[4] .. 'd:' .. id) end
  return v
end
local function route(id)
  local v = redis.call('GET', ARGV[3] .. id)
  if not v and ARGV[4] ~= '' then v = redis.call('GET', ARGV[4] .. 'r:' .. id) end
  return v
end
local states = {}
local routes = {}
for i = 5, #ARGV do
  states[#states + 1] = state(ARGV[i])
  routes[#routes + 1] = route(ARGV[i])
end
local silent = {}
local silentStates = {}
local silentRoutes = {}
if ARGV[2] ~= '' then
  silent = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[2])
  for i, id in ipairs(silent) do
    silentStates[i] = state(id)
    silentRoutes[i] = route(id)
  end
end
return { applied, states, silent, silentStates, redis.call('HVALS', KEYS[2]), routes, silentRoutes }
`;

/**
 * Moves a partition's offset, outbox and watch list from the layout of before to its own keys
 * (standalone Redis only). KEYS: applied, outbox, watch; the old applied hash, outbox, watch.
 * ARGV: the partition's field in the old hash.
 */
const MOVE_LEGACY_PARTITION = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local o = redis.call('HGET', KEYS[4], ARGV[1])
if not o then return 0 end
if redis.call('EXISTS', KEYS[5]) == 1 then redis.call('RENAME', KEYS[5], KEYS[2]) end
if redis.call('EXISTS', KEYS[6]) == 1 then redis.call('RENAME', KEYS[6], KEYS[3]) end
redis.call('SET', KEYS[1], o)
redis.call('HDEL', KEYS[4], ARGV[1])
return 1
`;

const COMMIT_CHUNK = `
local current = redis.call('GET', KEYS[1]) or '-1'
if current ~= ARGV[2] then return 0 end
redis.call('SET', KEYS[1], ARGV[3])
local i = 8
for _ = 1, tonumber(ARGV[4]) do
  redis.call('SET', ARGV[i], ARGV[i + 1], 'EX', 86400)
  i = i + 2
end
for _ = 1, tonumber(ARGV[6]) do
  redis.call('SET', ARGV[i], ARGV[i + 1], 'EX', 7 * 86400)
  i = i + 2
end
for _ = 1, tonumber(ARGV[5]) do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
  i = i + 2
end
-- The watch list: ARGV[7] (score, id) pairs to add, then ids to remove, each in one call of at
-- most 8,000 arguments (unpack's C stack holds about 8,000).
local adds = i + 2 * tonumber(ARGV[7])
for s = i, adds - 1, 8000 do redis.call('ZADD', KEYS[3], unpack(ARGV, s, math.min(s + 7999, adds - 1))) end
for s = adds, #ARGV, 8000 do redis.call('ZREM', KEYS[3], unpack(ARGV, s, math.min(s + 7999, #ARGV))) end
return { 1, redis.call('HVALS', KEYS[2]) }
`;

/** A decided notification waiting in the outbox, with the offset of the record that caused it. */
export type OutboxEntry = DecidedNotification;

/** An outbox entry as stored: with its place among the entries of its chunk. */
type Stored = OutboxEntry & { order?: number };

/** What a chunk starts from (see `load`). */
/** What a chunk needs read: its partition, its deliveries, and from when one counts as silent. */
export interface ChunkRequest {
  topic: string;
  partition: number;
  deliveryIds: readonly string[];
  /** Device time before which a watched delivery's last fix makes it silent; null: none. */
  silentBefore: number | null;
}

export interface ChunkStart {
  /** Last offset applied for the partition, "-1" when none. */
  applied: string;
  /** States of the deliveries asked for that have one. */
  states: Map<string, DeliveryState>;
  /** Deliveries watched on the partition whose last fix is older than `silentBefore`. */
  silent: Map<string, DeliveryState>;
  /** Decided but not yet sent notifications, in the order they were decided. */
  outbox: OutboxEntry[];
}

type Scripted = RedisClient & {
  fsCommitNotifications(
    k1: string,
    k2: string,
    k3: string,
    ...args: string[]
  ): Promise<0 | [1, string[]]>;
  fsMoveLegacyNotifications(...args: string[]): Promise<number>;
  fsLoadNotifications(
    k1: string,
    k2: string,
    k3: string,
    ...args: string[]
  ): Promise<
    [
      string,
      (string | null)[],
      string[],
      (string | null)[],
      string[],
      (string | null)[],
      (string | null)[],
    ]
  >;
};

/** Outbox values in the order they were decided: by source offset, then place in the chunk. */
function readOutbox(values: readonly string[]): OutboxEntry[] {
  const stored = values.map((v) => JSON.parse(v) as Stored);
  stored.sort((a, b) => {
    const d = BigInt(a.sourceOffset) - BigInt(b.sourceOffset);
    return d !== 0n ? (d < 0n ? -1 : 1) : (a.order ?? 0) - (b.order ?? 0);
  });
  return stored.map(({ sourceOffset, notification }) => ({ sourceOffset, notification }));
}

/** States as stored, with their routes put back (states of older writers hold theirs). */
function readStates(
  ids: readonly string[],
  raw: readonly (string | null)[],
  routes: readonly (string | null)[],
  storedRoutes: WeakSet<object>,
) {
  const out = new Map<string, DeliveryState>();
  raw.forEach((v, i) => {
    if (!v) return;
    const state = JSON.parse(v) as DeliveryState & { r?: number };
    const route = routes[i];
    if (state.r === 1 && route) {
      state.route = JSON.parse(route) as NonNullable<DeliveryState['route']>;
      storedRoutes.add(state.route);
    }
    delete state.r;
    out.set(ids[i]!, state);
  });
  return out;
}

export function createNotificationStore(redis: RedisClient, prefix: string) {
  const r = redis as Scripted;
  if (!('fsLoadNotifications' in redis)) {
    redis.defineCommand('fsCommitNotifications', { numberOfKeys: 3, lua: COMMIT_CHUNK });
    redis.defineCommand('fsLoadNotifications', { numberOfKeys: 3, lua: LOAD_CHUNK });
    redis.defineCommand('fsMoveLegacyNotifications', {
      numberOfKeys: 6,
      lua: MOVE_LEGACY_PARTITION,
    });
  }
  /** Routes this store wrote or read: a state whose route is one of them needs no write. */
  const storedRoutes = new WeakSet<object>();
  const P = `${prefix}nt:`;
  const field = sourceOf;
  const root = (topic: string, partition: number) => `${P}{${field(topic, partition)}}:`;
  const keys = {
    applied: (topic: string, partition: number) => `${root(topic, partition)}applied`,
    state: (topic: string, partition: number, deliveryId: string) =>
      `${root(topic, partition)}d:${deliveryId}`,
    route: (topic: string, partition: number, deliveryId: string) =>
      `${root(topic, partition)}r:${deliveryId}`,
    outbox: (topic: string, partition: number) => `${root(topic, partition)}outbox`,
    watch: (topic: string, partition: number) => `${root(topic, partition)}watch`,
    sunk: `${P}sunk`,
  };
  /** The keys of before (a standalone Redis may hold them; a cluster never had them). */
  const legacy = isCluster(redis)
    ? null
    : {
        applied: `${P}applied`,
        outbox: (topic: string, partition: number) => `${P}outbox:${field(topic, partition)}`,
        watch: (topic: string, partition: number) => `${P}watch:${field(topic, partition)}`,
      };
  /** Partitions this store has looked for keys of before. */
  const moved = new Set<string>();
  const moveLegacy = async (topic: string, partition: number) => {
    if (!legacy || moved.has(field(topic, partition))) return;
    await r.fsMoveLegacyNotifications(
      keys.applied(topic, partition),
      keys.outbox(topic, partition),
      keys.watch(topic, partition),
      legacy.applied,
      legacy.outbox(topic, partition),
      legacy.watch(topic, partition),
      field(topic, partition),
    );
    moved.add(field(topic, partition));
  };

  return {
    keys,
    /** Last offset applied for a partition, "-1" when none. */
    async applied(topic: string, partition: number): Promise<string> {
      await moveLegacy(topic, partition);
      return (await redis.get(keys.applied(topic, partition))) ?? '-1';
    },
    /** The states of deliveries of a partition, those not found under it read where they were. */
    async states(
      topic: string,
      partition: number,
      deliveryIds: readonly string[],
    ): Promise<Map<string, DeliveryState>> {
      if (deliveryIds.length === 0) return new Map();
      const ids = [...deliveryIds];
      const raw = await redis.mget([
        ...ids.map((id) => keys.state(topic, partition, id)),
        ...ids.map((id) => keys.route(topic, partition, id)),
      ]);
      const states = raw.slice(0, ids.length);
      const routes = raw.slice(ids.length);
      const missing = ids.flatMap((id, i) => (states[i] === null ? [i] : []));
      if (legacy && missing.length > 0) {
        const old = await redis.mget([
          ...missing.map((i) => `${P}d:${ids[i]}`),
          ...missing.map((i) => `${P}r:${ids[i]}`),
        ]);
        missing.forEach((i, j) => {
          states[i] = old[j] ?? null;
          routes[i] = old[missing.length + j] ?? null;
        });
      }
      return readStates(ids, states, routes, storedRoutes);
    },
    /**
     * Everything a chunk starts from, in one round trip: the partition's applied offset, the
     * states of `deliveryIds`, the deliveries silent since `silentBefore` (none when null) with
     * their states, and the outbox.
     */
    async load(c: ChunkRequest): Promise<ChunkStart> {
      await moveLegacy(c.topic, c.partition);
      const [applied, states, silent, silentStates, outbox, routes, silentRoutes] =
        await r.fsLoadNotifications(
          keys.applied(c.topic, c.partition),
          keys.outbox(c.topic, c.partition),
          keys.watch(c.topic, c.partition),
          keys.state(c.topic, c.partition, ''),
          c.silentBefore === null ? '' : String(c.silentBefore),
          keys.route(c.topic, c.partition, ''),
          legacy ? P : '',
          ...c.deliveryIds,
        );
      return {
        applied,
        states: readStates(c.deliveryIds, states, routes, storedRoutes),
        silent: readStates(silent, silentStates, silentRoutes, storedRoutes),
        outbox: readOutbox(outbox),
      };
    },
    /**
     * Writes a chunk's effect atomically if the partition is still at `expectedApplied`, and
     * resolves with the outbox after it (in the order decided). Resolves null when another
     * worker got there first.
     */
    async commitChunk(c: {
      topic: string;
      partition: number;
      expectedApplied: string;
      newApplied: string;
      states: DeliveryState[];
      outbox: OutboxEntry[];
      /** deliveryId → last fix time, or null to stop watching. */
      watch: Map<string, number | null>;
    }): Promise<OutboxEntry[] | null> {
      const newRoutes = c.states.filter((s) => s.route && !storedRoutes.has(s.route));
      await moveLegacy(c.topic, c.partition);
      const args = [
        '',
        c.expectedApplied,
        c.newApplied,
        String(c.states.length),
        String(c.outbox.length),
        String(newRoutes.length),
        '',
      ];
      for (const s of c.states) {
        const { route, ...rest } = s;
        args.push(
          keys.state(c.topic, c.partition, s.deliveryId),
          JSON.stringify({ ...rest, r: route ? 1 : 0 }),
        );
      }
      // The script reads states, routes, outbox entries, then the watch list.
      for (const s of newRoutes)
        args.push(keys.route(c.topic, c.partition, s.deliveryId), JSON.stringify(s.route));
      // The hash forgets insertion order: each entry keeps its place in the chunk, so the outbox
      // is read back (and sent) in the order the notifications were decided.
      c.outbox.forEach((e, i) =>
        args.push(e.notification.id, JSON.stringify({ ...e, order: i } satisfies Stored)),
      );
      // The watch list: (score, id) pairs to add, their count in args[6], then ids to forget.
      const forget: string[] = [];
      let watched = 0;
      for (const [id, ts] of c.watch) {
        if (ts === null) forget.push(id);
        else {
          args.push(String(ts), id);
          watched++;
        }
      }
      args[6] = String(watched);
      for (const id of forget) args.push(id);
      const done = await r.fsCommitNotifications(
        keys.applied(c.topic, c.partition),
        keys.outbox(c.topic, c.partition),
        keys.watch(c.topic, c.partition),
        ...args,
      );
      if (done === 0) return null;
      for (const s of newRoutes) storedRoutes.add(s.route!);
      return readOutbox(done[1]);
    },
    /** The deliveries watched on a partition (they may fall silent), by their last fix time. */
    async watched(topic: string, partition: number): Promise<Map<string, number>> {
      await moveLegacy(topic, partition);
      const flat = await redis.zrange(keys.watch(topic, partition), 0, -1, 'WITHSCORES');
      const out = new Map<string, number>();
      for (let i = 0; i < flat.length; i += 2) out.set(flat[i]!, Number(flat[i + 1]));
      return out;
    },
    /** Decided but not yet sent notifications, in the order they were decided. */
    async outbox(topic: string, partition: number): Promise<OutboxEntry[]> {
      await moveLegacy(topic, partition);
      return readOutbox(await redis.hvals(keys.outbox(topic, partition)));
    },
    async clearOutbox(topic: string, partition: number, ids: readonly string[]): Promise<void> {
      if (ids.length > 0) await redis.hdel(keys.outbox(topic, partition), ...ids);
    },
    /** True the first time a sink delivered this id. */
    async markSunk(id: string): Promise<boolean> {
      return (await redis.sadd(keys.sunk, id)) === 1;
    },
    async isSunk(id: string): Promise<boolean> {
      return (await redis.sismember(keys.sunk, id)) === 1;
    },
  };
}

export type NotificationStore = ReturnType<typeof createNotificationStore>;
