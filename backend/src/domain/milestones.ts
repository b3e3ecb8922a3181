import {
  notificationId,
  type LatLng,
  type LocationRecord,
  type Milestone,
  type NotificationRecord,
  type TripStatus,
} from '@fleetstream/contracts';
import { DEFAULT_SESSION, isApplied, judgeRecord, type SessionCursor } from './driver-session.js';
import { haversineMeters as distanceM } from '@fleetstream/geo';
import { pushSpeed, speedOf } from './eta.js';
import { isNearby } from './nearby.js';

/**
 * Milestone detection for one delivery, pure and deterministic: the same records in the same
 * order always give the same notifications with the same ids and times, which is what lets the
 * notifications group replay safely. Time is the records' own device time, never the clock.
 */
export interface MilestoneSettings {
  /** "nearby" needs the ETA at or below this many minutes… @default 5 */
  nearbyMinutes: number;
  /** …and at most this much road left to the dropoff… @default 1000 */
  nearbyRadiusM: number;
  /** …and this long since "picked up", in device time, so it tells something new. @default 60 */
  nearbyAfterPickupS: number;
  /** "arrived" needs fixes within this distance of the dropoff… @default 60 */
  arrivalRadiusM: number;
  /** …for at least this long, so noise and drive-bys do not count. @default 20 */
  arrivalDwellS: number;
  /** En route with no movement (or no fixes) this long is a delay. @default 180 */
  stallS: number;
  /** Moving less than this since the last movement counts as standing still. @default 25 */
  stallRadiusM: number;
  /** Metres of road per metre of straight line when no road network is known. @default 1.3 */
  detourFactor: number;
}

export const DEFAULT_MILESTONE_SETTINGS: MilestoneSettings = {
  nearbyMinutes: 5,
  nearbyRadiusM: 1000,
  nearbyAfterPickupS: 60,
  arrivalRadiusM: 60,
  arrivalDwellS: 20,
  stallS: 180,
  stallRadiusM: 25,
  detourFactor: 1.3,
};

export interface DeliveryState {
  deliveryId: string;
  driverId: string;
  status: TripStatus | 'unknown';
  dropoff: LatLng | null;
  /** Device time of the picked_up event (absent in states stored before it was kept). */
  pickedUpAt?: number;
  /** Last applied seq of `session`; -1 before the first record. */
  lastSeq: number;
  /** The driver's session of the last applied record; absent = the default session. */
  session?: string;
  /** Sessions the driver superseded while on this delivery, newest first; absent = none. */
  superseded?: string[];
  /** Last fix: position and device time. */
  last: (LatLng & { ts: number }) | null;
  /** Where and when the courier last moved more than stallRadiusM. */
  anchor: (LatLng & { ts: number }) | null;
  /** Recent speeds (m/s), oldest first: the pace the ETA model reads (eta.ts). */
  speeds?: number[];
  /** Since when the courier has been inside the arrival radius, or null. */
  insideSince: number | null;
  /** Last fix inside the radius: a lone outlier outside does not restart the dwell. */
  lastInside: number | null;
  emitted: Milestone[];
  /** Delays notified so far, and whether the current one was notified. */
  delays: number;
  stalled: boolean;
  /** The road route to the dropoff once picked up ([lat, lng] pairs), and progress along it. */
  route?: [number, number][];
  routeS?: number;
  /** Device time the route was planned (at pickup, or again off the route). */
  routePlannedAt?: number;
}

export function newDeliveryState(deliveryId: string, driverId: string): DeliveryState {
  return {
    deliveryId,
    driverId,
    status: 'unknown',
    dropoff: null,
    lastSeq: -1,
    last: null,
    anchor: null,
    insideSince: null,
    lastInside: null,
    emitted: [],
    delays: 0,
    stalled: false,
  };
}

const MESSAGES: Record<Milestone, string> = {
  picked_up: 'Your order has been picked up and is on its way.',
  nearby: 'Your courier is nearly there.',
  arrived: 'Your courier has arrived.',
  delivered: 'Your order has been delivered. Enjoy!',
  delayed: 'Your delivery is delayed. We are sorry for the wait.',
};

const OUTLIER_GRACE_MS = 5_000;

const enRoute = (s: DeliveryState) => s.status === 'assigned' || s.status === 'picked_up';

export interface Detection {
  state: DeliveryState;
  notifications: NotificationRecord[];
}

/** The delivery's place in its driver's (session, seq) order; undefined before any record. */
function cursorOf(s: DeliveryState): SessionCursor | undefined {
  if (s.lastSeq < 0 && s.session === undefined) return undefined;
  return { session: s.session ?? DEFAULT_SESSION, seq: s.lastSeq, superseded: s.superseded ?? [] };
}

/**
 * Applies one record of this delivery. Records not newer by (session, seq) — duplicates and late
 * arrivals within a session, records of a superseded session — change nothing; a new session
 * (the driver app restarted, seq from 1) carries on with the delivery's state, so a milestone
 * already notified is never notified again. `remainingM` is the remaining route distance when a
 * road network gives it; otherwise straight line × detour factor.
 */
