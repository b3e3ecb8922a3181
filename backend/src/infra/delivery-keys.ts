import { feedChannel } from '../domain/live-feed.js';

/**
 * Where the live state of deliveries is kept in Redis, and the channel gateways listen on.
 * Live-push writes a partition's chunk in one atomic step, so everything that step touches
 * sits under its source's root R = `P:lp:{S}:`, where S is the source `topic:partition` (`-`
 * for writes without a partition) and the braces are literal, a hash tag: one slot of a Redis
 * Cluster (a delivery's records all come from its driver's partition):
 * - `R offset` last offset live-push applied of the partition
 * - `R epoch` how many deliveries were taken from the source's keys by another source (a
 *   delivery that moved partitions): a writer holding the source's states in memory checks it
 *   with the offset, so a taken delivery makes it read them again
 * - `R dlv:<id>` hash: seq, session, superseded (JSON list), rev, status, statusTs, driverId,
 *   pickup, dropoff, route, position (JSON)
 * - `R dlv:<id>:trail` list of trail points (`lat,lng,ts,seq`, infra/trail-point.ts), oldest
 *   first, holding at most trailLength + 28 points (trimmed when rev passes a multiple of 28);
 *   a sorted set scored by rev before 2026-12-07, made a list when next written
 * - `R active` sorted set of the source's active delivery ids scored by the device time of
 *   their last record, so a replay of old records never makes an old delivery look active
 * - `R finished` sorted set of delivered and cancelled delivery ids scored by the device time
 *   of that trip event, trimmed to the finished retention by the abandon sweep
 * - `P:lp:sources` set of the sources written (readers of the active sets go through them)
 * - `P:dlv:{<id>}:home` the source whose keys hold the delivery (readers by id look there)
 * - `P:dlv:{<id>}:notes` list of the last 50 notification messages, `P:dlv:{<id>}:noteids` set
 *   of the notification ids forwarded (each forwarded once)
 * - `P:{abandoned}` list of the latest abandoned-delivery events (JSON, newest first),
 *   `P:{abandoned}:total` how many ever (infra/abandoned-deliveries.ts)
 * - channels `P:feed:{S}` (and `P:feed:n` for notifications): the live feed, one message per
 *   chunk holding its customers' messages (domain/live-feed.ts); sharded on a cluster, the
 *   source's channel in its slot
 * Before this layout (2026-12) the deliveries' keys sat directly under P (`P:dlv:<id>`,
 * `P:active`, offsets in the `P:lp:offsets` hash): `legacy` names them, for a standalone Redis
 * that still holds them.
 */
export function deliveryKeys(prefix: string) {
  // infra/lua/live-chunk.lua builds the names under a root the same way: change both together.
  const root = (source: string) => `${prefix}lp:{${source}}:`;
  return {
    prefix,
    root,
    offset: (source: string) => `${root(source)}offset`,
    epoch: (source: string) => `${root(source)}epoch`,
    delivery: (source: string, id: string) => `${root(source)}dlv:${id}`,
    trail: (source: string, id: string) => `${root(source)}dlv:${id}:trail`,
    active: (source: string) => `${root(source)}active`,
    finished: (source: string) => `${root(source)}finished`,
    sources: `${prefix}lp:sources`,
    home: (id: string) => `${prefix}dlv:{${id}}:home`,
    abandoned: `${prefix}{abandoned}`,
    abandonedTotal: `${prefix}{abandoned}:total`,
    // The delivery id is their hash tag: one slot of a cluster for the script that writes both.
    notes: (id: string) => `${prefix}dlv:{${id}}:notes`,
    noteIds: (id: string) => `${prefix}dlv:{${id}}:noteids`,
    /** A source's feed channel, in its slot (for sharded pub/sub). */
    feed: (source: string) => feedChannel(prefix, `{${source}}`),
    /** The notifications' feed channel. */
    notesFeed: feedChannel(prefix, 'n'),
    legacy: {
      delivery: (id: string) => `${prefix}dlv:${id}`,
      trail: (id: string) => `${prefix}dlv:${id}:trail`,
      active: `${prefix}active`,
      finished: `${prefix}finished`,
      offsets: `${prefix}lp:offsets`,
      abandoned: `${prefix}abandoned`,
      abandonedTotal: `${prefix}abandoned:total`,
      notes: (id: string) => `${prefix}dlv:${id}:notes`,
      noteIds: (id: string) => `${prefix}dlv:${id}:noteids`,
    },
  };
}

export type DeliveryKeys = ReturnType<typeof deliveryKeys>;

/** Where a set of deliveries is kept: a source's keys, or the names of before. */
export interface DeliveryPlace {
  active: string;
  finished: string;
  delivery(id: string): string;
  trail(id: string): string;
}

export const sourcePlace = (keys: DeliveryKeys, source: string): DeliveryPlace => ({
  active: keys.active(source),
  finished: keys.finished(source),
  delivery: (id) => keys.delivery(source, id),
  trail: (id) => keys.trail(source, id),
});

export const legacyPlace = (keys: DeliveryKeys): DeliveryPlace => ({
  active: keys.legacy.active,
  finished: keys.legacy.finished,
  delivery: keys.legacy.delivery,
  trail: keys.legacy.trail,
});

/** The source of a partition's chunks: `topic:partition`. */
export const sourceOf = (topic: string, partition: number) => `${topic}:${partition}`;

/** The source of writes without a partition (tests, tools). */
export const NO_PARTITION = '-';
