import type { AppContext, Stop } from '../context.js';
import { createOpsStore } from '../infra/ops-store.js';

export interface Pausable {
  pause(): void;
  resume(): void;
}

/**
 * Lets ops pause and resume a group from the dashboard: the worker follows the paused flag in
 * Redis at start-up and every control message after. Pausing keeps the group membership, so
 * lag builds up on the same partitions and drains when resumed.
 */
export async function followGroupControl(
  ctx: AppContext,
  groupId: string,
  consumer: Pausable,
): Promise<Stop> {
  const store = createOpsStore(ctx.redis, ctx.config.redis.prefix);
  const subscriber = ctx.redis.duplicate();
  subscriber.on('error', () => undefined);
  const apply = (paused: boolean) => {
    ctx.log.info(
      { group: groupId, paused },
      paused ? 'pausing consumption' : 'resuming consumption',
    );
    if (paused) consumer.pause();
    else consumer.resume();
  };
  subscriber.on('message', (_channel: string, raw: string) => {
    try {
      const m = JSON.parse(raw) as { groupId?: string; action?: string };
      if (m.groupId === groupId && (m.action === 'pause' || m.action === 'resume'))
        apply(m.action === 'pause');
    } catch {
      // not ours
    }
  });
  await subscriber.subscribe(store.keys.control);
  if ((await store.pausedGroups()).has(groupId)) apply(true);
  return async () => {
    subscriber.disconnect();
  };
}
