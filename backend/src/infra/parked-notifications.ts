import {
  NotificationRecordSchema,
  type NotificationRecord,
  type ParkedSummary,
} from '@fleetstream/contracts';
import { legacyKeyMove, type RedisClient } from './redis.js';

/**
 * Notifications the sink could not take (its webhook down, or refusing one), kept until they
 * are delivered: nothing is dropped. Keys (prefix P):
 * - `P:nt:{parked}` hash id → entry JSON (the notification, why, since when, attempts)
 * - `P:nt:{parked}:due` sorted set id → when to try again (absent: dead-lettered, that is
 *   refused by the sink or undelivered past NOTIFY_PARKED_DEAD_AFTER_S; only a redrive)
 * - `P:nt:{parked}:since` sorted set id → when it was first parked, for the oldest age
 * Every write is idempotent (a resent command after a reconnect changes nothing more).
 */
export interface ParkedEntry {
  notification: NotificationRecord;
  reason: string;
  /** When it was first parked (ms). */
  parkedAt: number;
  /** Delivery attempts so far (each one the sink's own retries included). */
  attempts: number;
}

/** Claims up to ARGV[2] entries due at ARGV[1] for ARGV[3] ms, so two workers never both try one. */
const CLAIM_DUE = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
if #ids == 0 then return {} end
local lease = tonumber(ARGV[1]) + tonumber(ARGV[3])
for _, id in ipairs(ids) do redis.call('ZADD', KEYS[1], lease, id) end
return redis.call('HMGET', KEYS[2], unpack(ids))
`;

/** Makes every parked entry due at ARGV[1]; returns how many. */
const REDRIVE_ALL = `
local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
for _, id in ipairs(ids) do redis.call('ZADD', KEYS[2], tonumber(ARGV[1]), id) end
return #ids
`;

type Scripted = RedisClient & {
  fsClaimParked(
    due: string,
    entries: string,
    now: number,
    limit: number,
    leaseMs: number,
  ): Promise<(string | null)[]>;
  fsRedriveParked(since: string, due: string, now: number): Promise<number>;
};

export function createParkedNotifications(redis: RedisClient, prefix: string) {
  // One hash tag: a cluster keeps the three on one node, for the scripts and transactions.
  const keys = {
    entries: `${prefix}nt:{parked}`,
    due: `${prefix}nt:{parked}:due`,
    since: `${prefix}nt:{parked}:since`,
  };
  const moved = legacyKeyMove(redis, [
    [`${prefix}nt:parked`, keys.entries],
    [`${prefix}nt:parked:due`, keys.due],
    [`${prefix}nt:parked:since`, keys.since],
  ]);
  const r = redis as Scripted;
  if (!('fsClaimParked' in redis))
    redis.defineCommand('fsClaimParked', { numberOfKeys: 2, lua: CLAIM_DUE });
  if (!('fsRedriveParked' in redis))
    redis.defineCommand('fsRedriveParked', { numberOfKeys: 2, lua: REDRIVE_ALL });

  const decode = (json: string): ParkedEntry | null => {
    try {
      const e = JSON.parse(json) as ParkedEntry;
      return NotificationRecordSchema.safeParse(e.notification).success ? e : null;
    } catch {
      return null;
    }
  };

  return {
    keys,
    /** Parks (or re-parks) one entry; `retryAt` null = wait for a redrive (refused ones). */
    async park(e: ParkedEntry, retryAt: number | null): Promise<void> {
      const id = e.notification.id;
      await moved();
      const m = redis
        .multi()
        .hset(keys.entries, id, JSON.stringify(e))
        .zadd(keys.since, 'NX', e.parkedAt, id);
      if (retryAt === null) m.zrem(keys.due, id);
      else m.zadd(keys.due, retryAt, id);
      await m.exec();
    },
    /** Entries due by `now`, each claimed for `leaseMs`. */
    async claimDue(now: number, limit: number, leaseMs: number): Promise<ParkedEntry[]> {
      await moved();
      const raw = await r.fsClaimParked(keys.due, keys.entries, now, limit, leaseMs);
      return raw.flatMap((json) => (json ? (decode(json) ?? []) : []));
    },
    async remove(id: string): Promise<void> {
      await moved();
      await redis.multi().hdel(keys.entries, id).zrem(keys.due, id).zrem(keys.since, id).exec();
    },
    /** How many are parked (dead ones included), how many are dead, the oldest's wait. */
    async summary(now: number): Promise<ParkedSummary> {
      await moved();
      const [count, retrying, oldest] = await Promise.all([
        redis.zcard(keys.since),
        redis.zcard(keys.due),
        redis.zrange(keys.since, 0, 0, 'WITHSCORES'),
      ]);
      return {
        parked: count,
        dead: Math.max(0, count - retrying),
        oldestAgeMs: oldest[1] ? Math.max(0, now - Number(oldest[1])) : null,
      };
    },
    /** Every parked entry due now, refused ones included; returns how many. */
    async redriveAll(now: number): Promise<number> {
      await moved();
      return r.fsRedriveParked(keys.since, keys.due, now);
    },
  };
}

export type ParkedNotifications = ReturnType<typeof createParkedNotifications>;
