import { defineProject } from 'vitest/config';
import { fleetstreamTestProject } from '../vitest.shared.js';

// The consumer groups' integration tests, run again on a local 3-primary Redis Cluster: the
// same suite on both kinds of Redis.
export default defineProject(
  fleetstreamTestProject(import.meta.dirname, {
    onRedisCluster: [
      'src/consumers/analytics.int.test.ts',
      'src/infra/analytics-store.int.test.ts',
      'src/consumers/notification-*.int.test.ts',
      'src/infra/notification-store.int.test.ts',
      'src/infra/health-registry.int.test.ts',
      'src/consumers/live-partitions.int.test.ts',
      'src/infra/live-chunk.int.test.ts',
      'src/infra/redis-script.int.test.ts',
      'src/infra/delivery-*.int.test.ts',
      'src/gateway/track-socket.int.test.ts',
      'src/gateway/subscriptions.int.test.ts',
      'src/gateway/fanout.int.test.ts',
      'src/http/routes/deliveries.int.test.ts',
      'src/ops/delivery-impact.int.test.ts',
    ],
  }),
);
