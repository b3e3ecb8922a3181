import { readFeed } from '../domain/live-feed.js';
import type { Logger } from '../infra/logger.js';
import type { Subscriber } from '../infra/redis-pubsub.js';
import { Outgoing } from './outgoing.js';

/** A published message as Redis delivered its bytes: encoded once, sent as-is to every socket. */
export type ChannelListener = (message: Buffer) => void;
/** A customer message, worked out once for all the sockets of its delivery (outgoing.ts). */
export type DeliveryListener = (message: Outgoing) => void;

/**
 * The gateway's Redis pub/sub. Customers' messages come on the live feed (domain/live-feed.ts):
 * one pattern subscription for the gateway's life, whose frames are split here and handed to
 * the sockets of each delivery, so a customer costs a map entry, not a Redis subscription, and
 * Redis sends one message per live-push chunk instead of one per fix. Other channels (the ops
 * snapshots) are reference-counted subscriptions: one SUBSCRIBE per channel however many
 * sockets watch it, UNSUBSCRIBE when the last leaves. ioredis subscribes again by itself after a
 * reconnect. A message is handed over as the bytes Redis delivered; a customer message as one
 * Outgoing for all the sockets of its delivery (a view into the feed frame, framed once), so no
 * recipient pays for encoding or framing it again.
 */
/** Listeners by key; the remover a listener gets says whether its key has none left. */
function listenerSets<L>() {
  const sets = new Map<string, Set<L>>();
  return {
    sets,
    /** Adds a listener: whether it is its key's first, and its remover. */
    add(key: string, listener: L) {
      let set = sets.get(key);
      const first = !set;
      if (!set) sets.set(key, (set = new Set()));
      set.add(listener);
      const remove = (): boolean => {
        const s = sets.get(key);
        if (!s?.delete(listener) || s.size > 0) return false;
        sets.delete(key);
        return true;
      };
      return { first, remove };
    },
  };
}

export function createSubscriptions(subscriber: Subscriber, feedPattern: string, log: Logger) {
  const channels = listenerSets<ChannelListener>();
  const subscribed = new Map<string, Promise<unknown>>();
  const deliveries = listenerSets<DeliveryListener>();
  const feed = subscriber.psubscribe(feedPattern);
  // Awaited by each customer; a failure here is theirs to see (their set-up fails and closes).
  feed.catch((err: unknown) => log.warn({ err }, 'live feed subscription failed'));
  subscriber.onMessage((channel, message) => {
    const set = channels.sets.get(channel.toString());
    if (!set) return;
    for (const l of set) l(message);
  });
  subscriber.onPatternMessage((_pattern, _channel, frame) => {
    if (deliveries.sets.size === 0) return;
    readFeed(frame, (deliveryId, json) => {
      const set = deliveries.sets.get(deliveryId);
      if (!set) return;
      const message = new Outgoing(json);
      for (const l of set) l(message);
    });
  });

  return {
    /**
     * Hands every live message of a delivery to `listener`; resolves once the feed is
     * subscribed, so nothing published after it is missed.
     */
    async addDelivery(deliveryId: string, listener: DeliveryListener): Promise<() => void> {
      const { remove } = deliveries.add(deliveryId, listener);
      try {
        await feed;
      } catch (err) {
        remove();
        throw err;
      }
      return () => void remove();
    },

    /** Resolves once the subscription is active, so nothing published after it is missed. */
    async add(channel: string, listener: ChannelListener): Promise<() => void> {
      const { first, remove } = channels.add(channel, listener);
      if (first) subscribed.set(channel, subscriber.subscribe(channel));
      await subscribed.get(channel);
      return () => {
        if (!remove()) return;
        subscribed.delete(channel);
        subscriber
          .unsubscribe(channel)
          .catch((err: unknown) => log.warn({ err, channel }, 'unsubscribe failed'));
      };
    },
    /** Deliveries followed and other channels subscribed. */
    get channels() {
      return channels.sets.size + deliveries.sets.size;
    },
  };
}
