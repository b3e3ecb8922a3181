/**
 * The live feed: what live-push publishes for the gateways. One Redis message per partition
 * chunk (channel `<prefix>feed:{<topic>:<partition>}`; `<prefix>feed:{-}` for writes without a
 * partition, `<prefix>feed:n` for notifications) holds the chunk's customer messages, each
 * framed as `<byte length of the delivery id>:<delivery id><message JSON>\n`. JSON text has no
 * raw line break, so a message ends at the first one after its id; the id may hold anything.
 *
 * One message per chunk rather than one per customer message: at 1 Hz a delivery's channel
 * carried one message a second, so Redis and every gateway paid a pub/sub message per fix
 * (infra/live-chunk.ts builds the frames with feedEntry; the gateway demultiplexes them).
 * On a Redis Cluster the partitions' frames go out with SPUBLISH, each on its partition's slot,
 * and gateways SSUBSCRIBE each partition's channel (gateway/subscriptions.ts); notifications
 * keep a classic channel. A standalone Redis uses PUBLISH and one pattern subscription.
 */

/** The feed's channels under a Redis prefix, as a pattern. */
export const feedPattern = (prefix: string) => `${prefix}feed:*`;

/** The channel of a partition's chunks ('-' for writes without one, 'n' for notifications). */
export const feedChannel = (prefix: string, source: string) => `${prefix}feed:${source}`;

/** One message framed for the feed. */
export const feedEntry = (deliveryId: string, json: string) =>
  `${Buffer.byteLength(deliveryId)}:${deliveryId}${json}\n`;

const COLON = 0x3a;
const NEWLINE = 0x0a;

/**
 * Calls `each` with every message of a feed frame, in order: its delivery id and its JSON,
 * a view into `frame` (not a copy). Stops at the first malformed entry.
 */
export function readFeed(frame: Buffer, each: (deliveryId: string, json: Buffer) => void): void {
  let at = 0;
  while (at < frame.length) {
    const colon = frame.indexOf(COLON, at);
    if (colon <= at) return;
    let n = 0;
    for (let i = at; i < colon; i++) {
      const d = frame[i]! - 48;
      if (d < 0 || d > 9) return;
      n = n * 10 + d;
    }
    const idEnd = colon + 1 + n;
    if (idEnd > frame.length) return;
    const newline = frame.indexOf(NEWLINE, idEnd);
    const end = newline < 0 ? frame.length : newline;
    each(frame.toString('utf8', colon + 1, idEnd), frame.subarray(idEnd, end));
    at = end + 1;
  }
}
