import type { Logger } from '../infra/logger.js';
import type { RedisClient } from '../infra/redis.js';

/** A published message as Redis delivered its bytes: encoded once, sent as-is to every socket. */
export type ChannelListener = (message: Buffer) => void;

/**
 * Reference-counted Redis pub/sub subscriptions: one SUBSCRIBE per channel however many
 * sockets watch it, UNSUBSCRIBE when the last leaves. ioredis resubscribes by itself after a
 * reconnect. Each message is handed over as the bytes Redis delivered (serialised once
 * upstream), so no recipient pays for encoding it again.
 */
export function createSubscriptions(subscriber: RedisClient, log: Logger) {
  const listeners = new Map<string, Set<ChannelListener>>();
  const subscribed = new Map<string, Promise<unknown>>();
  subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => {
    const set = listeners.get(channel.toString());
    if (!set) return;
    for (const l of set) l(message);
  });

  return {
    /** Resolves once the subscription is active, so nothing published after it is missed. */
    async add(channel: string, listener: ChannelListener): Promise<() => void> {
      let set = listeners.get(channel);
      const first = !set;
      if (!set) {
        set = new Set();
        listeners.set(channel, set);
      }
      set.add(listener);
      if (first) subscribed.set(channel, subscriber.subscribe(channel));
      await subscribed.get(channel);
      return () => {
        const s = listeners.get(channel);
        if (!s) return;
        s.delete(listener);
        if (s.size === 0) {
          listeners.delete(channel);
          subscribed.delete(channel);
          subscriber
            .unsubscribe(channel)
            .catch((err: unknown) => log.warn({ err, channel }, 'unsubscribe failed'));
        }
      };
    },
    get channels() {
      return listeners.size;
    },
  };
}
