import type {
  LatLng,
  PositionMessage,
  PositionRecord,
  Route,
  StatusMessage,
  TrailPoint,
  TripRecord,
  TripStatus,
} from '@fleetstream/contracts';
import { judgeRecord, isApplied, type SessionCursor } from './driver-session.js';

/**
 * Live-push's rules for one delivery: which records take effect (the contract's (driver,
 * session, seq) order, judged per delivery, which is one driver's), the delivery's revision, and
 * what its stored state and its customers' messages become. Pure: the consumer holds each owned
 * partition's states in memory and an adapter stores the plan (infra/delivery-store.ts).
 */

/** Progress and ETA range live-push adds to a position message. */
export interface PositionEta {
  remainingM: number;
  etaMinS: number;
  etaMaxS: number;
}

/** One update of a chunk, applied in the chunk's order. */
export type DeliveryUpdate =
  | { type: 'position'; position: PositionRecord & { deliveryId: string }; eta?: PositionEta }
  | { type: 'trip'; trip: TripRecord; route?: Route | null };

/** The delivery an update is about. */
export const deliveryIdOf = (u: DeliveryUpdate) =>
  (u.type === 'position' ? u.position : u.trip).deliveryId;

/** What live-push keeps per delivery to judge the next update. */
export interface LiveDeliveryState {
  /** Undefined until the delivery's first update. */
  cursor: SessionCursor | undefined;
  /** Applied updates so far (across sessions): messages carry it, customers order by it. */
  rev: number;
  status: TripStatus | '';
  /** The stored `rev` field as read, which a write without a partition fence is checked against. */
  storedRev: string;
  /** The delivery's driver ('' until known). */
  driverId: string;
}

export const emptyLiveState = (): LiveDeliveryState => ({
  cursor: undefined,
  rev: 0,
  status: '',
  storedRev: '',
  driverId: '',
});

export const isFinished = (status: TripStatus | '') =>
  status === 'delivered' || status === 'cancelled';

/**
 * Trails are trimmed each time a delivery's revision passes a multiple of this: a trail of 100
 * points (the default length) then holds at most 128, about 6 kB, within one node of a Redis
 * list (`list-max-listpack-size`, 8 kB; infra/trail-point.ts), and is trimmed by one command
 * every 28 fixes, not one every fix.
 */
export const TRAIL_TRIM_EVERY = 28;

/** Everything one chunk changes about one delivery, written at once. */
export interface DeliveryChange {
  deliveryId: string;
  /** The state after the chunk (also the consumer's new in-memory state). */
  state: LiveDeliveryState;
  /** Whether the cursor's superseded sessions changed and must be written. */
  supersededChanged: boolean;
  /** Whether the cursor's session changed (or was never written) and must be written. */
  sessionChanged: boolean;
  /** Whether the delivery's driver changed (or was never written) and must be written. */
  driverChanged: boolean;
  /**
   * Its customer messages, in the chunk's order: its status messages, and its latest position
   * (published with the chunk's earlier positions as its `trail`: carriedTrail).
   */
  messages: (PositionMessage | StatusMessage)[];
  /** The latest position message, when a position was applied (as stored: without a trail). */
  position?: PositionMessage;
  /** New trail points, oldest first (appended to the stored trail). */
  trail: TrailPoint[];
  /** Whether the trail is due a trim (its revision passed a multiple of TRAIL_TRIM_EVERY). */
  trimTrail: boolean;
  /** The last applied trip event's fields, when one was applied. */
  trip?: {
    status: TripStatus;
    statusTs: number;
    pickup?: LatLng;
    dropoff?: LatLng;
    route?: Route;
  };
  /**
   * Score in the active set (device time of the last update while unfinished), null to leave
   * it, undefined when unchanged.
   */
  activeScore?: number | null;
}

/** Earlier positions a published position carries, at most: as many as the page draws. */
export const CARRIED_TRAIL_MAX = 200;

/**
 * The points a change's latest position is published with, oldest first: its chunk's earlier
 * positions, which are not published on their own. A chunk holds one fix a delivery at 1 Hz,
 * but thousands on a backlog or after a phone's offline buffer: a customer then gets where the
 * courier is now, its way there drawn on the map, rather than every fix replayed, and live-push
 * and the gateway encode and send one message instead of one a fix.
 */
export function carriedTrail(c: DeliveryChange): DeliveryChange['trail'] {
  return c.trail.slice(...carriedRange(c));
}

/**
 * Where carriedTrail's points are in the change's trail, [from, to): for a caller holding the
 * trail in another form (infra/live-chunk.ts, its points formatted for Redis).
 */
