import path from 'node:path';
import type { UserWorkspaceConfig } from 'vitest/config';

/**
 * One test setup for every workspace: sources resolved through the `source` export condition,
 * and a real Kafka + Redis started once per run for the integration tests (`*.int.test.ts`).
 */
export function fleetstreamTestProject(
  dir: string,
  o: {
    /**
     * Runs these tests (globs under `dir`) again on a local Redis Cluster instead of a
     * standalone Redis, as a project of their own.
     */
    onRedisCluster?: string[];
  } = {},
): UserWorkspaceConfig {
  return {
    resolve: { conditions: ['source'] },
    ssr: { resolve: { conditions: ['source'] } },
    test: {
      name: o.onRedisCluster ? `${path.basename(dir)}-on-redis-cluster` : path.basename(dir),
      root: dir,
      include: o.onRedisCluster ?? ['src/**/*.test.{ts,tsx}', 'test/**/*.test.{ts,tsx}'],
      globalSetup: [
        path.join(
          import.meta.dirname,
          `infra/src/test-global-setup${o.onRedisCluster ? '-cluster' : ''}.ts`,
        ),
      ],
      // Before any test file loads kafkajs: its consumers get the corrected read_committed filter.
      setupFiles: [
        path.join(import.meta.dirname, 'kafka/src/read-committed.ts'),
        path.join(import.meta.dirname, 'vitest.setup.ts'),
      ],
      // Short for unit tests; vitest.setup.ts gives integration tests long ones.
      testTimeout: 10_000,
      hookTimeout: 10_000,
      // A page or a stack on a busy 2-core machine can take seconds to catch up: polls wait
      // up to 10 s (vitest's default of 1 s made browser tests flaky in CI).
      expect: { poll: { timeout: 10_000 } },
      pool: 'forks',
    },
  };
}
