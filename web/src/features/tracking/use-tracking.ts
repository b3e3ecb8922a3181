import { useEffect, useState } from 'react';
import {
  carriedFixes,
  messageOrder,
  type DeliveryView,
  type NotificationMessage,
  type PositionMessage,
  type Route,
  type TrackServerMessage,
  type TrailPoint,
} from '@fleetstream/contracts';
import { toPolyline, type Polyline } from '@fleetstream/geo';
import { connectTrack, type ConnectionState } from '../../api/track-socket.js';

export interface TrackingState {
  connection: ConnectionState;
  delivery: DeliveryView | null;
  position: PositionMessage | null;
  trail: TrailPoint[];
  /**
   * Order of the newest update shown (`messageOrder`: the delivery's rev, which keeps rising when
   * the driver app restarts and its seq starts again); anything at or below it is old news.
   */
  seq: number;
  /** Oldest first, each id once. */
  notifications: NotificationMessage[];
  /** The planned route of the rest of the delivery, when the server knows one. */
  route: Polyline | null;
}

const TRAIL_MAX = 200;

declare global {
  interface Window {
    /** Fix-to-page latencies (ms) seen by this page, for tests and the curious. */
    fleetstreamLatencies?: number[];
  }
}

/** A route from the wire as a polyline to measure along, or null when it has no length. */
export const toLine = (r: Route | null | undefined): Polyline | null =>
  r && r.length > 1 ? toPolyline(r.map(([lat, lng]) => ({ lat, lng }))) : null;

/**
 * Folds server messages into the view state. A position never goes back in time: live
 * messages at or below the shown order (rev) are dropped, and a snapshot older than what is shown (after
 * a reconnect to a lagging server) updates everything but the position.
 */
export function reduceTracking(state: TrackingState, m: TrackServerMessage): TrackingState {
  switch (m.type) {
    case 'snapshot': {
      const base = {
        ...state,
        delivery: m.delivery,
        notifications: m.notifications,
        route: toLine(m.route) ?? state.route,
      };
      if (messageOrder(m) < state.seq) return base;
      return {
        ...base,
        position: m.position ?? state.position,
        trail: m.trail,
        seq: messageOrder(m),
      };
    }
    case 'position': {
      if (messageOrder(m) <= state.seq) return state;
      // Fixes sent along with this one (a backlog caught up, a phone's offline buffer), minus
      // any the trail already shows.
      const shown = state.trail.at(-1)?.ts ?? -Infinity;
      const carried = carriedFixes(m).filter((p) => p.ts > shown);
      return {
        ...state,
        position: m,
        seq: messageOrder(m),
        trail: [...state.trail, ...carried, { lat: m.lat, lng: m.lng, ts: m.ts, seq: m.seq }].slice(
          -TRAIL_MAX,
        ),
      };
    }
    case 'status':
      if (messageOrder(m) <= state.seq || !state.delivery) return state;
      return {
        ...state,
        seq: messageOrder(m),
        route: m.route === undefined ? state.route : toLine(m.route),
        delivery: {
          ...state.delivery,
          status: m.status,
          statusTs: m.ts,
          pickup: m.pickup ?? state.delivery.pickup,
          dropoff: m.dropoff ?? state.delivery.dropoff,
        },
      };
    case 'notification':
      if (state.notifications.some((n) => n.id === m.id)) return state;
      return { ...state, notifications: [...state.notifications, m] };
    case 'heartbeat':
      return state;
  }
}

export function useTracking(deliveryId: string, token: string): TrackingState {
  const [state, setState] = useState<TrackingState>({
    connection: { kind: 'connecting' },
    delivery: null,
    position: null,
    trail: [],
    seq: -1,
    notifications: [],
    route: null,
  });
  useEffect(() => {
    return connectTrack(deliveryId, token, {
      onState: (connection) => setState((s) => ({ ...s, connection })),
      onMessage: (m) => {
        if (m.type === 'position') (window.fleetstreamLatencies ??= []).push(Date.now() - m.ts);
        setState((s) => reduceTracking(s, m));
      },
    });
  }, [deliveryId, token]);
  return state;
}
