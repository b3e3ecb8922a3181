import { measureKafkaCeiling, type KafkaCeiling } from '../ceilings/kafka-ceiling.js';
import { measureRedisCeiling, type RedisCeiling } from '../ceilings/redis-ceiling.js';
import { measureWsCeiling, type WsCeiling } from '../ceilings/ws-ceiling.js';
import { ProcessSampler } from '../proc-stats.js';
import { watchedPids, type BenchContext, type WindowUsage } from '../scenario-kit.js';

export interface S0Result {
  kafka: KafkaCeiling & { usage: WindowUsage };
  redis: RedisCeiling & { usage: WindowUsage };
  ws: WsCeiling & { usage: WindowUsage };
  /** A bare `ws` server paced like S3's gateway, at S3's client steps: its per-message floor. */
  wsPaced?: (WsCeiling & { usage: WindowUsage })[];
}

/** Paced raw `ws` runs stop here: past it the gateway saturates and the clients would too. */
const PACED_MAX_CLIENTS = 5000;

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
  const s3 = ctx.opts.s3;
  const wsPaced = [];
  if (ctx.opts.only.includes('s3')) {
    for (const clients of s3.clientSteps.filter((c) => c <= PACED_MAX_CLIENTS)) {
      const paced = { groups: s3.drivers, hz: s3.hz };
      wsPaced.push(
        await measure(() =>
          measureWsCeiling({ clients, seconds: o.wsSeconds, paced }, ctx.progress),
        ),
      );
    }
  }
  return { kafka, redis, ws, ...(wsPaced.length > 0 ? { wsPaced } : {}) };
}
