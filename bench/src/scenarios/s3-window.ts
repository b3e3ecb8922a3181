import type { LatencySummary } from '../histogram.js';
import { ProcessSampler, rssBytes } from '../proc-stats.js';
import type { PubSubTap } from '../pub-sub-tap.js';
import {
  fmt,
  pollUntil,
  sleep,
  watchedPids,
  type BenchContext,
  type WindowUsage,
} from '../scenario-kit.js';
import type { BenchStack } from '../stack-probe.js';
import type { TrackClientPool } from '../track-client-pool.js';

/** A healthy gateway answers /metrics in milliseconds; a swamped one must not hold up a step. */
const METRICS_TIMEOUT_MS = 5000;

/** One S3 step: its ramp, then one measurement window of the customers it had connected. */
export interface S3Step {
  /** Customers the step asked for (after the cap, see S3Result.cappedAt). */
  wanted: number;
  /** Customers open at the end of the window. */
  clients: number;
  /** Handshakes of this step's ramp that failed, and URLs not tried before its deadline. */
  failed: number;
  untried: number;
  /** Customers that were open and got closed during the step. */
  dropped: number;
  /**
   * Sockets the gateway closed during the step, by its heartbeat counters: for not reading (its
   * queue passed the hard limit) and for not answering a ping; null for a gateway without them.
   */
  gatewayClosed: { notReading: number; unresponsive: number } | null;
  /** Positions the customers should get per second: customers × each delivery's rate. */
  offeredPerS: number;
  /** Positions of fixes taken in the window that the customers got, per second. */
  deliveredPerS: number;
  /**
   * Every position the customers got in the window, per second, however old its fix: what a
   * saturated gateway still sends, while its backlog keeps the window's own fixes from arriving.
   */
  receivedPerS: number;
  /**
   * Positions of fixes taken in the window that live-push published to Redis, per second, all
   * deliveries: the gateway's input, as a subscriber beside it saw it.
   */
  publishedPerS: number;
  /** Fix → Redis pub/sub: the pipeline's share of the latency, before the gateway's. */
  pubSubLatency: LatencySummary;
  /** Seconds the window really lasted. */
  windowS: number;
  /** Seconds from connected to measured, settling included. */
  stepS: number;
  /** Messages the gateway reports sent per second, and positions it conflated for slow sockets. */
  gatewaySentPerS: number;
  gatewayConflatedPerS: number;
  latency: LatencySummary;
  /** Seconds this step's ramp took (the fleet paused), and handshakes completed per second. */
  connectSeconds: number;
  connectPerS: number;
  /**
   * Handshakes started together a third into the window, under the full load, each closed once
   * open: how long a new customer waits for a busy gateway. Null when none was tried.
   */
  handshakeUnderLoad: { tried: number; failed: number; p50Ms: number; maxMs: number } | null;
  gatewayCpuPct: number;
  gatewayRssMiB: number;
  /**
   * Gateway RSS growth from before the first customer to this step's all connected, per
   * connection, both taken with the fleet paused (idle connections, nothing in flight); null
   * while the growth is under 16 MiB, which garbage collection alone can swing.
   */
  gatewayKiBPerConnection: number | null;
  gatewayHeapUsedMiB: number;
  gatewayEventLoopP99Ms: number;
  /** CPU of all client processes together and of the busiest one, % of one core. */
  clientsCpuPct: number;
  clientProcessMaxCpuPct: number;
  /** Event-loop delay p99 of the busiest client process. */
  clientEventLoopP99Ms: number;
  usage: WindowUsage;
}

