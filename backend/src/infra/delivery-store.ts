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
import type { RedisClient } from './redis.js';

/**
 * The live state of deliveries in Redis, and the pub/sub channel gateways listen on.
 *
 * Keys (prefix P):
 * - `P:dlv:{id}` hash: seq, status, statusTs, driverId, pickup, dropoff, position (JSON), updatedAt
 * - `P:dlv:{id}:trail` sorted set of trail points scored by seq, capped
 * - `P:active` sorted set of active delivery ids scored by the device time of their last record,
 *   so a replay of old records never makes an old delivery look active
 * - channel `P:live:{id}`: every position/status message, in order
 *
 * Each update is one Lua script that applies it only when its seq is above the stored one and
 * publishes in the same step. So a replayed or resent record (ioredis resends after a
 * reconnect; Kafka redelivers after a crash) changes nothing and is never published twice, and
 * the latest position never goes back in time.
 */
export interface DeliveryStoreOptions {
  prefix: string;
  /** Points kept in the trail. @default 100 */
  trailLength?: number;
  /** How long a finished delivery stays readable. @default 2 h */
  finishedRetentionS?: number;
}

const APPLY_POSITION = `
local last = tonumber(redis.call('HGET', KEYS[1], 'seq') or '-1')
local seq = tonumber(ARGV[1])
if seq <= last then return 0 end
redis.call('HSET', KEYS[1], 'seq', ARGV[1], 'position', ARGV[2], 'driverId', ARGV[6], 'updatedAt', ARGV[7])
redis.call('ZADD', KEYS[2], seq, ARGV[3])
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[4]) + 1))
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'delivered' and status ~= 'cancelled' then
  redis.call('ZADD', KEYS[3], ARGV[10], ARGV[8])
else
  redis.call('EXPIRE', KEYS[2], ARGV[9])
end
redis.call('PUBLISH', ARGV[5], ARGV[2])
return 1
`;

const APPLY_TRIP = `
local last = tonumber(redis.call('HGET', KEYS[1], 'seq') or '-1')
local seq = tonumber(ARGV[1])
if seq <= last then return 0 end
redis.call('HSET', KEYS[1], 'seq', ARGV[1], 'status', ARGV[2], 'statusTs', ARGV[5], 'driverId', ARGV[8], 'updatedAt', ARGV[9])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'pickup', ARGV[3]) end
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'dropoff', ARGV[4]) end
if ARGV[12] ~= '' then redis.call('HSET', KEYS[1], 'route', ARGV[12]) end
if ARGV[2] == 'delivered' or ARGV[2] == 'cancelled' then
  redis.call('ZREM', KEYS[3], ARGV[10])
  redis.call('EXPIRE', KEYS[1], ARGV[11])
  redis.call('EXPIRE', KEYS[2], ARGV[11])
else
  redis.call('PERSIST', KEYS[1])
  redis.call('ZADD', KEYS[3], ARGV[5], ARGV[10])
end
redis.call('PUBLISH', ARGV[7], ARGV[6])
return 1
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
  fsApplyPosition(
    k1: string,
    k2: string,
    k3: string,
    ...args: (string | number)[]
  ): Promise<number>;
  fsApplyTrip(k1: string, k2: string, k3: string, ...args: (string | number)[]): Promise<number>;
};

export function createDeliveryStore(redis: RedisClient, o: DeliveryStoreOptions) {
  const trailLength = o.trailLength ?? 100;
  const retentionS = o.finishedRetentionS ?? 2 * 3600;
  const r = redis as Scripted;
  if (!('fsApplyPosition' in redis)) {
    redis.defineCommand('fsApplyPosition', { numberOfKeys: 3, lua: APPLY_POSITION });
    redis.defineCommand('fsApplyTrip', { numberOfKeys: 3, lua: APPLY_TRIP });
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

  return {
    keys,

    /** Applies a position of a driver on a delivery; resolves true when it was new. */
    async applyPosition(
      p: PositionRecord & { deliveryId: string },
      now: number,
      eta?: { remainingM: number; etaMinS: number; etaMaxS: number },
    ): Promise<boolean> {
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
        ...eta,
      };
      const point: TrailPoint = { lat: p.lat, lng: p.lng, ts: p.ts, seq: p.seq };
      const id = p.deliveryId;
      const applied = await r.fsApplyPosition(
        keys.delivery(id),
        keys.trail(id),
        keys.active,
        p.seq,
        JSON.stringify(message),
        JSON.stringify(point),
        trailLength,
        keys.channel(id),
        p.driverId,
        now,
        id,
        retentionS,
        p.ts,
      );
      return applied === 1;
    },

    /** Applies a trip event; resolves true when it was new. */
    async applyTrip(t: TripRecord, now: number, route?: Route | null): Promise<boolean> {
      const message: StatusMessage = {
        type: 'status',
        deliveryId: t.deliveryId,
        seq: t.seq,
        status: t.status,
        ts: t.ts,
        pickup: t.pickup ?? null,
        dropoff: t.dropoff ?? null,
        route: route ?? null,
      };
      const id = t.deliveryId;
      const applied = await r.fsApplyTrip(
        keys.delivery(id),
        keys.trail(id),
        keys.active,
        t.seq,
        t.status,
        t.pickup ? JSON.stringify(t.pickup) : '',
        t.dropoff ? JSON.stringify(t.dropoff) : '',
        t.ts,
        JSON.stringify(message),
        keys.channel(id),
        t.driverId,
        now,
        id,
        retentionS,
        route ? JSON.stringify(route) : '',
      );
      return applied === 1;
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
        redis.zrange(keys.trail(deliveryId), 0, -1),
        redis.lrange(keys.notes(deliveryId), 0, -1),
      ]);
      if (!hash.driverId) return null;
      return {
        type: 'snapshot',
        delivery: toView(deliveryId, hash),
        position: hash.position ? (JSON.parse(hash.position) as PositionMessage) : null,
        trail: trail.map((t) => JSON.parse(t) as TrailPoint),
        seq: Number(hash.seq ?? -1),
        notifications: notes.map((n) => JSON.parse(n) as NotificationMessage),
        route: hash.route ? (JSON.parse(hash.route) as Route) : null,
      };
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
