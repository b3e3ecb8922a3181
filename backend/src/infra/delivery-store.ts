import type {
  DeliveryView,
  NotificationMessage,
  NotificationRecord,
  PositionMessage,
  Route,
  SnapshotMessage,
  TripStatus,
} from '@fleetstream/contracts';
import { freshnessRanges, type FreshnessBounds } from '../domain/delivery-freshness.js';
import { feedEntry } from '../domain/live-feed.js';
import { deliveryKeys, sourcePlace, type DeliveryPlace } from './delivery-keys.js';
import { createDeliveryWrites } from './delivery-writes.js';
import { deliveryPlaces, placesOf } from './delivery-places.js';
import { isCluster, type RedisClient } from './redis.js';
import { decodeTrailPoint } from './trail-point.js';

export type { DeliveryUpdate, PositionEta } from '../domain/live-delivery.js';
export type { PartitionFence } from './delivery-writes.js';

export interface DeliveryStoreOptions {
  prefix: string;
  /** Points a snapshot shows of the trail. @default 100 */
  trailLength?: number;
  /** How long a finished delivery stays readable. @default 2 h */
  finishedRetentionS?: number;
}

// KEYS[3], KEYS[4]: the two keys' names of before, moved on first use (the same names again
// on a cluster, which never had them).
const APPLY_NOTIFICATION = `
for i = 1, 2 do
  if redis.call('EXISTS', KEYS[i + 2]) == 1 and redis.call('EXISTS', KEYS[i]) == 0 then
    redis.call('RENAME', KEYS[i + 2], KEYS[i])
  end
end
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('RPUSH', KEYS[2], ARGV[2])
redis.call('LTRIM', KEYS[2], -50, -1)
redis.call('EXPIRE', KEYS[2], ARGV[4])
redis.call('PUBLISH', ARGV[3], ARGV[5])
return 1
`;

type Scripted = RedisClient & {
  fsApplyNotification(...args: (string | number)[]): Promise<number>;
};

/**
 * The live state of deliveries in Redis (keys in delivery-keys.ts), and the pub/sub channel
 * gateways listen on: the reads (snapshots, the active set) here, the writes of live-push and
 * of callers without a partition in delivery-writes.ts.
 */
