import type { LatencySummary } from '../histogram.js';
import { startLoadGenerator } from '../load-generator.js';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ProcessSampler } from '../proc-stats.js';
import { PubSubTap } from '../pub-sub-tap.js';
import {
  fmt,
  pollUntil,
  sleep,
  watchedPids,
  type BenchContext,
  type WindowUsage,
} from '../scenario-kit.js';
import type { BenchStack } from '../stack-probe.js';
import { ReplayClients } from '../replay-clients.js';
import { TrackClients } from '../track-clients.js';

export interface S1Result {
  drivers: number;
  hz: number;
  clients: number;
  measureS: number;
  /** The headline: fix (intended send time) → customer's WebSocket. */
  fixToClient: LatencySummary;
  /** Fix → applied by live-push (the Kafka leg), from the messages' appliedAt. */
  fixToApplied: LatencySummary;
  /** Applied → customer (Redis pub/sub, gateway, socket). */
  appliedToClient: LatencySummary;
  /** Fix → Redis pub/sub, every delivery of the fleet, seen by a subscriber in the benchmark. */
  fixToPubSub: LatencySummary;
  clientEventLoopP99Ms: number;
  usage: WindowUsage;
  /** A second window of the same length while fleet replays of the log run (issue 20). */
  withReplays?: {
    replays: number;
    speed: number;
    /** Device time each replay covers before it starts over. */
    windowS: number;
    fixToClient: LatencySummary;
    framesPerS: number;
    couriersPerS: number;
    kbPerS: number;
    loops: number;
    errors: number;
    usage: WindowUsage;
  };
}

/** S1: a small fleet and a few customers, to see the latency floor of the whole path. */
export async function runS1(ctx: BenchContext, bs: BenchStack): Promise<S1Result> {
  const o = ctx.opts.s1;
  const gen = await startLoadGenerator({ brokers: ctx.env.brokers, topic: bs.topic, tag: 's1' });
  const clients = new TrackClients(bs.stack.baseUrl);
  let tap: PubSubTap | null = null;
  let replays: ReplayClients | null = null;
  try {
    const fleetStart = Date.now();
    await gen.setFleet(o.drivers, o.hz);
    ctx.progress(`${o.drivers} drivers at ${o.hz} Hz; waiting for their deliveries…`);
    const urls = await pollUntil(async () => {
      const u = await bs.trackingUrls('dlv-s1-');
      return u.length >= o.clients && u;
    }, 60_000);
    if (!urls) throw new Error('S1: deliveries did not appear in /api/deliveries within 60 s');
    await clients.connect(urls.slice(0, o.clients));
    ctx.progress(
      `${clients.counts.open} customers connected` +
        (clients.counts.failed > 0
          ? `, ${clients.counts.failed} failed: ${clients.failureReasons.join(', ')}`
          : ''),
    );

    tap = await PubSubTap.start(ctx.env.redisUrl, bs.stack.env.REDIS_PREFIX ?? '', 'dlv-s1-');

    await sleep(o.warmupS * 1000);
    clients.resetWindow();
    tap.resetWindow();
    const eld = monitorEventLoopDelay({ resolution: 10 });
    eld.enable();
    const sampler = new ProcessSampler(() => watchedPids(ctx.env, bs.pids(), gen.pid));
    const end = performance.now() + o.measureS * 1000;
    while (performance.now() < end) {
      await sleep(Math.min(10_000, end - performance.now()));
      const s = clients.fixToClient.summary();
      ctx.progress(
        `  ${fmt(s.count)} positions, p50 ${fmt(s.p50, 1)} ms, p99 ${fmt(s.p99, 1)} ms, max ${fmt(s.max, 1)} ms`,
      );
    }
    const usage = sampler.end();
    eld.disable();
    const result: S1Result = {
      drivers: o.drivers,
      hz: o.hz,
      clients: clients.counts.open,
      measureS: o.measureS,
      fixToClient: clients.fixToClient.summary(true),
      fixToApplied: clients.fixToApplied.summary(),
      appliedToClient: clients.appliedToClient.summary(),
      fixToPubSub: tap.fixToPubSub.summary(true),
      clientEventLoopP99Ms: eld.percentile(99) / 1e6,
      usage,
    };
    if (o.replays > 0) {
      // The same customers again, while fleet replays of everything so far play at 60×.
      const to = Date.now();
      replays = await ReplayClients.start({
        baseUrl: bs.stack.baseUrl,
        opsToken: bs.stack.opsToken,
        replays: o.replays,
        from: fleetStart,
        to,
        speed: o.replaySpeed,
      });
      ctx.progress(
        `${o.replays} fleet replays of ${fmt((to - fleetStart) / 1000)} s at ${o.replaySpeed}× started`,
      );
      await sleep(2000);
      clients.resetWindow();
      replays.resetWindow();
      const sampled = new ProcessSampler(() => watchedPids(ctx.env, bs.pids(), gen.pid));
      await sleep(o.measureS * 1000);
      const s = clients.fixToClient.summary(true);
      ctx.progress(
        `  with replays: ${fmt(s.count)} positions, p99 ${fmt(s.p99, 1)} ms (without: ${fmt(result.fixToClient.p99, 1)} ms)`,
      );
      const c = replays.counts;
      result.withReplays = {
        replays: o.replays,
        speed: o.replaySpeed,
        windowS: (to - fleetStart) / 1000,
        fixToClient: s,
        framesPerS: c.frames / o.measureS,
        couriersPerS: c.couriers / o.measureS,
        kbPerS: c.bytes / 1024 / o.measureS,
        loops: c.loops,
        errors: c.errors,
        usage: sampled.end(),
      };
    }
    return result;
  } finally {
    replays?.close();
    tap?.stop();
    await clients.close();
    await gen.stop();
  }
}
