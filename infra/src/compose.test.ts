import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ensureDockerCompose,
  resolvedCompose,
  validateCompose,
  type ComposeConfig,
  type ComposeService,
} from './compose.js';
import { repoRoot } from './paths.js';

/**
 * docker-compose.yml and the Dockerfile, checked without a Docker engine: `docker-compose
 * config` validates and resolves the file, and the resolved services are held to what
 * docs/scaling.md promises.
 */
const ROLES = ['gateway', 'live-push', 'analytics', 'notifications', 'ops'];
const SCALABLE = ['live-push', 'analytics', 'notifications', 'ops'];
const BROKERS = ['kafka-1', 'kafka-2', 'kafka-3'];

let config: ComposeConfig;
let withSimulator: ComposeConfig;
const service = (name: string, c = config): ComposeService => {
  const s = c.services[name];
  if (!s) throw new Error(`no service ${name}`);
  return s;
};
const env = (s: ComposeService) =>
  Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, String(v)]));

beforeAll(async () => {
  await ensureDockerCompose();
  config = await resolvedCompose();
  withSimulator = await resolvedCompose(['simulator']);
}, 180_000);

describe('docker-compose.yml', () => {
  it('is valid, with and without the simulator profile', async () => {
    expect(await validateCompose()).toMatchObject({ ok: true, error: '' });
    expect(await validateCompose(['simulator'])).toMatchObject({ ok: true, error: '' });
  });

  it('runs three KRaft nodes of apache/kafka 3.9 with one shared quorum', () => {
    const kafka = Object.keys(config.services).filter((n) => n.startsWith('kafka'));
    expect(kafka.sort()).toEqual(BROKERS);
    const ids = new Set<string>();
    for (const name of BROKERS) {
      const s = service(name);
      const e = env(s);
      expect(s.image).toMatch(/^apache\/kafka:3\.9\.\d+$/);
      expect(e.KAFKA_PROCESS_ROLES).toBe('broker,controller');
      expect(e.KAFKA_CONTROLLER_QUORUM_VOTERS).toBe('1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093');
      expect(e.CLUSTER_ID).toBe(env(service('kafka-1')).CLUSTER_ID);
      // A KRaft cluster id is a UUID: 16 bytes, base64url.
      expect(Buffer.from(e.CLUSTER_ID!, 'base64url')).toHaveLength(16);
      expect(e.KAFKA_ADVERTISED_LISTENERS).toContain(`PLAINTEXT://${name}:19092`);
      expect(e.KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBe('false');
      ids.add(e.KAFKA_NODE_ID!);
      // Replicated internal topics, and acks=all needs two copies.
      expect(e).toMatchObject({
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '3',
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '3',
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '2',
        KAFKA_DEFAULT_REPLICATION_FACTOR: '3',
        KAFKA_MIN_INSYNC_REPLICAS: '2',
      });
      expect(s.healthcheck?.test?.join(' ')).toContain('kafka-broker-api-versions');
      expect(s.volumes?.[0]).toMatch(new RegExp(`^${name}:/var/lib/kafka/data`));
    }
    expect([...ids].sort()).toEqual(['1', '2', '3']);
  });

  it('creates the topics once, with replication factor 3 and min.insync.replicas 2', () => {
    const init = service('topic-init');
    expect(init.command).toEqual(['node', 'backend/dist/main.js', 'setup-topics']);
    expect(env(init)).toMatchObject({
      TOPIC_REPLICATION_FACTOR: '3',
      TOPIC_MIN_INSYNC_REPLICAS: '2',
    });
    for (const b of BROKERS) expect(init.depends_on?.[b]?.condition).toBe('service_healthy');
  });

  it('runs every backend role as its own service from the one image, with health checks', () => {
    const image = service('gateway').image;
    for (const role of ROLES) {
      const s = service(role);
      expect(s.command).toEqual(['node', 'backend/dist/main.js', role]);
      expect(s.image).toBe(image);
      expect(s.build?.context).toBe(repoRoot);
      expect(s.healthcheck?.disable).not.toBe(true);
      expect(s.healthcheck?.test).toEqual(['CMD', 'node', 'infra/docker/healthcheck.mjs']);
      expect(s.depends_on?.['topic-init']?.condition).toBe('service_completed_successfully');
      expect(s.depends_on?.redis?.condition).toBe('service_healthy');
      expect(env(s)).toMatchObject({
        KAFKA_BROKERS: 'kafka-1:19092,kafka-2:19092,kafka-3:19092',
        REDIS_URL: 'redis://redis:6379',
        TOPIC_REPLICATION_FACTOR: '3',
        TOPIC_MIN_INSYNC_REPLICAS: '2',
      });
    }
    expect(service('gateway').ports).toEqual([{ published: 8080, target: 8080 }]);
  });

  it('lets the consumer groups scale: no container names, no host ports', () => {
    for (const name of SCALABLE) {
      expect(service(name).container_name).toBeUndefined();
      expect(service(name).ports ?? []).toEqual([]);
    }
    for (const s of Object.values(config.services)) expect(s.container_name).toBeUndefined();
  });

  it('keeps Redis on an append-only file and checks it', () => {
    const redis = service('redis');
    expect(redis.image).toMatch(/^redis:7/);
    expect(redis.command?.join(' ')).toContain('--appendonly yes');
    expect(redis.healthcheck?.test).toEqual(['CMD', 'redis-cli', 'ping']);
  });

  it('runs the simulator only under its profile', () => {
    const sim = service('simulator', withSimulator);
    expect(sim.profiles).toEqual(['simulator']);
    expect(sim.command?.slice(0, 2)).toEqual(['node', 'driver-simulator/dist/cli.js']);
    expect(env(sim).KAFKA_BROKERS).toBe('kafka-1:19092,kafka-2:19092,kafka-3:19092');
  });
});

describe('Dockerfile', () => {
  const dockerfile = fs.readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8');
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const runtime = stages.at(-1) ?? '';

  it('builds in one stage and runs from another, both on Node 20', () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:20[\w.-]*$/m);
    expect(stages.map((s) => s.split('\n')[0])).toEqual([
      '${NODE_IMAGE} AS build',
      '${NODE_IMAGE} AS runtime',
    ]);
    expect(stages[0]).toMatch(/RUN npm ci/);
    // Every workspace the roles and the simulator import at run time is built, and copied over.
    const built = /RUN npm run build((?: -w [\w-]+)+)/.exec(stages[0] ?? '')?.[1] ?? '';
    for (const w of ['contracts', 'geo', 'backend', 'driver-simulator', 'web']) {
      expect(built).toContain(`-w ${w}`);
      expect(stages[0]).toContain(`COPY ${w}/package.json ${w}/`);
    }
    for (const w of ['contracts', 'geo', 'backend', 'driver-simulator'])
      expect(stages[1]).toContain(`COPY --from=build /app/${w}/dist ${w}/dist`);
  });

  it('runs as a non-root user with production dependencies, the web app and a health check', () => {
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).not.toMatch(/^USER root$/m);
    expect(runtime).toMatch(/npm ci --omit=dev/);
    expect(runtime).toMatch(/WEB_DIST=\/app\/web\/dist/);
    expect(runtime).toMatch(/COPY --from=build \/app\/web\/dist web\/dist/);
    expect(runtime).toMatch(/^HEALTHCHECK /m);
    expect(runtime).toMatch(/^CMD \["node", "backend\/dist\/main\.js"/m);
  });

  it('leaves local state and build output out of the context', () => {
    const ignore = fs.readFileSync(path.join(repoRoot, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['node_modules', '.fleetstream', 'infra/kafka/jars', '.git'])
      expect(ignore).toContain(entry);
  });
});
