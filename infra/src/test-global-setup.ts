import fs from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import './provided-context.js';
import { startTestEnvironment } from './test-environment.js';

function hasIntegrationTests(dir: string): boolean {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .some((f) => f.endsWith('.int.test.ts') && !f.includes('node_modules'));
}

/**
 * Gives integration tests a real Kafka and Redis on free ports, beside any running dev stack:
 * a standalone redis-server, or a 3-primary Redis Cluster for the projects that run a suite on
 * one. `npm test` starts them once for all workspaces and passes them down in the environment;
 * a workspace run on its own starts its own, and stops them afterwards, also on failure.
 */
export default function setup(project: TestProject) {
  return setupTestEnvironment(project, false);
}

/** The setup of a project whose Redis is a cluster (`onCluster`) or a standalone server. */
export async function setupTestEnvironment(project: TestProject, onCluster: boolean) {
  const given = {
    brokers: process.env.FLEETSTREAM_TEST_KAFKA_BROKERS,
    redis: onCluster
      ? process.env.FLEETSTREAM_TEST_REDIS_CLUSTER_URL
      : process.env.FLEETSTREAM_TEST_REDIS_URL,
  };
  if (given.brokers && given.redis) {
    project.provide('kafkaBrokers', given.brokers);
    project.provide('redisUrl', given.redis);
    return;
  }
  if (
    !hasIntegrationTests(path.join(project.config.root, 'src')) &&
    !fs.existsSync(path.join(project.config.root, 'test'))
  ) {
    project.provide('kafkaBrokers', '');
    project.provide('redisUrl', '');
    return;
  }
  const env = await startTestEnvironment({ redisCluster: onCluster });
  project.provide('kafkaBrokers', env.brokers);
  project.provide('redisUrl', env.redisClusterUrl ?? env.redisUrl);
  return env.stop;
}
