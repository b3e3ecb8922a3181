import type { TestProject } from 'vitest/node';
import { setupTestEnvironment } from './test-global-setup.js';

/** test-global-setup.ts for the projects that run their suite on a local Redis Cluster. */
export default function setup(project: TestProject) {
  return setupTestEnvironment(project, true);
}
