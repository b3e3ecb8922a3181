import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { LatencySummary } from '../histogram.js';
import { startLoadGenerator } from '../load-generator.js';
import { ProcessSampler } from '../proc-stats.js';
import { perFix, readCommandStats, type RedisPerFix } from '../redis-commands.js';
import {
  fmt,
  pollUntil,
  sleep,
  slopePerS,
  watchedPids,
  type BenchContext,
  type WindowUsage,
} from '../scenario-kit.js';
import { LOCATION_GROUPS, type BenchStack } from '../stack-probe.js';
import { TrackClientPool } from '../track-client-pool.js';

export interface GroupStep {
  /** Records per second the group committed in the window (committed offsets, all partitions). */
  consumedPerS: number;
  lagStart: number;
  lagEnd: number;
  lagMax: number;
  /** Least-squares trend of the lag over the window. */
  lagSlopePerS: number;
  growing: boolean;
}

export interface S2Step {
  drivers: number;
  /** Records per second the schedule offered (positions, plus trip events of new drivers). */
  offeredPerS: number;
  /** Records per second the broker acknowledged. */
  producedPerS: number;
  groups: Record<string, GroupStep>;
  latency: LatencySummary;
  /**
   * The latency's two legs, where positions carry live-push's apply time: fix → applied by
   * live-push (Kafka and the group), applied → customer (Redis pub/sub and the gateway). Absent
   * from reports older than 2026-12-07.
   */
  legs?: { fixToApplied: LatencySummary; appliedToClient: LatencySummary };
  /** How far behind schedule the generator's produce requests left, at worst. */
  generatorLateMaxMs: number;
  eventLoopP99Ms: Record<string, number>;
  /** Redis commands per offered fix (absent from reports older than 2026-12-06). */
  redis?: RedisPerFix;
  /** Customer sockets open during the window (one per followed delivery). */
  customers: number;
  /** Customer sockets that failed to open or closed, since the start. */
  customerFailures: number;
  /** Handshakes that failed since the start, by reason (absent from reports before 2026-12-07). */
  customerFailureReasons?: Record<string, number>;
  usage: WindowUsage;
  knee: boolean;
  kneeReasons: string[];
}

export interface S2Result {
  hz: number;
  /** Customers asked for per step: 0 = one per active delivery. */
  clients: number;
  settleS: number;
  /** Absent from reports older than 2026-12-07 (no warm-up: the first step settled settleS). */
  warmupS?: number;
  measureS: number;
  p99LimitMs: number;
  steps: S2Step[];
  /** Fleet of the first step past a limit, or null when every step held. */
  kneeDrivers: number | null;
  /** The largest fleet that held (p99 within the limit and no growing lag). */
  lastGoodDrivers: number | null;
}

/** Lag that keeps growing: trend above 5 % of the offered rate and above 2 s of records at the end. */
function isGrowing(slope: number, lagEnd: number, offered: number): boolean {
  return slope > 0.05 * offered && lagEnd > 2 * offered;
}

/**
 * S2: the fleet grows step by step at 1 Hz; each step settles, then is measured. Stops one step
 * past the knee: the first step where p99 passes the limit or a group's lag keeps growing.
 */
