import type { KafkaClient } from '@fleetstream/kafka/client';
import type { Config } from '../config.js';
import {
  createClusterViews,
  createGroupMembers,
  createProducers,
  type ClusterViews,
  type GroupMembers,
  type Producers,
} from './kafka-adapters.js';
import type { Logger } from './logger.js';
import { createPubSub, type PubSub } from './redis-pubsub.js';
import type { RedisClient } from './redis.js';
import { createStores, type Stores } from './stores.js';

/** What a module may use of Kafka and Redis: the adapters of AppContext (STYLE.md §13). */
export interface Adapters {
  readonly stores: Stores;
  readonly pubsub: PubSub;
  readonly producers: Producers;
  readonly groups: GroupMembers;
  readonly cluster: ClusterViews;
}

/** The adapters over the process's two clients, built once by main.ts (and the test context). */
export function createAdapters(
  clients: { kafka: KafkaClient; redis: RedisClient },
  config: Config,
  log: Logger,
): Adapters {
  return {
    stores: createStores(clients.redis, {
      prefix: config.redis.prefix,
      // The gateway reads with the same options the worker writes with.
      analytics: {
        prefix: config.redis.prefix,
        retentionS: config.analytics.retentionS,
        heatCellDeg: config.analytics.heatCellDeg,
        maxSpeedMps: config.analytics.maxSpeedMps,
      },
      abandonAfterS: config.deliveries.abandonAfterS,
      log,
    }),
    pubsub: createPubSub(clients.redis),
    producers: createProducers(clients.kafka),
    groups: createGroupMembers(clients.kafka),
    cluster: createClusterViews(clients.kafka),
  };
}
