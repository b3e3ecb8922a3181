import type { NotificationRecord } from '@fleetstream/contracts';
import type { DeliveryState } from '../domain/milestones.js';
import type { RedisClient } from './redis.js';

/**
 * Detection state of the notifications group, in Redis (prefix P):
 * - `P:nt:applied` hash `topic:partition` → last offset whose effect is in the state
 * - `P:nt:d:{deliveryId}` JSON DeliveryState (expires a day after its last update)
 * - `P:nt:outbox:{topic}:{partition}` hash id → notification (with its source offset) decided but
 *   not yet known to be committed to Kafka
 * - `P:nt:watch:{topic}:{partition}` sorted set deliveryId → last fix time, for deliveries en
 *   route, to notice couriers who stop sending
 * - `P:nt:sunk` set of notification ids a sink has delivered
 *
 * A chunk's new states, its outbox entries and its last offset are written by one Lua script that
 * first checks the applied offset is still the one the chunk was computed from: a stale worker
 * (a zombie after a rebalance) fails instead of overwriting newer state.
 */
const COMMIT_CHUNK = `
local current = redis.call('HGET', KEYS[1], ARGV[1]) or '-1'
if current ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
local i = 6
for _ = 1, tonumber(ARGV[4]) do
  redis.call('SET', ARGV[i], ARGV[i + 1], 'EX', 86400)
  i = i + 2
end
for _ = 1, tonumber(ARGV[5]) do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
  i = i + 2
end
while i <= #ARGV do
  if ARGV[i + 1] == '-' then redis.call('ZREM', KEYS[3], ARGV[i]) else redis.call('ZADD', KEYS[3], ARGV[i + 1], ARGV[i]) end
  i = i + 2
end
return 1
`;

export interface OutboxEntry {
  /** Offset of the record that caused it. */
  sourceOffset: string;
  notification: NotificationRecord;
}

/** An outbox entry as stored: with its place among the entries of its chunk. */
type Stored = OutboxEntry & { order?: number };

type Scripted = RedisClient & {
  fsCommitNotifications(k1: string, k2: string, k3: string, ...args: string[]): Promise<number>;
};

export function createNotificationStore(redis: RedisClient, prefix: string) {
  const r = redis as Scripted;
  if (!('fsCommitNotifications' in redis))
    redis.defineCommand('fsCommitNotifications', { numberOfKeys: 3, lua: COMMIT_CHUNK });
  const keys = {
    applied: `${prefix}nt:applied`,
    state: (deliveryId: string) => `${prefix}nt:d:${deliveryId}`,
    outbox: (topic: string, partition: number) => `${prefix}nt:outbox:${topic}:${partition}`,
    watch: (topic: string, partition: number) => `${prefix}nt:watch:${topic}:${partition}`,
    sunk: `${prefix}nt:sunk`,
  };

  return {
    keys,
    /** Last offset applied for a partition, "-1" when none. */
    async applied(topic: string, partition: number): Promise<string> {
      return (await redis.hget(keys.applied, `${topic}:${partition}`)) ?? '-1';
    },
    async states(deliveryIds: readonly string[]): Promise<Map<string, DeliveryState>> {
      if (deliveryIds.length === 0) return new Map();
      const raw = await redis.mget(deliveryIds.map(keys.state));
      const out = new Map<string, DeliveryState>();
      raw.forEach((v, i) => v && out.set(deliveryIds[i]!, JSON.parse(v) as DeliveryState));
      return out;
    },
    /** Deliveries on the partition whose last fix is older than `before`. */
    async silentSince(topic: string, partition: number, before: number): Promise<string[]> {
      return redis.zrangebyscore(keys.watch(topic, partition), '-inf', `(${before}`);
    },
    /**
     * Writes a chunk's effect atomically if the partition is still at `expectedApplied`.
     * Resolves false when another worker got there first.
     */
    async commitChunk(c: {
      topic: string;
      partition: number;
      expectedApplied: string;
      newApplied: string;
      states: DeliveryState[];
      outbox: OutboxEntry[];
      /** deliveryId → last fix time, or null to stop watching. */
      watch: Map<string, number | null>;
    }): Promise<boolean> {
      const args = [
        `${c.topic}:${c.partition}`,
        c.expectedApplied,
        c.newApplied,
        String(c.states.length),
        String(c.outbox.length),
      ];
      for (const s of c.states) args.push(keys.state(s.deliveryId), JSON.stringify(s));
      // The hash forgets insertion order: each entry keeps its place in the chunk, so the outbox
      // is read back (and sent) in the order the notifications were decided.
      c.outbox.forEach((e, i) =>
        args.push(e.notification.id, JSON.stringify({ ...e, order: i } satisfies Stored)),
      );
      for (const [id, ts] of c.watch) args.push(id, ts === null ? '-' : String(ts));
      return (
        (await r.fsCommitNotifications(
          keys.applied,
          keys.outbox(c.topic, c.partition),
          keys.watch(c.topic, c.partition),
          ...args,
        )) === 1
      );
    },
    /** Decided but not yet sent notifications, in the order they were decided. */
    async outbox(topic: string, partition: number): Promise<OutboxEntry[]> {
      const stored = Object.values(await redis.hgetall(keys.outbox(topic, partition))).map(
        (v) => JSON.parse(v) as Stored,
      );
      stored.sort((a, b) => {
        const d = BigInt(a.sourceOffset) - BigInt(b.sourceOffset);
        return d !== 0n ? (d < 0n ? -1 : 1) : (a.order ?? 0) - (b.order ?? 0);
      });
      return stored.map(({ sourceOffset, notification }) => ({ sourceOffset, notification }));
    },
    async clearOutbox(topic: string, partition: number, ids: readonly string[]): Promise<void> {
      if (ids.length > 0) await redis.hdel(keys.outbox(topic, partition), ...ids);
    },
    /** True the first time a sink delivered this id. */
    async markSunk(id: string): Promise<boolean> {
      return (await redis.sadd(keys.sunk, id)) === 1;
    },
    async isSunk(id: string): Promise<boolean> {
      return (await redis.sismember(keys.sunk, id)) === 1;
    },
  };
}

export type NotificationStore = ReturnType<typeof createNotificationStore>;