/** Settles, then measures one window of the customers connected now. */
export async function measureStep(
  ctx: BenchContext,
  bs: BenchStack,
  pool: TrackClientPool,
  tap: PubSubTap,
  generatorPid: number,
  urls: readonly string[],
  ramp: {
    wanted: number;
    failed: number;
    untried: number;
    closedBefore: number;
    /** The gateway's close counters before the step's ramp. */
    gatewayClosedBefore: {
      notReading: Record<string, number>;
      unresponsive: Record<string, number>;
    };
    connectSeconds: number;
    connectPerS: number;
    /** Gateway RSS growth from before the first customer to this step's customers connected. */
    rssGrowth: number;
    /** Customers open then. */
    connected: number;
  },
): Promise<S3Step> {
  const o = ctx.opts.s3;
  const gatewayPid = bs.pids().gateway!;
  const connectedAt = performance.now();
  await sleep(o.settleS * 1000);
  // Restarts the gateway's event-loop histogram. A gateway too busy to answer leaves its own
  // figures blank; the customers' figures still stand.
  await bs.gatewayMetrics(METRICS_TIMEOUT_MS).catch(() => null);
  const [sent0, conflated0] = await Promise.all([
    bs.roleCounters('sent'),
    bs.roleCounters('conflated'),
  ]);
  const atStart = await pool.resetWindow();
  tap.resetWindow();
  const pids = () => ({ ...watchedPids(ctx.env, bs.pids(), generatorPid), ...pool.pids });
  const sampler = new ProcessSampler(pids);
  const t1 = performance.now();
  const probing = sleep((o.measureS * 1000) / 3)
    .then(() =>
      o.probeHandshakes > 0
        ? pool.probe(Array.from({ length: o.probeHandshakes }, (_, i) => urls[i % urls.length]!))
        : null,
    )
    .catch(() => null);
  await sleep(o.measureS * 1000);
  const usage = sampler.end();
  const w = await pool.window();
  const secs = (performance.now() - t1) / 1000;
  const published = tap.freshPositions;
  const pubSubLatency = tap.fixToPubSub.summary();
  const [metrics, sent1, conflated1, notReading1, unresponsive1] = await Promise.all([
    bs.gatewayMetrics(METRICS_TIMEOUT_MS).catch((): Record<string, number> => ({})),
    bs.roleCounters('sent'),
    bs.roleCounters('conflated'),
    bs.roleCounters('dropped'),
    bs.roleCounters('unresponsive'),
  ]);
  const closedBy = (a: Record<string, number>, b: Record<string, number>) =>
    (b.gateway ?? 0) - (a.gateway ?? 0);
  const rate = (a: Record<string, number>, b: Record<string, number>, role: string) =>
    ((b[role] ?? 0) - (a[role] ?? 0)) / secs;
  const rss = rssBytes(gatewayPid) ?? 0;
  const clients = w.counts.open;
  const probe = await probing;
  const probeMs = [...(probe?.ms ?? [])].sort((a, b) => a - b);
  const clientCpu = Object.keys(pool.pids).map((name) => usage.processes[name]?.cpuPct ?? 0);
  return {
    wanted: ramp.wanted,
    clients,
    failed: ramp.failed,
    untried: ramp.untried,
    dropped: w.counts.closed - ramp.closedBefore,
    gatewayClosed:
      notReading1.gateway === undefined && unresponsive1.gateway === undefined
        ? null
        : {
            notReading: closedBy(ramp.gatewayClosedBefore.notReading, notReading1),
            unresponsive: closedBy(ramp.gatewayClosedBefore.unresponsive, unresponsive1),
          },
    // Customers dropped during the window were offered positions only while they were open.
    offeredPerS: ((atStart.open + clients) / 2) * o.hz,
    deliveredPerS: w.counts.freshPositions / secs,
    receivedPerS: w.counts.positions / secs,
    publishedPerS: published / secs,
    pubSubLatency,
    windowS: secs,
    stepS: (performance.now() - connectedAt) / 1000,
    gatewaySentPerS: rate(sent0, sent1, 'gateway'),
    gatewayConflatedPerS: rate(conflated0, conflated1, 'gateway'),
    latency: w.fixToClient.summary(true),
    connectSeconds: ramp.connectSeconds,
    connectPerS: ramp.connectPerS,
    handshakeUnderLoad: probe
      ? {
          tried: probeMs.length + probe.failed,
          failed: probe.failed,
          p50Ms: probeMs[Math.floor(probeMs.length / 2)] ?? NaN,
          maxMs: probeMs.at(-1) ?? NaN,
        }
      : null,
    gatewayCpuPct: usage.processes.gateway?.cpuPct ?? NaN,
    gatewayRssMiB: rss / 1024 / 1024,
    gatewayKiBPerConnection:
      ramp.connected > 0 && ramp.rssGrowth > 16 * 1024 * 1024
        ? ramp.rssGrowth / 1024 / ramp.connected
        : null,
    gatewayHeapUsedMiB: (metrics.nodejs_heap_size_used_bytes ?? NaN) / 1024 / 1024,
    gatewayEventLoopP99Ms: (metrics.nodejs_eventloop_lag_p99_seconds ?? NaN) * 1000,
    clientsCpuPct: clientCpu.reduce((a, b) => a + b, 0),
    clientProcessMaxCpuPct: Math.max(0, ...clientCpu),
    clientEventLoopP99Ms: Math.max(0, ...w.eventLoopP99Ms),
    usage,
  };
}

/**
 * Waits until the customers have stopped receiving (at most 45 s): after a pause of the fleet,
 * a gateway that was behind still sends its backlog, and would accept handshakes slowly.
 */
export async function drained(ctx: BenchContext, pool: TrackClientPool): Promise<void> {
  const started = performance.now();
  let last = -1;
  let told = false;
  const done = await pollUntil(
    async () => {
      const { messages } = await pool.counts();
      const still = messages === last;
      last = messages;
      if (!still && !told && performance.now() - started > 5000) {
        told = true;
        ctx.progress('  the gateway is still sending its backlog; waiting for it (45 s at most)…');
      }
      return still;
    },
    45_000,
    1000,
  );
  if (told)
    ctx.progress(
      done
        ? `  backlog sent in ${fmt((performance.now() - started) / 1000)} s`
        : '  backlog still not sent after 45 s: connecting anyway',
    );
}
