import { MAX_HELD_DELIVERIES, partitionKey, retainAssigned } from './group-member.js';
import type { DeliveryState } from '../domain/milestones.js';
import type {
  ChunkRequest,
  ChunkStart,
  NotificationStore,
  OutboxEntry,
} from '../infra/notification-store.js';

interface Held {
  applied: string;
  /** Deliveries read or written so far; null: no state stored. */
  states: Map<string, DeliveryState | null>;
  /** Watched deliveries (they may fall silent) by their last fix time. */
  watch: Map<string, number>;
  outbox: OutboxEntry[];
}

/**
 * What the notifications member holds in memory of the partitions it owns: the applied offset,
 * the deliveries' detection states, the watched set and the outbox, as its last write left them
 * in Redis. Only the first chunk of a partition reads all of it; later chunks read just the
 * states of deliveries not seen yet, instead of every delivery of the chunk, the silent set and
 * the outbox in one script call each time. The write stays a compare-and-set on the applied
 * offset (NotificationStore.commitChunk): if another member wrote the partition meanwhile it
 * fails, the caller drops the partition, and the chunk is read again from Redis.
 */
export function createNotificationPartitions(store: NotificationStore) {
  const held = new Map<string, Held>();

  return {
    /** Everything a chunk starts from (see NotificationStore.load). */
    async load(c: ChunkRequest): Promise<ChunkStart> {
      const key = partitionKey(c.topic, c.partition);
      const p = held.get(key);
      if (!p) {
        const [start, watch] = await Promise.all([
          store.load(c),
          store.watched(c.topic, c.partition),
        ]);
        const states = new Map<string, DeliveryState | null>();
        for (const id of c.deliveryIds) states.set(id, start.states.get(id) ?? null);
        for (const [id, s] of start.silent) states.set(id, s);
        held.set(key, { applied: start.applied, states, watch, outbox: start.outbox });
        return start;
      }
      const silentIds =
        c.silentBefore === null
          ? []
          : [...p.watch].flatMap(([id, ts]) => (ts < c.silentBefore! ? [id] : []));
      const missing = [...new Set([...c.deliveryIds, ...silentIds])].filter(
        (id) => !p.states.has(id),
      );
      if (missing.length > 0) {
        const loaded = await store.states(c.topic, c.partition, missing);
        for (const id of missing) p.states.set(id, loaded.get(id) ?? null);
      }
      const pick = (ids: readonly string[]) =>
        new Map(ids.flatMap((id) => (p.states.get(id) ? [[id, p.states.get(id)!] as const] : [])));
      return {
        applied: p.applied,
        states: pick(c.deliveryIds),
        silent: pick(silentIds),
        outbox: p.outbox,
      };
    },

    /** After a successful commitChunk: what Redis now holds. */
    committed(
      topic: string,
      partition: number,
      c: {
        applied: string;
        states: readonly DeliveryState[];
        watch: ReadonlyMap<string, number | null>;
        outbox: OutboxEntry[];
      },
    ) {
      const p = held.get(partitionKey(topic, partition));
      if (!p) return;
      p.applied = c.applied;
      for (const s of c.states) p.states.set(s.deliveryId, s);
      for (const [id, ts] of c.watch) {
        if (ts === null) p.watch.delete(id);
        else p.watch.set(id, ts);
      }
      p.outbox = c.outbox;
      if (p.states.size > MAX_HELD_DELIVERIES) held.delete(partitionKey(topic, partition));
    },

    /** Outbox entries cleared (sent with a committed transaction, or left below it). */
    cleared(topic: string, partition: number, ids: ReadonlySet<string>) {
      const p = held.get(partitionKey(topic, partition));
      if (p) p.outbox = p.outbox.filter((e) => !ids.has(e.notification.id));
    },

    /** Forgets a partition: its next chunk reads everything from Redis again. */
    drop(topic: string, partition: number) {
      held.delete(partitionKey(topic, partition));
    },

    /** Forgets the partitions this member no longer owns. */
    retain(assignment: ReadonlyMap<string, readonly number[]>) {
      retainAssigned(held, assignment);
    },
  };
}
