import { defineConfig } from 'vitest/config';

// `npm test` runs every workspace's tests in one vitest run (see infra/src/scripts/test.ts).
export default defineConfig({
  test: {
    projects: ['contracts', 'geo', 'kafka', 'infra', 'backend', 'driver-simulator', 'web'],
  },
});
