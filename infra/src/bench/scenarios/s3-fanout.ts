import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { LatencySummary } from '../histogram.js';
import { startLoadGenerator } from '../load-generator.js';
import { openFileLimit, ProcessSampler, rssBytes } from '../proc-stats.js';
import {
  fmt,
  pollUntil,
  sleep,
  watchedPids,
  type BenchContext,
  type WindowUsage,
} from '../scenario-kit.js';
import type { BenchStack } from '../stack-probe.js';
import { TrackClients } from '../track-clients.js';

export interface S3Step {
  clients: number;
  /** Positions the customers should get per second: clients × the fleet's rate. */
  offeredPerS: number;
  /** Positions of fixes taken in the window that the customers got, per second. */
  deliveredPerS: number;
  /** Seconds the window really lasted. */
  windowS: number;
  /** Seconds from connected to measured, settling included: far above the plan, this process could not keep up. */
  stepS: number;
  /** Messages the gateway reports sent per second, and positions it conflated for slow sockets. */
  gatewaySentPerS: number;
  gatewayConflatedPerS: number;
  latency: LatencySummary;
  connectSeconds: number;
  failed: number;
  gatewayRssMiB: number;
  /**
   * Gateway RSS growth since no customer was connected, per connection; null while the growth
   * is under 16 MiB, which garbage collection alone can swing.
   */
  gatewayKiBPerConnection: number | null;
  gatewayHeapUsedMiB: number;
  gatewayEventLoopP99Ms: number;
  clientEventLoopP99Ms: number;
  usage: WindowUsage;
}

export interface S3Result {
  drivers: number;
  hz: number;
  deliveriesWatched: number;
  fileLimit: { soft: number; hard: number };
  cappedAt: number | null;
  failureReasons: string[];
  steps: S3Step[];
}

/** S3: a fixed fleet, more and more customers watching it (many per delivery), one gateway. */
export async function runS3(ctx: BenchContext, bs: BenchStack): Promise<S3Result> {
  const o = ctx.opts.s3;
  const fileLimit = openFileLimit();
  // Each client is a descriptor here; leave room for Kafka, Redis and the files we read.
  const maxClients = Number.isFinite(fileLimit.soft) ? fileLimit.soft - 500 : Infinity;
  const cappedAt = o.clientSteps.some((c) => c > maxClients) ? maxClients : null;
  const gen = await startLoadGenerator({ brokers: ctx.env.brokers, topic: bs.topic, tag: 's3' });
  const clients = new TrackClients(bs.stack.baseUrl);
  const steps: S3Step[] = [];
  const gatewayPid = bs.pids().gateway!;
  try {
    await gen.setFleet(o.drivers, o.hz);
    ctx.progress(`${o.drivers} drivers at ${o.hz} Hz; waiting for their deliveries…`);
    const urls = await pollUntil(async () => {
      const u = await bs.trackingUrls('dlv-s3-');
      return u.length >= Math.min(o.drivers, 1000) && u;
    }, 60_000);
    if (!urls) throw new Error('S3: deliveries did not appear in /api/deliveries within 60 s');
    await sleep(2000);
    const rssBase = rssBytes(gatewayPid) ?? 0;
    for (const wanted of o.clientSteps) {
      const target = Math.min(wanted, maxClients);
      const t0 = performance.now();
      const more = Array.from(
        { length: Math.max(0, target - clients.size) },
        (_, i) => urls[(clients.size + i) % urls.length]!,
      );
      await clients.connect(more, 200, 60_000);
      const connectSeconds = (performance.now() - t0) / 1000;
      const connectedAt = performance.now();
      ctx.progress(
        `${fmt(clients.size)} customers on ${fmt(Math.min(clients.size, urls.length))} deliveries ` +
          `(connected in ${fmt(connectSeconds, 1)} s, ${clients.counts.failed} failed)`,
      );
      await sleep(o.settleS * 1000);
      clients.resetWindow();
      const eld = monitorEventLoopDelay({ resolution: 10 });
      eld.enable();
      await bs.gatewayMetrics(); // restarts the gateway's event-loop histogram
      const sent0 = await bs.roleCounters('sent');
      const conflated0 = await bs.roleCounters('conflated');
      const sampler = new ProcessSampler(() => watchedPids(ctx.env, bs.pids(), gen.pid));
      const t1 = performance.now();
      await sleep(o.measureS * 1000);
      const usage = sampler.end();
      const secs = (performance.now() - t1) / 1000;
      const delivered = clients.counts.freshPositions;
      eld.disable();
      const metrics = await bs.gatewayMetrics();
      const sent1 = await bs.roleCounters('sent');
      const conflated1 = await bs.roleCounters('conflated');
      const rss = rssBytes(gatewayPid) ?? 0;
      const step: S3Step = {
        clients: clients.size,
        offeredPerS: clients.size * o.hz,
        deliveredPerS: delivered / secs,
        windowS: secs,
        stepS: (performance.now() - connectedAt) / 1000,
        gatewaySentPerS: ((sent1.gateway ?? 0) - (sent0.gateway ?? 0)) / secs,
        gatewayConflatedPerS: ((conflated1.gateway ?? 0) - (conflated0.gateway ?? 0)) / secs,
        latency: clients.fixToClient.summary(),
        connectSeconds,
        failed: clients.counts.failed,
        gatewayRssMiB: rss / 1024 / 1024,
        gatewayKiBPerConnection:
          clients.size > 0 && rss - rssBase > 16 * 1024 * 1024
            ? (rss - rssBase) / 1024 / clients.size
            : null,
        gatewayHeapUsedMiB: (metrics.nodejs_heap_size_used_bytes ?? NaN) / 1024 / 1024,
        gatewayEventLoopP99Ms: (metrics.nodejs_eventloop_lag_p99_seconds ?? NaN) * 1000,
        clientEventLoopP99Ms: eld.percentile(99) / 1e6,
        usage,
      };
      steps.push(step);
      ctx.progress(
        `  ${fmt(step.deliveredPerS)} of ${fmt(step.offeredPerS)} positions/s delivered, ` +
          `p50 ${fmt(step.latency.p50, 1)} ms, p99 ${fmt(step.latency.p99, 1)} ms, ` +
          `gateway CPU ${fmt(usage.processes.gateway?.cpuPct ?? NaN)} %, ` +
          (step.gatewayKiBPerConnection === null
            ? 'memory growth within GC noise'
            : `${fmt(step.gatewayKiBPerConnection, 1)} KiB/connection`),
      );
      if (target < wanted) break;
      const stepS = (performance.now() - connectedAt) / 1000;
      if (stepS > 2 * (o.settleS + o.measureS)) {
        ctx.progress(
          `  the step took ${fmt(stepS)} s instead of ${o.settleS + o.measureS}: the customers' process is ` +
            'the bottleneck, so larger steps would measure it, not the gateway; stopping here',
        );
        break;
      }
    }
    return {
      drivers: o.drivers,
      hz: o.hz,
      deliveriesWatched: Math.min(urls.length, clients.size),
      fileLimit,
      cappedAt,
      failureReasons: clients.failureReasons,
      steps,
    };
  } finally {
    await clients.close();
    await gen.stop();
  }
}
