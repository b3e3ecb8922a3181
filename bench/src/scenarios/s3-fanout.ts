import { startLoadGenerator } from '../load-generator.js';
import { ephemeralPortRange, openFileLimit, rssBytes } from '../proc-stats.js';
import { PubSubTap } from '../pub-sub-tap.js';
import { saturated } from '../report-figures.js';
import { fmt, pollUntil, sleep, type BenchContext } from '../scenario-kit.js';
import type { BenchStack } from '../stack-probe.js';
import { TrackClientPool } from '../track-client-pool.js';
import { drained, measureStep, type S3Step } from './s3-window.js';

export interface S3Result {
  drivers: number;
  hz: number;
  deliveriesWatched: number;
  clientProcesses: number;
  /** Open-file limits of the gateway and of a client process (each socket is a descriptor). */
  fileLimit: { soft: number; hard: number };
  clientFileLimit: { soft: number; hard: number };
  /** Local ports for outgoing connections: one per customer, all to the gateway's one port. */
  ephemeralPorts: { low: number; high: number } | null;
  /** The most customers those limits allow, when a step asked for more. */
  cappedAt: number | null;
  /** Why the ramp ended before its last step, if it did. */
  stoppedEarly: string | null;
  failureReasons: string[];
  steps: S3Step[];
}

/** Descriptors kept free in each process for Kafka, Redis, logs and the files we read. */
const FD_MARGIN = 256;
/** A step with fewer of its customers than this share open ends the ramp. */
const MIN_CONNECTED_SHARE = 0.9;

/**
 * S3: a fixed fleet, more and more customers watching it (many per delivery), one gateway.
 * The customers live in client processes of their own. Each step pauses the fleet, connects its
 * new customers a bounded number at a time before a deadline, resumes the fleet, then measures
 * whatever is connected, so a gateway that stops accepting ends the ramp with a reported short
 * step instead of a stalled run. The pause is there because a gateway busy fanning out accepts
 * slowly (a handshake waits behind whole Redis reads' worth of sends), which would make a ramp
 * under load measure handshake timeouts instead of fan-out; a few handshakes timed during each
 * window report that side.
 */
