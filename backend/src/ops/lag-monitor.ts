import type { AppContext, Stop } from '../context.js';
import { startHeartbeat } from '../health.js';
import { createAlertMonitor } from './alert-monitor.js';
import { createDeliveryImpact } from './delivery-impact.js';
import { createLagTracker } from './lag-tracker.js';

export const role = 'ops';

/**
 * The ops role: polls the admin API every few seconds for each consumer group's committed
 * offsets, the topic's end offsets and the group members, turns them into lag, time lag,
 * rates and status, and publishes a snapshot and a history point through Redis for every
 * gateway's ops WebSocket. Only the instance holding the lease polls.
 */
export async function start(ctx: AppContext): Promise<Stop> {
  const log = ctx.log.child({ role });
  const s = ctx.config.ops;
  const groups = [
    ctx.config.groups.livePush,
    ctx.config.groups.analytics,
    ctx.config.groups.notifications,
  ];
  const topic = ctx.config.topics.location;
  const inspector = ctx.cluster.groupInspector();
  const tracker = createLagTracker({
    topic,
    windowSamples: s.windowSamples,
    warnMinLag: s.warnMinLag,
    historyMs: s.historyMinutes * 60_000,
  });
  const store = ctx.stores.ops;
  const alerts = createAlertMonitor(ctx, log, topic);
  const deliveries = ctx.stores.deliveries;
  const historyPoints = Math.ceil((s.historyMinutes * 60_000) / s.pollIntervalMs);
  let polls = 0;
  let lastError = '';
  let leading = false;

  // Customers seeing old positions, by cause (pipeline lag, silent courier); sweeps abandoned ones.
  const impact = createDeliveryImpact(ctx, deliveries);

  async function poll() {
    leading = await store.lead(ctx.config.instanceId, s.pollIntervalMs * 3);
    if (!leading) return;
    const obs = await inspector.inspect(groups, topic);
    const paused = await store.pausedGroups();
    const { point, ...snapshot } = tracker.observe(obs, paused);
    const full = {
      ...snapshot,
      settings: { ...snapshot.settings, pollIntervalMs: s.pollIntervalMs },
      impact: await impact(
        Date.now(),
        snapshot.groups.find((g) => g.groupId === ctx.config.groups.livePush)?.timeLagMs ?? 0,
      ),
    };
    await store.publish(await alerts.observe(full), point, historyPoints);
    polls++;
    lastError = '';
  }

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const loop = async () => {
    const started = Date.now();
    try {
      await poll();
    } catch (err) {
      const message = (err as Error).message;
      if (message !== lastError) log.warn({ err: message }, 'lag poll failed; retrying');
      lastError = message;
    }
    if (!stopped)
      timer = setTimeout(() => void loop(), Math.max(0, s.pollIntervalMs - (Date.now() - started)));
  };
  void loop();
  const stopHeartbeat = startHeartbeat(ctx, role, () => ({
    ready: polls > 0 || !leading,
    detail: { polls, leading: leading ? 1 : 0 },
  }));
  log.info({ groups, topic, pollIntervalMs: s.pollIntervalMs }, 'ops lag monitor started');
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await stopHeartbeat();
    await alerts.stop();
    await inspector.stop();
  };
}
