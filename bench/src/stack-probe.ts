import { trackingPath } from '@fleetstream/backend/domain/tracking-token';
import { GROUPS, TOPICS } from '@fleetstream/contracts';
import fs from 'node:fs';
import path from 'node:path';
import { tailFile } from '@fleetstream/infra/managed-process';
import { startTestStack, type TestStack } from '@fleetstream/testkit/stack';
import type { BenchEnvironment } from './environment.js';
import { Cluster, quietKafka, Redis, type Admin } from '@fleetstream/testkit/clients';

export const BENCH_ROLES = ['gateway', 'live-push', 'analytics', 'notifications', 'ops'] as const;
export const LOCATION_GROUPS = [GROUPS.livePush, GROUPS.analytics, GROUPS.notifications] as const;

/**
 * Backend settings of the benchmark stacks: the production defaults, except what the test
 * stack needs to share a broker (namespace, prefix, ports). The session timeout is put back
 * to the production 30 s: the test stack's 6 s would make a busy machine rebalance.
 */
/**
 * The roles' settings in the benchmark. Handshakes are admitted at 5,000/s (500 by default), so
 * that connecting a customer per delivery, or S3's thousands, measures the gateway and not the
 * admission rate a deployment sets to ride out reconnect storms.
 */
export const BENCH_STACK_ENV = {
  KAFKA_SESSION_TIMEOUT_MS: '30000',
  LOG_LEVEL: 'info',
  WS_HANDSHAKES_PER_S: '5000',
};

export interface BenchStack {
  stack: TestStack;
  topic: string;
  /** Consumer group ids with the stack's namespace, by contract name. */
  groups: Record<(typeof LOCATION_GROUPS)[number], string>;
  /** Process ids of the roles, by role. */
  pids(): Record<string, number>;
  /** Committed-offset lag of each group on delivery-location, by contract name. */
  lag(): Promise<Record<string, number>>;
  /** Lag and the sum of committed offsets (records consumed so far), by contract name. */
  offsets(): Promise<Record<string, { lag: number; committed: number }>>;
  /** Sum of a counter the roles report in their heartbeats (e.g. consumed), by role. */
  roleCounters(counter: string): Promise<Record<string, number>>;
  /** Figures of the gateway's own /metrics (prom-client default metrics); rejects after `timeoutMs`. */
  gatewayMetrics(timeoutMs?: number): Promise<Record<string, number>>;
  /** Tracking URLs of active deliveries whose id starts with `prefix`. */
  trackingUrls(prefix: string, limit?: number): Promise<string[]>;
  /** A delivery's tracking URL signed with the stack's secret, as the gateway would sign it. */
  trackingUrlOf(deliveryId: string): string;
  /** POST /api/ops/groups/<group>/pause|resume, as an operator would. */
  control(group: string, action: 'pause' | 'resume'): Promise<void>;
  /** Roles that exited, with the end of their logs. */
  deadRoles(): { name: string; exit: string; tail: string }[];
  /** Stops the roles, keeping a copy of their logs in `keepLogsIn` when given. */
  stop(keepLogsIn?: string): Promise<void>;
}

