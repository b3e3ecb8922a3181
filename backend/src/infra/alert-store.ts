import type { Alert, AlertEvent } from '@fleetstream/contracts';
import type { RuleState } from '../domain/alerts.js';
import { legacyKeyMove, type RedisClient } from './redis.js';

/**
 * Redis state of the alert rules, so an ops role restart (or a new leader) carries on where the
 * last one stopped, without firing or sending anything twice:
 * - `P:{alerts}:rules` hash `<rule>|<groupId>` → hysteresis state (JSON)
 * - `P:{alerts}:byId` hash alertId → the alert (JSON); `P:{alerts}:order` zset of alertIds by firing time
 * - `P:{alerts}:outbox` hash eventId → a transition not yet taken by the webhook (JSON)
 * A transition's rule state, alert and outbox entry are written in one MULTI; the event leaves the
 * outbox only once the sink took it.
 */
export function createAlertStore(redis: RedisClient, prefix: string) {
  // One hash tag: a cluster keeps them on one node, for the transactions.
  const keys = {
    rules: `${prefix}{alerts}:rules`,
    byId: `${prefix}{alerts}:byId`,
    order: `${prefix}{alerts}:order`,
    outbox: `${prefix}{alerts}:outbox`,
  };
  const moved = legacyKeyMove(
    redis,
    (['rules', 'byId', 'order', 'outbox'] as const).map((k) => [`${prefix}alerts:${k}`, keys[k]]),
  );
  const ruleKey = (rule: string, groupId: string) => `${rule}|${groupId}`;

  return {
    keys,
    ruleKey,
    async ruleStates(): Promise<Map<string, RuleState>> {
      await moved();
      const all = await redis.hgetall(keys.rules);
      return new Map(Object.entries(all).map(([k, v]) => [k, JSON.parse(v) as RuleState]));
    },
    /**
     * Saves changed rule states and the transitions they made (alert + outbox event) at once,
     * then trims resolved alerts beyond `keep`.
     */
    async commit(
      states: ReadonlyMap<string, RuleState>,
      transitions: readonly { alert: Alert; event: AlertEvent }[],
      keep: number,
    ): Promise<void> {
      if (states.size === 0 && transitions.length === 0) return;
      await moved();
      const m = redis.multi();
      for (const [k, s] of states) m.hset(keys.rules, k, JSON.stringify(s));
      for (const { alert, event } of transitions) {
        m.hset(keys.byId, alert.id, JSON.stringify(alert));
        m.zadd(keys.order, alert.firedAt, alert.id);
        m.hset(keys.outbox, event.id, JSON.stringify(event));
      }
      await m.exec();
      if (transitions.length > 0) await trim(keep);
    },
    /** Events the sink has not taken yet, oldest first (a firing before its resolved). */
    async pending(): Promise<AlertEvent[]> {
      await moved();
      const all = Object.values(await redis.hgetall(keys.outbox)).map(
        (v) => JSON.parse(v) as AlertEvent,
      );
      return all.sort((a, b) => a.since - b.since || (a.state === 'firing' ? -1 : 1));
    },
    async delivered(eventId: string): Promise<void> {
      await moved();
      await redis.hdel(keys.outbox, eventId);
    },
    /** Alerts newest first: firing ones and the history. */
    async list(limit = 1000): Promise<Alert[]> {
      await moved();
      const ids = await redis.zrevrange(keys.order, 0, limit - 1);
      if (ids.length === 0) return [];
      const raw = await redis.hmget(keys.byId, ...ids);
      return raw.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as Alert);
    },
  };

  async function trim(keep: number) {
    const excess = (await redis.zcard(keys.order)) - keep;
    if (excess <= 0) return;
    const oldest = await redis.zrange(keys.order, 0, excess - 1);
    const raw = await redis.hmget(keys.byId, ...oldest);
    const gone = oldest.filter((_, i) => {
      const a = raw[i] ? (JSON.parse(raw[i]) as Alert) : null;
      return a === null || a.state === 'resolved';
    });
    if (gone.length > 0)
      await redis
        .multi()
        .zrem(keys.order, ...gone)
        .hdel(keys.byId, ...gone)
        .exec();
  }
}

export type AlertStore = ReturnType<typeof createAlertStore>;
