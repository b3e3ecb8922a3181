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
    ],
  }),
);
