import type { TripStatus } from '@fleetstream/contracts';
import type { IndexedDelivery } from '../domain/delivery-query.js';
import type { DeliveryKeys } from './delivery-keys.js';
import type { RedisClient } from './redis.js';

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
 * page in memory. One read is one transaction of two range reads and one SORT … GET reading
 * every active delivery's courier and status, shared by every query for `maxAgeMs`, and by
 * queries that arrive while it runs. A finished delivery's courier and status do not change, so
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

  const read = async (): Promise<DeliveryIndexSnapshot> => {
    const at = Date.now();
    const pattern = keys.delivery('*');
    const [active, fields, finished] = (await redis
      .multi()
      .zrange(keys.active, 0, -1, 'WITHSCORES')
      // Every active delivery's courier and status in one command (SORT's GET patterns read the
      // hashes in Redis), where an HMGET each cost the client four times as much at 10,000.
      .sort(
        keys.active,
        'BY',
        'nosort',
        'GET',
        '#',
        'GET',
        `${pattern}->driverId`,
        'GET',
        `${pattern}->status`,
      )
      .zrange(keys.finished, 0, -1, 'WITHSCORES')
      .exec())!.map(([err, value]) => {
      if (err) throw err;
      return value as (string | null)[];
    }) as [string[], (string | null)[], string[]];

    const unknown = [];
    for (let i = 0; i < finished.length; i += 2)
      if (!finishedInfo.has(finished[i]!)) unknown.push(finished[i]!);
    const pipeline = redis.pipeline();
    for (const id of unknown) pipeline.hmget(keys.delivery(id), 'driverId', 'status');
    const rows = unknown.length > 0 ? ((await pipeline.exec()) ?? []) : [];

    const scores = new Map<string, number>();
    for (let i = 0; i < active.length; i += 2) scores.set(active[i]!, Number(active[i + 1]));
    const entries: IndexedDelivery[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < fields.length; i += 3) {
      const [id, driverId, status] = [fields[i], fields[i + 1], fields[i + 2]];
      const ts = id ? scores.get(id) : undefined;
      // A delivery whose state is gone is not listed (as for a snapshot).
      if (!id || !driverId || ts === undefined) continue;
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
      const [err, value] = rows[k] ?? [null, null];
      if (err) throw err;
      const [driverId, status] = (value ?? []) as (string | null)[];
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
