import { defineConfig } from 'vitest/config';

// `npm run test:chaos` only (infra/src/scripts/chaos.ts). The files are named *.chaos.ts, so the
// workspace projects of `npm test` (which include *.test.ts) never pick them up. Each file
// starts its own Kafka cluster and Redis, because it kills and restarts brokers.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    name: 'chaos',
    root: new URL('../..', import.meta.url).pathname,
    include: ['src/chaos/**/*.chaos.ts'],
    testTimeout: 480_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: false,
    // Before any test file loads kafkajs: its consumers get the corrected read_committed filter.
    setupFiles: [new URL('../../../kafka/src/read-committed.ts', import.meta.url).pathname],
  },
});
