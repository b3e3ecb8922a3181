import type { WebSocket } from 'ws';
import { retryHintMs } from '@fleetstream/contracts';
import { createRng, type Rng } from '@fleetstream/geo';
import { followDelivery, ShownOrder, type TrackTarget } from '@fleetstream/testkit/track-socket';

/** One customer of the crowd: a tracking socket that comes back on its own, as the page does. */
interface Member {
  target: TrackTarget;
  socket: WebSocket | null;
  /** What this customer was shown, across its reconnects. */
  order: ShownOrder;
  snapshots: number;
  lastSnapshotAt: number;
  lastPositionAt: number;
  /** Longest silence between two positions while connected, since the gap clock was reset. */
  maxGapMs: number;
  /** Closes of this member's sockets that it did not ask for. */
  drops: number;
  attempt: number;
  timer?: NodeJS.Timeout;
}

/**
 * Many customers following deliveries on one gateway, reconnecting the way the web client does
 * (web/src/api/track-socket.ts): after a 1013 close they wait the gateway's retry hint, after
 * any other close a capped, jittered exponential backoff. They check what a customer would
 * notice: a position older than one already shown (across reconnects too).
 */
export class Crowd {
  private readonly members: Member[] = [];
  private stopped = false;
  private readonly rnd: Rng;
  /** 1013 closes (told to come back later). */
  toldToRetry = 0;

  constructor(
    private readonly baseUrl: string,
    deliveries: readonly TrackTarget[],
    size: number,
    seed: number,
  ) {
    this.rnd = createRng(seed);
    for (let i = 0; i < size; i++) {
      this.members.push({
        target: deliveries[i % deliveries.length]!,
        socket: null,
        order: new ShownOrder(),
        snapshots: 0,
        lastSnapshotAt: 0,
        lastPositionAt: 0,
        maxGapMs: 0,
        drops: 0,
        attempt: 0,
      });
    }
  }

  get size() {
    return this.members.length;
  }

  start(): this {
    for (const m of this.members) this.open(m);
    return this;
  }

  stop(): void {
    this.stopped = true;
    for (const m of this.members) {
      clearTimeout(m.timer);
      m.socket?.terminate();
    }
  }

  /** Positions older than one the same customer had shown (across reconnects too). */
  get regressions(): number {
    return this.members.reduce((s, m) => s + m.order.regressions, 0);
  }

  /** Position messages showing a position the same customer had just been shown. */
  get repeats(): number {
    return this.members.reduce((s, m) => s + m.order.repeats, 0);
  }

  /** Messages that are not of the contract's union. */
  get malformed(): number {
    return this.members.reduce((s, m) => s + m.order.malformed, 0);
  }

  /** Members whose latest snapshot arrived at or after `t`: they are back. */
  snapshotsSince(t: number): number {
    return this.members.filter((m) => m.lastSnapshotAt >= t).length;
  }

  /** Members that received a position at or after `t`. */
  receivingSince(t: number): number {
    return this.members.filter((m) => m.lastPositionAt >= t).length;
  }

  /** Socket closes the members did not ask for, in all. */
  get drops(): number {
    return this.members.reduce((s, m) => s + m.drops, 0);
  }

  /** Starts measuring the longest silence between positions afresh. */
  resetGaps(): void {
    const now = Date.now();
    for (const m of this.members) {
      m.maxGapMs = 0;
      m.lastPositionAt = Math.max(m.lastPositionAt, now);
    }
  }

  /** The longest silence between positions of any member since resetGaps, up to now. */
  maxGapMs(): number {
    const now = Date.now();
    return Math.max(0, ...this.members.map((m) => Math.max(m.maxGapMs, now - m.lastPositionAt)));
  }

  private open(m: Member) {
    if (this.stopped) return;
    const { socket } = followDelivery(this.baseUrl, m.target, {
      order: m.order,
      onMessage: (msg) => {
        const now = Date.now();
        if (msg.type === 'snapshot') {
          m.snapshots++;
          m.lastSnapshotAt = now;
          m.attempt = 0;
        } else if (msg.type === 'position') {
          if (m.lastPositionAt > 0) m.maxGapMs = Math.max(m.maxGapMs, now - m.lastPositionAt);
          m.lastPositionAt = now;
        }
      },
    });
    m.socket = socket;
    socket.on('close', (code: number, reason: Buffer) => {
      if (m.socket !== socket) return;
      m.socket = null;
      if (this.stopped) return;
      m.drops++;
      const hint = retryHintMs(code, reason.toString());
      if (hint !== null) this.toldToRetry++;
      m.attempt++;
      const inMs =
        hint !== null
          ? hint + this.rnd() * 250
          : Math.min(10_000, 500 * 2 ** Math.min(m.attempt, 5)) * (0.5 + this.rnd() / 2);
      m.timer = setTimeout(() => this.open(m), inMs);
    });
  }
}
