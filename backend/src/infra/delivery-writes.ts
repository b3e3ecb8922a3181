import type { PositionRecord, Route, TripRecord, TripStatus } from '@fleetstream/contracts';
import type { SessionCursor } from '../domain/driver-session.js';
import {
  deliveryIdOf,
  planLiveChunk,
  type DeliveryUpdate,
  type LiveChunkPlan,
  type LiveDeliveryState,
  type PositionEta,
} from '../domain/live-delivery.js';
import { AppError } from '../errors.js';
import { NO_PARTITION, sourceOf, type DeliveryKeys } from './delivery-keys.js';
import { createLiveChunkWriter, type PartitionFence } from './live-chunk.js';
import { isCluster, type RedisClient } from './redis.js';

export type { PartitionFence } from './live-chunk.js';

/** Updates of queued standalone calls merged into one write, at most (unless one call has more). */
const MERGED_UPDATES = 500;

/** Conflicting writers a standalone `applyUpdates` outlasts before it gives up. */
const STANDALONE_ATTEMPTS = 20;

/** The rev of a delivery's copy left behind in a source it moved away from. */
const MOVED = 'moved';

/** The hash fields a delivery's state is read from, in this order. */
const STATE_FIELDS = ['seq', 'status', 'session', 'superseded', 'rev', 'driverId'] as const;

/**
 * Moves a delivery written under the names of before (directly under the prefix) to its
 * source's keys, with its place in the active or finished set, in one step; standalone Redis
 * only. KEYS: old hash, old trail, old active, old finished, new hash, new trail, new active,
 * new finished; ARGV: delivery id. Returns 1 when it moved one.
 */
const MOVE_LEGACY_DELIVERY = `
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('EXISTS', KEYS[5]) == 1 then return 0 end
redis.call('RENAME', KEYS[1], KEYS[5])
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('RENAME', KEYS[2], KEYS[6]) end
local a = redis.call('ZSCORE', KEYS[3], ARGV[1])
if a then
  redis.call('ZADD', KEYS[7], a, ARGV[1])
  redis.call('ZREM', KEYS[3], ARGV[1])
end
local f = redis.call('ZSCORE', KEYS[4], ARGV[1])
if f then
  redis.call('ZADD', KEYS[8], f, ARGV[1])
  redis.call('ZREM', KEYS[4], ARGV[1])
end
return 1
`;

type Scripted = RedisClient & { fsMoveLegacyDelivery(...args: string[]): Promise<number> };

/** A stored superseded list: JSON, where older writers (Lua's cjson) wrote `{}` for none. */
function decodeSuperseded(raw: string | null | undefined): string[] {
  if (!raw) return [];
  const parsed = JSON.parse(raw) as unknown;
  return Array.isArray(parsed) ? (parsed as string[]) : [];
}

/**
 * The write side of the delivery store.
 *
 * Live-push decides in TypeScript (domain/live-delivery.ts) from states it holds in memory for
 * the partitions it owns, and writes a chunk's changes and messages in one compare-and-set
 * script call on the partition's applied offset (infra/lua/live-chunk.lua). So a chunk
 * redelivered after a crash, resent by ioredis after a reconnect, or written by a member the
 * partition has moved away from changes and publishes nothing twice, and the latest position
 * never goes back in time. Callers without a partition (tests, tools) use `applyUpdates`, which
 * reads the deliveries' states and checks each one's stored revision instead.
 */
