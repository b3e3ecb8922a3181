import type { AbandonedDelivery, TripStatus } from '@fleetstream/contracts';
import type { DeliveryKeys } from './delivery-keys.js';
import type { Logger } from './logger.js';
import { deliveryPlaces } from './delivery-places.js';
import { legacyKeyMove, type RedisClient } from './redis.js';

/** Abandoned-delivery events kept for GET /api/deliveries/abandoned. */
const KEPT_EVENTS = 200;
/** Delivery ids one log line names at most (the count is always there). */
const LOGGED_IDS = 50;

/**
 * Deliveries whose courier went silent for good: the sweep takes them out of the active set and
 * says so (a log line, an event in `P:abandoned`, the count in `P:abandoned:total`). Taking them
 * out and reading which they were is one transaction, so with several sweepers (the ops role,
 * each gateway's list) each delivery is reported once. A courier that comes back later puts its
 * delivery back with its next record.
 */
export function createAbandonedDeliveries(
  redis: RedisClient,
  keys: DeliveryKeys,
  o: { log: Logger; abandonAfterS: number },
) {
  const moved = legacyKeyMove(redis, [
    [keys.legacy.abandoned, keys.abandoned],
    [keys.legacy.abandonedTotal, keys.abandonedTotal],
  ]);
  return {
    /**
     * Drops active deliveries whose last record is older than `abandonBefore` (device time),
     * and finished ones listed from before `finishedBefore` (their state has expired by then).
     */
    async sweep(
      now: number,
      abandonBefore: number,
      finishedBefore: number,
    ): Promise<AbandonedDelivery[]> {
      // Each place (one slot each) in a transaction of its own.
      const places = await deliveryPlaces(redis, keys);
      const perPlace = await Promise.all(
        places.map(async (place) => {
          const [gone] = (await redis
            .multi()
            .zrangebyscore(place.active, '-inf', `(${abandonBefore}`, 'WITHSCORES')
            .zremrangebyscore(place.active, '-inf', `(${abandonBefore}`)
            .zremrangebyscore(place.finished, '-inf', `(${finishedBefore}`)
            .exec())!.map(([err, value]) => {
            if (err) throw err;
            return value;
          }) as [string[], number, number];
          const ids = gone.filter((_, i) => i % 2 === 0);
          const rows = await Promise.all(
            ids.map((id) => redis.hmget(place.delivery(id), 'driverId', 'status')),
          );
          return ids.map((id, i): AbandonedDelivery => {
            const [driverId, status] = rows[i]!;
            return {
              at: now,
              deliveryId: id,
              driverId: driverId ?? '',
              status: (status ?? 'assigned') as TripStatus,
              lastSeenTs: Number(gone[2 * i + 1]),
            };
          });
        }),
      );
      const events = perPlace.flat();
      if (events.length === 0) return [];
      const ids = events.map((e) => e.deliveryId);
      await moved();
      const kept = events.slice(-KEPT_EVENTS).map((e) => JSON.stringify(e));
      await redis
        .multi()
        .lpush(keys.abandoned, ...kept)
        .ltrim(keys.abandoned, 0, KEPT_EVENTS - 1)
        .incrby(keys.abandonedTotal, events.length)
        .exec();
      o.log.warn(
        {
          event: 'deliveries-abandoned',
          count: events.length,
          deliveryIds: ids.slice(0, LOGGED_IDS),
          abandonAfterS: o.abandonAfterS,
        },
        `${events.length} deliveries abandoned: their couriers sent nothing for over ${o.abandonAfterS} s`,
      );
      return events;
    },

    /** The latest abandoned-delivery events, newest first, and how many there were ever. */
    async recent(limit = KEPT_EVENTS): Promise<{ abandoned: AbandonedDelivery[]; total: number }> {
      await moved();
      const [list, total] = await Promise.all([
        redis.lrange(keys.abandoned, 0, limit - 1),
        redis.get(keys.abandonedTotal),
      ]);
      return {
        abandoned: list.map((e) => JSON.parse(e) as AbandonedDelivery),
        total: Number(total ?? 0),
      };
    },

    /** How many deliveries were ever abandoned (the metric's value). */
    async total(): Promise<number> {
      await moved();
      return Number((await redis.get(keys.abandonedTotal)) ?? 0);
    },
  };
}

export type AbandonedDeliveries = ReturnType<typeof createAbandonedDeliveries>;
