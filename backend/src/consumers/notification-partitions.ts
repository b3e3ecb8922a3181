import { MAX_HELD_DELIVERIES, partitionKey, retainAssigned } from './group-member.js';
import type { DeliveryState } from '../domain/milestones.js';
import type {
  ChunkRequest,
  ChunkStart,
  NotificationStore,
  OutboxEntry,
} from '../infra/notification-store.js';

interface Held {
  /** Last offset whose effect the held state has. */
  applied: string;
  /** Last offset whose effect Redis has: what the next write expects to find there. */
  written: string;
  /** When the partition was last written (ms, 0: not since it was read). */
  writtenAt: number;
  /** Deliveries read or written so far; null: no state stored. */
  states: Map<string, DeliveryState | null>;
  /** Watched deliveries (they may fall silent) by their last fix time. */
  watch: Map<string, number>;
  outbox: OutboxEntry[];
  /** States changed since the last write, and changes of the watched set. */
  unwritten: Map<string, DeliveryState>;
  unwrittenWatch: Map<string, number | null>;
}

/** The held state's changes Redis does not have yet, and the offset Redis is at. */
export interface Unwritten {
  written: string;
  states: Map<string, DeliveryState>;
  watch: Map<string, number | null>;
}

/**
 * What the notifications member holds in memory of the partitions it owns: the applied offset,
 * the deliveries' detection states, the watched set and the outbox. Only the first chunk of a
 * partition reads all of it from Redis; later chunks read just the states of deliveries not
 * seen yet. A chunk that decided nothing need not be written at once (`advanced`): the held
 * state runs ahead of Redis's, and what Redis lacks goes with the partition's next write
 * (`unwritten`, then `committed`). The write stays a compare-and-set on the offset Redis is at
 * (NotificationStore.commitChunk): if another member wrote the partition meanwhile it fails,
 * the caller drops the partition, and the chunk is read again from Redis.
 */
export function createNotificationPartitions(store: NotificationStore) {
  const held = new Map<string, Held>();

  return {
    /** Everything a chunk starts from (see NotificationStore.load). */
    async load(c: ChunkRequest): Promise<ChunkStart & { restored: boolean }> {
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
        held.set(key, {
          applied: start.applied,
          written: start.applied,
          writtenAt: 0,
          states,
          watch,
          outbox: start.outbox,
          unwritten: new Map(),
          unwrittenWatch: new Map(),
        });
        return { ...start, restored: true };
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
        restored: false,
      };
    },

    /** A chunk applied in memory only: Redis gets its changes with the partition's next write. */
    advanced(
      topic: string,
      partition: number,
      c: {
        applied: string;
        states: Iterable<DeliveryState>;
        watch: ReadonlyMap<string, number | null>;
      },
    ) {
      const p = held.get(partitionKey(topic, partition));
      if (!p) return;
      p.applied = c.applied;
      for (const s of c.states) {
        p.states.set(s.deliveryId, s);
        p.unwritten.set(s.deliveryId, s);
      }
      for (const [id, ts] of c.watch) {
        if (ts === null) p.watch.delete(id);
        else p.watch.set(id, ts);
        p.unwrittenWatch.set(id, ts);
      }
    },

    /** What the partition's next write must carry besides its chunk's own changes. */
    unwritten(topic: string, partition: number): Unwritten | null {
      const p = held.get(partitionKey(topic, partition));
      return p ? { written: p.written, states: p.unwritten, watch: p.unwrittenWatch } : null;
    },

    /** When the partition was last written (ms since the epoch; 0: not since it was read). */
    writtenAt(topic: string, partition: number): number {
      return held.get(partitionKey(topic, partition))?.writtenAt ?? 0;
    },

    /** After a successful commitChunk (carrying `unwritten` too): what Redis now holds. */
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
      p.written = c.applied;
      p.writtenAt = Date.now();
      p.unwritten = new Map();
      p.unwrittenWatch = new Map();
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
