import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  encodeLocationRecord,
  type LagSnapshot,
  type OpsServerMessage,
} from '@fleetstream/contracts';
import * as analytics from '../consumers/analytics.js';
import * as livePush from '../consumers/live-push.js';
import * as gateway from '../gateway/server.js';
import { positionTrace } from '../testing/fixtures.js';
import { createTestContext, testNamespace, TEST_OPS_TOKEN } from '../testing/test-context.js';
import * as ops from './lag-monitor.js';

const env = testNamespace('ops', {
  OPS_POLL_INTERVAL_MS: '500',
  OPS_WINDOW_SAMPLES: '6',
  // A partition of live-push holds up to a commit interval's records (about 50) now and then; on
  // a busy machine a late commit doubles that. 100 keeps those OK, and the paused group's
  // partitions (50 records/s each) pass it in 2 s.
  OPS_WARN_MIN_LAG: '100',
});
const cleanups: Array<() => Promise<void>> = [];
let base = '';
let wsUrl = '';
let producing = true;
let producerDone: Promise<void>;

beforeAll(async () => {
  const g = await createTestContext(['gateway'], env, 'gateway');
  const w = await createTestContext(['live-push'], env, 'live-push');
  const a = await createTestContext(['analytics'], env, 'analytics');
  const o = await createTestContext(['ops'], env, 'ops');
  const stopG = await gateway.start(g.ctx);
  const stopW = await livePush.start(w.ctx);
  const stopA = await analytics.start(a.ctx);
  const stopO = await ops.start(o.ctx);
  base = `http://127.0.0.1:${stopG.port}`;
  wsUrl = `ws://127.0.0.1:${stopG.port}/ws/ops`;
  // A steady fleet: 50 drivers at 4 Hz, for as long as the test runs.
  const producer = await w.ctx.producers.start();
  const trace = positionTrace(50, 2000);
  producerDone = (async () => {
    for (let i = 0; producing && i < trace.length; i += 50) {
      await producer.send(
        w.ctx.config.topics.location,
        trace.slice(i, i + 50).map((r) => ({ key: r.driverId, value: encodeLocationRecord(r) })),
      );
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  cleanups.push(
    async () => {
      producing = false;
      await producerDone;
      await producer.stop();
    },
    stopO,
    stopA,
    stopW,
    stopG,
    o.close,
    a.close,
    w.close,
    g.close,
  );
}, 60_000);
afterAll(async () => {
  for (const c of cleanups) await c();
});

const auth = { Authorization: `Bearer ${TEST_OPS_TOKEN}` };
async function lagOf(groupSuffix: string) {
  const res = await fetch(`${base}/api/ops/lag`, { headers: auth });
  if (res.status !== 200) return null;
  const body = (await res.json()) as LagSnapshot;
  return body.groups.find((g) => g.groupId.endsWith(groupSuffix)) ?? null;
}

/** The group paused (as in the issue: analytics), and one that must not notice. */
const TARGET = '.analytics';
const OTHER = '.live-push';

it(
  'pausing a group builds lag and leaves OK; resuming drains it, visible live on /ws/ops',
  { timeout: 120_000 },
  async () => {
    const updates: OpsServerMessage[] = [];
    const ws = new WebSocket(wsUrl, { headers: auth });
    ws.on('message', (d) => updates.push(JSON.parse(String(d)) as OpsServerMessage));
    cleanups.unshift(async () => ws.close());

    // Caught up first: the group is consuming, every partition owned.
    await expect
      .poll(async () => (await lagOf(TARGET))?.status, { timeout: 30_000, interval: 250 })
      .toBe('OK');
    const before = await lagOf(TARGET);
    expect(before?.partitions).toHaveLength(4);
    expect(before?.partitions.every((p) => p.owner !== null)).toBe(true);
    expect(before?.members.length).toBe(1);

    const pause = await fetch(`${base}/api/ops/groups/${before!.groupId}/pause`, {
      method: 'POST',
      headers: auth,
    });
    expect(pause.status).toBe(202);
    await expect.poll(async () => (await lagOf(TARGET))?.paused, { timeout: 5_000 }).toBe(true);
    const pausedAt = Date.now();
    // The other group goes on as if nothing happened, throughout the pause and the catch-up.
    const others: { status: string; lag: number }[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const other = await lagOf(OTHER);
        if (other) others.push({ status: other.status, lag: other.lag });
        await new Promise((r) => setTimeout(r, 500));
      }
    })();
    await expect
      .poll(async () => (await lagOf(TARGET))?.lag ?? 0, { timeout: 20_000 })
      .toBeGreaterThan(200);
    await expect
      .poll(async () => (await lagOf(TARGET))?.status, { timeout: 20_000 })
      .not.toBe('OK');
    const paused = (await lagOf(TARGET))!;
    expect(paused.timeLagMs).toBeGreaterThan(1000);
    expect(paused.members.length).toBe(1); // membership kept while paused
    // Hold the pause for 20 s in all, as a real outage would.
    await new Promise((r) => setTimeout(r, Math.max(0, 20_000 - (Date.now() - pausedAt))));
    const peak = (await lagOf(TARGET))!.lag;

    expect(
      (
        await fetch(`${base}/api/ops/groups/${before!.groupId}/resume`, {
          method: 'POST',
          headers: auth,
        })
      ).status,
    ).toBe(202);
    await expect
      .poll(async () => (await lagOf(TARGET))?.lag ?? Infinity, { timeout: 30_000 })
      .toBeLessThan(100);

    watching = false;
    await watcher;
    expect(others.length).toBeGreaterThan(20);
    expect(others.filter((o) => o.status !== 'OK')).toEqual([]);
    expect(Math.max(...others.map((o) => o.lag))).toBeLessThan(400);

    // The catch-up is in the history the dashboard draws: a peak, then a drain.
    const points = updates.flatMap((u) => (u.type === 'update' ? [u.point] : u.points));
    const lags = points.map((p) => p.groups[before!.groupId]?.lag ?? 0);
    expect(Math.max(...lags)).toBeGreaterThanOrEqual(peak * 0.8);
    expect(lags.at(-1)!).toBeLessThan(100);
    const events = (await fetch(`${base}/api/ops/lag`, { headers: auth }).then((r) =>
      r.json(),
    )) as LagSnapshot;
    expect(events.events.map((e) => e.kind)).toEqual(expect.arrayContaining(['paused', 'resumed']));

    expect(
      (await fetch(`${base}/api/ops/groups/nope/pause`, { method: 'POST', headers: auth })).status,
    ).toBe(404);
    expect((await fetch(`${base}/api/ops/lag`)).status).toBe(401);
  },
);