export async function runS2(ctx: BenchContext, bs: BenchStack): Promise<S2Result> {
  const o = ctx.opts.s2;
  const gen = await startLoadGenerator({ brokers: ctx.env.brokers, topic: bs.topic, tag: 's2' });
  // The customers live in processes of their own, so that their CPU is not the bench's.
  const pool = await TrackClientPool.start(bs.stack.baseUrl, o.clientProcesses).catch(
    async (err: unknown) => {
      await gen.stop();
      throw err;
    },
  );
  const steps: S2Step[] = [];
  let kneeAt = -1;
  let followed = 0;
  try {
    for (const [index, drivers] of o.steps.entries()) {
      await gen.setFleet(drivers, o.hz);
      ctx.progress(`${fmt(drivers)} drivers (${fmt(drivers * o.hz)} fixes/s offered)…`);
      if (index === 0) {
        const known = await pollUntil(async () => {
          const u = await bs.trackingUrls('dlv-s2-', 1);
          return u.length > 0;
        }, 60_000);
        if (!known) throw new Error('S2: deliveries did not appear in /api/deliveries within 60 s');
      }
      // Every driver has one delivery (dlv-s2-<i>) from its first fix on: the new ones get
      // their customer once live-push has had a moment to apply their assignment.
      const wanted = o.clients === 0 ? drivers : Math.min(o.clients, drivers);
      if (wanted > followed) {
        await sleep(2000);
        const urls = Array.from({ length: wanted - followed }, (_, i) =>
          bs.trackingUrlOf(`dlv-s2-${followed + i}`),
        );
        const ramp = await pool.connect(urls, {
          concurrency: 100,
          withinMs: 60_000,
          onProgress: (c, s) => ctx.progress(`  ${fmt(c.open)} customers open after ${fmt(s)} s`),
        });
        followed = wanted;
        ctx.progress(
          `  ${fmt(ramp.counts.open)} customers open (${fmt(ramp.counts.failed)} failed, ` +
            `${fmt(ramp.untried)} not tried)`,
        );
        // Thousands of snapshots read at once set the groups back: the step is measured once
        // they are within two seconds of records again (or after 30 s, and then it shows).
        const caughtUp = await pollUntil(async () => {
          const lag = await bs.lag().catch(() => null);
          return lag !== null && Object.values(lag).every((l) => l <= 2 * drivers * o.hz);
        }, 30_000);
        if (!caughtUp) ctx.progress('  the groups were still behind 30 s after the customers came');
      }
      // The first step also warms the stack up (the broker's JIT above all): see warmupS.
      await sleep((index === 0 ? Math.max(o.settleS, o.warmupS) : o.settleS) * 1000);

      await pool.resetWindow();
      const eld = monitorEventLoopDelay({ resolution: 10 });
      eld.enable();
      await bs.gatewayMetrics();
      const g0 = await gen.stats();
      const sampler = new ProcessSampler(() => ({
        ...watchedPids(ctx.env, bs.pids(), gen.pid),
        ...pool.pids,
      }));
      const primaries = ctx.env.redisNodes.filter((n) => n.primary).map((n) => n.url);
      const redis0 = await readCommandStats(primaries);
      const t0 = performance.now();
      const samples: { t: number; o: Awaited<ReturnType<BenchStack['offsets']>> }[] = [];
      const take = async () => {
        const o = await bs.offsets().catch(() => null);
        if (o) samples.push({ t: (performance.now() - t0) / 1000, o });
      };
      const end = t0 + o.measureS * 1000;
      while (performance.now() < end) {
        await take();
        await sleep(Math.max(0, Math.min(2000, end - performance.now())));
      }
      await take();
      const usage = withClientsSummed(sampler.end(), Object.keys(pool.pids));
      const redis1 = await readCommandStats(primaries);
      const secs = (performance.now() - t0) / 1000;
      const window = await pool.window();
      const g1 = await gen.stats();
      const metrics = await bs.gatewayMetrics();
      eld.disable();

      const offeredPerS = (g1.generated - g0.generated) / secs;
      const groups: Record<string, GroupStep> = {};
      for (const g of LOCATION_GROUPS) {
        const series = samples.map((s) => ({ t: s.t, v: s.o[g]?.lag ?? 0 }));
        const slope = slopePerS(series);
        const lagEnd = series.at(-1)?.v ?? 0;
        const first = samples[0];
        const last = samples.at(-1);
        groups[g] = {
          consumedPerS:
            first && last && last.t > first.t
              ? ((last.o[g]?.committed ?? 0) - (first.o[g]?.committed ?? 0)) / (last.t - first.t)
              : NaN,
          lagStart: series[0]?.v ?? 0,
          lagEnd,
          lagMax: Math.max(0, ...series.map((x) => x.v)),
          lagSlopePerS: slope,
          growing: isGrowing(slope, lagEnd, offeredPerS),
        };
      }
      const latency = window.fixToClient.summary();
      const kneeReasons = [
        ...(latency.p99 > o.p99LimitMs ? [`p99 ${fmt(latency.p99)} ms > ${o.p99LimitMs} ms`] : []),
        ...(latency.count === 0 ? ['no position reached the customers'] : []),
        ...Object.entries(groups)
          .filter(([, s]) => s.growing)
          .map(([g, s]) => `${g} lag growing ${fmt(s.lagSlopePerS)}/s`),
      ];
      const step: S2Step = {
        drivers,
        offeredPerS,
        producedPerS: (g1.acked - g0.acked) / secs,
        groups,
        latency,
        legs: {
          fixToApplied: window.fixToApplied.summary(),
          appliedToClient: window.appliedToClient.summary(),
        },
        generatorLateMaxMs: g1.sendLateMaxMs,
        eventLoopP99Ms: {
          gateway: (metrics.nodejs_eventloop_lag_p99_seconds ?? NaN) * 1000,
          'load generator': g1.eventLoopDelayP99Ms,
          'bench clients': Math.max(eld.percentile(99) / 1e6, ...window.eventLoopP99Ms),
        },
        redis: perFix(redis0, redis1, g1.generated - g0.generated),
        customers: window.counts.open,
        customerFailures: window.counts.failed + window.counts.closed,
        customerFailureReasons: window.failures,
        usage,
        knee: kneeReasons.length > 0,
        kneeReasons,
      };
      steps.push(step);
      ctx.progress(
        `  produced ${fmt(step.producedPerS)}/s; consumed ` +
          LOCATION_GROUPS.map(
            (g) => `${g} ${fmt(groups[g]!.consumedPerS)}/s (lag ${fmt(groups[g]!.lagEnd)})`,
          ).join(', ') +
          `; p99 ${fmt(latency.p99)} ms; CPU broker ${fmt(usage.processes.kafka?.cpuPct ?? NaN)} %` +
          (step.knee ? `  ← past the limit: ${kneeReasons.join('; ')}` : ''),
      );
      if (step.knee && kneeAt < 0) kneeAt = index;
      else if (kneeAt >= 0) break;
    }
    const knee = kneeAt >= 0 ? steps[kneeAt]! : null;
    const good = steps.filter((s, i) => !s.knee && (kneeAt < 0 || i < kneeAt));
    return {
      hz: o.hz,
      clients: o.clients,
      settleS: o.settleS,
      warmupS: o.warmupS,
      measureS: o.measureS,
      p99LimitMs: o.p99LimitMs,
      steps,
      kneeDrivers: knee?.drivers ?? null,
      lastGoodDrivers: good.at(-1)?.drivers ?? null,
    };
  } finally {
    await pool.stop();
    await gen.stop();
  }
}

/** The customers' processes counted as one, 'bench clients' (with the bench's own process). */
function withClientsSummed(u: WindowUsage, names: readonly string[]): WindowUsage {
  const processes = { ...u.processes };
  const sum = { ...(processes['bench clients'] ?? { cpuPct: 0, rssMiB: 0 }) };
  for (const name of names) {
    const p = processes[name];
    if (!p) continue;
    sum.cpuPct += p.cpuPct;
    sum.rssMiB += p.rssMiB;
    delete processes[name];
  }
  processes['bench clients'] = sum;
  return { ...u, processes };
}
