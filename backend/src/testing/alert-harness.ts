import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AlertEventSchema,
  encodeLocationRecord,
  type AlertEvent,
  type AlertList,
  type GroupLag,
  type LagSnapshot,
} from '@fleetstream/contracts';
import * as analytics from '../consumers/analytics.js';
import type { Stop } from '../context.js';
import * as gateway from '../gateway/server.js';
import * as ops from '../ops/lag-monitor.js';
import { positionTrace } from './fixtures.js';
import {
  TEST_OPS_TOKEN,
  createTestContext,
  testNamespace,
  type TestContext,
} from './test-context.js';

/** An alert webhook on a free port: every call, with its Idempotency-Key, in arrival order. */
export async function startAlertReceiver() {
  const calls: { key: string; event: AlertEvent }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const event = AlertEventSchema.safeParse(JSON.parse(body || 'null'));
      if (!event.success) return res.writeHead(422).end();
      calls.push({ key: String(req.headers['idempotency-key']), event: event.data });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`,
    calls,
    /** States this receiver got for one rule of one group, in order. */
    states: (rule: string, groupId: string) =>
      calls
        .filter((c) => c.event.rule === rule && c.event.groupId === groupId)
        .map((c) => c.event.state),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const auth = { Authorization: `Bearer ${TEST_OPS_TOKEN}` };

/**
 * Gateway, analytics and the ops role in this process, on a namespace of their own, with a
 * steady fleet (20 drivers at 4 Hz) once analytics owns every partition. `beforeOps` runs before
 * the ops role starts (e.g. to shorten the topic's retention). `restartOps` stops the ops role
 * and starts another instance, as a redeploy would.
 */
export async function startAlertPipeline(
  label: string,
  env: Record<string, string>,
  beforeOps?: (topic: string, t: TestContext) => Promise<void>,
) {
  const e = testNamespace(label, { OPS_POLL_INTERVAL_MS: '500', OPS_WINDOW_SAMPLES: '6', ...env });
  const stops: Array<() => Promise<void>> = [];
  const g = await createTestContext(['gateway'], e, 'gateway');
  const a = await createTestContext(['analytics'], e, 'analytics');
  const topic = a.ctx.config.topics.location;
  const stopG = await gateway.start(g.ctx);
  stops.push(await analytics.start(a.ctx), stopG, a.close, g.close);
  if (beforeOps) await beforeOps(topic, a);
  let o = await createTestContext(['ops'], e, 'ops');
  let stopO: Stop = await ops.start(o.ctx);
  const base = `http://127.0.0.1:${stopG.port}`;
  const groupId = a.ctx.config.groups.analytics;

  const snapshot = async (): Promise<LagSnapshot | null> => {
    const res = await fetch(`${base}/api/ops/lag`, { headers: auth });
    return res.status === 200 ? ((await res.json()) as LagSnapshot) : null;
  };
  const group = async (): Promise<GroupLag | null> =>
    (await snapshot())?.groups.find((x) => x.groupId === groupId) ?? null;
  await waitFor(async () => {
    const gl = await group();
    return !!gl && gl.partitions.every((p) => p.owner !== null);
  }, 'analytics owning every partition');

  const producer = await a.ctx.producers.start();
  let producing = true;
  const produced = (async () => {
    for (let seq = 1; producing; seq++) {
      const records = positionTrace(20, 1, Date.now() - 1000).map((r) => ({ ...r, seq }));
      await producer.send(
        topic,
        records.map((r) => ({ key: r.driverId, value: encodeLocationRecord(r) })),
      );
      await new Promise((r) => setTimeout(r, 250));
    }
  })();

  return {
    base,
    groupId,
    topic,
    group,
    snapshot,
    async control(action: 'pause' | 'resume') {
      const res = await fetch(`${base}/api/ops/groups/${groupId}/${action}`, {
        method: 'POST',
        headers: auth,
      });
      if (res.status !== 202) throw new Error(`${action}: HTTP ${res.status}`);
    },
    async alerts(): Promise<AlertList['alerts']> {
      const res = await fetch(`${base}/api/ops/alerts`, { headers: auth });
      return ((await res.json()) as AlertList).alerts;
    },
    /** Resolves once the ops role has published `n` more polls. */
    async polls(n: number) {
      const from = (await snapshot())?.at ?? 0;
      await waitFor(
        async () => ((await snapshot())?.at ?? 0) >= from + n * 500,
        `${n} more ops polls`,
      );
    },
    async restartOps(instance: string) {
      await stopO();
      await o.close();
      o = await createTestContext(['ops'], e, instance);
      stopO = await ops.start(o.ctx);
    },
    async stop() {
      producing = false;
      await produced;
      await producer.stop();
      await stopO();
      await o.close();
      for (const s of stops) await s();
    },
  };
}

/** Polls `check` every 250 ms until it holds; fails after `timeoutMs` naming what it waited for. */
export async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
