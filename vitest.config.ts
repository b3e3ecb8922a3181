import fs from 'node:fs';
import os from 'node:os';
import { defineConfig } from 'vitest/config';

const { workspaces } = JSON.parse(
  fs.readFileSync(new URL('package.json', import.meta.url), 'utf8'),
) as { workspaces: string[] };

// `npm test` runs every workspace's tests in one vitest run (see infra/src/scripts/test.ts).
export default defineConfig({
  test: {
    // Two test files at a time at least. Vitest's default, one fewer than the cores, runs them
    // one at a time on a 2-core machine; but the integration tests mostly wait on Kafka, Redis,
    // timers and browsers: two at a time took the tests from 1,114 s to 629 s on one, with
    // about 1.2 of its cores busy. Tests share the broker and Redis, so each keeps to its own
    // namespace and never compares the whole broker's list of anything.
    maxWorkers: Math.max(2, os.availableParallelism() - 1),
    // The consumer groups' integration tests run a second time on a Redis Cluster.
    projects: [...workspaces, 'backend/vitest.cluster.config.ts'],
  },
});
