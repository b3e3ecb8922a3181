/**
 * The clock of a replay: which device time is being shown at a wall time, given play, pause,
 * speed and seek. Pure: the caller passes the wall time.
 */
export interface ReplayClock {
  /** The device time shown at wall time `now`. */
  at(now: number): number;
  /** Wall milliseconds until device time `ts` is shown (≤ 0: due; Infinity while paused). */
  dueIn(ts: number, now: number): number;
  play(now: number): void;
  pause(now: number): void;
  setSpeed(speed: number, now: number): void;
  seek(at: number, now: number): void;
  readonly playing: boolean;
  readonly speed: number;
}

export function createReplayClock(from: number, speed: number, now: number): ReplayClock {
  // The device time shown at wall time `anchorWall`; it advances at `rate` while playing.
  let anchorAt = from;
  let anchorWall = now;
  let rate = speed;
  let playing = true;
  const at = (n: number) => (playing ? anchorAt + (n - anchorWall) * rate : anchorAt);
  const reanchor = (n: number) => {
    anchorAt = at(n);
    anchorWall = n;
  };
  return {
    at,
    dueIn: (ts, n) => (playing ? (ts - at(n)) / rate : ts <= anchorAt ? 0 : Infinity),
    play(n) {
      reanchor(n);
      playing = true;
    },
    pause(n) {
      reanchor(n);
      playing = false;
    },
    setSpeed(s, n) {
      reanchor(n);
      rate = s;
    },
    seek(to, n) {
      anchorAt = to;
      anchorWall = n;
    },
    get playing() {
      return playing;
    },
    get speed() {
      return rate;
    },
  };
}
