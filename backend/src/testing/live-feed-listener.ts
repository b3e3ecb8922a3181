import { feedPattern, readFeed } from '../domain/live-feed.js';
import type { Subscriber } from '../infra/redis-pubsub.js';

/**
 * Follows the live feed under `prefix` on a subscriber connection of the test's own, handing
 * each customer message to `each` with its delivery id, as a gateway would get it.
 */
export async function listenToFeed(
  subscriber: Subscriber,
  prefix: string,
  each: (deliveryId: string, json: string) => void,
): Promise<() => Promise<void>> {
  const pattern = feedPattern(prefix);
  const handler = (p: Buffer, _channel: Buffer, frame: Buffer) => {
    if (p.toString() === pattern) readFeed(frame, (id, json) => each(id, json.toString()));
  };
  const off = subscriber.onPatternMessage(handler);
  await subscriber.psubscribe(pattern);
  return async () => {
    await subscriber.punsubscribe(pattern);
    off();
  };
}