export function createDeliveryWrites(
  redis: RedisClient,
  keys: DeliveryKeys,
  o: { trailLength: number; retentionS: number },
) {
  const { trailLength, retentionS } = o;
  // Partition chunks of one fetch go to Redis as one script call.
  const chunks = createLiveChunkWriter(redis, { keys, trailLength, retentionS });
  const r = redis as Scripted;
  const standalone = !isCluster(redis);
  if (standalone && !('fsMoveLegacyDelivery' in redis))
    redis.defineCommand('fsMoveLegacyDelivery', { numberOfKeys: 8, lua: MOVE_LEGACY_DELIVERY });
  /** Sources this process has listed in `P:lp:sources`. */
  const listed = new Set<string>();

  /**
   * Brings a delivery with nothing under `source` there: from the source that last held it
   * (its home: the delivery moved to a driver of another partition, or partitions were added)
   * or from the names of before. The copy it leaves is marked moved (its rev), so a writer
   * still holding that source's state in memory fails its compare-and-set and reads it again;
   * it leaves that source's active set and expires with the delivery.
   */
  const adopt = async (source: string, id: string): Promise<void> => {
    const home = await redis.get(keys.home(id));
    if (home && home !== source) {
      const [hash, trail, ttl] = await Promise.all([
        redis.hgetall(keys.delivery(home, id)),
        redis.zrange(keys.trail(home, id), 0, -1, 'WITHSCORES'),
        redis.ttl(keys.delivery(home, id)),
      ]);
      const usable = hash.rev !== undefined && hash.rev !== MOVED;
      // What this source held of it before (a copy marked moved) goes first.
      const m = redis.multi().del(keys.delivery(source, id), keys.trail(source, id));
      if (usable) {
        m.hset(keys.delivery(source, id), hash);
        // WITHSCORES reads member, score; ZADD takes score, member.
        const points: string[] = [];
        for (let i = 0; i + 1 < trail.length; i += 2) points.push(trail[i + 1]!, trail[i]!);
        if (points.length > 0) m.zadd(keys.trail(source, id), ...points);
        if (ttl > 0) m.expire(keys.delivery(source, id), ttl).expire(keys.trail(source, id), ttl);
      }
      await m.exec();
      if (!usable) return;
      await redis.set(keys.home(id), source);
      await redis
        .multi()
        .hset(keys.delivery(home, id), 'rev', MOVED)
        .zrem(keys.active(home), id)
        .exec();
    } else if (home === source) {
      // Its own copy marked moved, with no other left: it starts again here.
      await redis.del(keys.delivery(source, id), keys.trail(source, id));
    } else if (!home && standalone) {
      const l = keys.legacy;
      await r.fsMoveLegacyDelivery(
        l.delivery(id),
        l.trail(id),
        l.active,
        l.finished,
        keys.delivery(source, id),
        keys.trail(source, id),
        keys.active(source),
        keys.finished(source),
        id,
      );
    }
  };

  const readStates = (source: string, ids: readonly string[]) =>
    Promise.all(ids.map((id) => redis.hmget(keys.delivery(source, id), ...STATE_FIELDS)));

  /**
   * The stored states of these deliveries of a source, in order (empty ones for unknown
   * deliveries), each then found by id under that source (its home).
   */
  const loadStates = async (
    source: string,
    ids: readonly string[],
  ): Promise<LiveDeliveryState[]> => {
    if (ids.length === 0) return [];
    if (!listed.has(source)) {
      await redis.sadd(keys.sources, source);
      listed.add(source);
    }
    let rows = await readStates(source, ids);
    const absent = ids.filter((_, i) => rows[i]![4] === null || rows[i]![4] === MOVED);
    if (absent.length > 0) {
      await Promise.all(absent.map((id) => adopt(source, id)));
      rows = await readStates(source, ids);
    }
    // Readers by id look where the delivery is written from now on.
    await Promise.all(ids.map((id) => redis.set(keys.home(id), source)));
    return rows.map((value) => {
      const [seq, status, session, superseded, rev, driverId] = value;
      const cursor: SessionCursor | undefined =
        seq === null || seq === undefined
          ? undefined
          : { session: session ?? '', seq: Number(seq), superseded: decodeSuperseded(superseded) };
      return {
        cursor,
        // A delivery written before revisions counts from its seq, which keeps its trail's order.
        rev: Number(rev ?? seq ?? 0),
        status: (status ?? '') as TripStatus | '',
        storedRev: rev ?? '',
        driverId: driverId ?? '',
      };
    });
  };

  /** One standalone write: reads the deliveries' states, plans, and writes if unchanged. */
  const applyStandalone = async (
    updates: readonly DeliveryUpdate[],
    now: number,
  ): Promise<boolean[]> => {
    const ids = [...new Set(updates.map(deliveryIdOf))];
    for (let attempt = 0; attempt < STANDALONE_ATTEMPTS; attempt++) {
      const loaded = await loadStates(NO_PARTITION, ids);
      const states = new Map(ids.map((id, i) => [id, loaded[i]!]));
      const plan = planLiveChunk(updates, (id) => states.get(id)!, now);
      if (await chunks.write(plan, null)) return plan.applied;
    }
    throw new AppError(
      'STATE_CONFLICT',
      `deliveries ${ids.join(', ')} kept changing under ${STANDALONE_ATTEMPTS} writes`,
      { retriable: true },
    );
  };

  /**
   * Calls of `applyUpdates` waiting for the one in flight; they go together as one chunk, in
   * call order, so concurrent callers of one process never conflict with each other.
   */
  let queued: {
    updates: readonly DeliveryUpdate[];
    now: number;
    done: (applied: boolean[]) => void;
    failed: (err: unknown) => void;
  }[] = [];
  let writing = false;
  const drain = async () => {
    writing = true;
    while (queued.length > 0) {
      // Calls merged up to about a chunk's worth of updates (a script's arguments are bounded).
      let take = 0;
      for (
        let n = 0;
        take < queued.length && (take === 0 || n + queued[take]!.updates.length <= MERGED_UPDATES);
        take++
      )
        n += queued[take]!.updates.length;
      const calls = queued.slice(0, take);
      queued = queued.slice(take);
      try {
        const applied = await applyStandalone(
          calls.flatMap((c) => c.updates),
          calls[calls.length - 1]!.now,
        );
        let at = 0;
        for (const c of calls) {
          c.done(applied.slice(at, at + c.updates.length));
          at += c.updates.length;
        }
      } catch (err) {
        for (const c of calls) c.failed(err);
      }
    }
    writing = false;
  };

  /**
   * Applies updates in order, all in one atomic step, each only if newer than what the
   * delivery has; resolves, per update, whether it was new (and so published). For callers
   * that own no partition (tests, tools): the deliveries' states are read each time, and the
   * write checks that no one changed them meanwhile (trying again if someone did).
   */
  const applyUpdates = (updates: readonly DeliveryUpdate[], now: number): Promise<boolean[]> => {
    if (updates.length === 0) return Promise.resolve([]);
    return new Promise((done, failed) => {
      queued.push({ updates, now, done, failed });
      if (!writing) void drain();
    });
  };

  return {
    applyUpdates,
    loadStates,

    /**
     * The last offset of a partition live-push applied, or -1; on a standalone Redis, the one
     * stored under the names of before, moved to the partition's key the first time.
     */
    async appliedOffset(topic: string, partition: number): Promise<number> {
      const source = sourceOf(topic, partition);
      let v = await redis.get(keys.offset(source));
      if (v === null && standalone) {
        const old = await redis.hget(keys.legacy.offsets, source);
        if (old !== null) {
          await redis.set(keys.offset(source), old, 'NX');
          v = await redis.get(keys.offset(source));
        }
      }
      return v === null ? -1 : Number(v);
    },

    /**
     * Writes a plan of one partition's chunk, with the chunk's last offset, if the partition's
     * stored applied offset is still `fence.expected`; resolves false, having changed and
     * published nothing, when it moved on (someone else wrote the partition meanwhile).
     */
    writeChunk(plan: LiveChunkPlan, fence: PartitionFence): Promise<boolean> {
      return chunks.write(plan, fence);
    },

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
  };
}
