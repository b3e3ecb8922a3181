import { feedPattern, readFeed } from '@fleetstream/backend/domain/live-feed';
import { LatencyRecorder, preciseWallClock } from './histogram.js';
import { Redis } from '@fleetstream/testkit/clients';

const TS = /"ts":(\d+)/;

/**
 * A subscriber on the live feed (Redis pub/sub), beside the gateway: it sees what
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

  private constructor(
    redisUrl: string,
    private readonly deliveries: string,
  ) {
    this.redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
    this.redis.on('pmessageBuffer', (_p: Buffer, _c: Buffer, frame: Buffer) => {
      const received = this.now();
      readFeed(frame, (deliveryId, message) => {
        if (!deliveryId.startsWith(this.deliveries)) return;
        if (!message.includes('"type":"position"')) return;
        const ts = Number(TS.exec(message.toString('latin1'))?.[1]);
        if (!Number.isFinite(ts)) return;
        this.positions++;
        if (ts >= this.windowStart) this.freshPositions++;
        this.fixToPubSub.record(received - ts);
      });
    });
  }

  /** Follows the live feed under a Redis `prefix`, for deliveries whose id starts with `deliveries`. */
  static async start(redisUrl: string, prefix: string, deliveries: string): Promise<PubSubTap> {
    const tap = new PubSubTap(redisUrl, deliveries);
    await tap.redis.connect();
    await tap.redis.psubscribe(feedPattern(prefix));
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
