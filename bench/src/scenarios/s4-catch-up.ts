import { startLoadGenerator } from '../load-generator.js';
import { ProcessSampler } from '../proc-stats.js';
import { fmt, sleep, watchedPids, type BenchContext, type WindowUsage } from '../scenario-kit.js';
import { LOCATION_GROUPS, type BenchStack } from '../stack-probe.js';

export interface S4Result {
  group: string;
  drivers: number;
  producePerS: number;
  pauseS: number;
  /** Lag in steady state before the pause (largest sample): "caught up" means back to this. */
  steadyLag: number;
  lagAtResume: number;
  /** Seconds from resume until the lag was back to steady state; null if not within the limit. */
  catchUpS: number | null;
  maxCatchUpS: number;
  /** Records the group consumed per second while catching up, and that over the produce rate. */
  catchUpRatePerS: number | null;
  catchUpRatio: number | null;
  /** Largest lag of the other groups during the pause: they carry on regardless. */
  otherGroupsMaxLag: Record<string, number>;
  lagSeries: { t: number; lag: number }[];
  usage: WindowUsage;
}

/** S4: an operator pauses one group under load, then resumes it; how long until it has caught up? */
export async function runS4(ctx: BenchContext, bs: BenchStack, drivers: number): Promise<S4Result> {
  const o = ctx.opts.s4;
  const name = LOCATION_GROUPS.find((g) => g === o.group);
  if (!name) throw new Error(`S4: unknown group ${o.group} (one of ${LOCATION_GROUPS.join(', ')})`);
  const gen = await startLoadGenerator({ brokers: ctx.env.brokers, topic: bs.topic, tag: 's4' });
  const series: { t: number; lag: number }[] = [];
  const t0 = performance.now();
  const sample = async () => {
    const lag = await bs.lag();
    series.push({ t: (performance.now() - t0) / 1000, lag: lag[name] ?? 0 });
    return lag;
  };
  try {
    await gen.setFleet(drivers, 1);
    ctx.progress(`${fmt(drivers)} drivers at 1 Hz; ${o.warmupS} s to reach a steady state…`);
    await sleep((o.warmupS * 1000) / 3);
    let steadyLag = 0;
    const warmEnd = performance.now() + (o.warmupS * 1000 * 2) / 3;
    while (performance.now() < warmEnd) {
      steadyLag = Math.max(steadyLag, (await sample())[name] ?? 0);
      await sleep(1000);
    }
    const g0 = await gen.stats();
    const tg0 = performance.now();
    await bs.control(bs.groups[name], 'pause');
    ctx.progress(`paused ${name} for ${o.pauseS} s (steady lag was ${fmt(steadyLag)})`);
    const others: Record<string, number> = {};
    const pauseEnd = performance.now() + o.pauseS * 1000;
    let lastPrint = performance.now();
    while (performance.now() < pauseEnd) {
      const lag = await sample();
      for (const g of LOCATION_GROUPS)
        if (g !== name) others[g] = Math.max(others[g] ?? 0, lag[g] ?? 0);
      if (performance.now() - lastPrint > 10_000) {
        ctx.progress(`  ${name} lag ${fmt(lag[name] ?? 0)}`);
        lastPrint = performance.now();
      }
      await sleep(1000);
    }
    const lagAtResume = (await sample())[name] ?? 0;
    await bs.control(bs.groups[name], 'resume');
    const resumedAt = performance.now();
    ctx.progress(`resumed ${name} with ${fmt(lagAtResume)} records behind`);
    const sampler = new ProcessSampler(() => watchedPids(ctx.env, bs.pids(), gen.pid));
    let catchUpS: number | null = null;
    let lagEnd = lagAtResume;
    const limit = resumedAt + o.maxCatchUpS * 1000;
    const threshold = Math.max(steadyLag, drivers); // back to steady state, or within 1 s of records
    while (performance.now() < limit) {
      const lag = (await sample())[name] ?? 0;
      lagEnd = lag;
      if (lag <= threshold) {
        catchUpS = (performance.now() - resumedAt) / 1000;
        break;
      }
      await sleep(250);
    }
    const usage = sampler.end();
    const g1 = await gen.stats();
    const producePerS = (g1.acked - g0.acked) / ((performance.now() - tg0) / 1000);
    const catchUpRatePerS =
      catchUpS === null ? null : (lagAtResume + producePerS * catchUpS - lagEnd) / catchUpS;
    ctx.progress(
      catchUpS === null
        ? `  not caught up within ${o.maxCatchUpS} s`
        : `  caught up in ${fmt(catchUpS, 1)} s: ${fmt(catchUpRatePerS ?? 0)} records/s, ` +
            `${fmt((catchUpRatePerS ?? 0) / producePerS, 1)}× the produce rate`,
    );
    return {
      group: name,
      drivers,
      producePerS,
      pauseS: o.pauseS,
      steadyLag,
      lagAtResume,
      catchUpS,
      maxCatchUpS: o.maxCatchUpS,
      catchUpRatePerS,
      catchUpRatio: catchUpRatePerS === null ? null : catchUpRatePerS / producePerS,
      otherGroupsMaxLag: others,
      lagSeries: series.map((s) => ({ t: Math.round(s.t * 10) / 10, lag: s.lag })),
      usage,
    };
  } finally {
    await bs.control(bs.groups[name], 'resume').catch(() => undefined);
    await gen.stop();
  }
}
