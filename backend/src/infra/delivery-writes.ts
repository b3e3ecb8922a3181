import { readFileSync } from 'node:fs';
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

/** How long a copy marked moved stays, for a taker that stopped half-way to find it. */
const MOVED_KEPT_S = 86_400;

/**
 * How long `P:dlv:{id}:home` outlives the last time a member took up the delivery (far past
 * any delivery's life; it is set again whenever the delivery moves).
 */
const HOME_TTL_S = 7 * 86_400;

/** Takes a delivery's copy in one source for another (infra/lua/take-delivery.lua says how). */
const TAKE_DELIVERY = readFileSync(new URL('./lua/take-delivery.lua', import.meta.url), 'utf8');

type Taken =
  | { kind: 'none' }
  | { kind: 'elsewhere'; source: string }
  | { kind: 'taken'; hash: Record<string, string>; trail: string[] };

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

type Scripted = RedisClient & {
  fsMoveLegacyDelivery(...args: string[]): Promise<number>;
  fsTakeDelivery(...args: (string | number)[]): Promise<[string, unknown, unknown?] | null>;
};

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
  if (!('fsTakeDelivery' in redis)) {
    redis.defineCommand('fsTakeDelivery', { numberOfKeys: 5, lua: TAKE_DELIVERY });
    redis.defineCommand('fsMoveLegacyDelivery', { numberOfKeys: 8, lua: MOVE_LEGACY_DELIVERY });
  }
  /** Sources this process has listed in `P:lp:sources`. */
  const listed = new Set<string>();

  /** What a delivery's copy in `from` is, taken for `to` (see TAKE_DELIVERY). */
  const take = async (from: string, to: string, id: string, back = false): Promise<Taken> => {
    const reply = await r.fsTakeDelivery(
      keys.delivery(from, id),
      keys.trail(from, id),
      keys.active(from),
      keys.finished(from),
      keys.epoch(from),
      id,
      to,
      MOVED_KEPT_S,
      back ? '1' : '',
    );
    if (!reply) return { kind: 'none' };
    if (reply[0] === 'elsewhere') return { kind: 'elsewhere', source: String(reply[1]) };
    const flat = reply[1] as string[];
    const hash: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) hash[flat[i]!] = flat[i + 1]!;
    return { kind: 'taken', hash, trail: reply[2] as string[] };
  };

  /** Writes a taken copy under `source`, over whatever was there, and makes it the home. */
  const place = async (source: string, id: string, t: Extract<Taken, { kind: 'taken' }>) => {
    const { rev0, ttl0, activeScore, finishedScore, ...hash } = t.hash;
    delete hash.movedTo;
    hash.rev = rev0 ?? '';
    const m = redis
      .multi()
      .del(keys.delivery(source, id), keys.trail(source, id))
      .hset(keys.delivery(source, id), hash);
    if (t.trail.length > 0) m.rpush(keys.trail(source, id), ...t.trail);
    const ttl = Number(ttl0 ?? -1);
    if (ttl > 0) m.expire(keys.delivery(source, id), ttl).expire(keys.trail(source, id), ttl);
    if (activeScore) m.zadd(keys.active(source), activeScore, id);
    if (finishedScore) m.zadd(keys.finished(source), finishedScore, id);
    // Another holder of this source's states (a member the partition moved away from, or one
    // placing the same delivery at once) fails its next write and reads them again; the placer
    // too, once, which reads this copy back.
    m.incr(keys.epoch(source));
    await m.exec();
    await redis.set(keys.home(id), source, 'EX', HOME_TTL_S);
  };

  /**
   * Brings a delivery with nothing (or a copy marked moved) under `source` there: from the
   * source that last held it (its home: the delivery moved to a driver of another partition, or
   * partitions were added), or from the names of before. Taking a copy marks it moved in the
   * same step (TAKE_DELIVERY), so at most one valid copy exists, and a writer still holding the
   * old source's state in memory fails its compare-and-set and reads it again.
   */
  const adopt = async (source: string, id: string): Promise<void> => {
    const [home, movedTo] = await Promise.all([
      redis.get(keys.home(id)),
      redis.hget(keys.delivery(source, id), 'movedTo'),
    ]);
    // Where to look: its home, or where this source's own copy says it went (a taker that
    // stopped before it set the home).
    let from = home && home !== source ? home : movedTo;
    for (let hop = 0; from && from !== source && hop < 3; hop++) {
      const t = await take(from, source, id);
      if (t.kind === 'taken') return place(source, id, t);
      from = t.kind === 'elsewhere' ? t.source : null;
    }
    if (movedTo) {
      // Marked moved, but no copy found where it went (its taker stopped before writing one):
      // this copy is the only one, and it holds again.
      const own = await take(source, source, id, true);
      if (own.kind === 'taken') return place(source, id, own);
    }
    if (!home && standalone) {
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
    // A delivery seen for the first time lives here.
    if (!home) await redis.set(keys.home(id), source, 'EX', HOME_TTL_S, 'NX');
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
    // Taking a delivery up keeps its home from expiring (it is set again when it moves).
    for (const id of ids) void redis.expire(keys.home(id), HOME_TTL_S).catch(() => undefined);
    const absent = ids.filter((_, i) => rows[i]![4] === null || rows[i]![4] === MOVED);
    if (absent.length > 0) {
      await Promise.all(absent.map((id) => adopt(source, id)));
      rows = await readStates(source, ids);
    }
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
     * A partition's epoch ('' for none): it moves each time another partition takes one of its
     * deliveries. Read before the partition's states, it fences what was built on them.
     */
    async partitionEpoch(topic: string, partition: number): Promise<string> {
      return (await redis.get(keys.epoch(sourceOf(topic, partition)))) ?? '';
    },

    /**
     * Writes a plan of one partition's chunk, with the chunk's last offset, if the partition's
     * stored applied offset is still `fence.expected` and its epoch `fence.epoch`; resolves
     * false, having changed and published nothing, when either moved on (someone else wrote the
     * partition meanwhile, or took one of its deliveries).
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
