import {
  ReplayControlSchema,
  type ReplayStartMessage,
  type ReplayStateMessage,
} from '@fleetstream/contracts';
import { createReplayClock } from '../domain/replay-clock.js';
import type { Logger } from '../infra/logger.js';
import type { ReplayItem } from './replay-cursor.js';

/** How often the clock is sent while playing, and how often a fleet frame goes out at most. */
const STATE_EVERY_MS = 500;
export const FRAME_EVERY_MS = 100;
/** Records handled before the loop lets live traffic through (a fleet at 60× is many a frame). */
const YIELD_EVERY = 500;

export interface ReplayPlayer<T> {
  /** Items in device-time order: `peek` looks, `take` consumes; null at the window's end. */
  peek(): Promise<ReplayItem<T> | null>;
  take(): Promise<ReplayItem<T> | null>;
  /**
   * Starts again at device time `at`; may return messages that show the state at `at` (a
   * delivery's snapshot), sent right after the `seeked` clock.
   */
  seek(at: number): Promise<string[] | void>;
  /** Handles an item that is due: sends it, or adds it to the next frame. */
  play(item: ReplayItem<T>): void;
  /** Sends what is waiting for a frame (fleet replays), given the device time shown. */
  flush?(at: number): void;
  /** Forgets what was shown (after a seek). */
  reset?(): void;
}

/** The socket a replay plays on: a `ws` WebSocket, or the worker's stand-in for one. */
export interface ReplaySocket {
  readonly readyState: number;
  readonly OPEN: number;
  /** Bytes queued and not yet sent: above the limit, the replay's clock stands still. */
  readonly bufferedAmount: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  on(event: 'message', listener: (data: unknown) => void): unknown;
  once(event: 'close', listener: () => void): unknown;
}

/**
 * Plays a replay on one socket: items go out when the clock reaches their device time (× speed),
 * controls from the browser move the clock, and a socket that does not drain holds the clock
 * still (it never gets more than it reads). Resolves when the socket closes.
 */
export async function runReplaySession<T>(o: {
  ws: ReplaySocket;
  start: ReplayStartMessage;
  player: ReplayPlayer<T>;
  maxBufferedBytes: number;
  log: Logger;
}): Promise<void> {
  const { ws, start, player } = o;
  const clock = createReplayClock(start.from, start.speed, Date.now());
  let closed = ws.readyState !== ws.OPEN;
  let ended = false;
  let seekTo: number | null = null;
  let wake = () => {};
  const nap = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, Math.max(0, ms));
      wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  const send = (m: object) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m));
  };
  let lastState = 0;
  const sendState = (seeked = false) => {
    const now = Date.now();
    lastState = now;
    const at = Math.min(start.to, clock.at(now));
    send({
      type: 'replay-state',
      at,
      speed: clock.speed,
      playing: clock.playing && !ended,
      seeked,
    } satisfies ReplayStateMessage);
  };

  ws.on('message', (data) => {
    let parsed;
    try {
      parsed = ReplayControlSchema.safeParse(JSON.parse(String(data)));
    } catch {
      parsed = null;
    }
    if (!parsed?.success) return ws.close(1008, 'unknown control message');
    const c = parsed.data;
    const now = Date.now();
    if (c.type === 'play') {
      if (ended) seekTo = start.from;
      else clock.play(now);
    } else if (c.type === 'pause') clock.pause(now);
    else if (c.type === 'speed') clock.setSpeed(c.speed, now);
    else seekTo = Math.min(start.to, Math.max(start.from, c.at));
    if (seekTo === null) sendState();
    wake();
  });
  ws.once('close', () => {
    closed = true;
    wake();
  });

  send(start);
  sendState();
  let lastFrame = Date.now();
  let handled = 0;
  while (!closed) {
    const now = Date.now();
    if (seekTo !== null) {
      const at = seekTo;
      seekTo = null;
      player.reset?.();
      const catchUp = (await player.seek(at)) ?? [];
      clock.seek(at, Date.now());
      if (!clock.playing) clock.play(Date.now());
      ended = false;
      sendState(true);
      for (const m of catchUp) if (ws.readyState === ws.OPEN) ws.send(m);
      continue;
    }
    if (player.flush && now - lastFrame >= FRAME_EVERY_MS) {
      lastFrame = now;
      player.flush(Math.min(start.to, clock.at(now)));
    }
    if (now - lastState >= STATE_EVERY_MS && clock.playing && !ended) sendState();
    if (ended || !clock.playing) {
      await nap(STATE_EVERY_MS);
      continue;
    }
    if (ws.bufferedAmount > o.maxBufferedBytes) {
      // Hold the clock still while the browser catches up: it sees everything, later.
      clock.pause(now);
      await nap(20);
      clock.play(Date.now());
      continue;
    }
    const item = await player.peek();
    if (!item) {
      player.flush?.(start.to);
      ended = true;
      send({ type: 'replay-end', at: start.to });
      sendState();
      continue;
    }
    const wait = clock.dueIn(item.ts, Date.now());
    if (wait > 0) {
      // A fleet is drawn a frame at a time: what falls due before the next frame is handled
      // together when it comes (a timer per record costs more than the record). A delivery's
      // few messages each go out on time.
      const untilFrame = lastFrame + FRAME_EVERY_MS - Date.now();
      await nap(player.flush ? Math.max(1, untilFrame) : Math.min(wait, STATE_EVERY_MS));
      continue;
    }
    await player.take();
    player.play(item);
    if (++handled % YIELD_EVERY === 0) await new Promise((r) => setImmediate(r));
  }
}