/** The real roles, one process each, on the benchmark's broker and Redis, plus probes into them. */
export async function startBenchStack(env: BenchEnvironment): Promise<BenchStack> {
  const stack = await startTestStack({
    brokers: env.brokers,
    redisUrl: env.redisUrl,
    roles: [...BENCH_ROLES],
    env: BENCH_STACK_ENV,
  });
  const ns = stack.namespace;
  const topic = `${ns}${TOPICS.location}`;
  const groups = {
    [GROUPS.livePush]: `${ns}${GROUPS.livePush}`,
    [GROUPS.analytics]: `${ns}${GROUPS.analytics}`,
    [GROUPS.notifications]: `${ns}${GROUPS.notifications}`,
  } as BenchStack['groups'];
  const kafka = quietKafka('fleetstream-bench-probe', env.brokers.split(','));
  let admin: Admin | null = null;
  const redis = env.onRedisCluster
    ? new Cluster(
        env.redisNodes
          .map((n) => new URL(n.url))
          .map((u) => ({ host: u.hostname, port: Number(u.port) })),
        { lazyConnect: true, redisOptions: { maxRetriesPerRequest: 2 } },
      )
    : new Redis(env.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  const exits = new Map<string, string>();
  for (const p of stack.processes) void p.exited.then((code) => exits.set(p.name, String(code)));
  const auth = { Authorization: `Bearer ${stack.opsToken}` };

  const bench: BenchStack = {
    stack,
    topic,
    groups,
    pids: () => Object.fromEntries(stack.processes.map((p) => [p.name, p.pid])),
    async lag() {
      const o = await bench.offsets();
      return Object.fromEntries(Object.entries(o).map(([g, v]) => [g, v.lag]));
    },
    async offsets() {
      if (!admin) {
        admin = kafka.admin();
        await admin.connect();
      }
      const a = admin;
      const ends = await a.fetchTopicOffsets(topic);
      const out: Record<string, { lag: number; committed: number }> = {};
      await Promise.all(
        Object.entries(groups).map(async ([name, groupId]) => {
          const [committed] = await a.fetchOffsets({ groupId, topics: [topic] });
          const g = { lag: 0, committed: 0 };
          for (const e of ends) {
            const c = Number(
              committed?.partitions.find((p) => p.partition === e.partition)?.offset ?? -1,
            );
            const from = Math.max(c, Number(e.low));
            g.lag += Math.max(0, Number(e.high) - from);
            g.committed += from;
          }
          out[name] = g;
        }),
      );
      return out;
    },
    async roleCounters(counter) {
      const all = await redis.hgetall(`${stack.env.REDIS_PREFIX}health`);
      const out: Record<string, number> = {};
      for (const raw of Object.values(all)) {
        const r = JSON.parse(raw) as { role: string; detail: Record<string, unknown> };
        const v = r.detail[counter];
        if (typeof v === 'number') out[r.role] = (out[r.role] ?? 0) + v;
      }
      return out;
    },
    async gatewayMetrics(timeoutMs = 15_000) {
      // A gateway swamped by customers may answer slowly, but must not stall the run.
      const res = await fetch(`${stack.baseUrl}/metrics`, {
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await res.text();
      const out: Record<string, number> = {};
      for (const line of text.split('\n')) {
        const m = /^fleetstream_gateway_(\w+) ([\d.e+-]+)$/.exec(line);
        if (m) out[m[1]!] = Number(m[2]);
      }
      return out;
    },
    trackingUrlOf(deliveryId) {
      const secret = stack.env.TRACKING_SECRET ?? '';
      return trackingPath(secret, deliveryId, Date.now() + 24 * 3600_000);
    },
    async trackingUrls(prefix, limit = 1000) {
      const res = await fetch(`${stack.baseUrl}/api/deliveries?limit=${limit}`, { headers: auth });
      if (!res.ok) throw new Error(`GET /api/deliveries: ${res.status}`);
      const body = (await res.json()) as {
        deliveries: { deliveryId: string; trackingUrl: string }[];
      };
      return body.deliveries
        .filter((d) => d.deliveryId.startsWith(prefix))
        .map((d) => d.trackingUrl);
    },
    async control(group, action) {
      const res = await fetch(`${stack.baseUrl}/api/ops/groups/${group}/${action}`, {
        method: 'POST',
        headers: auth,
      });
      if (res.status !== 202) throw new Error(`${action} ${group}: HTTP ${res.status}`);
    },
    deadRoles: () =>
      stack.processes.flatMap((p) =>
        exits.has(p.name)
          ? [{ name: p.name, exit: exits.get(p.name)!, tail: tailFile(p.logFile, 15) }]
          : [],
      ),
    async stop(keepLogsIn) {
      await (admin as Admin | null)?.disconnect().catch(() => undefined);
      redis.disconnect();
      // The stack removes its folder when it stops: the logs are copied first.
      if (keepLogsIn) {
        fs.mkdirSync(keepLogsIn, { recursive: true });
        for (const p of stack.processes)
          fs.copyFileSync(p.logFile, path.join(keepLogsIn, path.basename(p.logFile)));
      }
      await stack.stop();
    },
  };
  return bench;
}
