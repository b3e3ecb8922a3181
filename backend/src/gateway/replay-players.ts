import {
  NotificationRecordSchema,
  decodeLocationRecord,
  type LatLng,
  type LocationRecord,
  type NotificationRecord,
  type ReplayErrorMessage,
  type TripStatus,
} from '@fleetstream/contracts';
import { createLiveRoutes } from '../consumers/live-routes.js';
import type { Config } from '../config.js';
import { partitionForKey } from '@fleetstream/kafka/partitioner';
import {
  createDeliveryReplay,
  snapshotAt,
  type DeliveryReplayMessage,
} from '../domain/replay-delivery.js';
import { createFleetFrames } from '../domain/replay-fleet.js';
import type { LogReader } from '../infra/kafka-log-reader.js';
import type { Logger } from '../infra/logger.js';
import { createReplayCursor, type ReplayItem, type ReplaySource } from './replay-cursor.js';
import type { ReplayRequest } from './replay-socket.js';
import type { ReplayPlayer } from './replay-session.js';

/** Records reach the broker at most this long after their device time and still count. */
const LATE_MS = 60_000;
/** How far back a delivery's start is looked for, a window at a time. */
const TRIP_SEARCH_MS = 6 * 3600_000;
const TRIP_SEARCH_STEP_MS = 10 * 60_000;

export interface ReplayPlan {
  config: Config;
  reader: LogReader;
  request: ReplayRequest;
  log: Logger;
}

/** What the gateway knows of the delivery a replay is for (from its store). */
export interface ReplayDelivery {
  driverId: string;
  status: TripStatus;
  statusTs: number;
  pickup: LatLng | null;
  dropoff: LatLng | null;
}

export interface ReplayWindow {
  from: number;
  to: number;
  oldestAvailable: number | null;
  pickup?: LatLng | null;
  dropoff?: LatLng | null;
}

type ReplayFailure = Omit<ReplayErrorMessage, 'type'>;
export type Made<T> = { player: ReplayPlayer<T>; window: ReplayWindow } | { error: ReplayFailure };

const iso = (ms: number) => new Date(ms).toISOString();

/** The window clipped to what the log still holds, or why it cannot be played. */
async function clip(
  plan: ReplayPlan,
  from: number,
  to: number,
): Promise<ReplayWindow | { error: ReplayFailure }> {
  const oldest = await plan.reader.oldestTime(plan.config.topics.location);
  if (oldest === null)
    return {
      error: { code: 'NOT_FOUND', message: 'nothing has been recorded yet', oldestAvailable: null },
    };
  // Device times trail the broker's by up to LATE_MS: only a window older than that is gone.
  if (to + LATE_MS < oldest)
    return {
      error: {
        code: 'OUT_OF_RETENTION',
        message: `${iso(from)}–${iso(to)} is older than the log keeps: the oldest record still available is from ${iso(oldest)}`,
        oldestAvailable: oldest,
      },
    };
  return { from: Math.max(from, oldest - LATE_MS), to, oldestAvailable: oldest };
}

const locationSource = <T>(
  topic: string,
  partitions: readonly number[],
  wrap: (r: LocationRecord) => T | null,
  needle?: Buffer,
): ReplaySource<T> => ({
  topic,
  partitions,
  decode(value) {
    if (needle && !value.includes(needle)) return null;
    const d = decodeLocationRecord(value);
    const v = d.ok ? wrap(d.value) : null;
    return d.ok && v !== null ? { ts: d.value.ts, value: v } : null;
  },
});

/** The whole fleet, in frames. */
export async function fleetPlayer(
  plan: ReplayPlan,
  from: number,
  to: number,
  send: (m: string) => void,
): Promise<Made<LocationRecord>> {
  const window = await clip(plan, from, to);
  if ('error' in window) return window;
  const topic = plan.config.topics.location;
  const partitions = (await plan.reader.bounds(topic)).map((p) => p.partition);
  const cursor = createReplayCursor(plan.reader, [locationSource(topic, partitions, (r) => r)], {
    to: window.to,
    aheadMs: plan.config.records.maxFutureMs,
    lateMs: LATE_MS,
  });
  const frames = createFleetFrames();
  return {
    window,
    player: {
      ...cursor,
      play: (item) => frames.add(item.value),
      flush(at) {
        if (frames.pending > 0)
          send(JSON.stringify({ type: 'frame', at, couriers: frames.take() }));
      },
      reset: frames.reset,
    },
  };
}

type DeliveryItem = { loc: LocationRecord } | { note: NotificationRecord };

