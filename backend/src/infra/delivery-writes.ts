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
import { offsetField, type DeliveryKeys } from './delivery-keys.js';
import { createLiveChunkWriter, type PartitionFence } from './live-chunk.js';
import type { RedisClient } from './redis.js';

export type { PartitionFence } from './live-chunk.js';

/** Updates of queued standalone calls merged into one write, at most (unless one call has more). */
const MERGED_UPDATES = 500;

/** Conflicting writers a standalone `applyUpdates` outlasts before it gives up. */
const STANDALONE_ATTEMPTS = 20;

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
  const chunks = createLiveChunkWriter(redis, { prefix: keys.prefix, trailLength, retentionS });

  /** The stored states of these deliveries, in order (empty ones for unknown deliveries). */
  const loadStates = async (ids: readonly string[]): Promise<LiveDeliveryState[]> => {
    if (ids.length === 0) return [];
    const pipeline = redis.pipeline();
    for (const id of ids)
      pipeline.hmget(
        keys.delivery(id),
        'seq',
        'status',
        'session',
        'superseded',
        'rev',
        'driverId',
      );
    const rows = (await pipeline.exec()) ?? [];
    return rows.map(([err, value]) => {
      if (err) throw err;
      const [seq, status, session, superseded, rev, driverId] = value as (string | null)[];
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
      const loaded = await loadStates(ids);
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

    /** The last offset of a partition live-push applied, or -1. */
    async appliedOffset(topic: string, partition: number): Promise<number> {
      const v = await redis.hget(keys.offsets, offsetField(topic, partition));
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
