import { feedPattern, readFeed } from '../domain/live-feed.js';
import type { DeliveryStore } from '../infra/delivery-store.js';
import type { Logger } from '../infra/logger.js';
import type { Subscriber } from '../infra/redis-pubsub.js';
import { Outgoing } from './outgoing.js';

/** A published message as Redis delivered its bytes: encoded once, sent as-is to every socket. */
export type ChannelListener = (message: Buffer) => void;
/** A customer message, worked out once for all the sockets of its delivery (outgoing.ts). */
export type DeliveryListener = (message: Outgoing) => void;

/**
 * The gateway's Redis pub/sub. Customers' messages come on the live feed (domain/live-feed.ts):
 * one subscription for the gateway's life (on a Redis Cluster one per partition, see FeedSource),
 * whose frames are split here and handed to
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

/**
 * How the gateway follows the live feed. On one Redis: one pattern subscription. On a Redis
 * Cluster live-push SPUBLISHes each partition's frames on that partition's channel, which lives
 * on the node of the partition's hash slot; the gateway SSUBSCRIBEs each partition's channel on
 * its node (ioredis keeps one subscriber connection per node and follows a slot that moves), so
 * every node serves the fan-out of its own partitions and more nodes serve more. The partitions
 * are those live-push has written (looked for again every few seconds), and a customer's
 * delivery's own partition is subscribed before the customer's set-up goes on. Notifications
 * (a few per delivery) keep one classic channel.
 */
export type FeedSource = { pattern: string } | { sharded: ShardedFeed };

export interface ShardedFeed {
  /** The sources (`topic:partition`) live-push has written. */
  sources(): Promise<string[]>;
  /** The source a delivery is kept under, null when it was never written. */
  homeOf(deliveryId: string): Promise<string | null>;
  /** A source's channel. */
  channel(source: string): string;
  /** The notifications' channel. */
  notes: string;
  /** How often new sources are looked for. @default 5000 */
  everyMs?: number;
  /**
   * How long a subscription may take before it counts as failed and is tried again. ioredis
   * leaves an SSUBSCRIBE answered with MOVED (a slot map out of date during a failover)
   * unsettled; its own resubscription moves the channel, but a customer waiting on it would
   * wait for good. @default 5000
   */
  subscribeTimeoutMs?: number;
}

/** `p`, or a rejection naming `what` when it has not settled within `ms`. */
function settleWithin<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** The live feed of a delivery store under `prefix`, sharded on a Redis Cluster (`sharded`). */
export function liveFeedOf(
  store: DeliveryStore,
  prefix: string,
  sharded: boolean,
  everyMs?: number,
): FeedSource {
  if (!sharded) return { pattern: feedPattern(prefix) };
  return {
    sharded: {
      sources: () => store.sources(),
      homeOf: (id) => store.homeOf(id),
      channel: store.keys.feed,
      notes: store.keys.notesFeed,
      ...(everyMs !== undefined && { everyMs }),
    },
  };
}

export function createSubscriptions(subscriber: Subscriber, source: FeedSource, log: Logger) {
  const channels = listenerSets<ChannelListener>();
  const subscribed = new Map<string, Promise<unknown>>();
  const deliveries = listenerSets<DeliveryListener>();
  let timer: NodeJS.Timeout | undefined;
  /** Sources whose channel is subscribed or being subscribed (forgotten when it fails). */
  const followed = new Map<string, Promise<unknown>>();
  const follow = (s: ShardedFeed, src: string) => {
    let done = followed.get(src);
    if (!done) {
      done = settleWithin(
        subscriber.ssubscribe(s.channel(src)),
        s.subscribeTimeoutMs ?? 5000,
        `SSUBSCRIBE ${s.channel(src)}`,
      );
      followed.set(src, done);
      done.catch(() => followed.delete(src));
    }
    return done;
  };
  const followAll = async (s: ShardedFeed) => {
    await Promise.all((await s.sources()).map((src) => follow(s, src)));
  };
  const followSharded = (s: ShardedFeed) => {
    // What a customer needs is the notifications' channel and its delivery's own partition
    // (subscribed in addDelivery); the others are followed from now on, so a delivery that
    // moves to another partition is followed there too (within everyMs).
    // After ioredis replaced a node's subscriber connection, every source is subscribed again
    // at the next look (a repeated SSUBSCRIBE changes nothing where it had held).
    let replaced = false;
    subscriber.onShardSubscribersChanged(() => (replaced = true));
    const lookForSources = () => {
      if (replaced) {
        replaced = false;
        followed.clear();
      }
      void followAll(s).catch((err: unknown) =>
        log.warn({ err }, 'following the live feed partitions failed'),
      );
    };
    lookForSources();
    timer = setInterval(lookForSources, s.everyMs ?? 5000);
    timer.unref();
    return subscriber.subscribe(s.notes);
  };
  const feed =
    'pattern' in source ? subscriber.psubscribe(source.pattern) : followSharded(source.sharded);
  // Awaited by each customer; a failure here is theirs to see (their set-up fails and closes).
  feed.catch((err: unknown) => log.warn({ err }, 'live feed subscription failed'));
  const onFrame = (frame: Buffer) => {
    if (deliveries.sets.size === 0) return;
    readFeed(frame, (deliveryId, json) => {
      const set = deliveries.sets.get(deliveryId);
      if (!set) return;
      const message = new Outgoing(json);
      for (const l of set) l(message);
    });
  };
  const notes = 'sharded' in source ? source.sharded.notes : null;
  subscriber.onMessage((channel, message) => {
    const name = channel.toString();
    if (name === notes) return onFrame(message);
    const set = channels.sets.get(name);
    if (!set) return;
    for (const l of set) l(message);
  });
  subscriber.onPatternMessage((_pattern, _channel, frame) => onFrame(frame));
  subscriber.onShardMessage((_channel, frame) => onFrame(frame));

  return {
    /**
     * Hands every live message of a delivery to `listener`; resolves once the feed is
     * subscribed, so nothing published after it is missed.
     */
    async addDelivery(deliveryId: string, listener: DeliveryListener): Promise<() => void> {
      const { remove } = deliveries.add(deliveryId, listener);
      try {
        await feed;
        if ('sharded' in source) {
          const home = await source.sharded.homeOf(deliveryId);
          if (home !== null) await follow(source.sharded, home);
        }
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
    /** Stops looking for new partitions (the subscriber's owner closes it). */
    close() {
      clearInterval(timer);
    },
  };
}
