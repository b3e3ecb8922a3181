import path from 'node:path';
import { z } from 'zod';
import { formatIssues } from '@fleetstream/contracts';
import { loadConfig, ROLES, type Config } from '@fleetstream/backend/config';
import { LaunchError } from './launch-error.js';
import { repoRoot } from './paths.js';

/** Empty counts as unset, as the roles' schema does it (`VAR= npm start` clears a variable). */
const unsetIfEmpty = (v: unknown) => (v === '' ? undefined : v);
const int = (min: number, max: number, fallback: number) =>
  z.preprocess(unsetIfEmpty, z.coerce.number().int().min(min).max(max).default(fallback));
const port = (fallback: number) => int(1, 65535, fallback);
const optional = z.preprocess(unsetIfEmpty, z.string().optional());

/**
 * What `npm start` itself reads from the environment (the roles' variables are checked by the
 * backend's schema, validateRoleEnv below); the only place in infra/ that reads it. Its type is
 * inferred, and every bad variable is reported at once.
 */
const launcherSchema = z
  .object({
    /** Existing cluster; unset → we start a local broker. */
    KAFKA_BROKERS: optional,
    KAFKA_PORT: port(9092),
    KAFKA_CONTROLLER_PORT: port(9093),
    /** Existing Redis; unset → we start a local redis-server. */
    REDIS_URL: optional,
    REDIS_PORT: port(6379),
    /** Primaries of a local Redis Cluster instead of one redis-server; unset → none. */
    REDIS_CLUSTER: z.preprocess(unsetIfEmpty, z.coerce.number().int().min(3).max(16).optional()),
    /** Replicas of each primary of the local Redis Cluster. */
    REDIS_CLUSTER_REPLICAS: int(0, 2, 1),
    PORT: port(8080),
    FLEET_SIZE: int(0, 1_000_000, 50),
    OPS_TOKEN: optional,
    TRACKING_SECRET: optional,
    FLEETSTREAM_DATA_DIR: optional,
    CI: optional,
  })
  .superRefine(
    (e, ctx) => {
      // The local broker listens on both; the same port twice fails later, less clearly.
      if (!e.KAFKA_BROKERS && e.KAFKA_PORT === e.KAFKA_CONTROLLER_PORT)
        ctx.addIssue({
          code: 'custom',
          path: ['KAFKA_CONTROLLER_PORT'],
          message: `must differ from KAFKA_PORT (${e.KAFKA_PORT})`,
        });
      if (e.REDIS_URL && e.REDIS_CLUSTER !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['REDIS_CLUSTER'],
          message: 'starts a local Redis Cluster: leave it unset with REDIS_URL',
        });
    },
    // Also when another variable is bad: one run reports every problem.
    { when: () => true },
  )
  .transform((e) => ({
    kafkaBrokers: e.KAFKA_BROKERS,
    kafkaPort: e.KAFKA_PORT,
    kafkaControllerPort: e.KAFKA_CONTROLLER_PORT,
    redisUrl: e.REDIS_URL,
    redisPort: e.REDIS_PORT,
    /** The local Redis Cluster's layout, when asked for: its nodes take REDIS_PORT onwards. */
    redisCluster:
      e.REDIS_CLUSTER === undefined
        ? null
        : { primaries: e.REDIS_CLUSTER, replicasPerPrimary: e.REDIS_CLUSTER_REPLICAS },
    port: e.PORT,
    fleetSize: e.FLEET_SIZE,
    opsToken: e.OPS_TOKEN,
    trackingSecret: e.TRACKING_SECRET,
    dataDir: path.resolve(e.FLEETSTREAM_DATA_DIR ?? path.join(repoRoot, '.fleetstream')),
    ci: Boolean(e.CI && e.CI !== 'false'),
  }));

export type LauncherConfig = z.infer<typeof launcherSchema> & {
  /** Everything, passed through to the roles untouched. */
  env: NodeJS.ProcessEnv;
};

export function loadLauncherConfig(env: NodeJS.ProcessEnv = process.env): LauncherConfig {
  const parsed = launcherSchema.safeParse(env);
  if (!parsed.success)
    throw new LaunchError(`invalid environment: ${formatIssues(parsed.error, Infinity)}`);
  return { ...parsed.data, env };
}

/**
 * Checks the environment the roles will get with the backend's own schema (one set of rules),
 * before anything is installed, started or built: a bad variable stops the launcher at once
 * with one line naming it and its rule. Values the launcher supplies itself (local brokers,
 * Redis, generated secrets) are filled in with what it will pass.
 */
export function validateRoleEnv(roleEnv: NodeJS.ProcessEnv): Config {
  try {
    return loadConfig(
      ROLES.filter((r) => r !== 'setup-topics'),
      roleEnv,
    );
  } catch (err) {
    throw new LaunchError((err as Error).message, { cause: err });
  }
}
