import fs from 'node:fs';
import { defineConfig } from 'vitest/config';

const { workspaces } = JSON.parse(
  fs.readFileSync(new URL('package.json', import.meta.url), 'utf8'),
) as { workspaces: string[] };

// `npm test` runs every workspace's tests in one vitest run (see infra/src/scripts/test.ts).
export default defineConfig({
  test: {
    // The consumer groups' integration tests run a second time on a Redis Cluster.
    projects: [...workspaces, 'backend/vitest.cluster.config.ts'],
  },
});