export function createDeliveryStore(redis: RedisClient, o: DeliveryStoreOptions) {
  const trailLength = o.trailLength ?? 100;
  const retentionS = o.finishedRetentionS ?? 2 * 3600;
  const r = redis as Scripted;
  if (!('fsApplyNotification' in redis))
    redis.defineCommand('fsApplyNotification', { numberOfKeys: 4, lua: APPLY_NOTIFICATION });
  const standalone = !isCluster(redis);
  const keys = deliveryKeys(o.prefix);
  /**
   * A trail's newest trailLength points, oldest first. A trail is a list; one written before
   * 2026-12-07 and not since is still a sorted set, which the next write turns into a list
   * (infra/lua/live-chunk.lua).
   */
  const newestPoints = (trail: string): Promise<string[]> =>
    redis.lrange(trail, -trailLength, -1).catch((err: unknown) => {
      if (!(err instanceof Error && err.message.startsWith('WRONGTYPE'))) throw err;
      return redis.zrange(trail, -trailLength, -1);
    });

  return {
    keys,
    ...createDeliveryWrites(redis, keys, { trailLength, retentionS }),

    /** The sources (`topic:partition`, '-') live-push has written deliveries of. */
    sources: (): Promise<string[]> => redis.smembers(keys.sources),
    /** The source a delivery is kept under (its home), null when none is set. */
    homeOf: (deliveryId: string): Promise<string | null> => redis.get(keys.home(deliveryId)),

    /** The planned routes of these deliveries (null where none is stored). */
    async routes(ids: readonly string[]): Promise<(Route | null)[]> {
      if (ids.length === 0) return [];
      const places = await placesOf(redis, keys, ids);
      const raw = await Promise.all(
        ids.map((id, i) => (places[i] ? redis.hget(places[i].delivery(id), 'route') : null)),
      );
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
      const json = JSON.stringify(message);
      const id = n.deliveryId;
      const applied = await r.fsApplyNotification(
        keys.noteIds(id),
        keys.notes(id),
        standalone ? keys.legacy.noteIds(id) : keys.noteIds(id),
        standalone ? keys.legacy.notes(id) : keys.notes(id),
        n.id,
        json,
        keys.notesFeed,
        retentionS * 12,
        feedEntry(n.deliveryId, json),
      );
      return applied === 1;
    },

    /** The current state of one delivery as a snapshot message, or null when unknown. */
    async snapshot(deliveryId: string): Promise<SnapshotMessage | null> {
      const [home] = await placesOf(redis, keys, [deliveryId]);
      if (!home) return null;
      const read = (place: DeliveryPlace) =>
        Promise.all([
          redis.hgetall(place.delivery(deliveryId)),
          // The newest trailLength points: the script trims the older ones only now and then.
          newestPoints(place.trail(deliveryId)),
        ]);
      const [[first, firstTrail], notes] = await Promise.all([
        read(home),
        redis.lrange(keys.notes(deliveryId), 0, -1),
      ]);
      // A copy marked moved names where the delivery went (its taker may not have set the home).
      const [hash, trail] = first.movedTo
        ? await read(sourcePlace(keys, first.movedTo))
        : [first, firstTrail];
      if (!hash.driverId) return null;
      // Notes kept under their names of before, until the next one moves them.
      if (notes.length === 0 && standalone)
        notes.push(...(await redis.lrange(keys.legacy.notes(deliveryId), 0, -1)));
      return {
        type: 'snapshot',
        delivery: toView(deliveryId, hash),
        position: hash.position ? (JSON.parse(hash.position) as PositionMessage) : null,
        trail: trail.map(decodeTrailPoint),
        seq: Number(hash.seq ?? -1),
        rev: Number(hash.rev ?? hash.seq ?? -1),
        notifications: notes.map((n) => JSON.parse(n) as NotificationMessage),
        route: hash.route ? (JSON.parse(hash.route) as Route) : null,
      };
    },

    /**
     * How many active deliveries there are, and how many of them are fresh, stale because the
     * pipeline lags, or stale because their courier is silent (domain/delivery-freshness.ts):
     * range counts on the active set (scored by each delivery's last device time), O(log n)
     * whatever the fleet size, instead of reading every delivery. Abandoned deliveries are
     * left to the sweep (infra/abandoned-deliveries.ts), which says so.
     */
    async activeFreshness(b: FreshnessBounds): Promise<ActiveFreshness> {
      const ranges = freshnessRanges(b);
      const count = (
        m: ReturnType<RedisClient['multi']>,
        key: string,
        [min, max]: [number, number],
      ) => m.zcount(key, min === -Infinity ? '-inf' : min, max === Infinity ? '+inf' : `(${max}`);
      // One transaction per place (one slot each): the counts of a place are of one moment.
      const perPlace = await Promise.all(
        (await deliveryPlaces(redis, keys)).map(async (place) => {
          const m = redis.multi().zcard(place.active);
          for (const range of [ranges.fresh, ranges.lagging, ranges.silent])
            count(m, place.active, range);
          return (await m.exec())!.map(([err, value]) => {
            if (err) throw err;
            return Number(value);
          });
        }),
      );
      const sum = (i: number) => perPlace.reduce((n, c) => n + (c[i] ?? 0), 0);
      const [active, fresh, lagging, silent] = [sum(0), sum(1), sum(2), sum(3)];
      return {
        active,
        fresh,
        lagging,
        silent,
        quiet: Math.max(0, active - fresh - lagging - silent),
      };
    },

    /**
     * Active deliveries, most recently updated first, leaving out those silent for `staleMs`
     * (the abandon sweep drops them from the set, and says so).
     */
    async listActive(limit: number, now: number, staleMs = 30 * 60_000): Promise<DeliveryView[]> {
      // Each place's most recent `limit`: the most recent overall are among them.
      const places = await deliveryPlaces(redis, keys);
      const lists = await Promise.all(
        places.map((p) =>
          redis.zrevrangebyscore(p.active, '+inf', now - staleMs, 'WITHSCORES', 'LIMIT', 0, limit),
        ),
      );
      const found: { id: string; ts: number; place: (typeof places)[number] }[] = [];
      lists.forEach((flat, k) => {
        for (let i = 0; i + 1 < flat.length; i += 2)
          found.push({ id: flat[i]!, ts: Number(flat[i + 1]), place: places[k]! });
      });
      found.sort((a, b) => b.ts - a.ts || (a.id < b.id ? 1 : -1));
      const top = found.slice(0, limit);
      const hashes = await Promise.all(top.map((f) => redis.hgetall(f.place.delivery(f.id))));
      return top.flatMap((f, i) => (hashes[i]?.driverId ? [toView(f.id, hashes[i])] : []));
    },
  };
}

export type DeliveryStore = ReturnType<typeof createDeliveryStore>;

/** Active deliveries by why their customers see the position they see. */
export interface ActiveFreshness {
  active: number;
  fresh: number;
  lagging: number;
  silent: number;
  quiet: number;
}

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
