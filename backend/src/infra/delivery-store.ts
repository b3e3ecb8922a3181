import type {
  DeliveryView,
  NotificationMessage,
  NotificationRecord,
  PositionMessage,
  PositionRecord,
  Route,
  SnapshotMessage,
  StatusMessage,
  TrailPoint,
  TripRecord,
  TripStatus,
} from '@fleetstream/contracts';
import { sessionOf } from '../domain/driver-session.js';
import type { RedisClient } from './redis.js';
import { SESSION_ORDER_LUA } from './session-order-lua.js';

/**
 * The live state of deliveries in Redis, and the pub/sub channel gateways listen on.
 *
 * Keys (prefix P):
 * - `P:dlv:{id}` hash: seq, session, superseded (JSON list), rev, status, statusTs, driverId,
 *   pickup, dropoff, position (JSON), updatedAt
 * - `P:dlv:{id}:trail` sorted set of trail points scored by rev (the delivery's update count),
 *   capped
 * - `P:active` sorted set of active delivery ids scored by the device time of their last record,
 *   so a replay of old records never makes an old delivery look active
 * - channel `P:live:{id}`: every position/status message, in order
 *
 * Updates are applied by one Lua script per chunk (a partition's records, in order): each
 * update is applied only when it is newer than what the delivery has by the contract's
 * (driver, session, seq) rule, and is published in the same atomic step. So a replayed or resent
 * chunk (ioredis resends after a reconnect; Kafka redelivers after a crash) changes nothing and
 * publishes nothing twice, and the latest position never goes back in time. One script call per chunk instead of per record: Redis's cost of a
 * script call (argument tables, effects propagation) was most of the cost of a position.
 */
export interface DeliveryStoreOptions {
  prefix: string;
  /** Points kept in the trail. @default 100 */
  trailLength?: number;
  /** How long a finished delivery stays readable. @default 2 h */
  finishedRetentionS?: number;
}

/** Progress and ETA range live-push adds to a position message. */
export interface PositionEta {
  remainingM: number;
  etaMinS: number;
  etaMaxS: number;
}

/** One update of a chunk, applied in the chunk's order. */
export type DeliveryUpdate =
  | { type: 'position'; position: PositionRecord & { deliveryId: string }; eta?: PositionEta }
  | { type: 'trip'; trip: TripRecord; route?: Route | null };

/**
 * ARGV: prefix, trail length, finished retention (s), now, then the updates one after another:
 * `p, deliveryId, seq, session, message, trail point, driverId, ts` or
 * `t, deliveryId, seq, session, status, pickup|'', dropoff|'', ts, message, driverId, route|''`.
 * Returns one character per update, '1' applied (and published) or '0' not newer.
 *
 * Whether an update is newer is the contract's (driver, session, seq) rule, judged per delivery
 * (a delivery is one driver's) by the shared Lua `judge`: the delivery keeps its driver's current
 * session and the superseded ones, so after an app restart (seq from 1 again) the new session's
 * records apply, and the old session's records, replayed or late, never do. `rev` counts the
 * delivery's applied updates across sessions: trail points are scored by it and every message
 * carries it, because seq alone no longer orders a delivery's messages. A legacy delivery (no
 * `rev` yet) starts counting from its seq, which keeps its trail's order.
 *
 * Per delivery, the stored state is read once and followed in the script; its latest position,
 * new trail points (then the trim) and active score are written once, before its next trip event
 * or at the end, which leaves the same state as writing them at every update (nothing else runs
 * in between). Every applied update is still published, in order. Keys are built from the
 * prefix, like the analytics script: a standalone Redis, or a cluster where the prefix is a hash
 * tag.
 */
