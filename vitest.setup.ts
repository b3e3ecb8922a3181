import { expect, vi } from 'vitest';

// Unit tests get vitest.shared.ts's short timeouts; integration tests (`*.int.test.ts`), which
// start roles and wait on a real Kafka and Redis, get long ones.
if (/\.int\.test\.tsx?$/.test(expect.getState().testPath ?? ''))
  vi.setConfig({ testTimeout: 60_000, hookTimeout: 90_000 });