/** One delivery: its customer's messages, as they were. */
export async function deliveryPlayer(
  plan: ReplayPlan,
  deliveryId: string,
  delivery: ReplayDelivery,
  send: (m: string) => void,
): Promise<Made<DeliveryItem>> {
  const { config, reader, request } = plan;
  const { driverId, status, statusTs } = delivery;
  const [locationParts, noteParts] = await Promise.all([
    reader.bounds(config.topics.location),
    reader.bounds(config.topics.notifications),
  ]);
  const needle = Buffer.from(JSON.stringify(deliveryId));
  const ofDelivery = (r: LocationRecord) => (r.deliveryId === deliveryId ? { loc: r } : null);
  const sources: ReplaySource<DeliveryItem>[] = [
    locationSource(
      config.topics.location,
      [partitionForKey(driverId, locationParts.length)],
      ofDelivery,
      needle,
    ),
    {
      topic: config.topics.notifications,
      partitions: [partitionForKey(deliveryId, noteParts.length)],
      decode(value) {
        if (!value.includes(needle)) return null;
        let json: unknown;
        try {
          json = JSON.parse(value.toString('utf8'));
        } catch {
          return null;
        }
        const n = NotificationRecordSchema.safeParse(json);
        return n.success && n.data.deliveryId === deliveryId
          ? { ts: n.data.ts, value: { note: n.data } }
          : null;
      },
    },
  ];
  const over = status === 'delivered' || status === 'cancelled';
  const to = request.to ?? (over ? statusTs + 1000 : Date.now());
  const from = request.from ?? (await tripStart(plan, sources[0]!, to));
  if (from === null)
    return {
      error: {
        code: 'NOT_FOUND',
        message: `no records of ${deliveryId} in the log before ${iso(to)}`,
        oldestAvailable: await reader.oldestTime(config.topics.location),
      },
    };
  const window = await clip(plan, from, to);
  if ('error' in window) return window;
  const cursor = createReplayCursor(reader, sources, {
    to: window.to,
    aheadMs: config.records.maxFutureMs,
    lateMs: LATE_MS,
  });
  const fresh = () =>
    createDeliveryReplay(
      deliveryId,
      createLiveRoutes({ cityGeoJson: config.http.cityGeoJson, log: plan.log }),
    );
  let replay = fresh();
  const toMessage = (item: ReplayItem<DeliveryItem>) => {
    const v = item.value;
    return 'loc' in v ? replay.location(v.loc, item.storedAt) : replay.notification(v.note);
  };
  return {
    window: { ...window, pickup: delivery.pickup, dropoff: delivery.dropoff },
    player: {
      ...cursor,
      play(item) {
        const m = toMessage(item);
        if (m) send(JSON.stringify(m));
      },
      reset: () => void (replay = fresh()),
      // Into the middle of a trip: the delivery as it was at `at` (read again from its start,
      // one partition), then playing goes on from the first record at or after it.
      async seek(at) {
        await cursor.seek(at);
        if (at <= window.from) return [];
        const before = createReplayCursor(reader, sources, {
          to: at - 1,
          aheadMs: config.records.maxFutureMs,
          lateMs: LATE_MS,
        });
        await before.seek(window.from);
        const played: DeliveryReplayMessage[] = [];
        for (let item = await before.take(); item; item = await before.take()) {
          const m = toMessage(item);
          if (m) played.push(m);
        }
        return [JSON.stringify(snapshotAt(played, { deliveryId, driverId }, at))];
      },
    },
  };
}

/**
 * When a delivery began: its `assigned` trip event, looked for a window at a time back from
 * `before` (the log is keyed by driver, so only the driver's partition is read). Without one
 * (older than the search or the log), the delivery's earliest record found; null if none.
 */
async function tripStart(
  plan: ReplayPlan,
  source: ReplaySource<DeliveryItem>,
  before: number,
): Promise<number | null> {
  let earliest: number | null = null;
  const oldest = (await plan.reader.oldestTime(source.topic)) ?? before;
  for (
    let end = before;
    end > before - TRIP_SEARCH_MS && end + LATE_MS > oldest;
    end -= TRIP_SEARCH_STEP_MS
  ) {
    const cursor = createReplayCursor(plan.reader, [source], {
      to: end,
      aheadMs: plan.config.records.maxFutureMs,
      lateMs: LATE_MS,
    });
    await cursor.seek(end - TRIP_SEARCH_STEP_MS);
    let found = false;
    for (let item = await cursor.take(); item; item = await cursor.take()) {
      if (!('loc' in item.value)) continue;
      found = true;
      earliest = Math.min(earliest ?? item.ts, item.ts);
      const r = item.value.loc;
      if (r.type === 'trip' && r.status === 'assigned') return item.ts;
    }
    if (!found && earliest !== null) return earliest;
  }
  return earliest;
}
