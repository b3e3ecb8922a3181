import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TestContext } from '../testing/test-context.js';
import { startAlertPipeline, startAlertReceiver, waitFor } from '../testing/alert-harness.js';

let hook: Awaited<ReturnType<typeof startAlertReceiver>>;
const cleanups: Array<() => Promise<void>> = [];
beforeAll(async () => {
  hook = await startAlertReceiver();
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  await hook?.close();
});

const fast = () => ({
  ALERT_WEBHOOK_URL: hook.url,
  ALERT_WEBHOOK_ATTEMPTS: '3',
  ALERT_FOR_S: '2',
  ALERT_RESOLVE_FOR_S: '2',
});

it(
  'a paused group fires its time-lag alert once and resolves it once, across an ops restart',
  { timeout: 150_000 },
  async () => {
    // Clears below 4 s: far above the second or so a consuming group trails by its commits.
    const p = await startAlertPipeline('alerts-time-lag', { ...fast(), ALERT_TIME_LAG_S: '8' });
    cleanups.push(p.stop);
    const timeLag = () => hook.states('time-lag', p.groupId);
    await waitFor(async () => (await p.group())?.status === 'OK', 'analytics consuming');
    await p.polls(4);
    expect(timeLag()).toEqual([]);

    await p.control('pause');
    await waitFor(async () => timeLag().length > 0, 'the time-lag alert to fire');
    expect((await p.group())!.timeLagMs).toBeGreaterThanOrEqual(8000);
    const firing = (await p.alerts()).find((a) => a.rule === 'time-lag' && a.groupId === p.groupId);
    expect(firing).toMatchObject({ state: 'firing', resolvedAt: null });
    expect(firing!.detail).toMatch(/^time lag \d+ s/);

    // A redeploy while it fires: the new instance carries the state on, sending nothing again.
    await p.restartOps('ops-2');
    await p.polls(6);
    expect(timeLag()).toEqual(['firing']);

    await p.control('resume');
    await waitFor(async () => timeLag().length > 1, 'the time-lag alert to resolve', 60_000);
    await p.polls(8);
    expect(timeLag()).toEqual(['firing', 'resolved']);

    const calls = hook.calls.filter(
      (c) => c.event.rule === 'time-lag' && c.event.groupId === p.groupId,
    );
    const alertId = firing!.id;
    expect(calls.map((c) => c.key)).toEqual([`${alertId}:firing`, `${alertId}:resolved`]);
    expect(calls.map((c) => c.event.id)).toEqual(calls.map((c) => c.key));
    // No rule of any group sent the same transition twice, nor fired twice in a row.
    const keys = hook.calls.map((c) => c.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const rule of ['time-lag', 'status', 'catch-up', 'retention-risk']) {
      const states = hook.states(rule, p.groupId);
      expect(states.every((s, i) => s === (i % 2 === 0 ? 'firing' : 'resolved'))).toBe(true);
    }

    const resolved = (await p.alerts()).find((a) => a.id === alertId);
    expect(resolved).toMatchObject({ state: 'resolved', firedAt: firing!.firedAt });
    expect(resolved!.resolvedAt).toBeGreaterThan(resolved!.firedAt);
    expect(resolved!.since).toBe(resolved!.resolvedAt);
  },
);

/** Sets the topic's retention.ms, as an operator would with kafka-configs. */
async function shortRetention(topic: string, t: TestContext) {
  const admin = t.kafka.admin();
  await admin.connect();
  try {
    await admin.alterConfigs({
      validateOnly: false,
      // 2 = ConfigResourceTypes.TOPIC (kafkajs stays behind the adapters).
      resources: [
        { type: 2, name: topic, configEntries: [{ name: 'retention.ms', value: '30000' }] },
      ],
    });
  } finally {
    await admin.disconnect();
  }
}

it(
  'a paused group on a topic with 30 s retention gets a retention-risk alert before records expire',
  { timeout: 150_000 },
  async () => {
    const p = await startAlertPipeline(
      'alerts-retention',
      { ...fast(), ALERT_RULES: 'retention-risk', ALERT_RETENTION_RISK_S: '20' },
      shortRetention,
    );
    cleanups.push(p.stop);
    const risk = () => hook.states('retention-risk', p.groupId);
    await waitFor(async () => (await p.group())?.status === 'OK', 'analytics consuming');
    await p.polls(4);
    expect(risk()).toEqual([]);

    await p.control('pause');
    await waitFor(async () => risk().length > 0, 'the retention-risk alert to fire');
    const g = (await p.group())!;
    // 30 s retention − the age of the oldest unconsumed record, at 1 s/s while paused.
    expect(g.retentionRiskS).toBeLessThanOrEqual(20);
    expect(g.retentionRiskS).toBeGreaterThan(0);
    expect(Math.abs(g.retentionRiskS! - (30 - g.timeLagMs / 1000))).toBeLessThan(3);
    const fired = hook.calls.find(
      (c) => c.event.rule === 'retention-risk' && c.event.groupId === p.groupId,
    )!.event;
    expect(fired).toMatchObject({ groupId: p.groupId, state: 'firing' });
    expect(fired.detail).toMatch(/expire unread in \d+ s/);

    await p.control('resume');
    await waitFor(async () => risk().length > 1, 'the retention-risk alert to resolve');
    await p.polls(6);
    expect(risk()).toEqual(['firing', 'resolved']);
  },
);
