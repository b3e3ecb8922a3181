import { MAX_HELD_DELIVERIES, partitionKey, retainAssigned } from './group-member.js';
import {
  deliveryIdOf,
  isFinished,
  planLiveChunk,
  type DeliveryUpdate,
  type LiveDeliveryState,
} from '../domain/live-delivery.js';
import { AppError } from '../errors.js';
import { sourceOf } from '../infra/delivery-keys.js';
import type { DeliveryStore } from '../infra/delivery-store.js';
import type { Logger } from '../infra/logger.js';

/** Writes that find their partition moved on before the chunk gives up (and is retried). */
const FENCED_ATTEMPTS = 5;

export interface LiveChunkResult {
  /** Per update: whether it took effect (and was published). */
  applied: boolean[];
  /** Updates skipped by offset: already applied by an earlier write of the partition. */
  replays: number;
  /** Updates that started a driver session superseding another (an app restart). */
  newSessions: number;
}

/** One partition's chunk for `apply`: its updates in log order, and each one's offset. */
export interface LiveChunk {
  updates: readonly DeliveryUpdate[];
  offsets: readonly number[];
}

interface PartitionState {
  /** Offset the states below were built on (-1: none applied yet). */
  applied: number;
  /** The partition's epoch, read before any of the states below. */
  epoch: string;
  deliveries: Map<string, LiveDeliveryState>;
}

/**
 * The deliveries' states of the partitions this live-push member owns, in memory: Kafka
 * gives each partition to one member of the group, and a delivery's records all sit in its
 * driver's partition, so while the member owns it no one else writes those deliveries. A
 * state is read from Redis the first time its delivery is seen, and the chunk's decisions
 * (domain/live-delivery.ts) are written back with the partition's applied offset by a
 * compare-and-set: when the stored offset has moved on (the partition was someone else's
 * meanwhile, or a write whose answer was lost did happen) or its epoch has (another partition
 * took one of its deliveries: the driver changed, or partitions were added), the partition's
 * states are dropped, read again and the chunk decided anew. Finished deliveries leave memory.
 */
export function createLivePartitions(store: DeliveryStore, log: Logger) {
  const partitions = new Map<string, PartitionState>();

  async function stateOf(topic: string, partition: number): Promise<PartitionState> {
    const key = partitionKey(topic, partition);
    const known = partitions.get(key);
    if (known) return known;
    const [applied, epoch] = await Promise.all([
      store.appliedOffset(topic, partition),
      store.partitionEpoch(topic, partition),
    ]);
    const state = { applied, epoch, deliveries: new Map() };
    partitions.set(key, state);
    return state;
  }

  return {
    /**
     * Applies one partition's chunk: its updates with their offsets, in log order, and the
     * chunk's last offset (records without an update included, so they are not looked at again).
     */
    async apply(
      topic: string,
      partition: number,
      chunk: LiveChunk,
      lastOffset: number,
      now: number,
    ): Promise<LiveChunkResult> {
      const { updates, offsets } = chunk;
      for (let attempt = 1; ; attempt++) {
        const state = await stateOf(topic, partition);
        // Offsets grow along the chunk: the updates already applied are its first ones.
        let replays = 0;
        while (replays < updates.length && offsets[replays]! <= state.applied) replays++;
        const fresh = replays === 0 ? updates : updates.slice(replays);
        const missing: string[] = [];
        const seen = new Set<string>();
        for (const u of fresh) {
          const id = deliveryIdOf(u);
          if (!state.deliveries.has(id) && !seen.has(id)) {
            seen.add(id);
            missing.push(id);
          }
        }
        const loaded = await store.loadStates(sourceOf(topic, partition), missing);
        missing.forEach((id, i) => state.deliveries.set(id, loaded[i]!));
        const plan = planLiveChunk(fresh, (id) => state.deliveries.get(id)!, now);
        const fence = {
          topic,
          partition,
          expected: state.applied,
          next: lastOffset,
          epoch: state.epoch,
        };
        let written: boolean;
        try {
          written = lastOffset <= state.applied || (await store.writeChunk(plan, fence));
        } catch (err) {
          // Whether the write happened is unknown: read the partition again next time.
          partitions.delete(partitionKey(topic, partition));
          throw err;
        }
        if (written) {
          state.applied = Math.max(state.applied, lastOffset);
          for (const [id, c] of plan.changes) {
            if (isFinished(c.state.status)) state.deliveries.delete(id);
            else c.state.storedRev = String(c.state.rev);
          }
          if (state.deliveries.size > MAX_HELD_DELIVERIES) state.deliveries.clear();
          return {
            applied:
              replays === 0
                ? plan.applied
                : new Array<boolean>(replays).fill(false).concat(plan.applied),
            replays,
            newSessions: plan.newSessions,
          };
        }
        partitions.delete(partitionKey(topic, partition));
        log.info(
          { topic, partition, attempt },
          'partition written elsewhere meanwhile: reading it again',
        );
        if (attempt >= FENCED_ATTEMPTS)
          throw new AppError(
            'STATE_CONFLICT',
            `partition ${topic}:${partition} kept moving on under ${FENCED_ATTEMPTS} writes`,
            { retriable: true },
          );
      }
    },

    /** Deliveries held in memory, over all partitions. */
    get deliveries() {
      let n = 0;
      for (const p of partitions.values()) n += p.deliveries.size;
      return n;
    },

    /** Forgets partitions this member no longer owns (their states may change elsewhere). */
    retain(assignment: ReadonlyMap<string, readonly number[]>) {
      retainAssigned(partitions, assignment);
    },
  };
}
