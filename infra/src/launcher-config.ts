import path from 'node:path';
import { loadConfig, ROLES, type Config } from '@fleetstream/backend/config';
import { LaunchError } from './launch-error.js';
import { repoRoot } from './paths.js';

/** What `npm start` reads from the environment; the only place in infra/ that does. */
export interface LauncherConfig {
  /** Existing cluster; unset → we start a local broker. */
  kafkaBrokers: string | undefined;
  kafkaPort: number;
  kafkaControllerPort: number;
  /** Existing Redis; unset → we start a local redis-server. */
  redisUrl: string | undefined;
  redisPort: number;
  port: number;
  fleetSize: number;
  opsToken: string | undefined;
  trackingSecret: string | undefined;
  dataDir: string;
  ci: boolean;
  /** Everything else is passed through to the roles untouched. */
  env: NodeJS.ProcessEnv;
}

function intVar(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new LaunchError(`${name}=${raw} is invalid: expected an integer from ${min} to ${max}.`);
  return n;
}

export function loadLauncherConfig(env: NodeJS.ProcessEnv = process.env): LauncherConfig {
  return {
    kafkaBrokers: env.KAFKA_BROKERS || undefined,
    kafkaPort: intVar(env, 'KAFKA_PORT', 9092, 1, 65535),
    kafkaControllerPort: intVar(env, 'KAFKA_CONTROLLER_PORT', 9093, 1, 65535),
    redisUrl: env.REDIS_URL || undefined,
    redisPort: intVar(env, 'REDIS_PORT', 6379, 1, 65535),
    port: intVar(env, 'PORT', 8080, 1, 65535),
    fleetSize: intVar(env, 'FLEET_SIZE', 50, 0, 1_000_000),
    opsToken: env.OPS_TOKEN || undefined,
    trackingSecret: env.TRACKING_SECRET || undefined,
    dataDir: path.resolve(env.FLEETSTREAM_DATA_DIR || path.join(repoRoot, '.fleetstream')),
    ci: Boolean(env.CI && env.CI !== 'false'),
    env,
  };
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
