import type { AppContext, Stop } from '../context.js';

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
  const store = ctx.stores.ops;
  const subscriber = ctx.pubsub.subscriber();
  const apply = (paused: boolean) => {
    ctx.log.info(
      { group: groupId, paused },
      paused ? 'pausing consumption' : 'resuming consumption',
    );
    if (paused) consumer.pause();
    else consumer.resume();
  };
  subscriber.onMessage((_channel, raw) => {
    try {
      const m = JSON.parse(raw.toString()) as { groupId?: string; action?: string };
      if (m.groupId === groupId && (m.action === 'pause' || m.action === 'resume'))
        apply(m.action === 'pause');
    } catch {
      // not ours
    }
  });
  await subscriber.subscribe(store.keys.control);
  if ((await store.pausedGroups()).has(groupId)) apply(true);
  return async () => {
    subscriber.close();
  };
}
