import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { LatencySummary } from '../histogram.js';
import { startLoadGenerator } from '../load-generator.js';
import { ProcessSampler } from '../proc-stats.js';
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
import { TrackClients } from '../track-clients.js';

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
  /** How far behind schedule the generator's produce requests left, at worst. */
  generatorLateMaxMs: number;
  eventLoopP99Ms: Record<string, number>;
  usage: WindowUsage;
  knee: boolean;
  kneeReasons: string[];
}

export interface S2Result {
  hz: number;
  clients: number;
  settleS: number;
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
  const clients = new TrackClients(bs.stack.baseUrl);
  const steps: S2Step[] = [];
  let kneeAt = -1;
  try {
    for (const [index, drivers] of o.steps.entries()) {
      await gen.setFleet(drivers, o.hz);
      ctx.progress(`${fmt(drivers)} drivers (${fmt(drivers * o.hz)} fixes/s offered)…`);
      if (index === 0) {
        const urls = await pollUntil(async () => {
          const u = await bs.trackingUrls('dlv-s2-');
          return u.length >= o.clients && u;
        }, 60_000);
        if (!urls) throw new Error('S2: deliveries did not appear in /api/deliveries within 60 s');
        await clients.connect(urls.slice(0, o.clients));
      }
      await sleep(o.settleS * 1000);

      clients.resetWindow();
      const eld = monitorEventLoopDelay({ resolution: 10 });
      eld.enable();
      await bs.gatewayMetrics();
      const g0 = await gen.stats();
      const sampler = new ProcessSampler(() => watchedPids(ctx.env, bs.pids(), gen.pid));
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
      const usage = sampler.end();
      const secs = (performance.now() - t0) / 1000;
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
      const latency = clients.fixToClient.summary();
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
        generatorLateMaxMs: g1.sendLateMaxMs,
        eventLoopP99Ms: {
          gateway: (metrics.nodejs_eventloop_lag_p99_seconds ?? NaN) * 1000,
          'load generator': g1.eventLoopDelayP99Ms,
          'bench clients': eld.percentile(99) / 1e6,
        },
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
      clients: clients.counts.open,
      settleS: o.settleS,
      measureS: o.measureS,
      p99LimitMs: o.p99LimitMs,
      steps,
      kneeDrivers: knee?.drivers ?? null,
      lastGoodDrivers: good.at(-1)?.drivers ?? null,
    };
  } finally {
    await clients.close();
    await gen.stop();
  }
}
