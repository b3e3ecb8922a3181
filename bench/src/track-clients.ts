import { WebSocket } from 'ws';
import {
  frameInteger,
  isPositionFrame,
  trackSocketUrl,
  trackSocketOptions,
  trackTarget,
} from '@fleetstream/testkit/track-socket';
import { LatencyRecorder, preciseWallClock } from './histogram.js';

/** A position's carried fixes, its last key (contracts' PositionMessage `trail`). */
const TRAIL_KEY = Buffer.from('"trail":');

export interface TrackClientCounts {
  /** Sockets open now. */
  open: number;
  /** Handshakes that failed (refused, timed out, reset). */
  failed: number;
  /** Sockets that opened and were closed since, by the gateway or the network. */
  closed: number;
  /** Fixes received by all clients: positions, and the fixes they carry. */
  positions: number;
  /**
   * Of those, positions whose fix was taken since the window began: a rate that a backlog
   * drained from socket buffers cannot inflate.
   */
  freshPositions: number;
  /** Every message, snapshots and status included. */
  messages: number;
}

/**
 * Customers: real `ws` clients on /ws/track with their delivery's tracking token, each
 * position timed as receive time − the fix's `ts` (the load generator's intended send time).
 * The `appliedAt` stamp of live-push splits that into the Kafka leg (fix → applied) and the
 * push leg (applied → Redis pub/sub → gateway → socket). Messages are not parsed, only
 * scanned for those two numbers, and every one is timed: the scan and the histogram cost far
 * less than `ws` framing the message, so sampling would save little and lose tail samples.
 */
export class TrackClients {
  readonly fixToClient = new LatencyRecorder();
  readonly fixToApplied = new LatencyRecorder();
  readonly appliedToClient = new LatencyRecorder();
  readonly counts: TrackClientCounts = {
    open: 0,
    failed: 0,
    closed: 0,
    positions: 0,
    freshPositions: 0,
    messages: 0,
  };
  private windowStart = 0;
  private sockets = new Set<WebSocket>();
  private now = preciseWallClock();
  private failures = new Map<string, number>();

  constructor(private readonly baseUrl: string) {}

  /** Sockets open now. */
  get size(): number {
    return this.sockets.size;
  }

  /** How many failed for each reason. */
  get failureCounts(): Record<string, number> {
    return Object.fromEntries(this.failures);
  }

  /** Why connections failed, most common first. */
  get failureReasons(): string[] {
    return [...this.failures].sort((a, b) => b[1] - a[1]).map(([r, n]) => `${r} (${n}×)`);
  }

