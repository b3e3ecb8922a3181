import type { Logger } from './logger.js';
import { createAbandonedDeliveries } from './abandoned-deliveries.js';
import { createAlertStore } from './alert-store.js';
import { createAnalyticsStore, type AnalyticsStoreOptions } from './analytics-store.js';
import { createDeliveryIndex, type DeliveryIndexOptions } from './delivery-index.js';
import { createDeliveryStore } from './delivery-store.js';
import { createHealthRegistry } from './health-registry.js';
import { createNotificationStore } from './notification-store.js';
import { createOpsStore } from './ops-store.js';
import { createParkedNotifications } from './parked-notifications.js';
import type { RedisClient } from './redis.js';

export interface StoreOptions {
  /** The deployment's Redis key prefix. */
  prefix: string;
  analytics: AnalyticsStoreOptions;
  /** A delivery whose courier sent nothing for this long leaves the active set. */
  abandonAfterS: number;
  log: Logger;
}

/**
 * The Redis-backed state of the platform, one store per concern, all on the process's one
 * connection. Stores that hold nothing in memory are built once; the two that do are made by
 * whoever needs one (a group member's partition state, a cached index).
 */
export function createStores(redis: RedisClient, o: StoreOptions) {
  const deliveries = createDeliveryStore(redis, { prefix: o.prefix });
  return {
    deliveries,
    notifications: createNotificationStore(redis, o.prefix),
    parked: createParkedNotifications(redis, o.prefix),
    ops: createOpsStore(redis, o.prefix),
    alerts: createAlertStore(redis, o.prefix),
    health: createHealthRegistry(redis, o.prefix),
    abandoned: createAbandonedDeliveries(redis, deliveries.keys, {
      log: o.log,
      abandonAfterS: o.abandonAfterS,
    }),
    /** Analytics state; a member keeps its partitions' state in it, so each makes its own. */
    analytics: () => createAnalyticsStore(redis, o.analytics),
    /** The deliveries list's index, which caches one read for `maxAgeMs`. */
    deliveryIndex: (io: DeliveryIndexOptions = {}) =>
      createDeliveryIndex(redis, deliveries.keys, io),
  };
}

export type Stores = ReturnType<typeof createStores>;