export function applyRecord(
  prev: DeliveryState,
  r: LocationRecord,
  settings: MilestoneSettings,
  remainingM?: number,
  owned = false,
): Detection {
  const { verdict, cursor } = judgeRecord(cursorOf(prev), r);
  if (!isApplied(verdict)) return { state: prev, notifications: [] };
  // A new state object, unless the caller owns `prev` (it made it and nothing else holds it):
  // then `prev` itself. Either way arrays are replaced, never changed: they may be shared.
  const s: DeliveryState = owned ? prev : { ...prev };
  s.lastSeq = r.seq;
  // Stored only when not the default, so states of producers without sessions stay as they were.
  if (cursor.session !== DEFAULT_SESSION || s.session !== undefined) s.session = cursor.session;
  if (cursor.superseded.length > 0) s.superseded = [...cursor.superseded];
  const out: NotificationRecord[] = [];

  if (r.type === 'trip') {
    s.status = r.status;
    if (r.dropoff) s.dropoff = r.dropoff;
    if (r.status === 'picked_up') {
      emitOnce(s, out, 'picked_up', r.ts);
      s.pickedUpAt ??= r.ts;
    }
    if (r.status === 'delivered') emitOnce(s, out, 'delivered', r.ts);
    if (!enRoute(s)) s.stalled = false;
    return { state: s, notifications: out };
  }

  const here = { lat: r.lat, lng: r.lng, ts: r.ts };
  const speed = speedOf(r, s.last);
  if (speed !== undefined) s.speeds = pushSpeed(s.speeds ?? [], speed);
  if (!s.last || r.ts >= s.last.ts) s.last = here;
  if (!s.anchor || distanceM(s.anchor, here) > settings.stallRadiusM) {
    s.anchor = here;
    s.stalled = false;
  }
  if (!enRoute(s)) return { state: s, notifications: out };

  if (s.status === 'picked_up' && s.dropoff) {
    const inside = distanceM(here, s.dropoff) <= settings.arrivalRadiusM;
    if (inside) {
      // Outside for longer than a GPS glitch restarts the dwell; a single outlier does not.
      if (s.insideSince === null || s.lastInside === null || r.ts - s.lastInside > OUTLIER_GRACE_MS)
        s.insideSince = r.ts;
      s.lastInside = r.ts;
    } else if (s.lastInside !== null && r.ts - s.lastInside > OUTLIER_GRACE_MS) {
      s.insideSince = null;
    }
    if (inside && r.ts - s.insideSince! >= settings.arrivalDwellS * 1000)
      emitOnce(s, out, 'arrived', r.ts);
    if (!s.emitted.includes('arrived') && isNearby(s, r.ts, settings, remainingM))
      emitOnce(s, out, 'nearby', r.ts);
  }
  const delayed = checkStall(s, r.ts, settings);
  if (delayed.notifications.length === 0) return { state: s, notifications: out };
  out.push(...delayed.notifications);
  return { state: delayed.state, notifications: out };
}

/**
 * Notifies a milestone that is notified once per delivery, unless it already was. Defined here
 * rather than as a closure in applyRecord: a closure made for every record cost the
 * notifications group about 5 % of its time on a backlog (tsx names each one as it is made).
 */
function emitOnce(s: DeliveryState, out: NotificationRecord[], milestone: Milestone, ts: number) {
  if (s.emitted.includes(milestone)) return;
  s.emitted = [...s.emitted, milestone];
  out.push(notification(s, milestone, ts));
}

function notification(
  s: DeliveryState,
  milestone: Milestone,
  ts: number,
  n?: number,
): NotificationRecord {
  return {
    type: 'notification',
    v: 1,
    id: notificationId(s.deliveryId, milestone, n),
    deliveryId: s.deliveryId,
    driverId: s.driverId,
    milestone,
    ts,
    message: MESSAGES[milestone],
  };
}

/**
 * A delay is notified once per stall: en route, and neither movement nor (with `now` from other
 * drivers' records on the partition) any fix for stallS. Moving again ends the stall.
 */
export function checkStall(
  prev: DeliveryState,
  now: number,
  settings: MilestoneSettings,
): Detection {
  if (!enRoute(prev) || prev.stalled || prev.emitted.includes('arrived'))
    return { state: prev, notifications: [] };
  const since = prev.anchor?.ts ?? prev.last?.ts;
  if (since === undefined || now - since < settings.stallS * 1000)
    return { state: prev, notifications: [] };
  const s = { ...prev, stalled: true, delays: prev.delays + 1 };
  return { state: s, notifications: [notification(s, 'delayed', now, s.delays)] };
}

/** From when a delivery counts as silent (its last fix), or null if it cannot become delayed. */
export function silentSince(s: DeliveryState): number | null {
  if (!enRoute(s) || s.stalled || s.emitted.includes('arrived')) return null;
  return s.last?.ts ?? null;
}