const APPLY_UPDATES = `${SESSION_ORDER_LUA}
local P = ARGV[1]
local trailLength = tonumber(ARGV[2])
local retentionS = ARGV[3]
local now = ARGV[4]
local active = P .. 'active'
local TRIM_EVERY = 32
local known = {}
local scores = {}
local out = {}
-- Messages are JSON objects built by the worker; the revision is only known here, so it is
-- appended before the closing brace (cheaper than a cjson round trip per message).
local function withRev(message, rev)
  return string.sub(message, 1, -2) .. ',"rev":' .. rev .. '}'
end
-- The delivery's order state, written with every change of its seq.
local function cursorFields(s)
  local fields = { 'seq', s.seqText, 'session', s.c.session, 'rev', s.rev }
  if s.c.supersededChanged then
    fields[#fields + 1] = 'superseded'
    fields[#fields + 1] = encodeSuperseded(s.c.superseded)
    s.c.supersededChanged = false
  end
  return fields
end
-- The delivery's latest position and new trail points, written once per delivery (before its
-- next trip event, or at the end): fewer commands, and fewer bytes in the append-only file.
local function flush(s)
  if s.pmessage then
    redis.call('HSET', s.key, 'position', s.pmessage, 'driverId', s.pdriver, 'updatedAt', now, unpack(cursorFields(s)))
    s.pmessage = nil
  end
  if #s.points > 0 then
    redis.call('ZADD', s.trail, unpack(s.points))
    -- Trimmed each time the delivery's revision passes a multiple of TRIM_EVERY, not at every
    -- flush: the trail holds at most trailLength + TRIM_EVERY points, and the snapshot reads
    -- the newest trailLength, the same points as trimming every time would leave.
    local block = math.floor(s.rev / TRIM_EVERY)
    if block ~= s.trimBlock then
      redis.call('ZREMRANGEBYRANK', s.trail, 0, -(trailLength + 1))
      s.trimBlock = block
    end
    s.points = {}
    if s.status == 'delivered' or s.status == 'cancelled' then redis.call('EXPIRE', s.trail, retentionS) end
  end
end
local n = #ARGV
local i = 5
while i <= n do
  local kind, id, seqArg, session = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local s = known[id]
  if not s then
    local key = P .. 'dlv:' .. id
    local h = redis.call('HMGET', key, 'seq', 'status', 'session', 'superseded', 'rev')
    local c = { seq = tonumber(h[1]), session = h[3] or '', superseded = decodeSuperseded(h[4]) }
    s = { key = key, trail = key .. ':trail', channel = P .. 'live:' .. id, c = c, status = h[2] or '', points = {},
      rev = tonumber(h[5] or h[1] or '0') }
    s.trimBlock = math.floor(s.rev / TRIM_EVERY)
    known[id] = s
  end
  local verdict = judge(s.c, session, tonumber(seqArg))
  local fresh = verdict == 'a' or verdict == 'n'
  -- The seq is written back as it came: Lua would print a large number in exponent form.
  if fresh then s.rev, s.seqText = s.rev + 1, seqArg end
  if kind == 'p' then
    if fresh then
      local message = withRev(ARGV[i + 4], s.rev)
      s.pmessage, s.pdriver = message, ARGV[i + 6]
      s.points[#s.points + 1] = s.rev
      s.points[#s.points + 1] = ARGV[i + 5]
      if s.status ~= 'delivered' and s.status ~= 'cancelled' then scores[id] = ARGV[i + 7] end
      redis.call('PUBLISH', s.channel, message)
    end
    i = i + 8
  else
    if fresh then
      flush(s)
      local status = ARGV[i + 4]
      redis.call('HSET', s.key, 'status', status, 'statusTs', ARGV[i + 7], 'driverId', ARGV[i + 9], 'updatedAt', now, unpack(cursorFields(s)))
      if ARGV[i + 5] ~= '' then redis.call('HSET', s.key, 'pickup', ARGV[i + 5]) end
      if ARGV[i + 6] ~= '' then redis.call('HSET', s.key, 'dropoff', ARGV[i + 6]) end
      if ARGV[i + 10] ~= '' then redis.call('HSET', s.key, 'route', ARGV[i + 10]) end
      if status == 'delivered' or status == 'cancelled' then
        scores[id] = false
        redis.call('ZREM', active, id)
        redis.call('EXPIRE', s.key, retentionS)
        redis.call('EXPIRE', s.trail, retentionS)
      else
        redis.call('PERSIST', s.key)
        scores[id] = ARGV[i + 7]
      end
      s.status = status
      redis.call('PUBLISH', s.channel, withRev(ARGV[i + 8], s.rev))
    end
    i = i + 11
  end
  out[#out + 1] = fresh and '1' or '0'
end
for _, s in pairs(known) do flush(s) end
-- One ZADD for the chunk's active deliveries (in slices well inside Lua's stack limit).
local pending = {}
for id, score in pairs(scores) do
  if score then
    pending[#pending + 1] = score
    pending[#pending + 1] = id
    if #pending >= 1000 then
      redis.call('ZADD', active, unpack(pending))
      pending = {}
    end
  end
end
if #pending > 0 then redis.call('ZADD', active, unpack(pending)) end
return table.concat(out)
`;

