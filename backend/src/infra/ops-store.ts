import type { HistoryPoint, LagSnapshot } from '@fleetstream/contracts';
import { legacyKeyMove, type RedisClient } from './redis.js';

/**
 * Redis state of the ops role and of group control:
 * - `P:{ops}:snapshot` the latest lag snapshot (JSON)
 * - `P:{ops}:history` list of history points, trimmed to the last `historyPoints`
 * - channel `P:ops:live`: one ready-to-send ops WebSocket message per poll
 * - `P:ops:paused` hash groupId → "1" while paused; channel `P:control` tells workers at once
 * - `P:ops:leader` which ops instance polls (a lease), so two instances never double the history
 */
export function createOpsStore(redis: RedisClient, prefix: string) {
  const keys = {
    // One hash tag: a cluster keeps the two on one node, for the transaction.
    snapshot: `${prefix}{ops}:snapshot`,
    history: `${prefix}{ops}:history`,
    live: `${prefix}ops:live`,
    paused: `${prefix}ops:paused`,
    control: `${prefix}control`,
    leader: `${prefix}ops:leader`,
  };
  const moved = legacyKeyMove(redis, [
    [`${prefix}ops:snapshot`, keys.snapshot],
    [`${prefix}ops:history`, keys.history],
  ]);
  return {
    keys,
    /** Takes or renews the polling lease; true while this instance holds it. */
    async lead(instanceId: string, ttlMs: number): Promise<boolean> {
      const taken = await redis.set(keys.leader, instanceId, 'PX', ttlMs, 'NX');
      if (taken === 'OK') return true;
      if ((await redis.get(keys.leader)) !== instanceId) return false;
      await redis.pexpire(keys.leader, ttlMs);
      return true;
    },
    async publish(
      snapshot: LagSnapshot,
      point: HistoryPoint,
      historyPoints: number,
    ): Promise<void> {
      const message = JSON.stringify({ type: 'update', point, snapshot });
      await moved();
      await redis
        .multi()
        .set(keys.snapshot, JSON.stringify(snapshot))
        .rpush(keys.history, JSON.stringify(point))
        .ltrim(keys.history, -historyPoints, -1)
        .publish(keys.live, message)
        .exec();
    },
    async snapshot(): Promise<LagSnapshot | null> {
      await moved();
      const raw = await redis.get(keys.snapshot);
      return raw ? (JSON.parse(raw) as LagSnapshot) : null;
    },
    async history(): Promise<HistoryPoint[]> {
      await moved();
      return (await redis.lrange(keys.history, 0, -1)).map((p) => JSON.parse(p) as HistoryPoint);
    },
    async pausedGroups(): Promise<Set<string>> {
      const all = await redis.hgetall(keys.paused);
      return new Set(
        Object.entries(all)
          .filter(([, v]) => v === '1')
          .map(([k]) => k),
      );
    },
    /** Records the wish and tells running workers; a worker that starts later reads the hash. */
    async setPaused(groupId: string, paused: boolean): Promise<void> {
      await redis
        .multi()
        .hset(keys.paused, groupId, paused ? '1' : '0')
        .publish(keys.control, JSON.stringify({ groupId, action: paused ? 'pause' : 'resume' }))
        .exec();
    },
  };
}

export type OpsStore = ReturnType<typeof createOpsStore>;
