import { feedPattern, readFeed } from '../domain/live-feed.js';
import { deliveryKeys } from '../infra/delivery-keys.js';
import type { Subscriber } from '../infra/redis-pubsub.js';

/**
 * Follows the live feed under `prefix` on a subscriber connection of the test's own, handing
 * each customer message to `each` with its delivery id, as a gateway would get it. On a Redis
 * Cluster the feed is sharded: the channels of these `sources` (`topic:partition`, or '-' for
 * updates written without one) are followed.
 */
export async function listenToFeed(
  subscriber: Subscriber,
  prefix: string,
  each: (deliveryId: string, json: string) => void,
  sources: readonly string[] = ['-'],
): Promise<() => Promise<void>> {
  const pattern = feedPattern(prefix);
  const channels = new Set(sources.map(deliveryKeys(prefix).feed));
  const read = (frame: Buffer) => readFeed(frame, (id, json) => each(id, json.toString()));
  if (subscriber.sharded) {
    const off = subscriber.onShardMessage((channel, frame) => {
      if (channels.has(channel.toString())) read(frame);
    });
    for (const c of channels) await subscriber.ssubscribe(c);
    return async () => {
      for (const c of channels) await subscriber.sunsubscribe(c);
      off();
    };
  }
  const off = subscriber.onPatternMessage((p, _channel, frame) => {
    if (p.toString() === pattern) read(frame);
  });
  await subscriber.psubscribe(pattern);
  return async () => {
    await subscriber.punsubscribe(pattern);
    off();
  };
}
