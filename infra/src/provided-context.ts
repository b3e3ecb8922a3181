// Values the test run's global setup provides to every test (vitest `inject`).
// Included by each workspace's tsconfig so `inject('kafkaBrokers')` is typed everywhere.
import type {} from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Brokers of the real Kafka this test run started (comma-separated). */
    kafkaBrokers: string;
    /**
     * URL of the real Redis this test run started: a standalone redis-server, or, for the
     * projects that run a suite again on a cluster, a local Redis Cluster (redis+cluster://).
     */
    redisUrl: string;
  }
}
