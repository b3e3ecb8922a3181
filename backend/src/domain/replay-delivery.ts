import type {
  LatLng,
  LocationRecord,
  NotificationMessage,
  NotificationRecord,
  PositionMessage,
  PositionRecord,
  Route,
  SnapshotMessage,
  StatusMessage,
  TripRecord,
} from '@fleetstream/contracts';
import { isApplied, judgeRecord, type SessionCursor } from './driver-session.js';

/** Routes and ETAs the way live-push computed them (consumers/live-routes.ts). */
export interface ReplayRoutes {
  plan(t: TripRecord): Route | null;
  eta(
    p: PositionRecord & { deliveryId: string },
  ): { remainingM: number; etaMinS: number; etaMaxS: number } | undefined;
}

export type DeliveryReplayMessage = PositionMessage | StatusMessage | NotificationMessage;

/**
 * One delivery's records, as read from the log, turned into what its customer saw: the messages
 * of /ws/track with their recorded times. Repeats (producer retries) and records of a superseded
 * driver session are left out as live-push leaves them out; the ETA is computed as it was then,
 * from the device times. `appliedAt` is the time the broker stored the record.
 */
export function createDeliveryReplay(deliveryId: string, routes: ReplayRoutes) {
  let cursor: SessionCursor | undefined;
  let rev = 0;
  let pickup: LatLng | null = null;
  let dropoff: LatLng | null = null;
  const notified = new Set<string>();

  return {
    location(r: LocationRecord, storedAt: number): DeliveryReplayMessage | null {
      if (r.deliveryId !== deliveryId) return null;
      const judged = judgeRecord(cursor, r);
      if (!isApplied(judged.verdict)) return null;
      cursor = judged.cursor;
      rev++;
      if (r.type === 'trip') {
        pickup = r.pickup ?? pickup;
        dropoff = r.dropoff ?? dropoff;
        return {
          type: 'status',
          deliveryId,
          seq: r.seq,
          rev,
          status: r.status,
          ts: r.ts,
          pickup,
          dropoff,
          route: routes.plan(r),
        };
      }
      const p = r as PositionRecord & { deliveryId: string };
      return {
        type: 'position',
        deliveryId,
        driverId: r.driverId,
        seq: r.seq,
        rev,
        ts: r.ts,
        lat: r.lat,
        lng: r.lng,
        ...(r.speedMps === undefined ? {} : { speedMps: r.speedMps }),
        ...(r.headingDeg === undefined ? {} : { headingDeg: r.headingDeg }),
        ...(r.accuracyM === undefined ? {} : { accuracyM: r.accuracyM }),
        appliedAt: storedAt,
        ...routes.eta(p),
      };
    },
    notification(n: NotificationRecord): NotificationMessage | null {
      if (n.deliveryId !== deliveryId || notified.has(n.id)) return null;
      notified.add(n.id);
      return {
        type: 'notification',
        id: n.id,
        deliveryId,
        milestone: n.milestone,
        ts: n.ts,
        message: n.message,
      };
    },
  };
}

/**
 * What a customer opening the page at that moment would have seen: the snapshot of /ws/track,
 * built from the messages a replay played up to it (oldest first).
 */
export function snapshotAt(
  played: readonly DeliveryReplayMessage[],
  delivery: { deliveryId: string; driverId: string },
  at: number,
): SnapshotMessage {
  let status: StatusMessage | undefined;
  let position: PositionMessage | null = null;
  const trail: SnapshotMessage['trail'] = [];
  const notifications: NotificationMessage[] = [];
  let last: { seq: number; rev?: number } = { seq: 0, rev: 0 };
  for (const m of played) {
    if (m.type === 'notification') {
      notifications.push(m);
      continue;
    }
    last = m;
    if (m.type === 'status') status = m;
    else {
      position = m;
      trail.push({ lat: m.lat, lng: m.lng, ts: m.ts, seq: m.seq });
    }
  }
  return {
    type: 'snapshot',
    delivery: {
      ...delivery,
      status: status?.status ?? 'assigned',
      pickup: status?.pickup ?? null,
      dropoff: status?.dropoff ?? null,
      statusTs: status?.ts ?? at,
    },
    position,
    trail,
    seq: last.seq,
    rev: last.rev ?? last.seq,
    notifications,
    route: status?.route ?? null,
  };
}
