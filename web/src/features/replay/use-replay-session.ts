import { useEffect, useMemo, useRef, useState } from 'react';
import type {
  ReplayErrorMessage,
  ReplayServerMessage,
  ReplayStartMessage,
} from '@fleetstream/contracts';
import {
  connectReplay,
  type ReplayConnection,
  type ReplayRequest,
  type ReplaySession,
} from '../../api/replay-socket.js';

/** Where a replay's player stands: the part every replay page shows the same way. */
export interface PlayerState {
  connection: ReplayConnection;
  /** The first message: the window actually played. */
  start: ReplayStartMessage | null;
  /** The device time being shown, epoch ms. */
  at: number | null;
  speed: number;
  playing: boolean;
  /** Played to the end of the window; a seek plays again. */
  ended: boolean;
  error: ReplayErrorMessage | null;
}

export const initialPlayer = (speed: number): PlayerState => ({
  connection: { kind: 'connecting' },
  start: null,
  at: null,
  speed,
  playing: false,
  ended: false,
  error: null,
});

/** Folds the server's player messages (start, clock, end, error) into the player state. */
export function reducePlayer(s: PlayerState, m: ReplayServerMessage): PlayerState {
  switch (m.type) {
    case 'replay-start':
      return { ...s, start: m, at: m.from, speed: m.speed, ended: false, error: null };
    case 'replay-state': {
      // Only a seek leaves the end: a clock tick racing the end message must not.
      const ended = s.ended && !m.seeked;
      return { ...s, at: m.at, speed: m.speed, ended, playing: m.playing && !ended };
    }
    case 'replay-end':
      return { ...s, at: m.at, playing: false, ended: true };
    case 'replay-error':
      return { ...s, playing: false, error: m };
    default:
      return s;
  }
}

/** The player's status line: "playing", "paused", "ended", or what went wrong. */
export function playerStatus(s: PlayerState): string {
  if (s.error) return s.error.message;
  if (s.connection.kind === 'refused') return 'Could not start the replay.';
  if (s.ended) return 'ended';
  if (s.connection.kind === 'closed') return 'The replay was interrupted.';
  if (!s.start) return 'connecting…';
  return s.playing ? 'playing' : 'paused';
}

export interface PlayerControls {
  /** Plays on; after the end, plays the window again from its start. */
  play(): void;
  pause(): void;
  setSpeed(speed: number): void;
  seek(at: number): void;
}

/**
 * A replay session for `request` (none while null; a new one for every new request object, so
 * keep it in state or memoize it; starting the same window again is a new session): the player's
 * state and its controls. Every server message is also handed to `onMessage`, for the page's
 * own picture (positions, frames); it is called outside React's render, so it may draw directly.
 */
export function useReplaySession(
  request: ReplayRequest | null,
  onMessage?: (m: ReplayServerMessage) => void,
): { player: PlayerState; controls: PlayerControls } {
  const [player, setPlayer] = useState(() => initialPlayer(request?.speed ?? 1));
  const session = useRef<ReplaySession | null>(null);
  const current = useRef(player);
  current.current = player;
  const handler = useRef(onMessage);
  handler.current = onMessage;
  useEffect(() => {
    if (!request) return;
    setPlayer(initialPlayer(request.speed));
    const s = connectReplay(request, {
      onState: (connection) => setPlayer((p) => ({ ...p, connection })),
      onMessage: (m) => {
        handler.current?.(m);
        setPlayer((p) => reducePlayer(p, m));
      },
    });
    session.current = s;
    return () => {
      s.close();
      session.current = null;
    };
  }, [request]);

  const controls = useMemo(
    (): PlayerControls => ({
      play: () => {
        const p = current.current;
        if (p.ended && p.start) session.current?.seek(p.start.from);
        else session.current?.play();
      },
      pause: () => session.current?.pause(),
      setSpeed: (speed) => {
        session.current?.setSpeed(speed);
        setPlayer((p) => ({ ...p, speed }));
      },
      seek: (at) => session.current?.seek(at),
    }),
    [],
  );
  return { player, controls };
}
