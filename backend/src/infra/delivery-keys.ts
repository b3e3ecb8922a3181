import { feedChannel } from '../domain/live-feed.js';

/**
 * Where the live state of deliveries is kept in Redis (prefix P), and the channel gateways
 * listen on:
 * - `P:dlv:{id}` hash: seq, session, superseded (JSON list), rev, status, statusTs, driverId,
 *   pickup, dropoff, route, position (JSON)
 * - `P:dlv:{id}:trail` sorted set of trail points scored by rev (the delivery's update count),
 *   holding at most trailLength + 32 points (trimmed when rev passes a multiple of 32)
 * - `P:active` sorted set of active delivery ids scored by the device time of their last record,
 *   so a replay of old records never makes an old delivery look active
 * - `P:finished` sorted set of delivered and cancelled delivery ids scored by the device time of
 *   that trip event, trimmed to the finished retention by the abandon sweep
 * - `P:abandoned` list of the latest abandoned-delivery events (JSON, newest first),
 *   `P:abandoned:total` how many ever (infra/abandoned-deliveries.ts)
 * - `P:lp:offsets` hash `topic:partition` → last offset live-push applied of that partition
 * - `P:dlv:{<id>}:notes` list of the last 50 notification messages, `P:dlv:{<id>}:noteids` set
 *   of the notification ids forwarded (each forwarded once); the braces are literal, a hash tag
 * - channels `P:feed:{topic}:{partition}` (and `P:feed:-`, `P:feed:n`): the live feed, one
 *   message per chunk holding its customers' messages (domain/live-feed.ts)
 */
export function deliveryKeys(prefix: string) {
  // infra/lua/live-chunk.lua builds the same names from the prefix: change both together.
  return {
    prefix,
    delivery: (id: string) => `${prefix}dlv:${id}`,
    trail: (id: string) => `${prefix}dlv:${id}:trail`,
    active: `${prefix}active`,
    finished: `${prefix}finished`,
    abandoned: `${prefix}abandoned`,
    abandonedTotal: `${prefix}abandoned:total`,
    // The delivery id is their hash tag: one slot of a cluster for the script that writes both.
    notes: (id: string) => `${prefix}dlv:{${id}}:notes`,
    noteIds: (id: string) => `${prefix}dlv:{${id}}:noteids`,
    /** Their names before they had a hash tag (a standalone Redis may still hold them). */
    legacyNotes: (id: string) => `${prefix}dlv:${id}:notes`,
    legacyNoteIds: (id: string) => `${prefix}dlv:${id}:noteids`,
    feed: (source: string) => feedChannel(prefix, source),
    offsets: `${prefix}lp:offsets`,
  };
}

export type DeliveryKeys = ReturnType<typeof deliveryKeys>;

/** A partition's field in `P:lp:offsets`. */
export const offsetField = (topic: string, partition: number) => `${topic}:${partition}`;
