import { useEffect, useRef, useState } from 'react';

export const REPLAY_SPEEDS = [1, 2, 5, 10, 30, 60] as const;

export interface ReplayControlsProps {
  /** The window played, epoch ms; null until the server has said. */
  from: number | null;
  to: number | null;
  /** The replay clock, epoch ms. */
  at: number | null;
  playing: boolean;
  speed: number;
  /** "playing", "paused", "ended", or what went wrong. */
  status: string;
  /** No controls while there is nothing to control (connecting, failed). */
  disabled?: boolean;
  onPlay(): void;
  onPause(): void;
  onSpeed(speed: number): void;
  onSeek(at: number): void;
}

/** The replay clock as a person reads it: date and time to the second. */
export const formatReplayTime = (at: number) =>
  new Date(at).toLocaleString([], {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });

/**
 * A replay's player bar: play/pause, a seek slider over the window, the speed and the clock.
 * The slider seeks when it is let go (its change event), not on every step of a drag.
 */
export function ReplayControls({
  from,
  to,
  at,
  playing,
  speed,
  status,
  disabled = false,
  onPlay,
  onPause,
  onSpeed,
  onSeek,
}: ReplayControlsProps) {
  const slider = useRef<HTMLInputElement>(null);
  const [dragAt, setDragAt] = useState<number | null>(null);
  const seek = useRef(onSeek);
  seek.current = onSeek;

  // React's onChange is the input event (every step of a drag); the native change event fires
  // once the thumb is let go, or per key press.
  useEffect(() => {
    const el = slider.current;
    if (!el) return;
    const commit = () => {
      setDragAt(null);
      seek.current(Number(el.value));
    };
    el.addEventListener('change', commit);
    return () => el.removeEventListener('change', commit);
  }, []);

  const ready = !disabled && from !== null && to !== null;
  const shown = dragAt ?? at ?? from ?? 0;
  return (
    <div className="replay-controls" role="group" aria-label="Replay controls">
      <button
        type="button"
        className="replay-play"
        data-testid="replay-play"
        disabled={!ready}
        onClick={playing ? onPause : onPlay}
        aria-label={playing ? 'Pause' : 'Play'}
      >
        {playing ? '❚❚' : '▶'}
      </button>
      <input
        ref={slider}
        type="range"
        className="replay-seek"
        data-testid="replay-seek"
        aria-label="Replay position"
        min={from ?? 0}
        max={to ?? 0}
        step={1000}
        value={Math.min(Math.max(shown, from ?? 0), to ?? 0)}
        disabled={!ready}
        onChange={(e) => setDragAt(Number(e.target.value))}
      />
      <select
        className="replay-speed"
        data-testid="replay-speed"
        aria-label="Replay speed"
        value={speed}
        disabled={!ready}
        onChange={(e) => onSpeed(Number(e.target.value))}
      >
        {[...new Set([...REPLAY_SPEEDS, speed])]
          .sort((a, b) => a - b)
          .map((s) => (
            <option key={s} value={s}>
              {s}×
            </option>
          ))}
      </select>
      <time
        className="replay-clock"
        data-testid="replay-clock"
        data-at={at ?? undefined}
        dateTime={at === null ? undefined : new Date(at).toISOString()}
      >
        {at === null ? '—' : formatReplayTime(dragAt ?? at)}
      </time>
      <span className="replay-status" data-testid="replay-status" role="status">
        {status}
      </span>
    </div>
  );
}
