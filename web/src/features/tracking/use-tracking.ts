import { useEffect, useState } from 'react';
import type {
  DeliveryView,
  NotificationMessage,
  PositionMessage,
  TrackServerMessage,
  TrailPoint,
} from '@fleetstream/contracts';
import { connectTrack, type ConnectionState } from '../../api/track-socket.js';

export interface TrackingState {
  connection: ConnectionState;
  delivery: DeliveryView | null;
  position: PositionMessage | null;
  trail: TrailPoint[];
  /** Highest seq shown; anything at or below it is old news. */
  seq: number;
  /** Oldest first, each id once. */
  notifications: NotificationMessage[];
}

const TRAIL_MAX = 200;

declare global {
  interface Window {
    /** Fix-to-page latencies (ms) seen by this page, for tests and the curious. */
    fleetstreamLatencies?: number[];
  }
}

/** Folds server messages into the view state, never letting a position go back in time. */
export function reduceTracking(state: TrackingState, m: TrackServerMessage): TrackingState {
  switch (m.type) {
    case 'snapshot':
      return {
        ...state,
        delivery: m.delivery,
        position: m.position,
        trail: m.trail,
        seq: m.seq,
        notifications: m.notifications,
      };
    case 'position':
      if (m.seq <= state.seq) return state;
      return {
        ...state,
        position: m,
        seq: m.seq,
        trail: [...state.trail, { lat: m.lat, lng: m.lng, ts: m.ts, seq: m.seq }].slice(-TRAIL_MAX),
      };
    case 'status':
      if (m.seq <= state.seq || !state.delivery) return state;
      return {
        ...state,
        seq: m.seq,
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