export function carriedRange(c: DeliveryChange): [number, number] {
  if (!c.position) return [0, 0];
  // The trail's last point is the latest position's own.
  const to = c.trail.length - 1;
  return [Math.max(0, to - CARRIED_TRAIL_MAX), to];
}

export interface LiveChunkPlan {
  /** Per update of the chunk: whether it took effect. */
  applied: boolean[];
  /** One entry per delivery the chunk changed. */
  changes: Map<string, DeliveryChange>;
  /** Updates that started a driver session superseding another (an app restart). */
  newSessions: number;
}

/**
 * Plans a chunk of updates (one partition's, in log order) against the deliveries' states.
 * `stateOf` must return the current state of every delivery in the chunk; those states are
 * changed in place to what they become (a caller whose write then fails drops them).
 */
export function planLiveChunk(
  updates: readonly DeliveryUpdate[],
  stateOf: (deliveryId: string) => LiveDeliveryState,
  now: number,
): LiveChunkPlan {
  const changes = new Map<string, DeliveryChange>();
  /**
   * Each delivery's latest position so far, its message made once the chunk is planned: on a
   * backlog a chunk holds a dozen fixes of a delivery, and only the latest is published. `at` is
   * where it goes among the delivery's messages: after the statuses before it.
   */
  const latest = new Map<string, { u: PositionUpdate; rev: number; at: number }>();
  let newSessions = 0;
  const applied = updates.map((u) => {
    const record = u.type === 'position' ? u.position : u.trip;
    const id = deliveryIdOf(u);
    let change = changes.get(id);
    const state = change?.state ?? stateOf(id);
    const judged = judgeRecord(state.cursor, record);
    if (!isApplied(judged.verdict)) return false;
    const trimBlock = Math.floor(state.rev / TRAIL_TRIM_EVERY);
    const rev = ++state.rev;
    state.cursor = judged.cursor;
    if (u.type === 'trip') state.status = u.trip.status;
    if (!change) {
      change = {
        deliveryId: id,
        state,
        supersededChanged: false,
        sessionChanged: false,
        driverChanged: false,
        messages: [],
        trail: [],
        trimTrail: false,
      };
      changes.set(id, change);
    }
    if (judged.verdict === 'new-session' || rev === 1) change.sessionChanged = true;
    if (judged.verdict === 'new-session') {
      change.supersededChanged = true;
      newSessions++;
    }
    if (state.driverId !== record.driverId) {
      state.driverId = record.driverId;
      change.driverChanged = true;
    }
    if (Math.floor(rev / TRAIL_TRIM_EVERY) !== trimBlock) change.trimTrail = true;
    if (u.type === 'position') {
      // The record itself: a trail point reads its lat, lng, ts and seq.
      change.trail.push(u.position);
      if (!isFinished(state.status)) change.activeScore = u.position.ts;
      // An earlier position of the chunk is not published on its own: the latest carries it.
      const l = latest.get(id);
      if (l) {
        l.u = u;
        l.rev = rev;
        l.at = change.messages.length;
      } else latest.set(id, { u, rev, at: change.messages.length });
    } else {
      const t = u.trip;
      change.trip = {
        status: t.status,
        statusTs: t.ts,
        pickup: t.pickup ?? change.trip?.pickup,
        dropoff: t.dropoff ?? change.trip?.dropoff,
        route: u.route ?? change.trip?.route,
      };
      change.activeScore = isFinished(t.status) ? null : t.ts;
      const message: StatusMessage = {
        type: 'status',
        deliveryId: id,
        seq: t.seq,
        status: t.status,
        ts: t.ts,
        pickup: t.pickup ?? null,
        dropoff: t.dropoff ?? null,
        route: u.route ?? null,
        rev,
      };
      change.messages.push(message);
    }
    return true;
  });
  for (const [id, l] of latest) {
    const change = changes.get(id)!;
    change.position = positionMessage(l.u, l.rev, now);
    change.messages.splice(l.at, 0, change.position);
  }
  return { applied, changes, newSessions };
}

type PositionUpdate = Extract<DeliveryUpdate, { type: 'position' }>;

/**
 * A position's message to customers, with its ETA when it has one: one shape for all (fields
 * left undefined are not written to JSON).
 */
function positionMessage(u: PositionUpdate, rev: number, now: number): PositionMessage {
  const p = u.position;
  return {
    type: 'position',
    deliveryId: p.deliveryId,
    driverId: p.driverId,
    seq: p.seq,
    ts: p.ts,
    lat: p.lat,
    lng: p.lng,
    speedMps: p.speedMps,
    headingDeg: p.headingDeg,
    accuracyM: p.accuracyM,
    appliedAt: now,
    remainingM: u.eta?.remainingM,
    etaMinS: u.eta?.etaMinS,
    etaMaxS: u.eta?.etaMaxS,
    rev,
  };
}
