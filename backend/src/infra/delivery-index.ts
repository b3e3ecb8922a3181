import type { TripStatus } from '@fleetstream/contracts';
import type { IndexedDelivery } from '../domain/delivery-query.js';
import type { DeliveryKeys, DeliveryPlace } from './delivery-keys.js';
import { deliveryPlaces } from './delivery-places.js';
import { isCluster, type RedisClient } from './redis.js';

export interface DeliveryIndexOptions {
  /** How long one read of the index serves queries. @default 2000 */
  maxAgeMs?: number;
}

/** The index as read at `at`; `version` changes with every read. */
export interface DeliveryIndexSnapshot {
  at: number;
  version: number;
  entries: IndexedDelivery[];
}

/** Cached courier ids at most (more deliveries than this are read each time). */
const MAX_REMEMBERED = 200_000;

/**
 * Every listed delivery (the active set, and the finished set of the last hours) with its
 * courier, status and last device time, for the deliveries list to search, filter, sort and
 * page in memory. One read is, for each place (a source's keys), one transaction of two range
 * reads and one SORT … GET reading every active delivery's courier and status, shared by every
 * query for `maxAgeMs`, and by queries that arrive while it runs. A finished delivery's courier and status do not change, so
 * they are read once (an HMGET each, pipelined).
 */
export function createDeliveryIndex(
  redis: RedisClient,
  keys: DeliveryKeys,
  o: DeliveryIndexOptions = {},
) {
  const maxAgeMs = o.maxAgeMs ?? 2000;
  const finishedInfo = new Map<string, { driverId: string; status: TripStatus }>();
  let current: DeliveryIndexSnapshot | null = null;
  let reading: Promise<DeliveryIndexSnapshot> | null = null;
  let version = 0;
  const onCluster = isCluster(redis);

  /**
   * One place's sets, and its active deliveries' couriers and statuses, in one transaction:
   * on a standalone Redis with one command (SORT's GET patterns read the hashes in Redis), where
   * an HMGET each cost the client four times as much at 10,000. A Redis Cluster refuses SORT's
   * GET, so there the hashes are read after, an HMGET each (a delivery gone meanwhile is left
   * out, as it would be the next time).
   */
  const readPlace = async (place: DeliveryPlace) => {
    const pattern = place.delivery('*');
    const m = redis.multi().zrange(place.active, 0, -1, 'WITHSCORES');
    // Not sorted (a BY pattern without `*`, in the set's slot as a cluster client wants of every
    // name), a sorted set keeps its order: the ZRANGE's, which gives the ids.
    if (!onCluster)
      m.sort(
        place.active,
        'BY',
        `${place.active}:nosort`,
        'GET',
        `${pattern}->driverId`,
        'GET',
        `${pattern}->status`,
      );
    m.zrange(place.finished, 0, -1, 'WITHSCORES');
    const replies = (await m.exec())!.map(([err, value]) => {
      if (err) throw err;
      return value as (string | null)[];
    });
    const active = replies[0] as string[];
    const finished = replies[replies.length - 1] as string[];
    const fields = onCluster
      ? (
          await Promise.all(
            active.flatMap((id, i) =>
              i % 2 === 0 ? [redis.hmget(place.delivery(id), 'driverId', 'status')] : [],
            ),
          )
        ).flat()
      : replies[1]!;
    const unknown: string[] = [];
    for (let i = 0; i < finished.length; i += 2)
      if (!finishedInfo.has(finished[i]!)) unknown.push(finished[i]!);
    const rows = await Promise.all(
      unknown.map((id) => redis.hmget(place.delivery(id), 'driverId', 'status')),
    );
    const listedActive: {
      id: string;
      ts: number;
      driverId: string | null;
      status: string | null;
    }[] = [];
    for (let i = 0; i + 1 < active.length; i += 2)
      listedActive.push({
        id: active[i]!,
        ts: Number(active[i + 1]),
        driverId: fields[i] ?? null,
        status: fields[i + 1] ?? null,
      });
    return { listedActive, finished, unknown, rows };
  };

  const read = async (): Promise<DeliveryIndexSnapshot> => {
    const at = Date.now();
    const places = await Promise.all((await deliveryPlaces(redis, keys)).map(readPlace));
    const listedActive = places.flatMap((p) => p.listedActive);
    const finished = places.flatMap((p) => p.finished);
    const unknown = places.flatMap((p) => p.unknown);
    const rows = places.flatMap((p) => p.rows);

    const entries: IndexedDelivery[] = [];
    const seen = new Set<string>();
    for (const { id, ts, driverId, status } of listedActive) {
      // A delivery whose state is gone is not listed (as for a snapshot).
      if (!driverId) continue;
      seen.add(id);
      entries.push({
        id,
        driverId,
        // A position can arrive before its trip event was seen (a group started mid-stream).
        status: (status as TripStatus | null) ?? 'assigned',
        ts,
        active: true,
      });
    }
    unknown.forEach((id, k) => {
      const [driverId, status] = rows[k] ?? [];
      if (driverId && (status === 'delivered' || status === 'cancelled'))
        finishedInfo.set(id, { driverId, status });
    });
    const listed = new Set<string>();
    for (let i = 0; i < finished.length; i += 2) {
      const id = finished[i]!;
      listed.add(id);
      const info = finishedInfo.get(id);
      // Between the two reads a delivery may have been in both sets: the active one is newer.
      if (!info || seen.has(id)) continue;
      entries.push({ id, ...info, ts: Number(finished[i + 1]), active: false });
    }
    for (const id of finishedInfo.keys()) if (!listed.has(id)) finishedInfo.delete(id);
    if (finishedInfo.size > MAX_REMEMBERED) finishedInfo.clear();
    version++;
    return { at, version, entries };
  };

  return {
    /** The index, read again when older than `maxAgeMs`. */
    async snapshot(now = Date.now()): Promise<DeliveryIndexSnapshot> {
      if (current && now - current.at < maxAgeMs) return current;
      reading ??= read().finally(() => {
        reading = null;
      });
      current = await reading;
      return current;
    },
    /** Forgets the cached read, so the next query reads the index again. */
    invalidate(): void {
      current = null;
    },
  };
}

export type DeliveryIndex = ReturnType<typeof createDeliveryIndex>;