export async function runS3(ctx: BenchContext, bs: BenchStack): Promise<S3Result> {
  const o = ctx.opts.s3;
  const gatewayPid = bs.pids().gateway!;
  const gen = await startLoadGenerator({ brokers: ctx.env.brokers, topic: bs.topic, tag: 's3' });
  const pool = await TrackClientPool.start(bs.stack.baseUrl, o.clientProcesses).catch(
    async (err: unknown) => {
      await gen.stop();
      throw err;
    },
  );
  let tap: PubSubTap | null = null;
  const fileLimit = openFileLimit(gatewayPid);
  const clientFileLimit = openFileLimit(Object.values(pool.pids)[0]!);
  const ports = ephemeralPortRange();
  const maxClients = Math.min(
    fileLimit.soft - FD_MARGIN,
    (clientFileLimit.soft - FD_MARGIN) * o.clientProcesses,
    ports ? ports.high - ports.low + 1 - 1000 : Infinity,
  );
  const cappedAt = o.clientSteps.some((c) => c > maxClients) ? maxClients : null;
  const result: S3Result = {
    drivers: o.drivers,
    hz: o.hz,
    deliveriesWatched: 0,
    clientProcesses: o.clientProcesses,
    fileLimit,
    clientFileLimit,
    ephemeralPorts: ports,
    cappedAt,
    stoppedEarly: null,
    failureReasons: [],
    steps: [],
  };
  ctx.progress(
    `open files: gateway ${fmt(fileLimit.soft)}, client processes ${fmt(clientFileLimit.soft)}; ` +
      `local ports ${ports ? `${ports.low}–${ports.high}` : 'unknown'}` +
      (cappedAt !== null ? `: customers capped at ${fmt(cappedAt)}` : ''),
  );
  try {
    tap = await PubSubTap.start(ctx.env.redisUrl, bs.stack.env.REDIS_PREFIX ?? '', 'dlv-s3-');
    await gen.setFleet(o.drivers, o.hz);
    ctx.progress(`${o.drivers} drivers at ${o.hz} Hz; waiting for their deliveries…`);
    const urls = await pollUntil(async () => {
      const u = await bs.trackingUrls('dlv-s3-');
      return u.length >= Math.min(o.drivers, 1000) && u;
    }, 60_000);
    if (!urls) throw new Error('S3: deliveries did not appear in /api/deliveries within 60 s');
    await sleep(2000);
    let rssBase: number | null = null;
    let assigned = 0;
    const started = performance.now();
    for (const wanted of o.clientSteps) {
      const spentS = (performance.now() - started) / 1000;
      // A step lasts its settle and measure time plus its ramp; what is left must hold that.
      if (result.steps.length > 0 && spentS + o.settleS + o.measureS + 30 > o.budgetS) {
        result.stoppedEarly =
          `the ramp had used ${fmt(spentS)} s of its ${o.budgetS} s budget before ` +
          `${fmt(wanted)} customers`;
        ctx.progress(`  ${result.stoppedEarly}; stopping here`);
        break;
      }
      const target = Math.min(wanted, maxClients);
      const before = await pool.counts();
      const more = Math.max(0, target - before.open);
      // Customers go round the deliveries, so each has the same number watching it.
      const batch = Array.from({ length: more }, (_, i) => urls[(assigned + i) % urls.length]!);
      assigned += more;
      ctx.progress(
        `fleet paused; connecting ${fmt(more)} more customers (${fmt(target)} in all), at most ` +
          `${o.connectConcurrency} handshakes at a time, for ${o.connectDeadlineS} s at most…`,
      );
      await gen.setFleet(0, o.hz);
      await drained(ctx, pool);
      const [notReading0, unresponsive0] = await Promise.all([
        bs.roleCounters('dropped'),
        bs.roleCounters('unresponsive'),
      ]);
      const gatewayClosedBefore = { notReading: notReading0, unresponsive: unresponsive0 };
      rssBase ??= rssBytes(gatewayPid) ?? 0;
      const t0 = performance.now();
      const ramp = await pool.connect(batch, {
        concurrency: o.connectConcurrency,
        withinMs: o.connectDeadlineS * 1000,
        onProgress: (c, s) =>
          ctx.progress(
            `  ${fmt(c.open)} of ${fmt(target)} open, ${fmt(c.failed - before.failed)} failed ` +
              `(${fmt((c.open - before.open) / s)}/s)`,
          ),
      });
      const connectSeconds = (performance.now() - t0) / 1000;
      // Measured before the fleet resumes: what idle connections hold, no messages in flight.
      const rssConnected = rssBytes(gatewayPid) ?? 0;
      await gen.setFleet(o.drivers, o.hz);
      const failed = ramp.counts.failed - before.failed;
      const opened = ramp.counts.open - before.open + (ramp.counts.closed - before.closed);
      ctx.progress(
        `${fmt(ramp.counts.open)} customers on ${fmt(Math.min(assigned, urls.length))} deliveries, ` +
          `connected in ${fmt(connectSeconds, 1)} s (${fmt(opened / connectSeconds)}/s)` +
          (failed > 0 ? `, ${fmt(failed)} failed` : '') +
          (ramp.untried > 0 ? `, ${fmt(ramp.untried)} not tried before the deadline` : ''),
      );
      const step = await measureStep(ctx, bs, pool, tap, gen.pid, urls, {
        wanted: target,
        failed,
        untried: ramp.untried,
        closedBefore: before.closed,
        gatewayClosedBefore,
        connectSeconds,
        connectPerS: opened / connectSeconds,
        rssGrowth: rssConnected - rssBase,
        connected: ramp.counts.open,
      });
      result.steps.push(step);
      result.deliveriesWatched = Math.min(assigned, urls.length);
      ctx.progress(
        `  ${fmt(step.deliveredPerS)} of ${fmt(step.offeredPerS)} positions/s delivered ` +
          `(${fmt(step.receivedPerS)}/s received, older fixes included), ` +
          `p50 ${fmt(step.latency.p50, 1)} ms, p99 ${fmt(step.latency.p99, 1)} ms, ` +
          `gateway CPU ${fmt(step.gatewayCpuPct)} %, clients CPU ${fmt(step.clientsCpuPct)} %, ` +
          (step.gatewayKiBPerConnection === null
            ? 'memory growth within GC noise'
            : `${fmt(step.gatewayKiBPerConnection, 1)} KiB/connection`),
      );
      if (step.clients < MIN_CONNECTED_SHARE * target) {
        result.stoppedEarly =
          `only ${fmt(step.clients)} of ${fmt(target)} customers were connected: larger ` +
          'steps would measure failing handshakes, not fan-out';
        ctx.progress(`  ${result.stoppedEarly}; stopping the ramp here`);
        break;
      }
      // A saturated gateway does not end the ramp: what it delivers, drops and holds per
      // connection at the larger steps is the point of them; the budget bounds their time.
      if (saturated(step))
        ctx.progress(
          `  the gateway is saturated: it delivered ` +
            `${fmt((step.deliveredPerS / step.offeredPerS) * 100)} % of what was offered`,
        );
      if (target < wanted) break;
    }
  } catch (err) {
    // The steps measured so far still go into the report.
    result.stoppedEarly = `stopped by an error: ${(err as Error).message}`;
    ctx.progress(`  ${result.stoppedEarly}`);
    if (result.steps.length === 0) throw err;
  } finally {
    const w = await pool.window().catch(() => null);
    if (w)
      result.failureReasons = Object.entries(w.failures)
        .sort((a, b) => b[1] - a[1])
        .map(([r, n]) => `${r} (${n}×)`);
    tap?.stop();
    await pool.stop();
    await gen.stop();
  }
  return result;
}