  /**
   * Opens one client per tracking URL (`/track/<id>?t=…`), `concurrency` handshakes at a time;
   * starts no new handshake after `withinMs`, and each handshake gives up after 10 s, so a
   * gateway that stops accepting cannot stall the run (the step then has fewer clients, as
   * reported). Resolves with how many of these URLs it did not try.
   */
  async connect(
    trackingUrls: readonly string[],
    concurrency = 100,
    withinMs = 120_000,
  ): Promise<number> {
    let next = 0;
    const deadline = performance.now() + withinMs;
    const worker = async () => {
      while (next < trackingUrls.length && performance.now() < deadline) {
        const url = trackingUrls[next++]!;
        await this.open(url);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, trackingUrls.length) }, worker));
    return trackingUrls.length - next;
  }

  /**
   * Times one handshake per URL, all at once, closing each socket as soon as it opens: how long
   * a new customer waits for the gateway while it is busy. Failed ones are not in `ms`.
   */
  async probe(
    trackingUrls: readonly string[],
    timeoutMs = 10_000,
  ): Promise<{ ms: number[]; failed: number }> {
    const ms: number[] = [];
    let failed = 0;
    await Promise.all(
      trackingUrls.map(
        (url) =>
          new Promise<void>((resolve) => {
            const t0 = performance.now();
            const ws = new WebSocket(
              this.wsUrl(url),
              trackSocketOptions(this.baseUrl, { asBrowser: false, handshakeTimeoutMs: timeoutMs }),
            );
            ws.on('open', () => {
              ms.push(performance.now() - t0);
              ws.terminate();
              resolve();
            });
            ws.on('error', () => {
              failed++;
              resolve();
            });
            ws.on('unexpected-response', () => {
              failed++;
              ws.terminate();
              resolve();
            });
          }),
      ),
    );
    return { ms, failed };
  }

  /** The /ws/track URL of a tracking URL (`/track/<id>?t=…`). */
  private wsUrl(trackingUrl: string): URL {
    return trackSocketUrl(this.baseUrl, trackTarget(trackingUrl, this.baseUrl));
  }

  private open(trackingUrl: string): Promise<void> {
    const wsUrl = this.wsUrl(trackingUrl);
    return new Promise((resolve) => {
      // A handshake the gateway never answers fails instead of holding a connect slot forever.
      // Text frames are not checked for valid UTF-8: the gateway is not what is tested here,
      // and the check would be the clients' largest cost per message.
      const ws = new WebSocket(
        wsUrl,
        trackSocketOptions(this.baseUrl, {
          asBrowser: false,
          handshakeTimeoutMs: 10_000,
          skipUTF8Validation: true,
        }),
      );
      let settled = false;
      const settle = (reason?: string) => {
        if (settled) return;
        settled = true;
        if (reason === undefined) {
          this.counts.open++;
          this.sockets.add(ws);
        } else {
          this.counts.failed++;
          this.failures.set(reason, (this.failures.get(reason) ?? 0) + 1);
        }
        resolve();
      };
      ws.on('open', () => settle());
      ws.on('unexpected-response', (_req, res) => {
        settle(`HTTP ${res.statusCode}`);
        ws.terminate();
      });
      ws.on('error', (err) => settle(err.message));
      ws.on('close', () => {
        if (settled && this.sockets.delete(ws)) {
          this.counts.closed++;
          this.counts.open--;
        }
        settle('closed');
      });
      ws.on('message', (data) => this.onMessage(data as Buffer));
    });
  }

  private onMessage(data: Buffer): void {
    const received = this.now();
    this.counts.messages++;
    if (!isPositionFrame(data)) return;
    const ts = frameInteger(data, 'ts');
    if (!Number.isFinite(ts)) return;
    const appliedAt = frameInteger(data, 'appliedAt');
    this.recordFix(received, ts, appliedAt);
    // Fixes it carries (several of a delivery applied at once: a lagging live-push) reached the
    // customer now too, and are timed like the rest, or a backlog's would go unmeasured.
    const trailAt = data.indexOf(TRAIL_KEY);
    if (trailAt < 0) return;
    const carried = JSON.parse(
      data.toString('utf8', trailAt + TRAIL_KEY.length, data.length - 1),
    ) as number[][];
    for (const fix of carried) this.recordFix(received, fix[2]!, appliedAt);
  }

  private recordFix(received: number, ts: number, appliedAt: number): void {
    this.counts.positions++;
    if (ts >= this.windowStart) this.counts.freshPositions++;
    this.fixToClient.record(received - ts);
    if (Number.isFinite(appliedAt)) {
      this.fixToApplied.record(appliedAt - ts);
      this.appliedToClient.record(received - appliedAt);
    }
  }

  resetWindow(): void {
    this.fixToClient.reset();
    this.fixToApplied.reset();
    this.appliedToClient.reset();
    this.counts.positions = 0;
    this.counts.freshPositions = 0;
    this.counts.messages = 0;
    this.now = preciseWallClock();
    this.windowStart = Date.now();
  }

  async close(): Promise<void> {
    const all = [...this.sockets];
    this.sockets.clear();
    await Promise.all(
      all.map(
        (ws) =>
          new Promise<void>((resolve) => {
            if (ws.readyState === WebSocket.CLOSED) return resolve();
            ws.once('close', () => resolve());
            ws.terminate();
          }),
      ),
    );
    this.counts.open = 0;
  }
}
