import { Cluster } from 'ioredis';
import type { RedisClient } from './redis.js';

/** A Redis connection of its own in subscriber mode, with messages as the bytes Redis sent. */
export interface Subscriber {
  subscribe(channel: string): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
  psubscribe(pattern: string): Promise<unknown>;
  punsubscribe(pattern: string): Promise<unknown>;
  /**
   * Sharded pub/sub (Redis 7): on a cluster, subscribed on the node serving the channel's slot,
   * and again wherever the slot moves (ioredis follows it).
   */
  ssubscribe(channel: string): Promise<unknown>;
  sunsubscribe(channel: string): Promise<unknown>;
  /**
   * Called when a Redis Cluster's sharded subscriber connections change (a node's connection
   * replaced after a failure or a slot move); returns the remover. ioredis then subscribes again
   * by itself, but drops a channel whose SSUBSCRIBE fails at that moment (a restarted node
   * answering CLUSTERDOWN), so its owner subscribes again too. Never called on one Redis.
   */
  onShardSubscribersChanged(listener: () => void): () => void;
  /** Each message on a subscribed sharded channel; returns the remover. */
  onShardMessage(listener: (channel: Buffer, message: Buffer) => void): () => void;
  /** Each message on a subscribed channel; returns the remover. */
  onMessage(listener: (channel: Buffer, message: Buffer) => void): () => void;
  /** Each message on a channel matched by a subscribed pattern; returns the remover. */
  onPatternMessage(
    listener: (pattern: Buffer, channel: Buffer, message: Buffer) => void,
  ): () => void;
  close(): void;
  /** Whether this is a Redis Cluster's, where the live feed is sharded (see PubSub.sharded). */
  readonly sharded: boolean;
}

export interface PubSub {
  /** A new subscriber connection; its owner closes it. */
  subscriber(): Subscriber;
  /**
   * Whether the live feed is published with SPUBLISH and followed with SSUBSCRIBE (a Redis
   * Cluster, where a classic PUBLISH goes to every node) rather than PUBLISH and PSUBSCRIBE.
   */
  readonly sharded: boolean;
}

export function createPubSub(redis: RedisClient): PubSub {
  const sharded = redis instanceof Cluster;
  return {
    sharded,
    subscriber() {
      // Pub/sub needs a connection of its own: a subscribed connection takes no other commands.
      // No ready check on it: ioredis writes a SUBSCRIBE issued between connect and ready at
      // once, and the ready check's INFO then fails in subscriber mode and takes the process
      // down (customers connecting together at start-up or after a reconnect did that under
      // load).
      const sub =
        redis instanceof Cluster
          ? // Its options are merged one level deep: the credentials and TLS come along by hand.
            // Sharded subscriptions go to the node of each channel's slot, and follow it.
            // A short connect timeout: ioredis holds a new slot map back while a subscriber
            // connects to a node that died, for up to this long.
            redis.duplicate(undefined, {
              shardedSubscribers: true,
              redisOptions: {
                ...redis.options.redisOptions,
                enableReadyCheck: false,
                connectTimeout: 2000,
              },
            })
          : redis.duplicate({ enableReadyCheck: false });
      sub.on('error', () => undefined); // the main connection logs Redis errors
      return {
        subscribe: (channel) => sub.subscribe(channel),
        unsubscribe: (channel) => sub.unsubscribe(channel),
        psubscribe: (pattern) => sub.psubscribe(pattern),
        punsubscribe: (pattern) => sub.punsubscribe(pattern),
        ssubscribe: (channel) => sub.ssubscribe(channel),
        sunsubscribe: (channel) => sub.sunsubscribe(channel),
        onShardSubscribersChanged(listener) {
          if (!sharded) return () => undefined;
          sub.on('+subscriber', listener);
          return () => void sub.off('+subscriber', listener);
        },
        onShardMessage(listener) {
          sub.on('smessageBuffer', listener);
          return () => void sub.off('smessageBuffer', listener);
        },
        onMessage(listener) {
          sub.on('messageBuffer', listener);
          return () => void sub.off('messageBuffer', listener);
        },
        onPatternMessage(listener) {
          sub.on('pmessageBuffer', listener);
          return () => void sub.off('pmessageBuffer', listener);
        },
        close: () => sub.disconnect(),
        sharded,
      };
    },
  };
}
