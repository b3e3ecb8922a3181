import type { BenchReport } from './report.js';
import type { S3Step } from './scenarios/s3-fanout.js';
import { fmt as n, type WindowUsage } from './scenario-kit.js';

export interface Target {
  name: string;
  goal: string;
  measured: string;
  met: boolean | null;
}

/** An S3 step the customers' own process could not keep up with: not a gateway figure. */
export function clientBound(x: S3Step, r: BenchReport): boolean {
  const o = r.configuration.options.s3;
  return x.deliveredPerS > 1.1 * x.offeredPerS || (x.stepS ?? 0) > 2 * (o.settleS + o.measureS);
}

/** Highest fan-out rate of a step that was not client-bound. */
export function bestFanOut(r: BenchReport): number {
  return Math.max(
    0,
    ...(r.s3?.steps.filter((x) => !clientBound(x, r)).map((x) => x.deliveredPerS) ?? []),
  );
}

/** Highest consume rate each group showed: S2 windows, and S4's catch-up for the paused group. */
export function bestConsumeRates(r: BenchReport): Record<string, number> {
  const best: Record<string, number> = {};
  for (const s of r.s2?.steps ?? [])
    for (const [g, v] of Object.entries(s.groups)) best[g] = Math.max(best[g] ?? 0, v.consumedPerS);
  if (r.s4?.catchUpRatePerS)
    best[r.s4.group] = Math.max(best[r.s4.group] ?? 0, r.s4.catchUpRatePerS);
  return best;
}

/** The targets for a 2-core machine, and where this run stands. Reported, never asserted. */
export function targets(r: BenchReport): Target[] {
  const out: Target[] = [];
  if (r.s2) {
    const good = r.s2.lastGoodDrivers === null ? 0 : r.s2.lastGoodDrivers * r.s2.hz;
    out.push({
      name: 'S2 knee',
      goal: '≥ 20,000 fixes/s through all three groups',
      measured:
        r.s2.kneeDrivers === null
          ? `no knee up to ${n(r.s2.steps.at(-1)?.drivers ?? 0)} fixes/s`
          : `held ${n(good)} fixes/s; knee at ${n(r.s2.kneeDrivers * r.s2.hz)} fixes/s`,
      met: r.s2.kneeDrivers === null ? good >= 20_000 : good >= 20_000,
    });
  }
  if (r.s1)
    out.push({
      name: 'S1 latency p99',
      goal: '≤ 50 ms',
      measured: `${n(r.s1.fixToClient.p99, 1)} ms`,
      met: r.s1.fixToClient.count > 0 ? r.s1.fixToClient.p99 <= 50 : null,
    });
  if (r.s3) {
    const best = bestFanOut(r);
    out.push({
      name: 'S3 fan-out',
      goal: '≥ 100,000 deliveries/s from one gateway',
      measured: `${n(best)} deliveries/s (offered at most ${n(Math.max(0, ...r.s3.steps.map((s) => s.offeredPerS)))}/s)`,
      met: best >= 100_000,
    });
  }
  if (r.s4)
    out.push({
      name: 'S4 catch-up',
      goal: '≥ 3× the produce rate',
      measured:
        r.s4.catchUpRatio === null
          ? `not caught up within ${r.s4.maxCatchUpS} s`
          : `${n(r.s4.catchUpRatio, 1)}× (${n(r.s4.catchUpS ?? 0, 1)} s for ${n(r.s4.lagAtResume)} records)`,
      met: r.s4.catchUpRatio === null ? false : r.s4.catchUpRatio >= 3,
    });
  if (r.s0 && (r.s2 || r.s4)) {
    const raw = r.s0.kafka.consume.recordsPerS;
    for (const [g, v] of Object.entries(bestConsumeRates(r)))
      out.push({
        name: `${g} consume rate`,
        goal: '≥ 70 % of raw kafkajs consume',
        measured: `${n(v)}/s = ${n((v / raw) * 100)} % of ${n(raw)}/s`,
        met: v / raw >= 0.7,
      });
  }
  return out;
}

/** Where the time went at a window: the machine's busy share and the busiest processes. */
export function describeUsage(u: WindowUsage, cores: number): string {
  const top = Object.entries(u.processes)
    .sort((a, b) => b[1].cpuPct - a[1].cpuPct)
    .slice(0, 4)
    .map(([name, p]) => `${name} ${n(p.cpuPct)} %`)
    .join(', ');
  return (
    `machine ${n(u.machineBusyPct)} % busy of ${cores * 100} % (others' work ${n(u.otherPct)} %, ` +
    `of which steal ${n(u.stealPct)} %); ` +
    `busiest: ${top}`
  );
}
