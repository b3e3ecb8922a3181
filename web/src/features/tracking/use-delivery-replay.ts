import { useMemo, useReducer } from 'react';
import type {
  LatLng,
  NotificationMessage,
  PositionMessage,
  ReplayServerMessage,
  TrailPoint,
  TripStatus,
} from '@fleetstream/contracts';
import type { Polyline } from '@fleetstream/geo';
import type { ReplayRequest } from '../../api/replay-socket.js';
import {
  useReplaySession,
  type PlayerControls,
  type PlayerState,
} from '../replay/use-replay-session.js';
import { toLine } from './use-tracking.js';

/** What a delivery replay shows at its clock: what the customer saw then. */
export interface DeliveryReplayState {
  /** The delivery's status so far, and the device time it changed. */
  trip: { status: TripStatus; ts: number } | null;
  position: PositionMessage | null;
  /** Oldest first: the positions of the trip up to the clock. */
  trail: TrailPoint[];
  /** Oldest first, each id once. */
  notifications: NotificationMessage[];
  route: Polyline | null;
  pickup: LatLng | null;
  dropoff: LatLng | null;
}

export const emptyDeliveryReplay: DeliveryReplayState = {
  trip: null,
  position: null,
  trail: [],
  notifications: [],
  route: null,
  pickup: null,
  dropoff: null,
};

/** A whole trip at 1 Hz is a few thousand fixes at most; beyond that the oldest go. */
const TRAIL_MAX = 5000;

/**
 * Folds a delivery replay's messages into its picture. The server sends them in recorded order,
 * so there is nothing to reorder. A seek clears the picture; into the middle of the trip, the
 * server follows it with a snapshot of the delivery as it was then.
 */
export function reduceDeliveryReplay(
  s: DeliveryReplayState,
  m: ReplayServerMessage,
): DeliveryReplayState {
  switch (m.type) {
    case 'replay-start':
      return { ...s, pickup: m.pickup ?? s.pickup, dropoff: m.dropoff ?? s.dropoff };
    case 'replay-state':
      if (!m.seeked) return s;
      return { ...emptyDeliveryReplay, pickup: s.pickup, dropoff: s.dropoff };
    case 'snapshot':
      return {
        trip: { status: m.delivery.status, ts: m.delivery.statusTs },
        position: m.position,
        trail: m.trail.slice(-TRAIL_MAX),
        notifications: m.notifications,
        route: toLine(m.route),
        pickup: m.delivery.pickup ?? s.pickup,
        dropoff: m.delivery.dropoff ?? s.dropoff,
      };
    case 'position':
      return {
        ...s,
        position: m,
        trail: [...s.trail, { lat: m.lat, lng: m.lng, ts: m.ts, seq: m.seq }].slice(-TRAIL_MAX),
      };
    case 'status':
      return {
        ...s,
        trip: { status: m.status, ts: m.ts },
        route: m.route === undefined ? s.route : toLine(m.route),
        pickup: m.pickup ?? s.pickup,
        dropoff: m.dropoff ?? s.dropoff,
      };
    case 'notification':
      if (s.notifications.some((n) => n.id === m.id)) return s;
      return { ...s, notifications: [...s.notifications, m] };
    default:
      return s;
  }
}

export interface DeliveryReplay extends DeliveryReplayState {
  player: PlayerState;
  controls: PlayerControls;
}

/** The replay of one delivery, with its tracking token, starting at `speed`. */
export function useDeliveryReplay(
  deliveryId: string,
  token: string,
  speed: number,
): DeliveryReplay {
  const [state, dispatch] = useReducer(reduceDeliveryReplay, emptyDeliveryReplay);
  const request = useMemo(
    (): ReplayRequest | null => (token ? { deliveryId, trackingToken: token, speed } : null),
    [deliveryId, token, speed],
  );
  const { player, controls } = useReplaySession(request, dispatch);
  return { ...state, player, controls };
}
