import { measureKafkaCeiling, type KafkaCeiling } from '../ceilings/kafka-ceiling.js';
import { measureRedisCeiling, type RedisCeiling } from '../ceilings/redis-ceiling.js';
import { measureWsCeiling, type WsCeiling } from '../ceilings/ws-ceiling.js';
import { ProcessSampler } from '../proc-stats.js';
import { watchedPids, type BenchContext, type WindowUsage } from '../scenario-kit.js';

export interface S0Result {
  kafka: KafkaCeiling & { usage: WindowUsage };
  redis: RedisCeiling & { usage: WindowUsage };
  ws: WsCeiling & { usage: WindowUsage };
}

/** S0: what the parts can do bare, in this run, on this machine: the yardstick for S1–S4. */
export async function runS0(ctx: BenchContext): Promise<S0Result> {
  const o = ctx.opts.s0;
  const measure = async <T>(f: () => Promise<T>): Promise<T & { usage: WindowUsage }> => {
    const sampler = new ProcessSampler(() => watchedPids(ctx.env, {}));
    const r = await f();
    return { ...r, usage: sampler.end() };
  };
  const kafka = await measure(() =>
    measureKafkaCeiling(
      ctx.env.brokers.split(','),
      { produceSeconds: o.produceSeconds, consumeTimeoutS: 60 },
      ctx.progress,
    ),
  );
  const redis = await measure(() =>
    measureRedisCeiling(ctx.env.redisUrl, { seconds: o.redisSeconds }, ctx.progress),
  );
  const ws = await measure(() =>
    measureWsCeiling({ clients: o.wsClients, seconds: o.wsSeconds }, ctx.progress),
  );
  return { kafka, redis, ws };
}
