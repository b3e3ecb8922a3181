import { Redis } from 'ioredis';
import { LatencyRecorder, preciseWallClock } from './histogram.js';

const TS = /"ts":(\d+)/;

/**
 * A subscriber on the deliveries' Redis pub/sub channels, beside the gateway: it sees what
 * live-push published (the gateway's input) and when, so fix → pub/sub latency and the
 * published rate can be told apart from what the gateway adds on top.
 */
export class PubSubTap {
  readonly fixToPubSub = new LatencyRecorder();
  /** Positions seen since the window began, and of those, positions of fixes taken since. */
  positions = 0;
  freshPositions = 0;
  private readonly redis: Redis;
  private now = preciseWallClock();
  private windowStart = 0;

  private constructor(redisUrl: string) {
    this.redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
    this.redis.on('pmessageBuffer', (_p: Buffer, _c: Buffer, message: Buffer) => {
      const received = this.now();
      if (!message.includes('"type":"position"')) return;
      const ts = Number(TS.exec(message.toString('latin1'))?.[1]);
      if (!Number.isFinite(ts)) return;
      this.positions++;
      if (ts >= this.windowStart) this.freshPositions++;
      this.fixToPubSub.record(received - ts);
    });
  }

  /** Subscribes to `pattern` (e.g. `<prefix>live:dlv-s3-*`). */
  static async start(redisUrl: string, pattern: string): Promise<PubSubTap> {
    const tap = new PubSubTap(redisUrl);
    await tap.redis.connect();
    await tap.redis.psubscribe(pattern);
    return tap;
  }

  resetWindow(): void {
    this.fixToPubSub.reset();
    this.positions = 0;
    this.freshPositions = 0;
    this.now = preciseWallClock();
    this.windowStart = Date.now();
  }

  stop(): void {
    this.redis.disconnect();
  }
}