const APPLY_NOTIFICATION = `
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('RPUSH', KEYS[2], ARGV[2])
redis.call('LTRIM', KEYS[2], -50, -1)
redis.call('EXPIRE', KEYS[2], ARGV[4])
redis.call('PUBLISH', ARGV[3], ARGV[2])
return 1
`;

type Scripted = RedisClient & {
  fsApplyNotification(k1: string, k2: string, ...args: (string | number)[]): Promise<number>;
  fsApplyDeliveryUpdates(...args: (string | number)[]): Promise<string>;
};

export function createDeliveryStore(redis: RedisClient, o: DeliveryStoreOptions) {
  const trailLength = o.trailLength ?? 100;
  const retentionS = o.finishedRetentionS ?? 2 * 3600;
  const r = redis as Scripted;
  if (!('fsApplyDeliveryUpdates' in redis)) {
    redis.defineCommand('fsApplyDeliveryUpdates', { numberOfKeys: 0, lua: APPLY_UPDATES });
    redis.defineCommand('fsApplyNotification', { numberOfKeys: 2, lua: APPLY_NOTIFICATION });
  }
  const keys = {
    delivery: (id: string) => `${o.prefix}dlv:${id}`,
    trail: (id: string) => `${o.prefix}dlv:${id}:trail`,
    active: `${o.prefix}active`,
    notes: (id: string) => `${o.prefix}dlv:${id}:notes`,
    noteIds: (id: string) => `${o.prefix}dlv:${id}:noteids`,
    channel: (id: string) => `${o.prefix}live:${id}`,
  };

  const args = (u: DeliveryUpdate, now: number, out: (string | number)[]) => {
    if (u.type === 'position') {
      const p = u.position;
      const message: PositionMessage = {
        type: 'position',
        deliveryId: p.deliveryId,
        driverId: p.driverId,
        seq: p.seq,
        ts: p.ts,
        lat: p.lat,
        lng: p.lng,
        speedMps: p.speedMps,
        headingDeg: p.headingDeg,
        accuracyM: p.accuracyM,
        appliedAt: now,
        ...u.eta,
      };
      const point: TrailPoint = { lat: p.lat, lng: p.lng, ts: p.ts, seq: p.seq };
      out.push(
        'p',
        p.deliveryId,
        p.seq,
        sessionOf(p),
        JSON.stringify(message),
        JSON.stringify(point),
        p.driverId,
        p.ts,
      );
      return;
    }
    const t = u.trip;
    const message: StatusMessage = {
      type: 'status',
      deliveryId: t.deliveryId,
      seq: t.seq,
      status: t.status,
      ts: t.ts,
      pickup: t.pickup ?? null,
      dropoff: t.dropoff ?? null,
      route: u.route ?? null,
    };
    out.push(
      't',
      t.deliveryId,
      t.seq,
      sessionOf(t),
      t.status,
      t.pickup ? JSON.stringify(t.pickup) : '',
      t.dropoff ? JSON.stringify(t.dropoff) : '',
      t.ts,
      JSON.stringify(message),
      t.driverId,
      u.route ? JSON.stringify(u.route) : '',
    );
  };

  /**
   * Applies updates in order, all in one atomic step, each only if newer than what the
   * delivery has; resolves, per update, whether it was new (and so published).
   */
  const applyUpdates = async (
    updates: readonly DeliveryUpdate[],
    now: number,
  ): Promise<boolean[]> => {
    if (updates.length === 0) return [];
    const argv: (string | number)[] = [o.prefix, trailLength, retentionS, now];
    for (const u of updates) args(u, now, argv);
    const applied = await r.fsApplyDeliveryUpdates(...argv);
    return updates.map((_, i) => applied[i] === '1');
  };

  return {
    keys,
    applyUpdates,

    /** Applies a position of a driver on a delivery; resolves true when it was new. */
    async applyPosition(
      position: PositionRecord & { deliveryId: string },
      now: number,
      eta?: PositionEta,
    ): Promise<boolean> {
      const [applied] = await applyUpdates([{ type: 'position', position, eta }], now);
      return applied === true;
    },

    /** Applies a trip event; resolves true when it was new. */
    async applyTrip(trip: TripRecord, now: number, route?: Route | null): Promise<boolean> {
      const [applied] = await applyUpdates([{ type: 'trip', trip, route }], now);
      return applied === true;
    },

    /** The planned routes of these deliveries (null where none is stored). */
    async routes(ids: readonly string[]): Promise<(Route | null)[]> {
      if (ids.length === 0) return [];
      const raw = await Promise.all(ids.map((id) => redis.hget(keys.delivery(id), 'route')));
      return raw.map((r) => (r ? (JSON.parse(r) as Route) : null));
    },

    /** Forwards a notification to the delivery's customers once, however often it is consumed. */
    async applyNotification(n: NotificationRecord): Promise<boolean> {
      const message: NotificationMessage = {
        type: 'notification',
        id: n.id,
        deliveryId: n.deliveryId,
        milestone: n.milestone,
        ts: n.ts,
        message: n.message,
      };
      const applied = await r.fsApplyNotification(
        keys.noteIds(n.deliveryId),
        keys.notes(n.deliveryId),
        n.id,
        JSON.stringify(message),
        keys.channel(n.deliveryId),
        retentionS * 12,
      );
      return applied === 1;
    },

    /** The current state of one delivery as a snapshot message, or null when unknown. */
    async snapshot(deliveryId: string): Promise<SnapshotMessage | null> {
      const [hash, trail, notes] = await Promise.all([
        redis.hgetall(keys.delivery(deliveryId)),
        // The newest trailLength points: the script trims the older ones only now and then.
        redis.zrange(keys.trail(deliveryId), -trailLength, -1),
        redis.lrange(keys.notes(deliveryId), 0, -1),
      ]);
      if (!hash.driverId) return null;
      return {
        type: 'snapshot',
        delivery: toView(deliveryId, hash),
        position: hash.position ? (JSON.parse(hash.position) as PositionMessage) : null,
        trail: trail.map((t) => JSON.parse(t) as TrailPoint),
        seq: Number(hash.seq ?? -1),
        rev: Number(hash.rev ?? hash.seq ?? -1),
        notifications: notes.map((n) => JSON.parse(n) as NotificationMessage),
        route: hash.route ? (JSON.parse(hash.route) as Route) : null,
      };
    },

    /**
     * How many active deliveries there are and how many of them have a position younger than
     * `freshMs` (the active set is scored by each delivery's last device time): two O(log n)
     * counts, whatever the fleet size, instead of reading every delivery. Drops deliveries
     * silent for `staleMs`, as listActive does.
     */
    async activeFreshness(
      now: number,
      freshMs: number,
      staleMs = 30 * 60_000,
    ): Promise<{ active: number; fresh: number }> {
      const [, active, fresh] = (await redis
        .multi()
        .zremrangebyscore(keys.active, '-inf', now - staleMs)
        .zcard(keys.active)
        .zcount(keys.active, now - freshMs, '+inf')
        .exec())!.map(([err, value]) => {
        if (err) throw err;
        return Number(value);
      });
      return { active: active ?? 0, fresh: fresh ?? 0 };
    },

    /** Active deliveries, most recently updated first; drops those silent for `staleMs`. */
    async listActive(limit: number, now: number, staleMs = 30 * 60_000): Promise<DeliveryView[]> {
      await redis.zremrangebyscore(keys.active, '-inf', now - staleMs);
      const ids = await redis.zrevrange(keys.active, 0, limit - 1);
      const hashes = await Promise.all(ids.map((id) => redis.hgetall(keys.delivery(id))));
      return ids.flatMap((id, i) => (hashes[i]?.driverId ? [toView(id, hashes[i])] : []));
    },
  };
}

export type DeliveryStore = ReturnType<typeof createDeliveryStore>;

function toView(deliveryId: string, h: Record<string, string>): DeliveryView {
  return {
    deliveryId,
    driverId: h.driverId ?? '',
    // A position can arrive before its trip event was seen (a group started mid-stream).
    status: (h.status as TripStatus | undefined) ?? 'assigned',
    pickup: h.pickup ? (JSON.parse(h.pickup) as DeliveryView['pickup']) : null,
    dropoff: h.dropoff ? (JSON.parse(h.dropoff) as DeliveryView['dropoff']) : null,
    statusTs: Number(h.statusTs ?? 0),
  };
}
