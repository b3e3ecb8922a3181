import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { startKafkaBroker } from '../kafka/broker.js';
import { LaunchError } from '../launch-error.js';
import { loadLauncherConfig, validateRoleEnv } from '../launcher-config.js';
import { lockDataDir, requirePortFree } from '../host.js';
import { ensureWebBuild, run, tsNodeArgs } from '../node-tasks.js';
import { repoRoot } from '../paths.js';
import { clusterLayoutError, clusterUrl, startRedisCluster } from '../redis/cluster.js';
import { startRedisServer } from '../redis/server.js';
import { supervise, type Supervised } from '../supervisor.js';

/** Roles of the platform, each its own supervised process. */
const ROLES = ['gateway', 'live-push', 'ops', 'analytics', 'notifications'];

const say = (line: string) => console.log(`fleetstream: ${line}`);

/** A secret generated once and kept in the data dir (file mode 600). */
function persistentSecret(dataDir: string, name: string, bytes: number): string {
  const file = path.join(dataDir, name);
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const secret = randomBytes(bytes).toString('base64url');
  fs.writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

async function waitForHealth(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.status === 200) return true;
    } catch {
      // gateway not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

/** The tracking link of one demo delivery, once the fleet has assigned one (up to 20 s). */
async function firstTrackingLink(base: string, opsToken: string): Promise<string | null> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${base}/api/deliveries?limit=1`, {
        headers: { Authorization: `Bearer ${opsToken}` },
      });
      const body = (await res.json()) as { deliveries?: { trackingUrl: string }[] };
      const url = body.deliveries?.[0]?.trackingUrl;
      if (url) return url;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return null;
}

async function main() {
  const cfg = loadLauncherConfig();
  // What the roles will be given, checked before anything is locked, installed or started.
  const localKafka = `127.0.0.1:${cfg.kafkaPort}`;
  const clusterPorts = cfg.redisCluster
    ? Array.from(
        { length: cfg.redisCluster.primaries * (cfg.redisCluster.replicasPerPrimary + 1) },
        (_, i) => cfg.redisPort + i,
      )
    : [];
  const localRedis = cfg.redisCluster
    ? clusterUrl(clusterPorts)
    : `redis://127.0.0.1:${cfg.redisPort}`;
  const placeholder = 'x'.repeat(32);
  validateRoleEnv({
    ...cfg.env,
    KAFKA_BROKERS: cfg.kafkaBrokers ?? localKafka,
    REDIS_URL: cfg.redisUrl ?? localRedis,
    PORT: String(cfg.port),
    OPS_TOKEN: cfg.opsToken ?? placeholder,
    TRACKING_SECRET: cfg.trackingSecret ?? placeholder,
    WEB_DIST: path.join(repoRoot, 'web', 'dist'),
    CITY_GEOJSON: path.join(cfg.dataDir, 'city.geojson'),
    LOG_FORMAT: 'json',
  });
  const release = lockDataDir(cfg.dataDir, 'fleetstream (npm start)');
  const cleanups: Array<() => Promise<void>> = [async () => release()];
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    for (const c of cleanups.reverse()) await c().catch((err: unknown) => console.error(err));
    say('stopped.');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  try {
    const startedAt = Date.now();
    await requirePortFree(cfg.port, 'PORT');
    let brokers = cfg.kafkaBrokers;
    let redisUrl = cfg.redisUrl;
    // Kafka, Redis and the web build go side by side: every one of them is asynchronous, so a
    // first-run Maven download never stalls Redis's readiness check.
    const started = await Promise.allSettled([
      brokers
        ? undefined
        : (async () => {
            await requirePortFree(cfg.kafkaPort, 'KAFKA_PORT');
            await requirePortFree(cfg.kafkaControllerPort, 'KAFKA_CONTROLLER_PORT');
            say(`starting Kafka on ${localKafka}…`);
            return startKafkaBroker({
              port: cfg.kafkaPort,
              controllerPort: cfg.kafkaControllerPort,
              dataDir: path.join(cfg.dataDir, 'kafka'),
            });
          })(),
      redisUrl
        ? undefined
        : cfg.redisCluster
          ? (async () => {
              const layout = clusterLayoutError(clusterPorts, cfg.redisCluster!.replicasPerPrimary);
              if (layout) throw new LaunchError(`REDIS_CLUSTER: ${layout}`);
              for (const p of clusterPorts) {
                await requirePortFree(p, `REDIS_PORT (+${p - cfg.redisPort}, a cluster node)`);
                await requirePortFree(p + 10_000, `a cluster bus port (node ${p} + 10000)`);
              }
              say(
                `starting a Redis Cluster of ${cfg.redisCluster!.primaries} primaries with ${cfg.redisCluster!.replicasPerPrimary} replica(s) each on 127.0.0.1:${clusterPorts[0]}–${clusterPorts.at(-1)}…`,
              );
              return startRedisCluster({
                ports: clusterPorts,
                replicasPerPrimary: cfg.redisCluster!.replicasPerPrimary,
                dataDir: path.join(cfg.dataDir, 'redis-cluster'),
                onProgress: say,
              });
            })()
          : (async () => {
              await requirePortFree(cfg.redisPort, 'REDIS_PORT');
              say(`starting Redis on 127.0.0.1:${cfg.redisPort}…`);
              return startRedisServer({
                port: cfg.redisPort,
                dataDir: path.join(cfg.dataDir, 'redis'),
              });
            })(),
      ensureWebBuild(),
    ]);
    const [kafka, redis, web] = started.map((s) =>
      s.status === 'fulfilled' ? s.value : undefined,
    ) as [
      Awaited<ReturnType<typeof startKafkaBroker>> | undefined,
      { url: string; stop(): Promise<void> } | undefined,
      string | undefined,
    ];
    if (kafka) {
      cleanups.push(() => kafka.stop());
      brokers = kafka.brokers.join(',');
    }
    if (redis) {
      cleanups.push(() => redis.stop());
      redisUrl = redis.url;
    }
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;

    const opsToken = cfg.opsToken ?? persistentSecret(cfg.dataDir, 'ops-token', 24);
    const trackingSecret =
      cfg.trackingSecret ?? persistentSecret(cfg.dataDir, 'tracking-secret', 32);
    const env: NodeJS.ProcessEnv = {
      ...cfg.env,
      KAFKA_BROKERS: brokers,
      REDIS_URL: redisUrl,
      PORT: String(cfg.port),
      OPS_TOKEN: opsToken,
      TRACKING_SECRET: trackingSecret,
      WEB_DIST: web,
      CITY_GEOJSON: path.join(cfg.dataDir, 'city.geojson'),
      LOG_FORMAT: 'json',
    };

    // Topics before any role: nothing relies on auto-creation.
    if (
      (await run(process.execPath, tsNodeArgs('backend/src/main.ts', ['setup-topics']), {
        env,
      })) !== 0
    ) {
      throw new LaunchError('creating the Kafka topics failed (see above).');
    }
    const logDir = path.join(cfg.dataDir, 'logs');
    const roles: Supervised[] = ROLES.map((role) =>
      supervise(
        {
          name: role,
          command: process.execPath,
          args: tsNodeArgs('backend/src/main.ts', [role]),
          env,
          logDir,
        },
        say,
      ),
    );
    cleanups.push(() => Promise.all(roles.map((r) => r.stop())).then(() => undefined));

    const base = `http://localhost:${cfg.port}`;
    say('waiting for every role to report healthy…');
    if (!(await waitForHealth(`${base}/healthz`, 90_000))) {
      throw new LaunchError(
        `the stack did not become healthy within 90 s; see ${base}/healthz and the logs in ${logDir}`,
      );
    }
    if (cfg.fleetSize > 0) {
      const sim = supervise(
        {
          name: 'simulator',
          command: process.execPath,
          args: tsNodeArgs('driver-simulator/src/cli.ts', [
            '--drivers',
            String(cfg.fleetSize),
            '--brokers',
            brokers!,
            // The map draws the same road network the fleet drives on.
            '--geojson',
            path.join(cfg.dataDir, 'city.geojson'),
          ]),
          env,
          logDir,
        },
        say,
      );
      cleanups.push(() => sim.stop());
    }
    const demoLink = cfg.fleetSize > 0 ? await firstTrackingLink(base, opsToken) : null;
    console.log(
      [
        '',
        `  fleetstream is running${cfg.fleetSize > 0 ? ` with a demo fleet of ${cfg.fleetSize} drivers` : ''} (started in ${Math.round((Date.now() - startedAt) / 1000)} s).`,
        '',
        `  Web app        ${base}/`,
        `  Ops dashboard  ${base}/ops#token=${opsToken}`,
        ...(demoLink ? [`  Track a demo   ${base}${demoLink}`] : []),
        `  Health         ${base}/healthz`,
        `  Metrics        ${base}/metrics`,
        `  Deliveries     curl -H 'Authorization: Bearer ${opsToken}' ${base}/api/deliveries`,
        `  Ops token      ${opsToken}`,
        `  Kafka          ${brokers}${kafka ? ' (local broker)' : ''}`,
        `  Redis          ${redisUrl}${
          !redis
            ? ''
            : cfg.redisCluster
              ? ` (local Redis Cluster: ${cfg.redisCluster.primaries} primaries, ${cfg.redisCluster.replicasPerPrimary} replica(s) each)`
              : ' (local redis-server)'
        }`,
        `  Logs           ${path.relative(repoRoot, logDir) || logDir}/`,
        '',
        '  Press Ctrl-C to stop everything.',
        '',
      ].join('\n'),
    );
  } catch (err) {
    console.error(
      `fleetstream: ${err instanceof LaunchError ? err.message : ((err as Error).stack ?? String(err))}`,
    );
    await shutdown(1);
  }
}

main().catch((err: unknown) => {
  console.error(
    `fleetstream: ${err instanceof LaunchError ? err.message : ((err as Error).stack ?? String(err))}`,
  );
  process.exit(1);
});
